/* fuzz-replay.c: libFuzzer target for trace replay under a small pool.
 *
 * Parses the input and replays what parses on the backend linked in (make
 * fuzz FUZZ_BACKEND=..., default blocks) capped by region_limit_set at
 * FUZZ_POOL bytes, so pool exhaustion, large and aligned allocations, shrink
 * and reset all run. After each replay, won or stopped at the limit, no
 * region may be live and no byte allocated. wl_* is tests/fuzz/wl_double.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "region.h"
#include "trace.h"
#include "wl_double.h"

#define FUZZ_POOL (8u << 20)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int r = region_limit_set(FUZZ_POOL);
	if (r && r != REGION_ENOTSUP)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace *t;
	if (trace_parse_buffer("fuzz", (const char *)data, size, &t))
		return 0;
	struct trace_info i;
	trace_info(t, &i);
	struct wl_ctx c = { 0 };
	int rc = trace_replay(t, &c);
	if (rc != 0 && rc != 1)
		abort();
	if ((rc == 1) != c.limited || c.total != i.events)
		abort();
	if (rc == 0 && (c.ops != i.events || c.regions != i.creates))
		abort();
	struct region_stats s;
	region_stats_get(&s);
	if (s.regions_live != 0 || s.bytes_live != 0)
		abort();
	trace_free(t);
	return 0;
}
