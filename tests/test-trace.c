/* test-trace.c: the region trace parser and the trace writer, once (no
 * backend is linked; tests/trace.sh runs it, and replay on every backend).
 *
 * The parser must accept every valid construct of docs/regiontrace.md and
 * reject each malformed kind with "NAME:LINE: error: WHAT" at the right line
 * (never line 0), also for a gzip stream cut anywhere, followed by other
 * bytes, or a line over the length limit; out of memory is ENOMEM with a
 * message naming the limit; a prefix stops where asked; a trace written by
 * trace_write.h must parse back to the same events. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "check.h"
#include "trace.h"
#include "trace_write.h"
#include "workload.h"

/* No backend is linked: check.c names the cases "trace/CASE". */
const char *region_backend(void)
{
	return "trace";
}

/* ---- helpers ------------------------------------------------------------ */

static char errtext[TRACE_MSG];

/* Parses the LEN bytes of TEXT as "t.trace", the message into errtext.
 * Returns trace_parse_buffer's result; *out is set only on 0. */
static int parse_n(const char *text, size_t len, struct trace **out)
{
	return trace_parse_buffer("t.trace", text, len, 0, out, errtext);
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
	CHECK(r == EINVAL, "parse returned %d for:\n%s", r, text);
	CHECK(!strncmp(errtext, want, strlen(want)), "want '%s...', got '%s'", want, errtext);
	CHECK(strstr(errtext, what) != NULL, "want '%s' in '%s'", what, errtext);
	CHECK(!strchr(errtext, '\n'), "one line: '%s'", errtext);
	if (r == 0)
		trace_free(t);
}

/* ---- cases ------------------------------------------------------------- */

static const char spec_example[] =
	"# two requests, the second reads a socket into an oversized buffer\n"
	"regiontrace 1\n"
	"c 1\n" "a 1 24\n" "a 1 4096 64\n" "d 1\n" "c 2\n" "a 2 65536\n" "s 2 1500\n"
	"a 2 40\n" "r 2\n" "a 2 16\n" "d 2\n";

/* T, parsed from WHAT, holds EVENTS events, CREATES creates, ALLOCS
 * allocations of BYTES in all, and at most MAX_LIVE regions alive at once. */
static void check_counts(const struct trace *t, const char *what, unsigned long long events,
	unsigned long long creates, unsigned long long allocs, unsigned long long bytes,
	unsigned long long max_live)
{
	struct trace_info i;
	trace_info(t, &i);
	CHECK(i.events == events && i.creates == creates && i.allocs == allocs && i.bytes == bytes &&
		i.max_live_regions == max_live,
		"%s: %llu events, %llu creates, %llu allocs, %llu bytes, %llu live at most", what,
		(unsigned long long)i.events, (unsigned long long)i.creates, (unsigned long long)i.allocs,
		(unsigned long long)i.bytes, (unsigned long long)i.max_live_regions);
}

static void spec_example_parses(void)
{
	struct trace *t;
	REQUIRE(parse(spec_example, &t) == 0, "%s", errtext);
	check_counts(t, "the spec's example", 11, 2, 5, 24 + 4096 + 65536 + 40 + 16, 1);
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
	check_counts(t, "the edge cases", 15, 4, 5, 1099511627776ull + 1 + 3 + 5 + 7, 2);
	struct trace_event e;
	trace_event_get(t, 1, &e);
	CHECK(e.op == 'a' && e.size == 1099511627776ull && e.align == 4096);
	trace_event_get(t, 2, &e);
	CHECK(e.align == 1);
	trace_free(t);

	/* Only comments and a header: an empty but valid trace. */
	REQUIRE(parse("# nothing\nregiontrace 1\n", &t) == 0, "%s", errtext);
	check_counts(t, "comments and a header", 0, 0, 0, 0, 0);
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
	reject("", 1, "empty");
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
	CHECK(parse_n(nul, sizeof nul - 1, &t) == EINVAL);
	CHECK(!strncmp(errtext, "t.trace:2: error: region id '1?' is not a decimal number", 50), "%s", errtext);
	/* A line up to the limit is read; one byte more is rejected. */
	char *line = malloc(TRACE_MAX_LINE + 64);
	REQUIRE(line);
	int n = sprintf(line, "regiontrace 1\n#");
	memset(line + n, 'x', TRACE_MAX_LINE - 1);
	n += TRACE_MAX_LINE - 1;
	n += sprintf(line + n, "\nc 1\n");
	CHECK(parse_n(line, (size_t)n, &t) == 0, "%s", errtext);
	if (errtext[0] == 0)
		trace_free(t);
	memmove(line + 15, line + 14, (size_t)n - 14);
	CHECK(parse_n(line, (size_t)n + 1, &t) == EINVAL);
	CHECK(strstr(errtext, "t.trace:2: error: line longer than 4096 bytes") == errtext, "%s", errtext);
	free(line);
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

/* trace_load of PATH (whole); the message into errtext. */
static int load(const char *path, struct trace **t)
{
	return trace_load(path, 0, t, errtext);
}

/* The text of a valid trace of about LEN bytes in *N bytes (malloc'd). */
static char *big_text(size_t len, size_t *n)
{
	char *text = malloc(len + 64);
	if (!text)
		return NULL;
	*n = (size_t)sprintf(text, "regiontrace 1\nc 1\n");
	uint64_t s = 1;
	while (*n < len)
		*n += (size_t)sprintf(text + *n, "a 1 %u\n", (unsigned)(wl_rand(&s) % 100000 + 1));
	return text;
}

static void load_files(void)
{
	struct trace *t;
	struct trace_info i;
	for (int gz = 0; gz < 2; gz++) {
		char *p = tmpfile_with(spec_example, strlen(spec_example), gz, gz ? ".trace.gz" : ".trace");
		REQUIRE(p && *p);
		CHECK(load(p, &t) == 0, "gz %d: %s", gz, errtext);
		trace_info(t, &i);
		CHECK(i.events == 11 && i.allocs == 5);
		CHECK(i.text_bytes == strlen(spec_example));
		trace_free(t);
		unlink(p);
	}
	/* A missing file: its errno, and a message naming it. */
	CHECK(load("/nonexistent/x.trace", &t) == ENOENT);
	CHECK(strstr(errtext, "/nonexistent/x.trace: cannot open") == errtext, "%s", errtext);
	/* An empty file says so, at line 1. */
	char *p = tmpfile_with("", 0, 0, ".trace");
	REQUIRE(p && *p);
	CHECK(load(p, &t) == EINVAL);
	CHECK(strstr(errtext, ":1: error: the file is empty") != NULL, "%s", errtext);
	unlink(p);
	/* Endless bytes with no newline stop at the line limit, not at memory. */
	CHECK(load("/dev/zero", &t) == EINVAL);
	CHECK(!strcmp(errtext, "/dev/zero:1: error: line longer than 4096 bytes (the format's limit)"),
	      "%s", errtext);
}

/* A gzip trace cut at any point is reported as cut short (or, cut inside
 * its 8-byte trailer, as failing its check): never by the message of a
 * partial last line, never at line 0. Also two members in one file are one
 * trace, and other bytes after the stream are an error. */
static void gzip_stream(void)
{
	size_t n;
	char *text = big_text(300000, &n);
	REQUIRE(text);
	char *p = tmpfile_with(text, n, 1, ".trace.gz");
	REQUIRE(p && *p);
	struct trace *t;
	REQUIRE(load(p, &t) == 0, "%s", errtext);
	struct trace_info whole;
	trace_info(t, &whole);
	trace_free(t);
	FILE *f = fopen(p, "rb");
	REQUIRE(f);
	static unsigned char gz[1 << 20];
	size_t len = fread(gz, 1, sizeof gz, f);
	fclose(f);
	REQUIRE(len > 1000 && len < sizeof gz);
	unsigned bad = 0, cuts = 0;
	char first_bad[TRACE_MSG] = "";
	for (size_t cut = 0; cut < len; cut += cut < 64 || len - cut < 64 ? 1 : 997) {
		f = fopen(p, "wb");
		fwrite(gz, 1, cut, f);
		fclose(f);
		int r = load(p, &t);
		cuts++;
		int ok = r == EINVAL && !strstr(errtext, ":0:") &&
			(cut < 2 ? strstr(errtext, "missing header") || strstr(errtext, "empty")
			 : strstr(errtext, "cut short") || (len - cut <= 8 && strstr(errtext, "check")));
		if (!ok && !bad++)
			snprintf(first_bad, sizeof first_bad, "cut at %zu of %zu: %d '%s'", cut, len, r, errtext);
		if (r == 0)
			trace_free(t);
	}
	CHECK(bad == 0, "%u of %u cut points misreported; first: %s", bad, cuts, first_bad);
	/* Two members: one trace of their text in order. */
	f = fopen(p, "wb");
	fwrite(gz, 1, len, f);
	fclose(f);
	gzFile g = gzopen(p, "ab");
	gzwrite(g, "c 2\na 2 5\n", 10);
	gzclose(g);
	CHECK(load(p, &t) == 0, "%s", errtext);
	if (!errtext[0]) {
		struct trace_info i;
		trace_info(t, &i);
		CHECK(i.events == whole.events + 2, "%llu", (unsigned long long)i.events);
		trace_free(t);
	}
	/* Anything else after the stream is an error. */
	f = fopen(p, "wb");
	fwrite(gz, 1, len, f);
	fputs("trailing garbage\n", f);
	fclose(f);
	CHECK(load(p, &t) == EINVAL);
	CHECK(strstr(errtext, "other bytes follow the gzip stream"), "%s", errtext);
	unlink(p);
	free(text);
}

/* The first N events only: a prefix, marked as such when more followed. */
static void prefix(void)
{
	struct trace *t;
	struct trace_info i;
	REQUIRE(trace_parse_buffer("t", spec_example, strlen(spec_example), 4, &t, errtext) == 0);
	trace_info(t, &i);
	CHECK(i.events == 4 && i.truncated == 1 && i.creates == 1 && i.allocs == 2);
	trace_free(t);
	REQUIRE(trace_parse_buffer("t", spec_example, strlen(spec_example), 11, &t, errtext) == 0);
	trace_info(t, &i);
	CHECK(i.events == 11 && i.truncated == 0, "the whole trace is not a prefix");
	trace_free(t);
	/* An error past the prefix is never read. */
	static const char late[] = "regiontrace 1\nc 1\nd 1\nd 1\n";
	CHECK(trace_parse_buffer("t", late, sizeof late - 1, 2, &t, errtext) == 0, "%s", errtext);
	if (!errtext[0])
		trace_free(t);
}

/* Out of memory is ENOMEM, with a message naming the limit. In a child,
 * under an address-space limit the trace cannot fit in. */
static void out_of_memory(void)
{
	size_t n;
	char *text = big_text(4u << 20, &n);   /* 16 bytes an event: 8+ MiB parsed */
	REQUIRE(text);
	int fds[2];
	REQUIRE(pipe(fds) == 0);
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		struct rlimit rl;
		getrlimit(RLIMIT_AS, &rl);
		FILE *m = fopen("/proc/self/statm", "r");
		unsigned long long pages = 0;
		if (!m || fscanf(m, "%llu", &pages) != 1)
			_exit(9);
		rl.rlim_cur = pages * 4096 + (6u << 20);
		setrlimit(RLIMIT_AS, &rl);
		struct trace *t;
		int r = trace_parse_buffer("big.trace", text, n, 0, &t, errtext);
		write(fds[1], errtext, strlen(errtext) + 1);
		_exit(r == ENOMEM ? 0 : 1);
	}
	close(fds[1]);
	char msg[TRACE_MSG] = "";
	ssize_t got = read(fds[0], msg, sizeof msg - 1);
	close(fds[0]);
	int st;
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: '%s'", st, got > 0 ? msg : "");
	CHECK(strstr(msg, "big.trace:") == msg && strstr(msg, "out of memory") &&
	      strstr(msg, "ulimit -v"), "%s", msg);
	free(text);
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
	REQUIRE(load(wpath, &tw) == 0, "%s", errtext);
	REQUIRE(load(rpath, &tr) == 0, "%s", errtext);
	struct trace_info iw, ir;
	trace_info(tw, &iw);
	trace_info(tr, &ir);
	CHECK(iw.events == events && ir.events == events, "%llu", (unsigned long long)iw.events);
	CHECK(iw.creates == creates && iw.allocs == allocs && iw.bytes == bytes);
	CHECK(iw.creates == ir.creates && iw.allocs == ir.allocs && iw.bytes == ir.bytes &&
	      iw.max_live_regions == ir.max_live_regions && iw.mem_bytes == ir.mem_bytes);
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

int main(void)
{
	check_case("spec-example", spec_example_parses);
	check_case("valid-constructs", valid_constructs);
	check_case("dense-slots", dense_slots);
	check_case("malformed", malformed);
	check_case("load-files", load_files);
	check_case("gzip-stream", gzip_stream);
	check_case("prefix", prefix);
	check_case("out-of-memory", out_of_memory);
	check_case("writer-roundtrip", writer_roundtrip);
	check_case("writer-errors", writer_errors);
	return check_done();
}
