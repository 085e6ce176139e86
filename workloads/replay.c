/* replay.c: a region trace (docs/regiontrace.md) as a workload, and the
 * driver's `check TRACE...`.
 *
 * `replay FILE` loads and checks the whole trace (or its first --events)
 * with common/trace/trace.h, marks the start of the measured work, then
 * runs every event through region.h: each allocated byte is written (as a
 * program initialises what it allocates, so RSS reflects the trace),
 * alignments below REGION_MIN_ALIGN are raised to it, and regions still
 * live at the end are destroyed. The parsed trace and the region table are
 * mapped directly, outside the backend's allocator, and counted in
 * start_rss. One op per event; one region per c. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "region.h"
#include "trace.h"
#include "workload.h"

#define QUICK_EVENTS 200000   /* replay --quick: this prefix of the trace */

/* What a trace_load error means for the run. */
static int status_of(int err)
{
	return err == EINVAL ? WL_EINPUT : err == ENOMEM ? WL_LIMIT : WL_ESYS;
}

/* Events per wl_progress call: at most 1024 (the call stays off the
 * profile), and fine enough that every sample point of a short trace is
 * crossed on its own. */
static uint64_t batch_of(uint64_t n)
{
	uint64_t b = n / 4096;
	return b < 1 ? 1 : b > 1024 ? 1024 : b;
}

/* Runs the N events EV over SLOTS regions. Returns WL_OK or WL_LIMIT. */
static int play(struct wl_ctx *ctx, const struct trace_ev *ev, uint64_t n,
		region_t **reg, void **newest, uint32_t slots)
{
	char what[96];
	int rc = WL_OK;
	uint64_t done = 0, batch = batch_of(n);
	for (uint64_t k = 0; k < n; k++) {
		const struct trace_ev *e = &ev[k];
		region_t *r = reg[e->slot];
		switch (e->op) {
		case TRACE_C: {
			int err = wl_create(&reg[e->slot]);
			if (err) {
				snprintf(what, sizeof what, "creating a region (event %" PRIu64 ")", k + 1);
				rc = wl_limit(ctx, err, what);
				goto out;
			}
			newest[e->slot] = NULL;
			wl_count_region(ctx);
			break;
		}
		case TRACE_A: {
			size_t align = (size_t)1 << e->alog;
			void *p = region_alloc(r, (size_t)e->size, align < REGION_MIN_ALIGN ? REGION_MIN_ALIGN : align);
			if (!p) {
				snprintf(what, sizeof what, "allocating %" PRIu64 " bytes (event %" PRIu64 ")",
					 e->size, k + 1);
				rc = wl_limit(ctx, region_error(r), what);
				goto out;
			}
			memset(p, (int)(k & 0xff) | 1, (size_t)e->size);
			newest[e->slot] = p;
			break;
		}
		case TRACE_S: {
			int err = region_shrink(r, newest[e->slot], (size_t)e->size);
			if (err) {
				snprintf(what, sizeof what, "shrinking to %" PRIu64 " bytes (event %" PRIu64 ")",
					 e->size, k + 1);
				rc = wl_limit(ctx, err, what);
				goto out;
			}
			break;
		}
		case TRACE_R:
			wl_reset(r);
			newest[e->slot] = NULL;
			break;
		case TRACE_D:
			wl_destroy(r);
			reg[e->slot] = NULL;
			break;
		}
		if (k + 1 - done == batch) {
			wl_progress(ctx, batch);
			done = k + 1;
		}
	}
out:
	for (uint32_t i = 0; i < slots; i++) {
		wl_destroy(reg[i]);
		reg[i] = NULL;
	}
	if (rc == WL_OK && n > done)
		wl_progress(ctx, n - done);
	return rc;
}

static int run(struct wl_ctx *ctx, FILE *out)
{
	const char *path = wl_target(ctx);
	if (!path) {
		fprintf(stderr, "replay: no trace; want `replay FILE` (a .trace or .trace.gz file)\n");
		return WL_EINPUT;
	}
	struct trace *t;
	char msg[TRACE_MSG];
	int err = trace_load(path, (uint64_t)wl_param(ctx, "events"), &t, msg);
	if (status_of(err) == WL_LIMIT)
		return wl_limit(ctx, REGION_ENOMEM, msg);
	if (err) {
		fprintf(stderr, "%s\n", msg);
		return status_of(err) == WL_EINPUT ? WL_EINPUT : wl_syserr(ctx, err, "loading the trace");
	}
	struct trace_info i;
	trace_info(t, &i);
	uint32_t slots = i.max_live_regions ? (uint32_t)i.max_live_regions : 1;
	size_t table = 2 * (size_t)slots * sizeof(void *);
	void **mem = mmap(NULL, table, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		trace_free(t);
		return wl_limit(ctx, REGION_ENOMEM, "mapping the replay's region table");
	}
	wl_set_total_ops(ctx, i.events);
	/* How the parse went, for the summary row: it ran before, unmeasured. */
	wl_extra_f64(ctx, "parse_events_per_s", i.parse_ns ? i.events / (i.parse_ns / 1e9) : 0.0);
	wl_extra_f64(ctx, "parse_bytes_per_event", (double)i.mem_bytes / (i.events ? i.events : 1));
	wl_extra_u64(ctx, "trace_prefix", (uint64_t)i.truncated);
	wl_mark_start(ctx);
	int rc = play(ctx, trace_events(t), i.events, (region_t **)mem, mem + slots, slots);
	if (rc == WL_OK)
		fprintf(out, "replay: %" PRIu64 " events%s of %s\n", i.events,
			i.truncated ? " (a prefix)" : "", path);
	munmap(mem, table);
	trace_free(t);
	return rc;
}

int wl_check_traces(int n, char **files, FILE *out)
{
	int worst = WL_OK;
	if (n == 0 || files[0][0] == '-') {
		fprintf(stderr, "check: want `check TRACE...`, one or more .trace or .trace.gz files\n");
		return WL_EINPUT;
	}
	for (int k = 0; k < n; k++) {
		struct trace *t;
		char msg[TRACE_MSG];
		int err = trace_load(files[k], 0, &t, msg);
		if (err) {
			fprintf(stderr, "%s\n", msg);
			/* The worst: system failure, then bad input, then a limit. */
			int s = status_of(err);
			worst = s > worst ? s : worst;
			continue;
		}
		trace_print_stats(t, files[k], out);
		trace_free(t);
	}
	return worst;
}

static const struct wl_param params[] = {
	{ .name = "events", .def = 0, .min = 0, .max = INT64_MAX, .quick = QUICK_EVENTS,
	  .help = "replay only the first this many events (0: all)" },
	{ .name = NULL },
};

const struct workload wl_replay = {
	.name = "replay",
	.help = "a region trace: replay FILE [--events=N] (docs/regiontrace.md)",
	.params = params,
	.run = run,
};
