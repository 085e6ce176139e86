/* contiguous.c: each region is its own reservation (32 GiB), bump allocated
 * from a header at its base, so offset 0 is never an allocation; references
 * are (p - base) >> 3 (docs/question.md, answer 2). Keeps base+HDR <= top <=
 * wend <= end <= base+len with top 8-aligned, the header's page committed,
 * hwm >= what was touched since the last decommit. Policies (reset / destroy;
 * create reuses cached ones LIFO):
 * trim[:KIB[/RKIB]] (default 16/256): destroy keeps the first KIB resident,
 *   reset the first RKIB (KIB when not given), and each decommits the rest
 *   in one call; destroy caches. decommit: the same down to
 *   the header's page. unmap: reset as trim:64; destroy munmaps. lazy:
 *   decommit with MADV_FREE. retain: reset and destroy keep every page (the
 *   inflation case). Why trim:16/256 is the default: docs/policies.md. */
#include "region.h"
#include "pages.h"
#include "list.h"
#include "lock.h"
#include "bump.h"
#include "region_debug.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GIB ((uint64_t)1 << 30)
#define MAX_LEN (REGION_REF_BITS == 32 ? 32 * GIB : ((uint64_t)1 << 46))
#define FIRST_STEP ((size_t)64 << 10)   /* first commit of a fresh region */
#define STEP_CAP ((size_t)16 << 20)     /* commits grow geometrically up to this */
#define HUGE_ALIGN ((size_t)2 << 20)    /* THP needs 2 MiB aligned ranges */
#define TRIM_DEFAULT_KIB 16          /* destroyed regions, which wait in the cache */
#define TRIM_DEFAULT_RESET_KIB 256   /* reset regions, which their owner refills */
/* Cached reservations, at most. Each holds 32 GiB of the ~128 TiB user space,
 * about 8 KiB of page tables and, under retain/trim, its resident pages; 64
 * covers the regions a request server or nested phases free and re-create in
 * one burst, while capping what retain can inflate to 64 regions' peaks. */
#define CACHE_MAX 64

/* The header at each reservation's base. Only the owner thread touches it,
 * except the links (under lock) and the counters region_stats_get reads:
 * single-writer relaxed atomics, plain loads and stores on x86-64.
 *
 * The fast path keeps all its state in one word, bump (bump.h has its
 * fields), over a window [wend - rem, wend) whose end wend is page aligned,
 * at most WINDOW bytes long and inside what is committed; top is wend - rem
 * and rem a multiple of 8. No field passes WINDOW. The slow path opens the
 * next window and, like shrink and reset, folds the counts into allocs and
 * bytes. */
struct region {
	_Atomic uint64_t bump;     /* rem | count << 16 | slack << 32 | rem0 << 48 */
	char *wend;                /* the window's end */
	uintptr_t last;            /* newest allocation | its rounding (0-7), for region_shrink; 0: none */
	char *end;                 /* committed end */
	_Atomic uint64_t allocs;   /* since create or reset, bump aside */
	_Atomic uint64_t bytes;    /* requested since create or reset, bump aside */
	_Atomic uint64_t shrunk;   /* of those, given back by region_shrink */
	char *hwm;                 /* top may have been this high since the last decommit */
	size_t len;                /* the reservation's size */
	struct region *next, *prev; /* live list or cache (next only), under lock */
	int err;
#if REGION_ASAN
	char *poisoned;            /* [base+HDR, poisoned) may be poisoned */
#endif
};
#define HDR ((sizeof(struct region) + 63) & ~(size_t)63)

enum { P_TRIM, P_DECOMMIT, P_UNMAP, P_LAZY, P_RETAIN };
static const char *const names[] = { "trim", "decommit", "unmap", "lazy", "retain", NULL };

/* All of the module's shared state, under lock except the counters
 * (relaxed atomics, read by region_stats_get). */
static struct pool {
	struct lock lock;
	struct region *list;       /* live regions, for region_stats_get */
	struct region *cache;      /* released reservations, newest first */
	size_t cached;             /* may pass CACHE_MAX only when munmap failed */
	int policy;
	size_t trim_keep;          /* bytes trim keeps resident in a destroyed region */
	size_t trim_reset;         /* and in a reset one */
	char policy_name[48];
	uint64_t limit;            /* each region's reservation */

	_Atomic uint64_t dead_allocs, dead_requested;   /* of reset epochs and destroyed regions */
	_Atomic uint64_t reserved, committed;           /* bytes, cached reservations included */
	_Atomic uint64_t live;                          /* live regions */
	_Atomic uint64_t chunks;                        /* reservations held, cached included */
} pool = {
	.lock = LOCK_INIT,
	.policy = P_TRIM,
	.trim_keep = (size_t)TRIM_DEFAULT_KIB << 10,
	.trim_reset = (size_t)TRIM_DEFAULT_RESET_KIB << 10,
	.policy_name = "trim:16/256",
	.limit = 32 * GIB,
};

static void add(_Atomic uint64_t *c, uint64_t n) { atomic_fetch_add_explicit(c, n, memory_order_relaxed); }
static void sub(_Atomic uint64_t *c, uint64_t n) { atomic_fetch_sub_explicit(c, n, memory_order_relaxed); }

/* Single-writer add: no locked instruction. */
static inline void add_owned(_Atomic uint64_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n, memory_order_relaxed);
}

static inline char *pageup(const char *p)
{
	return (char *)(((uintptr_t)p + PAGES_SIZE - 1) & ~(uintptr_t)(PAGES_SIZE - 1));
}

#define WINDOW ((size_t)32 << 10)

static inline char *top_of(const struct region *r)
{
	return r->wend - BUMP_REM(atomic_load_explicit(&((struct region *)r)->bump, memory_order_relaxed));
}

/* Moves the word's counts into allocs and bytes and opens a window at TOP
 * (8-aligned, at most end): up to end, or to the last page boundary within
 * WINDOW. Page aligned, so ALIGN divides wend. */
static void fold(struct region *r, char *top)
{
	uint64_t w = atomic_load_explicit(&r->bump, memory_order_relaxed);
	add_owned(&r->allocs, BUMP_COUNT(w));
	add_owned(&r->bytes, BUMP_BYTES(w));
	char *we = (char *)((uintptr_t)(top + WINDOW) & ~(uintptr_t)(PAGES_SIZE - 1));
	r->wend = (size_t)(r->end - top) > WINDOW ? we : r->end;
	uint64_t rem = (uint64_t)(r->wend - top);
	atomic_store_explicit(&r->bump, rem << 48 | rem, memory_order_relaxed);
}

static size_t min_sz(size_t a, size_t b) { return a < b ? a : b; }

/* Memory of r dies (reset, destroy, a shrunk tail): filled and poisoned in
 * debug and ASan builds. ASan's shadow outlives a munmap, so r remembers how
 * far it poisoned, and drop unpoisons that much before unmapping. */
static void dead(struct region *r, char *p, size_t n)
{
	region_debug_dead(p, n);
#if REGION_ASAN
	if (p + n > r->poisoned)
		r->poisoned = p + n;
#endif
}

/* Decommits what r used beyond KEEP bytes from its base (one madvise) and
 * lowers its committed end to KEEP. hwm must be at least top, and the window
 * is reopened after (fold). On failure r is unchanged (its pages stay
 * resident and counted) and the errno is returned. */
static int settle(struct region *r, size_t keep, int how)
{
	char *k = (char *)r + min_sz(keep, r->len);
	char *used = pageup(r->hwm);
	if (used > k) {
		int err = pages_decommit(k, used - k, how);
		if (err)
			return err;
	}
	if (r->hwm > k)
		r->hwm = k;
	if (r->end > k) {
		sub(&pool.committed, r->end - k);
		r->end = k;
	}
	return 0;
}

/* What each policy keeps resident (bytes from the base; the rest of what was
 * used is decommitted in one call). Reset: unmap 64 KiB, decommit and lazy
 * the header's page, retain all, trim RKIB. Destroy and reuse of a cached
 * reservation: the same but unmap munmaps instead of caching; a full cache
 * (CACHE_MAX) makes every policy munmap. */
static size_t keep_reset(void)
{
	switch (pool.policy) {
	case P_UNMAP: return FIRST_STEP;
	case P_RETAIN: return SIZE_MAX;
	case P_TRIM: return pool.trim_reset;
	default: return PAGES_SIZE;   /* the header's page */
	}
}

static size_t keep_cached(void)
{
	switch (pool.policy) {
	case P_RETAIN: return SIZE_MAX;
	case P_TRIM: return pool.trim_keep;
	default: return PAGES_SIZE;
	}
}

static int how(void) { return pool.policy == P_LAZY ? PAGES_LAZY : PAGES_NOW; }

/* Unmaps a reservation that is in no list; returns the errno of munmap. */
static int drop(struct region *r)
{
	size_t len = r->len, committed = r->end - (char *)r;
#if REGION_ASAN
	REGION_UNPOISON((char *)r + HDR, (size_t)(r->poisoned - ((char *)r + HDR)));
	r->poisoned = (char *)r + HDR;
#endif
	int err = pages_release(r, len);
	if (err)
		return err;
	sub(&pool.reserved, len);
	sub(&pool.committed, committed);
	sub(&pool.chunks, 1);
	return 0;
}

/* Releases cached reservations beyond MAX. Called with the lock held.
 * Returns 0, or the errno of the first munmap that failed (that one stays). */
static int shed(size_t max)
{
	REGION_ASSERT(lock_held(&pool.lock));
	while (pool.cached > max) {
		struct region *r = pool.cache, *next = r->next;
		int err = drop(r);
		if (err)
			return err;
		pool.cache = next;
		pool.cached--;
	}
	return 0;
}

/* The window is opened by fold once end is settled. */
static void init(struct region *r, char *end, char *hwm, size_t len)
{
	r->end = end;
	r->last = 0;
	atomic_store_explicit(&r->bump, 0, memory_order_relaxed);
	atomic_store_explicit(&r->allocs, 0, memory_order_relaxed);
	atomic_store_explicit(&r->bytes, 0, memory_order_relaxed);
	atomic_store_explicit(&r->shrunk, 0, memory_order_relaxed);
	r->hwm = hwm;
	r->len = len;
	r->err = 0;
#if REGION_ASAN
	if (hwm == (char *)r)   /* a fresh reservation: nothing poisoned yet */
		r->poisoned = (char *)r + HDR;
#endif
}

/* Takes a cached reservation (settled for the policy in force) or reserves a
 * new one. mmap's ENOMEM means no address space is left for another region:
 * REGION_ESPACE (128 TiB of user address space holds about 4094 reservations
 * of 32 GiB; the capacity workload finds where); anything else failing
 * in the page source is REGION_ENOMEM, with nothing kept. */
int region_create(region_t **out)
{
	struct region *r;
	lock_take(&pool.lock);
	size_t len = pool.limit;
	r = pool.cache;
	if (r) {
		pool.cache = r->next;
		pool.cached--;
	}
	lock_drop(&pool.lock);

	if (r) {
		/* The cache holds reservations of the current limit only (limit_set
		 * empties it). A failed settle leaves more resident, nothing worse. */
		init(r, r->end, r->hwm, r->len);
		(void)settle(r, keep_cached(), how());
	} else {
		void *p;
		size_t align = pages_hugepages() ? HUGE_ALIGN : PAGES_SIZE;
		int err = pages_reserve(len, align, &p);
		if (err)
			return err == ENOMEM ? REGION_ESPACE : REGION_ENOMEM;
		size_t first = min_sz(FIRST_STEP, len);
		if (pages_commit(p, first) != 0) {
			if (pages_release(p, len) != 0) {
				/* Keep it, accounted, in the cache for a later munmap.
				 * Its header page counts as committed: commit is
				 * bookkeeping unless huge pages are on. */
				r = p;
				init(r, (char *)p + PAGES_SIZE, (char *)p, len);
				add(&pool.reserved, len);
				add(&pool.committed, PAGES_SIZE);
				add(&pool.chunks, 1);
				lock_take(&pool.lock);
				r->next = pool.cache;
				pool.cache = r;
				pool.cached++;
				lock_drop(&pool.lock);
			}
			return REGION_ENOMEM;
		}
		r = p;
		init(r, (char *)p + first, (char *)p, len);
		add(&pool.reserved, len);
		add(&pool.committed, first);
		add(&pool.chunks, 1);
	}
	fold(r, (char *)r + HDR);   /* the window, now that end is settled */
	lock_take(&pool.lock);
	LIST_PUSH(pool.list, r);
	add(&pool.live, 1);
	lock_drop(&pool.lock);
	*out = r;
	return 0;
}

/* Moves this epoch's counters into the totals (reset and destroy) and
 * raises hwm to top. */
static void publish(struct region *r)
{
	char *top = top_of(r);
	if (top > r->hwm)
		r->hwm = top;
	fold(r, top);
	add(&pool.dead_allocs, atomic_load_explicit(&r->allocs, memory_order_relaxed));
	add(&pool.dead_requested, atomic_load_explicit(&r->bytes, memory_order_relaxed));
	atomic_store_explicit(&r->allocs, 0, memory_order_relaxed);
	atomic_store_explicit(&r->bytes, 0, memory_order_relaxed);
	atomic_store_explicit(&r->shrunk, 0, memory_order_relaxed);
}

/* Unlinks r, then unmaps or caches it as the policy says. A reservation that
 * cannot be decommitted or unmapped (injected failures) is cached anyway,
 * still counted, and shed again by a later destroy: nothing leaks. */
void region_destroy(region_t *r)
{
	if (!r)
		return;
	lock_take(&pool.lock);
	int keep = pool.policy != P_UNMAP && pool.cached < CACHE_MAX;
	LIST_UNLINK(pool.list, r);
	publish(r);   /* under the lock, so region_stats_get counts r once */
	sub(&pool.live, 1);
	lock_drop(&pool.lock);
	dead(r, (char *)r + HDR, (size_t)(top_of(r) - ((char *)r + HDR)));

	if (keep && settle(r, keep_cached(), how()) != 0)
		keep = 0;
	if (!keep && drop(r) == 0)
		r = NULL;
	lock_take(&pool.lock);
	if (r) {
		r->next = pool.cache;
		pool.cache = r;
		pool.cached++;
	}
	(void)shed(pool.policy == P_UNMAP ? 0 : CACHE_MAX);
	lock_drop(&pool.lock);
}

void region_reset(region_t *r)
{
	publish(r);
	dead(r, (char *)r + HDR, (size_t)(top_of(r) - ((char *)r + HDR)));
	r->last = 0;
	/* On failure the pages stay resident and committed; the next reset retries. */
	(void)settle(r, keep_reset(), how());
	fold(r, (char *)r + HDR);
}

/* Makes [p, p + size) usable: commits at least the region's committed size
 * again (64 KiB to 16 MiB), so steps are few and committed stays within one
 * step of what was used. Returns 0 or a REGION_* code (r->err is set). */
static int fit(struct region *r, char *p, size_t size)
{
	char *base = (char *)r, *lim = base + r->len;
	if (p > lim || size > (size_t)(lim - p))
		return r->err = REGION_EREGION;
	if (size <= (size_t)(r->end - p))
		return 0;
	size_t cur = r->end - base;
	size_t step = cur < FIRST_STEP ? FIRST_STEP : cur > STEP_CAP ? STEP_CAP : cur;
	char *want = pageup(p + size);
	if ((size_t)(lim - r->end) <= step)
		want = lim;
	else if (want < r->end + step)
		want = r->end + step;
	if (pages_commit(r->end, want - r->end) != 0)
		return r->err = REGION_ENOMEM;
	add(&pool.committed, want - r->end);
	r->end = want;
	return 0;
}

/* The slow path: bad arguments, or the window (or the committed end) is in
 * the way. Commits what is needed and opens the next window after P. */
__attribute__((noinline, cold))
static void *grow(struct region *r, size_t size, size_t align)
{
	if (size == 0 || align == 0 || align > REGION_MAX_ALIGN || (align & (align - 1))) {
		r->err = REGION_EINVAL;
		return NULL;
	}
	uintptr_t a = align < REGION_MIN_ALIGN ? REGION_MIN_ALIGN : align;
	char *p = (char *)(((uintptr_t)top_of(r) + a - 1) & ~(a - 1));
	/* end is page aligned and p 8-aligned: whatever fits size fits it rounded. */
	if (fit(r, p, size) != 0)
		return NULL;
	r->last = (uintptr_t)p | (ROUND8(size) - size);
	add_owned(&r->allocs, 1);
	add_owned(&r->bytes, size);
	fold(r, p + ROUND8(size));
	region_debug_live(p, size);
	return p;
}

/* The fast path: pad, compare, bump, count, all in one add to the word.
 * wend is page aligned and rem a multiple of 8, so wend - rem is 8-aligned
 * and a larger ALIGN pads by rem's low bits (0 for a constant ALIGN up to
 * 8); bumps are rounded to 8, the rounding and padding go into slack.
 * ROUND8 wraps to 0 for size 0 or near SIZE_MAX, so its - 1 fails the test.
 * always_inline (region.h's declaration keeps the definition external)
 * makes -flto inline it into every caller, whatever its size heuristics say;
 * tests/inline.sh checks the built programs for calls to it. */
__attribute__((always_inline)) inline void *region_alloc(region_t *r, size_t size, size_t align)
{
	uint64_t w = atomic_load_explicit(&r->bump, memory_order_relaxed);
	size_t rem = BUMP_REM(w), pad = align <= 8 ? 0 : rem & (align - 1), bump = pad + ROUND8(size);
	if (__builtin_expect(align - 1 < REGION_MAX_ALIGN && !(align & (align - 1)) &&
			     ROUND8(size) - 1 < rem - pad, 1)) {
		char *p = r->wend - rem + pad;
		if (!p)
			__builtin_unreachable();   /* p > base > 0: callers need not test */
		atomic_store_explicit(&r->bump, w - bump + BUMP_ONE + BUMP_SLACK(bump - size),
			memory_order_relaxed);
		r->last = (uintptr_t)p | (ROUND8(size) - size);
		region_debug_live(p, size);   /* nothing unless debugging */
		return p;
	}
	return grow(r, size, align);
}

/* Moves top back to P + SIZE (rounded to 8). A tail of a MiB or more is
 * decommitted at once (the over-allocate-for-a-syscall pattern) unless the
 * policy retains. */
int region_shrink(region_t *r, void *p, size_t size)
{
	char *q = p, *top = top_of(r);
	if (!q || (uintptr_t)q != (r->last & ~(uintptr_t)7)) {
		r->err = REGION_EINVAL;
		return REGION_EINVAL;
	}
	size_t old = (size_t)(top - q) - (r->last & 7);
	if (size == 0 || size > old) {
		r->err = REGION_EINVAL;
		return REGION_EINVAL;
	}
	add_owned(&r->shrunk, old - size);
	dead(r, q + size, old - size);
	if (top > r->hwm)
		r->hwm = top;
	r->last = (uintptr_t)q | (ROUND8(size) - size);
	top = q + ROUND8(size);
	char *k = pageup(top);
	if (pool.policy != P_RETAIN && pageup(r->hwm) - k >= ((ptrdiff_t)1 << 20))
		(void)settle(r, k - (char *)r, how());
	fold(r, top);
	return 0;
}

int region_error(const region_t *r)
{
	return r->err;
}

inline region_ref_t region_ref(const region_t *r, const void *p)
{
	REGION_ASSERT((const char *)p >= (const char *)r + HDR && (const char *)p <= top_of(r));
	return (region_ref_t)(((uintptr_t)p - (uintptr_t)r) >> 3);
}

inline void *region_ptr(const region_t *r, region_ref_t ref)
{
	REGION_ASSERT(ref == REGION_REF_NULL || (uint64_t)ref << 3 < r->len);
	return (char *)r + ((uintptr_t)ref << 3);
}

/* The region's base plus the scaled reference, then the access. */
#define AT(T, r, ref, off) ((T *)((char *)(r) + ((uintptr_t)(ref) << 3) + (off)))

inline uint32_t region_load32(const region_t *r, region_ref_t ref, size_t off)
{
	return *AT(const uint32_t, r, ref, off);
}

inline uint64_t region_load64(const region_t *r, region_ref_t ref, size_t off)
{
	return *AT(const uint64_t, r, ref, off);
}

inline void region_store32(region_t *r, region_ref_t ref, size_t off, uint32_t v)
{
	*AT(uint32_t, r, ref, off) = v;
}

inline void region_store64(region_t *r, region_ref_t ref, size_t off, uint64_t v)
{
	*AT(uint64_t, r, ref, off) = v;
}

size_t region_size(const region_t *r)
{
	return atomic_load_explicit(&r->bytes, memory_order_relaxed) +
	       BUMP_BYTES(atomic_load_explicit(&((region_t *)r)->bump, memory_order_relaxed)) -
	       atomic_load_explicit(&r->shrunk, memory_order_relaxed);
}

/* Exact when no region is allocated into: the live regions' own counters
 * are summed under the lock (O(live regions), one header line each). */
void region_stats_get(struct region_stats *out)
{
	uint64_t allocs = 0, bytes = 0, shrunk = 0;
	*out = (struct region_stats){0};
	/* Uncounted: the lock counts are of the program's acquisitions. */
	pthread_mutex_lock(&pool.lock.m);
	for (struct region *r = pool.list; r; r = r->next) {
		uint64_t w = atomic_load_explicit(&r->bump, memory_order_relaxed);
		allocs += atomic_load_explicit(&r->allocs, memory_order_relaxed) + BUMP_COUNT(w);
		bytes += atomic_load_explicit(&r->bytes, memory_order_relaxed) + BUMP_BYTES(w);
		shrunk += atomic_load_explicit(&r->shrunk, memory_order_relaxed);
	}
	out->allocs = atomic_load(&pool.dead_allocs) + allocs;
	out->bytes_requested = atomic_load(&pool.dead_requested) + bytes;
	out->bytes_live = bytes - shrunk;
	out->bytes_reserved = atomic_load(&pool.reserved);
	out->bytes_committed = atomic_load(&pool.committed);
	out->regions_live = atomic_load(&pool.live);
	out->chunks_held = atomic_load(&pool.chunks);
	out->bytes_limit = 0;   /* no total limit; the cap is on live regions (REGION_ESPACE) */
	pthread_mutex_unlock(&pool.lock.m);
	lock_counts(&pool.lock, &out->lock_acquisitions, &out->lock_contended);
}

const char *region_backend(void)
{
	return "contiguous";
}

const char *const *region_policies(void)
{
	return names;
}

/* KIB parsed from S up to STOP (a character or NUL) into *OUT bytes; the
 * rest of S after it in *END. 0, or REGION_EINVAL. */
static int parse_kib(const char *s, char stop, size_t *out, const char **end)
{
	uint64_t kib = 0;
	if (!*s || *s == stop)
		return REGION_EINVAL;
	for (; *s && *s != stop; s++) {
		if (*s < '0' || *s > '9' || kib > MAX_LEN >> 10)
			return REGION_EINVAL;
		kib = kib * 10 + (uint64_t)(*s - '0');
	}
	if (kib > MAX_LEN >> 10)
		return REGION_EINVAL;
	*out = (size_t)kib << 10;
	*end = s;
	return 0;
}

/* At least the header's page, in whole pages. */
static size_t floor_of(size_t keep)
{
	return (size_t)pageup((char *)(keep < PAGES_SIZE ? PAGES_SIZE : keep));
}

/* Accepts a name of region_policies() ("trim" is trim:16/256), or
 * "trim:KIB" or "trim:KIB/RKIB". Only while no region is live; leaving for
 * unmap releases the cache (what munmap refuses stays). */
int region_policy_set(const char *name)
{
	int p = -1;
	size_t keep = (size_t)TRIM_DEFAULT_KIB << 10, reset = (size_t)TRIM_DEFAULT_RESET_KIB << 10;
	if (!name)
		return REGION_EINVAL;
	for (int i = 0; names[i]; i++)
		if (strcmp(name, names[i]) == 0)
			p = i;
	if (p < 0 && strncmp(name, "trim:", 5) == 0) {
		const char *end;
		if (parse_kib(name + 5, '/', &keep, &end) != 0)
			return REGION_EINVAL;
		reset = keep;
		if (*end == '/' && parse_kib(end + 1, 0, &reset, &end) != 0)
			return REGION_EINVAL;
		p = P_TRIM;
	}
	if (p < 0)
		return REGION_EINVAL;
	lock_take(&pool.lock);
	if (pool.list) {
		lock_drop(&pool.lock);
		return REGION_EINVAL;
	}
	pool.policy = p;
	pool.trim_keep = floor_of(keep);
	pool.trim_reset = floor_of(reset);
	if (p == P_TRIM && pool.trim_reset != pool.trim_keep)
		snprintf(pool.policy_name, sizeof pool.policy_name, "trim:%zu/%zu",
			 pool.trim_keep >> 10, pool.trim_reset >> 10);
	else if (p == P_TRIM)
		snprintf(pool.policy_name, sizeof pool.policy_name, "trim:%zu", pool.trim_keep >> 10);
	else
		snprintf(pool.policy_name, sizeof pool.policy_name, "%s", names[p]);
	if (p == P_UNMAP)
		(void)shed(0);
	lock_drop(&pool.lock);
	return 0;
}

const char *region_policy(void)
{
	return pool.policy_name;
}

/* Each region's reservation, rounded up to pages: at least one page (the
 * header), at most 32 GiB with 32-bit references. Only while no region is
 * live; empties the cache, or returns REGION_ENOMEM if munmap fails. */
int region_limit_set(uint64_t bytes)
{
	if (bytes < PAGES_SIZE || bytes > MAX_LEN)
		return REGION_EINVAL;
	lock_take(&pool.lock);
	int err = pool.list ? REGION_EINVAL : shed(0) ? REGION_ENOMEM : 0;
	if (!err)
		pool.limit = (bytes + PAGES_SIZE - 1) & ~(uint64_t)(PAGES_SIZE - 1);
	lock_drop(&pool.lock);
	return err;
}

/* Each region has its own memory: no shared pool of blocks to fragment. */
int region_pool_free_get(struct region_pool_free *out)
{
	return REGION_ENOTSUP;
}

/* [first byte after the header, top): offsets there are what references are
 * made of, so a copy at the same offset in another region decodes alike.
 * top is rounded to 8, so the span may end up to 7 bytes past the newest
 * allocation. */
int region_span(const region_t *r, const void **data, size_t *len)
{
	*data = (const char *)r + HDR;
	*len = (size_t)(top_of(r) - ((const char *)r + HDR));
	/* The span is read whole, alignment gaps between allocations included. */
	REGION_UNPOISON((void *)*data, *len);
	return 0;
}

/* R must be empty (just created or reset); the copy lands at offset HDR, as
 * in its source. A span too large for R's reservation is REGION_EREGION. */
int region_restore(region_t *r, const void *data, size_t len)
{
	char *p = (char *)r + HDR;
	if (top_of(r) != p || (len && !data)) {
		r->err = REGION_EINVAL;
		return REGION_EINVAL;
	}
	if (len == 0)
		return 0;
	int err = fit(r, p, len);
	if (err)
		return err;
	REGION_UNPOISON(p, len);
	memcpy(p, data, len);
	/* A copy is not an allocation: no newest one to shrink, no alloc counted. */
	add_owned(&r->bytes, len);
	fold(r, p + ROUND8(len));
	return 0;
}
