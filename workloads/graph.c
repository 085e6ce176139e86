/* graph.c: the graph of graph.h: build, check, trace into an image, relocate.
 *
 * Packing is Cheney's copying scan (C. J. Cheney, "A nonrecursive list
 * compacting algorithm", CACM 1970) with a FIFO of source objects instead of
 * forwarding pointers, since the source region must stay intact: each object
 * is copied once, on first sight, and a hash map from source address to image
 * reference finds the copies of shared objects. */
#include "graph.h"

#include "field.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH 4096   /* nodes per progress report */

/* The seed's value number SALT for node ID. */
static uint64_t gen(uint64_t seed, uint64_t id, uint64_t salt)
{
	uint64_t s = seed * 0xd1342543de82ef95ull + id * 0x9e3779b97f4a7c15ull + salt;
	return wl_rand(&s);
}

static uint32_t exp_len(uint64_t seed, uint64_t id)
{
	return 8 + (uint32_t)(gen(seed, id, 1) % 121);
}

static uint64_t exp_link(uint64_t seed, uint64_t id, uint64_t n)
{
	return gen(seed, id, 2) % n;
}

static unsigned char exp_byte(uint64_t w, uint32_t k)
{
	return (unsigned char)((w >> ((k & 7) * 8)) + (k >> 3));
}

int graph_build(region_t *r, uint64_t n, uint64_t seed, struct wl_ctx *ctx, region_ref_t *root)
{
	struct graph_node **nodes = malloc(n * sizeof *nodes);
	if (!nodes)
		return REGION_ENOMEM;
	int err = 0;
	uint64_t pending = 0;
	/* Nodes and payloads interleave in memory, as a program would make them. */
	for (uint64_t i = 0; i < n; i++) {
		struct graph_node *x = region_alloc(r, sizeof *x, _Alignof(struct graph_node));
		uint32_t len = exp_len(seed, i);
		unsigned char *pl = x ? region_alloc(r, len, 8) : NULL;
		if (!pl) {
			err = region_error(r);
			goto out;
		}
		uint64_t w = gen(seed, i, 3);
		for (uint32_t k = 0; k < len; k++)
			pl[k] = exp_byte(w, k);
		x->id = (uint32_t)i;
		x->len = len;
		x->payload = region_ref(r, pl);
		nodes[i] = x;
		if (++pending == BATCH) {
			wl_progress(ctx, pending);
			pending = 0;
		}
	}
	for (uint64_t i = 0; i < n; i++) {
		struct graph_node *x = nodes[i];
		x->left = 2 * i + 1 < n ? region_ref(r, nodes[2 * i + 1]) : REGION_REF_NULL;
		x->right = 2 * i + 2 < n ? region_ref(r, nodes[2 * i + 2]) : REGION_REF_NULL;
		x->link = region_ref(r, nodes[exp_link(seed, i, n)]);
	}
	*root = region_ref(r, nodes[0]);
	wl_progress(ctx, pending);
out:
	free(nodes);
	return err;
}

/* Where a walk reads nodes from: a region, or an image with 32-bit
 * references mapped at base (bounds checked, since it came from outside). */
struct view {
	const region_t *r;
	const unsigned char *base;
	size_t len;
};

struct fields {
	uint64_t left, right, link, payload;
	uint32_t id, len;
};

static const void *deref(const struct view *v, uint64_t ref, size_t size)
{
	if (v->r)
		return region_ptr(v->r, (region_ref_t)ref);
	uint64_t off = ref << 3;
	if (ref == 0 || ref >> 61 || off > v->len || v->len - off < size)
		return NULL;
	return v->base + off;
}

static int node_at(const struct view *v, uint64_t ref, struct fields *f)
{
	if (v->r) {   /* through the reference, as the backend decodes it */
		const region_t *r = v->r;
		region_ref_t x = (region_ref_t)ref;
		*f = (struct fields){ FIELD_REF(r, x, struct graph_node, left),
			FIELD_REF(r, x, struct graph_node, right), FIELD_REF(r, x, struct graph_node, link),
			FIELD_REF(r, x, struct graph_node, payload), FIELD_GET32(r, x, struct graph_node, id),
			FIELD_GET32(r, x, struct graph_node, len) };
		return 0;
	}
	const struct graph_node32 *x = deref(v, ref, sizeof *x);
	if (!x)
		return -1;
	*f = (struct fields){ x->left, x->right, x->link, x->payload, x->id, x->len };
	return 0;
}

/* Depth-first from the root, left first; the stack never holds more than
 * the tree's depth plus one (at most 32 for 2^31 nodes). */
static int walk(const struct view *v, uint64_t root, uint64_t n, uint64_t seed,
		uint64_t *sum, char *why, size_t whylen)
{
	struct { uint64_t ref, id; } stack[80];
	int top = 0;
	uint64_t seen = 0, h = 0xcbf29ce484222325ull;
	stack[top++].ref = root;
	stack[0].id = 0;
	while (top > 0) {
		uint64_t ref = stack[--top].ref, id = stack[top].id;
		struct fields f, l;
		if (ref == REGION_REF_NULL || node_at(v, ref, &f) != 0) {
			snprintf(why, whylen, "node %llu: reference %#llx leads nowhere",
				 (unsigned long long)id, (unsigned long long)ref);
			return 1;
		}
		uint64_t want_link = exp_link(seed, id, n);
		if (f.id != id || f.len != exp_len(seed, id)) {
			snprintf(why, whylen, "node %llu: holds id %u and length %u",
				 (unsigned long long)id, f.id, f.len);
			return 1;
		}
		if (f.link == REGION_REF_NULL || node_at(v, f.link, &l) != 0 || l.id != want_link) {
			snprintf(why, whylen, "node %llu: link does not lead to node %llu",
				 (unsigned long long)id, (unsigned long long)want_link);
			return 1;
		}
		const unsigned char *pl = f.payload ? deref(v, f.payload, f.len) : NULL;
		uint64_t w = gen(seed, id, 3), ps = 0;
		for (uint32_t k = 0; pl && k < f.len; k++) {
			if (pl[k] != exp_byte(w, k)) {
				pl = NULL;
				break;
			}
			ps += pl[k];
		}
		if (!pl) {
			snprintf(why, whylen, "node %llu: payload missing or changed",
				 (unsigned long long)id);
			return 1;
		}
		uint64_t kids[2] = { f.right, f.left }, kid_id[2] = { 2 * id + 2, 2 * id + 1 };
		for (int k = 0; k < 2; k++) {
			if ((kids[k] != REGION_REF_NULL) != (kid_id[k] < n)) {
				snprintf(why, whylen, "node %llu: child %llu is %s",
					 (unsigned long long)id, (unsigned long long)kid_id[k],
					 kids[k] ? "there but should not be" : "missing");
				return 1;
			}
			if (kids[k] != REGION_REF_NULL) {
				stack[top].ref = kids[k];
				stack[top++].id = kid_id[k];
			}
		}
		h = (h ^ (id + (want_link << 32) + ps + f.len)) * 0x100000001b3ull;
		seen++;
	}
	if (seen != n) {
		snprintf(why, whylen, "reached %llu nodes of %llu",
			 (unsigned long long)seen, (unsigned long long)n);
		return 1;
	}
	*sum = h;
	return 0;
}

int graph_check(const region_t *r, region_ref_t root, uint64_t n, uint64_t seed,
		uint64_t *sum, char *why, size_t whylen)
{
	struct view v = { .r = r };
	return walk(&v, root, n, seed, sum, why, whylen);
}

int graph_check32(const unsigned char *base, size_t len, uint64_t root, uint64_t n,
		  uint64_t seed, uint64_t *sum, char *why, size_t whylen)
{
	struct view v = { .base = base, .len = len };
	return walk(&v, root, n, seed, sum, why, whylen);
}

/* ---- packing ------------------------------------------------------------ */

struct slot {
	uintptr_t key;   /* source address; 0: empty */
	uint64_t ref;    /* its image reference */
};

struct packer {
	const region_t *r;
	unsigned width;
	struct graph_image *img;
	struct slot *map;
	size_t mask, used;
	struct { const struct graph_node *src; size_t off; } *queue;   /* copied, not yet scanned */
	size_t qhead, qtail, qcap;
};

static size_t slot_of(const struct packer *k, uintptr_t key)
{
	return (size_t)(((uint64_t)key >> 3) * 0x9e3779b97f4a7c15ull >> 20) & k->mask;
}

/* Doubles the map; 0 or ENOMEM. */
static int grow_map(struct packer *k)
{
	size_t n = (k->mask + 1) * 2;
	struct slot *m = calloc(n, sizeof *m), *old = k->map;
	if (!m)
		return ENOMEM;
	size_t oldn = k->mask + 1;
	k->map = m;
	k->mask = n - 1;
	for (size_t i = 0; i < oldn; i++) {
		if (!old[i].key)
			continue;
		size_t j = slot_of(k, old[i].key);
		while (m[j].key)
			j = (j + 1) & k->mask;
		m[j] = old[i];
	}
	free(old);
	return 0;
}

static int reserve(struct graph_image *img, size_t more)
{
	if (img->cap - img->len >= more)
		return 0;
	size_t cap = img->cap ? img->cap : 1 << 20;
	while (cap - img->len < more)
		cap *= 2;
	unsigned char *d = realloc(img->data, cap);
	if (!d)
		return ENOMEM;
	img->data = d;
	img->cap = cap;
	return 0;
}

/* The image reference of the object at SRC (a node when NODE, else LEN
 * payload bytes), copying it on first sight. 0 or an errno value. */
static int visit(struct packer *k, const void *src, int node, uint32_t len, uint64_t *ref)
{
	size_t j = slot_of(k, (uintptr_t)src);
	while (k->map[j].key) {
		if (k->map[j].key == (uintptr_t)src) {
			*ref = k->map[j].ref;
			return 0;
		}
		j = (j + 1) & k->mask;
	}
	struct graph_image *img = k->img;
	uint32_t nrefs = node ? GRAPH_NODE_REFS : 0;
	uint32_t size = node ? GRAPH_NODE_REFS * k->width + 2 * sizeof(uint32_t) : len;
	size_t off = img->len + sizeof(struct graph_obj), pad = (size + 7u) & ~7u;
	uint64_t max = k->width == 4 ? UINT32_MAX : UINT64_MAX >> 3;
	if ((off >> 3) > max)
		return EOVERFLOW;
	if (reserve(img, sizeof(struct graph_obj) + pad))
		return ENOMEM;
	struct graph_obj h = { size, nrefs };
	memcpy(img->data + img->len, &h, sizeof h);
	unsigned char *d = img->data + off;
	memset(d + size, 0, pad - size);
	if (node) {
		const struct graph_node *x = src;
		/* References are written when the node is scanned. */
		memset(d, 0, GRAPH_NODE_REFS * k->width);
		memcpy(d + GRAPH_NODE_REFS * k->width, &x->id, 2 * sizeof(uint32_t));
		if (k->qtail == k->qcap) {
			size_t cap = k->qcap ? 2 * k->qcap : 4096;
			void *q = realloc(k->queue, cap * sizeof *k->queue);
			if (!q)
				return ENOMEM;
			k->queue = q;
			k->qcap = cap;
		}
		k->queue[k->qtail].src = x;
		k->queue[k->qtail++].off = off;
	} else {
		memcpy(d, src, size);
	}
	img->len = off + pad;
	img->objects++;
	*ref = off >> 3;
	k->map[j] = (struct slot){ (uintptr_t)src, *ref };
	if (++k->used * 2 > k->mask + 1)
		return grow_map(k);
	return 0;
}

static void put_ref(unsigned char *d, unsigned width, uint64_t v)
{
	if (width == 4) {
		uint32_t v32 = (uint32_t)v;
		memcpy(d, &v32, 4);
	} else {
		memcpy(d, &v, 8);
	}
}

int graph_pack(const region_t *r, region_ref_t root, unsigned width, struct graph_image *img)
{
	struct packer k = { .r = r, .width = width, .img = img };
	*img = (struct graph_image){0};
	/* Sized from the region's bytes (objects here average over 32 bytes),
	 * so the map and the image seldom grow while tracing. */
	size_t bytes = region_size(r), slots = 1u << 16;
	while (slots < bytes / 16 && slots < ((size_t)1 << 40))
		slots *= 2;
	k.mask = slots - 1;
	k.map = calloc(slots, sizeof *k.map);
	int err = !k.map || reserve(img, bytes + bytes / 4 + 4096) ? ENOMEM :
		visit(&k, region_ptr(r, root), 1, 0, &img->root);
	/* Breadth first: the queue is the image's node order. */
	while (!err && k.qhead < k.qtail) {
		const struct graph_node *x = k.queue[k.qhead].src;
		size_t at = k.queue[k.qhead++].off;
		region_ref_t src[GRAPH_NODE_REFS] = { x->left, x->right, x->link, x->payload };
		uint64_t dst[GRAPH_NODE_REFS] = {0};
		for (int i = 0; i < GRAPH_NODE_REFS && !err; i++) {
			if (src[i] != REGION_REF_NULL)
				err = visit(&k, region_ptr(r, src[i]), i < 3, x->len, &dst[i]);
		}
		if (err)
			break;
		/* By offset: copying the targets may have moved the image. */
		unsigned char *d = img->data + at;
		for (int i = 0; i < GRAPH_NODE_REFS; i++)
			put_ref(d + i * width, width, dst[i]);
	}
	free(k.map);
	free(k.queue);
	if (err) {
		free(img->data);
		*img = (struct graph_image){0};
	}
	return err;
}

int graph_relocate(const region_t *r, unsigned char *p, size_t len, char *why, size_t whylen)
{
	size_t off = 0;
	while (off < len) {
		struct graph_obj h;
		if (len - off < sizeof h) {
			snprintf(why, whylen, "object header at byte %zu runs past the end", off);
			return 1;
		}
		memcpy(&h, p + off, sizeof h);
		size_t data = off + sizeof h, pad = ((size_t)h.size + 7) & ~(size_t)7;
		if (pad > len - data || (size_t)h.nrefs * sizeof(region_ref_t) > h.size) {
			snprintf(why, whylen, "object at byte %zu: size %u or %u references do not fit",
				 off, h.size, h.nrefs);
			return 1;
		}
		region_ref_t *f = (region_ref_t *)(p + data);
		for (uint32_t i = 0; i < h.nrefs; i++) {
			uint64_t v = f[i];
			if (v == 0)
				continue;
			if (v >> 61 || (v << 3) >= len) {
				snprintf(why, whylen, "object at byte %zu: reference %#llx outside the image",
					 off, (unsigned long long)v);
				return 1;
			}
			f[i] = region_ref(r, p + (v << 3));
		}
		off = data + pad;
	}
	return 0;
}
