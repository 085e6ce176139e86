/* trace.c: region traces (docs/regiontrace.md, version 1): parse and check.
 *
 * Invariant: a struct trace holds only events that passed every check of the
 * format, with region ids remapped to dense slots (a slot is reused only
 * after its region was destroyed, so slots = the most regions live at once).
 * An event is 16 bytes (struct trace_ev). The parser is a hand-rolled scanner
 * over memchr-split lines, fed in 1 MiB chunks by a reader that passes plain
 * text through and inflates gzip members itself, so that a stream cut short,
 * corrupt, or followed by other bytes is an error rather than an early end.
 * Every array (events, id table, per-slot state, buffers) is an anonymous
 * mapping grown with mremap: none of it comes from malloc, which a backend
 * may replace for the whole process. */
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

struct trace {
	struct trace_ev *ev;
	size_t ev_cap;          /* bytes mapped at ev */
	uint64_t n;
	struct trace_info info;
};

#define MAX_RID 4294967295ull
#define NONE UINT32_MAX
#define CHUNK (1u << 20)        /* text parsed at a time */
#define ZIN (1u << 17)          /* compressed bytes read at a time */

/* ---- memory mapped directly ---------------------------------------------- */

/* Grows the mapping *P of *CAP bytes to at least NEED bytes (doubling; new
 * bytes are zero). Returns 0 or ENOMEM. */
static int map_grow(void *pp, size_t *cap, size_t need)
{
	void **p = pp;
	if (need <= *cap)
		return 0;
	size_t nc = *cap ? *cap : 4096;
	while (nc < need) {
		if (nc > SIZE_MAX / 2)
			return ENOMEM;
		nc *= 2;
	}
	void *q = *p ? mremap(*p, *cap, nc, MREMAP_MAYMOVE)
		     : mmap(NULL, nc, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (q == MAP_FAILED)
		return ENOMEM;
	*p = q;
	*cap = nc;
	return 0;
}

static void map_free(void *p, size_t cap)
{
	if (p)
		munmap(p, cap);
}

/* Parse state: the live ids (linear probing, backward-shift deletion), and
 * per slot the size of its newest allocation (0: nothing to shrink) and the
 * line that created it. */
struct parser {
	const char *name;
	char *msg;              /* the caller's TRACE_MSG bytes */
	uint64_t line, max_events;
	int header, err, stop;  /* err: 0, EINVAL or ENOMEM */
	struct trace *t;
	uint32_t *key, *val, mask, live;
	size_t keycap, valcap;
	uint64_t *newest, *cline;
	uint32_t *freeslot, nfree, slotcap;
	size_t newcap, clcap, fscap;
};

/* Says "NAME:LINE: error: WHAT" into the message and marks the trace
 * malformed (the first error wins). */
static void perr(struct parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void perr(struct parser *p, const char *fmt, ...)
{
	if (p->err)
		return;
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	snprintf(p->msg, TRACE_MSG, "%s:%llu: error: %s", p->name,
		 (unsigned long long)(p->line ? p->line : 1), what);
	p->err = EINVAL;
}

/* Says that memory ran out, naming what was held and the process's limit. */
static void nomem(struct parser *p)
{
	if (p->err)
		return;
	struct rlimit rl;
	char lim[96] = "";
	if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		snprintf(lim, sizeof lim, "; the address-space limit (ulimit -v) is %llu bytes",
			 (unsigned long long)rl.rlim_cur);
	snprintf(p->msg, TRACE_MSG, "%s:%llu: out of memory loading the trace (%llu events parsed, "
		 "%zu bytes mapped for them%s)", p->name, (unsigned long long)(p->line ? p->line : 1),
		 (unsigned long long)p->t->n, p->t->ev_cap, lim);
	p->err = ENOMEM;
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
	size_t okc = p->keycap, ovc = p->valcap;
	uint32_t n = oldn * 2;
	p->key = NULL;
	p->val = NULL;
	p->keycap = p->valcap = 0;
	if (n == 0 || map_grow(&p->key, &p->keycap, sizeof *p->key * n) ||
	    map_grow(&p->val, &p->valcap, sizeof *p->val * n)) {
		map_free(p->key, p->keycap);
		map_free(p->val, p->valcap);
		p->key = ok, p->val = ov, p->keycap = okc, p->valcap = ovc;
		return ENOMEM;
	}
	memset(p->val, 0xff, sizeof *p->val * n);
	p->mask = n - 1;
	p->live = 0;
	for (uint32_t i = 0; i < oldn; i++)
		if (ov[i] != NONE)
			insert(p, ok[i], ov[i]);
	map_free(ok, okc);
	map_free(ov, ovc);
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
	if ((t->n + 1) * sizeof *t->ev > t->ev_cap &&
	    map_grow(&t->ev, &t->ev_cap, (t->n + 1) * sizeof *t->ev))
		return ENOMEM;
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
	uint32_t n = (uint32_t)p->t->info.max_live_regions;   /* slots so far */
	if (n == p->slotcap) {
		if (p->slotcap >= (1u << 31))
			return NONE;
		uint32_t nc = p->slotcap ? p->slotcap * 2 : 512;
		if (map_grow(&p->newest, &p->newcap, nc * sizeof *p->newest) ||
		    map_grow(&p->cline, &p->clcap, nc * sizeof *p->cline) ||
		    map_grow(&p->freeslot, &p->fscap, nc * sizeof *p->freeslot))
			return NONE;
		p->slotcap = nc;
	}
	return n;
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
	if (p->max_events && p->t->n == p->max_events) {
		p->t->info.truncated = 1;   /* one more event: the prefix ends here */
		p->stop = 1;
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
	if (op == TRACE_A || op == TRACE_S) {
		r = num(fs[2], fe[2], TRACE_MAX_SIZE, &size);
		if (!r && size == 0)
			r = 2;
		if (r) {
			numerr(p, r, "size", fs[2], fe[2], "1 to 1099511627776");
			return 1;
		}
	}
	if (op == TRACE_A && nf == 4) {
		r = num(fs[3], fe[3], UINT64_MAX, &align);
		if (r) {
			numerr(p, r, "alignment", fs[3], fe[3], "a power of two from 1 to 4096");
			return 1;
		}
		if (align == 0 || (align & (align - 1))) {
			perr(p, "alignment %llu is not a power of two", (unsigned long long)align);
			return 1;
		}
		if (align > TRACE_MAX_ALIGN) {
			perr(p, "alignment %llu is out of range (a power of two from 1 to 4096)",
				(unsigned long long)align);
			return 1;
		}
	}

	uint32_t slot = lookup(p, (uint32_t)rid);
	if (op == TRACE_C) {
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
	case TRACE_A:
		while ((1ull << alog) < align)
			alog++;
		p->newest[slot] = size;
		p->t->info.allocs++;
		p->t->info.bytes += size;
		break;
	case TRACE_S:
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
	case TRACE_R:
		p->newest[slot] = 0;
		break;
	case TRACE_D:
		erase(p, (uint32_t)rid);
		p->freeslot[p->nfree++] = slot;
		break;
	}
	if (push(p, op, slot, size, alog))
		goto nomem;
	return 0;
nomem:
	nomem(p);
	return 1;
}

/* Parses the complete lines of [buf, buf+len); the text after the last
 * newline is left for later unless FINAL. Returns the bytes consumed; stops
 * early on an error or at the end of the prefix asked for. */
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
		if (nl - s > TRACE_MAX_LINE) {
			perr(p, "line longer than %d bytes (the format's limit)", TRACE_MAX_LINE);
			return (size_t)(s - buf);
		}
		if (parse_line(p, s, nl))
			return (size_t)(s - buf);
		s = nl < end ? nl + 1 : end;
	}
	return (size_t)(s - buf);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int begin(struct parser *p, const char *name, uint64_t max_events, char *msg)
{
	memset(p, 0, sizeof *p);
	p->name = name;
	p->msg = msg;
	p->max_events = max_events;
	msg[0] = '\0';
	p->t = mmap(NULL, sizeof *p->t, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p->t == MAP_FAILED) {
		static struct trace none;   /* for nomem's message */
		p->t = &none;
		nomem(p);
		p->t = NULL;
		return ENOMEM;
	}
	p->t->info.parse_ns = now_ns();
	if (map_grow(&p->key, &p->keycap, sizeof *p->key * 64) ||
	    map_grow(&p->val, &p->valcap, sizeof *p->val * 64)) {
		nomem(p);
		return ENOMEM;
	}
	p->mask = 63;
	memset(p->val, 0xff, sizeof *p->val * 64);
	return 0;
}

/* Checks the end of the trace, frees the parse state, and hands over or
 * frees the trace. Returns 0 or the error. */
static int finish(struct parser *p, struct trace **out)
{
	if (!p->err && !p->header)
		perr(p, p->t->info.text_bytes ? "missing header: the trace has no 'regiontrace 1' line"
			: "the file is empty, not a trace (a trace starts with 'regiontrace 1')");
	map_free(p->key, p->keycap);
	map_free(p->val, p->valcap);
	map_free(p->newest, p->newcap);
	map_free(p->cline, p->clcap);
	map_free(p->freeslot, p->fscap);
	struct trace *t = p->t;
	if (p->err) {
		trace_free(t);
		return p->err;
	}
	/* Give back the doubling's slack (shrinking never moves a mapping). */
	size_t need = (t->n * sizeof *t->ev + 4095) & ~(size_t)4095;
	if (t->ev && need < t->ev_cap) {
		if (need == 0) {
			map_free(t->ev, t->ev_cap);
			t->ev = NULL;
			t->ev_cap = 0;
		} else if (mremap(t->ev, t->ev_cap, need, 0) != MAP_FAILED) {
			t->ev_cap = need;
		}
	}
	t->info.events = t->n;
	t->info.mem_bytes = t->ev_cap + (size_t)sysconf(_SC_PAGESIZE);   /* + struct trace's page */
	t->info.parse_ns = now_ns() - t->info.parse_ns;
	*out = t;
	return 0;
}

int trace_parse_buffer(const char *name, const char *buf, size_t len, uint64_t max_events,
		       struct trace **out, char *msg)
{
	struct parser p;
	if (begin(&p, name, max_events, msg) == 0) {
		p.t->info.text_bytes = len;
		parse_chunk(&p, buf, len, 1);
	}
	return finish(&p, out);
}

/* ---- reading: plain text as it is, gzip members inflated ------------------- */

struct reader {
	int fd, gz, in_eof, member_end;
	z_stream z;
	int zinit;
	unsigned char *in;      /* ZIN bytes */
};

/* Reads more text into [out, out+cap): sets *got (0 only at a clean end).
 * Returns 0, an errno value, or -1 with WHY for a bad gzip stream. */
static int reader_fill(struct reader *r, char *out, size_t cap, size_t *got, const char **why)
{
	*got = 0;
	if (!r->gz) {
		for (;;) {
			ssize_t n = read(r->fd, out, cap);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return errno;
			*got = (size_t)n;
			return 0;
		}
	}
	for (;;) {
		if (r->z.avail_in < 2 && !r->in_eof) {
			memmove(r->in, r->z.next_in, r->z.avail_in);
			ssize_t n = read(r->fd, r->in + r->z.avail_in, ZIN - r->z.avail_in);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return errno;
			r->in_eof = n == 0;
			r->z.next_in = r->in;
			r->z.avail_in += (unsigned)n;
			continue;
		}
		if (r->member_end) {
			/* After a member: the end of the file, or another member. */
			if (r->z.avail_in == 0)
				return 0;
			if (r->z.avail_in < 2 || r->z.next_in[0] != 0x1f || r->z.next_in[1] != 0x8b) {
				*why = "other bytes follow the gzip stream";
				return -1;
			}
			inflateReset(&r->z);
			r->member_end = 0;
		}
		if (r->z.avail_in == 0) {
			*why = "the gzip stream is cut short (the file ends inside it)";
			return -1;
		}
		r->z.next_out = (unsigned char *)out;
		r->z.avail_out = (unsigned)cap;
		int zr = inflate(&r->z, Z_NO_FLUSH);
		*got = cap - r->z.avail_out;
		if (zr == Z_STREAM_END)
			r->member_end = 1;
		else if (zr == Z_MEM_ERROR)
			return ENOMEM;
		else if (zr != Z_OK && zr != Z_BUF_ERROR) {
			*why = r->z.msg ? r->z.msg : "the gzip stream is corrupt";
			return -1;
		}
		if (*got)
			return 0;
	}
}

int trace_load(const char *path, uint64_t max_events, struct trace **out, char *msg)
{
	struct parser p;
	struct reader r = { .fd = -1 };
	char *buf = NULL;
	size_t bufcap = 0, have = 0;
	if (begin(&p, path, max_events, msg))
		return finish(&p, out);
	r.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r.fd < 0 || map_grow(&buf, &bufcap, CHUNK + ZIN)) {
		int e = r.fd < 0 ? errno : ENOMEM;
		if (e == ENOMEM)
			nomem(&p);
		else
			snprintf(msg, TRACE_MSG, "%s: cannot open the trace: %s", path, strerror(e));
		p.err = e;
		goto done;
	}
	r.in = (unsigned char *)buf + CHUNK;
	/* gzip by its magic bytes, whatever the name. */
	for (;;) {
		ssize_t n = read(r.fd, buf, 2);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			p.err = errno;
			snprintf(msg, TRACE_MSG, "%s: cannot read the trace: %s", path, strerror(errno));
			goto done;
		}
		if (n == 2 && (unsigned char)buf[0] == 0x1f && (unsigned char)buf[1] == 0x8b) {
			r.gz = 1;
			memcpy(r.in, buf, 2);
			r.z.next_in = r.in;
			r.z.avail_in = 2;
			if (inflateInit2(&r.z, 16 + MAX_WBITS) != Z_OK) {
				nomem(&p);
				goto done;
			}
			r.zinit = 1;
		} else {
			have = (size_t)n;
			p.t->info.text_bytes = have;
		}
		break;
	}
	for (;;) {
		size_t got;
		const char *why = NULL;
		int e = reader_fill(&r, buf + have, CHUNK - have, &got, &why);
		if (e) {
			/* Before parsing the partial line left: the stream's own error. */
			p.line++;
			if (e == -1)
				perr(&p, "%s", why);
			else if (e == ENOMEM)
				nomem(&p);
			else {
				snprintf(msg, TRACE_MSG, "%s:%llu: cannot read the trace: %s", path,
					 (unsigned long long)p.line, strerror(e));
				p.err = e;
			}
			break;
		}
		p.t->info.text_bytes += got;
		have += got;
		size_t used = parse_chunk(&p, buf, have, got == 0);
		if (p.err || p.stop || got == 0)
			break;
		memmove(buf, buf + used, have - used);
		have -= used;
		if (have > TRACE_MAX_LINE) {
			p.line++;
			perr(&p, "line longer than %d bytes (the format's limit)", TRACE_MAX_LINE);
			break;
		}
	}
done:
	if (r.zinit)
		inflateEnd(&r.z);
	if (r.fd >= 0)
		close(r.fd);
	map_free(buf, bufcap);
	return finish(&p, out);
}

void trace_free(struct trace *t)
{
	if (!t)
		return;
	map_free(t->ev, t->ev_cap);
	munmap(t, sizeof *t);
}

void trace_info(const struct trace *t, struct trace_info *out)
{
	*out = t->info;
}

const struct trace_ev *trace_events(const struct trace *t)
{
	return t->ev;
}

void trace_event_get(const struct trace *t, uint64_t k, struct trace_event *out)
{
	const struct trace_ev *e = &t->ev[k];
	out->op = letters[e->op];
	out->slot = e->slot;
	out->size = e->size;
	out->align = e->op == TRACE_A ? 1u << e->alog : 0;
}

void trace_print_stats(const struct trace *t, const char *name, FILE *f)
{
	const struct trace_info *i = &t->info;
	double s = i->parse_ns / 1e9;
	fprintf(f, "%s: %llu events%s (%llu bytes of text) parsed in %.3f s: %.1f million events/s; "
		"%.2f bytes per parsed event (%llu bytes in all)\n",
		name, (unsigned long long)i->events, i->truncated ? " (a prefix)" : "",
		(unsigned long long)i->text_bytes, s, s > 0 ? i->events / s / 1e6 : 0.0,
		(double)i->mem_bytes / (i->events ? i->events : 1), (unsigned long long)i->mem_bytes);
}
