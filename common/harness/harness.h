/* harness.h: the measuring side of workload.h, for the driver and tests.
 *
 * A wl_ctx carries a run's parameters and collects its samples: one at
 * harness_start, one each time progress crosses the next of about 400
 * evenly spaced points of the announced total (the thread that crosses it
 * samples; a trylock keeps two threads from sampling at once), one per
 * wl_sample, and one at harness_stop. Sampling time stays inside wall_s and
 * is also added up in sampling_s (the final sample, taken after the clock
 * stopped, is in neither), so its share can be checked.
 * Peak RSS is the kernel's high-water mark (VmHWM), reset at harness_start
 * by writing 5 to /proc/self/clear_refs, so no spike between samples is
 * missed. Samples and extras live in mbuf memory, outside every backend's
 * malloc. */
#ifndef HARNESS_H
#define HARNESS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "csv.h"
#include "metrics.h"
#include "workload.h"

#define HARNESS_POINTS 400   /* evenly spaced samples over the total ops */

struct harness_sample {
	uint64_t ops, bytes_allocated, live_bytes, committed_bytes;
	struct metrics m;         /* faults counted from harness_start */
	double wall_s;            /* since harness_start */
	int64_t lazyfree_bytes;   /* -1: not read at this point (cost budget) */
};

struct wl_ctx {
	const struct workload *wl;   /* the workload run (replay for a trace) */
	const int64_t *values;       /* one per parameter of wl */
	const char *target;          /* replay FILE: the file, else NULL */
	uint64_t seed;
	char prog[64];               /* "regionbench-<backend>", for messages */
	_Atomic uint64_t ops, next, regions;
	uint64_t total, step;
	pthread_mutex_t lock;        /* held while a sample is taken */
	struct harness_sample *samples;
	size_t n, cap, dropped;
	double t0, wall_s, lazy_s;
	double sampling_s, sampling_cpu_s;   /* wall and CPU time inside samples */
	struct metrics base;
	double user_s, sys_s;        /* getrusage(RUSAGE_SELF): every thread */
	uint64_t start_rss;          /* at harness_start (or wl_mark_start) */
	int hwm_reset;               /* 0: VmHWM could not be reset (see peak) */
	_Atomic int limited;
	int limit_err;
	int syserr;                  /* errno of wl_syserr, 0: none */
	struct csv_buf extra;        /* members of the extra JSON object */
};

/* Prepares C for a run of WL (NULL: none, for tests) with VALUES (one per
 * parameter, owned by the caller). Returns 0, or an errno value. */
int harness_init(struct wl_ctx *c, const struct workload *wl,
		 const int64_t *values, uint64_t seed);
void harness_free(struct wl_ctx *c);

/* Starts the clock and takes the first sample. */
void harness_start(struct wl_ctx *c);

/* Stops the clock (wall_s) and takes the final sample, LazyFree included. */
void harness_stop(struct wl_ctx *c);

/* The run's peak RSS in bytes: VmHWM read at harness_stop, or the largest
 * sample where that is higher (the kernel's per-CPU batching of RSS can
 * leave VmHWM pages below it). Where VmHWM could not be reset it includes
 * the setup before harness_start; where it cannot be read, the largest
 * sample. *HOW says which: "vmhwm", "vmhwm-unreset" or "sampled". */
uint64_t harness_peak_rss(const struct wl_ctx *c, const char **how);

#endif
