/* workload.h: what a workload is, and what the driver offers it.
 *
 * A workload is one file under workloads/ that defines a `struct workload`
 * and is listed in workloads/registry.c. It does its work through region.h
 * alone, is deterministic for a given seed, and reports progress in ops so
 * the driver can sample memory at evenly spaced points of the work (not of
 * wall time), which lines up backends of different speed. */
#ifndef WORKLOAD_H
#define WORKLOAD_H

#include <stdint.h>
#include <stdio.h>

#include "region.h"

struct wl_ctx;

struct wl_param {
	const char *name;     /* --NAME=VALUE on the command line */
	int64_t def, min, max;
	const char *help;     /* one line, with the unit */
	int64_t quick;        /* value under --quick (make bench QUICK=1), sized
	                       * for a run well under a second; 0: the default */
};

/* What a workload's run returns; the driver exits with it (0, 1, 2, 3).
 * WL_EINPUT: its input was bad (a malformed trace), after saying where. */
enum { WL_OK = 0, WL_LIMIT = 1, WL_EINPUT = 2, WL_ESYS = 3 };

struct workload {
	const char *name;
	const char *help;                /* one line */
	const struct wl_param *params;   /* ends with an entry whose name is NULL */
	/* Runs the workload. Returns WL_OK, WL_LIMIT when a backend limit
	 * stopped it (after wl_limit has said which), WL_EINPUT for bad input
	 * (after saying where), or WL_ESYS when the system failed it (after
	 * wl_syserr has said how). Output goes to OUT. */
	int (*run)(struct wl_ctx *ctx, FILE *out);
};

/* The registry: every workload, NULL-ended (workloads/registry.c). */
extern const struct workload *const wl_registry[];

/* The value of a parameter the workload declared. */
int64_t wl_param(const struct wl_ctx *ctx, const char *name);
uint64_t wl_seed(const struct wl_ctx *ctx);

/* Announces how many ops the whole run will do, before the first
 * wl_progress; sample points are spread evenly over them. */
void wl_set_total_ops(struct wl_ctx *ctx, uint64_t total);

/* Adds N ops done. Cheap unless a sample point is crossed; safe from
 * several threads at once. */
void wl_progress(struct wl_ctx *ctx, uint64_t n);

/* Takes a sample now (phase ends, spikes); not from several threads at once. */
void wl_sample(struct wl_ctx *ctx);

/* Counts one region created, for the summary's regions column. Thread-safe. */
void wl_count_region(struct wl_ctx *ctx);

/* Says on stderr which backend limit stopped the workload (err is a
 * REGION_* code, what says what was being done); returns WL_LIMIT, which
 * the caller returns. */
int wl_limit(struct wl_ctx *ctx, int err, const char *what);

/* Says on stderr that a system call or I/O failed (ERRNUM an errno value,
 * WHAT what was being done), not a backend limit; the caller returns the
 * result, WL_ESYS. */
int wl_syserr(struct wl_ctx *ctx, int errnum, const char *what);

/* Values specific to the workload, such as capacity's max_live_regions:
 * members of the summary's one JSON column, extra (common/harness/json.c).
 * wl_extra sets a string, wl_extra_u64 an integer, wl_extra_f64 a real (6
 * significant digits; not finite: null). Names must be stable
 * (scripts/report reads them). Thread-safe. */
void wl_extra(struct wl_ctx *ctx, const char *name, const char *value);
void wl_extra_u64(struct wl_ctx *ctx, const char *name, uint64_t v);
void wl_extra_f64(struct wl_ctx *ctx, const char *name, double v);

/* The workload's own work starts now: what came before (parsing a trace,
 * building inputs) is setup, outside wall time, CPU times and faults; the
 * kernel's high-water mark is reset and start RSS is taken here. Optional,
 * once, before the first wl_progress; without it the work starts just
 * before run. */
void wl_mark_start(struct wl_ctx *ctx);

/* region_create, region_reset and region_destroy for workloads: the same
 * calls, timed one by one when the driver runs with --latency (then
 * wl_latency_on is 1; common/harness/latency.c). Otherwise the cost is one
 * load and one predictable branch. */
enum { WL_CREATE, WL_RESET, WL_DESTROY };
extern int wl_latency_on;
int wl_timed_create(region_t **out);
void wl_timed_reset(region_t *r);
void wl_timed_destroy(region_t *r);

static inline int wl_create(region_t **out)
{
	if (__builtin_expect(wl_latency_on, 0))
		return wl_timed_create(out);
	return region_create(out);
}

static inline void wl_reset(region_t *r)
{
	if (__builtin_expect(wl_latency_on, 0))
		wl_timed_reset(r);
	else
		region_reset(r);
}

static inline void wl_destroy(region_t *r)
{
	if (__builtin_expect(wl_latency_on, 0))
		wl_timed_destroy(r);
	else
		region_destroy(r);
}

/* ---- trace tooling and child workloads (h-trace) ---- */
/* The file of `replay FILE`, or NULL in a plain `run`. */
const char *wl_target(const struct wl_ctx *ctx);
/* Whether memory from the page source gets transparent huge pages (--thp). */
int wl_thp(void);
/* `check TRACE...`: loads each trace, prints its parse speed and bytes per
 * event on OUT; returns WL_OK or the WL_* of the worst failure
 * (workloads/replay.c). */
int wl_check_traces(int n, char **files, FILE *out);

/* splitmix64: the one seeded generator every workload uses. */
static inline uint64_t wl_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

#endif
