/* blocks.c: regions as chains of 4 KiB blocks carved from one shared pool
 * (backends blocks, blocks-gs, wide-offsets; params.h sets width and size).
 * Invariant: every block of [1, nblocks) is in exactly one run (free dirty,
 * free clean, or used by a region or a thread cache) whose first and last
 * block carry its length and state in the side table meta[]; block 0 holds
 * the pool base and is never handed out, so no reference is REGION_REF_NULL.
 * Free runs: two-level segregated fit (TLSF, Masmano et al. 2004) with Knuth's
 * boundary tags in meta[] (16 B a block, reserved, touched only at run ends),
 * so free memory is never touched. Worst case (see struct heap): O(1) per run
 * taken or freed; a request fails only when no n contiguous free blocks exist. */
#include "region.h"
#include "pages.h"
#include "list.h"
#include "lock.h"
#include "bump.h"
#include "region_debug.h"
#include <params.h>   /* from -I: strategy-blocks or strategy-wide-offsets */

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if BLOCKS_BASE_GS
#include <asm/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#if BLOCKS_REF_BITS != REGION_REF_BITS
#error "params.h and the Makefile disagree on the reference width"
#endif
#if BLOCKS_BASE_GS && !defined(__x86_64__)
#error "BLOCKS_BASE_GS needs x86-64"
#endif

#define BLOCK 4096u
#define BLOCK_SHIFT 12

/* Reclaim policies, for free runs in the shared pool (thread caches, at most
 * 64 blocks a thread, always stay resident):
 *   decay     resident free blocks are kept for reuse up to BLOCKS_DECAY_PCT
 *             percent of the most blocks in use in this epoch or the last
 *             (the largest runs go back first), and blocks that stayed free
 *             through a whole epoch of BLOCKS_DECAY_MS go back at its end.
 *             Checked whenever a thread calls into the pool; no background
 *             thread, so an idle program keeps what it had until its next
 *             pool call.
 *   retain    free blocks stay resident (the pool only grows).
 *   decommit  free blocks go back at once, one pages_decommit per maximal run
 *             of a batch, before they re-enter the pool.
 * decay is the default: retain never returns a spike's memory, and decommit
 * pays an madvise plus a refault (docs/policies.md: about 0.1 + 2 us a page)
 * for every block passing through the pool. decay bounds the footprint to
 * twice the recent peak in use and returns what a program stopped using
 * within two epochs; docs/policies.md has the sweep its two figures come from. */
#ifndef BLOCKS_DECAY_PCT
#define BLOCKS_DECAY_PCT 100
#endif
#ifndef BLOCKS_DECAY_MS
#define BLOCKS_DECAY_MS 5
#endif

#define CACHE_CAP 64    /* single blocks a thread keeps at most */
#define BATCH_CAP 256   /* runs handed back to the pool under one lock */
#define NSHARD 16       /* region registries, so create/destroy rarely contend */

/* ---- the region ------------------------------------------------------------------ */

/* A region lives at the start of its first block. The fast path touches only
 * the first three fields. The counters are relaxed atomics (plain moves on
 * x86-64) because region_stats_get reads them from other threads.
 *
 * The fast path keeps all its state in one word, bump (bump.h has its
 * fields), over the bump area [end - rem, end), which is always under one
 * block; end is always 4096-aligned (a block's or a run's end). Bumps are
 * rounded up to 8 bytes, so rem stays a multiple of 8 and no ALIGN up to 8
 * ever pads; padding for a larger ALIGN is the slow path's. No field passes
 * 4096. The slow path, a shrink and a reset fold count and bytes into
 * nalloc and size. */
struct region {
	_Atomic uint64_t bump;    /* rem | count << 16 | slack << 32 | rem0 << 48 */
	char *end;                /* the bump area's end */
	uintptr_t last;           /* the newest allocation | its rounding (0-7), for region_shrink */
	_Atomic uint64_t size;    /* bytes requested since creation or reset, bump aside */
	_Atomic uint64_t nalloc;  /* successful allocations, ever, bump aside */
	_Atomic uint64_t retired; /* requested bytes dropped by reset and shrink */
	char *big;                /* the newest allocation that took a run of its own */
	size_t big_size;
	uint32_t head, first;     /* the newest run of the region's chain; the header's block */
	int err;
	unsigned shard;
	struct region *prev, *next;   /* in the shard's registry */
#if REGION_DEBUG
	uint64_t magic;
#endif
};
#define MAGIC 0x626c6f636b73ull


/* Single-writer add: no locked instruction. */
static inline void add_owned(_Atomic uint64_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n, memory_order_relaxed);
}

/* Moves the bump word's counts into size and nalloc (owner only). */
static void fold(region_t *r)
{
	uint64_t w = atomic_load_explicit(&r->bump, memory_order_relaxed);
	add_owned(&r->size, BUMP_BYTES(w));
	add_owned(&r->nalloc, BUMP_COUNT(w));
	atomic_store_explicit(&r->bump, BUMP_REM(w) << 48 | BUMP_REM(w), memory_order_relaxed);
}

static char *cur_of(const region_t *r)
{
	return r->end - BUMP_REM(atomic_load_explicit(&((region_t *)r)->bump, memory_order_relaxed));
}

/* Makes [cur, end) the bump area (owner only, counts folded). */
static void set_area(region_t *r, char *cur, char *end)
{
	uint64_t rem = (uint64_t)(end - cur);
	r->end = end;
	atomic_store_explicit(&r->bump, rem << 48 | rem, memory_order_relaxed);
}

/* ---- the pool ----------------------------------------------------------------------- */

/* One entry per block, read at run ends only. len and state (written under
 * the pool lock) and prev and next (free-list links while free, the region's
 * chain while used, written by the owner) are in different 8-byte words. */
struct meta {
	uint32_t len, state;
	uint32_t prev, next;
};
enum { S_USED = 1, S_DIRTY = 2, S_CLEAN = 3 };

/* Size classes of a run of n blocks: n itself below 16, then 8 classes per
 * power of two (TLSF's first and second level, flattened into one bitmap).
 * Bounds of the run allocator: taking and freeing a run is O(1) (a bitmap
 * search over 240 classes, list heads, two boundary tags for coalescing);
 * only a request that no class above its own can serve scans its own class,
 * O(free runs in it), and a failing request first drains the caller's cache
 * and decommits resident free runs so they coalesce with clean ones, O(free
 * runs). Free runs of one state never lie side by side, so a request for n
 * blocks fails only when no n contiguous free blocks exist (blocks cached by
 * other threads, at most cache_max each, do not count as free); the adversary
 * (every other block held) still makes half the free pool useless for n > 1,
 * as for any allocator that does not move. A run wastes under one block at
 * its tail, which becomes the bump area when it is the larger free tail. */
#define NCLASS 240
struct heap {
	uint32_t head[NCLASS];
	uint64_t map[(NCLASS + 63) / 64];
	uint64_t blocks;
};

struct run { uint32_t b, n; };

enum { P_DECAY, P_RETAIN, P_DECOMMIT };
static const char *const policy_names[] = { "decay", "retain", "decommit", NULL };

/* All of the module's shared state (as SQLite's mem5.c and musl's mallocng
 * ctx gather theirs). base is the one word references decode with, read
 * RIP-relative. Set once by pool_init: base, meta, bytes, meta_bytes,
 * nblocks, cache_max, batch. Under lock: dirty, clean, the decay epoch's fields and
 * meta[].len/state. The counters are relaxed atomics read by the statistics. */
static struct pool {
	char *base;
	struct meta *meta;
	uint64_t bytes;              /* the pool's size (region_limit_set) */
	size_t meta_bytes;
	uint32_t nblocks, cache_max, batch;
	int policy;
	bool block0_ready, key_ready;
	pthread_key_t cache_key;
	_Atomic int ready;
	pthread_mutex_t init_lock;

	struct lock lock;
	struct heap dirty, clean;
	uint64_t epoch_ms;           /* when this decay epoch began */
	uint64_t dirty_low;          /* fewest resident free blocks in this epoch */
	uint64_t used_high, used_prev;   /* most blocks in use in this epoch, and in the last */

	_Atomic uint64_t chunks;     /* blocks held by regions and thread caches */
	_Atomic uint64_t committed;  /* blocks committed, block 0 included */
	_Atomic uint64_t live;       /* live regions */
	_Atomic uint64_t dead_allocs, dead_requested;   /* of destroyed regions */

	struct shard {
		struct lock lock;
		struct region *list;     /* live regions, under lock */
	} __attribute__((aligned(64))) shards[NSHARD];
	_Atomic unsigned shard_next;
} pool = {
	.bytes = BLOCKS_POOL_BYTES,
	.policy = P_DECAY,
	.init_lock = PTHREAD_MUTEX_INITIALIZER,
	.lock = LOCK_INIT,
	.shards = { [0 ... NSHARD - 1] = { .lock = LOCK_INIT } },
};

/* A thread's cache of single blocks, ascending from the top. */
struct tcache {
	bool init;
	unsigned shard;
	uint32_t n;
	uint32_t blk[CACHE_CAP];
};
static _Thread_local struct tcache tc;

static inline char *pool_base(void)
{
#if BLOCKS_BASE_GS
	/* The pool's first word holds its own address, as fs:0 does for TLS.
	 * Not volatile: a thread's GS base never changes once set, so the load
	 * may be hoisted out of loops like the global one; the unused operand
	 * tc.init orders it after the call that set it. (Inline asm, not
	 * __seg_gs, which UBSan takes for a load through NULL.) */
	char *b;
	__asm__("mov %%gs:0, %0" : "=r"(b) : "m"(tc.init));
	return b;
#else
	return pool.base;
#endif
}

static inline char *addr(uint32_t b) { return pool.base + ((size_t)b << BLOCK_SHIFT); }
static inline uint32_t blk(const void *p) { return (uint32_t)(((const char *)p - pool.base) >> BLOCK_SHIFT); }

/* ---- free runs: segregated lists, boundary tags (pool.lock held) ------------------- */

static unsigned cls(uint32_t n)
{
	if (n < 16)
		return n;
	unsigned fl = 31 - (unsigned)__builtin_clz(n);
	return 16 + (fl - 4) * 8 + ((n >> (fl - 3)) & 7);
}

static uint32_t cls_min(unsigned c)
{
	if (c < 16)
		return c;
	return (8u + (c - 16) % 8) << ((c - 16) / 8 + 1);
}

/* The first non-empty class at or above FROM, or NCLASS. */
static unsigned first_set(const struct heap *h, unsigned from)
{
	for (unsigned w = from / 64; w < (NCLASS + 63) / 64; w++) {
		uint64_t bits = h->map[w];
		if (w == from / 64)
			bits &= ~(uint64_t)0 << (from % 64);
		if (bits)
			return w * 64 + (unsigned)__builtin_ctzll(bits);
	}
	return NCLASS;
}

static unsigned last_set(const struct heap *h)
{
	for (unsigned w = (NCLASS + 63) / 64; w-- > 0; )
		if (h->map[w])
			return w * 64 + 63 - (unsigned)__builtin_clzll(h->map[w]);
	return NCLASS;
}

static void tag(uint32_t b, uint32_t n, uint32_t state)
{
	REGION_ASSERT(lock_held(&pool.lock) && n >= 1 && b >= 1 && b + n <= pool.nblocks);
	pool.meta[b].len = n, pool.meta[b].state = state;
	pool.meta[b + n - 1].len = n, pool.meta[b + n - 1].state = state;
}

static void push(struct heap *h, uint32_t b, uint32_t n, uint32_t state)
{
	unsigned c = cls(n);
	tag(b, n, state);
	pool.meta[b].prev = 0;
	pool.meta[b].next = h->head[c];
	if (h->head[c])
		pool.meta[h->head[c]].prev = b;
	h->head[c] = b;
	h->map[c / 64] |= (uint64_t)1 << (c % 64);
	h->blocks += n;
}

static void unlink_run(struct heap *h, uint32_t b)
{
	REGION_ASSERT(lock_held(&pool.lock));
	struct meta *m = &pool.meta[b];
	unsigned c = cls(m->len);
	if (m->prev)
		pool.meta[m->prev].next = m->next;
	else
		h->head[c] = m->next;
	if (m->next)
		pool.meta[m->next].prev = m->prev;
	if (!h->head[c])
		h->map[c / 64] &= ~((uint64_t)1 << (c % 64));
	h->blocks -= m->len;
}

/* REGION_DEBUG 3: whether H is consistent: every listed run is free in
 * STATE with both boundary tags, in the class its length names, linked both
 * ways; the map marks exactly the non-empty classes; the lengths add up. */
__attribute__((unused))
static bool heap_ok(const struct heap *h, uint32_t state)
{
	uint64_t total = 0;
	for (unsigned c = 0; c < NCLASS; c++) {
		if (!h->head[c] != !(h->map[c / 64] >> (c % 64) & 1))
			return false;
		for (uint32_t b = h->head[c], prev = 0; b; prev = b, b = pool.meta[b].next) {
			uint32_t n = pool.meta[b].len;
			if (pool.meta[b].state != state || pool.meta[b].prev != prev || cls(n) != c ||
			    pool.meta[b + n - 1].len != n || pool.meta[b + n - 1].state != state)
				return false;
			total += n;
		}
	}
	return total == h->blocks;
}
#define HEAPS_OK() REGION_ASSERT_EXPENSIVE(heap_ok(&pool.dirty, S_DIRTY) && heap_ok(&pool.clean, S_CLEAN))

/* A free run of at least N blocks in H, or 0. Good fit in O(1): the search
 * starts one class up unless N is a class's smallest size, so any run found
 * fits; only if none does is N's own class scanned. */
static uint32_t find(const struct heap *h, uint32_t n)
{
	REGION_ASSERT(lock_held(&pool.lock));
	unsigned c = cls(n), from = cls_min(c) < n ? c + 1 : c;
	unsigned f = first_set(h, from);
	if (f < NCLASS)
		return h->head[f];
	if (from != c)
		for (uint32_t b = h->head[c]; b; b = pool.meta[b].next)
			if (pool.meta[b].len >= n)
				return b;
	return 0;
}

/* Takes the first N blocks of the free run at B in H; the rest stays free. */
static void carve(struct heap *h, uint32_t b, uint32_t n)
{
	uint32_t len = pool.meta[b].len, state = pool.meta[b].state;
	unlink_run(h, b);
	if (len > n)
		push(h, b + n, len - n, state);
}

/* Frees the run [b, b+n) into the heap of STATE, coalescing with free
 * neighbours of the same state (block 0 and the end are never free). */
static void insert(uint32_t b, uint32_t n, uint32_t state)
{
	struct heap *h = state == S_CLEAN ? &pool.clean : &pool.dirty;
	if (pool.meta[b - 1].state == state) {
		uint32_t l = pool.meta[b - 1].len;
		unlink_run(h, b - l);
		b -= l, n += l;
	}
	if (b + n < pool.nblocks && pool.meta[b + n].state == state) {
		uint32_t r = pool.meta[b + n].len;
		unlink_run(h, b + n);
		n += r;
	}
	push(h, b, n, state);
}

/* Notes that resident free blocks were taken (the epoch's low mark). */
static inline void dirty_taken(void)
{
	if (pool.dirty.blocks < pool.dirty_low)
		pool.dirty_low = pool.dirty.blocks;
}

/* Decommits dirty runs, largest first, until at most KEEP blocks are dirty.
 * Runs whose decommit fails stay dirty. */
static void purge(uint64_t keep)
{
	while (pool.dirty.blocks > keep) {
		uint32_t b = pool.dirty.head[last_set(&pool.dirty)], n = pool.meta[b].len;
		unlink_run(&pool.dirty, b);
		if (pages_decommit(addr(b), (size_t)n * BLOCK, PAGES_NOW) != 0) {
			push(&pool.dirty, b, n, S_DIRTY);
			return;
		}
		atomic_fetch_sub_explicit(&pool.committed, n, memory_order_relaxed);
		insert(b, n, S_CLEAN);
	}
	dirty_taken();
}

/* The decay rule (see BLOCKS_DECAY_PCT), run on every pool call. */
static void decay(void)
{
	if (pool.policy != P_DECAY)
		return;
	uint64_t used = atomic_load_explicit(&pool.chunks, memory_order_relaxed);
	if (used > pool.used_high)
		pool.used_high = used;
	uint64_t peak = pool.used_high > pool.used_prev ? pool.used_high : pool.used_prev;
	purge(peak * BLOCKS_DECAY_PCT / 100);
	uint64_t now = pages_clock_ms();
	if (now - pool.epoch_ms >= BLOCKS_DECAY_MS) {
		purge(pool.dirty.blocks - pool.dirty_low);   /* free all epoch long */
		pool.epoch_ms = now;
		pool.dirty_low = pool.dirty.blocks;
		pool.used_prev = pool.used_high;
		pool.used_high = used;
	}
}

/* ---- taking from and giving to the pool ------------------------------------------- */

/* Commits the clean runs among RS (taken from the pool by this thread).
 * On failure gives back those not committed and returns how many runs are
 * usable (committed or dirty), in RS's order. */
static int commit_runs(struct run *rs, const bool *was_clean, int k, int *err)
{
	for (int i = 0; i < k; i++) {
		if (!was_clean[i])
			continue;
		if (pages_commit(addr(rs[i].b), (size_t)rs[i].n * BLOCK) == 0) {
			atomic_fetch_add_explicit(&pool.committed, rs[i].n, memory_order_relaxed);
			continue;
		}
		*err = REGION_ENOMEM;
		int kept = i;
		lock_take(&pool.lock);
		for (int j = i; j < k; j++) {
			if (was_clean[j]) {
				insert(rs[j].b, rs[j].n, S_CLEAN);
				atomic_fetch_sub_explicit(&pool.chunks, rs[j].n, memory_order_relaxed);
			} else {
				rs[kept++] = rs[j];
			}
		}
		lock_drop(&pool.lock);
		return kept;
	}
	return k;
}

/* Refills the empty thread cache with up to BATCH single blocks, resident
 * ones first, as few runs as it can (so one commit covers many). Returns 0,
 * REGION_EPOOL or REGION_ENOMEM. */
static int refill(void)
{
	struct run rs[CACHE_CAP];
	bool was_clean[CACHE_CAP];
	int k = 0, err = REGION_EPOOL;
	uint32_t got = 0;
	lock_take(&pool.lock);
	decay();
	for (int pass = 0; pass < 2; pass++) {
		struct heap *h = pass ? &pool.clean : &pool.dirty;
		while (got < pool.batch && h->blocks) {
			uint32_t b = find(h, pool.batch - got);
			if (!b)
				b = h->head[last_set(h)];
			uint32_t n = pool.meta[b].len < pool.batch - got ? pool.meta[b].len : pool.batch - got;
			carve(h, b, n);
			for (uint32_t i = 0; i < n; i++)
				tag(b + i, 1, S_USED);
			rs[k] = (struct run){b, n};
			was_clean[k++] = pass;
			got += n;
		}
	}
	dirty_taken();
	atomic_fetch_add_explicit(&pool.chunks, got, memory_order_relaxed);
	HEAPS_OK();
	lock_drop(&pool.lock);
	k = commit_runs(rs, was_clean, k, &err);
	for (int i = k; i-- > 0; )
		for (uint32_t j = rs[i].n; j-- > 0; )
			tc.blk[tc.n++] = rs[i].b + j;
	return tc.n ? 0 : err;
}

static void sort_runs(struct run *rs, int k)
{
	static const int gaps[] = {57, 23, 10, 4, 1};   /* Ciura's shell sort gaps */
	for (int g = 0; g < 5; g++)
		for (int i = gaps[g]; i < k; i++) {
			struct run t = rs[i];
			int j = i;
			for (; j >= gaps[g] && rs[j - gaps[g]].b > t.b; j -= gaps[g])
				rs[j] = rs[j - gaps[g]];
			rs[j] = t;
		}
}

/* Gives K used runs back to the pool. Under "decommit" the runs are sorted
 * and merged first, so each maximal run costs one pages_decommit (made before
 * the pool lock, while the blocks are still ours); a failed decommit leaves
 * the run resident (dirty), never lost. */
static void give(struct run *rs, int k)
{
	uint32_t state[BATCH_CAP];
	uint64_t total = 0;
	for (int i = 0; i < k; i++)
		total += rs[i].n;
	if (pool.policy == P_DECOMMIT) {
		sort_runs(rs, k);
		int m = 0;
		for (int i = 0; i < k; i++) {
			if (m && rs[m - 1].b + rs[m - 1].n == rs[i].b)
				rs[m - 1].n += rs[i].n;
			else
				rs[m++] = rs[i];
		}
		k = m;
		for (int i = 0; i < k; i++) {
			state[i] = S_DIRTY;
			if (pages_decommit(addr(rs[i].b), (size_t)rs[i].n * BLOCK, PAGES_NOW) == 0) {
				state[i] = S_CLEAN;
				atomic_fetch_sub_explicit(&pool.committed, rs[i].n, memory_order_relaxed);
			}
		}
	} else {
		for (int i = 0; i < k; i++)
			state[i] = S_DIRTY;
	}
	lock_take(&pool.lock);
	for (int i = 0; i < k; i++)
		insert(rs[i].b, rs[i].n, state[i]);
	decay();   /* before the blocks leave chunks, so the epoch's peak counts them */
	atomic_fetch_sub_explicit(&pool.chunks, total, memory_order_relaxed);
	HEAPS_OK();
	lock_drop(&pool.lock);
}

/* Hands every cached block back (thread exit, or before a large request
 * fails for want of contiguous blocks). */
static void drain(struct tcache *t)
{
	struct run rs[CACHE_CAP];
	int k = 0;
	while (t->n)
		rs[k++] = (struct run){t->blk[--t->n], 1};
	if (k)
		give(rs, k);
}

static void tc_exit(void *arg)
{
	drain(arg);
}

/* Gives the region chain from B up to (not including) STOP back: single
 * blocks to the thread cache while it has room, the rest to the pool in
 * batches of BATCH_CAP runs. The blocks die (filled and poisoned in debug
 * and ASan builds) before anyone else can take them. */
static void give_chain(uint32_t b, uint32_t stop)
{
	struct run rs[BATCH_CAP];
	int k = 0;
	while (b != stop) {
		uint32_t next = pool.meta[b].next, n = pool.meta[b].len;
		REGION_ASSERT(pool.meta[b].state == S_USED && n >= 1 && b + n <= pool.nblocks);
		region_debug_dead(addr(b), (size_t)n * BLOCK);
		if (n == 1 && tc.n < pool.cache_max) {
			tc.blk[tc.n++] = b;
		} else {
			rs[k++] = (struct run){b, n};
			if (k == BATCH_CAP) {
				give(rs, k);
				k = 0;
			}
		}
		b = next;
	}
	if (k)
		give(rs, k);
}

/* A run of N > 1 blocks (committed), or 0 with *err set. Resident free runs
 * first; before failing, the thread's cache and every resident free run go
 * back so that clean runs coalesce as far as they can. */
static uint32_t take_run(uint32_t n, int *err)
{
	*err = REGION_EPOOL;
	for (int attempt = 0; attempt < 2; attempt++) {
		if (attempt)
			drain(&tc);
		lock_take(&pool.lock);
		decay();
		if (attempt)
			purge(0);
		bool from_clean = false;
		uint32_t b = find(&pool.dirty, n);
		if (b) {
			carve(&pool.dirty, b, n);
			dirty_taken();
		} else if ((b = find(&pool.clean, n))) {
			carve(&pool.clean, b, n);
			from_clean = true;
		}
		if (b) {
			tag(b, n, S_USED);
			atomic_fetch_add_explicit(&pool.chunks, n, memory_order_relaxed);
		}
		HEAPS_OK();
		lock_drop(&pool.lock);
		if (!b)
			continue;
		struct run r = {b, n};
		return commit_runs(&r, &from_clean, 1, err) ? b : 0;
	}
	return 0;
}

/* ---- setup ------------------------------------------------------------------------- */

/* Sets the calling thread up on its first region call: its registry shard,
 * the key whose destructor drains its cache, and (blocks-gs) its GS base,
 * set with arch_prctl(ARCH_SET_GS); glibc, ASan and TSan leave GS alone on
 * x86-64. Threads and fork children inherit GS from their creator, so only
 * threads started before the first region_create need this; such a thread
 * must create, destroy, reset, shrink or allocate past its current block
 * before it decodes in blocks-gs. */
static void tc_enter(void)
{
	if (__builtin_expect(tc.init, 1))
		return;
	tc.init = true;
	tc.shard = atomic_fetch_add_explicit(&pool.shard_next, 1, memory_order_relaxed) % NSHARD;
	pthread_setspecific(pool.cache_key, &tc);
#if BLOCKS_BASE_GS
	syscall(SYS_arch_prctl, ARCH_SET_GS, (unsigned long)pool.base);
#endif
}

static int to_region_error(int e) { return e ? REGION_ENOMEM : 0; }

/* Reserves the pool and its side table on the first region_create. A page
 * source failure returns REGION_ENOMEM and keeps what was reserved for the
 * next attempt, so nothing leaks. */
static int pool_init(void)
{
	if (atomic_load_explicit(&pool.ready, memory_order_acquire))
		return 0;
	int err = 0;
	pthread_mutex_lock(&pool.init_lock);
	if (atomic_load_explicit(&pool.ready, memory_order_relaxed))
		goto out;
	pool.nblocks = (uint32_t)(pool.bytes >> BLOCK_SHIFT);
	if (!pool.base) {
		void *p;
		/* 2 MiB alignment, so huge pages line up with blocks. */
		if ((err = to_region_error(pages_reserve(pool.bytes, (size_t)2 << 20, &p))))
			goto out;
		pool.base = p;
	}
	if (!pool.meta) {
		size_t want = ((size_t)pool.nblocks * sizeof *pool.meta + BLOCK - 1) & ~(size_t)(BLOCK - 1);
		void *p;
		if ((err = to_region_error(pages_reserve(want, BLOCK, &p))))
			goto out;
		pool.meta = p;
		pool.meta_bytes = want;
	}
	if (!pool.block0_ready) {
		if ((err = to_region_error(pages_commit(pool.base, BLOCK))))
			goto out;
		*(char **)pool.base = pool.base;
		pool.block0_ready = true;
	}
	if (!pool.key_ready) {
		if (pthread_key_create(&pool.cache_key, tc_exit) != 0) {
			err = REGION_ENOMEM;
			goto out;
		}
		pool.key_ready = true;
	}
#if BLOCKS_BASE_GS
	if (syscall(SYS_arch_prctl, ARCH_SET_GS, (unsigned long)pool.base) != 0) {
		err = REGION_ENOTSUP;
		goto out;
	}
#endif
	/* Small test pools get small caches, so one thread cannot hoard them. */
	pool.cache_max = pool.nblocks / 32 < 2 ? 2 : pool.nblocks / 32 > CACHE_CAP ? CACHE_CAP : pool.nblocks / 32;
	pool.batch = pool.cache_max / 2;
	atomic_store_explicit(&pool.committed, 1, memory_order_relaxed);
	lock_take(&pool.lock);
	push(&pool.clean, 1, pool.nblocks - 1, S_CLEAN);   /* untouched memory is clean */
	lock_drop(&pool.lock);
	atomic_store_explicit(&pool.ready, 1, memory_order_release);
out:
	pthread_mutex_unlock(&pool.init_lock);
	return err;
}

/* ---- the API ------------------------------------------------------------------------ */

int region_create(region_t **out)
{
	int err = pool_init();
	if (err)
		return err;
	tc_enter();
	if (!tc.n && (err = refill()))
		return err;
	uint32_t b = tc.blk[--tc.n];
	struct region *r = (struct region *)addr(b);
	region_debug_live(r, sizeof *r);
	pool.meta[b].next = 0;
	*r = (struct region){
		.head = b, .first = b, .shard = tc.shard,
#if REGION_DEBUG
		.magic = MAGIC,
#endif
	};
	set_area(r, (char *)(r + 1), addr(b) + BLOCK);
	struct shard *s = &pool.shards[r->shard];
	lock_take(&s->lock);
	LIST_PUSH(s->list, r);
	lock_drop(&s->lock);
	atomic_fetch_add_explicit(&pool.live, 1, memory_order_relaxed);
	*out = r;
	return 0;
}

void region_destroy(region_t *r)
{
	if (!r)
		return;
	REGION_ASSERT(r->magic == MAGIC);
	tc_enter();
	struct shard *s = &pool.shards[r->shard];
	lock_take(&s->lock);
	LIST_UNLINK(s->list, r);
	fold(r);
	uint64_t size = atomic_load_explicit(&r->size, memory_order_relaxed);
	atomic_fetch_add_explicit(&pool.dead_allocs, atomic_load_explicit(&r->nalloc, memory_order_relaxed),
		memory_order_relaxed);
	atomic_fetch_add_explicit(&pool.dead_requested, size + atomic_load_explicit(&r->retired, memory_order_relaxed),
		memory_order_relaxed);
	lock_drop(&s->lock);
	atomic_fetch_sub_explicit(&pool.live, 1, memory_order_relaxed);
#if REGION_DEBUG
	r->magic = 0;
#endif
	give_chain(r->head, 0);   /* the header's block goes last */
}

/* Keeps the header's block and gives every other block back. */
void region_reset(region_t *r)
{
	REGION_ASSERT(r->magic == MAGIC);
	tc_enter();
	fold(r);
	uint64_t size = atomic_load_explicit(&r->size, memory_order_relaxed);
	atomic_store_explicit(&r->retired, atomic_load_explicit(&r->retired, memory_order_relaxed) + size,
		memory_order_relaxed);
	atomic_store_explicit(&r->size, 0, memory_order_relaxed);
	give_chain(r->head, r->first);
	region_debug_dead(r + 1, (size_t)(addr(r->first) + BLOCK - (char *)(r + 1)));
	r->head = r->first;
	pool.meta[r->first].next = 0;
	set_area(r, (char *)(r + 1), addr(r->first) + BLOCK);
	r->last = 0;
	r->big = NULL;
}

/* Everything the fast path does not serve: bad arguments, an ALIGN above 8
 * that needs padding (taken from the bump area when it fits), and requests
 * that need a new block (from the thread cache) or a run (from the pool).
 * The new memory becomes the bump area if it leaves more room than the old
 * one. Out of line, so the fast path stays small enough to inline. */
__attribute__((noinline))
static void *alloc_slow(region_t *r, size_t size, size_t align)
{
	REGION_ASSERT(r->magic == MAGIC);
	if (size == 0 || align - 1 >= REGION_MAX_ALIGN || (align & (align - 1))) {
		r->err = REGION_EINVAL;
		return NULL;
	}
	if (size > pool.bytes - BLOCK) {
		r->err = REGION_EPOOL;
		return NULL;
	}
	fold(r);
	char *cur = cur_of(r), *q = (char *)(((uintptr_t)cur + align - 1) & ~(uintptr_t)(align - 1));
	if (align > 8 && q <= r->end && ROUND8(size) <= (size_t)(r->end - q)) {   /* ALIGN <= 8 did not fit */
		set_area(r, q + ROUND8(size), r->end);
		r->last = (uintptr_t)q | (ROUND8(size) - size);
		region_debug_live(q, size);
		add_owned(&r->size, size);
		add_owned(&r->nalloc, 1);
		return q;
	}
	tc_enter();
	uint32_t n = (uint32_t)((size + BLOCK - 1) >> BLOCK_SHIFT), b;
	int err = 0;
	if (n == 1) {
		if (!tc.n && (err = refill())) {
			r->err = err;
			return NULL;
		}
		b = tc.blk[--tc.n];
	} else if (!(b = take_run(n, &err))) {
		r->err = err;
		return NULL;
	}
	pool.meta[b].next = r->head;
	r->head = b;
	char *p = addr(b), *tail = p + ROUND8(size), *end = p + ((size_t)n << BLOCK_SHIFT);
	if (end - tail > r->end - cur_of(r))
		set_area(r, tail, end);
	r->big = p;   /* block starts are 4096-aligned: any ALIGN holds */
	r->last = (uintptr_t)p;
	r->big_size = size;
	region_debug_live(p, size);
	add_owned(&r->size, size);
	add_owned(&r->nalloc, 1);
	return p;
}

/* The fast path: align, compare, bump, count. always_inline (region.h's
 * declaration keeps the definition external) makes -flto inline it into
 * every caller, whatever its size heuristics say (a plain "inline" was left
 * out of line in a loop of the microbenchmarks), and a constant ALIGN folds
 * the argument checks away; tests/inline.sh checks the built programs for
 * calls to it. p = end - rem is aligned to ALIGN when rem is a multiple of
 * it (end is 4096-aligned, rem a multiple of 8); the hint below tells
 * callers' NULL tests that p is never NULL. */
__attribute__((always_inline)) inline void *region_alloc(region_t *r, size_t size, size_t align)
{
	uint64_t w = atomic_load_explicit(&r->bump, memory_order_relaxed);
	size_t rem = BUMP_REM(w), bump = ROUND8(size);
	if (__builtin_expect(align - 1 < REGION_MAX_ALIGN && !(align & (align - 1)) &&
			(align <= 8 || !(rem & (align - 1))) && bump - 1 < rem, 1)) {
		char *p = r->end - rem;
		if (!p)
			__builtin_unreachable();   /* p >= the block's start > 0 */
		atomic_store_explicit(&r->bump, w - bump + BUMP_ONE + BUMP_SLACK(bump - size),
			memory_order_relaxed);
		r->last = (uintptr_t)p | (bump - size);
		region_debug_live(p, size);   /* nothing unless debugging */
		return p;
	}
	return alloc_slow(r, size, align);
}

/* A run-backed allocation gives its whole unused blocks back to the pool at
 * once; a bump allocation gives its tail back to the bump area. Never fails
 * for lack of memory: a failed decommit leaves the blocks resident. */
int region_shrink(region_t *r, void *p, size_t size)
{
	REGION_ASSERT(r->magic == MAGIC);
	char *q = p, *cur = cur_of(r);
	if (!q || (uintptr_t)q != (r->last & ~(uintptr_t)7)) {
		r->err = REGION_EINVAL;
		return REGION_EINVAL;
	}
	size_t old = q == r->big ? r->big_size : (size_t)(cur - q) - (r->last & 7);
	if (size < 1 || size > old) {
		r->err = REGION_EINVAL;
		return REGION_EINVAL;
	}
	fold(r);
	char *tail = q + ROUND8(size);
	if (q == r->big) {
		tc_enter();
		uint32_t b = blk(q), n = pool.meta[b].len, k = (uint32_t)((size + BLOCK - 1) >> BLOCK_SHIFT);
		char *end = q + ((size_t)k << BLOCK_SHIFT);
		bool bump_here = r->end == q + ((size_t)n << BLOCK_SHIFT);
		region_debug_dead(q + size, ((size_t)n << BLOCK_SHIFT) - size);
		if (k < n) {
			lock_take(&pool.lock);
			tag(b, k, S_USED);
			tag(b + k, n - k, S_USED);
			lock_drop(&pool.lock);
			struct run rest = {b + k, n - k};
			give(&rest, 1);
		}
		if (bump_here || end - tail > r->end - cur)
			set_area(r, tail, end);
		r->big_size = size;
	} else {
		region_debug_dead(q + size, old - size);
		set_area(r, tail, r->end);
	}
	r->last = (uintptr_t)q | (ROUND8(size) - size);
	size_t d = old - size;
	atomic_store_explicit(&r->size, atomic_load_explicit(&r->size, memory_order_relaxed) - d,
		memory_order_relaxed);
	atomic_store_explicit(&r->retired, atomic_load_explicit(&r->retired, memory_order_relaxed) + d,
		memory_order_relaxed);
	return 0;
}

int region_error(const region_t *r) { return r->err; }

/* Encoding and decoding read the base from one global word (RIP-relative),
 * or with BLOCKS_BASE_GS from gs:0, the pool's first word: one load and an
 * lea (mov %gs:0,%rsi; lea (%rsi,%rdi,8),%rax), inlined under -flto and
 * hoisted out of loops. The single-instruction GS access, mov %gs:(,%rdi,8),
 * is region_load* and region_store* below, which make no pointer. */
region_ref_t region_ref(const region_t *r, const void *p)
{
	REGION_ASSERT((const char *)p >= pool.base + BLOCK && (uint64_t)((const char *)p - pool.base) < pool.bytes);
	REGION_ASSERT(((uintptr_t)p & ((1u << BLOCKS_REF_SHIFT) - 1)) == 0);
	return (region_ref_t)(((uintptr_t)p - (uintptr_t)pool_base()) >> BLOCKS_REF_SHIFT);
}

void *region_ptr(const region_t *r, region_ref_t ref)
{
	REGION_ASSERT(((uint64_t)ref << BLOCKS_REF_SHIFT) < pool.bytes);
	return pool_base() + ((uintptr_t)ref << BLOCKS_REF_SHIFT);
}

/* blocks-gs: the GS base is the pool base, so an access is one instruction,
 * mov %gs:off(,%ref,8): a __seg_gs lvalue (GNU C, hence blocks-gs's
 * -std=gnu11 in the registry). Sanitizers instrument __seg_gs accesses as
 * if they went to low addresses; there, inline asm makes the same access,
 * with the address as a memory operand so the compiler still picks the
 * scaled-index form, and ASan is told of the access it cannot see. */
#define GS_ADDR(ref, off) ((uintptr_t)(ref) << BLOCKS_REF_SHIFT) + (off)
#if BLOCKS_BASE_GS && !REGION_SANITIZED
#define GS_LOAD(T, ref, off) (*(const __seg_gs T *)(GS_ADDR(ref, off)))
#define GS_STORE(T, ref, off, v) (*(__seg_gs T *)(GS_ADDR(ref, off)) = (v))
#elif BLOCKS_BASE_GS
#define GS_LOAD(T, ref, off) __extension__({ T v_; \
	REGION_ASAN_LOAD(pool.base + GS_ADDR(ref, off), sizeof(T)); \
	__asm__ volatile("mov %%gs:%1, %0" : "=r"(v_) \
		: "m"(*(const T *)(GS_ADDR(ref, off))) : "memory"); v_; })
#define GS_STORE(T, ref, off, v) do { \
	REGION_ASAN_STORE(pool.base + GS_ADDR(ref, off), sizeof(T)); \
	__asm__ volatile("mov %1, %%gs:%0" \
		: "=m"(*(T *)(GS_ADDR(ref, off))) : "r"((T)(v)) : "memory"); \
} while (0)
#else
#define GS_LOAD(T, ref, off) (*(const T *)(pool.base + ((uintptr_t)(ref) << BLOCKS_REF_SHIFT) + (off)))
#define GS_STORE(T, ref, off, v) (*(T *)(pool.base + ((uintptr_t)(ref) << BLOCKS_REF_SHIFT) + (off)) = (v))
#endif

inline uint32_t region_load32(const region_t *r, region_ref_t ref, size_t off)
{
	return GS_LOAD(uint32_t, ref, off);
}

inline uint64_t region_load64(const region_t *r, region_ref_t ref, size_t off)
{
	return GS_LOAD(uint64_t, ref, off);
}

inline void region_store32(region_t *r, region_ref_t ref, size_t off, uint32_t v)
{
	GS_STORE(uint32_t, ref, off, v);
}

inline void region_store64(region_t *r, region_ref_t ref, size_t off, uint64_t v)
{
	GS_STORE(uint64_t, ref, off, v);
}

size_t region_size(const region_t *r)
{
	region_t *w = (region_t *)r;
	return atomic_load_explicit(&w->size, memory_order_relaxed) +
	       BUMP_BYTES(atomic_load_explicit(&w->bump, memory_order_relaxed));
}

/* Sums the live regions' own counters under their shards' locks, so the
 * figures are exact whenever no region is being allocated into. */
void region_stats_get(struct region_stats *out)
{
	uint64_t allocs = 0, req = 0, live = 0, acq = 0, cont = 0;
	for (int i = 0; i < NSHARD; i++) {
		/* Uncounted: the counts are of the program's acquisitions. */
		pthread_mutex_lock(&pool.shards[i].lock.m);
		for (struct region *r = pool.shards[i].list; r; r = r->next) {
			uint64_t w = atomic_load_explicit(&r->bump, memory_order_relaxed);
			uint64_t size = atomic_load_explicit(&r->size, memory_order_relaxed) + BUMP_BYTES(w);
			allocs += atomic_load_explicit(&r->nalloc, memory_order_relaxed) + BUMP_COUNT(w);
			req += size + atomic_load_explicit(&r->retired, memory_order_relaxed);
			live += size;
		}
		pthread_mutex_unlock(&pool.shards[i].lock.m);
		lock_counts(&pool.shards[i].lock, &acq, &cont);
	}
	lock_counts(&pool.lock, &acq, &cont);
	bool up = atomic_load_explicit(&pool.ready, memory_order_acquire);
	*out = (struct region_stats){
		.allocs = allocs + atomic_load_explicit(&pool.dead_allocs, memory_order_relaxed),
		.bytes_requested = req + atomic_load_explicit(&pool.dead_requested, memory_order_relaxed),
		.bytes_live = live,
		.bytes_reserved = up ? pool.bytes + pool.meta_bytes : 0,
		.bytes_committed = atomic_load_explicit(&pool.committed, memory_order_relaxed) * BLOCK,
		.regions_live = atomic_load_explicit(&pool.live, memory_order_relaxed),
		.chunks_held = atomic_load_explicit(&pool.chunks, memory_order_relaxed),
		.bytes_limit = pool.bytes,
		.lock_acquisitions = acq,
		.lock_contended = cont,
	};
}

static bool is_free(uint32_t b) { return pool.meta[b].state == S_DIRTY || pool.meta[b].state == S_CLEAN; }

/* Adds a free run of N blocks to *out's totals. */
static void count_free(struct region_pool_free *out, uint64_t n)
{
	uint64_t bytes = n * BLOCK;
	out->free_bytes += bytes;
	out->run16_bytes += n >= 16 ? bytes : 0;
	out->run256_bytes += n >= 256 ? bytes : 0;
	out->run4096_bytes += n >= 4096 ? bytes : 0;
	if (bytes > out->largest_run_bytes)
		out->largest_run_bytes = bytes;
}

/* Free runs as a request sees them: a dirty run beside a clean one counts
 * as one run, since take_run decommits dirty runs so they coalesce before
 * it fails. Each maximal run is walked once, from the free run at its left
 * end, under the pool lock: O(free runs). tail_waste_bytes reads the live
 * regions' bump areas, exact when no region is being allocated into.
 * Blocks in thread caches are not free. */
int region_pool_free_get(struct region_pool_free *out)
{
	*out = (struct region_pool_free){ .block_bytes = BLOCK };
	if (!atomic_load_explicit(&pool.ready, memory_order_acquire))
		return 0;
	lock_take(&pool.lock);
	for (int h = 0; h < 2; h++) {
		const struct heap *hp = h ? &pool.clean : &pool.dirty;
		for (unsigned c = 0; c < NCLASS; c++)
			for (uint32_t b = hp->head[c]; b; b = pool.meta[b].next) {
				if (is_free(b - 1))
					continue;   /* counted from its left end */
				uint64_t n = 0;
				for (uint32_t e = b; e < pool.nblocks && is_free(e); e += pool.meta[e].len)
					n += pool.meta[e].len;
				count_free(out, n);
			}
	}
	lock_drop(&pool.lock);
	for (int i = 0; i < NSHARD; i++) {
		lock_take(&pool.shards[i].lock);
		for (struct region *r = pool.shards[i].list; r; r = r->next)
			out->tail_waste_bytes += BUMP_REM(atomic_load_explicit(&r->bump, memory_order_relaxed));
		lock_drop(&pool.shards[i].lock);
	}
	return 0;
}

const char *region_backend(void)
{
#if BLOCKS_BASE_GS
	return BLOCKS_NAME "-gs";
#else
	return BLOCKS_NAME;
#endif
}

const char *const *region_policies(void) { return policy_names; }

int region_policy_set(const char *name)
{
	if (!name || atomic_load_explicit(&pool.ready, memory_order_acquire))
		return REGION_EINVAL;
	for (int i = 0; policy_names[i]; i++)
		if (strcmp(name, policy_names[i]) == 0) {
			pool.policy = i;
			return 0;
		}
	return REGION_EINVAL;
}

const char *region_policy(void) { return policy_names[pool.policy]; }

/* At least 16 blocks, at most what a reference reaches; only before the
 * pool is first reserved. */
int region_limit_set(uint64_t bytes)
{
	if (pool.base || atomic_load_explicit(&pool.ready, memory_order_acquire) ||
			bytes < 16 * BLOCK || bytes > BLOCKS_POOL_MAX)
		return REGION_EINVAL;
	pool.bytes = bytes & ~(uint64_t)(BLOCK - 1);
	return 0;
}

int region_span(const region_t *r, const void **data, size_t *len) { return REGION_ENOTSUP; }
int region_restore(region_t *r, const void *data, size_t len) { return REGION_ENOTSUP; }
