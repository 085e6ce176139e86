/* metrics.h: what the harness reads about the process, and what it costs.
 *
 * RSS and VSZ come from /proc/self/statm, page-table bytes and the RSS
 * high-water mark from VmPTE and VmHWM in /proc/self/status, faults from
 * getrusage: each read through a descriptor kept open (pread at offset 0),
 * microseconds a sample (docs/measuring.md), so a series of a few hundred
 * points costs milliseconds. LazyFree comes from /proc/smaps_rollup,
 * milliseconds a read when the process maps much: callers ration it. */
#ifndef METRICS_H
#define METRICS_H

#include <stdint.h>

struct metrics {
	uint64_t rss_bytes, vsz_bytes, page_table_bytes;
	uint64_t hwm_bytes;                    /* VmHWM: peak RSS since reset */
	uint64_t minor_faults, major_faults;   /* since process start */
};

/* Opens the /proc files. Returns 0, or an errno value (nothing is open then). */
int metrics_open(void);
void metrics_close(void);

/* Reads the cheap figures into *m; a figure that cannot be read is 0. */
void metrics_read(struct metrics *m);

/* LazyFree bytes of the whole process (MADV_FREE'd, still resident), or -1
 * when smaps_rollup cannot be read. Expensive: see above. */
int64_t metrics_lazyfree(void);

/* Resets VmHWM to the current RSS (writes 5 to /proc/self/clear_refs).
 * Returns 0, or an errno value (older kernels, a read-only /proc). */
int metrics_hwm_reset(void);

/* User and system CPU seconds of the whole process, every thread. */
void metrics_cpu(double *user_s, double *sys_s);

/* Seconds on the monotonic clock. */
double metrics_now(void);

/* CPU seconds the calling thread has used. */
double metrics_thread_cpu(void);

#endif
