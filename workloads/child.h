/* child.h: a workload's child processes and the fixed format they report in.
 *
 * serialize and fork-share measure in fresh processes: this program
 * re-executed (/proc/self/exe) as `run WORKLOAD ARGS... --child=FD`, FD one
 * end of a socketpair whose other end the parent keeps. Both ends are the
 * same binary, so they exchange plain structs: the parent sends a task of
 * the workload's own type, the child answers with one struct child_report.
 * No text is parsed either way. A child that reported exits 0 whatever it
 * found (the report says what failed); the parent turns a failed report
 * into the run's result with child_result. */
#ifndef CHILD_H
#define CHILD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "workload.h"

struct child_report {
	int32_t status;        /* WL_OK, WL_LIMIT or WL_ESYS */
	int32_t err;           /* WL_LIMIT: a REGION_* code; WL_ESYS: an errno */
	int64_t pid;
	uint64_t base;         /* fork-share: where the child mapped the image */
	uint64_t sum;          /* the checksum of the child's walk */
	double load_s, check_s;   /* serialize: loading, then checking */
	char what[192];        /* what was being done when it failed */
};

struct child {
	pid_t pid;
	int fd;                /* the parent's end of the socketpair */
};

/* Starts `/proc/self/exe run WORKLOAD ARGS... --child=FD` (ARGS NULL-ended)
 * with its stdout on /dev/null (its own summary is not the parent's) and
 * the descriptors in KEEP (-1 ended) inherited. Returns 0, or an errno. */
int child_start(struct child *c, const char *workload, const char *const *args, const int *keep);

/* Sends or receives exactly LEN bytes on FD. Returns 0, EPIPE when the
 * other end closed before all of it came, or an errno. */
int child_send(int fd, const void *p, size_t len);
int child_recv(int fd, void *p, size_t len);

/* Closes the parent's end and waits for the child. Returns 0 when it
 * exited 0; otherwise -1 with how it ended in WHY. */
int child_wait(struct child *c, char *why, size_t cap);

/* In a child: sets R's pid and sends R on FD. Returns WL_OK when sent (the
 * child's run returns it), else WL_ESYS. */
int child_report(int fd, struct child_report *r);

/* In the parent: the run's result for child number INDEX's report R,
 * naming a limit (wl_limit) or a failure (wl_syserr) as R says. */
int child_result(struct wl_ctx *ctx, int index, const struct child_report *r);

/* Fills R as failed with STATUS, ERR and the text FMT. Returns STATUS. */
int child_fail(struct child_report *r, int status, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
