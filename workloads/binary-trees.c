/* binary-trees.c: the Benchmarks Game binary-trees program over regions.
 *
 * Follows the C program with APR pools (Jeremy Zerfas, after Harrop, Mizrahi
 * and Coutinho; benchmarksgame-team/benchmarksgame): the stretch tree in a
 * region of its own, the long-lived tree in a long-lived region, and for each
 * depth one region reset after every tree (apr_pool_clear). Nodes hold two
 * region references, so a node is 8 bytes with 32-bit references and 16 with
 * 64-bit ones. Output is byte for byte the Benchmarks Game's: for depth 10
 * the checks are 4095, 31744, 32512, 32704, 32752, 2047. One thread. */
#include "field.h"
#include "region.h"
#include "workload.h"

#include <stdint.h>

#define MIN_DEPTH 4
/* Progress is reported per subtree of this depth (2047 nodes), not per
 * node, so that counting adds no work to the allocation loop. */
#define REPORT_DEPTH 10

struct node {
	region_ref_t left, right;   /* both REGION_REF_NULL in a leaf */
};

struct builder {
	region_t *r;
	struct wl_ctx *ctx;
	int err;            /* first allocation failure, or 0 */
};

/* Nodes in a tree of DEPTH. */
static uint64_t nodes(int depth)
{
	return ((uint64_t)2 << depth) - 1;
}

/* Makes a tree of DEPTH in b->r and returns its root's reference, or
 * REGION_REF_NULL with b->err set when an allocation failed. */
static region_ref_t make(struct builder *b, int depth)
{
	struct node *n = region_alloc(b->r, sizeof *n, _Alignof(struct node));
	if (!n) {
		b->err = region_error(b->r);
		return REGION_REF_NULL;
	}
	if (depth > 0) {
		/* A node's reference is never REGION_REF_NULL: that says failure. */
		if ((n->left = make(b, depth - 1)) == REGION_REF_NULL)
			return REGION_REF_NULL;
		if ((n->right = make(b, depth - 1)) == REGION_REF_NULL)
			return REGION_REF_NULL;
	} else {
		n->left = n->right = REGION_REF_NULL;
	}
	if (depth == REPORT_DEPTH)
		wl_progress(b->ctx, nodes(REPORT_DEPTH));
	return region_ref(b->r, n);
}

/* make, with every node counted as progress: the subtrees of REPORT_DEPTH
 * were as they were made, the rest is now. */
static region_ref_t tree(struct builder *b, int depth)
{
	region_ref_t t = make(b, depth);
	if (t != REGION_REF_NULL)
		wl_progress(b->ctx, nodes(depth) - (depth < REPORT_DEPTH ? 0 :
			((uint64_t)1 << (depth - REPORT_DEPTH)) * nodes(REPORT_DEPTH)));
	return t;
}

/* The Benchmarks Game checksum: the number of nodes. Fields are read
 * through the reference (field.h), so the walk pays the backend's decode. */
static int64_t check(const region_t *r, region_ref_t ref)
{
	region_ref_t left = FIELD_REF(r, ref, struct node, left);
	if (left == REGION_REF_NULL)
		return 1;
	return check(r, left) + check(r, FIELD_REF(r, ref, struct node, right)) + 1;
}

/* Creates a region into *out, counted; 0 or an error code. */
static int fresh(struct wl_ctx *ctx, region_t **out)
{
	int err = wl_create(out);
	if (!err)
		wl_count_region(ctx);
	return err;
}

static int run(struct wl_ctx *ctx, FILE *out)
{
	int max_depth = (int)wl_param(ctx, "depth");
	if (max_depth < MIN_DEPTH + 2)
		max_depth = MIN_DEPTH + 2;   /* as the original does */
	const int stretch = max_depth + 1;

	/* Nodes the whole run makes: a tree of depth d has 2^(d+1) - 1. */
	uint64_t total = ((uint64_t)2 << stretch) - 1 + ((uint64_t)2 << max_depth) - 1;
	for (int d = MIN_DEPTH; d <= max_depth; d += 2)
		total += ((uint64_t)1 << (max_depth - d + MIN_DEPTH)) * (((uint64_t)2 << d) - 1);
	wl_set_total_ops(ctx, total);

	struct builder b = { .ctx = ctx };
	region_t *long_lived = NULL;
	int err;
	const char *what;

	what = "creating the stretch tree's region";
	if ((err = fresh(ctx, &b.r)))
		goto fail;
	what = "building the stretch tree";
	region_ref_t t = tree(&b, stretch);
	if ((err = b.err))
		goto fail_region;
	fprintf(out, "stretch tree of depth %d\t check: %jd\n", stretch,
		(intmax_t)check(b.r, t));
	wl_destroy(b.r);
	b.r = NULL;
	wl_sample(ctx);

	what = "creating the long-lived tree's region";
	if ((err = fresh(ctx, &long_lived)))
		goto fail;
	b.r = long_lived;
	what = "building the long-lived tree";
	region_ref_t long_tree = tree(&b, max_depth);
	if ((err = b.err))
		goto fail_region;
	wl_sample(ctx);

	for (int d = MIN_DEPTH; d <= max_depth; d += 2) {
		int64_t iterations = (int64_t)1 << (max_depth - d + MIN_DEPTH);
		int64_t sum = 0;
		what = "creating a region for short-lived trees";
		if ((err = fresh(ctx, &b.r)))
			goto fail_long;
		what = "building a short-lived tree";
		for (int64_t i = 0; i < iterations; i++) {
			t = tree(&b, d);
			if ((err = b.err))
				goto fail_region;
			sum += check(b.r, t);
			wl_reset(b.r);
		}
		wl_destroy(b.r);
		b.r = NULL;
		fprintf(out, "%jd\t trees of depth %d\t check: %jd\n",
			(intmax_t)iterations, d, (intmax_t)sum);
		wl_sample(ctx);
	}

	fprintf(out, "long lived tree of depth %d\t check: %jd\n", max_depth,
		(intmax_t)check(long_lived, long_tree));
	wl_destroy(long_lived);
	return 0;

fail_region:
	if (b.r != long_lived)
		wl_destroy(b.r);
fail_long:
	wl_destroy(long_lived);
fail:
	wl_limit(ctx, err, what);
	return 1;
}

static const struct wl_param params[] = {
	{ .name = "depth", .def = 20, .min = 0, .max = 25, .quick = 10,
	  .help = "depth of the long-lived tree (the program's N; below 6 means 6)" },
	{ .name = NULL },
};

const struct workload wl_binary_trees = {
	.name = "binary-trees",
	.help = "the Benchmarks Game binary-trees: a long-lived region and one reset per tree",
	.params = params,
	.run = run,
};
