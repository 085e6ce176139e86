/* pointer-chase.c: a large linked structure walked in random order.
 *
 * Builds --nodes nodes in one region, each allocated on its own and holding
 * four region references: `next` makes one random cycle through all nodes
 * (Sattolo's algorithm) and three `edge`s point at random nodes. Then it
 * walks --steps steps from node 0, mostly along `next`, sometimes along an
 * edge, bumping a counter in every node it visits. A node is 24 bytes with
 * 32-bit references and 40 with 64-bit ones, and the structure is far larger
 * than the caches, so memory use and speed show what reference width costs.
 * The checksum depends only on the seed: equal on every backend. */
#include "field.h"
#include "region.h"
#include "workload.h"

#include <stdlib.h>
#include <time.h>


struct node {
	region_ref_t next;      /* the node after this one on the cycle */
	region_ref_t edge[3];   /* random nodes */
	uint32_t value;         /* a hash of the node's index */
	uint32_t visits;        /* times the walk came here */
};

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static uint32_t hash(uint64_t i)
{
	return (uint32_t)(wl_rand(&i) >> 32);
}

static int run(struct wl_ctx *ctx, FILE *out)
{
	const int64_t n = wl_param(ctx, "nodes");
	const int64_t steps = wl_param(ctx, "steps");
	uint64_t rng = wl_seed(ctx);
	region_t *r = NULL;
	int err = 0;
	const char *what = "allocating the build tables";

	const uint64_t total = 2 * (uint64_t)n + (uint64_t)steps;
	wl_set_total_ops(ctx, total);
	/* About a thousand reports, so samples are evenly spread; LEFT counts
	 * down to the next. */
	const uint64_t batch = total < 1024 ? 1 : total / 1024 > 4096 ? 4096 : total / 1024;
	uint64_t left = batch;
	/* Build tables, outside the region and freed before the walk: each
	 * node's reference by index, and the cycle's order. */
	region_ref_t *refs = malloc((size_t)n * sizeof *refs);
	uint32_t *perm = malloc((size_t)n * sizeof *perm);
	if (!refs || !perm) {
		err = REGION_ENOMEM;
		goto out;
	}
	what = "creating the region";
	if ((err = wl_create(&r)))
		goto out;
	wl_count_region(ctx);

	double t0 = now();
	what = "allocating a node";
	for (int64_t i = 0; i < n; i++) {
		struct node *p = region_alloc(r, sizeof *p, _Alignof(struct node));
		if (!p) {
			err = region_error(r);
			goto out;
		}
		*p = (struct node){ .value = hash((uint64_t)i) };
		refs[i] = region_ref(r, p);
		perm[i] = (uint32_t)i;
		if (--left == 0) {
			wl_progress(ctx, batch);
			left = batch;
		}
	}
	/* Sattolo's shuffle leaves a single cycle: perm[i] follows i. */
	for (int64_t i = n - 1; i > 0; i--) {
		uint64_t j = wl_rand(&rng) % (uint64_t)i;
		uint32_t t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	for (int64_t i = 0; i < n; i++) {
		struct node *p = region_ptr(r, refs[i]);
		p->next = refs[perm[i]];
		for (int k = 0; k < 3; k++)
			p->edge[k] = refs[wl_rand(&rng) % (uint64_t)n];
		if (--left == 0) {
			wl_progress(ctx, batch);
			left = batch;
		}
	}
	region_ref_t start = refs[0];
	free(refs);
	free(perm);
	refs = NULL;
	perm = NULL;
	wl_sample(ctx);
	double t1 = now();

	/* The walk: one dependent load per step; one step in eight, drawn from
	 * the generator, takes an edge. (A choice made from the node and the
	 * step alone would soon fall into a short loop that fits in cache.)
	 * Fields are read and written through the reference (field.h), so the
	 * walk pays the backend's decode on every access. */
	uint64_t sum = 0, x = 0;
	region_ref_t cur = start;
	for (int64_t s = 0; s < steps; s++) {
		uint32_t visits = FIELD_GET32(r, cur, struct node, visits);
		sum = sum * 0x100000001b3ull + (FIELD_GET32(r, cur, struct node, value) ^ visits);
		FIELD_SET32(r, cur, struct node, visits, visits + 1);
		if (s % 8 == 0)
			x = wl_rand(&rng);   /* eight bits a step */
		cur = (x & 7) ? FIELD_REF(r, cur, struct node, next)
			      : FIELD_REF(r, cur, struct node, edge[((x >> 3) & 31) % 3]);
		x >>= 8;
		if (--left == 0) {
			wl_progress(ctx, batch);
			left = batch;
		}
	}
	wl_progress(ctx, batch - left);
	double t2 = now();

	fprintf(out, "pointer-chase: %jd nodes of %zu bytes (%d-bit references), %.1f MiB in one region\n",
		(intmax_t)n, sizeof(struct node), REGION_REF_BITS,
		(double)region_size(r) / (1 << 20));
	fprintf(out, "build %.3f s (%.1f ns per node), walk of %jd steps %.3f s (%.1f ns per step)\n",
		t1 - t0, (t1 - t0) * 1e9 / (double)n, (intmax_t)steps, t2 - t1,
		steps ? (t2 - t1) * 1e9 / (double)steps : 0.0);
	fprintf(out, "checksum %016jx\n", (uintmax_t)sum);
	wl_extra_f64(ctx, "build_ns_per_node", (t1 - t0) * 1e9 / (double)n);
	wl_extra_f64(ctx, "walk_ns_per_step", steps ? (t2 - t1) * 1e9 / (double)steps : 0.0);
out:
	wl_destroy(r);
	free(refs);
	free(perm);
	if (err)
		return wl_limit(ctx, err, what), 1;
	return 0;
}

static const struct wl_param params[] = {
	{ .name = "nodes", .def = 2000000, .min = 1, .max = UINT32_MAX, .quick = 100000,
	  .help = "nodes in the structure" },
	{ .name = "steps", .def = 10000000, .min = 0, .max = INT64_C(1) << 40, .quick = 500000,
	  .help = "steps of the walk" },
	{ .name = NULL },
};

const struct workload wl_pointer_chase = {
	.name = "pointer-chase",
	.help = "a random cycle of nodes with reference fields, built in one region and walked",
	.params = params,
	.run = run,
};
