/* micro.c: microbenchmarks of single region operations, in C.
 *
 * Every executable runs the same list against its own backend, plus two
 * references in the same process so ratios need no second run:
 * limit_bump (a raw bump pointer into prefaulted memory: the physical limit)
 * and libc_malloc_free (glibc's own malloc and free, looked up in libc.so.6
 * itself, since jemalloc and mimalloc replace malloc and __libc_malloc).
 * Every allocation is written once, as a program initialises what it gets.
 * decode_* read a field through references (region_load32) against the same
 * through raw pointers, in a loop and one access per call (docs/decode.md). */
#include "micro.h"

#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../field.h"
#include "region.h"

#define BATCH 1024
#define REFILL_BYTES (256u << 10)   /* alloc/ and limit_bump/ reset after this much */

/* glibc's own allocator, whichever malloc the process links. */
static void *(*libc_malloc)(size_t);
static void (*libc_free)(void *);

static int libc_lookup(void)
{
	void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	if (libc) {
		libc_malloc = (void *(*)(size_t))dlsym(libc, "malloc");
		libc_free = (void (*)(void *))dlsym(libc, "free");
	}
	return libc_malloc && libc_free ? 0 : -1;
}

/* Keeps the compiler from dropping work whose result nobody reads. */
static inline void escape(const void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

static int create(struct mb_state *s, region_t **r)
{
	int err = region_create(r);
	if (err)
		mb_error(s, region_strerror(err));
	return err;
}

static void fail(struct mb_state *s, region_t *r)
{
	mb_error(s, region_strerror(region_error(r)));
	region_destroy(r);
}

/* alloc/SIZE: the fast path; a reset after every REFILL_BYTES keeps the
 * region's memory warm, as a region reset per request does. */
static void bm_alloc(struct mb_state *s, int64_t size)
{
	region_t *r;
	if (create(s, &r))
		return;
	size_t used = 0;
	while (mb_batch(s, BATCH)) {
		for (int i = 0; i < BATCH; i++) {
			uint64_t *p = region_alloc(r, (size_t)size, 8);
			if (!p)
				return fail(s, r);
			*p = (uint64_t)i;
		}
		used += BATCH * (size_t)size;
		if (used >= REFILL_BYTES) {
			region_reset(r);
			used = 0;
		}
	}
	region_destroy(r);
}

static void bm_limit_bump(struct mb_state *s, int64_t size)
{
	size_t cap = REFILL_BYTES + BATCH * (size_t)size + 8;
	char *buf = malloc(cap);
	if (!buf)
		return mb_error(s, "out of memory");
	memset(buf, 1, cap);   /* prefaulted */
	uintptr_t cur = (uintptr_t)buf, start = cur;
	while (mb_batch(s, BATCH)) {
		for (int i = 0; i < BATCH; i++) {
			uintptr_t p = (cur + 7) & ~(uintptr_t)7;
			cur = p + (size_t)size;
			*(uint64_t *)p = (uint64_t)i;
		}
		escape((void *)cur);
		if (cur - start >= REFILL_BYTES)
			cur = start;
	}
	free(buf);
}

static void bm_libc_malloc_free(struct mb_state *s, int64_t size)
{
	static void *ptrs[BATCH];
	if (!libc_malloc && libc_lookup())
		return mb_error(s, "glibc's malloc not found in libc.so.6");
	while (mb_batch(s, BATCH)) {
		for (int i = 0; i < BATCH; i++) {
			uint64_t *p = libc_malloc((size_t)size);
			if (!p)
				return mb_error(s, "glibc malloc failed");
			*p = (uint64_t)i;
			ptrs[i] = p;
		}
		for (int i = 0; i < BATCH; i++)
			libc_free(ptrs[i]);
	}
}

/* Fills r with N bytes in 1 KiB objects, each written whole. */
static int fill(region_t *r, size_t n)
{
	for (size_t done = 0; done < n; done += 1024) {
		void *p = region_alloc(r, 1024, 8);
		if (!p)
			return -1;
		memset(p, (int)done, 1024);
	}
	return 0;
}

/* churn/FILL_BYTES: create a region, allocate FILL_BYTES, destroy it. */
static void bm_churn(struct mb_state *s, int64_t fill_bytes)
{
	while (mb_batch(s, 1)) {
		region_t *r;
		if (create(s, &r))
			return;
		if (fill(r, (size_t)fill_bytes))
			return fail(s, r);
		region_destroy(r);
	}
}

/* reset_refill/BYTES: reset a region holding BYTES and fill it again. */
static void bm_reset_refill(struct mb_state *s, int64_t bytes)
{
	region_t *r;
	if (create(s, &r))
		return;
	if (fill(r, (size_t)bytes))
		return fail(s, r);
	while (mb_batch(s, 1)) {
		region_reset(r);
		if (fill(r, (size_t)bytes))
			return fail(s, r);
	}
	region_destroy(r);
}

/* large/SIZE: allocate SIZE, touch every page, give it back with a reset. */
static void bm_large(struct mb_state *s, int64_t size)
{
	region_t *r;
	if (create(s, &r))
		return;
	while (mb_batch(s, 1)) {
		char *p = region_alloc(r, (size_t)size, 64);
		if (!p)
			return fail(s, r);
		for (int64_t off = 0; off < size; off += 4096)
			p[off] = 1;
		escape(p);
		region_reset(r);
	}
	region_destroy(r);
}

/* shrink/SIZE: over-allocate SIZE for a read, keep the 1500 bytes it got. */
static void bm_shrink(struct mb_state *s, int64_t size)
{
	region_t *r;
	if (create(s, &r))
		return;
	size_t used = 0;
	while (mb_batch(s, 64)) {
		for (int i = 0; i < 64; i++) {
			char *p = region_alloc(r, (size_t)size, 8);
			if (!p)
				return fail(s, r);
			memset(p, i, 1500);
			if (region_shrink(r, p, 1500) != 0)
				return fail(s, r);
		}
		used += 64 * 1500;
		if (used >= (4u << 20)) {
			region_reset(r);
			used = 0;
		}
	}
	region_destroy(r);
}

/* A chase node fills a cache line so every mode walks the same lines: the
 * reference at the front, the raw pointer to the same successor behind it. */
struct node {
	region_ref_t next;
	struct node *raw;
	char pad[64 - sizeof(region_ref_t) - sizeof(struct node *)];
};

enum chase_mode { CHASE_REGION_PTR, CHASE_LOCAL_BASE, CHASE_RAW64 };

/* Builds a single random cycle (Sattolo) through BYTES of nodes in r. */
static struct node *chase_build(region_t *r, size_t bytes)
{
	size_t n = bytes / sizeof(struct node);
	struct node **v = malloc(n * sizeof *v);
	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		v[i] = region_alloc(r, sizeof(struct node), 64);
		if (!v[i]) {
			free(v);
			return NULL;
		}
		memset(v[i], 0, sizeof(struct node));
	}
	uint64_t seed = 42;
	for (size_t i = n - 1; i > 0; i--) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		size_t j = (size_t)((seed >> 33) % i);
		struct node *t = v[i];
		v[i] = v[j];
		v[j] = t;
	}
	for (size_t i = 0; i < n; i++) {
		struct node *next = v[(i + 1) % n];
		v[i]->next = region_ref(r, next);
		v[i]->raw = next;
	}
	struct node *head = v[0];
	free(v);
	return head;
}

static void chase(struct mb_state *s, int64_t bytes, enum chase_mode mode)
{
	region_t *r;
	if (create(s, &r))
		return;
	struct node *p = chase_build(r, (size_t)bytes);   /* before timing starts */
	if (!p)
		return fail(s, r);
	/* The local base: the backend's base and scale, read once. */
	char *base = region_ptr(r, REGION_REF_NULL);
	unsigned shift = (char *)region_ptr(r, 1) - base == 8 ? 3 : 0;
	while (mb_batch(s, BATCH)) {
		switch (mode) {
		case CHASE_REGION_PTR:
			for (int i = 0; i < BATCH; i++)
				p = region_ptr(r, p->next);
			break;
		case CHASE_LOCAL_BASE:
			for (int i = 0; i < BATCH; i++)
				p = (struct node *)(base + ((uintptr_t)p->next << shift));
			break;
		case CHASE_RAW64:
			for (int i = 0; i < BATCH; i++)
				p = p->raw;
			break;
		}
		escape(p);
	}
	region_destroy(r);
}

static void bm_chase_region_ptr(struct mb_state *s, int64_t b) { chase(s, b, CHASE_REGION_PTR); }
static void bm_chase_local_base(struct mb_state *s, int64_t b) { chase(s, b, CHASE_LOCAL_BASE); }
static void bm_chase_raw64(struct mb_state *s, int64_t b) { chase(s, b, CHASE_RAW64); }

/* ---- decode: a field read through a reference --------------------------- */

/* A decode node: the summed field at offset 8, as after a header word. */
struct dnode {
	uint64_t key;
	uint32_t value;
	uint32_t pad;
};

struct decode_set {
	region_t *r;
	region_ref_t *refs;        /* N references, in a shuffled order */
	const struct dnode **ptrs; /* the same nodes as raw pointers */
};

/* N nodes in a fresh region, referenced in a seeded random order so the
 * loads are independent but not a stride the prefetcher follows. 0, or -1
 * with the error reported to S. */
static int decode_build(struct mb_state *s, struct decode_set *d, size_t n)
{
	*d = (struct decode_set){0};
	if (create(s, &d->r))
		return -1;
	d->refs = malloc(n * sizeof *d->refs);
	d->ptrs = malloc(n * sizeof *d->ptrs);
	if (!d->refs || !d->ptrs) {
		mb_error(s, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct dnode *p = region_alloc(d->r, sizeof *p, 8);
		if (!p) {
			fail(s, d->r);
			d->r = NULL;
			return -1;
		}
		*p = (struct dnode){ .key = i, .value = (uint32_t)(i * 2654435761u) };
		d->ptrs[i] = p;
	}
	uint64_t seed = 7;
	for (size_t i = n - 1; i > 0; i--) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		size_t j = (size_t)((seed >> 33) % (i + 1));
		const struct dnode *t = d->ptrs[i];
		d->ptrs[i] = d->ptrs[j];
		d->ptrs[j] = t;
	}
	for (size_t i = 0; i < n; i++)
		d->refs[i] = region_ref(d->r, d->ptrs[i]);
	return 0;
}

static void decode_free(struct decode_set *d)
{
	region_destroy(d->r);
	free(d->refs);
	free((void *)d->ptrs);
}

/* The measured code, in functions of their own so scripts/decode-asm finds
 * it by name in the executable (extern, and noipa so it is neither inlined
 * nor specialised). mb_decode_sum* loop over N slots: a base the decode
 * needs is loaded once, before the loop. mb_decode_one* make one access
 * each; their callers assume a call may change memory, so every call
 * reloads the base: a global's on blocks, none on blocks-gs. */
__attribute__((noipa)) uint32_t mb_decode_sum(const region_t *r, const region_ref_t *refs, int64_t n)
{
	uint32_t sum = 0;
	for (int64_t i = 0; i < n; i++)
		sum += FIELD_GET32(r, refs[i], struct dnode, value);
	return sum;
}

__attribute__((noipa)) uint32_t mb_decode_sum_raw(const struct dnode *const *ptrs, int64_t n)
{
	uint32_t sum = 0;
	for (int64_t i = 0; i < n; i++)
		sum += ptrs[i]->value;
	return sum;
}

__attribute__((noipa)) uint32_t mb_decode_one(const region_t *r, const region_ref_t *slot)
{
	return FIELD_GET32(r, *slot, struct dnode, value);
}

__attribute__((noipa)) uint32_t mb_decode_one_raw(const struct dnode *const *slot)
{
	return (*slot)->value;
}

enum decode_mode { DECODE_SUM, DECODE_SUM_RAW, DECODE_CALL, DECODE_CALL_RAW };

/* One operation is one field read; a batch is the N nodes once. */
static void decode(struct mb_state *s, int64_t n, enum decode_mode mode)
{
	struct decode_set d;
	if (decode_build(s, &d, (size_t)n) == 0) {
		uint32_t sum = 0;
		while (mb_batch(s, n)) {
			switch (mode) {
			case DECODE_SUM:
				sum += mb_decode_sum(d.r, d.refs, n);
				break;
			case DECODE_SUM_RAW:
				sum += mb_decode_sum_raw(d.ptrs, n);
				break;
			case DECODE_CALL:
				for (int64_t i = 0; i < n; i++)
					sum += mb_decode_one(d.r, &d.refs[i]);
				break;
			case DECODE_CALL_RAW:
				for (int64_t i = 0; i < n; i++)
					sum += mb_decode_one_raw(&d.ptrs[i]);
				break;
			}
			escape((void *)(uintptr_t)sum);
		}
	}
	decode_free(&d);
}

static void bm_decode_sum(struct mb_state *s, int64_t n) { decode(s, n, DECODE_SUM); }
static void bm_decode_sum_raw(struct mb_state *s, int64_t n) { decode(s, n, DECODE_SUM_RAW); }
static void bm_decode_call(struct mb_state *s, int64_t n) { decode(s, n, DECODE_CALL); }
static void bm_decode_call_raw(struct mb_state *s, int64_t n) { decode(s, n, DECODE_CALL_RAW); }

void mb_register_all(void)
{
	static const int64_t sizes[] = { 8, 16, 32, 64, 256, 1024 };
	for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		mb_register("alloc", bm_alloc, sizes[i]);
		mb_register("limit_bump", bm_limit_bump, sizes[i]);
		mb_register("libc_malloc_free", bm_libc_malloc_free, sizes[i]);
	}
	/* refill/4096: allocations of one block, so on the block strategies every
	 * operation takes a new block (what the fast path falls back to);
	 * elsewhere it is a 4 KiB bump. Reset every REFILL_BYTES, as alloc/. */
	mb_register("refill", bm_alloc, 4096);
	/* 1024 nodes of 16 bytes and their references: 24 KiB, in L1. */
	mb_register("decode_sum", bm_decode_sum, 1024);
	mb_register("decode_sum_raw", bm_decode_sum_raw, 1024);
	mb_register("decode_call", bm_decode_call, 1024);
	mb_register("decode_call_raw", bm_decode_call_raw, 1024);
	mb_register("churn", bm_churn, 0);
	mb_register("churn", bm_churn, 1 << 10);
	mb_register("churn", bm_churn, 1 << 20);
	mb_register("reset_refill", bm_reset_refill, 1 << 20);
	mb_register("large", bm_large, 64 << 10);
	mb_register("large", bm_large, 1 << 20);
	mb_register("large", bm_large, 16 << 20);
	mb_register("shrink", bm_shrink, 64 << 10);
	/* 256 KiB stays in L2, where decoding shows; 128 MiB is past every cache. */
	static const int64_t chase_bytes[] = { 256 << 10, 128 << 20 };
	for (size_t i = 0; i < 2; i++) {
		mb_register("chase_region_ptr", bm_chase_region_ptr, chase_bytes[i]);
		mb_register("chase_local_base", bm_chase_local_base, chase_bytes[i]);
		mb_register("chase_raw64", bm_chase_raw64, chase_bytes[i]);
	}
}
