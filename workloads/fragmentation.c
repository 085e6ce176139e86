/* fragmentation.c: what a shared pool still offers large requests after churn.
 *
 * Each of --rounds rounds creates --regions small regions and makes --allocs
 * allocations: 16-512 B objects into random small regions and, one in
 * --large_every, a large object (five sizes, 16 KiB-5 MiB) in a region of its
 * own, kept while large live bytes stay under --keep_mib (else a random one
 * goes). The round ends by destroying the small regions in a random order.
 * Then a probe asks for runs of growing size, each kept in a new region,
 * until one is refused or their total would pass --max_mib. The checksum
 * covers the churn alone, which is the same on every backend. */
#include "region.h"
#include "objlist.h"
#include "workload.h"

#include <stdlib.h>

/* A large object, alone in its region. */
struct big {
	region_t *r;
	region_ref_t head;
	uint64_t size;
};

struct frag {
	struct wl_ctx *ctx;
	uint64_t rng;
	int64_t nsmall;
	region_t **small;
	region_ref_t *shead;     /* each small region's newest object */
	struct big *big;         /* the live large objects */
	size_t nbig, capbig;
	region_t **probe;        /* the probe's regions, kept to the end */
	size_t nprobe;
	uint64_t big_live, keep;
	uint64_t ops, pending, batch, sum;
	char *log;               /* free_over_time: a JSON array of arrays */
	size_t loglen, logcap;
};

/* Counts one op (an allocation) and reports progress in batches. */
static void op(struct frag *s)
{
	s->ops++;
	if (++s->pending == s->batch) {
		wl_progress(s->ctx, s->batch);
		s->pending = 0;
	}
}

/* Walks large object K into the checksum, destroys its region, and moves
 * the last one into its place. */
static void drop_big(struct frag *s, size_t k)
{
	s->sum = s->sum * 31 + wl_obj_sum(s->big[k].r, s->big[k].head);
	wl_destroy(s->big[k].r);
	s->big_live -= s->big[k].size;
	s->big[k] = s->big[--s->nbig];
}

/* Makes a large object of SIZE in a new region, first dropping random ones
 * while the kept bytes would pass s->keep. 0, or an error code. */
static int add_big(struct frag *s, uint64_t size, uint8_t tag)
{
	while (s->nbig && s->big_live + size > s->keep)
		drop_big(s, (size_t)(wl_rand(&s->rng) % s->nbig));
	if (s->nbig == s->capbig) {
		size_t cap = s->capbig ? 2 * s->capbig : 256;
		struct big *b = realloc(s->big, cap * sizeof *b);
		if (!b)
			return REGION_ENOMEM;
		s->big = b;
		s->capbig = cap;
	}
	region_t *r;
	int err = wl_create(&r);
	if (err)
		return err;
	wl_count_region(s->ctx);
	struct wl_obj *o = region_alloc(r, size, 64);
	if (!o) {
		err = region_error(r);
		wl_destroy(r);
		return err;
	}
	s->big[s->nbig++] = (struct big){ r, wl_obj_mark(r, o, size, REGION_REF_NULL, tag), size };
	s->big_live += size;
	return 0;
}

/* Walks the small regions into the checksum and destroys them, in an order
 * shuffled by the generator (Fisher-Yates). */
static void free_small(struct frag *s)
{
	for (int64_t n = s->nsmall; n > 0; n--) {
		int64_t k = (int64_t)(wl_rand(&s->rng) % (uint64_t)n);
		region_t *r = s->small[k];
		region_ref_t h = s->shead[k];
		s->small[k] = s->small[n - 1];
		s->shead[k] = s->shead[n - 1];
		s->small[n - 1] = NULL;
		s->sum = s->sum * 31 + wl_obj_sum(r, h);
		wl_destroy(r);
	}
}

/* Reads the pool's free space into *pf and appends it to the log as
 * [ops, largest run, free, usable in runs of 16, 256, 4096 blocks].
 * 0, or REGION_ENOTSUP where there is no shared pool of blocks. */
static int snapshot(struct frag *s, struct region_pool_free *pf)
{
	int err = region_pool_free_get(pf);
	if (err)
		return err;
	s->loglen += (size_t)snprintf(s->log + s->loglen, s->logcap - s->loglen,
		"%s[%ju,%ju,%ju,%ju,%ju,%ju]", s->loglen > 1 ? "," : "", (uintmax_t)s->ops,
		(uintmax_t)pf->largest_run_bytes, (uintmax_t)pf->free_bytes,
		(uintmax_t)pf->run16_bytes, (uintmax_t)pf->run256_bytes, (uintmax_t)pf->run4096_bytes);
	return 0;
}

/* The probe's next size: 1/8 more, in whole 4 KiB pages. */
static uint64_t grow(uint64_t size)
{
	return (size + size / 8 + 4095) & ~(uint64_t)4095;
}

/* One round: small regions, the mixed allocations, then the small regions
 * freed. *tail gets the pool's tail waste before they are. 0, or an error
 * code with *what set. */
static int round_run(struct frag *s, int64_t allocs, int64_t large_every,
		     uint64_t *tail, const char **what)
{
	int err;
	*what = "creating a small region";
	for (int64_t i = 0; i < s->nsmall; i++) {
		if ((err = wl_create(&s->small[i])))
			return err;
		wl_count_region(s->ctx);
		s->shead[i] = REGION_REF_NULL;
	}
	for (int64_t n = 0; n < allocs; n++) {
		uint64_t x = wl_rand(&s->rng);
		if (x % (uint64_t)large_every == 0) {
			uint64_t base = (uint64_t)16384 << (2 * ((x >> 32) % 5));
			*what = "allocating a large object";
			if ((err = add_big(s, base + wl_rand(&s->rng) % (base / 4), (uint8_t)(x >> 8))))
				return err;
		} else {
			int64_t i = (int64_t)((x >> 16) % (uint64_t)s->nsmall);
			uint32_t size = 16 + (uint32_t)((x >> 40) % 497);
			*what = "allocating a small object";
			struct wl_obj *o = region_alloc(s->small[i], size, 8);
			if (!o)
				return region_error(s->small[i]);
			s->shead[i] = wl_obj_fill(s->small[i], o, size, s->shead[i], (uint8_t)(x >> 8));
		}
		op(s);
	}
	struct region_pool_free pf;
	if (region_pool_free_get(&pf) == 0)
		*tail = pf.tail_waste_bytes;
	free_small(s);
	return 0;
}

/* Asks for runs growing from FIRST until one is refused (its size in
 * *refused, the reason in *why) or their total would pass MAX (*refused
 * 0). Returns the bytes the probe got. */
static uint64_t probe(struct frag *s, uint64_t first, uint64_t max, uint64_t *refused, int *why)
{
	uint64_t total = 0;
	*refused = 0;
	for (uint64_t size = first; total + size <= max; size = grow(size)) {
		region_t *r;
		int err = wl_create(&r);
		struct wl_obj *o = NULL;
		if (!err) {
			wl_count_region(s->ctx);
			if (!(o = region_alloc(r, size, 64))) {
				err = region_error(r);
				wl_destroy(r);
			}
		}
		if (err) {
			*refused = size;
			*why = err;
			break;
		}
		wl_obj_mark(r, o, size, REGION_REF_NULL, (uint8_t)s->nprobe);
		s->probe[s->nprobe++] = r;
		total += size;
		op(s);
	}
	return total;
}

static int run(struct wl_ctx *ctx, FILE *out)
{
	const int64_t rounds = wl_param(ctx, "rounds");
	const int64_t allocs = wl_param(ctx, "allocs");
	const int64_t large_every = wl_param(ctx, "large_every");
	const uint64_t first = (uint64_t)wl_param(ctx, "probe_kib") << 10;
	const uint64_t max = (uint64_t)wl_param(ctx, "max_mib") << 20;
	struct frag s = {
		.ctx = ctx,
		.rng = wl_seed(ctx),
		.nsmall = wl_param(ctx, "regions"),
		.keep = (uint64_t)wl_param(ctx, "keep_mib") << 20,
	};
	size_t nprobes = 0;
	for (uint64_t size = first, total = 0; total + size <= max; size = grow(size))
		total += size, nprobes++;
	uint64_t total_ops = (uint64_t)(rounds * allocs) + nprobes;
	wl_set_total_ops(ctx, total_ops);
	/* About a thousand reports, so samples are evenly spread. */
	s.batch = total_ops / 1024 ? total_ops / 1024 : 1;
	s.batch = s.batch > 4096 ? 4096 : s.batch;

	/* One entry per round and one after the probe, each at most 6 numbers
	 * of 20 digits, 5 commas, brackets and a separating comma. */
	s.logcap = (size_t)(rounds + 1) * (6 * 20 + 8) + 3;
	s.log = malloc(s.logcap);
	s.small = calloc((size_t)s.nsmall, sizeof *s.small);
	s.shead = calloc((size_t)s.nsmall, sizeof *s.shead);
	s.probe = calloc(nprobes + 1, sizeof *s.probe);
	int err = 0;
	const char *what = "allocating the workload's tables";
	if (!s.log || !s.small || !s.shead || !s.probe) {
		err = REGION_ENOMEM;
		goto out;
	}
	s.log[0] = '[';
	s.loglen = 1;

	struct region_pool_free pf, found;
	int pooled = 0;
	uint64_t tail = 0;
	for (int64_t k = 0; k < rounds; k++) {
		if ((err = round_run(&s, allocs, large_every, &tail, &what)))
			goto out;
		wl_sample(ctx);
		pooled = snapshot(&s, &found) == 0;
	}
	uint64_t kept = s.big_live, refused;
	int why = 0;
	uint64_t got = probe(&s, first, max, &refused, &why);
	wl_progress(ctx, s.pending);
	wl_sample(ctx);
	if (pooled)
		snapshot(&s, &pf);
	s.loglen += (size_t)snprintf(s.log + s.loglen, s.logcap - s.loglen, "]");

	fprintf(out, "fragmentation: %jd rounds of %jd small regions and %jd allocations, 1 in %jd large "
		"(kept under %ju MiB); probe from %ju KiB up to %ju MiB\n",
		(intmax_t)rounds, (intmax_t)s.nsmall, (intmax_t)allocs, (intmax_t)large_every,
		(uintmax_t)(s.keep >> 20), (uintmax_t)(first >> 10), (uintmax_t)(max >> 20));
	if (pooled)
		fprintf(out, "pool after the churn: %ju bytes free, largest run %ju; usable by runs of "
			"16, 256, 4096 blocks: %ju, %ju, %ju; tail waste %ju\n",
			(uintmax_t)found.free_bytes, (uintmax_t)found.largest_run_bytes,
			(uintmax_t)found.run16_bytes, (uintmax_t)found.run256_bytes,
			(uintmax_t)found.run4096_bytes, (uintmax_t)tail);
	else
		fprintf(out, "pool free space: not measured (%s)\n", region_strerror(REGION_ENOTSUP));
	if (refused)
		fprintf(out, "probe: %zu runs, %ju bytes, then %ju bytes refused (%s); %ju bytes live then\n",
			s.nprobe, (uintmax_t)got, (uintmax_t)refused, region_strerror(why),
			(uintmax_t)(kept + got));
	else
		fprintf(out, "probe: %zu runs, %ju bytes, stopped at --max_mib; %ju bytes live then\n",
			s.nprobe, (uintmax_t)got, (uintmax_t)(kept + got));
	fprintf(out, "checksum %016jx\n", (uintmax_t)s.sum);

	if (pooled) {
		wl_extra_u64(ctx, "largest_free_run_bytes", found.largest_run_bytes);
		wl_extra_u64(ctx, "free_bytes", found.free_bytes);
		wl_extra_u64(ctx, "usable_free_bytes_16", found.run16_bytes);
		wl_extra_u64(ctx, "usable_free_bytes_256", found.run256_bytes);
		wl_extra_u64(ctx, "usable_free_bytes_4096", found.run4096_bytes);
		wl_extra_u64(ctx, "tail_waste_bytes", tail);
		wl_extra(ctx, "free_over_time", s.log);
	}
	wl_extra(ctx, "probe_end", refused ? "refused" : "cap");
	wl_extra_u64(ctx, "bytes_before_refusal", kept + got);
	if (refused)
		wl_extra_u64(ctx, "first_refused_bytes", refused);
out:
	for (size_t i = 0; i < s.nprobe; i++)
		wl_destroy(s.probe[i]);
	while (s.nbig)
		drop_big(&s, s.nbig - 1);
	for (int64_t i = 0; s.small && i < s.nsmall; i++)
		wl_destroy(s.small[i]);
	free(s.log);
	free(s.small);
	free(s.shead);
	free(s.big);
	free(s.probe);
	if (err)
		return wl_limit(ctx, err, what);
	return WL_OK;
}

static const struct wl_param params[] = {
	{ .name = "rounds", .def = 8, .min = 1, .max = 1 << 16, .quick = 3,
	  .help = "churn rounds, each ending with its small regions freed" },
	{ .name = "regions", .def = 1024, .min = 1, .max = 1 << 20, .quick = 32,
	  .help = "small regions alive in a round" },
	{ .name = "allocs", .def = 100000, .min = 1, .max = INT64_C(1) << 36, .quick = 5000,
	  .help = "allocations per round, small and large" },
	{ .name = "large_every", .def = 100, .min = 1, .max = INT64_C(1) << 36, .quick = 50,
	  .help = "one allocation in this many is large (16 KiB-5 MiB, its own region)" },
	{ .name = "keep_mib", .def = 256, .min = 8, .max = 1 << 16, .quick = 16,
	  .help = "large objects kept alive, at most, in MiB" },
	{ .name = "probe_kib", .def = 64, .min = 4, .max = 1 << 30,
	  .help = "the probe's first run, in KiB; each next one is 1/8 larger" },
	{ .name = "max_mib", .def = 1024, .min = 1, .max = 1 << 24, .quick = 128,
	  .help = "the probe stops before its runs pass this total, in MiB" },
	{ .name = NULL },
};

const struct workload wl_fragmentation = {
	.name = "fragmentation",
	.help = "small regions mixed with large objects, freed at random, then growing runs until one is refused",
	.params = params,
	.run = run,
};
