/* driver.c: regionbench-<backend>, the program that runs one workload (or
 * replays one trace) on the backend it was linked with and writes what was
 * measured: a summary row (--csv, appended whole) and a time series sampled
 * by progress (--series, written whole); `calibrate` measures the machine.
 * Subcommands are the table `commands`. Everything on the command line is
 * checked and every output opened before anything runs; unless the run
 * completes nothing is written and a file the run created is removed.
 * Exit status: 0 done, 1 a backend limit (or out of memory), 2 bad input,
 * 3 a system or I/O failure. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "calibrate.h"
#include "csv.h"
#include "harness.h"
#include "json.h"
#include "latency.h"
#include "pages.h"
#include "region.h"
#include "workload.h"

#ifndef REGION_BUILD
#define REGION_BUILD "unknown-flags"
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SAN_NOTE " sanitized"
#else
#define SAN_NOTE ""
#endif
#define STR_(x) #x
#define STR(x) STR_(x)
static const char build_text[] = REGION_BUILD " debug=" STR(REGION_DEBUG) SAN_NOTE;

static char prog[64];

/* Outputs opened before the run. drop_outputs (at exit, and on a signal)
 * removes what the run would have written: the temporary files of the
 * files written whole, and the summary file if this run created it and it
 * is still empty. */
enum { OUT_SERIES, OUT_HIST, OUT_WHOLE };   /* files written whole */
static struct {
	const char *csv;
	int csv_fd, csv_created;
	struct { int fd; char tmp[4096]; } whole[OUT_WHOLE];
} outs = { .csv_fd = -1, .whole = {{.fd = -1}, {.fd = -1}} };

static void drop_outputs(void)
{
	for (int i = 0; i < OUT_WHOLE; i++) {
		if (outs.whole[i].fd >= 0)
			close(outs.whole[i].fd);
		if (outs.whole[i].tmp[0])
			unlink(outs.whole[i].tmp);
		outs.whole[i].fd = -1;
		outs.whole[i].tmp[0] = '\0';
	}
	csv_abandon_append(outs.csv, outs.csv_fd, outs.csv_created);
	outs.csv_fd = -1;
}

static const char options[] =
	"options: --csv FILE     append one summary row (header first if FILE is new or empty)\n"
	"         --series FILE  write the time series sampled by progress\n"
	"         --seed N       seed of the workload's generator (default 1)\n"
	"         --policy NAME  reclaim policy (see `policies`)\n"
	"         --thp          transparent huge pages on committed memory\n"
	"         --limit BYTES  cap the backend's pool (blocks, wide offsets) or each\n"
	"                        region's reservation (contiguous), to reach limits\n"
	"         --quick        every parameter at its small quick value\n"
	"         --rep N        repetition number written in the rep column (default 1)\n"
	"         --latency      time every region_create, region_reset and region_destroy\n"
	"                        into the latency columns (a run of its own: it costs time)\n"
	"calibrate measures this machine's fault, madvise, mmap, memcpy and page-cache\n"
	"costs, as what,value,unit rows (docs/machine.md)\n"
	"exit status: 0 done, 1 a backend limit or out of memory, 2 bad input,\n"
	"             3 a system or I/O failure\n";

/* Says what went wrong on one line and exits with STATUS. */
static void __attribute__((noreturn, format(printf, 2, 3))) die(int status, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

/* Bad input: what was wrong and what would be right. */
#define bad(...) die(2, __VA_ARGS__)
/* Out of memory is a limit of the machine, not bad input. */
#define oom(what) die(1, "out of memory %s", what)

struct opts {
	const char *cmd, *csv, *series, *policy;
	const char **words;    /* the command's own words (WORKLOAD, FILE, ...) */
	int nwords;
	uint64_t seed, limit, rep;
	int thp, quick, names, policies, latency;
	const char **params;   /* the --NAME=VALUE words not taken as options */
	int nparams;
};

static int cmd_list(struct opts *o);
static int cmd_run(struct opts *o);
static int cmd_calibrate(struct opts *o);
static int cmd_check(struct opts *o);

/* The subcommands: a name, its synopsis, and how many words it takes
 * after its name (-1: any number). */
static const struct command {
	const char *name, *synopsis;
	int (*fn)(struct opts *o);
	int words;
} commands[] = {
	{"list", "list [--names | --policies]", cmd_list, 0},
	{"policies", "policies", cmd_list, 0},
	{"run", "run WORKLOAD [--PARAM=VALUE ...] [OPTIONS]", cmd_run, 1},
	{"replay", "replay FILE [--events=N] [OPTIONS]", cmd_run, 1},
	{"check", "check TRACE...   validate traces; print parse speed and bytes per event", cmd_check, -1},
	{"calibrate", "calibrate [--csv FILE]", cmd_calibrate, 0},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(void)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		printf("%s %s %s\n", i ? "      " : "usage:", prog, commands[i].synopsis);
	fputs(options, stdout);
}

/* The command names, comma separated. */
static const char *command_names(char *buf, size_t cap)
{
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < NCOMMANDS && len < cap; i++)
		len += snprintf(buf + len, cap - len, "%s%s", i ? ", " : "", commands[i].name);
	return buf;
}

static const struct workload *find_workload(const char *name)
{
	for (int i = 0; wl_registry[i]; i++)
		if (strcmp(wl_registry[i]->name, name) == 0)
			return wl_registry[i];
	return NULL;
}

/* The names `run` takes, comma separated, into BUF. */
static const char *workload_names(char *buf, size_t cap)
{
	size_t len = 0;
	buf[0] = '\0';
	for (int i = 0; wl_registry[i] && len < cap; i++)
		if (strcmp(wl_registry[i]->name, "replay") != 0)   /* run by `replay FILE` */
			len += snprintf(buf + len, cap - len, "%s%s", len ? ", " : "", wl_registry[i]->name);
	return buf;
}

static const char *policy_names(char *buf, size_t cap)
{
	const char *const *p = region_policies();
	size_t len = 0;
	buf[0] = '\0';
	for (int i = 0; p[i] && len < cap; i++)
		len += snprintf(buf + len, cap - len, "%s%s", i ? ", " : "", p[i]);
	return buf;
}

/* Takes the value of option NAME from "--NAME=V" or the next word. */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
	const char *eq = strchr(argv[*i], '=');
	if (eq)
		return eq + 1;
	if (*i + 1 >= argc)
		bad("%s needs a value; want %s %s", name, name,
		    strcmp(name, "--seed") == 0 ? "N" : strcmp(name, "--policy") == 0 ? "NAME" :
		    strcmp(name, "--limit") == 0 ? "BYTES" : "FILE");
	return argv[++*i];
}

/* Is ARG the option NAME, alone or as NAME=...? */
static int is_opt(const char *arg, const char *name)
{
	size_t n = strlen(name);
	return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

static void parse(int argc, char **argv, struct opts *o)
{
	memset(o, 0, sizeof *o);
	o->seed = 1;
	o->rep = 1;
	o->params = calloc(argc, sizeof *o->params);
	o->words = calloc(argc, sizeof *o->words);
	if (!o->params || !o->words)
		oom("parsing the command line");
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage();
			exit(0);
		} else if (is_opt(a, "--csv")) {
			o->csv = opt_value(argc, argv, &i, "--csv");
		} else if (is_opt(a, "--series")) {
			o->series = opt_value(argc, argv, &i, "--series");
		} else if (is_opt(a, "--policy")) {
			o->policy = opt_value(argc, argv, &i, "--policy");
		} else if (is_opt(a, "--seed")) {
			const char *v = opt_value(argc, argv, &i, "--seed");
			char *end;
			errno = 0;
			unsigned long long s = strtoull(v, &end, 0);
			if (!*v || *end || errno || *v == '-')
				bad("--seed %s: not an unsigned integer; want --seed N with 0 <= N < 2^64", v);
			o->seed = s;
		} else if (is_opt(a, "--limit")) {
			const char *v = opt_value(argc, argv, &i, "--limit");
			char *end;
			errno = 0;
			unsigned long long l = strtoull(v, &end, 10);
			if (!*v || *end || errno || *v == '-' || l == 0)
				bad("--limit %s: not a positive integer; want --limit BYTES, the pool "
				    "(or per-region reservation) size to cap the backend at", v);
			o->limit = l;
		} else if (is_opt(a, "--rep")) {
			const char *v = opt_value(argc, argv, &i, "--rep");
			char *end;
			errno = 0;
			unsigned long long r = strtoull(v, &end, 10);
			if (!*v || *end || errno || *v == '-' || r == 0 || r > 1000000)
				bad("--rep %s: not a repetition number; want --rep N with 1 <= N <= 1000000", v);
			o->rep = r;
		} else if (strcmp(a, "--latency") == 0) {
			o->latency = 1;
		} else if (strcmp(a, "--thp") == 0) {
			o->thp = 1;
		} else if (strcmp(a, "--quick") == 0) {
			o->quick = 1;
		} else if (strcmp(a, "--names") == 0 && o->cmd && strcmp(o->cmd, "list") == 0) {
			o->names = 1;
		} else if (strcmp(a, "--policies") == 0 && o->cmd && strcmp(o->cmd, "list") == 0) {
			o->policies = 1;
		} else if (strncmp(a, "--", 2) == 0 && o->cmd &&
			   (strcmp(o->cmd, "run") == 0 || strcmp(o->cmd, "replay") == 0)) {
			o->params[o->nparams++] = a;   /* checked once the workload is known */
		} else if (a[0] == '-' && a[1]) {
			bad("unknown option %s; valid: --csv FILE, --series FILE, --seed N, --policy NAME, "
			    "--thp, --quick, --limit BYTES, --rep N, --latency%s", a,
			    o->cmd && strcmp(o->cmd, "list") == 0 ? ", --names, --policies" :
			    o->cmd && strcmp(o->cmd, "run") == 0 ? ", --PARAM=VALUE after the workload" : "");
		} else if (!o->cmd) {
			o->cmd = a;
		} else {
			o->words[o->nwords++] = a;   /* checked against the command */
		}
	}
}

/* Reads "--NAME=VALUE" words into VALUES (one per parameter of W, already
 * holding the defaults); exits 2 on anything not right. */
static void set_params(const struct workload *w, const struct opts *o, int64_t *values)
{
	for (int k = 0; k < o->nparams; k++) {
		const char *a = o->params[k] + 2;
		const char *eq = strchr(a, '=');
		size_t len = eq ? (size_t)(eq - a) : strlen(a);
		int i;
		for (i = 0; w->params[i].name; i++)
			if (strlen(w->params[i].name) == len && strncmp(w->params[i].name, a, len) == 0)
				break;
		const struct wl_param *p = &w->params[i];
		if (!p->name) {
			char valid[1024];
			size_t n = 0;
			valid[0] = '\0';
			for (int j = 0; w->params[j].name && n < sizeof valid; j++)
				n += snprintf(valid + n, sizeof valid - n, "%s--%s", j ? ", " : "", w->params[j].name);
			bad("unknown parameter --%.*s for %s; valid: %s", (int)len, a, w->name,
			    n ? valid : "none (it takes no parameters)");
		}
		if (!eq || !eq[1])
			bad("--%s needs a value; want --%s=N with %" PRId64 " <= N <= %" PRId64,
			    p->name, p->name, p->min, p->max);
		char *end;
		errno = 0;
		long long v = strtoll(eq + 1, &end, 10);
		if (*end || !(eq[1] == '-' || eq[1] == '+' || (eq[1] >= '0' && eq[1] <= '9')))
			bad("--%s=%s: not an integer; want --%s=N with %" PRId64 " <= N <= %" PRId64,
			    p->name, eq + 1, p->name, p->min, p->max);
		if (errno == ERANGE || v < p->min || v > p->max)
			bad("--%s=%s: out of range; want %" PRId64 " <= %s <= %" PRId64 " (%s)",
			    p->name, eq + 1, p->min, p->name, p->max, p->help);
		values[i] = v;
	}
}

/* Opens PATH (given as option WHAT) to be written whole later, as output
 * I; exits 2 if it cannot be. */
static void open_whole(int i, const char *what, const char *path)
{
	int err = csv_open_whole(path, outs.whole[i].tmp, sizeof outs.whole[i].tmp, &outs.whole[i].fd);
	if (err)
		bad("%s %s: cannot write there (%s); want a file in an existing, writable directory",
		    what, path, strerror(err));
}

/* Writes output I whole: LEN bytes of DATA to PATH. Exits 1 (memory) or
 * 3 if that fails. */
static void finish_whole(int i, const char *what, const char *path, const char *data,
			 size_t len, int oom_)
{
	int err = oom_ ? ENOMEM : csv_finish_whole(outs.whole[i].fd, outs.whole[i].tmp, path, data, len);
	if (oom_)
		close(outs.whole[i].fd);
	outs.whole[i].fd = -1;
	outs.whole[i].tmp[0] = '\0';
	if (err)
		die(err == ENOMEM ? 1 : 3, "%s %s: cannot write it (%s)", what, path, strerror(err));
}

/* The latency histogram's file: the series' name with .latency.csv for
 * .csv ("x.csv" -> "x.latency.csv"), where scripts/ look for it. */
static char hist_path[4096];

/* Opens the outputs of a run (exits 2 if one cannot be written, having
 * created nothing): the summary file, checked against HEADER, and the
 * series' temporary file. The same file for both is refused. */
static void open_outputs(const struct opts *o, const char *header)
{
	struct stat a, b;
	if (o->csv && o->series && strcmp(o->csv, o->series) == 0)
		bad("--csv and --series are both %s; want two different files", o->csv);
	if (o->csv) {
		int err = csv_open_append(o->csv, header, &outs.csv_fd, &outs.csv_created);
		if (err == EEXIST)
			bad("--csv %s: the file has a different header (another version?); "
			    "want a new file or one this version wrote", o->csv);
		if (err)
			bad("--csv %s: cannot write there (%s); want a file in an existing, writable directory",
			    o->csv, strerror(err));
		outs.csv = o->csv;
	}
	if (o->series) {
		if (o->csv && stat(o->series, &a) == 0 && fstat(outs.csv_fd, &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			bad("--csv %s and --series %s are the same file; want two different files",
			    o->csv, o->series);
		open_whole(OUT_SERIES, "--series", o->series);
		if (o->latency) {
			size_t n = strlen(o->series);
			if (n > 4 && strcmp(o->series + n - 4, ".csv") == 0)
				n -= 4;
			snprintf(hist_path, sizeof hist_path, "%.*s.latency.csv", (int)n, o->series);
			open_whole(OUT_HIST, "--series (its latency histogram)", hist_path);
		}
	}
}

/* The columns of the summary: names, and values as offsets into text. */
struct summary {
	const char *name[80];
	size_t off[80];
	int n;
	struct csv_buf text;   /* the values, each ending in a NUL */
};

static const char *value(const struct summary *s, int i)
{
	return s->text.s + s->off[i];
}

static void put_str(struct summary *s, const char *name, const char *v)
{
	s->name[s->n] = name;
	s->off[s->n++] = s->text.len;
	csv_put(&s->text, v, strlen(v) + 1);
}

static void __attribute__((format(printf, 3, 4)))
put(struct summary *s, const char *name, const char *fmt, ...)
{
	char v[128];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v, sizeof v, fmt, ap);
	va_end(ap);
	put_str(s, name, v);
}

/* A count, or an empty value (not measured) unless KNOWN. */
static void put_count(struct summary *s, const char *name, int known, uint64_t v)
{
	if (known)
		put(s, name, "%" PRIu64, v);
	else
		put_str(s, name, "");
}

/* A latency in ns, or empty (no --latency, or no such call timed). */
static void put_ns(struct summary *s, const char *name, int known, double ns)
{
	if (known)
		put(s, name, "%.0f", ns);
	else
		put_str(s, name, "");
}

/* Fills S from the finished run in C (or, for the header, from a context
 * with one empty sample). The columns of tests/golden/summary-header.csv:
 * new ones go at the end, in the order docs/measuring.md gives. */
static void summarize(struct summary *s, struct wl_ctx *c, const char *workload,
		      const char *params, const struct opts *o)
{
	const struct harness_sample *x = c->samples, *last = &x[c->n - 1];
	uint64_t peak_rss = 0, peak_vsz = 0, peak_live = 0, peak_pte = 0, peak_commit = 0;
	for (size_t i = 0; i < c->n; i++) {
		peak_rss = x[i].m.rss_bytes > peak_rss ? x[i].m.rss_bytes : peak_rss;
		peak_vsz = x[i].m.vsz_bytes > peak_vsz ? x[i].m.vsz_bytes : peak_vsz;
		peak_live = x[i].live_bytes > peak_live ? x[i].live_bytes : peak_live;
		peak_pte = x[i].m.page_table_bytes > peak_pte ? x[i].m.page_table_bytes : peak_pte;
		peak_commit = x[i].committed_bytes > peak_commit ? x[i].committed_bytes : peak_commit;
	}
	const char *peak_how;
	uint64_t hwm = harness_peak_rss(c, &peak_how);
	struct region_stats st;
	struct pages_counts pc;
	region_stats_get(&st);
	pages_counts_get(&pc);
	uint64_t ops = atomic_load(&c->ops);
	/* Syscalls a backend's library makes where no one can count them
	 * (glibc malloc) are "not measured" (empty), never a partial figure. */
	int counted = !pc.unmeasured;
	s->n = 0;
	s->text.len = 0;
	put(s, "backend", "%s", region_backend());
	/* Huge pages are part of how memory is given back: a "+thp" run is
	 * told apart from the plain one wherever policies are compared. Only
	 * memory from the page source gets them: for a backend that took none
	 * (the baselines) --thp changed nothing and is not claimed. */
	int thp = o->thp && pc.calls > 0;
	put(s, "policy", "%s%s", region_policy(), thp ? "+thp" : "");
	put_str(s, "workload", workload);
	put_str(s, "params", params);
	put(s, "ops", "%" PRIu64, ops);
	put(s, "regions", "%" PRIu64, (uint64_t)atomic_load(&c->regions));
	put(s, "allocs", "%" PRIu64, st.allocs);
	put(s, "bytes_requested", "%" PRIu64, st.bytes_requested);
	put(s, "peak_live_bytes", "%" PRIu64, peak_live);
	put(s, "peak_rss_bytes", "%" PRIu64, hwm);
	put(s, "final_rss_bytes", "%" PRIu64, last->m.rss_bytes);
	put(s, "peak_vsz_bytes", "%" PRIu64, peak_vsz);
	put(s, "page_table_bytes", "%" PRIu64, last->m.page_table_bytes);
	put(s, "minor_faults", "%" PRIu64, last->m.minor_faults);
	put(s, "major_faults", "%" PRIu64, last->m.major_faults);
	put(s, "wall_s", "%.6f", c->wall_s);
	put(s, "ops_per_s", "%.6g", c->wall_s > 0 ? ops / c->wall_s : 0.0);
	put_count(s, "mmap_calls", counted, pc.mmap_calls);
	put_count(s, "munmap_calls", counted, pc.munmap_calls);
	put_count(s, "madvise_calls", counted, pc.madvise_calls);
	put_count(s, "mprotect_calls", counted, pc.mprotect_calls);
	put_count(s, "lazy_madvise_calls", counted, pc.lazy_calls);
	put(s, "thp", "%d", thp);
	put(s, "limit_bytes", "%" PRIu64, o->limit);
	put(s, "ref_bits", "%d", REGION_REF_BITS);
	put(s, "seed", "%" PRIu64, o->seed);
	put_str(s, "build", build_text);
	put(s, "peak_page_table_bytes", "%" PRIu64, peak_pte);
	put(s, "peak_committed_bytes", "%" PRIu64, peak_commit);
	put_count(s, "final_lazyfree_bytes", last->lazyfree_bytes >= 0,
		  (uint64_t)last->lazyfree_bytes);
	put(s, "samples", "%zu", c->n);
	put(s, "sampling_s", "%.6f", c->sampling_s);
	put(s, "sampling_cpu_s", "%.6f", c->sampling_cpu_s);
	const char *slash = o->series ? strrchr(o->series, '/') : NULL;
	put_str(s, "series", slash ? slash + 1 : o->series ? o->series : "");
	/* The one JSON column: the workload's members, then the harness's
	 * notes on how this row was measured where that is not the usual.
	 * (The dry summary for the header has wall_s 0 and adds none.) */
	struct csv_buf obj = {0};
	if (strcmp(peak_how, "vmhwm") != 0 && c->wall_s > 0)
		json_str(&c->extra, "peak_rss_from", peak_how);
	if (o->latency && c->wall_s > 0) {
		json_str(&c->extra, "latency_timer", latency_timer());
		json_f64(&c->extra, "latency_timer_overhead_ns", latency_overhead_ns());
	}
	json_text(&c->extra, &obj);
	put_str(s, "extra", obj.oom ? "{}" : obj.s);
	csv_buf_free(&obj);
	put(s, "rep", "%" PRIu64, o->rep);
	put(s, "user_s", "%.6f", c->user_s);
	put(s, "sys_s", "%.6f", c->sys_s);
	put(s, "start_rss_bytes", "%" PRIu64, c->start_rss);
	put(s, "peak_rss_sampled_bytes", "%" PRIu64, peak_rss);
	static const char *const lat_col[3][4] = {
		{"create_p50_ns", "create_p99_ns", "create_p999_ns", "create_max_ns"},
		{"reset_p50_ns", "reset_p99_ns", "reset_p999_ns", "reset_max_ns"},
		{"destroy_p50_ns", "destroy_p99_ns", "destroy_p999_ns", "destroy_max_ns"},
	};
	for (int k = 0; k < 3; k++) {
		struct latency_figures f = {0};
		if (o->latency && c->wall_s > 0)
			latency_get(k, &f);
		put_ns(s, lat_col[k][0], f.n > 0, f.p50);
		put_ns(s, lat_col[k][1], f.n > 0, f.p99);
		put_ns(s, lat_col[k][2], f.n > 0, f.p999);
		put_ns(s, lat_col[k][3], f.n > 0, f.max);
	}
}

/* The summary as a CSV row: header and value line. */
static void summary_row(const struct summary *s, struct csv_row *r)
{
	csv_row_init(r);
	for (int i = 0; i < s->n; i++)
		csv_str(r, s->name[i], value(s, i));
}

/* The series: one line per sample, header first. */
static void write_series(const char *path, const struct wl_ctx *c)
{
	struct csv_row r;
	struct csv_buf out = {0};
	uint64_t final_ops = c->samples[c->n - 1].ops;
	csv_row_init(&r);
	for (size_t i = 0; i < c->n; i++) {
		const struct harness_sample *x = &c->samples[i];
		csv_row_clear(&r);
		csv_u64(&r, "ops", x->ops);
		csv_f64(&r, "done_pct", final_ops ? 100.0 * x->ops / final_ops : 0.0);
		csv_u64(&r, "bytes_allocated", x->bytes_allocated);
		csv_u64(&r, "live_bytes", x->live_bytes);
		csv_u64(&r, "committed_bytes", x->committed_bytes);
		csv_u64(&r, "rss_bytes", x->m.rss_bytes);
		csv_u64(&r, "vsz_bytes", x->m.vsz_bytes);
		csv_u64(&r, "page_table_bytes", x->m.page_table_bytes);
		if (x->lazyfree_bytes >= 0)
			csv_i64(&r, "lazyfree_bytes", x->lazyfree_bytes);
		else
			csv_none(&r, "lazyfree_bytes");
		csv_u64(&r, "minor_faults", x->m.minor_faults);
		csv_u64(&r, "major_faults", x->m.major_faults);
		csv_f64(&r, "wall_s", x->wall_s);
		if (i == 0) {
			csv_put(&out, r.head.s, r.head.len);
			csv_put(&out, "\n", 1);
		}
		csv_put(&out, r.vals.s, r.vals.len);
		csv_put(&out, "\n", 1);
	}
	finish_whole(OUT_SERIES, "--series", path, out.s, out.len, out.oom || r.head.oom || r.vals.oom);
	csv_row_free(&r);
	csv_buf_free(&out);
}

static void on_signal(int sig)
{
	drop_outputs();
	signal(sig, SIG_DFL);
	raise(sig);
}

static int cmd_list(struct opts *o)
{
	const char *const *pol = region_policies();
	if (o->policies || strcmp(o->cmd, "policies") == 0) {
		for (int i = 0; pol[i]; i++)
			printf("%s\n", pol[i]);
		return 0;
	}
	if (o->names) {   /* what `run` takes: replay is `replay FILE` */
		for (int i = 0; wl_registry[i]; i++)
			if (strcmp(wl_registry[i]->name, "replay") != 0)
				printf("%s\n", wl_registry[i]->name);
		return 0;
	}
	printf("workloads (run WORKLOAD --PARAM=VALUE ...; --quick uses the quick values):\n");
	for (int i = 0; wl_registry[i]; i++) {
		const struct workload *w = wl_registry[i];
		printf("  %-16s %s\n", w->name, w->help);
		for (const struct wl_param *p = w->params; p->name; p++) {
			char arg[64];
			snprintf(arg, sizeof arg, "--%s=%" PRId64, p->name, p->def);
			printf("      %-24s %s [%" PRId64 "..%" PRId64 "]", arg, p->help, p->min, p->max);
			if (p->quick)
				printf(" quick %" PRId64, p->quick);
			printf("\n");
		}
	}
	char buf[512];
	printf("policies of %s: %s (the first is the default)\n", region_backend(),
	       policy_names(buf, sizeof buf));
	printf("check TRACE... checks traces and prints their parse speed (see --help)\n");
	return 0;
}

static int cmd_check(struct opts *o)
{
	return wl_check_traces(o->nwords, (char **)o->words, stdout);   /* workloads/replay.c */
}

/* The workload name of a trace file: its name without directories and
 * without everything from the first dot ("x/web.trace.gz" is "web"). */
static char *trace_name(const char *path)
{
	const char *base = strrchr(path, '/');
	char *name = strdup(base ? base + 1 : path);
	if (name) {
		char *dot = strchr(name, '.');
		if (dot && dot != name)
			*dot = '\0';
	}
	return name;
}

static int cmd_calibrate(struct opts *o)
{
	if (o->series || o->policy || o->thp || o->quick || o->limit || o->latency || o->nparams)
		bad("calibrate takes only --csv FILE; want calibrate [--csv FILE]");
	char dir[4096] = ".";
	if (o->csv) {
		open_whole(OUT_SERIES, "--csv", o->csv);
		const char *slash = strrchr(o->csv, '/');
		if (slash)
			snprintf(dir, sizeof dir, "%.*s", slash == o->csv ? 1 : (int)(slash - o->csv), o->csv);
	}
	struct calib_figure f[CALIB_FIGURES];
	const char *what;
	int err = calibrate_measure(dir, f, &what);
	if (err)
		die(3, "calibrate: %s failed (%s)", what, strerror(err));
	struct csv_buf out = {0};
	char line[160];
	csv_put(&out, "what,value,unit\n", 16);
	for (int i = 0; i < CALIB_FIGURES; i++) {
		int n = snprintf(line, sizeof line, "%s,%.6g,%s\n", f[i].what, f[i].value, f[i].unit);
		csv_put(&out, line, n);
	}
	if (out.oom)
		oom("writing the calibration");
	fputs(out.s, stdout);
	if (o->csv)
		finish_whole(OUT_SERIES, "--csv", o->csv, out.s, out.len, 0);
	csv_buf_free(&out);
	return 0;
}

static int cmd_run(struct opts *o)
{
	char buf[2048];
	int is_run = strcmp(o->cmd, "run") == 0;
	const char *target = o->nwords ? o->words[0] : NULL;

	/* Check everything before running anything. */
	const struct workload *w = NULL;
	static int64_t *values;
	static struct csv_buf params;
	static char *name;
	if (!is_run) {
		struct stat st;
		if (!target)
			bad("replay needs a trace file; want replay FILE (a .trace or .trace.gz file)");
		if (stat(target, &st) != 0 || access(target, R_OK) != 0)
			bad("replay %s: cannot read it (%s); want a region trace file (.trace or .trace.gz)",
			    target, strerror(errno));
		if (S_ISDIR(st.st_mode))
			bad("replay %s: is a directory; want a region trace file (.trace or .trace.gz)",
			    target);
		snprintf(buf, sizeof buf, "trace=%s;", target);
		csv_put(&params, buf, strlen(buf));
	} else if (!target) {
		bad("run needs a workload; valid: %s", workload_names(buf, sizeof buf));
	}
	w = find_workload(is_run ? target : "replay");
	if (is_run && w && strcmp(target, "replay") == 0)
		bad("a trace is replayed with `replay FILE`, not `run replay`");
	if (!w)
		bad("unknown workload '%s'; valid: %s", target, workload_names(buf, sizeof buf));
	int np = 0;
	while (w->params[np].name)
		np++;
	values = calloc(np + 1, sizeof *values);
	if (!values)
		oom("parsing the command line");
	for (int i = 0; i < np; i++)
		values[i] = o->quick && w->params[i].quick ? w->params[i].quick : w->params[i].def;
	set_params(w, o, values);
	for (int i = 0; i < np; i++) {
		int n = snprintf(buf, sizeof buf, "%s%s=%" PRId64, i ? ";" : "",
				 w->params[i].name, values[i]);
		csv_put(&params, buf, n);
	}
	csv_put(&params, "", 0);
	name = is_run ? strdup(w->name) : trace_name(target);
	if (!name || params.oom)
		oom("parsing the command line");
	if (o->policy && region_policy_set(o->policy) != 0) {
		const char *colon = strchr(o->policy, ':');
		const char *const *p = region_policies();
		for (int i = 0; colon && p[i]; i++)
			if (strlen(p[i]) == (size_t)(colon - o->policy) &&
			    strncmp(p[i], o->policy, colon - o->policy) == 0)
				bad("policy '%s': %s of backend %s does not accept the parameter '%s' "
				    "(the README's strategy sections give each policy's forms)",
				    o->policy, p[i], region_backend(), colon + 1);
		bad("unknown policy '%s' for backend %s; valid: %s", o->policy, region_backend(),
		    policy_names(buf, sizeof buf));
	}
	if (o->limit) {
		int e = region_limit_set(o->limit);
		if (e == REGION_ENOTSUP)
			bad("--limit: backend %s has no pool or reservation to cap; want a strategy "
			    "backend (blocks, wide-offsets, contiguous)", region_backend());
		if (e)
			bad("--limit %" PRIu64 ": %s; want a size the backend accepts (a multiple "
			    "of its block or page size)", o->limit, region_strerror(e));
	}
	if (o->thp)
		pages_set_hugepages(1);

	static struct wl_ctx c;
	int err = harness_init(&c, w, values, o->seed);
	if (err == ENOMEM)
		oom("setting up the measuring");
	if (err)
		die(3, "cannot set up measuring (%s)", strerror(err));
	/* The header comes from the same code that fills the row: a dry
	 * summary of a context with one empty sample gives it. */
	static struct summary s;
	static struct csv_row row;
	c.samples[0] = (struct harness_sample){0};
	c.n = 1;
	summarize(&s, &c, name, params.s, o);
	summary_row(&s, &row);
	if (row.head.oom || s.text.oom)
		oom("building the summary header");
	c.n = 0;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	open_outputs(o, row.head.s);
	csv_row_free(&row);
	if (o->latency && (err = latency_enable()) != 0)
		die(err == ENOMEM ? 1 : 3, "--latency: cannot set up the timing (%s)", strerror(err));

	harness_start(&c);
	c.target = is_run ? NULL : target;
	int rc = w->run(&c, stdout);
	harness_stop(&c);
	fflush(stdout);
	if (rc != 0) {
		/* No row, no series: the run did not complete. */
		if (rc == WL_ESYS || c.syserr)
			return WL_ESYS;   /* wl_syserr said what failed */
		if (rc == WL_EINPUT)
			return WL_EINPUT;   /* the workload said where */
		if (!atomic_load(&c.limited))
			fprintf(stderr, "%s: %s stopped with status %d without naming a limit\n",
				prog, name, rc);
		return 1;
	}
	if (o->series)
		write_series(o->series, &c);
	if (o->series && o->latency) {
		struct csv_buf h = {0};
		latency_histogram(&h);
		finish_whole(OUT_HIST, "--series (its latency histogram)", hist_path, h.s, h.len, h.oom);
		csv_buf_free(&h);
	}
	summarize(&s, &c, name, params.s, o);
	if (o->csv) {
		summary_row(&s, &row);
		if (row.head.oom || row.vals.oom || s.text.oom)
			oom("writing the summary");
		err = csv_append_fd(outs.csv_fd, row.head.s, row.vals.s);
		if (err == EEXIST)
			bad("--csv %s: the file's header changed during the run; "
			    "want a new file or one this version wrote", o->csv);
		if (err)
			die(err == ENOMEM ? 1 : 3, "--csv %s: cannot append to it (%s)", o->csv,
			    strerror(err));
		close(outs.csv_fd);
		outs.csv_fd = -1;
		csv_row_free(&row);
	} else {
		printf("\nsummary (%s on %s):\n", name, region_backend());
		for (int i = 0; i < s.n; i++) {
			const char *v = value(&s, i);
			printf("  %-24s %s", s.name[i], *v ? v : "(not measured)");
			size_t l = strlen(s.name[i]);
			if (l > 6 && strcmp(s.name[i] + l - 6, "_bytes") == 0 && *v)
				printf("  (%.1f MiB)", strtod(v, NULL) / 1048576.0);
			printf("\n");
		}
	}
	csv_buf_free(&s.text);
	harness_free(&c);
	free(values);
	csv_buf_free(&params);
	free(name);
	return 0;
}

int main(int argc, char **argv)
{
	snprintf(prog, sizeof prog, "regionbench-%s", region_backend());
	atexit(drop_outputs);
	/* Static, so what it points to stays reachable on every exit path
	 * (LeakSanitizer counts only memory nothing points to). */
	static struct opts o;
	char buf[256];
	parse(argc, argv, &o);
	if (!o.cmd)
		bad("no command given; want one of: %s (see --help)", command_names(buf, sizeof buf));
	for (size_t i = 0; i < NCOMMANDS; i++) {
		const struct command *k = &commands[i];
		if (strcmp(o.cmd, k->name) != 0)
			continue;
		if (k->words >= 0 && o.nwords > k->words)
			bad("unexpected argument '%s' after %s%s%s; see %s --help", o.words[k->words],
			    o.cmd, k->words ? " " : "", k->words ? o.words[0] : "", prog);
		return k->fn(&o);
	}
	bad("unknown command '%s'; want one of: %s", o.cmd, command_names(buf, sizeof buf));
}
