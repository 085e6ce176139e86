/* apr.c: the APR pools baseline, one pool per region (apr_pool_create,
 * apr_palloc, apr_pool_clear for reset, apr_pool_destroy). APR pools take
 * 8 KiB nodes from an allocator's free list, which maps them with mmap
 * (Debian builds APR with APR_ALLOCATOR_USES_MMAP, so baselines/syscount.c
 * counts them) and by default never gives them back.
 * Policies: "global" makes every region a child of APR's global pool, so
 * all regions share one allocator (and its lock and free list), as most APR
 * programs do; "own" gives each region an unmanaged pool with its own
 * allocator, so destroying a region returns its nodes to malloc. */
#include <pthread.h>
#include <stdlib.h>
#include <apr_allocator.h>
#include <apr_general.h>
#include <apr_pools.h>

#include "baseline.h"

struct region {
	struct baseline_head h;
	apr_pool_t *pool;
};

const char *const baseline_policy_names[] = { "global", "own", NULL };
const size_t baseline_region_size = sizeof(struct region);

static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int inited;

/* apr_initialize once, retried after a failure: a failed apr_initialize
 * still counts itself done (its next call would succeed without a global
 * pool), so apr_terminate undoes the count first. 0 or REGION_ENOMEM. */
static int init(void)
{
	if (atomic_load_explicit(&inited, memory_order_acquire))
		return 0;
	pthread_mutex_lock(&init_lock);
	int err = 0;
	if (!atomic_load_explicit(&inited, memory_order_relaxed)) {
		if (apr_initialize() == APR_SUCCESS) {
			atomic_store_explicit(&inited, 1, memory_order_release);
		} else {
			apr_terminate();
			err = REGION_ENOMEM;
		}
	}
	pthread_mutex_unlock(&init_lock);
	return err;
}

const char *region_backend(void)
{
	return "apr";
}

/* A pool for a region under the policy in force, or NULL. */
static apr_pool_t *make_pool(void)
{
	apr_pool_t *pool = NULL;
	if (baseline_policy_index == 0)
		return apr_pool_create_ex(&pool, NULL, NULL, NULL) == APR_SUCCESS ? pool : NULL;
	apr_allocator_t *a;
	if (apr_allocator_create(&a) != APR_SUCCESS)
		return NULL;
	if (apr_pool_create_unmanaged_ex(&pool, NULL, a) != APR_SUCCESS) {
		apr_allocator_destroy(a);
		return NULL;
	}
	apr_allocator_owner_set(a, pool);   /* the pool's destruction frees it */
	return pool;
}

int baseline_open(region_t *r)
{
	if (init() || !(r->pool = make_pool()))
		return REGION_ENOMEM;
	atomic_store_explicit(&r->h.chunks, 1, memory_order_relaxed);
	return 0;
}

void baseline_close(region_t *r)
{
	apr_pool_destroy(r->pool);
}

/* apr_pool_clear keeps the pool's first node and hands the rest to the
 * allocator's free list, where they stay for reuse. */
void region_reset(region_t *r)
{
	apr_pool_clear(r->pool);
	baseline_reset(&r->h);
}

void *region_alloc(region_t *r, size_t size, size_t align)
{
	if (baseline_check(&r->h, size, &align))
		return NULL;
	/* apr_palloc aligns to 8 (APR_ALIGN_DEFAULT): above that, ask for
	 * align - 8 bytes more and round up. */
	size_t extra = align - REGION_MIN_ALIGN;
	if (size > SIZE_MAX - extra)
		return baseline_failed(&r->h, REGION_ENOMEM);
	char *p = apr_palloc(r->pool, size + extra);
	if (!p)
		return baseline_failed(&r->h, REGION_ENOMEM);
	p = (char *)(((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1));
	return baseline_alloced(&r->h, p, size, align);
}

/* An APR pool cannot give back part of an allocation: the block keeps its
 * size and only region_size shrinks. */
void baseline_shrink_lib(region_t *r, void *p, size_t size)
{
}

/* APR reports nothing. Its nodes are private read-write mappings that it
 * never decommits, so bytes_reserved and bytes_committed are both what the
 * interposer saw mapped and not unmapped (0 under sanitizers, where nothing
 * is interposed). chunks_held is one pool per live region. */
void baseline_stats_lib(struct region_stats *out)
{
	out->bytes_reserved = syscount_mapped();
	out->bytes_committed = out->bytes_reserved;
	out->bytes_limit = 0;
}
