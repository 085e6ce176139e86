/* extra.h: numeric extra summary fields for workloads, one formatting for
 * all (integers in decimal, reals with 6 significant digits), so the
 * harness can emit them as numbers. */
#ifndef WL_EXTRA_H
#define WL_EXTRA_H

#include <inttypes.h>
#include <stdio.h>

#include "workload.h"

static inline void wl_extra_u64(struct wl_ctx *ctx, const char *name, uint64_t v)
{
	char s[24];
	snprintf(s, sizeof s, "%" PRIu64, v);
	wl_extra(ctx, name, s);
}

static inline void wl_extra_f64(struct wl_ctx *ctx, const char *name, double v)
{
	char s[32];
	snprintf(s, sizeof s, "%.6g", v);
	wl_extra(ctx, name, s);
}

#endif
