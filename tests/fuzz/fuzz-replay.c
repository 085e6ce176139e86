/* fuzz-replay.c: libFuzzer target for the replay workload under a small pool.
 *
 * Writes the input to a memfd and runs the replay workload (workloads/
 * replay.c) on it through the real harness, on the backend linked in (make
 * fuzz FUZZ_BACKEND=..., default blocks) capped by region_limit_set at
 * FUZZ_POOL bytes, so pool exhaustion, large and aligned allocations, shrink
 * and reset all run. A trace the parser accepts must replay whole or stop
 * at a named limit; afterwards no region may be live and no byte allocated. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "harness.h"
#include "region.h"
#include "trace.h"

#define FUZZ_POOL (8u << 20)

extern const struct workload wl_replay;
static int fd = -1;
static char path[64];
static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int r = region_limit_set(FUZZ_POOL);
	fd = memfd_create("fuzz-replay", 0);
	devnull = fopen("/dev/null", "w");
	if ((r && r != REGION_ENOTSUP) || fd < 0 || !devnull)
		abort();
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace *t;
	char msg[TRACE_MSG];
	int parsed = trace_parse_buffer("fuzz", (const char *)data, size, 0, &t, msg) == 0;
	struct trace_info i = {0};
	if (parsed) {
		trace_info(t, &i);
		trace_free(t);
	}
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	int64_t events = 0;   /* the whole trace */
	struct wl_ctx c;
	if (harness_init(&c, &wl_replay, &events, 1))
		abort();
	c.target = path;
	harness_start(&c);
	int rc = wl_replay.run(&c, devnull);
	harness_stop(&c);
	/* A gzip input may parse from the file and not as text, never the reverse. */
	if (parsed && rc == WL_EINPUT)
		abort();
	if (rc != WL_OK && rc != WL_LIMIT && rc != WL_EINPUT)
		abort();
	if (rc == WL_LIMIT && (!c.limited || c.limit_err == REGION_OK || c.limit_err == REGION_EINVAL))
		abort();
	if (parsed && (c.total != i.events || (rc == WL_OK && (c.ops != i.events || c.regions != i.creates))))
		abort();
	harness_free(&c);
	struct region_stats s;
	region_stats_get(&s);
	if (s.regions_live != 0 || s.bytes_live != 0)
		abort();
	return 0;
}
