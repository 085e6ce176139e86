/* mimalloc.c: the mimalloc baseline, one first-class heap per region
 * (mi_heap_new, mi_heap_malloc_aligned, mi_heap_destroy frees the whole
 * heap at once); reset destroys the heap and makes a new one.
 * Invariant: a mimalloc heap belongs to the thread that made it, so a
 * region must be allocated into, reset and destroyed by the thread that
 * created it (or last reset it); REGION_DEBUG checks this.
 * Policies: "default" keeps mimalloc's decommit delays; "decommit0" sets
 * them to 0 ms so freed pages and segments are decommitted at once. */
#include <pthread.h>
#include <stdlib.h>
#include <mimalloc.h>

#include "baseline.h"
#include "region_debug.h"

struct region {
	struct baseline_head h;
	mi_heap_t *heap;       /* NULL after a reset that could not make a new heap */
#if REGION_DEBUG
	pthread_t owner;
#endif
};

const char *const baseline_policy_names[] = { "default", "decommit0", NULL };
const size_t baseline_region_size = sizeof(struct region);

static pthread_mutex_t opt_lock = PTHREAD_MUTEX_INITIALIZER;
static int opt_applied = -1;    /* policy whose options are set; under opt_lock */
static long def_delay, def_seg_delay;

/* Sets mimalloc's options for the policy in force, once per policy change
 * (policies change only while no region lives). */
static void apply_policy(void)
{
	pthread_mutex_lock(&opt_lock);
	if (opt_applied != baseline_policy_index) {
		if (opt_applied < 0) {
			def_delay = mi_option_get(mi_option_decommit_delay);
			def_seg_delay = mi_option_get(mi_option_segment_decommit_delay);
		}
		int now = baseline_policy_index == 1;
		mi_option_set(mi_option_decommit_delay, now ? 0 : def_delay);
		mi_option_set(mi_option_segment_decommit_delay, now ? 0 : def_seg_delay);
		opt_applied = baseline_policy_index;
	}
	pthread_mutex_unlock(&opt_lock);
}

/* The heap's owner thread, in debug builds. */
#define owned(r) REGION_ASSERT(pthread_equal((r)->owner, pthread_self()))

const char *region_backend(void)
{
	return "mimalloc";
}

int baseline_open(region_t *r)
{
	apply_policy();
	if (!(r->heap = mi_heap_new()))
		return REGION_ENOMEM;
#if REGION_DEBUG
	r->owner = pthread_self();
#endif
	atomic_store_explicit(&r->h.chunks, 1, memory_order_relaxed);
	return 0;
}

void baseline_close(region_t *r)
{
	owned(r);
	if (r->heap)
		mi_heap_destroy(r->heap);
}

/* mimalloc has no heap reset: destroy and make a new heap. If that fails
 * the next allocation tries again. */
void region_reset(region_t *r)
{
	owned(r);
	if (r->heap)
		mi_heap_destroy(r->heap);
	r->heap = mi_heap_new();
	atomic_store_explicit(&r->h.chunks, r->heap != NULL, memory_order_relaxed);
	baseline_reset(&r->h);
}

void *region_alloc(region_t *r, size_t size, size_t align)
{
	if (baseline_check(&r->h, size, &align))
		return NULL;
	owned(r);
	if (!r->heap) {
		if (!(r->heap = mi_heap_new()))
			return baseline_failed(&r->h, REGION_ENOMEM);
		atomic_store_explicit(&r->h.chunks, 1, memory_order_relaxed);
	}
	/* Every mimalloc block is 8-aligned; 16 is not promised (24-byte
	 * blocks are 8-aligned), so above 8 ask for the alignment. */
	void *p = align <= 8 ? mi_heap_malloc(r->heap, size)
			      : mi_heap_malloc_aligned(r->heap, size, align);
	if (!p)
		return baseline_failed(&r->h, REGION_ENOMEM);
	return baseline_alloced(&r->h, p, size, align);
}

/* mi_expand is mimalloc's only in-place resize and never moves P: a
 * smaller size fits the block, which keeps its size class, so no memory
 * comes back (a build with padding refuses with NULL; P stays all the
 * same). Only region_size shrinks. */
void baseline_shrink_lib(region_t *r, void *p, size_t size)
{
	owned(r);
	(void)mi_expand(p, size);
}

/* bytes_committed is mimalloc's own commit count (mi_process_info's
 * current_commit, process-wide); bytes_reserved is what the interposer saw
 * mapped and not unmapped, since mimalloc reports its reservation only in
 * mi_stats_print (0 under sanitizers, where nothing is interposed).
 * chunks_held is one heap per live region. */
void baseline_stats_lib(struct region_stats *out)
{
	size_t elapsed, user, sys, rss, peak_rss, commit = 0, peak_commit, faults;
	mi_process_info(&elapsed, &user, &sys, &rss, &peak_rss, &commit, &peak_commit, &faults);
	out->bytes_committed = commit;
	out->bytes_reserved = syscount_mapped();
	out->bytes_limit = 0;
}
