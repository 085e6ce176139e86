/* test-stress.c: a deterministic, seeded stress test of the shared pool
 * (after mimalloc's test/test-stress.c, with splitmix64 as wl_rand).
 *
 * Four threads each keep eight regions and, for at least a million
 * operations in all, create, allocate (small to MiBs), shrink, check, reset
 * and destroy them at random. Every allocation carries a pattern of its own,
 * checked before its memory may die; at the end the statistics must add up
 * to what the threads did. A test, not a benchmark: nothing is timed.
 * STRESS_OPS=N sets the total for a quick look (the default is 1.2 million). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "region.h"
#include "workload.h"

#define THREADS 4
#define SLOTS 8      /* regions per thread */
#define CAP 64       /* allocations a region holds before it is reset */
#define SEED 0x5eed5eedull

#define DEFAULT_OPS 1200000   /* about 0.2 s plain, 2-5 s under sanitizers */

struct piece { unsigned char *p; size_t size; uint64_t seed; };

struct slot {
	region_t *r;
	int n;
	struct piece pc[CAP];
};

struct worker {
	pthread_t tid;
	uint64_t rng, ops, ops_goal;
	uint64_t allocs;           /* successful allocations */
	uint64_t damaged, failed;  /* what went wrong, counted */
	char what[160];            /* the first thing that went wrong */
	struct slot slot[SLOTS];
};

static void bad(struct worker *w, uint64_t *count, const char *what)
{
	if (!w->damaged && !w->failed)
		snprintf(w->what, sizeof w->what, "op %llu: %s", (unsigned long long)w->ops, what);
	++*count;
}

/* Large allocations carry their pattern in the first 256 and last 64 bytes
 * and one word a page (every page is still touched), so checking them
 * costs little more than checking small ones, which are covered whole. */
static void mark(const struct piece *q)
{
	if (q->size <= 512) {
		check_fill(q->p, q->size, q->seed);
		return;
	}
	check_fill(q->p, 256, q->seed);
	check_fill(q->p + q->size - 64, 64, q->seed + 1);
	for (size_t off = 4096; off + 8 <= q->size - 64; off += 4096)
		check_fill(q->p + off, 8, q->seed + off);
}

static int marked(const struct piece *q)
{
	if (q->size <= 512)
		return check_intact(q->p, q->size, q->seed);
	if (!check_intact(q->p, 256, q->seed) ||
	    !check_intact(q->p + q->size - 64, 64, q->seed + 1))
		return 0;
	for (size_t off = 4096; off + 8 <= q->size - 64; off += 4096)
		if (!check_intact(q->p + off, 8, q->seed + off))
			return 0;
	return 1;
}

static void check_slot(struct worker *w, struct slot *s)
{
	for (int i = 0; i < s->n; i++)
		if (!marked(&s->pc[i]))
			bad(w, &w->damaged, "allocation damaged");
}

/* Mostly small, some pages, a few up to 256 KiB, rarely up to 2 MiB. */
static size_t some_size(uint64_t *rng)
{
	uint64_t x = wl_rand(rng), k = x % 10000;
	x >>= 16;
	if (k < 9000)
		return 1 + x % 256;
	if (k < 9900)
		return 257 + x % (8 * 1024);
	if (k < 9998)
		return 8 * 1024 + x % (248 * 1024);
	return 256 * 1024 + x % (1792 * 1024);
}

static void op_alloc(struct worker *w, struct slot *s)
{
	if (s->n == CAP) {
		check_slot(w, s);
		region_reset(s->r);
		s->n = 0;
	}
	size_t size = some_size(&w->rng);
	uint64_t x = wl_rand(&w->rng);
	size_t align = x % 100 == 0 ? 4096 : (size_t)1 << (x >> 8) % 7;
	struct piece *q = &s->pc[s->n];
	q->p = region_alloc(s->r, size, align);
	if (!q->p) {
		bad(w, &w->failed, region_strerror(region_error(s->r)));
		return;
	}
	if ((uintptr_t)q->p % (align < 8 ? 8 : align))
		bad(w, &w->failed, "misaligned");
	if (region_ptr(s->r, region_ref(s->r, q->p)) != q->p)
		bad(w, &w->failed, "reference round trip");
	q->size = size;
	q->seed = x;
	mark(q);
	s->n++;
	w->allocs++;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	while (w->ops < w->ops_goal && !w->damaged && !w->failed) {
		struct slot *s = &w->slot[wl_rand(&w->rng) % SLOTS];
		uint64_t k = wl_rand(&w->rng) % 1000;
		w->ops++;
		if (!s->r) {
			int e = region_create(&s->r);
			if (e) {
				s->r = NULL;
				bad(w, &w->failed, region_strerror(e));
			}
			s->n = 0;
		} else if (k < 700) {
			op_alloc(w, s);
		} else if (k < 760) {
			/* Shrink the newest allocation, then check what is kept. */
			if (!s->n)
				continue;
			struct piece *q = &s->pc[s->n - 1];
			size_t size = 1 + wl_rand(&w->rng) % q->size;
			if (!marked(q))
				bad(w, &w->damaged, "allocation damaged before shrink");
			if (region_shrink(s->r, q->p, size) != 0)
				bad(w, &w->failed, "shrink refused");
			q->size = size;
			mark(q);
		} else if (k < 950) {
			if (s->n && !marked(&s->pc[wl_rand(&w->rng) % s->n]))
				bad(w, &w->damaged, "allocation damaged");
		} else if (k < 995) {
			check_slot(w, s);
			region_reset(s->r);
			s->n = 0;
		} else {
			check_slot(w, s);
			region_destroy(s->r);
			s->r = NULL;
			s->n = 0;
		}
	}
	for (int i = 0; i < SLOTS; i++) {
		check_slot(w, &w->slot[i]);
		region_destroy(w->slot[i].r);
	}
	return NULL;
}

static struct worker workers[THREADS];

static void t_stress(void)
{
	const char *env = getenv("STRESS_OPS");
	uint64_t goal = env ? strtoull(env, NULL, 10) : DEFAULT_OPS;
	struct region_stats s0, s1;
	region_stats_get(&s0);
	for (int i = 0; i < THREADS; i++) {
		workers[i].rng = SEED + i;
		workers[i].ops_goal = (goal + THREADS - 1) / THREADS;
		REQUIRE(pthread_create(&workers[i].tid, NULL, work, &workers[i]) == 0);
	}
	uint64_t ops = 0, allocs = 0;
	for (int i = 0; i < THREADS; i++) {
		struct worker *w = &workers[i];
		pthread_join(w->tid, NULL);
		CHECK(w->damaged == 0 && w->failed == 0, "thread %d: %llu damaged, %llu failed; first: %s",
			i, (unsigned long long)w->damaged, (unsigned long long)w->failed, w->what);
		ops += w->ops;
		allocs += w->allocs;
	}
	CHECK(ops >= goal, "%llu of %llu operations", (unsigned long long)ops, (unsigned long long)goal);
	region_stats_get(&s1);
	CHECK(s1.regions_live == s0.regions_live, "%lld regions left live",
		(long long)(s1.regions_live - s0.regions_live));
	CHECK(s1.bytes_live == s0.bytes_live, "%lld bytes left live",
		(long long)(s1.bytes_live - s0.bytes_live));
	CHECK(s1.allocs - s0.allocs == allocs, "stats count %llu allocations, the threads %llu",
		(unsigned long long)(s1.allocs - s0.allocs), (unsigned long long)allocs);
	printf("stress: %s: %llu operations, %d threads, seed %#llx\n", region_backend(),
		(unsigned long long)ops, THREADS, (unsigned long long)SEED);
}

int main(void)
{
	check_case("stress", t_stress);
	return check_done();
}
