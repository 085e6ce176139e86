/* fuzz-parse.c: libFuzzer target for the trace parser (make fuzz).
 *
 * Feeds any bytes to trace_parse_buffer; a trace it accepts must be
 * consistent with what trace_info reports (counts, sums, dense slots below
 * the most regions live at once), else the target aborts. */
#include <stdint.h>
#include <stdlib.h>

#include "trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace *t;
	if (trace_parse_buffer("fuzz", (const char *)data, size, &t))
		return 0;
	struct trace_info i;
	trace_info(t, &i);
	uint64_t creates = 0, allocs = 0, bytes = 0;
	for (uint64_t k = 0; k < i.events; k++) {
		struct trace_event e;
		trace_event_get(t, k, &e);
		if (e.slot >= i.max_live_regions)
			abort();
		switch (e.op) {
		case 'c': creates++; break;
		case 'a':
			allocs++;
			bytes += e.size;
			if (!e.size || e.size > (1ull << 40) || !e.align || e.align > 4096 ||
			    (e.align & (e.align - 1)))
				abort();
			break;
		case 's':
			if (!e.size)
				abort();
			break;
		case 'r': case 'd': break;
		default: abort();
		}
	}
	if (creates != i.creates || allocs != i.allocs || bytes != i.bytes)
		abort();
	trace_free(t);
	return 0;
}
