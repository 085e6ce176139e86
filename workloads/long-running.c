/* long-running.c: long-lived regions reset and refilled cycle after cycle.
 *
 * A fixed set of regions lives for the whole run. Each cycle walks every
 * region's objects, resets it and refills it to a target size drawn afresh:
 * --base_kib times a factor of the region (1/2 to 4) and one of the cycle
 * (1/4 to 2), both log-uniform, so peaks vary. Once every --spike_every
 * cycles one region is filled to --spike_mib MiB instead and goes back to
 * normal the next cycle; a sample after every cycle shows whether a backend
 * gives that memory back. Targets and object sizes depend only on the seed, the cycle
 * and the region, so every backend does the same work. */
#include "region.h"
#include "objlist.h"
#include "workload.h"

#include <stdlib.h>


struct lr {
	struct wl_ctx *ctx;
	uint64_t seed;
	int64_t regions, cycles, base, spike_every, spike;
	region_t **r;
	region_ref_t *head;   /* each region's newest object */
	uint64_t pending, batch;   /* allocations not yet reported, and per report */
	uint64_t allocs, sum;
};

/* A piecewise log-uniform draw from [lo, 8 * lo): a power-of-two range
 * chosen uniformly, then a uniform value in it. */
static uint64_t log_uniform(uint64_t *rng, uint64_t lo)
{
	uint64_t x = wl_rand(rng);
	uint64_t low = lo << (x % 3);
	return low + (x >> 8) % low;
}

/* Object sizes: 80% 16-128 B, 18% 128 B-2 KiB, 2% 2-32 KiB. */
static uint32_t obj_size(uint64_t *rng)
{
	uint64_t x = wl_rand(rng);
	unsigned pick = x % 100;
	x >>= 8;
	if (pick < 80)
		return 16 + x % 113;
	if (pick < 98)
		return 128 + x % 1921;
	return 2048 + x % 30721;
}

/* The generator for region I in cycle C: the same in the counting pass and
 * in the run. */
static uint64_t stream(const struct lr *s, int64_t c, int64_t i)
{
	uint64_t g = s->seed ^ ((uint64_t)c * 0x9e3779b97f4a7c15ull);
	g = wl_rand(&g) ^ ((uint64_t)i * 0xd1b54a32d192ed03ull);
	wl_rand(&g);
	return g;
}

/* The region that spikes in cycle C, or -1. Spikes fall mid-period so the
 * last one is followed by ordinary cycles. */
static int64_t spiking(const struct lr *s, int64_t c)
{
	if (!s->spike_every || c % s->spike_every != s->spike_every / 2)
		return -1;
	uint64_t g = s->seed ^ 0x5bd1e995ull ^ (uint64_t)c;
	return (int64_t)(wl_rand(&g) % (uint64_t)s->regions);
}

/* The bytes region I is filled to in cycle C: --base_kib times a factor of
 * the cycle (1/4 to 2) and one of the region (1/2 to 4), both log-uniform;
 * their product averages about 1.4. */
static uint64_t target(const struct lr *s, int64_t c, int64_t i)
{
	if (i == spiking(s, c))
		return (uint64_t)s->spike;
	uint64_t g = s->seed ^ 0x27d4eb2fu ^ ((uint64_t)c << 20);
	uint64_t cycle = log_uniform(&g, 128);   /* in 512ths */
	uint64_t g2 = stream(s, c, i);
	uint64_t own = log_uniform(&g2, 64);     /* in 128ths */
	return (uint64_t)s->base * cycle * own / (512 * 128);
}

/* Fills region I to its target for cycle C; with R NULL only counts the
 * allocations. Returns 0, or an error code. */
static int fill(struct lr *s, region_t *r, int64_t c, int64_t i, uint64_t *count)
{
	uint64_t goal = target(s, c, i), done = 0, n = 0;
	uint64_t g = stream(s, c, i) ^ 0xa0761d6478bd642full;
	region_ref_t head = REGION_REF_NULL;
	while (done < goal) {
		uint32_t size = obj_size(&g);
		done += size;
		n++;
		if (!r)
			continue;
		struct wl_obj *o = region_alloc(r, size, 8);
		if (!o)
			return region_error(r);
		head = wl_obj_fill(r, o, size, head, (uint8_t)(n + (uint64_t)c));
		if (++s->pending == s->batch) {
			wl_progress(s->ctx, s->batch);
			s->pending = 0;
		}
	}
	if (r)
		s->head[i] = head;
	*count += n;
	return 0;
}

/* Walks region I's objects into s->sum. */
static void walk(struct lr *s, int64_t i)
{
	s->sum = s->sum * 31 + wl_obj_sum(s->r[i], s->head[i]);
}

static double mib(uint64_t bytes)
{
	return (double)bytes / (1 << 20);
}

static int run(struct wl_ctx *ctx, FILE *out)
{
	struct lr s = {
		.ctx = ctx,
		.seed = wl_seed(ctx),
		.regions = wl_param(ctx, "regions"),
		.cycles = wl_param(ctx, "cycles"),
		.base = wl_param(ctx, "base_kib") << 10,
		.spike_every = wl_param(ctx, "spike_every"),
		.spike = wl_param(ctx, "spike_mib") << 20,
	};
	uint64_t total = 0;
	for (int64_t c = 0; c < s.cycles; c++)
		for (int64_t i = 0; i < s.regions; i++)
			fill(&s, NULL, c, i, &total);
	wl_set_total_ops(ctx, total);
	/* About a thousand reports, so samples are evenly spread. */
	s.batch = total / 1024 ? total / 1024 : 1;
	s.batch = s.batch > 4096 ? 4096 : s.batch;

	s.r = calloc((size_t)s.regions, sizeof *s.r);
	s.head = calloc((size_t)s.regions, sizeof *s.head);
	int err = 0;
	const char *what = "allocating the region table";
	if (!s.r || !s.head) {
		err = REGION_ENOMEM;
		goto out;
	}
	what = "creating a long-lived region";
	for (int64_t i = 0; i < s.regions; i++) {
		if ((err = region_create(&s.r[i])))
			goto out;
		wl_count_region(ctx);
		s.head[i] = REGION_REF_NULL;
	}
	fprintf(out, "long-running: %jd regions, %jd cycles, base %jd KiB, a %jd MiB spike every %jd cycles\n",
		(intmax_t)s.regions, (intmax_t)s.cycles, (intmax_t)(s.base >> 10),
		(intmax_t)(s.spike >> 20), (intmax_t)s.spike_every);

	/* A phase is one spike period; its line reports its live bytes. */
	int64_t phase = s.spike_every ? s.spike_every : s.cycles, first = 0, spiked = -1;
	uint64_t peak = 0, live_sum = 0;
	what = "refilling a region";
	for (int64_t c = 0; c < s.cycles; c++) {
		uint64_t live = 0;
		for (int64_t i = 0; i < s.regions; i++) {
			walk(&s, i);
			region_reset(s.r[i]);
			s.head[i] = REGION_REF_NULL;
			if ((err = fill(&s, s.r[i], c, i, &s.allocs)))
				goto out;
			live += region_size(s.r[i]);
		}
		wl_sample(ctx);
		peak = live > peak ? live : peak;
		live_sum += live;
		if (spiking(&s, c) >= 0)
			spiked = spiking(&s, c);
		if ((c + 1) % phase && c + 1 < s.cycles)
			continue;
		fprintf(out, "cycles %jd-%jd: live bytes mean %.1f MiB, peak %.1f MiB",
			(intmax_t)first, (intmax_t)c, mib(live_sum / (uint64_t)(c + 1 - first)), mib(peak));
		if (spiked >= 0)
			fprintf(out, ", region %jd spiked to %jd MiB", (intmax_t)spiked, (intmax_t)(s.spike >> 20));
		fputc('\n', out);
		first = c + 1;
		spiked = -1;
		peak = live_sum = 0;
	}
	for (int64_t i = 0; i < s.regions; i++)
		walk(&s, i);
	wl_progress(ctx, s.pending);
	fprintf(out, "allocations %ju, checksum %016jx\n", (uintmax_t)s.allocs, (uintmax_t)s.sum);
out:
	if (s.r)
		for (int64_t i = 0; i < s.regions; i++)
			region_destroy(s.r[i]);
	free(s.r);
	free(s.head);
	if (err)
		return wl_limit(ctx, err, what), 1;
	return 0;
}

static const struct wl_param params[] = {
	{ .name = "regions", .def = 64, .min = 1, .max = 1 << 20, .quick = 16,
	  .help = "long-lived regions" },
	{ .name = "cycles", .def = 100, .min = 1, .max = 1 << 30, .quick = 30,
	  .help = "reset-and-refill cycles over all regions" },
	{ .name = "base_kib", .def = 256, .min = 1, .max = 1 << 20, .quick = 64,
	  .help = "typical bytes a region is filled to per cycle, in KiB" },
	{ .name = "spike_every", .def = 20, .min = 0, .max = 1 << 30, .quick = 10,
	  .help = "cycles between spikes (0: none)" },
	{ .name = "spike_mib", .def = 256, .min = 1, .max = 1 << 16, .quick = 32,
	  .help = "bytes one region is filled to in a spike cycle, in MiB" },
	{ .name = NULL },
};

const struct workload wl_long_running = {
	.name = "long-running",
	.help = "long-lived regions reset and refilled each cycle, with varying peaks and spikes",
	.params = params,
	.run = run,
};
