/* objlist.h: the object the filling workloads (long-running, large-objects,
 * request-server, fragmentation) allocate: a header that links it to its
 * region's previous object and a payload of one repeated byte, so walking a
 * region reads what was written and the walk's sum is the same on every
 * backend for the same seed. */
#ifndef OBJLIST_H
#define OBJLIST_H

#include <stddef.h>
#include <stdint.h>

#include "region.h"

struct wl_ctx;

struct wl_obj {
	region_ref_t next;   /* the region's previous object, or REGION_REF_NULL */
	uint32_t size;       /* the whole object's size, low 32 bits */
	uint32_t tag;        /* the byte its payload is filled with */
};

/* Writes all SIZE bytes at O (SIZE >= sizeof *O), linked after PREV, and
 * returns O's reference in R. */
region_ref_t wl_obj_fill(region_t *r, struct wl_obj *o, size_t size, region_ref_t prev, uint8_t tag);

/* Writes only O's header and its last byte (SIZE >= sizeof *O + 1), for
 * large objects whose pages need not all be touched; wl_obj_sum reads just
 * those. Returns O's reference in R. */
region_ref_t wl_obj_mark(region_t *r, struct wl_obj *o, size_t size, region_ref_t prev, uint8_t tag);

/* Reads the objects of R from HEAD back, as a program reads its data before
 * dropping it, and returns their sum. */
uint64_t wl_obj_sum(const region_t *r, region_ref_t head);

/* Creates N regions into R[0..N) with wl_create, counted with
 * wl_count_region, each with an empty object list in HEAD. Returns 0, or
 * the first create's error; the regions made before it stay in R. */
int wl_obj_regions(struct wl_ctx *ctx, region_t **r, region_ref_t *head, int64_t n);

/* Undoes wl_obj_regions: destroys R's N regions (NULL ones are skipped) and
 * frees the arrays R and HEAD (either may be NULL). */
void wl_obj_regions_free(region_t **r, region_ref_t *head, int64_t n);

/* An object-size mix: bands in order, each taken while a draw in 0..99 is
 * below its BELOW (the last band's BELOW is 100), sizes uniform in
 * [LO, LO + SPAN). */
struct wl_size_band {
	unsigned below;
	uint32_t lo, span;
};

/* Draws one size from MIX with the generator state RNG (one wl_rand call). */
uint32_t wl_size_draw(uint64_t *rng, const struct wl_size_band *mix);

#endif
