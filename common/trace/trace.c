/* trace.c: region traces (docs/regiontrace.md, version 1): parse, check, replay.
 *
 * Invariant: a struct trace holds only events that passed every check of the
 * format, with region ids remapped to dense slots (a slot is reused only
 * after its region was destroyed, so slots = the most regions live at once),
 * so trace_replay indexes an array and never looks anything up. An event is
 * 16 bytes: size, slot, op and log2 of the alignment. The parser is a
 * hand-rolled scanner over memchr-split lines, fed in 1 MiB chunks from zlib
 * (which reads plain files as they are). */
#include "trace.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "region.h"
#include "workload.h"

enum { OP_C, OP_A, OP_S, OP_R, OP_D };

struct trace_ev {
	uint64_t size;   /* a, s: bytes (at most 2^40) */
	uint32_t slot;   /* dense region index */
	uint8_t op;      /* OP_* */
	uint8_t alog;    /* a: log2 of the alignment */
};

struct trace {
	struct trace_ev *ev;
	uint64_t n;
	uint32_t slots;
	struct trace_info info;
	char *name;
	uint64_t parse_ns, bytes_in;
};

#define MAX_RID 4294967295ull
#define MAX_SIZE (1ull << 40)
#define NONE UINT32_MAX

/* Parse state: the live ids (linear probing, backward-shift deletion), and
 * per slot the size of its newest allocation (0: nothing to shrink) and the
 * line that created it. */
struct parser {
	const char *name;
	uint64_t line;
	int header, failed;
	struct trace *t;
	uint64_t cap;
	uint32_t *key, *val, mask, live;
	uint64_t *newest, *cline;
	uint32_t *freeslot, nfree, slotcap;
};

/* Says "NAME:LINE: error: WHAT" in one write and marks the parse failed. */
static void perr(struct parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void perr(struct parser *p, const char *fmt, ...)
{
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s:%llu: error: %s\n", p->name, (unsigned long long)p->line, what);
	p->failed = 1;
}

static inline uint32_t hash(uint32_t k)
{
	return (uint32_t)(((uint64_t)k * 0x9e3779b97f4a7c15ull) >> 32);
}

/* The slot of live id K, or NONE. */
static inline uint32_t lookup(const struct parser *p, uint32_t k)
{
	for (uint32_t i = hash(k) & p->mask;; i = (i + 1) & p->mask) {
		if (p->val[i] == NONE)
			return NONE;
		if (p->key[i] == k)
			return p->val[i];
	}
}

static int insert(struct parser *p, uint32_t k, uint32_t v);

/* Doubles the id table. Returns 0 or ENOMEM. */
static int grow_ids(struct parser *p)
{
	uint32_t oldn = p->mask + 1, *ok = p->key, *ov = p->val;
	uint32_t n = oldn * 2;
	uint32_t *nk = malloc(sizeof *nk * n), *nv = malloc(sizeof *nv * n);
	if (!nk || !nv || n == 0) {
		free(nk);
		free(nv);
		return ENOMEM;
	}
	memset(nv, 0xff, sizeof *nv * n);
	p->key = nk;
	p->val = nv;
	p->mask = n - 1;
	p->live = 0;
	for (uint32_t i = 0; i < oldn; i++)
		if (ov[i] != NONE)
			insert(p, ok[i], ov[i]);
	free(ok);
	free(ov);
	return 0;
}

/* Adds live id K (not present) with slot V. Returns 0 or ENOMEM. */
static int insert(struct parser *p, uint32_t k, uint32_t v)
{
	if ((uint64_t)(p->live + 1) * 2 > (uint64_t)p->mask + 1 && grow_ids(p))
		return ENOMEM;
	uint32_t i = hash(k) & p->mask;
	while (p->val[i] != NONE)
		i = (i + 1) & p->mask;
	p->key[i] = k;
	p->val[i] = v;
	p->live++;
	return 0;
}

/* Removes live id K (present), shifting later entries of its run back so
 * that lookups never need tombstones. */
static void erase(struct parser *p, uint32_t k)
{
	uint32_t i = hash(k) & p->mask;
	while (p->key[i] != k || p->val[i] == NONE)
		i = (i + 1) & p->mask;
	for (uint32_t j = i;;) {
		j = (j + 1) & p->mask;
		if (p->val[j] == NONE)
			break;
		uint32_t h = hash(p->key[j]) & p->mask;
		/* Move j back to i unless its home lies cyclically in (i, j]. */
		if (i <= j ? (i < h && h <= j) : (i < h || h <= j))
			continue;
		p->key[i] = p->key[j];
		p->val[i] = p->val[j];
		i = j;
	}
	p->val[i] = NONE;
	p->live--;
}

/* Appends one event. Returns 0 or ENOMEM. */
static int push(struct parser *p, int op, uint32_t slot, uint64_t size, int alog)
{
	struct trace *t = p->t;
	if (t->n == p->cap) {
		uint64_t nc = p->cap ? p->cap + p->cap / 2 : 4096;
		struct trace_ev *ne = realloc(t->ev, nc * sizeof *ne);
		if (!ne)
			return ENOMEM;
		t->ev = ne;
		p->cap = nc;
	}
	struct trace_ev *e = &t->ev[t->n++];
	e->size = size;
	e->slot = slot;
	e->op = (uint8_t)op;
	e->alog = (uint8_t)alog;
	return 0;
}

/* A fresh slot: the most recently freed one, else a new one. Returns NONE
 * when memory runs out. */
static uint32_t take_slot(struct parser *p)
{
	if (p->nfree)
		return p->freeslot[--p->nfree];
	if (p->t->slots == p->slotcap) {
		if (p->slotcap >= (1u << 31))
			return NONE;
		uint32_t nc = p->slotcap ? p->slotcap * 2 : 64;
		uint64_t *nn = realloc(p->newest, nc * sizeof *nn);
		if (nn)
			p->newest = nn;
		uint64_t *cl = nn ? realloc(p->cline, nc * sizeof *cl) : NULL;
		if (cl)
			p->cline = cl;
		uint32_t *fs = cl ? realloc(p->freeslot, nc * sizeof *fs) : NULL;
		if (!fs)
			return NONE;
		p->freeslot = fs;
		p->slotcap = nc;
	}
	return p->t->slots++;
}

static inline int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Reads the decimal field [s, e) into *v. Returns 0, 1 when it is not a
 * decimal number, 2 when it is above MAX. */
static inline int num(const char *s, const char *e, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;
	int big = 0;
	for (const char *q = s; q < e; q++) {
		unsigned d = (unsigned char)*q - '0';
		if (d > 9)
			return 1;
		if (x > (max - d) / 10)
			big = 1;
		else
			x = x * 10 + d;
	}
	*v = x;
	return big ? 2 : 0;
}

/* Copies the field [s, e) into OUT (at most 40 characters) for a message,
 * with bytes that would not print shown as '?'. */
static const char *show(char out[44], const char *s, const char *e)
{
	int n = 0;
	for (; s < e && n < 40; s++)
		out[n++] = (unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f ? *s : '?';
	if (s < e)
		out[n++] = '.', out[n++] = '.', out[n++] = '.';
	out[n] = 0;
	return out;
}

/* Reports a failed num() on field NAME of text [s, e). */
static void numerr(struct parser *p, int r, const char *what, const char *s, const char *e,
	const char *range)
{
	char b[44];
	if (r == 1)
		perr(p, "%s '%s' is not a decimal number", what, show(b, s, e));
	else
		perr(p, "%s '%s' is out of range (%s)", what, show(b, s, e), range);
}

static const char *const letters = "casrd";
static const int nfields_min[] = { 2, 3, 3, 2, 2 }, nfields_max[] = { 2, 4, 3, 2, 2 };
static const char *const usage[] = { "c RID", "a RID SIZE [ALIGN]", "s RID SIZE", "r RID", "d RID" };

/* Parses one line [s, e) (no newline). Returns 0, or 1 after reporting an
 * error (p->failed) or running out of memory. */
static int parse_line(struct parser *p, const char *s, const char *e)
{
	const char *fs[4], *fe[4];
	int nf = 0;

	for (;;) {
		while (s < e && blank(*s))
			s++;
		if (s == e)
			break;
		if (nf == 0 && *s == '#')
			return 0;
		const char *b = s;
		while (s < e && !blank(*s))
			s++;
		if (nf < 4) {
			fs[nf] = b;
			fe[nf] = s;
		}
		nf++;
	}
	if (nf == 0)
		return 0;

	if (!p->header) {
		if (fe[0] - fs[0] == 11 && !memcmp(fs[0], "regiontrace", 11)) {
			if (nf != 2 || fe[1] - fs[1] != 1 || fs[1][0] != '1') {
				char b[44];
				perr(p, "unknown header: 'regiontrace%s%s%s' (this reader knows 'regiontrace 1')",
					nf < 2 ? "" : " ", nf < 2 ? "" : show(b, fs[1], fe[1]), nf > 2 ? " ..." : "");
				return 1;
			}
			p->header = 1;
			return 0;
		}
		char b[44];
		perr(p, "missing header: the first line that is not a comment must be 'regiontrace 1', not '%s%s'",
			show(b, fs[0], fe[0]), nf > 1 ? " ..." : "");
		return 1;
	}

	const char *l = fe[0] - fs[0] == 1 ? memchr(letters, fs[0][0], 5) : NULL;
	if (!l) {
		char b[44];
		perr(p, "unknown event '%s' (events are c, a, s, r, d)", show(b, fs[0], fe[0]));
		return 1;
	}
	int op = (int)(l - letters);
	if (nf < nfields_min[op] || nf > nfields_max[op]) {
		perr(p, "wrong number of fields: %d (expected '%s')", nf - 1, usage[op]);
		return 1;
	}

	uint64_t rid, size = 0, align = 8;
	int r = num(fs[1], fe[1], MAX_RID, &rid);
	if (r) {
		numerr(p, r, "region id", fs[1], fe[1], "0 to 4294967295");
		return 1;
	}
	if (op == OP_A || op == OP_S) {
		r = num(fs[2], fe[2], MAX_SIZE, &size);
		if (!r && size == 0)
			r = 2;
		if (r) {
			numerr(p, r, "size", fs[2], fe[2], "1 to 1099511627776");
			return 1;
		}
	}
	if (op == OP_A && nf == 4) {
		r = num(fs[3], fe[3], UINT64_MAX, &align);
		if (r) {
			numerr(p, r, "alignment", fs[3], fe[3], "a power of two from 1 to 4096");
			return 1;
		}
		if (align == 0 || (align & (align - 1))) {
			perr(p, "alignment %llu is not a power of two", (unsigned long long)align);
			return 1;
		}
		if (align > REGION_MAX_ALIGN) {
			perr(p, "alignment %llu is out of range (a power of two from 1 to 4096)",
				(unsigned long long)align);
			return 1;
		}
	}

	uint32_t slot = lookup(p, (uint32_t)rid);
	if (op == OP_C) {
		if (slot != NONE) {
			perr(p, "c for region %llu, which is live (created at line %llu)",
				(unsigned long long)rid, (unsigned long long)p->cline[slot]);
			return 1;
		}
		slot = take_slot(p);
		if (slot == NONE || insert(p, (uint32_t)rid, slot))
			goto nomem;
		p->newest[slot] = 0;
		p->cline[slot] = p->line;
		p->t->info.creates++;
		if (p->live > p->t->info.max_live_regions)
			p->t->info.max_live_regions = p->live;
	} else if (slot == NONE) {
		perr(p, "%c for region %llu, which is not live", letters[op], (unsigned long long)rid);
		return 1;
	}

	int alog = 0;
	switch (op) {
	case OP_A:
		while ((1ull << alog) < align)
			alog++;
		p->newest[slot] = size;
		p->t->info.allocs++;
		p->t->info.bytes += size;
		break;
	case OP_S:
		if (!p->newest[slot]) {
			perr(p, "s in region %llu with nothing to shrink (no allocation since its creation or last reset)",
				(unsigned long long)rid);
			return 1;
		}
		if (size > p->newest[slot]) {
			perr(p, "s to %llu bytes, larger than the newest allocation of region %llu (%llu bytes)",
				(unsigned long long)size, (unsigned long long)rid,
				(unsigned long long)p->newest[slot]);
			return 1;
		}
		p->newest[slot] = size;
		break;
	case OP_R:
		p->newest[slot] = 0;
		break;
	case OP_D:
		erase(p, (uint32_t)rid);
		p->freeslot[p->nfree++] = slot;
		break;
	}
	if (push(p, op, slot, size, alog))
		goto nomem;
	return 0;
nomem:
	perr(p, "out of memory while loading the trace");
	return 1;
}

/* Parses the complete lines of [buf, buf+len); the text after the last
 * newline is left for later unless FINAL. Returns the bytes consumed. */
static size_t parse_chunk(struct parser *p, const char *buf, size_t len, int final)
{
	const char *s = buf, *end = buf + len;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		if (!nl) {
			if (!final)
				break;
			nl = end;
		}
		p->line++;
		if (parse_line(p, s, nl))
			return (size_t)(nl - buf);
		s = nl < end ? nl + 1 : end;
	}
	return (size_t)(s - buf);
}

static int begin(struct parser *p, const char *name)
{
	memset(p, 0, sizeof *p);
	p->name = name;
	p->t = calloc(1, sizeof *p->t);
	p->key = malloc(sizeof *p->key * 64);
	p->val = malloc(sizeof *p->val * 64);
	if (p->t)
		p->t->name = strdup(name);
	if (!p->t || !p->key || !p->val || !p->t->name) {
		fprintf(stderr, "%s: error: out of memory while loading the trace\n", name);
		return 1;
	}
	p->mask = 63;
	memset(p->val, 0xff, sizeof *p->val * 64);
	return 0;
}

/* Checks the end of the trace, frees the parse state, and hands over or
 * frees the trace. Returns 0 or 2. */
static int finish(struct parser *p, struct trace **out)
{
	if (!p->failed && !p->header) {
		if (!p->line)
			p->line = 1;
		perr(p, "missing header: the trace has no 'regiontrace 1' line");
	}
	free(p->key);
	free(p->val);
	free(p->newest);
	free(p->cline);
	free(p->freeslot);
	struct trace *t = p->t;
	if (p->failed) {
		trace_free(t);
		return 2;
	}
	if (t->n && t->n < p->cap) {
		struct trace_ev *e = realloc(t->ev, t->n * sizeof *e);
		if (e)
			t->ev = e;
	}
	t->info.events = t->n;
	*out = t;
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Parses the whole trace in BUF (LEN bytes) as if read from NAME: the same
 * checks and messages as trace_load, without a file (fuzzing, tests). */
int trace_parse_buffer(const char *name, const char *buf, size_t len, struct trace **out)
{
	struct parser p;
	uint64_t t0 = now_ns();
	if (begin(&p, name)) {
		p.failed = 1;
		return finish(&p, out);
	}
	parse_chunk(&p, buf, len, 1);
	int r = finish(&p, out);
	if (!r) {
		(*out)->parse_ns = now_ns() - t0;
		(*out)->bytes_in = len;
	}
	return r;
}

int trace_load(const char *path, struct trace **out)
{
	gzFile f = gzopen(path, "rb");
	if (!f) {
		fprintf(stderr, "%s: error: cannot open the trace: %s\n", path,
			errno ? strerror(errno) : "out of memory");
		return 2;
	}
	gzbuffer(f, 1 << 17);
	struct parser p;
	uint64_t t0 = now_ns(), bytes = 0;
	size_t cap = 1 << 20, have = 0;
	char *buf = malloc(cap);
	if (begin(&p, path) || !buf) {
		if (!buf)
			fprintf(stderr, "%s: error: out of memory while loading the trace\n", path);
		p.failed = 1;
		goto done;
	}
	for (;;) {
		if (have == cap) {
			/* One line longer than the buffer (a long comment). */
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				perr(&p, "out of memory while loading the trace");
				break;
			}
			buf = nb;
			cap *= 2;
		}
		unsigned want = cap - have > (1u << 30) ? 1u << 30 : (unsigned)(cap - have);
		int got = gzread(f, buf + have, want);
		if (got < 0) {
			int zerr;
			const char *m = gzerror(f, &zerr);
			fprintf(stderr, "%s:%llu: error: cannot read the trace: %s\n", path,
				(unsigned long long)p.line + 1, zerr == Z_ERRNO ? strerror(errno) : m);
			p.failed = 1;
			break;
		}
		bytes += (uint64_t)got;
		have += (size_t)got;
		size_t used = parse_chunk(&p, buf, have, got == 0);
		if (p.failed || got == 0)
			break;
		memmove(buf, buf + used, have - used);
		have -= used;
	}
	if (!p.failed) {
		/* A gzip file cut short reads as a clean end of file otherwise. */
		int zerr;
		const char *m = gzerror(f, &zerr);
		if (zerr != Z_OK) {
			fprintf(stderr, "%s:%llu: error: cannot read the trace: %s\n", path,
				(unsigned long long)p.line, m);
			p.failed = 1;
		}
	}
done:
	free(buf);
	gzclose(f);
	int r = finish(&p, out);
	if (!r) {
		(*out)->parse_ns = now_ns() - t0;
		(*out)->bytes_in = bytes;
	}
	return r;
}

void trace_free(struct trace *t)
{
	if (!t)
		return;
	free(t->ev);
	free(t->name);
	free(t);
}

void trace_info(const struct trace *t, struct trace_info *out)
{
	*out = t->info;
}

void trace_event_get(const struct trace *t, uint64_t k, struct trace_event *out)
{
	const struct trace_ev *e = &t->ev[k];
	out->op = letters[e->op];
	out->slot = e->slot;
	out->size = e->size;
	out->align = e->op == OP_A ? 1u << e->alog : 0;
}

/* Bytes the loaded trace occupies in memory. */
static uint64_t footprint(const struct trace *t)
{
	return sizeof *t + (t->name ? strlen(t->name) + 1 : 0) + t->n * sizeof(struct trace_ev);
}

void trace_print_stats(const struct trace *t, FILE *f)
{
	double s = t->parse_ns / 1e9;
	uint64_t n = t->n ? t->n : 1;
	fprintf(f, "%s: %llu events (%llu bytes of text) parsed in %.3f s: %.1f million events/s; "
		"%.2f bytes per parsed event (%llu bytes in all)\n",
		t->name, (unsigned long long)t->n, (unsigned long long)t->bytes_in, s,
		s > 0 ? t->n / s / 1e6 : 0.0, (double)footprint(t) / n,
		(unsigned long long)footprint(t));
}

/* Destroys every region still live in REG (SLOTS entries). */
static void destroy_all(region_t **reg, uint32_t slots)
{
	for (uint32_t i = 0; i < slots; i++) {
		region_destroy(reg[i]);
		reg[i] = NULL;
	}
}

/* Events per wl_progress call: at most 1024 (the call stays off the
 * profile), and fine enough that every sample point of a short trace is
 * crossed on its own. */
static uint64_t batch_of(uint64_t n)
{
	uint64_t b = n / 4096;
	return b < 1 ? 1 : b > 1024 ? 1024 : b;
}

int trace_replay(const struct trace *t, struct wl_ctx *ctx)
{
	uint32_t slots = t->slots ? t->slots : 1;
	region_t **reg = calloc(slots, sizeof *reg);
	void **newest = calloc(slots, sizeof *newest);
	if (!reg || !newest) {
		free(reg);
		free(newest);
		return wl_limit(ctx, REGION_ENOMEM, "allocating the replay's region table"), 1;
	}
	wl_set_total_ops(ctx, t->n);
	/* How the parse went, for the summary row: it ran before, untimed. */
	char what[96];
	wl_extra_f64(ctx, "parse_events_per_s", t->parse_ns ? t->n / (t->parse_ns / 1e9) : 0.0);
	wl_extra_f64(ctx, "parse_bytes_per_event", (double)footprint(t) / (t->n ? t->n : 1));
	int rc = 0;
	uint64_t done = 0, batch = batch_of(t->n);
	for (uint64_t k = 0; k < t->n; k++) {
		const struct trace_ev *e = &t->ev[k];
		region_t *r = reg[e->slot];
		switch (e->op) {
		case OP_C: {
			int err = region_create(&reg[e->slot]);
			if (err) {
				snprintf(what, sizeof what, "creating a region (event %llu)",
					(unsigned long long)k + 1);
				rc = 1;
				wl_limit(ctx, err, what);
				goto out;
			}
			newest[e->slot] = NULL;
			wl_count_region(ctx);
			break;
		}
		case OP_A: {
			size_t align = (size_t)1 << e->alog;
			void *p = region_alloc(r, (size_t)e->size, align < REGION_MIN_ALIGN ? REGION_MIN_ALIGN : align);
			if (!p) {
				snprintf(what, sizeof what, "allocating %llu bytes (event %llu)",
					(unsigned long long)e->size, (unsigned long long)k + 1);
				rc = 1;
				wl_limit(ctx, region_error(r), what);
				goto out;
			}
			/* Initialise it, as a program would: RSS must reflect the trace. */
			memset(p, (int)(k & 0xff) | 1, (size_t)e->size);
			newest[e->slot] = p;
			break;
		}
		case OP_S: {
			int err = region_shrink(r, newest[e->slot], (size_t)e->size);
			if (err) {
				snprintf(what, sizeof what, "shrinking to %llu bytes (event %llu)",
					(unsigned long long)e->size, (unsigned long long)k + 1);
				rc = 1;
				wl_limit(ctx, err, what);
				goto out;
			}
			break;
		}
		case OP_R:
			region_reset(r);
			newest[e->slot] = NULL;
			break;
		case OP_D:
			region_destroy(r);
			reg[e->slot] = NULL;
			break;
		}
		if (k + 1 - done == batch) {
			wl_progress(ctx, batch);
			done = k + 1;
		}
	}
out:
	destroy_all(reg, t->slots);
	if (!rc && t->n > done)
		wl_progress(ctx, t->n - done);
	free(reg);
	free(newest);
	return rc;
}
