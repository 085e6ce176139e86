/* baseline.c: the region.h calls the four peer baselines implement alike
 * (see baseline.h): errors, pointer-sized references, shrink bookkeeping,
 * policies, the unsupported limit and serialization calls, and statistics
 * summed over a registry of live regions plus the totals of dead ones.
 * The registry lock is taken on create, destroy and stats only, never on
 * the allocation path. */
#include "baseline.h"
#include "list.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lock.h"

/* The registry of live regions, under lock. */
static struct pool {
	struct lock lock;
	struct baseline_head *list;
	uint64_t live;                         /* live regions */
	uint64_t dead_allocs, dead_requested;  /* of destroyed regions */
} pool = { .lock = LOCK_INIT };

int baseline_policy_index;

int region_create(region_t **out)
{
	struct baseline_head *h = calloc(1, baseline_region_size);
	if (!h)
		return REGION_ENOMEM;
	int err = baseline_open((region_t *)h);
	if (err) {
		free(h);
		return err;
	}
	lock_take(&pool.lock);
	LIST_PUSH(pool.list, h);
	pool.live++;
	lock_drop(&pool.lock);
	*out = (region_t *)h;
	return 0;
}

/* The region's counters join the totals of dead regions before its
 * library side goes. */
void region_destroy(region_t *r)
{
	if (!r)
		return;
	struct baseline_head *h = (struct baseline_head *)r;
	lock_take(&pool.lock);
	LIST_UNLINK(pool.list, h);
	pool.live--;
	pool.dead_allocs += atomic_load_explicit(&h->allocs, memory_order_relaxed);
	pool.dead_requested += atomic_load_explicit(&h->requested, memory_order_relaxed);
	lock_drop(&pool.lock);
	baseline_close(r);
	free(r);
}

/* Only the newest allocation, to 1 <= SIZE <= its size; region_size counts
 * requested bytes, so the cut tail no longer counts whatever the library
 * gives back. */
int region_shrink(region_t *r, void *p, size_t size)
{
	struct baseline_head *h = (struct baseline_head *)r;
	if (p == NULL || p != h->last || size == 0 || size > h->last_size)
		return h->err = REGION_EINVAL;
	baseline_shrink_lib(r, p, size);
	atomic_store_explicit(&h->live,
			      atomic_load_explicit(&h->live, memory_order_relaxed) - (h->last_size - size),
			      memory_order_relaxed);
	h->last_size = size;
	return 0;
}

void region_stats_get(struct region_stats *out)
{
	memset(out, 0, sizeof *out);
	/* Uncounted: the lock counts are of the program's acquisitions. */
	pthread_mutex_lock(&pool.lock.m);
	out->allocs = pool.dead_allocs;
	out->bytes_requested = pool.dead_requested;
	for (struct baseline_head *h = pool.list; h; h = h->next) {
		out->allocs += atomic_load_explicit(&h->allocs, memory_order_relaxed);
		out->bytes_requested += atomic_load_explicit(&h->requested, memory_order_relaxed);
		out->bytes_live += atomic_load_explicit(&h->live, memory_order_relaxed);
		out->chunks_held += atomic_load_explicit(&h->chunks, memory_order_relaxed);
	}
	out->regions_live = pool.live;
	pthread_mutex_unlock(&pool.lock.m);
	lock_counts(&pool.lock, &out->lock_acquisitions, &out->lock_contended);
	baseline_stats_lib(out);
}

int region_error(const region_t *r)
{
	return ((const struct baseline_head *)r)->err;
}

/* References are the addresses themselves (REGION_REF_BITS is 64 for every
 * baseline), so NULL is REGION_REF_NULL and no allocation encodes to it. */
region_ref_t region_ref(const region_t *r, const void *p)
{
	return (region_ref_t)(uintptr_t)p;
}

void *region_ptr(const region_t *r, region_ref_t ref)
{
	return (void *)(uintptr_t)ref;
}

inline uint32_t region_load32(const region_t *r, region_ref_t ref, size_t off)
{
	return *(const uint32_t *)((uintptr_t)ref + off);
}

inline uint64_t region_load64(const region_t *r, region_ref_t ref, size_t off)
{
	return *(const uint64_t *)((uintptr_t)ref + off);
}

inline void region_store32(region_t *r, region_ref_t ref, size_t off, uint32_t v)
{
	*(uint32_t *)((uintptr_t)ref + off) = v;
}

inline void region_store64(region_t *r, region_ref_t ref, size_t off, uint64_t v)
{
	*(uint64_t *)((uintptr_t)ref + off) = v;
}

size_t region_size(const region_t *r)
{
	return atomic_load_explicit(&((const struct baseline_head *)r)->live, memory_order_relaxed);
}

const char *const *region_policies(void)
{
	return baseline_policy_names;
}

/* A policy may change while no region is alive (tests try each in turn). */
int region_policy_set(const char *name)
{
	if (name == NULL)
		return REGION_EINVAL;
	for (int i = 0; baseline_policy_names[i]; i++) {
		if (strcmp(name, baseline_policy_names[i]) == 0) {
			lock_take(&pool.lock);
			int busy = pool.live != 0;
			if (!busy)
				baseline_policy_index = i;
			lock_drop(&pool.lock);
			return busy ? REGION_EINVAL : 0;
		}
	}
	return REGION_EINVAL;
}

const char *region_policy(void)
{
	return baseline_policy_names[baseline_policy_index];
}

/* The libraries hold their own memory: there is no pool of ours to cap. */
int region_limit_set(uint64_t bytes)
{
	return REGION_ENOTSUP;
}

/* Each region has its own memory: no shared pool of blocks to fragment. */
int region_pool_free_get(struct region_pool_free *out)
{
	return REGION_ENOTSUP;
}

/* No baseline's region is contiguous: serialization must trace and repack. */
int region_span(const region_t *r, const void **data, size_t *len)
{
	return REGION_ENOTSUP;
}

int region_restore(region_t *r, const void *data, size_t len)
{
	return REGION_ENOTSUP;
}
