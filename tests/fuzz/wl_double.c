/* wl_double.c: see wl_double.h. */
#include "wl_double.h"

#include <stdio.h>
#include <stdlib.h>

#include "region.h"
#include "workload.h"

void wl_set_total_ops(struct wl_ctx *c, uint64_t total)
{
	c->total = total;
}

void wl_progress(struct wl_ctx *c, uint64_t n)
{
	c->ops += n;
}

void wl_count_region(struct wl_ctx *c)
{
	c->regions++;
}

int wl_limit(struct wl_ctx *c, int err, const char *what)
{
	/* A trace that parsed never makes a backend see a bad argument. */
	if (err == REGION_OK || err == REGION_EINVAL) {
		fprintf(stderr, "replay: %s: %s\n", what, region_strerror(err));
		abort();
	}
	c->limited = 1;
	return 1;
}

void wl_extra_f64(struct wl_ctx *c, const char *name, double value)
{
	(void)c;
	(void)name;
	(void)value;
}

int wl_latency_on;   /* replay's wl_create and friends call region_* directly */
