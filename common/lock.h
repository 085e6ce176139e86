/* lock.h: the mutex every backend's shared state is guarded by, counting
 * its acquisitions and those that had to wait (region_stats'
 * lock_acquisitions and lock_contended): a trylock first, and only when it
 * fails a blocking lock, so an uncontended acquisition costs what a plain
 * pthread_mutex_lock does. The counters are written under the lock and read
 * without it (relaxed atomics: plain moves on x86-64). With REGION_DEBUG the
 * lock records its holder, so code that needs it held asserts lock_held. */
#ifndef REGION_LOCK_H
#define REGION_LOCK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

struct lock {
	pthread_mutex_t m;
	_Atomic uint64_t acquired, contended;
#if REGION_DEBUG
	_Atomic uintptr_t holder;   /* pthread_self() of the holder, or 0 */
#endif
};
#define LOCK_INIT { .m = PTHREAD_MUTEX_INITIALIZER }

static inline void lock_count(_Atomic uint64_t *c)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1, memory_order_relaxed);
}

static inline void lock_take(struct lock *l)
{
	int waited = pthread_mutex_trylock(&l->m) != 0;
	if (waited)
		pthread_mutex_lock(&l->m);
	lock_count(&l->acquired);
	if (waited)
		lock_count(&l->contended);
#if REGION_DEBUG
	atomic_store_explicit(&l->holder, (uintptr_t)pthread_self(), memory_order_relaxed);
#endif
}

static inline void lock_drop(struct lock *l)
{
#if REGION_DEBUG
	atomic_store_explicit(&l->holder, 0, memory_order_relaxed);
#endif
	pthread_mutex_unlock(&l->m);
}

/* Whether the calling thread holds L (always true without REGION_DEBUG:
 * for assertions only). */
static inline int lock_held(const struct lock *l)
{
#if REGION_DEBUG
	return atomic_load_explicit(&((struct lock *)l)->holder, memory_order_relaxed) ==
	       (uintptr_t)pthread_self();
#else
	(void)l;
	return 1;
#endif
}

/* Adds L's counts to *ACQUIRED and *CONTENDED. */
static inline void lock_counts(const struct lock *l, uint64_t *acquired, uint64_t *contended)
{
	*acquired += atomic_load_explicit(&((struct lock *)l)->acquired, memory_order_relaxed);
	*contended += atomic_load_explicit(&((struct lock *)l)->contended, memory_order_relaxed);
}

#endif
