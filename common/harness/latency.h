/* latency.h: the time of every region_create, region_reset and
 * region_destroy under --latency, into log-bucketed histograms.
 *
 * The clock is the TSC (lfence;rdtsc before, rdtscp;lfence after) where
 * the CPU says it is invariant, converted to ns against CLOCK_MONOTONIC over the run itself;
 * elsewhere CLOCK_MONOTONIC. The timer's own cost, the median of 2001 empty
 * timings taken when timing is enabled, is subtracted from every sample.
 * Buckets: exact below 32 ticks, then 16 a power of two (at most 1/16, ~6%,
 * apart); a percentile is its bucket's midpoint, never above the exact max.
 * Each thread fills its own histogram (mapped by mbuf); they are merged
 * after the run. */
#ifndef LATENCY_H
#define LATENCY_H

#include <stdint.h>

#include "csv.h"
#include "workload.h"

/* Turns timing on for this process and measures the timer's cost. Returns
 * 0, or an errno value (timing stays off). */
int latency_enable(void);

/* Marks the start and the end of the timed run (harness_start and
 * harness_stop call them): the span that converts ticks to ns. */
void latency_begin(void);
void latency_end(void);

struct latency_figures {
	uint64_t n;                      /* calls timed; 0: no figures */
	double p50, p99, p999, max;      /* ns */
};

/* The figures of KIND (WL_CREATE, WL_RESET, WL_DESTROY) over every thread. */
void latency_get(int kind, struct latency_figures *out);

/* The merged histograms as CSV text into OUT: the header
 * op,bucket_low_ns,bucket_high_ns,count and one row per non-empty bucket
 * (op: create, reset or destroy). */
void latency_histogram(struct csv_buf *out);

/* The clock used ("tsc" or "clock_gettime") and its cost subtracted, ns. */
const char *latency_timer(void);
double latency_overhead_ns(void);

#endif
