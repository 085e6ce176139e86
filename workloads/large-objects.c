/* large-objects.c: small allocations mixed with large ones across many regions.
 *
 * Allocation i goes to region i mod --regions. One in --large_every is large,
 * 4 KiB up to --max_large_mib MiB (log-uniform), the rest 16-512 B; every
 * byte is written. Live bytes stay under --budget_mib: before an allocation
 * that would pass it, the region holding the most is retired (walked, then
 * destroyed and created again, or reset: a coin decides). Every
 * --churn_every allocations a random region is retired too. This exercises
 * runs of blocks, fragmentation of a shared pool, and reservation growth.
 * All choices depend only on the seed, so every backend does the same work. */
#include "region.h"
#include "objlist.h"
#include "workload.h"

#include <stdlib.h>



struct lo {
	struct wl_ctx *ctx;
	uint64_t rng;
	int64_t nregions;
	region_t **r;
	region_ref_t *head;   /* each region's newest object */
	uint64_t *live;       /* each region's live bytes */
	uint64_t total_live, peak_live, sum;
	uint64_t created, destroyed, resets;
};

/* Walks region I's objects into s->sum. */
static void walk(struct lo *s, int64_t i)
{
	s->sum = s->sum * 31 + wl_obj_sum(s->r[i], s->head[i]);
}

/* Walks region I, then destroys and recreates it or resets it. 0, or an
 * error code (region I is then NULL). */
static int retire(struct lo *s, int64_t i)
{
	walk(s, i);
	s->total_live -= s->live[i];
	s->live[i] = 0;
	s->head[i] = REGION_REF_NULL;
	if (wl_rand(&s->rng) & 1) {
		wl_reset(s->r[i]);
		s->resets++;
		return 0;
	}
	wl_destroy(s->r[i]);
	s->r[i] = NULL;
	s->destroyed++;
	int err = wl_create(&s->r[i]);
	if (err) {
		s->r[i] = NULL;
		return err;
	}
	s->created++;
	wl_count_region(s->ctx);
	return 0;
}

/* The region holding the most live bytes (the lowest index among equals). */
static int64_t fullest(const struct lo *s)
{
	int64_t best = 0;
	for (int64_t i = 1; i < s->nregions; i++)
		if (s->live[i] > s->live[best])
			best = i;
	return best;
}

static double mib(uint64_t bytes)
{
	return (double)bytes / (1 << 20);
}

static int run(struct wl_ctx *ctx, FILE *out)
{
	const int64_t allocs = wl_param(ctx, "allocs");
	const int64_t large_every = wl_param(ctx, "large_every");
	const int64_t churn_every = wl_param(ctx, "churn_every");
	const uint64_t budget = (uint64_t)wl_param(ctx, "budget_mib") << 20;
	const uint64_t max_large = (uint64_t)wl_param(ctx, "max_large_mib") << 20;
	struct lo s = { .ctx = ctx, .rng = wl_seed(ctx), .nregions = wl_param(ctx, "regions") };
	/* Large sizes are below 2^top: --max_large_mib rounded down to a power
	 * of two. */
	unsigned top = 20;
	while (top < 62 && ((uint64_t)2 << top) <= max_large)
		top++;

	wl_set_total_ops(ctx, (uint64_t)allocs);
	s.r = calloc((size_t)s.nregions, sizeof *s.r);
	s.head = calloc((size_t)s.nregions, sizeof *s.head);
	s.live = calloc((size_t)s.nregions, sizeof *s.live);
	int err = 0;
	const char *what = "allocating the region table";
	if (!s.r || !s.head || !s.live) {
		err = REGION_ENOMEM;
		goto out;
	}
	what = "creating a region";
	if ((err = wl_obj_regions(ctx, s.r, s.head, s.nregions)))
		goto out;
	s.created = (uint64_t)s.nregions;

	uint64_t nlarge = 0, large_bytes = 0, small_bytes = 0, pending = 0;
	/* About a thousand reports, so samples are evenly spread. */
	const uint64_t batch = allocs / 1024 ? (uint64_t)allocs / 1024 : 1;
	for (int64_t n = 0; n < allocs; n++) {
		int64_t i = n % s.nregions;
		uint64_t x = wl_rand(&s.rng), size;
		if (x % (uint64_t)large_every == 0) {
			/* A power-of-two range from 4 KiB, then a value in it. */
			unsigned e = 12 + (unsigned)((x >> 32) % (top - 12));
			size = ((uint64_t)1 << e) + wl_rand(&s.rng) % ((uint64_t)1 << e);
			size = size > budget ? budget : size;
		} else {
			size = 16 + (x >> 32) % 497;
		}
		what = "retiring a region";
		if (churn_every && n % churn_every == churn_every - 1 &&
		    (err = retire(&s, (int64_t)(wl_rand(&s.rng) % (uint64_t)s.nregions))))
			goto out;
		while (s.total_live + size > budget)
			if ((err = retire(&s, fullest(&s))))
				goto out;

		what = size >= 4096 ? "allocating a large object" : "allocating a small object";
		struct wl_obj *o = region_alloc(s.r[i], size, size >= 4096 ? 64 : 8);
		if (!o) {
			err = region_error(s.r[i]);
			goto out;
		}
		s.head[i] = wl_obj_fill(s.r[i], o, size, s.head[i], (uint8_t)(x >> 16));
		s.live[i] += size;
		s.total_live += size;
		if (s.total_live > s.peak_live)
			s.peak_live = s.total_live;
		if (size >= 4096) {
			nlarge++;
			large_bytes += size;
		} else {
			small_bytes += size;
		}
		if (++pending == batch) {
			wl_progress(ctx, batch);
			pending = 0;
		}
	}
	wl_progress(ctx, pending);

	fprintf(out, "large-objects: %jd allocations over %jd regions, 1 in %jd large (4 KiB to %ju MiB), budget %ju MiB\n",
		(intmax_t)allocs, (intmax_t)s.nregions, (intmax_t)large_every,
		(uintmax_t)(max_large >> 20), (uintmax_t)(budget >> 20));
	fprintf(out, "large %ju (%.1f MiB), small %.1f MiB; regions created %ju, destroyed %ju, reset %ju; peak live %.1f MiB\n",
		(uintmax_t)nlarge, mib(large_bytes), mib(small_bytes), (uintmax_t)s.created,
		(uintmax_t)s.destroyed, (uintmax_t)s.resets, mib(s.peak_live));
	for (int64_t i = 0; i < s.nregions; i++)
		walk(&s, i);
	fprintf(out, "checksum %016jx\n", (uintmax_t)s.sum);
out:
	wl_obj_regions_free(s.r, s.head, s.nregions);
	free(s.live);
	if (err)
		return wl_limit(ctx, err, what), 1;
	return 0;
}

static const struct wl_param params[] = {
	{ .name = "allocs", .def = 200000, .min = 1, .max = INT64_C(1) << 40, .quick = 20000,
	  .help = "allocations in all" },
	{ .name = "regions", .def = 256, .min = 1, .max = 1 << 20, .quick = 64,
	  .help = "regions allocated into round-robin" },
	{ .name = "large_every", .def = 1000, .min = 1, .max = INT64_C(1) << 40, .quick = 200,
	  .help = "one allocation in this many is large" },
	{ .name = "max_large_mib", .def = 64, .min = 1, .max = 1 << 20, .quick = 8,
	  .help = "large allocations are 4 KiB up to this (a power of two), in MiB, log-uniform" },
	{ .name = "budget_mib", .def = 1024, .min = 1, .max = 1 << 24, .quick = 128,
	  .help = "live bytes kept below this by retiring the fullest region, in MiB" },
	{ .name = "churn_every", .def = 1000, .min = 0, .max = INT64_C(1) << 40,
	  .help = "a random region is retired every this many allocations (0: never)" },
	{ .name = NULL },
};

const struct workload wl_large_objects = {
	.name = "large-objects",
	.help = "small and 4 KiB-64 MiB allocations across many regions under a live-bytes budget",
	.params = params,
	.run = run,
};
