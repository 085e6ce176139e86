/* trace.h: region traces (docs/regiontrace.md, version 1): parse, check, replay.
 *
 * A trace is read and checked whole before any of it runs, with region ids
 * remapped to dense indices, so parsing is never measured and the replay
 * loop does no lookups. */
#ifndef TRACE_H
#define TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct trace;
struct wl_ctx;

/* Loads and checks the trace at PATH (plain text, or gzip when it ends in
 * .gz). Returns 0 and sets *out; on malformed input prints
 * "PATH:LINE: error: WHAT" on stderr and returns 2; on an unreadable file
 * prints why and returns 2. */
int trace_load(const char *path, struct trace **out);
void trace_free(struct trace *t);

/* trace_load on the LEN bytes at BUF (plain text), with NAME in messages;
 * for the fuzzer and the tests. */
int trace_parse_buffer(const char *name, const char *buf, size_t len, struct trace **out);

/* Prints on F how fast T was parsed (million events per second) and how many
 * bytes it takes per parsed event (trace_replay also puts both in the
 * summary's extras: parse_events_per_s, parse_bytes_per_event). */
void trace_print_stats(const struct trace *t, FILE *f);

struct trace_info {
	uint64_t events;   /* event lines */
	uint64_t creates;  /* c events */
	uint64_t allocs;   /* a events */
	uint64_t bytes;    /* sum of a sizes */
	uint64_t max_live_regions;
};
void trace_info(const struct trace *t, struct trace_info *out);

/* Event K (0-based, K < events) of T as parsed: its letter, its dense
 * region slot (ids are remapped at parse time), size and alignment; for
 * tests that compare two traces. */
struct trace_event {
	char op;          /* 'c', 'a', 's', 'r' or 'd' */
	uint32_t slot;
	uint64_t size;    /* a, s */
	uint32_t align;   /* a: as written, 8 when left out */
};
void trace_event_get(const struct trace *t, uint64_t k, struct trace_event *out);

/* Replays T through region.h, writing every allocated byte, reporting one
 * op per event and one region per c event to CTX. Returns 0, or 1 after
 * wl_limit() has named the backend limit that stopped it. */
int trace_replay(const struct trace *t, struct wl_ctx *ctx);

#endif
