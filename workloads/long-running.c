/* long-running.c: long-lived regions reset and refilled, until saturation.
 *
 * A fixed set of regions lives for the whole run. Each cycle walks every
 * region's objects, resets it and refills it to a target drawn afresh
 * (--base_kib times log-uniform factors of the region and the cycle). Once
 * every --spike_every cycles one region is filled to --spike_mib MiB instead,
 * the regions taking turns in a shuffled order, so by default every region
 * has spiked by two thirds of the run: under a policy that keeps memory the
 * retained footprint reaches its plateau there. The work depends only on
 * the seed: every backend does the same and prints the same checksum. */
#include "region.h"
#include "metrics.h"
#include "objlist.h"
#include "workload.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct lr {
	struct wl_ctx *ctx;
	uint64_t seed;
	int64_t regions, cycles, base, spike_every, spike;
	int64_t *order;       /* the order in which regions take their turn to spike */
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
static const struct wl_size_band mix[] = { { 80, 16, 113 }, { 98, 128, 1921 }, { 100, 2048, 30721 } };

/* The generator for region I in cycle C: the same in the counting pass and
 * in the run. */
static uint64_t stream(const struct lr *s, int64_t c, int64_t i)
{
	uint64_t g = s->seed ^ ((uint64_t)c * 0x9e3779b97f4a7c15ull);
	g = wl_rand(&g) ^ ((uint64_t)i * 0xd1b54a32d192ed03ull);
	wl_rand(&g);
	return g;
}

/* Does cycle C have a spike? Spikes fall mid-period, so each is followed
 * by ordinary cycles. */
static int spike_cycle(const struct lr *s, int64_t c)
{
	return s->spike_every && c % s->spike_every == s->spike_every / 2;
}

/* The region that spikes in cycle C, or -1: the regions take turns in
 * s->order, so after --regions spikes every region has had one. */
static int64_t spiking(const struct lr *s, int64_t c)
{
	return spike_cycle(s, c) ? s->order[(c / s->spike_every) % s->regions] : -1;
}

/* Shuffles 0..n-1 into ORDER (Fisher-Yates) with a generator of its own. */
static void shuffle(int64_t *order, int64_t n, uint64_t seed)
{
	uint64_t g = seed ^ 0x5bd1e995ull;
	for (int64_t i = 0; i < n; i++)
		order[i] = i;
	for (int64_t i = n - 1; i > 0; i--) {
		int64_t k = (int64_t)(wl_rand(&g) % (uint64_t)(i + 1)), t = order[i];
		order[i] = order[k];
		order[k] = t;
	}
}

/* MemAvailable from /proc/meminfo, in bytes, into *out. 0, or an errno. */
static int mem_available(uint64_t *out)
{
	FILE *f = fopen("/proc/meminfo", "r");
	if (!f)
		return errno;
	char line[256];
	unsigned long long kib;
	int err = ENOENT;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "MemAvailable: %llu kB", &kib) == 1) {
			*out = (uint64_t)kib << 10;
			err = 0;
			break;
		}
	fclose(f);
	return err;
}

/* The first cycle from which the retained RSS (RSS after the cycles without
 * a spike, or after every cycle when all spike) stays within 5% of its
 * final value, the one after cycle *LAST; -1 when no cycle counts. */
static int64_t plateau(const struct lr *s, const uint64_t *rss, int64_t *last)
{
	int all = s->spike_every == 1;
	int64_t from = -1;
	*last = -1;
	for (int64_t c = s->cycles - 1; c >= 0 && *last < 0; c--)
		if (all || !spike_cycle(s, c))
			*last = c;
	if (*last < 0)
		return -1;
	uint64_t final = rss[*last], band = final / 20;
	for (int64_t c = *last; c >= 0; c--) {
		if (!all && spike_cycle(s, c))
			continue;
		if (rss[c] + band < final || rss[c] > final + band)
			break;
		from = c;
	}
	return from;
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
		uint32_t size = wl_size_draw(&g, mix);
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
	/* By default, enough cycles for every region to spike in the first two
	 * thirds of the run and a few to spare. */
	if (!s.cycles)
		s.cycles = s.spike_every ? s.spike_every * ((3 * s.regions + 1) / 2) + 1 : 100;

	/* Under a policy that keeps memory every region may end up holding a
	 * spike: refuse to start what the machine cannot hold. */
	uint64_t avail, need = (uint64_t)s.regions * ((uint64_t)s.spike + 8 * (uint64_t)s.base) + ((uint64_t)64 << 20);
	int e = mem_available(&avail);
	if (e)
		return wl_syserr(ctx, e, "long-running: reading MemAvailable from /proc/meminfo");
	if (need > avail / 5 * 4) {
		char msg[160];
		snprintf(msg, sizeof msg, "long-running: needs %ju MiB, MemAvailable is %ju MiB; lower --regions or --spike_mib",
			 (uintmax_t)(need >> 20), (uintmax_t)(avail >> 20));
		return wl_syserr(ctx, ENOMEM, msg);
	}

	uint64_t total = 0;
	s.order = malloc((size_t)s.regions * sizeof *s.order);
	if (!s.order)
		return wl_syserr(ctx, ENOMEM, "allocating the spike order");
	shuffle(s.order, s.regions, s.seed);
	for (int64_t c = 0; c < s.cycles; c++)
		for (int64_t i = 0; i < s.regions; i++)
			fill(&s, NULL, c, i, &total);
	wl_set_total_ops(ctx, total);
	/* About a thousand reports, so samples are evenly spread. */
	s.batch = total / 1024 ? total / 1024 : 1;
	s.batch = s.batch > 4096 ? 4096 : s.batch;

	s.r = calloc((size_t)s.regions, sizeof *s.r);
	s.head = calloc((size_t)s.regions, sizeof *s.head);
	uint64_t *rss = calloc((size_t)s.cycles, sizeof *rss);
	double *at = calloc((size_t)s.cycles, sizeof *at), t0 = metrics_now();
	int err = 0;
	const char *what = "allocating the region table";
	if (!s.r || !s.head || !rss || !at) {
		err = REGION_ENOMEM;
		goto out;
	}
	what = "creating a long-lived region";
	if ((err = wl_obj_regions(ctx, s.r, s.head, s.regions)))
		goto out;
	fprintf(out, "long-running: %jd regions, %jd cycles, base %jd KiB, a %jd MiB spike every %jd cycles\n",
		(intmax_t)s.regions, (intmax_t)s.cycles, (intmax_t)(s.base >> 10),
		(intmax_t)(s.spike >> 20), (intmax_t)s.spike_every);

	/* A phase is one turn of spikes over every region; its line reports
	 * its live bytes and the RSS at its end. */
	int64_t phase = s.spike_every ? s.spike_every * s.regions : s.cycles, first = 0, spikes = 0;
	uint64_t peak = 0, live_sum = 0;
	what = "refilling a region";
	for (int64_t c = 0; c < s.cycles; c++) {
		uint64_t live = 0;
		for (int64_t i = 0; i < s.regions; i++) {
			walk(&s, i);
			wl_reset(s.r[i]);
			s.head[i] = REGION_REF_NULL;
			if ((err = fill(&s, s.r[i], c, i, &s.allocs)))
				goto out;
			live += region_size(s.r[i]);
		}
		wl_sample(ctx);
		struct metrics m;
		metrics_read(&m);
		rss[c] = m.rss_bytes;
		at[c] = metrics_now() - t0;
		peak = live > peak ? live : peak;
		live_sum += live;
		spikes += spike_cycle(&s, c);
		if ((c + 1) % phase && c + 1 < s.cycles)
			continue;
		fprintf(out, "cycles %jd-%jd: live bytes mean %.1f MiB, peak %.1f MiB; %jd spikes of %jd MiB; RSS %.1f MiB\n",
			(intmax_t)first, (intmax_t)c, mib(live_sum / (uint64_t)(c + 1 - first)), mib(peak),
			(intmax_t)spikes, (intmax_t)(s.spike >> 20), mib(rss[c]));
		first = c + 1;
		spikes = 0;
		peak = live_sum = 0;
	}
	for (int64_t i = 0; i < s.regions; i++)
		walk(&s, i);
	wl_progress(ctx, s.pending);
	int64_t last, p = plateau(&s, rss, &last);
	if (p >= 0) {
		fprintf(out, "retained RSS within 5%% of its final %.1f MiB from cycle %jd of %jd (%.3f s)\n",
			mib(rss[last]), (intmax_t)p, (intmax_t)s.cycles, at[p]);
		wl_extra_u64(ctx, "plateau_round", (uint64_t)p);
		wl_extra_f64(ctx, "plateau_s", at[p]);
	}
	wl_extra_u64(ctx, "cycles_run", (uint64_t)s.cycles);
	fprintf(out, "allocations %ju, checksum %016jx\n", (uintmax_t)s.allocs, (uintmax_t)s.sum);
out:
	wl_obj_regions_free(s.r, s.head, s.regions);
	free(s.order);
	free(rss);
	free(at);
	if (err)
		return wl_limit(ctx, err, what);
	return WL_OK;
}

static const struct wl_param params[] = {
	{ .name = "regions", .def = 16, .min = 1, .max = 1 << 20, .quick = 8,
	  .help = "long-lived regions" },
	{ .name = "cycles", .def = 0, .min = 0, .max = 1 << 30,
	  .help = "reset-and-refill cycles over all regions (0: spike_every * 3/2 * regions + 1, or 100 without spikes)" },
	{ .name = "base_kib", .def = 256, .min = 1, .max = 1 << 20, .quick = 32,
	  .help = "typical bytes a region is filled to per cycle, in KiB" },
	{ .name = "spike_every", .def = 2, .min = 0, .max = 1 << 30,
	  .help = "cycles between spikes (0: none); regions spike in turn" },
	{ .name = "spike_mib", .def = 32, .min = 1, .max = 1 << 16, .quick = 8,
	  .help = "bytes one region is filled to in a spike cycle, in MiB" },
	{ .name = NULL },
};

const struct workload wl_long_running = {
	.name = "long-running",
	.help = "long-lived regions reset and refilled each cycle, with varying peaks and spikes",
	.params = params,
	.run = run,
};
