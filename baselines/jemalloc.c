/* jemalloc.c: the jemalloc baseline, one explicit arena per region
 * ("arenas.create"), allocation with mallocx(MALLOCX_ARENA | MALLOCX_TCACHE_NONE),
 * reset with "arena.<i>.reset" and destroy with "arena.<i>.destroy"
 * (jemalloc(3), MALLCTL NAMESPACE). The thread cache is always bypassed: a
 * block in a thread cache is not the arena's, so it would outlive the
 * arena's reset and be handed out after it. jemalloc allows
 * about 4086 explicit arenas; region_create then fails with REGION_ELIMIT.
 * Creating an arena costs tens of microseconds and, with opt.retain, leaves
 * its metadata mapped after "arena.<i>.destroy"; so, as a runtime would, a
 * destroyed region's arena is reset and cached (at most ARENA_CACHE, LIFO,
 * as the contiguous strategy caches reservations) for the next create, and
 * only arenas beyond that are destroyed.
 * Policies: "decay" keeps jemalloc's default decay of dirty and muzzy pages;
 * "decay0" sets both to 0 ms for region arenas, so pages go back at once. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <jemalloc/jemalloc.h>

#include "baseline.h"

#if defined(__SANITIZE_THREAD__)
/* ThreadSanitizer builds only (never measured). Without opt.retain a
 * destroyed arena unmaps all it mapped; with it (see region_destroy) TSan's
 * shadow for the 35 GB that test-stress's 17000 arenas leave mapped runs out
 * of memory. jemalloc is not instrumented, so TSan cannot see the atomics
 * that publish a new arena to other threads and reports its mutexes as
 * races: races with jemalloc in the stack are suppressed, ours are not. */
const char *malloc_conf = "retain:false";
const char *__tsan_default_suppressions(void);
const char *__tsan_default_suppressions(void)
{
	return "race:libjemalloc.so\n";
}
#endif

struct region {
	struct baseline_head h;
	unsigned arena;
	int flags;             /* MALLOCX_ARENA(arena) | MALLOCX_TCACHE_NONE */
};

const char *const baseline_policy_names[] = { "decay", "decay0", NULL };
const size_t baseline_region_size = sizeof(struct region);

/* MIBs of the per-arena controls, with the arena index at mib[1]. */
enum { RESET, DESTROY, DIRTY, MUZZY, NCTL };
static const char *const ctl_names[NCTL] = {
	"arena.0.reset", "arena.0.destroy", "arena.0.dirty_decay_ms", "arena.0.muzzy_decay_ms",
};
static size_t ctl_mib[NCTL][3];
static pthread_once_t once = PTHREAD_ONCE_INIT;

#define ARENA_CACHE 64
static unsigned cached[ARENA_CACHE];
static int ncached;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static int once_err;

static void init(void)
{
	for (int i = 0; i < NCTL; i++) {
		size_t len = 3;
		if (mallctlnametomib(ctl_names[i], ctl_mib[i], &len) != 0 || len != 3)
			once_err = REGION_ENOMEM;
	}
}

/* Runs per-arena control I on ARENA, writing NEW (of NEWLEN bytes). */
static int ctl(int i, unsigned arena, void *new, size_t newlen)
{
	size_t mib[3];
	memcpy(mib, ctl_mib[i], sizeof mib);
	mib[1] = arena;
	return mallctlbymib(mib, 3, NULL, NULL, new, newlen);
}

const char *region_backend(void)
{
	return "jemalloc";
}

int baseline_open(region_t *r)
{
	pthread_once(&once, init);
	if (once_err)
		return once_err;
	unsigned ind;
	size_t len = sizeof ind;
	int e = 0, reused = 0;
	pthread_mutex_lock(&cache_lock);
	if (ncached > 0) {
		ind = cached[--ncached];
		reused = 1;
	}
	pthread_mutex_unlock(&cache_lock);
	if (!reused)
		e = mallctl("arenas.create", &ind, &len, NULL, 0);
	if (e != 0) {
		/* jemalloc says EAGAIN both at its arena limit and when memory
		 * is short; the arena count tells them apart: MALLOCX_ARENA()
		 * keeps the index plus one in 12 bits, so 4095 arenas at most,
		 * automatic ones included. */
		unsigned n = 0;
		len = sizeof n;
		if (mallctl("arenas.narenas", &n, &len, NULL, 0) == 0 && n >= 4095)
			return REGION_ELIMIT;
		return REGION_ENOMEM;
	}
	if (!reused && baseline_policy_index == 1) {
		ssize_t zero = 0;
		if (ctl(DIRTY, ind, &zero, sizeof zero) || ctl(MUZZY, ind, &zero, sizeof zero)) {
			ctl(DESTROY, ind, NULL, 0);
			return REGION_ENOMEM;
		}
	}
	r->arena = ind;
	/* MALLOCX_ARENA(ind) in unsigned arithmetic: the macro shifts a signed
	 * int into the sign bit from index 2047 on (undefined behaviour). */
	r->flags = (int)((ind + 1u) << 20) | MALLOCX_TCACHE_NONE;
	atomic_store_explicit(&r->h.chunks, 1, memory_order_relaxed);
	return 0;
}

/* The arena is reset and cached, or destroyed when the cache is full.
 * "arena.<i>.destroy" frees the arena's pages, but with opt.retain (the
 * Linux default) its metadata, about 2 MiB of address space and 4 KiB
 * resident, stays mapped (42 GB of VSZ after 20000 destroys here, and
 * munmap failures once vm.max_map_count is reached): hence the cache. */
void baseline_close(region_t *r)
{
	ctl(RESET, r->arena, NULL, 0);
	pthread_mutex_lock(&cache_lock);
	int keep = ncached < ARENA_CACHE;
	if (keep)
		cached[ncached++] = r->arena;
	pthread_mutex_unlock(&cache_lock);
	if (!keep)
		ctl(DESTROY, r->arena, NULL, 0);
}

void region_reset(region_t *r)
{
	ctl(RESET, r->arena, NULL, 0);
	baseline_reset(&r->h);
}

void *region_alloc(region_t *r, size_t size, size_t align)
{
	if (baseline_check(&r->h, size, &align))
		return NULL;
	void *p = mallocx(size, r->flags | MALLOCX_LG_ALIGN(__builtin_ctzl(align)));
	if (!p)
		return baseline_failed(&r->h, REGION_ENOMEM);
	return baseline_alloced(&r->h, p, size, align);
}

/* xallocx resizes in place or not at all: a large allocation gives the
 * whole pages of its tail back to its arena; a small one keeps its size
 * class. Either way P stays where it is. */
void baseline_shrink_lib(region_t *r, void *p, size_t size)
{
	xallocx(p, size, 0, MALLOCX_LG_ALIGN(__builtin_ctzl(r->h.last_align)) | MALLOCX_TCACHE_NONE);
}

/* bytes_reserved and bytes_committed are what the interposer saw mapped
 * and not unmapped (jemalloc maps read-write, so mapped is committed; pages
 * it purges stay counted). jemalloc's own stats.resident would need an
 * "epoch" refresh that merges every arena's statistics, about 1 ms with a
 * hundred arenas, which would distort the run it samples. With opt.retain
 * a destroyed arena's metadata stays mapped and is counted. Under
 * sanitizers (no interposer) both are 0: not measured. chunks_held is one
 * arena per live region plus the cached ones. */
void baseline_stats_lib(struct region_stats *out)
{
	out->bytes_reserved = out->bytes_committed = syscount_mapped();
	out->bytes_limit = 0;
	pthread_mutex_lock(&cache_lock);
	out->chunks_held += (uint64_t)ncached;
	pthread_mutex_unlock(&cache_lock);
}
