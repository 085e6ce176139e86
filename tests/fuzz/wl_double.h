/* wl_double.h: a minimal test double of workload.h's wl_* for the fuzz
 * targets, which link neither the driver nor the sampling harness. It counts
 * what replay reports and checks that a limit is a real one. */
#ifndef WL_DOUBLE_H
#define WL_DOUBLE_H

#include <stdint.h>

struct wl_ctx {
	uint64_t total, ops, regions;
	int limited;
};

#endif
