/* trace.h: region traces (docs/regiontrace.md, version 1): parse, check, replay.
 *
 * A trace is read and checked whole before any of it runs, with region ids
 * remapped to dense indices, so parsing is never measured and the replay
 * loop does no lookups. */
#ifndef TRACE_H
#define TRACE_H

#include <stdint.h>

struct trace;
struct wl_ctx;

/* Loads and checks the trace at PATH (plain text, or gzip when it ends in
 * .gz). Returns 0 and sets *out; on malformed input prints
 * "PATH:LINE: error: WHAT" on stderr and returns 2; on an unreadable file
 * prints why and returns 2. */
int trace_load(const char *path, struct trace **out);
void trace_free(struct trace *t);

struct trace_info {
	uint64_t events;   /* event lines */
	uint64_t creates;  /* c events */
	uint64_t allocs;   /* a events */
	uint64_t bytes;    /* sum of a sizes */
	uint64_t max_live_regions;
};
void trace_info(const struct trace *t, struct trace_info *out);

/* Replays T through region.h, writing every allocated byte, reporting one
 * op per event and one region per c event to CTX. Returns 0, or 1 after
 * wl_limit() has named the backend limit that stopped it. */
int trace_replay(const struct trace *t, struct wl_ctx *ctx);

#endif
