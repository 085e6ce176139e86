/* baseline.c: the region.h calls the four peer baselines implement alike
 * (see baseline.h): errors, pointer-sized references, shrink bookkeeping,
 * policies, the unsupported limit and serialization calls, and statistics
 * summed over a registry of live regions plus the totals of dead ones.
 * The registry lock is taken on create, destroy and stats only, never on
 * the allocation path. */
#include "baseline.h"

#include <pthread.h>
#include <string.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct baseline_head *live_list;   /* under lock */
static uint64_t regions_live;             /* under lock */
static uint64_t dead_allocs, dead_requested;   /* of destroyed regions, under lock */

int baseline_policy_index;

void baseline_register(struct baseline_head *h)
{
	pthread_mutex_lock(&lock);
	h->prev = NULL;
	h->next = live_list;
	if (live_list)
		live_list->prev = h;
	live_list = h;
	regions_live++;
	pthread_mutex_unlock(&lock);
}

void baseline_unregister(struct baseline_head *h)
{
	pthread_mutex_lock(&lock);
	if (h->prev)
		h->prev->next = h->next;
	else
		live_list = h->next;
	if (h->next)
		h->next->prev = h->prev;
	regions_live--;
	dead_allocs += atomic_load_explicit(&h->allocs, memory_order_relaxed);
	dead_requested += atomic_load_explicit(&h->requested, memory_order_relaxed);
	pthread_mutex_unlock(&lock);
}

int baseline_shrink_check(struct baseline_head *h, const void *p, size_t size)
{
	if (p == NULL || p != h->last || size == 0 || size > h->last_size)
		return h->err = REGION_EINVAL;
	return 0;
}

void baseline_shrunk(struct baseline_head *h, size_t size)
{
	/* region_size counts requested bytes, so the cut tail no longer counts. */
	atomic_store_explicit(&h->live,
			      atomic_load_explicit(&h->live, memory_order_relaxed) - (h->last_size - size),
			      memory_order_relaxed);
	h->last_size = size;
}

void region_stats_get(struct region_stats *out)
{
	memset(out, 0, sizeof *out);
	pthread_mutex_lock(&lock);
	out->allocs = dead_allocs;
	out->bytes_requested = dead_requested;
	for (struct baseline_head *h = live_list; h; h = h->next) {
		out->allocs += atomic_load_explicit(&h->allocs, memory_order_relaxed);
		out->bytes_requested += atomic_load_explicit(&h->requested, memory_order_relaxed);
		out->bytes_live += atomic_load_explicit(&h->live, memory_order_relaxed);
		out->chunks_held += atomic_load_explicit(&h->chunks, memory_order_relaxed);
	}
	out->regions_live = regions_live;
	pthread_mutex_unlock(&lock);
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
			pthread_mutex_lock(&lock);
			int busy = regions_live != 0;
			if (!busy)
				baseline_policy_index = i;
			pthread_mutex_unlock(&lock);
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
