/* micro.h: the C side of the Google Benchmark shim (shim.cc).
 *
 * Benchmarks are C functions taking an opaque state; the shim registers them
 * with Google Benchmark and runs them. A benchmark loops on mb_batch(s, N),
 * doing N operations per call, so Google Benchmark's per-iteration time is
 * the time of one operation and the loop's own cost is amortised. */
#ifndef MICRO_H
#define MICRO_H

#include <stdint.h>

struct mb_state;   /* a benchmark::State */
typedef void mb_fn(struct mb_state *s, int64_t arg);

/* Registers FN as NAME/ARG (or NAME when ARG < 0). */
void mb_register(const char *name, mb_fn *fn, int64_t arg);

/* True while the benchmark should run another batch of N operations. */
int mb_batch(struct mb_state *s, int64_t n);

/* Ends the benchmark with an error (it is reported, not timed). */
void mb_error(struct mb_state *s, const char *msg);

/* A key and value for the JSON output's context (backend, policy, ...). */
void mb_context(const char *key, const char *value);

/* Registers every benchmark (micro.c). */
void mb_register_all(void);

#endif
