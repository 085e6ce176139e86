/* graph.h: the linked structure serialize and fork-share move between
 * processes, and its position-independent image.
 *
 * A complete binary tree of N nodes (node i's children are 2i+1, 2i+2) where
 * each node also links to a seeded node anywhere (sharing and cycles, so a
 * copy must trace with a visited map) and owns a payload of 8-128 bytes. All
 * of node i follows from the seed: loaders check it against the generator.
 * An image is the graph traced and repacked breadth first: each object is a
 * graph_obj header and its bytes, 8-aligned, its first nrefs fields being
 * references of the image's width: (target's offset in the image) >> 3. */
#ifndef GRAPH_H
#define GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "region.h"
#include "workload.h"

struct graph_node {
	region_ref_t left, right;   /* children, or REGION_REF_NULL */
	region_ref_t link;          /* the seeded node this one links to */
	region_ref_t payload;       /* len bytes */
	uint32_t id, len;
};
#define GRAPH_NODE_REFS 4

/* A node as an image with 32-bit references holds it (fork-share). */
struct graph_node32 {
	uint32_t left, right, link, payload;
	uint32_t id, len;
};

struct graph_obj {
	uint32_t size;    /* bytes of the object after this header, unpadded */
	uint32_t nrefs;   /* leading reference fields */
};

struct graph_image {
	unsigned char *data;   /* malloc'd; len bytes used */
	size_t len, cap;
	uint64_t root;         /* image reference of node 0 */
	uint64_t objects;
};

#define GRAPH_MAX_NODES (1ll << 31)

/* Builds the graph of N nodes (1 <= N <= GRAPH_MAX_NODES) for SEED in R,
 * reporting one op per node to CTX. Returns 0 with the root's reference in
 * *root, or a REGION_* code (what the region said), or REGION_ENOMEM when
 * malloc refused the build's index. */
int graph_build(region_t *r, uint64_t n, uint64_t seed, struct wl_ctx *ctx, region_ref_t *root);

/* Walks the graph from ROOT in R and checks every node, link and payload
 * against the generator. Returns 0 with a checksum of the walk in *sum, or
 * 1 with what was wrong in WHY. */
int graph_check(const region_t *r, region_ref_t root, uint64_t n, uint64_t seed,
		uint64_t *sum, char *why, size_t whylen);

/* The same walk over an image with 32-bit references mapped at BASE. */
int graph_check32(const unsigned char *base, size_t len, uint64_t root, uint64_t n,
		  uint64_t seed, uint64_t *sum, char *why, size_t whylen);

/* Traces the graph from ROOT in R into *img with references WIDTH bytes
 * wide (4 or 8). Returns 0, ENOMEM when malloc refused, or EOVERFLOW when
 * the image outgrows WIDTH's reach. The caller frees img->data. */
int graph_pack(const region_t *r, region_ref_t root, unsigned width, struct graph_image *img);

/* Turns the image of LEN bytes at P, which lives in R and has references of
 * region_ref_t's width, into live objects of R: every image reference
 * becomes a region reference. Returns 0, or 1 with WHY when the image is
 * malformed (a header or reference points outside it). */
int graph_relocate(const region_t *r, unsigned char *p, size_t len, char *why, size_t whylen);

#endif
