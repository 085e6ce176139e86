/* objlist.c: see objlist.h. */
#include "objlist.h"
#include "workload.h"

#include <stdlib.h>
#include <string.h>

region_ref_t wl_obj_fill(region_t *r, struct wl_obj *o, size_t size, region_ref_t prev, uint8_t tag)
{
	o->next = prev;
	o->size = (uint32_t)size;
	o->tag = tag;
	memset(o + 1, tag, size - sizeof *o);
	return region_ref(r, o);
}

region_ref_t wl_obj_mark(region_t *r, struct wl_obj *o, size_t size, region_ref_t prev, uint8_t tag)
{
	o->next = prev;
	o->size = (uint32_t)size;
	o->tag = tag;
	((unsigned char *)o)[size - 1] = tag;
	return region_ref(r, o);
}

uint64_t wl_obj_sum(const region_t *r, region_ref_t head)
{
	uint64_t sum = 0;
	for (region_ref_t ref = head; ref != REGION_REF_NULL;) {
		const struct wl_obj *o = region_ptr(r, ref);
		const unsigned char *p = (const unsigned char *)o;
		/* 16: the widest header; the last byte is payload past it. */
		sum += o->size + o->tag + (o->size > 16 ? p[o->size - 1] : 0);
		ref = o->next;
	}
	return sum;
}

uint32_t wl_size_draw(uint64_t *rng, const struct wl_size_band *mix)
{
	uint64_t x = wl_rand(rng);
	unsigned pick = x % 100;
	x >>= 8;
	while (pick >= mix->below)
		mix++;
	return mix->lo + (uint32_t)(x % mix->span);
}

int wl_obj_regions(struct wl_ctx *ctx, region_t **r, region_ref_t *head, int64_t n)
{
	for (int64_t i = 0; i < n; i++) {
		int err = wl_create(&r[i]);
		if (err)
			return err;
		wl_count_region(ctx);
		head[i] = REGION_REF_NULL;
	}
	return 0;
}

void wl_obj_regions_free(region_t **r, region_ref_t *head, int64_t n)
{
	for (int64_t i = 0; r && i < n; i++)
		if (r[i])
			wl_destroy(r[i]);
	free(r);
	free(head);
}
