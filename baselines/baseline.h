/* baseline.h: what the four peer baselines (glibc, jemalloc, mimalloc, APR)
 * share. Each backend's struct region starts with a struct baseline_head;
 * baseline.c implements from it every region.h call that does not touch the
 * library (errors, references, shrink bookkeeping, statistics, policies).
 * Invariant: a head's counters have one writer, the thread using the region,
 * and are read by region_stats_get through a registry of live regions, so
 * statistics are exact without an atomic read-modify-write per allocation. */
#ifndef BASELINE_H
#define BASELINE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "region.h"

struct baseline_head {
	struct baseline_head *prev, *next;  /* registry of live regions, under its lock */
	_Atomic uint64_t allocs, requested; /* since creation */
	_Atomic uint64_t live;              /* requested bytes since creation or reset */
	_Atomic uint64_t chunks;            /* what the library holds for it: objects, arenas, ... */
	void *last;                         /* the newest allocation, or NULL */
	size_t last_size, last_align;
	int err;
};

/* Each backend defines these: its policy names (NULL-ended, default first)
 * and the figures only its library knows (bytes_reserved, bytes_committed,
 * chunks_held, bytes_limit), written into *out. */
extern const char *const baseline_policy_names[];
void baseline_stats_lib(struct region_stats *out);

/* The policy in force, an index into baseline_policy_names. */
extern int baseline_policy_index;

/* Bytes the library has mapped and not unmapped, as seen by the interposer
 * (baselines/syscount.c, in the backends that link it); 0 when unknown. */
uint64_t syscount_mapped(void);

/* Each backend also defines the size of its struct region and what
 * region_create, region_destroy and region_shrink (in baseline.c) do in its
 * library. baseline_open sets up the library's side of a zeroed region,
 * including h.chunks; 0 or a REGION_E* code. baseline_close releases it.
 * baseline_shrink_lib gives back what the library can when P, the newest
 * allocation, shrinks to SIZE (arguments already checked); P stays put. */
extern const size_t baseline_region_size;
int baseline_open(region_t *r);
void baseline_close(region_t *r);
void baseline_shrink_lib(region_t *r, void *p, size_t size);

/* Checks an allocation request: 0 with *align raised to at least
 * REGION_MIN_ALIGN, or REGION_EINVAL (also left in h->err). */
static inline int baseline_check(struct baseline_head *h, size_t size, size_t *align)
{
	size_t a = *align;
	if (size == 0 || a == 0 || (a & (a - 1)) || a > REGION_MAX_ALIGN)
		return h->err = REGION_EINVAL;
	*align = a < REGION_MIN_ALIGN ? REGION_MIN_ALIGN : a;
	return 0;
}

/* Relaxed load and store: the owning thread is the only writer, and readers
 * only need a value that is not torn. Compiles to plain moves on x86-64. */
static inline void baseline_add(_Atomic uint64_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

/* Records a successful allocation P of SIZE bytes aligned to ALIGN. */
static inline void *baseline_alloced(struct baseline_head *h, void *p, size_t size, size_t align)
{
	baseline_add(&h->allocs, 1);
	baseline_add(&h->requested, size);
	baseline_add(&h->live, size);
	h->last = p;
	h->last_size = size;
	h->last_align = align;
	return p;
}

/* Records an allocation failure for REASON; returns NULL. */
static inline void *baseline_failed(struct baseline_head *h, int reason)
{
	h->err = reason;
	return NULL;
}

/* Everything in the region died. */
static inline void baseline_reset(struct baseline_head *h)
{
	atomic_store_explicit(&h->live, 0, memory_order_relaxed);
	h->last = NULL;
}


#endif
