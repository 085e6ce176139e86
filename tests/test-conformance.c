/* test-conformance.c: what every backend must do, as a flat list of small
 * named cases (after mimalloc's test/test-api.c), written once against
 * region.h and linked with each backend by the Makefile.
 *
 * Every byte handed out is filled with a pattern of its own (check_fill) and
 * checked before the memory may die, so overlap, early reuse and corruption
 * all show up as a failed check. Cases that need a fresh process (settings
 * allowed only before the first region_create) run forked, first. A case a
 * backend does not support prints SKIP with the reason, never PASS. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "pages.h"
#include "region.h"
#include "workload.h"

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)

/* The allocations of a case: where, how big, and the pattern they hold. */
struct piece {
	void *p;
	size_t size;
	uint64_t seed;
};

static int is_pow2(size_t a) { return a && !(a & (a - 1)); }

/* Errors a backend may give when it cannot serve a valid request. */
static int is_limit_error(int e)
{
	return e == REGION_ENOMEM || e == REGION_EPOOL || e == REGION_ESPACE ||
		e == REGION_EREGION || e == REGION_ELIMIT;
}

/* Allocates and fills one piece; NULL (with the piece's p NULL) on failure. */
static void *take(region_t *r, struct piece *pc, size_t size, size_t align, uint64_t seed)
{
	pc->p = region_alloc(r, size, align);
	pc->size = size;
	pc->seed = seed;
	if (pc->p)
		check_fill(pc->p, size, seed);
	return pc->p;
}

/* How many of N pieces lost their pattern. */
static size_t damaged(const struct piece *pc, size_t n)
{
	size_t bad = 0;
	for (size_t i = 0; i < n; i++)
		if (pc[i].p && !check_intact(pc[i].p, pc[i].size, pc[i].seed))
			bad++;
	return bad;
}

static int by_addr(const void *a, const void *b)
{
	const struct piece *x = a, *y = b;
	return (char *)x->p < (char *)y->p ? -1 : (char *)x->p > (char *)y->p;
}

/* Sorts N pieces by address and counts those overlapping their successor. */
static size_t overlaps(struct piece *pc, size_t n)
{
	size_t bad = 0;
	qsort(pc, n, sizeof *pc, by_addr);
	for (size_t i = 0; i + 1 < n; i++)
		if ((char *)pc[i].p + pc[i].size > (char *)pc[i + 1].p)
			bad++;
	return bad;
}

/* Random size: mostly small, now and then a few pages, rarely MiBs. */
static size_t some_size(uint64_t *rng, int large_ok)
{
	uint64_t x = wl_rand(rng);
	if (large_ok && x % 64 == 0)
		return MiB + (x >> 20) % (3 * MiB);
	if (x % 8 == 0)
		return 4 * KiB + (x >> 10) % (60 * KiB);
	return 1 + (x >> 8) % 300;
}

/* ---- cases in a fresh process (forked, before any region_create) ---------- */

/* A capped pool (blocks, wide offsets: REGION_EPOOL, shared by all regions)
 * or capped reservations (contiguous: REGION_EREGION, per region) fail
 * cleanly, keep what was allocated intact, and work again once memory is
 * given back. */
static void t_limit(void)
{
	const size_t limit = 4 * MiB, chunk = 1000;
	int e = region_limit_set(limit);
	if (e == REGION_ENOTSUP) {
		check_skip("region_limit_set is not supported");
		return;
	}
	REQUIRE(e == 0, "region_limit_set: %s", region_strerror(e));
	region_t *a, *b;
	REQUIRE((e = region_create(&a)) == 0, "%s", region_strerror(e));
	size_t cap = limit / chunk + 64, n = 0;
	struct piece *pc = calloc(cap, sizeof *pc);
	REQUIRE(pc);
	while (n < cap && take(a, &pc[n], chunk, 8, n))
		n++;
	REQUIRE(n < cap, "the limit was not enforced: %zu bytes allocated", n * chunk);
	int why = region_error(a);
	CHECK(why == REGION_EPOOL || why == REGION_EREGION, "%s", region_strerror(why));
	CHECK(n * chunk <= limit && n * chunk >= limit / 2, "%zu bytes of %zu", n * chunk, limit);
	CHECK(damaged(pc, n) == 0);
	CHECK(region_alloc(a, 2 * limit, 8) == NULL);
	CHECK(region_error(a) == why, "%s", region_strerror(region_error(a)));

	if (why == REGION_EPOOL) {
		/* One pool for all: a second region gets nothing until A
		 * gives its memory back. */
		e = region_create(&b);
		if (e == 0) {
			CHECK(region_alloc(b, chunk, 8) == NULL);
			CHECK(region_error(b) == REGION_EPOOL, "%s", region_strerror(region_error(b)));
		} else {
			CHECK(e == REGION_EPOOL, "%s", region_strerror(e));
			b = NULL;
		}
		CHECK(damaged(pc, n) == 0);
		region_reset(a);
		if (!b)
			REQUIRE((e = region_create(&b)) == 0, "after reset: %s", region_strerror(e));
	} else {
		/* A reservation each: a second region has its own. */
		REQUIRE((e = region_create(&b)) == 0, "%s", region_strerror(e));
		region_reset(a);
	}
	struct piece q;
	CHECK(take(b, &q, limit / 4, 8, 7) != NULL, "%s", region_strerror(region_error(b)));
	CHECK(take(a, &pc[0], limit / 4, 8, 8) != NULL, "%s", region_strerror(region_error(a)));
	CHECK(!q.p || check_intact(q.p, q.size, q.seed));
	region_destroy(a);
	region_destroy(b);
	free(pc);
}

/* The pool's free space as region_pool_free_get reports it, in a capped
 * pool: free blocks plus blocks held plus block 0 make the pool; runs of 16,
 * 256 and 4096 blocks are nested; a run as large as the largest free run is
 * served, and once a request is refused for want of blocks no free run is
 * as large as it. The lock counters only grow. */
static void t_pool_free(void)
{
	const size_t limit = 8 * MiB;
	struct region_pool_free pf;
	struct region_stats st;
	int e = region_pool_free_get(&pf);
	if (e == REGION_ENOTSUP) {
		check_skip("no shared pool of blocks");
		return;
	}
	REQUIRE(e == 0, "%s", region_strerror(e));
	REQUIRE((e = region_limit_set(limit)) == 0, "region_limit_set: %s", region_strerror(e));
	enum { NR = 64 };
	region_t *r[NR];
	int n = 0;
	uint64_t acq = 0;
	for (size_t size = 64 * KiB; n < NR; size += 64 * KiB) {
		REQUIRE((e = region_create(&r[n])) == 0, "%s", region_strerror(e));
		REQUIRE(region_pool_free_get(&pf) == 0);
		region_stats_get(&st);
		CHECK(pf.block_bytes == 4096 && pf.free_bytes + (st.chunks_held + 1) * pf.block_bytes == limit,
			"%llu free + %llu blocks held", (unsigned long long)pf.free_bytes,
			(unsigned long long)st.chunks_held);
		CHECK(pf.largest_run_bytes <= pf.free_bytes && pf.run4096_bytes <= pf.run256_bytes &&
			pf.run256_bytes <= pf.run16_bytes && pf.run16_bytes <= pf.free_bytes);
		CHECK(st.lock_acquisitions >= acq && st.lock_contended <= st.lock_acquisitions);
		acq = st.lock_acquisitions;
		void *p = region_alloc(r[n], size, 8);
		n++;
		if (!p) {
			CHECK(region_error(r[n - 1]) == REGION_EPOOL);
			REQUIRE(region_pool_free_get(&pf) == 0);
			CHECK(pf.largest_run_bytes < size, "%zu refused, largest free run %llu",
				size, (unsigned long long)pf.largest_run_bytes);
			break;
		}
		if (n % 2 == 0)   /* holes between the kept runs */
			region_reset(r[n - 2]);
		if (pf.largest_run_bytes >= 2 * pf.block_bytes && n < NR) {
			REQUIRE((e = region_create(&r[n])) == 0, "%s", region_strerror(e));
			REQUIRE(region_pool_free_get(&pf) == 0);
			CHECK(region_alloc(r[n], pf.largest_run_bytes, 8) != NULL,
				"the largest free run, %llu bytes, was refused",
				(unsigned long long)pf.largest_run_bytes);
			region_reset(r[n++]);
		}
	}
	CHECK(acq > 0, "no lock acquisition counted");
	while (n > 0)
		region_destroy(r[--n]);
}

/* Counting stays exact past 4 GiB of allocations in one region, where a
 * fast path counting in 32-bit halves would wrap: 5 GiB (untouched) twice,
 * the second time after a reset under "retain", so the memory is committed
 * already and the allocations take the fast path where a backend has one. */
static void t_count_wide(void)
{
	const size_t piece = 64 * MiB + 8;
	const int n = 80;
#ifdef REGION_TEST_LIMIT
	if ((uint64_t)REGION_TEST_LIMIT < (uint64_t)n * piece) {
		check_skip("the test build caps pools and reservations at %llu bytes (REGION_TEST_LIMIT)",
			(unsigned long long)REGION_TEST_LIMIT);
		return;
	}
#endif
	if (region_policy_set("retain") != 0) {
		check_skip("no retain policy");
		return;
	}
	region_t *r;
	int e;
	REQUIRE((e = region_create(&r)) == 0, "%s", region_strerror(e));
	for (int round = 0; round < 2; round++) {
		struct region_stats s0, s;
		region_stats_get(&s0);
		for (int i = 0; i < n; i++)
			REQUIRE(region_alloc(r, piece, 8), "round %d, piece %d: %s", round, i,
				region_strerror(region_error(r)));
		region_stats_get(&s);
		CHECK(region_size(r) == n * piece, "round %d: region_size %zu", round, region_size(r));
		CHECK(s.allocs - s0.allocs == (uint64_t)n && s.bytes_requested - s0.bytes_requested == n * piece,
			"round %d: %llu allocations, %llu bytes", round, (unsigned long long)(s.allocs - s0.allocs),
			(unsigned long long)(s.bytes_requested - s0.bytes_requested));
		region_reset(r);
	}
	region_destroy(r);
}

/* Shrinking keeps sizes exact whatever a backend rounds to: 3 then 13
 * bytes count 16; the 13 shrunk to 5 count 8; a shrink never grows, not
 * even back to the size first asked for. */
static void t_shrink_exact(void)
{
	region_t *r;
	int e;
	REQUIRE((e = region_create(&r)) == 0, "%s", region_strerror(e));
	char *a = region_alloc(r, 3, 8), *p = region_alloc(r, 13, 8);
	REQUIRE(a && p, "%s", region_strerror(region_error(r)));
	CHECK(region_size(r) == 16, "%zu", region_size(r));
	CHECK(region_shrink(r, p, 14) == REGION_EINVAL, "a shrink to 14 of 13 bytes was taken");
	CHECK(region_shrink(r, p, 5) == 0);
	CHECK(region_size(r) == 8, "%zu", region_size(r));
	CHECK(region_shrink(r, p, 6) == REGION_EINVAL, "a shrink to 6 of 5 bytes was taken");
	CHECK(region_shrink(r, p, 5) == 0, "a shrink to the same size is refused");
	region_destroy(r);
}

/* Shrinking the newest allocation gives its tail back: under a 16 MiB
 * limit, 200 allocations of 1 MiB each shrunk to a few bytes all fit. */
static void t_shrink_reuse(void)
{
	const size_t limit = 16 * MiB;
	int e = region_limit_set(limit);
	if (e == REGION_ENOTSUP) {
		check_skip("region_limit_set is not supported");
		return;
	}
	REQUIRE(e == 0, "%s", region_strerror(e));
	region_t *r;
	REQUIRE((e = region_create(&r)) == 0, "%s", region_strerror(e));
	struct piece pc[200];
	for (int i = 0; i < 200; i++) {
		char *p = region_alloc(r, MiB, 8);
		REQUIRE(p, "allocation %d: %s", i, region_strerror(region_error(r)));
		memset(p + MiB - 64, 0xee, 64);   /* touch the tail that goes back */
		pc[i] = (struct piece){p, 16 + i % 50, i};
		check_fill(p, pc[i].size, i);
		REQUIRE(region_shrink(r, p, pc[i].size) == 0, "allocation %d", i);
	}
	CHECK(damaged(pc, 200) == 0);
	region_destroy(r);
}

/* A page source that fails at once makes creation or allocation fail
 * cleanly (contiguous: region_create), and all works once it recovers. */
static void t_pages_fail(void)
{
	struct pages_counts c0, c1;
	pages_counts_get(&c0);
	pages_fail_after(0, ENOMEM);
	region_t *sentinel = (region_t *)&c0, *r = sentinel;
	void *p = NULL, *big = NULL;
	int e = region_create(&r);
	if (e != 0) {
		CHECK(r == sentinel, "region_create wrote *out and failed");
		CHECK(is_limit_error(e), "%s", region_strerror(e));
	} else {
		if (!(p = region_alloc(r, 64, 8)))
			CHECK(is_limit_error(region_error(r)), "%s", region_strerror(region_error(r)));
		if (!(big = region_alloc(r, 8 * MiB, 8)))
			CHECK(is_limit_error(region_error(r)), "%s", region_strerror(region_error(r)));
	}
	pages_counts_get(&c1);
	pages_fail_after(-1, 0);
	if (e == 0)
		region_destroy(r);
	if (c1.calls == c0.calls) {
		check_skip("the backend makes no page-source calls");
		return;
	}
	CHECK(c1.failures > c0.failures);
	CHECK(e != 0 || !p || !big, "every call of the page source failed, yet all succeeded");

	struct piece a, b;
	REQUIRE((e = region_create(&r)) == 0, "after recovery: %s", region_strerror(e));
	CHECK(take(r, &a, 64, 8, 1));
	CHECK(take(r, &b, 8 * MiB, 8, 2));
	CHECK(damaged(&a, 1) == 0 && damaged(&b, 1) == 0);
	region_destroy(r);
}

/* One reclaim policy (chosen by the parent before the fork): regions made,
 * filled, reset, destroyed and made again over reused memory. */
static const char *policy_name;

static void t_policy(void)
{
	int e;
	CHECK(region_policy_set("no-such-policy") == REGION_EINVAL);
	REQUIRE((e = region_policy_set(policy_name)) == 0, "%s", region_strerror(e));
	/* The policy in force may name its parameter too ("trim:256"). */
	size_t len = strlen(policy_name);
	CHECK(strncmp(region_policy(), policy_name, len) == 0 &&
		(region_policy()[len] == 0 || region_policy()[len] == ':'),
		"region_policy() says %s", region_policy());
	enum { NR = 12, NP = 40 };
	static struct piece pc[NR][NP];
	region_t *r[NR];
	uint64_t rng = 42;
	for (int round = 0; round < 4; round++) {
		for (int i = 0; i < NR; i++)
			REQUIRE((e = region_create(&r[i])) == 0, "%s", region_strerror(e));
		for (int j = 0; j < NP; j++)
			for (int i = 0; i < NR; i++)
				REQUIRE(take(r[i], &pc[i][j], some_size(&rng, 1), 8, rng),
					"%s", region_strerror(region_error(r[i])));
		for (int i = 0; i < NR; i += 2) {
			CHECK(damaged(pc[i], NP) == 0, "round %d region %d", round, i);
			region_reset(r[i]);
			for (int j = 0; j < NP; j++)
				REQUIRE(take(r[i], &pc[i][j], some_size(&rng, 1), 8, rng));
		}
		for (int i = 0; i < NR; i++) {
			CHECK(damaged(pc[i], NP) == 0, "round %d region %d", round, i);
			region_destroy(r[i]);
		}
	}
	struct region_stats s;
	region_stats_get(&s);
	CHECK(s.regions_live == 0 && s.bytes_live == 0, "%llu regions, %llu bytes live",
		(unsigned long long)s.regions_live, (unsigned long long)s.bytes_live);
}

/* Under "decay" of a shared pool of blocks, memory a program stopped using
 * goes back after a few idle epochs of the pool's clock (milliseconds), at
 * its next pool calls: 16 MiB freed, then three 20 ms pauses, each followed
 * by a pool call, must leave under 4 MiB committed. (jemalloc's "decay" is
 * its own, over seconds.) */
static void t_decay_idle(void)
{
	struct region_pool_free f;
	if (region_pool_free_get(&f) != 0) {
		check_skip("no shared pool of blocks");
		return;
	}
	REQUIRE(region_policy_set("decay") == 0);
	region_t *r;
	REQUIRE(region_create(&r) == 0);
	for (int i = 0; i < 256; i++) {
		char *p = region_alloc(r, 64 << 10, 8);
		REQUIRE(p, "%s", region_strerror(region_error(r)));
		memset(p, 1, 64 << 10);
	}
	region_destroy(r);
	struct region_stats s;
	region_stats_get(&s);
	uint64_t before = s.bytes_committed;
	for (int i = 0; i < 3; i++) {
		struct timespec pause = { 0, 20 * 1000 * 1000 };
		nanosleep(&pause, NULL);
		REQUIRE(region_create(&r) == 0);
		REQUIRE(region_alloc(r, 1 << 20, 8));   /* a run: a pool call */
		region_destroy(r);
	}
	region_stats_get(&s);
	CHECK(before >= (16u << 20) && s.bytes_committed < (4u << 20),
	      "committed %llu bytes after the free, %llu after the pauses",
	      (unsigned long long)before, (unsigned long long)s.bytes_committed);
}

/* ---- cases in the test process -------------------------------------------- */

static void t_create(void)
{
	region_t *r = NULL;
	int e = region_create(&r);
	REQUIRE(e == 0, "%s", region_strerror(e));
	CHECK(r != NULL);
	CHECK(region_size(r) == 0);
	region_destroy(r);
	region_destroy(NULL);
	CHECK(region_backend() && *region_backend());
	const char *const *pol = region_policies();
	REQUIRE(pol && pol[0]);
	size_t len = strlen(pol[0]);   /* the policy in force may add its parameter ("trim:64") */
	CHECK(strncmp(region_policy(), pol[0], len) == 0 &&
		(region_policy()[len] == 0 || region_policy()[len] == ':'),
		"the default policy is listed first: %s in force, %s first", region_policy(), pol[0]);
	CHECK(strcmp(region_strerror(REGION_EPOOL), region_strerror(REGION_EREGION)) != 0);
}

/* Every alignment from 1 to 4096: powers of two are honoured (below 8 raised
 * to 8) after an odd-sized allocation, the others fail with REGION_EINVAL. */
static void t_alignment(void)
{
	region_t *r;
	REQUIRE(region_create(&r) == 0);
	struct piece pc[64];
	size_t n = 0;
	for (size_t a = 1; a <= REGION_MAX_ALIGN; a++) {
		REQUIRE(region_alloc(r, 1 + a % 13, 1));
		char *p = region_alloc(r, 24, a);
		if (!is_pow2(a)) {
			CHECK(p == NULL && region_error(r) == REGION_EINVAL, "align %zu", a);
			continue;
		}
		REQUIRE(p, "align %zu: %s", a, region_strerror(region_error(r)));
		size_t want = a < REGION_MIN_ALIGN ? REGION_MIN_ALIGN : a;
		CHECK((uintptr_t)p % want == 0, "align %zu gave %p", a, (void *)p);
		pc[n] = (struct piece){p, 24, a};
		check_fill(p, 24, a);
		n++;
		/* Large allocations and every small size honour it too. */
		REQUIRE(take(r, &pc[n], 2 * MiB + a, a, a + 1));
		CHECK((uintptr_t)pc[n].p % want == 0, "align %zu, 2 MiB", a);
		n++;
		for (size_t s = 1; s <= 40; s++) {
			char *q = region_alloc(r, s, a);
			REQUIRE(q);
			CHECK((uintptr_t)q % want == 0, "align %zu size %zu gave %p", a, s, (void *)q);
		}
	}
	CHECK(damaged(pc, n) == 0);
	CHECK(overlaps(pc, n) == 0);
	region_destroy(r);
}

/* Sizes from 1 byte to 8 MiB (multi-block runs), in one region and each as
 * the first allocation of a fresh region; none overlap, all keep their data. */
static void t_sizes(void)
{
	static const size_t big[] = {
		100, 255, 256, 257, 1000, 4088, 4095, 4096, 4097, 8191, 8192, 8193,
		12345, 65535, 65536, 65537, MiB - 1, MiB, MiB + 1, 3 * MiB + 7, 8 * MiB,
	};
	const size_t nbig = sizeof big / sizeof big[0];
	struct piece pc[64 + sizeof big / sizeof big[0]];
	size_t n = 0, sum = 0;
	region_t *r;
	REQUIRE(region_create(&r) == 0);
	for (size_t s = 1; s <= 64; s++, n++) {
		REQUIRE(take(r, &pc[n], s, 8, n), "size %zu", s);
		sum += s;
	}
	for (size_t i = 0; i < nbig; i++, n++) {
		REQUIRE(take(r, &pc[n], big[i], 8, n), "size %zu: %s", big[i],
			region_strerror(region_error(r)));
		sum += big[i];
	}
	CHECK(region_size(r) == sum, "%zu, not %zu", region_size(r), sum);
	CHECK(damaged(pc, n) == 0);
	CHECK(overlaps(pc, n) == 0);
	region_destroy(r);

	for (size_t i = 0; i < nbig; i++) {
		REQUIRE(region_create(&r) == 0);
		REQUIRE(take(r, &pc[0], big[nbig - 1 - i], 8, i));
		REQUIRE(take(r, &pc[1], 24, 8, i + 100));
		REQUIRE(take(r, &pc[2], big[i], 8, i + 200));
		CHECK(damaged(pc, 3) == 0, "size %zu", big[i]);
		CHECK(overlaps(pc, 3) == 0, "size %zu", big[i]);
		region_destroy(r);
	}
}

/* Shrink: only the newest allocation, 1 <= SIZE <= its size; the data before
 * the cut stays, region_size drops by the cut, the tail may be reused. */
static void t_shrink(void)
{
	region_t *r;
	REQUIRE(region_create(&r) == 0);
	struct piece a, p, q, l;
	REQUIRE(take(r, &a, 100, 8, 1));
	REQUIRE(take(r, &p, 10000, 8, 2));
	CHECK(region_shrink(r, a.p, 50) == REGION_EINVAL, "not the newest");
	CHECK(region_shrink(r, p.p, 0) == REGION_EINVAL);
	CHECK(region_shrink(r, p.p, 10001) == REGION_EINVAL);
	size_t before = region_size(r);
	struct region_stats s0, s1;
	region_stats_get(&s0);
	CHECK(region_shrink(r, p.p, 10000) == 0);
	CHECK(region_shrink(r, p.p, 100) == 0);
	p.size = 100;
	CHECK(region_size(r) == before - 9900, "%zu, not %zu", region_size(r), before - 9900);
	region_stats_get(&s1);
	CHECK(s1.bytes_live == s0.bytes_live - 9900, "bytes_live moved by %lld",
		(long long)(s1.bytes_live - s0.bytes_live));
	CHECK(damaged(&a, 1) == 0 && damaged(&p, 1) == 0);
	REQUIRE(take(r, &q, 64, 8, 3));
	CHECK((char *)q.p >= (char *)p.p + 100 || (char *)q.p + 64 <= (char *)p.p);
	CHECK(region_shrink(r, p.p, 50) == REGION_EINVAL, "no longer the newest");
	CHECK(region_shrink(r, q.p, 1) == 0);
	q.size = 1;
	CHECK(damaged(&a, 1) == 0 && damaged(&p, 1) == 0 && damaged(&q, 1) == 0);

	/* Multi-block allocations shrink, and what they gave back serves the
	 * next one. */
	for (int i = 0; i < 50; i++) {
		REQUIRE(take(r, &l, 4 * MiB, 8, 10 + i), "round %d", i);
		REQUIRE(region_shrink(r, l.p, 5000 + i) == 0);
		l.size = 5000 + i;
		CHECK(damaged(&l, 1) == 0);
	}
	CHECK(damaged(&a, 1) == 0 && damaged(&p, 1) == 0 && damaged(&q, 1) == 0);
	region_destroy(r);
}

/* Reset kills everything and the region serves again, many times over. */
static void t_reset(void)
{
	enum { N = 200 };
	static struct piece pc[N];
	region_t *r;
	REQUIRE(region_create(&r) == 0);
	region_reset(r);
	region_reset(r);
	CHECK(region_size(r) == 0);
	uint64_t rng = 7;
	for (int round = 0; round < 30; round++) {
		size_t sum = 0;
		for (int i = 0; i < N; i++) {
			size_t s = some_size(&rng, round % 5 == 0);
			REQUIRE(take(r, &pc[i], s, (size_t)1 << (rng % 13), rng), "round %d", round);
			sum += s;
		}
		CHECK(region_size(r) == sum, "round %d: %zu, not %zu", round, region_size(r), sum);
		CHECK(damaged(pc, N) == 0, "round %d", round);
		region_reset(r);
		CHECK(region_size(r) == 0);
	}
	region_destroy(r);
}

/* References: region_ptr(r, region_ref(r, p)) == p for every allocation and
 * every 8-aligned point inside it, never REGION_REF_NULL, valid while the
 * region grows, and usable as the links of a list kept in the region. */
static void t_refs(void)
{
	enum { N = 3000 };
	static struct piece pc[N];
	static region_ref_t refs[N];
	region_t *r, *r2;
	REQUIRE(region_create(&r) == 0);
	REQUIRE(region_create(&r2) == 0);
	uint64_t rng = 99;
	for (int i = 0; i < N; i++) {
		region_t *in = i % 3 ? r : r2;
		size_t s = some_size(&rng, 1);
		char *p = take(in, &pc[i], s, (size_t)1 << (rng % 13), i);
		REQUIRE(p, "%s", region_strerror(region_error(in)));
		refs[i] = region_ref(in, p);
		CHECK(refs[i] != REGION_REF_NULL, "allocation %d", i);
		CHECK(region_ptr(in, refs[i]) == p, "allocation %d", i);
		size_t inner = (s - 1) & ~(size_t)7;
		CHECK(region_ptr(in, region_ref(in, p + inner)) == p + inner, "allocation %d + %zu", i, inner);
	}
	for (int i = 0; i < N; i++)
		CHECK(region_ptr(i % 3 ? r : r2, refs[i]) == pc[i].p, "allocation %d, later", i);
	CHECK(damaged(pc, N) == 0);

	/* A list linked by references, as the workloads keep them. */
	struct node { region_ref_t next; uint64_t val; };
	region_reset(r);
	region_ref_t head = REGION_REF_NULL;
	for (uint64_t i = 0; i < 10000; i++) {
		struct node *nd = region_alloc(r, sizeof *nd, _Alignof(struct node));
		REQUIRE(nd);
		nd->next = head;
		nd->val = i;
		head = region_ref(r, nd);
		REQUIRE(head != REGION_REF_NULL);
		if (i % 100 == 0)
			REQUIRE(region_alloc(r, some_size(&rng, 0), 8));   /* gaps */
	}
	uint64_t want = 10000, got = 0;
	for (region_ref_t at = head; at != REGION_REF_NULL; got++) {
		struct node *nd = region_ptr(r, at);
		if (nd->val != --want)
			break;
		at = nd->next;
	}
	CHECK(got == 10000, "walked %llu nodes", (unsigned long long)got);
	region_destroy(r);
	region_destroy(r2);
}

/* Thousands of regions alive at once (3000: under contiguous's ~4094 cap;
 * 64 under ThreadSanitizer, whose shadow leaves room for only ~100 32 GiB
 * reservations), each keeping its data, destroyed in an interleaved order. */
#if defined(__SANITIZE_THREAD__)
#define MANY 64
#else
#define MANY 3000
#endif
static void t_many_regions(void)
{
	enum { K = 3 };
	static region_t *r[MANY];
	static struct piece pc[MANY][K];
	static const size_t sizes[K] = {24, 200, 5000};
	struct region_stats s0, s1;
	region_stats_get(&s0);
	int n = 0, e = 0;
	for (; n < MANY; n++) {
		if ((e = region_create(&r[n])) != 0)
			break;
		for (int k = 0; k < K; k++)
			if (!take(r[n], &pc[n][k], sizes[k], 8, (uint64_t)n * K + k))
				break;
	}
	CHECK(n == MANY, "region %d: %s", n, region_strerror(e));
	region_stats_get(&s1);
	CHECK(s1.regions_live == s0.regions_live + n);
	int bad = 0;
	for (int i = 0; i < n; i++)
		bad += damaged(pc[i], K) != 0;
	CHECK(bad == 0, "%d regions damaged", bad);
	for (int odd = 1; odd >= 0; odd--)
		for (int i = odd; i < n; i += 2) {
			bad += damaged(pc[i], K) != 0;
			region_destroy(r[i]);
		}
	CHECK(bad == 0, "%d regions damaged while others were destroyed", bad);
	region_stats_get(&s1);
	CHECK(s1.regions_live == s0.regions_live);
}

/* Interleaved regions keep their own data while their neighbours are
 * filled, reset, destroyed and made again. */
static void t_integrity(void)
{
	enum { NR = 16, NP = 250 };
	static struct piece pc[NR][NP];
	region_t *r[NR];
	uint64_t rng = 1234;
	for (int i = 0; i < NR; i++)
		REQUIRE(region_create(&r[i]) == 0);
	for (int j = 0; j < NP; j++)
		for (int i = 0; i < NR; i++)
			REQUIRE(take(r[i], &pc[i][j], some_size(&rng, j % 50 == 0), 8,
				(uint64_t)i << 32 | j));
	for (int k = 0; k < NR; k++) {
		for (int i = 0; i < NR; i++)
			CHECK(damaged(pc[i], NP) == 0, "region %d, before region %d changed", i, k);
		if (k % 3 == 0) {
			region_reset(r[k]);
		} else if (k % 3 == 1) {
			region_destroy(r[k]);
			REQUIRE(region_create(&r[k]) == 0);
		} else {
			continue;
		}
		for (int j = 0; j < NP; j++)
			REQUIRE(take(r[k], &pc[k][j], some_size(&rng, j % 50 == 0), 8,
				(uint64_t)k << 32 | j | 1u << 20));
	}
	for (int i = 0; i < NR; i++) {
		CHECK(damaged(pc[i], NP) == 0, "region %d, at the end", i);
		region_destroy(r[i]);
	}
}

/* Statistics move exactly as the calls made say (nothing else runs). */
static void t_stats(void)
{
	static const size_t sizes[] = {1, 100, 5000, 70000, 3 * MiB};
	struct region_stats s0, s;
	region_stats_get(&s0);
	region_t *r;
	REQUIRE(region_create(&r) == 0);
	region_stats_get(&s);
	CHECK(s.regions_live == s0.regions_live + 1);
	CHECK(s.allocs == s0.allocs && s.bytes_live == s0.bytes_live);
	uint64_t sum = 0;
	for (int i = 0; i < 5; i++) {
		REQUIRE(region_alloc(r, sizes[i], 8));
		sum += sizes[i];
	}
	CHECK(region_alloc(r, 0, 8) == NULL);
	CHECK(region_alloc(r, 8, 3) == NULL);
	region_stats_get(&s);
	CHECK(s.allocs == s0.allocs + 5, "%llu allocs", (unsigned long long)(s.allocs - s0.allocs));
	CHECK(s.bytes_requested == s0.bytes_requested + sum);
	CHECK(s.bytes_live == s0.bytes_live + sum);
	CHECK(region_size(r) == sum);
	region_reset(r);
	region_stats_get(&s);
	CHECK(s.bytes_live == s0.bytes_live, "reset left %lld bytes live",
		(long long)(s.bytes_live - s0.bytes_live));
	CHECK(s.bytes_requested == s0.bytes_requested + sum && s.allocs == s0.allocs + 5);
	CHECK(s.regions_live == s0.regions_live + 1);
	CHECK(region_size(r) == 0);
	REQUIRE(region_alloc(r, 10, 8));
	region_stats_get(&s);
	CHECK(s.bytes_live == s0.bytes_live + 10);
	region_destroy(r);
	region_stats_get(&s);
	CHECK(s.regions_live == s0.regions_live);
	CHECK(s.bytes_live == s0.bytes_live);
	CHECK(s.allocs == s0.allocs + 6);
}

/* Bad arguments fail with REGION_EINVAL, impossible sizes with a limit
 * error, and the region serves on afterwards. */
static void t_invalid(void)
{
	static const size_t bad_align[] = {0, 3, 5, 12, 24, 4095, 4097, 8192, MiB, SIZE_MAX};
	static const size_t huge[] = {SIZE_MAX, SIZE_MAX / 2, SIZE_MAX - 4096, (size_t)1 << 48};
	region_t *r;
	REQUIRE(region_create(&r) == 0);
	struct piece a;
	REQUIRE(take(r, &a, 40, 8, 5));
	CHECK(region_alloc(r, 0, 8) == NULL && region_error(r) == REGION_EINVAL);
	for (size_t i = 0; i < sizeof bad_align / sizeof bad_align[0]; i++)
		CHECK(region_alloc(r, 16, bad_align[i]) == NULL && region_error(r) == REGION_EINVAL,
			"align %zu", bad_align[i]);
	for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
		CHECK(region_alloc(r, huge[i], 8) == NULL, "size %zu", huge[i]);
		CHECK(is_limit_error(region_error(r)), "size %zu: %s", huge[i],
			region_strerror(region_error(r)));
		CHECK(region_alloc(r, huge[i], 4096) == NULL, "size %zu", huge[i]);
	}
	CHECK(region_size(r) == 40);
	/* 64 GiB: beyond 32-bit pools and reservations; a backend that can
	 * serve it must serve it whole. */
	char *p = region_alloc(r, (size_t)64 << 30, 8);
	if (p) {
		p[0] = 1;                              /* both ends are mapped */
		p[((size_t)64 << 30) - 1] = 2;
		CHECK(region_size(r) == 40 + ((size_t)64 << 30), "%zu", region_size(r));
	} else {
		CHECK(is_limit_error(region_error(r)), "%s", region_strerror(region_error(r)));
	}
	CHECK(damaged(&a, 1) == 0);
	struct piece b;
	CHECK(take(r, &b, 100, 8, 6));
	CHECK(damaged(&a, 1) == 0 && damaged(&b, 1) == 0);
	region_destroy(r);
}

/* Serialization by copy where regions are contiguous: a list linked by
 * references survives span, destroy and restore into a new region. */
static void t_span(void)
{
	region_t *r, *r2;
	const void *data;
	size_t len;
	REQUIRE(region_create(&r) == 0);
	REQUIRE(region_create(&r2) == 0);
	int e = region_span(r, &data, &len);
	if (e == REGION_ENOTSUP) {
		CHECK(region_restore(r2, "x", 1) == REGION_ENOTSUP);
		region_destroy(r);
		region_destroy(r2);
		check_skip("regions are not contiguous: region_span is not supported");
		return;
	}
	CHECK(e == 0, "%s", region_strerror(e));
	struct node { region_ref_t next; uint32_t n, seed; };
	region_ref_t head = REGION_REF_NULL;
	uint64_t rng = 5;
	for (uint32_t i = 0; i < 500; i++) {
		uint32_t n = some_size(&rng, i == 250);
		struct node *nd = region_alloc(r, sizeof *nd + n, 8);
		REQUIRE(nd);
		*nd = (struct node){head, n, i};
		check_fill(nd + 1, n, i);
		head = region_ref(r, nd);
	}
	REQUIRE((e = region_span(r, &data, &len)) == 0, "%s", region_strerror(e));
	CHECK(len >= region_size(r), "%zu bytes span %zu allocated", len, region_size(r));
	void *copy = malloc(len);
	REQUIRE(copy);
	memcpy(copy, data, len);
	region_destroy(r);

	/* Restoring needs an empty region. */
	region_t *r3;
	REQUIRE(region_create(&r3) == 0);
	REQUIRE(region_alloc(r3, 8, 8));
	CHECK(region_restore(r3, copy, len) == REGION_EINVAL);
	region_destroy(r3);

	REQUIRE((e = region_restore(r2, copy, len)) == 0, "%s", region_strerror(e));
	free(copy);
	struct piece more[50];
	for (int pass = 0; pass < 2; pass++) {
		uint32_t want = 500, bad = 0;
		for (region_ref_t at = head; at != REGION_REF_NULL && want; ) {
			struct node *nd = region_ptr(r2, at);
			if (nd->seed != --want || !check_intact(nd + 1, nd->n, nd->seed)) {
				bad++;
				break;
			}
			at = nd->next;
		}
		CHECK(bad == 0 && want == 0, "pass %d: list broken at node %u", pass, want);
		/* New allocations land after the restored bytes. */
		for (int i = 0; pass == 0 && i < 50; i++)
			REQUIRE(take(r2, &more[i], some_size(&rng, 0), 8, 1000 + i));
	}
	CHECK(damaged(more, 50) == 0);
	region_destroy(r2);
}

/* Two threads creating, filling, checking, resetting, shrinking and
 * destroying their own regions on the shared pool at once. */
struct worker {
	pthread_t tid;
	uint64_t seed;
	int rounds, damaged, failed;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	enum { NP = 60 };
	struct piece pc[NP];
	uint64_t rng = w->seed;
	for (w->rounds = 0; w->rounds < 300; w->rounds++) {
		region_t *r;
		if (region_create(&r) != 0) {
			w->failed++;
			return NULL;
		}
		for (int half = 0; half < 2; half++) {
			for (int i = 0; i < NP; i++)
				if (!take(r, &pc[i], some_size(&rng, i % 20 == 0), 8, rng))
					w->failed++, pc[i].p = NULL;
			w->damaged += damaged(pc, NP) != 0;
			if (half == 0)
				region_reset(r);
		}
		if (pc[NP - 1].p && region_shrink(r, pc[NP - 1].p, 1) != 0)
			w->failed++;
		pc[NP - 1].size = 1;
		w->damaged += damaged(pc, NP) != 0;
		region_destroy(r);
	}
	return NULL;
}

static void t_threads(void)
{
	struct worker w[2] = {{.seed = 1}, {.seed = 2}};
	struct region_stats s0, s;
	region_stats_get(&s0);
	for (int i = 0; i < 2; i++)
		REQUIRE(pthread_create(&w[i].tid, NULL, work, &w[i]) == 0);
	for (int i = 0; i < 2; i++) {
		pthread_join(w[i].tid, NULL);
		CHECK(w[i].rounds == 300 && w[i].failed == 0, "thread %d: %d rounds, %d failures",
			i, w[i].rounds, w[i].failed);
		CHECK(w[i].damaged == 0, "thread %d: %d rounds saw damaged data", i, w[i].damaged);
	}
	region_stats_get(&s);
	CHECK(s.regions_live == s0.regions_live && s.bytes_live == s0.bytes_live);
}

/* Access through references: a store through region_store* reads back
 * through region_load* and through the pointer, at every offset used. */
static void t_access(void)
{
	region_t *r;
	REQUIRE(region_create(&r) == 0);
	enum { N = 2000 };
	static region_ref_t ref[N];
	static uint64_t *p[N];
	for (int i = 0; i < N; i++) {
		p[i] = region_alloc(r, 24, 8);
		REQUIRE(p[i], "%s", region_strerror(region_error(r)));
		ref[i] = region_ref(r, p[i]);
		region_store64(r, ref[i], 0, 0x1111111100000000ull + i);
		region_store32(r, ref[i], 8, 0xa0000000u + i);
		region_store32(r, ref[i], 12, 0xb0000000u + i);
		region_store64(r, ref[i], 16, ~(uint64_t)i);
	}
	int bad = 0;
	for (int i = 0; i < N; i++) {
		uint32_t lo, hi;
		memcpy(&lo, (char *)p[i] + 8, 4);
		memcpy(&hi, (char *)p[i] + 12, 4);
		bad += p[i][0] != 0x1111111100000000ull + i || p[i][2] != ~(uint64_t)i;
		bad += lo != 0xa0000000u + i || hi != 0xb0000000u + i;
		bad += region_load64(r, ref[i], 0) != p[i][0] || region_load64(r, ref[i], 16) != p[i][2];
		bad += region_load32(r, ref[i], 8) != lo || region_load32(r, ref[i], 12) != hi;
	}
	CHECK(bad == 0, "%d mismatches", bad);
	region_destroy(r);
}

int main(void)
{
	/* Fresh processes first: they must not inherit a region_create. */
	check_case_fork("limit", t_limit);
	check_case_fork("shrink-reuse", t_shrink_reuse);
	check_case_fork("pages-fail", t_pages_fail);
	check_case_fork("pool-free", t_pool_free);
	check_case_fork("count-wide", t_count_wide);
	check_case_fork("shrink-exact", t_shrink_exact);
	check_case_fork("decay-idle", t_decay_idle);
	static char names[16][64];
	const char *const *pol = region_policies();
	for (int i = 0; pol && pol[i] && i < 16; i++) {
		policy_name = pol[i];
		snprintf(names[i], sizeof names[i], "policy-%s", pol[i]);
		check_case_fork(names[i], t_policy);
	}

	check_case("create", t_create);
	check_case("alignment", t_alignment);
	check_case("sizes", t_sizes);
	check_case("shrink", t_shrink);
	check_case("reset", t_reset);
	check_case("refs", t_refs);
	check_case("access", t_access);
	check_case("many-regions", t_many_regions);
	check_case("integrity", t_integrity);
	check_case("stats", t_stats);
	check_case("invalid", t_invalid);
	check_case("span", t_span);
	check_case("threads", t_threads);
	return check_done();
}
