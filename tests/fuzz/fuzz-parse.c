/* fuzz-parse.c: libFuzzer target for the trace parser (make fuzz).
 *
 * Feeds any bytes to trace_parse_buffer, whole and as a prefix of a few
 * events; a trace it accepts must be consistent with what trace_info
 * reports (counts, sums, dense slots below the most regions live at once),
 * and a rejected one must say where in one line, never at line 0. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

static void one(const uint8_t *data, size_t size, uint64_t max_events)
{
	struct trace *t;
	char msg[TRACE_MSG];
	int err = trace_parse_buffer("fuzz", (const char *)data, size, max_events, &t, msg);
	if (err) {
		if (err != EINVAL || strncmp(msg, "fuzz:", 5) || !strncmp(msg, "fuzz:0:", 7) ||
		    strchr(msg, '\n'))
			abort();
		return;
	}
	struct trace_info i;
	trace_info(t, &i);
	if (max_events && i.events > max_events)
		abort();
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
			if (!e.size || e.size > TRACE_MAX_SIZE || !e.align || e.align > TRACE_MAX_ALIGN ||
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
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one(data, size, 0);
	one(data, size, 3);
	return 0;
}
