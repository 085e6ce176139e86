/* test-trace.c: the region trace parser, the trace writer and replay.
 *
 * The parser must accept every valid construct of docs/regiontrace.md and
 * reject each malformed kind with "NAME:LINE: error: WHAT" at the right line;
 * a trace written by trace_write.h must parse back to the same events; replay
 * must report one op per event and one region per c, and stop cleanly at a
 * backend limit. Replay reports to a wl_ctx of common/harness/harness.h.
 * With file arguments, loads each and prints its parse speed and memory per
 * event (trace_print_stats) instead: exit status 2 when one is malformed. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "check.h"
#include "harness.h"
#include "region.h"
#include "trace.h"
#include "trace_write.h"
#include "workload.h"

/* ---- helpers ------------------------------------------------------------ */

static char errtext[4096];

/* Parses the LEN bytes of TEXT as "t.trace"; stderr goes to errtext. Returns
 * trace_parse_buffer's result; *out is set only on 0. */
static int parse_n(const char *text, size_t len, struct trace **out)
{
	fflush(stderr);
	int saved = dup(2);
	FILE *tmp = tmpfile();
	if (saved < 0 || !tmp)
		return -1;
	dup2(fileno(tmp), 2);
	int r = trace_parse_buffer("t.trace", text, len, out);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	size_t n = fread(errtext, 1, sizeof errtext - 1, tmp);
	errtext[n] = 0;
	fclose(tmp);
	return r;
}

static int parse(const char *text, struct trace **out)
{
	return parse_n(text, strlen(text), out);
}

/* TEXT must be rejected at LINE with a message containing WHAT. */
static void reject(const char *text, int line, const char *what)
{
	struct trace *t = NULL;
	int r = parse(text, &t);
	char want[64];
	snprintf(want, sizeof want, "t.trace:%d: error: ", line);
	CHECK(r == 2, "parse returned %d for:\n%s", r, text);
	CHECK(!strncmp(errtext, want, strlen(want)), "want '%s...', got '%s'", want, errtext);
	CHECK(strstr(errtext, what) != NULL, "want '%s' in '%s'", what, errtext);
	CHECK(strchr(errtext, '\n') == errtext + strlen(errtext) - 1, "one line: '%s'", errtext);
	if (r == 0)
		trace_free(t);
}

/* ---- cases ------------------------------------------------------------- */

static const char spec_example[] =
	"# two requests, the second reads a socket into an oversized buffer\n"
	"regiontrace 1\n"
	"c 1\n" "a 1 24\n" "a 1 4096 64\n" "d 1\n" "c 2\n" "a 2 65536\n" "s 2 1500\n"
	"a 2 40\n" "r 2\n" "a 2 16\n" "d 2\n";

static void spec_example_parses(void)
{
	struct trace *t;
	REQUIRE(parse(spec_example, &t) == 0, "%s", errtext);
	struct trace_info i;
	trace_info(t, &i);
	CHECK(i.events == 11, "%llu", (unsigned long long)i.events);
	CHECK(i.creates == 2);
	CHECK(i.allocs == 5);
	CHECK(i.bytes == 24 + 4096 + 65536 + 40 + 16, "%llu", (unsigned long long)i.bytes);
	CHECK(i.max_live_regions == 1);
	struct trace_event e;
	trace_event_get(t, 2, &e);
	CHECK(e.op == 'a' && e.size == 4096 && e.align == 64);
	trace_event_get(t, 6, &e);
	CHECK(e.op == 's' && e.size == 1500);
	trace_event_get(t, 1, &e);
	CHECK(e.op == 'a' && e.align == 8, "the default alignment is 8");
	trace_free(t);
}

static void valid_constructs(void)
{
	const char *text =
		"\n"
		"   # comment after blanks\n"
		"\t#\ttab comment\n"
		"  regiontrace \t 1  \r\n"        /* blanks around, CRLF */
		"\n"
		"c\t4294967295\n"                  /* tab separator, largest id */
		"\ta 4294967295  1099511627776 4096\t\n"  /* largest size and align */
		"a 4294967295 1 1\n"              /* align 1, 2, 4 are raised at replay */
		"a 4294967295 3 2\n"
		"#c 7 in a comment is not an event\n"
		"c 0\n"
		"a 0 5 4\n"
		"s 0 5\n"                          /* shrink to the same size */
		"s 0 1\n"                          /* and again, smaller */
		"r 0\n"
		"a 0 007\n"                        /* leading zeros are still decimal */
		"d 0\n"
		"c 0\n"                            /* reuse after destroy */
		"d 0\n"
		"d 4294967295\n"
		"c 9\n";                           /* live at the end, no newline: fine */
	struct trace *t;
	REQUIRE(parse(text, &t) == 0, "%s", errtext);
	struct trace_info i;
	trace_info(t, &i);
	CHECK(i.events == 15, "%llu", (unsigned long long)i.events);
	CHECK(i.creates == 4);
	CHECK(i.allocs == 5);
	CHECK(i.bytes == 1099511627776ull + 1 + 3 + 5 + 7, "%llu", (unsigned long long)i.bytes);
	CHECK(i.max_live_regions == 2);
	struct trace_event e;
	trace_event_get(t, 1, &e);
	CHECK(e.op == 'a' && e.size == 1099511627776ull && e.align == 4096);
	trace_event_get(t, 2, &e);
	CHECK(e.align == 1);
	trace_free(t);

	/* Only comments and a header: an empty but valid trace. */
	REQUIRE(parse("# nothing\nregiontrace 1\n", &t) == 0, "%s", errtext);
	trace_info(t, &i);
	CHECK(i.events == 0);
	trace_free(t);
}

static void dense_slots(void)
{
	/* Ids far apart map to slots below the number live at once. */
	struct trace *t;
	REQUIRE(parse("regiontrace 1\nc 1000000\nc 7\nd 1000000\nc 3000000000\na 3000000000 8\n", &t) == 0,
		"%s", errtext);
	struct trace_event e0, e1, e3;
	trace_event_get(t, 0, &e0);
	trace_event_get(t, 1, &e1);
	trace_event_get(t, 3, &e3);
	CHECK(e0.slot < 2 && e1.slot < 2 && e0.slot != e1.slot);
	CHECK(e3.slot == e0.slot, "a destroyed region's slot is reused");
	trace_free(t);
}

static void malformed(void)
{
	reject("", 1, "missing header");
	reject("# only a comment\n\n", 2, "missing header");
	reject("c 1\n", 1, "missing header");
	reject("# x\nregiontrace 2\nc 1\n", 2, "unknown header");
	reject("regiontrace\n", 1, "unknown header");
	reject("regiontrace 1 x\n", 1, "unknown header");
	reject("regiontrace 1\nx 1\n", 2, "unknown event");
	reject("regiontrace 1\nca 1\n", 2, "unknown event");
	reject("regiontrace 1\nC 1\n", 2, "unknown event");
	reject("regiontrace 1\nc\n", 2, "wrong number of fields");
	reject("regiontrace 1\nc 1 2\n", 2, "wrong number of fields");
	reject("regiontrace 1\nc 1\na 1\n", 3, "wrong number of fields");
	reject("regiontrace 1\nc 1\na 1 8 8 8\n", 3, "wrong number of fields");
	reject("regiontrace 1\nc 1\na 1 8\ns 1\n", 4, "wrong number of fields");
	reject("regiontrace 1\nc 1\na 1 8\ns 1 4 8\n", 4, "wrong number of fields");
	reject("regiontrace 1\nc 1\nr 1 2\n", 3, "wrong number of fields");
	reject("regiontrace 1\nc 1\nd\n", 3, "wrong number of fields");
	reject("regiontrace 1\nc 1 # trailing comment\n", 2, "wrong number of fields");
	reject("regiontrace 1\nc -1\n", 2, "not a decimal number");
	reject("regiontrace 1\nc +1\n", 2, "not a decimal number");
	reject("regiontrace 1\nc 0x10\n", 2, "not a decimal number");
	reject("regiontrace 1\nc 1\na 1 1e3\n", 3, "not a decimal number");
	reject("regiontrace 1\nc 1\na 1 8 8.0\n", 3, "not a decimal number");
	reject("regiontrace 1\nc 4294967296\n", 2, "out of range");
	reject("regiontrace 1\nc 99999999999999999999999\n", 2, "out of range");
	reject("regiontrace 1\nc 1\na 1 0\n", 3, "out of range");
	reject("regiontrace 1\nc 1\na 1 1099511627777\n", 3, "out of range");
	reject("regiontrace 1\nc 1\na 1 8\ns 1 0\n", 4, "out of range");
	reject("regiontrace 1\nc 1\na 1 8 3\n", 3, "not a power of two");
	reject("regiontrace 1\nc 1\na 1 8 0\n", 3, "not a power of two");
	reject("regiontrace 1\nc 1\na 1 8 8192\n", 3, "out of range");
	reject("regiontrace 1\nc 1\na 1 8 18446744073709551616\n", 3, "out of range");
	reject("regiontrace 1\na 1 8\n", 2, "not live");
	reject("regiontrace 1\nc 1\nd 1\na 1 8\n", 4, "not live");
	reject("regiontrace 1\nc 1\ns 2 8\n", 3, "not live");
	reject("regiontrace 1\nr 1\n", 2, "not live");
	reject("regiontrace 1\nc 1\nd 1\nd 1\n", 4, "not live");
	reject("regiontrace 1\nc 1\nc 1\n", 3, "which is live (created at line 2)");
	reject("regiontrace 1\nc 1\ns 1 8\n", 3, "nothing to shrink");
	reject("regiontrace 1\nc 1\na 1 8\nr 1\ns 1 8\n", 5, "nothing to shrink");
	reject("regiontrace 1\nc 1\na 1 8\ns 1 9\n", 4, "larger");
	reject("regiontrace 1\nc 1\na 1 8\ns 1 4\ns 1 5\n", 5, "larger");
	/* A NUL byte inside a line is not a digit. */
	static const char nul[] = "regiontrace 1\nc 1\0\n";
	struct trace *t = NULL;
	CHECK(parse_n(nul, sizeof nul - 1, &t) == 2);
	CHECK(!strncmp(errtext, "t.trace:2: error: region id '1?' is not a decimal number", 50), "%s", errtext);
}

/* Writes TEXT to a fresh temporary file (gzip when GZ) and returns its path. */
static char *tmpfile_with(const char *text, size_t len, int gz, const char *suffix)
{
	static char path[64];
	snprintf(path, sizeof path, "/tmp/test-trace-XXXXXX%s", suffix);
	int fd = mkstemps(path, (int)strlen(suffix));
	if (fd < 0)
		return NULL;
	if (gz) {
		gzFile f = gzdopen(fd, "wb6");
		gzwrite(f, text, (unsigned)len);
		gzclose(f);
	} else {
		if (write(fd, text, len) != (ssize_t)len)
			path[0] = 0;
		close(fd);
	}
	return path;
}

static void load_files(void)
{
	struct trace *t;
	struct trace_info i;
	for (int gz = 0; gz < 2; gz++) {
		char *p = tmpfile_with(spec_example, strlen(spec_example), gz, gz ? ".trace.gz" : ".trace");
		REQUIRE(p && *p);
		CHECK(trace_load(p, &t) == 0, "gz %d", gz);
		trace_info(t, &i);
		CHECK(i.events == 11 && i.allocs == 5);
		trace_free(t);
		unlink(p);
	}
	/* A gzip file cut short is an error, not a shorter trace. */
	size_t big = 200000;
	char *text = malloc(big + 64);
	REQUIRE(text);
	size_t n = (size_t)sprintf(text, "regiontrace 1\nc 1\n");
	uint64_t s = 1;
	while (n < big)
		n += (size_t)sprintf(text + n, "a 1 %u\n", (unsigned)(wl_rand(&s) % 100000 + 1));
	char *p = tmpfile_with(text, n, 1, ".trace.gz");
	free(text);
	REQUIRE(p && *p);
	REQUIRE(trace_load(p, &t) == 0);
	trace_free(t);
	REQUIRE(truncate(p, 2000) == 0);
	fflush(stderr);
	int saved = dup(2), null = open("/dev/null", O_WRONLY);
	dup2(null, 2);
	int r = trace_load(p, &t);
	dup2(saved, 2);
	close(saved);
	close(null);
	CHECK(r == 2, "truncated gzip: %d", r);
	unlink(p);
	/* A missing file. */
	saved = dup(2);
	null = open("/dev/null", O_WRONLY);
	dup2(null, 2);
	r = trace_load("/nonexistent/x.trace", &t);
	dup2(saved, 2);
	close(saved);
	close(null);
	CHECK(r == 2);
}

/* Writes one seeded random valid event sequence with the writer (gzip when
 * GZ) and with fprintf; both must parse to the same events. */
static void writer_roundtrip_one(int gz)
{
	char wpath[64] = "/tmp/test-trace-w-XXXXXX", rpath[64] = "/tmp/test-trace-r-XXXXXX";
	int wfd = mkstemp(wpath), rfd = mkstemp(rpath);
	REQUIRE(wfd >= 0 && rfd >= 0);
	close(wfd);
	FILE *ref = fdopen(rfd, "w");
	struct trace_writer *w;
	REQUIRE(trace_writer_open(&w, wpath, "made by test-trace\nsecond comment line", gz ? 6 : 0) == 0);
	fprintf(ref, "regiontrace 1\n");

	enum { NR = 50 };
	uint32_t id[NR];
	int live[NR] = { 0 }, hasalloc[NR] = { 0 };
	uint64_t newest[NR], seed = 42 + gz, creates = 0, allocs = 0, bytes = 0, events = 0;
	for (int k = 0; k < NR; k++)
		id[k] = (uint32_t)wl_rand(&seed);
	for (int n = 0; n < 200000; n++) {
		uint64_t x = wl_rand(&seed);
		int k = (int)(x % NR);
		int what = (int)((x >> 8) % 100);
		if (!live[k]) {
			trace_write_create(w, id[k]);
			fprintf(ref, "c %u\n", id[k]);
			live[k] = 1;
			hasalloc[k] = 0;
			creates++;
		} else if (what < 80) {
			uint64_t size = (x >> 16) % 5000 + 1;
			if (what == 0)
				size = (1ull << 40) - (x >> 40);
			uint64_t align = 1ull << ((x >> 32) % 13);
			trace_write_alloc(w, id[k], size, align);
			fprintf(ref, "a %u %llu %llu\n", id[k], (unsigned long long)size,
				(unsigned long long)align);
			hasalloc[k] = 1;
			newest[k] = size;
			allocs++;
			bytes += size;
		} else if (what < 88 && hasalloc[k]) {
			uint64_t size = (x >> 16) % newest[k] + 1;
			trace_write_shrink(w, id[k], size);
			fprintf(ref, "s %u %llu\n", id[k], (unsigned long long)size);
			newest[k] = size;
		} else if (what < 94) {
			trace_write_reset(w, id[k]);
			fprintf(ref, "r %u\n", id[k]);
			hasalloc[k] = 0;
		} else {
			trace_write_destroy(w, id[k]);
			fprintf(ref, "d %u\n", id[k]);
			live[k] = 0;
			/* A destroyed id comes back later as a new region. */
		}
		events++;
	}
	REQUIRE(trace_writer_close(w) == 0);
	fclose(ref);

	struct trace *tw, *tr;
	REQUIRE(trace_load(wpath, &tw) == 0);
	REQUIRE(trace_load(rpath, &tr) == 0);
	struct trace_info iw, ir;
	trace_info(tw, &iw);
	trace_info(tr, &ir);
	CHECK(iw.events == events && ir.events == events, "%llu", (unsigned long long)iw.events);
	CHECK(iw.creates == creates && iw.allocs == allocs && iw.bytes == bytes);
	CHECK(!memcmp(&iw, &ir, sizeof iw));
	uint64_t diff = 0;
	for (uint64_t k = 0; k < events && k < iw.events && k < ir.events; k++) {
		struct trace_event a, b;
		trace_event_get(tw, k, &a);
		trace_event_get(tr, k, &b);
		if (a.op != b.op || a.slot != b.slot || a.size != b.size || a.align != b.align)
			diff++;
	}
	CHECK(diff == 0, "%llu events differ", (unsigned long long)diff);
	/* The file really is gzip when asked (magic 1f 8b), and text when not. */
	FILE *f = fopen(wpath, "rb");
	int c0 = fgetc(f), c1 = fgetc(f);
	fclose(f);
	CHECK(gz ? (c0 == 0x1f && c1 == 0x8b) : c0 == '#');
	trace_free(tw);
	trace_free(tr);
	unlink(wpath);
	unlink(rpath);
}

static void writer_roundtrip(void)
{
	writer_roundtrip_one(0);
	writer_roundtrip_one(1);
}

static void writer_errors(void)
{
	struct trace_writer *w;
	CHECK(trace_writer_open(&w, "/nonexistent/dir/x.trace", NULL, 0) == ENOENT);
	CHECK(trace_writer_open(&w, "/tmp/x.trace", NULL, 10) == EINVAL);
	/* A full device: the error comes back, sticky, at the latest from close. */
	if (access("/dev/full", W_OK) == 0) {
		REQUIRE(trace_writer_open(&w, "/dev/full", NULL, 0) == 0);
		int err = 0;
		for (int k = 0; k < 100000 && !err; k++)
			err = trace_write_create(w, (uint32_t)k);
		CHECK(err == ENOSPC, "%d", err);
		CHECK(trace_write_destroy(w, 1) == ENOSPC);
		CHECK(trace_writer_close(w) == ENOSPC);
	}
}

static void replay_counts(void)
{
	struct trace *t;
	/* Regions 3 and 4 stay live: replay must destroy them. */
	const char *text = "regiontrace 1\n"
		"c 1\na 1 24\na 1 4096 64\na 1 3 1\nd 1\n"
		"c 2\na 2 65536\ns 2 1500\na 2 40\nr 2\na 2 16\nd 2\n"
		"c 3\na 3 100000 4096\nc 4\na 4 1\nr 4\n";
	REQUIRE(parse(text, &t) == 0, "%s", errtext);
	struct trace_info i;
	trace_info(t, &i);
	struct region_stats before, after;
	region_stats_get(&before);
	struct wl_ctx ctx;
	REQUIRE(harness_init(&ctx, NULL, NULL, 1) == 0);
	harness_start(&ctx);
	CHECK(trace_replay(t, &ctx) == 0);
	harness_stop(&ctx);
	region_stats_get(&after);
	CHECK(ctx.total == i.events);
	CHECK(ctx.ops == i.events, "%llu of %llu", (unsigned long long)ctx.ops,
		(unsigned long long)i.events);
	CHECK(ctx.regions == i.creates && ctx.regions == 4);
	CHECK(!ctx.limited);
	harness_free(&ctx);
	CHECK(after.regions_live == before.regions_live, "regions still live at the end are destroyed");
	CHECK(after.allocs - before.allocs == i.allocs, "%llu", (unsigned long long)(after.allocs - before.allocs));
	CHECK(after.bytes_requested - before.bytes_requested == i.bytes);
	CHECK(after.bytes_live == before.bytes_live);
	trace_free(t);

	/* Progress counts every event of a trace longer than one batch. */
	char *big = malloc(1 << 20);
	REQUIRE(big);
	size_t n = (size_t)sprintf(big, "regiontrace 1\n");
	for (int k = 0; k < 5000; k++)
		n += (size_t)sprintf(big + n, k % 100 ? "a %d 16\n" : "c %d\n", k / 100);
	REQUIRE(trace_parse_buffer("big", big, n, &t) == 0);
	free(big);
	trace_info(t, &i);
	struct wl_ctx c2;
	REQUIRE(harness_init(&c2, NULL, NULL, 1) == 0);
	harness_start(&c2);
	CHECK(trace_replay(t, &c2) == 0);
	harness_stop(&c2);
	CHECK(c2.ops == 5000 && i.events == 5000 && c2.regions == 50);
	CHECK(c2.n > 100, "samples spread over the replay: %zu", c2.n);
	harness_free(&c2);
	trace_free(t);
}

/* Run first, before any region exists, as region_limit_set requires. */
static int limit_ok;
static void replay_limit(void)
{
	struct trace *t;
	/* 64 MiB in one region and in all: more than the 4 MiB limit. */
	char text[4096];
	size_t n = (size_t)sprintf(text, "regiontrace 1\nc 1\nc 2\n");
	for (int k = 0; k < 64; k++)
		n += (size_t)sprintf(text + n, "a %d 1048576\n", 1 + k % 2);
	REQUIRE(parse(text, &t) == 0, "%s", errtext);
	struct wl_ctx ctx;
	REQUIRE(harness_init(&ctx, NULL, NULL, 1) == 0);
	harness_start(&ctx);
	/* wl_limit says which limit on stderr; keep it out of the test output. */
	fflush(stderr);
	int saved = dup(2), null = open("/dev/null", O_WRONLY);
	dup2(null, 2);
	int r = trace_replay(t, &ctx);
	dup2(saved, 2);
	close(saved);
	close(null);
	harness_stop(&ctx);
	CHECK(r == 1);
	CHECK(ctx.limited, "wl_limit named the limit");
	CHECK(ctx.limit_err != REGION_OK && ctx.limit_err != REGION_EINVAL, "%s",
		region_strerror(ctx.limit_err));
	CHECK(ctx.ops < ctx.total);
	harness_free(&ctx);
	struct region_stats s;
	region_stats_get(&s);
	CHECK(s.regions_live == 0, "the live regions are destroyed after the limit");
	trace_free(t);
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		int rc = 0;
		for (int k = 1; k < argc; k++) {
			struct trace *t;
			if (trace_load(argv[k], &t)) {
				rc = 2;
				continue;
			}
			trace_print_stats(t, stdout);
			trace_free(t);
		}
		return rc;
	}
	limit_ok = region_limit_set(4u << 20) == 0;
	if (limit_ok)
		check_case("replay-limit", replay_limit);
	check_case("spec-example", spec_example_parses);
	check_case("valid-constructs", valid_constructs);
	check_case("dense-slots", dense_slots);
	check_case("malformed", malformed);
	check_case("load-files", load_files);
	check_case("writer-roundtrip", writer_roundtrip);
	check_case("writer-errors", writer_errors);
	check_case("replay-counts", replay_counts);
	return check_done();
}
