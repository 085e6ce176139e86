/* trace.h: region traces (docs/regiontrace.md, version 1): parse and check.
 *
 * A trace is read and checked whole before any of it runs, with region ids
 * remapped to dense slots, so parsing is never measured and a replayer
 * (workloads/replay.c) does no lookups. The parsed events live in memory
 * mapped directly (mmap), outside whatever allocator the process links, so
 * every backend replays from the same memory. The library prints nothing:
 * each call returns 0 or an errno value, with a one-line message. */
#ifndef TRACE_H
#define TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define TRACE_MAX_LINE 4096        /* bytes in one line, newline excluded */
#define TRACE_MAX_ALIGN 4096       /* the format's largest alignment */
#define TRACE_MAX_SIZE (1ull << 40)
#define TRACE_MSG 512              /* room for a message */

struct trace;

/* Loads and checks the first MAX_EVENTS events (0: all) of the trace at
 * PATH: plain text, or gzip (one or more members; told by its magic bytes).
 * Returns 0 and sets *out, or, with a one-line message in MSG (TRACE_MSG
 * bytes):
 *   EINVAL  malformed: "PATH:LINE: error: WHAT" (LINE is never 0), also for
 *           a gzip stream cut short or corrupt, trailing bytes after it, or
 *           a line over TRACE_MAX_LINE bytes;
 *   ENOMEM  out of memory: "PATH:LINE: out of memory ...", naming how much
 *           was held;
 *   other   the file could not be opened or read (the errno): "PATH: ...". */
int trace_load(const char *path, uint64_t max_events, struct trace **out, char *msg);
void trace_free(struct trace *t);

/* trace_load on the LEN bytes at BUF (plain text), named NAME in messages;
 * for the fuzzers and the tests. */
int trace_parse_buffer(const char *name, const char *buf, size_t len, uint64_t max_events,
		       struct trace **out, char *msg);

struct trace_info {
	uint64_t events;   /* event lines */
	uint64_t creates;  /* c events */
	uint64_t allocs;   /* a events */
	uint64_t bytes;    /* sum of a sizes */
	uint64_t max_live_regions;   /* also the number of slots */
	uint64_t text_bytes;         /* bytes of text read (after gunzip) */
	uint64_t parse_ns;           /* time trace_load took */
	uint64_t mem_bytes;          /* memory the parsed trace holds */
	int truncated;               /* 1: stopped at MAX_EVENTS, more followed */
};
void trace_info(const struct trace *t, struct trace_info *out);

/* Event K (0-based, K < events) of T as parsed: its letter, its dense
 * region slot (ids are remapped at parse time), size and alignment. */
struct trace_event {
	char op;          /* 'c', 'a', 's', 'r' or 'd' */
	uint32_t slot;
	uint64_t size;    /* a, s */
	uint32_t align;   /* a: as written, 8 when left out */
};
void trace_event_get(const struct trace *t, uint64_t k, struct trace_event *out);

/* The parsed events as stored, for a replayer's loop: 16 bytes each. */
enum { TRACE_C, TRACE_A, TRACE_S, TRACE_R, TRACE_D };
struct trace_ev {
	uint64_t size;   /* a, s: bytes (at most TRACE_MAX_SIZE) */
	uint32_t slot;   /* dense region index, below max_live_regions */
	uint8_t op;      /* TRACE_* */
	uint8_t alog;    /* a: log2 of the alignment */
};
const struct trace_ev *trace_events(const struct trace *t);

/* Prints on F, in one line, how fast T was parsed (million events per
 * second) and the bytes it takes per parsed event. */
void trace_print_stats(const struct trace *t, const char *name, FILE *f);

#endif
