/* driver.c: regionbench-<backend>, the program that runs one workload (or
 * replays one trace) on the backend it was linked with and writes what was
 * measured: a summary row (--csv, appended whole) and a time series sampled
 * by progress (--series, written whole). Everything on the command line is
 * checked before anything runs, so bad input exits 2 with nothing written;
 * a backend limit exits 1, also with nothing written. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csv.h"
#include "harness.h"
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
static char series_tmp[4096];   /* removed if a signal ends the run */

static const char usage[] =
	"usage: %s list [--names | --policies]\n"
	"       %s policies\n"
	"       %s run WORKLOAD [--PARAM=VALUE ...] [OPTIONS]\n"
	"       %s replay FILE [--events=N] [OPTIONS]\n"
	"       %s check TRACE...  validate traces; print parse speed and bytes per event\n"
	"options: --csv FILE     append one summary row (header first if FILE is new or empty)\n"
	"         --series FILE  write the time series sampled by progress\n"
	"         --seed N       seed of the workload's generator (default 1)\n"
	"         --policy NAME  reclaim policy (see `policies`)\n"
	"         --thp          transparent huge pages on committed memory\n"
	"         --limit BYTES  cap the backend's pool (blocks, wide offsets) or each\n"
	"                        region's reservation (contiguous), to reach limits\n"
	"         --quick        every parameter at its small quick value\n";

/* Says what was wrong and what would be right, on one line, and exits 2. */
static void __attribute__((noreturn, format(printf, 1, 2))) bad(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

struct opts {
	const char *cmd, *target, *csv, *series, *policy;
	uint64_t seed, limit;
	int thp, quick, names, policies;
	const char **params;   /* the --NAME=VALUE words not taken as options */
	int nparams;
};

static const struct workload *find_workload(const char *name)
{
	for (int i = 0; wl_registry[i]; i++)
		if (strcmp(wl_registry[i]->name, name) == 0)
			return wl_registry[i];
	return NULL;
}

/* The valid workload names, comma separated, into BUF. */
static const char *workload_names(char *buf, size_t cap)
{
	size_t len = 0;
	buf[0] = '\0';
	for (int i = 0; wl_registry[i] && len < cap; i++)
		len += snprintf(buf + len, cap - len, "%s%s", i ? ", " : "", wl_registry[i]->name);
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
	o->params = calloc(argc, sizeof *o->params);
	if (!o->params)
		bad("out of memory parsing the command line");
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			printf(usage, prog, prog, prog, prog, prog);
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
			    "--thp, --quick, --limit BYTES%s", a,
			    o->cmd && strcmp(o->cmd, "list") == 0 ? ", --names, --policies" :
			    o->cmd && strcmp(o->cmd, "run") == 0 ? ", --PARAM=VALUE after the workload" : "");
		} else if (!o->cmd) {
			o->cmd = a;
		} else if (!o->target && (strcmp(o->cmd, "run") == 0 || strcmp(o->cmd, "replay") == 0)) {
			o->target = a;
		} else {
			bad("unexpected argument '%s' after %s%s%s; see %s --help", a, o->cmd,
			    o->target ? " " : "", o->target ? o->target : "", prog);
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

/* Checks that PATH can be written as WHAT (--csv or --series); exits 2 if not. */
static void check_output(const char *what, const char *path, const char *header)
{
	int err = header ? csv_check_append(path, header) : csv_check_create(path);
	if (err == EEXIST)
		bad("%s %s: the file has a different header (another version?); "
		    "want a new file or one this version wrote", what, path);
	if (err)
		bad("%s %s: cannot write there (%s); want a file in an existing, writable directory",
		    what, path, strerror(err));
}

/* The columns of the summary: names and values, kept in order. */
struct summary {
	const char *name[64];
	char *val[64];
	int n;
};

static void __attribute__((format(printf, 3, 4)))
put(struct summary *s, const char *name, const char *fmt, ...)
{
	va_list ap;
	char *v = NULL;
	va_start(ap, fmt);
	if (vasprintf(&v, fmt, ap) < 0)
		v = NULL;
	va_end(ap);
	s->name[s->n] = name;
	s->val[s->n++] = v;
}

/* A count, or an empty value (not measured) unless KNOWN. */
static void put_count(struct summary *s, const char *name, int known, uint64_t v)
{
	if (known)
		put(s, name, "%" PRIu64, v);
	else
		put(s, name, "%s", "");
}

/* Fills S from the finished run in C. */
static void summarize(struct summary *s, const struct wl_ctx *c, const char *workload,
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
	struct region_stats st;
	struct pages_counts pc;
	region_stats_get(&st);
	pages_counts_get(&pc);
	uint64_t ops = atomic_load(&c->ops);
	/* Syscalls a backend's library makes where no one can count them
	 * (glibc malloc) are "not measured" (empty), never a partial figure. */
	int counted = !pc.unmeasured;
	put(s, "backend", "%s", region_backend());
	/* Huge pages are part of how memory is given back: a "+thp" run is
	 * told apart from the plain one wherever policies are compared. Only
	 * memory from the page source gets them: for a backend that took none
	 * (the baselines) --thp changed nothing and is not claimed. */
	int thp = o->thp && pc.calls > 0;
	put(s, "policy", "%s%s", region_policy(), thp ? "+thp" : "");
	put(s, "workload", "%s", workload);
	put(s, "params", "%s", params);
	put(s, "ops", "%" PRIu64, ops);
	put(s, "regions", "%" PRIu64, (uint64_t)atomic_load(&c->regions));
	put(s, "allocs", "%" PRIu64, st.allocs);
	put(s, "bytes_requested", "%" PRIu64, st.bytes_requested);
	put(s, "peak_live_bytes", "%" PRIu64, peak_live);
	put(s, "peak_rss_bytes", "%" PRIu64, peak_rss);
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
	put(s, "build", "%s", build_text);
	put(s, "peak_page_table_bytes", "%" PRIu64, peak_pte);
	put(s, "peak_committed_bytes", "%" PRIu64, peak_commit);
	put_count(s, "final_lazyfree_bytes", last->lazyfree_bytes >= 0,
		  (uint64_t)last->lazyfree_bytes);
	put(s, "samples", "%zu", c->n);
	put(s, "sampling_s", "%.6f", c->sampling_s);
	put(s, "sampling_cpu_s", "%.6f", c->sampling_cpu_s);
	const char *slash = o->series ? strrchr(o->series, '/') : NULL;
	put(s, "series", "%s", slash ? slash + 1 : o->series ? o->series : "");
	put(s, "extra", "%s", c->extra.s ? c->extra.s : "");
}

/* The series: one line per sample, header first. */
static int write_series(const char *path, const struct wl_ctx *c)
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
	int err = out.oom || r.head.oom || r.vals.oom ? ENOMEM : csv_write_whole(path, out.s, out.len);
	csv_row_free(&r);
	free(out.s);
	return err;
}

/* The summary header, for checking an existing --csv file before running. */
static char *summary_header(const struct summary *s)
{
	struct csv_row r;
	csv_row_init(&r);
	for (int i = 0; i < s->n; i++)
		csv_str(&r, s->name[i], "");
	free(r.vals.s);
	return r.head.s;
}

static void on_signal(int sig)
{
	if (series_tmp[0])
		unlink(series_tmp);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void list(const struct opts *o)
{
	const char *const *pol = region_policies();
	if (o->policies || strcmp(o->cmd, "policies") == 0) {
		for (int i = 0; pol[i]; i++)
			printf("%s\n", pol[i]);
		return;
	}
	if (o->names) {   /* what `run` takes: replay is `replay FILE` */
		for (int i = 0; wl_registry[i]; i++)
			if (strcmp(wl_registry[i]->name, "replay") != 0)
				printf("%s\n", wl_registry[i]->name);
		return;
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

int main(int argc, char **argv)
{
	snprintf(prog, sizeof prog, "regionbench-%s", region_backend());
	/* Static, so what they point to stays reachable on every exit path
	 * (LeakSanitizer counts only memory nothing points to). */
	static struct opts o;
	char buf[2048];
	if (argc > 1 && strcmp(argv[1], "check") == 0)
		return wl_check_traces(argc - 2, argv + 2, stdout);   /* workloads/replay.c */
	parse(argc, argv, &o);
	if (!o.cmd)
		bad("no command given; want one of: list, policies, run WORKLOAD, replay FILE (see --help)");
	if (strcmp(o.cmd, "list") == 0 || strcmp(o.cmd, "policies") == 0) {
		list(&o);
		return 0;
	}
	int is_run = strcmp(o.cmd, "run") == 0, is_replay = strcmp(o.cmd, "replay") == 0;
	if (!is_run && !is_replay)
		bad("unknown command '%s'; want one of: list, policies, run WORKLOAD, replay FILE", o.cmd);

	/* Check everything before running anything. */
	const struct workload *w = NULL;
	static int64_t *values;
	static struct csv_buf params;
	static char *name;
	if (is_replay) {
		struct stat st;
		if (!o.target)
			bad("replay needs a trace file; want replay FILE (a .trace or .trace.gz file)");
		if (stat(o.target, &st) != 0 || access(o.target, R_OK) != 0)
			bad("replay %s: cannot read it (%s); want a region trace file (.trace or .trace.gz)",
			    o.target, strerror(errno));
		if (S_ISDIR(st.st_mode))
			bad("replay %s: is a directory; want a region trace file (.trace or .trace.gz)",
			    o.target);
		snprintf(buf, sizeof buf, "trace=%s;", o.target);
		csv_put(&params, buf, strlen(buf));
	} else if (!o.target) {
		bad("run needs a workload; valid: %s", workload_names(buf, sizeof buf));
	}
	w = find_workload(is_replay ? "replay" : o.target);
	if (is_run && w && strcmp(o.target, "replay") == 0)
		bad("a trace is replayed with `replay FILE`, not `run replay`");
	if (!w)
		bad("unknown workload '%s'; valid: %s", o.target, workload_names(buf, sizeof buf));
	int np = 0;
	while (w->params[np].name)
		np++;
	values = calloc(np + 1, sizeof *values);
	if (!values)
		bad("out of memory");
	for (int i = 0; i < np; i++)
		values[i] = o.quick && w->params[i].quick ? w->params[i].quick : w->params[i].def;
	set_params(w, &o, values);
	for (int i = 0; i < np; i++) {
		int n = snprintf(buf, sizeof buf, "%s%s=%" PRId64, i ? ";" : "",
				 w->params[i].name, values[i]);
		csv_put(&params, buf, n);
	}
	csv_put(&params, "", 0);
	name = is_replay ? trace_name(o.target) : strdup(w->name);
	if (!name || params.oom)
		bad("out of memory");
	if (o.policy && region_policy_set(o.policy) != 0)
		bad("unknown policy '%s' for backend %s; valid: %s", o.policy, region_backend(),
		    policy_names(buf, sizeof buf));
	if (o.limit) {
		int e = region_limit_set(o.limit);
		if (e == REGION_ENOTSUP)
			bad("--limit: backend %s has no pool or reservation to cap; want a strategy "
			    "backend (blocks, wide-offsets, contiguous)", region_backend());
		if (e)
			bad("--limit %" PRIu64 ": %s; want a size the backend accepts (a multiple "
			    "of its block or page size)", o.limit, region_strerror(e));
	}
	if (o.thp)
		pages_set_hugepages(1);

	static struct wl_ctx c;
	int err = harness_init(&c, w, values, o.seed);
	if (err) {
		fprintf(stderr, "%s: cannot set up measuring (%s)\n", prog, strerror(err));
		return 1;
	}
	/* The header comes from the same code that fills the row, so a dry
	 * summary of the empty context gives it for the --csv check. */
	static struct summary s;
	if (o.csv) {
		c.samples[0] = (struct harness_sample){0};
		c.n = 1;
		summarize(&s, &c, name, params.s, &o);
		char *header = summary_header(&s);
		check_output("--csv", o.csv, header);
		free(header);
		for (int i = 0; i < s.n; i++)
			free(s.val[i]);
		s.n = 0;
		c.n = 0;
	}
	if (o.series) {
		check_output("--series", o.series, NULL);
		snprintf(series_tmp, sizeof series_tmp, "%s%s", o.series, CSV_TMP_SUFFIX);
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);

	harness_start(&c);
	c.target = is_replay ? o.target : NULL;
	int rc = w->run(&c, stdout);
	harness_stop(&c);
	fflush(stdout);
	if (rc != 0) {
		if (!atomic_load(&c.limited) && rc != WL_EINPUT)
			fprintf(stderr, "%s: %s stopped with status %d without naming a limit\n",
				prog, name, rc);
		return rc == WL_EINPUT || rc == WL_ESYS ? rc : 1;   /* no row, no series */
	}
	if (o.series && (err = write_series(o.series, &c)) != 0)
		bad("--series %s: cannot write it (%s); want a file in an existing, writable directory",
		    o.series, strerror(err));
	summarize(&s, &c, name, params.s, &o);
	if (o.csv) {
		struct csv_row r;
		csv_row_init(&r);
		for (int i = 0; i < s.n; i++)
			csv_str(&r, s.name[i], s.val[i]);
		if (r.head.oom || r.vals.oom)
			bad("out of memory writing the summary");
		err = csv_append(o.csv, r.head.s, r.vals.s);
		if (err == EEXIST)
			bad("--csv %s: the file has a different header (another version?); "
			    "want a new file or one this version wrote", o.csv);
		if (err)
			bad("--csv %s: cannot append to it (%s); want a file in an existing, writable directory",
			    o.csv, strerror(err));
		csv_row_free(&r);
	} else {
		printf("\nsummary (%s on %s):\n", name, region_backend());
		for (int i = 0; i < s.n; i++) {
			printf("  %-22s %s", s.name[i], s.val[i] && *s.val[i] ? s.val[i] : "(not measured)");
			size_t l = strlen(s.name[i]);
			if (l > 6 && strcmp(s.name[i] + l - 6, "_bytes") == 0 && s.val[i] && *s.val[i])
				printf("  (%.1f MiB)", strtod(s.val[i], NULL) / 1048576.0);
			printf("\n");
		}
	}
	for (int i = 0; i < s.n; i++)
		free(s.val[i]);
	harness_free(&c);
	free(values);
	free(params.s);
	free(name);
	return 0;
}
