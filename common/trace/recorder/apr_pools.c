/* apr_pools.c: the LD_PRELOAD half of scripts/record-trace --pools=apr.
 *
 * Interposes libapr-1's pool calls (create, palloc, pcalloc, clear, destroy),
 * forwards each through dlsym(RTLD_NEXT, ...) and writes the process's pool
 * events as a region trace (trace_write.h) to $REGIONTRACE_LOG_DIR/PID-NS.trace.
 * APR destroys a pool's descendants by calling itself directly, out of sight,
 * so the recorder keeps the pool tree: every pool the trace holds live is in
 * the address map, children listed newest first, as APR destroys them. One
 * mutex guards the tree and the writer; it is never held while APR runs, so
 * cleanups that call APR again are recorded too (docs/traces.md). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <assert.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <apr_pools.h>

#include "trace_write.h"

#undef apr_pcalloc   /* a macro over apr_palloc in apr_pools.h; libapr exports the function too */
#define EXPORT __attribute__((visibility("default")))

/* A pool, or a holder: an unmapped node that keeps a detached subtree while
 * APR destroys it. Siblings run newest (prev = NULL) to oldest. */
struct pool {
	uintptr_t addr;
	uint32_t rid;
	uint32_t epoch;          /* == rec.epoch: its c is in this process's trace */
	int dying;               /* inside a destroy or clear that has not returned */
	int mapped;              /* in the address map (not a holder) */
	struct pool *parent, *child, *prev, *next;
};

static struct {
	pthread_mutex_t lock;
	pthread_t holder;        /* the thread holding lock, for held() */
	struct trace_writer *w;
	int off;                 /* no log dir, or a failure: record nothing more */
	char path[4096];
	uint32_t epoch;          /* bumped by fork: the child's trace starts empty */
	struct pool **map;       /* open addressing by addr, no tombstones */
	size_t cap, used;
	int bits;                /* cap == 1 << bits */
	struct pool *spare;      /* free nodes, through next */
	uint32_t *ids;           /* region ids free for reuse (a stack) */
	size_t nids, idcap;
	uint32_t next_id;
	uint64_t zero, unknown, unseen;   /* for the summary line */
} rec = { .lock = PTHREAD_MUTEX_INITIALIZER, .epoch = 1 };

/* Set while a recorded call runs another one inside APR (apr_pcalloc's
 * apr_palloc, apr_pool_create_core_ex's apr_pool_create_unmanaged_ex). */
static __thread int nested __attribute__((tls_model("initial-exec")));

static struct {
	apr_status_t (*create_ex)(apr_pool_t **, apr_pool_t *, apr_abortfunc_t, apr_allocator_t *);
	apr_status_t (*create_unmanaged_ex)(apr_pool_t **, apr_abortfunc_t, apr_allocator_t *);
	apr_status_t (*create_core_ex)(apr_pool_t **, apr_abortfunc_t, apr_allocator_t *);
	void *(*palloc)(apr_pool_t *, apr_size_t);
	void *(*pcalloc)(apr_pool_t *, apr_size_t);
	void (*clear)(apr_pool_t *);
	void (*destroy)(apr_pool_t *);
	apr_pool_t *(*parent_get)(apr_pool_t *);
	const char *(*version)(void);
} real;

/* Looks up libapr's own functions: those next in the global scope, or those
 * of a libapr-1 that a dlopen brought in privately. Runs before main, or at
 * the first call (which can only come from code linked against libapr). */
static void resolve(void)
{
	void *lib = RTLD_NEXT;
	if (!dlsym(lib, "apr_palloc") && !(lib = dlopen("libapr-1.so.0", RTLD_LAZY | RTLD_NOLOAD))) {
		static const char msg[] = "apr_pools.so: an APR call, but no libapr-1.so.0 is loaded\n";
		if (write(2, msg, sizeof msg - 1) < 0) { /* nothing more to say */ }
		abort();
	}
	real.create_ex = dlsym(lib, "apr_pool_create_ex");
	real.create_unmanaged_ex = dlsym(lib, "apr_pool_create_unmanaged_ex");
	real.create_core_ex = dlsym(lib, "apr_pool_create_core_ex");
	real.palloc = dlsym(lib, "apr_palloc");
	real.pcalloc = dlsym(lib, "apr_pcalloc");
	real.clear = dlsym(lib, "apr_pool_clear");
	real.destroy = dlsym(lib, "apr_pool_destroy");
	real.parent_get = dlsym(lib, "apr_pool_parent_get");
	real.version = dlsym(lib, "apr_version_string");
}

#define CALL(fn) (real.fn ? real.fn : (resolve(), real.fn))

/* ---- the writer: one file per process image, opened at its first event ---- */

static void lock(void)
{
	pthread_mutex_lock(&rec.lock);
	rec.holder = pthread_self();
}

static void unlock(void)
{
	rec.holder = 0;
	pthread_mutex_unlock(&rec.lock);
}

/* Asserts that this thread holds the lock: what changes the tree or writes calls it. */
static void held(void)
{
	assert(pthread_equal(rec.holder, pthread_self()));
}

/* Opens this process's trace at its first event. Returns 1 when events can
 * be written, 0 when recording is off. */
static int on(void)
{
	held();
	if (rec.w || rec.off)
		return !rec.off;
	const char *dir = getenv("REGIONTRACE_LOG_DIR");
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	unsigned long long ns = (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
	char head[160];
	const char *v = real.version ? real.version() : "unknown";
	snprintf(head, sizeof head, "apr-pools pid %ld\napr %s", (long)getpid(), v);
	if (!dir || snprintf(rec.path, sizeof rec.path, "%s/%ld-%llu.trace", dir,
			(long)getpid(), ns) >= (int)sizeof rec.path
	    || trace_writer_open(&rec.w, rec.path, head, 0)) {
		rec.w = NULL;
		rec.off = 1;
	}
	return !rec.off;
}

/* Stops recording after a failure: the lines written so far stay a valid trace. */
static void stop(void)
{
	trace_writer_close(rec.w);
	rec.w = NULL;
	rec.off = 1;
}

static void put(int err)
{
	if (err)
		stop();
}

/* ---- the address map and the tree -------------------------------------------- */

static size_t slot(uintptr_t a)
{
	return (size_t)(((uint64_t)a >> 4) * 0x9e3779b97f4a7c15ull >> (64 - rec.bits));
}

static struct pool *find(uintptr_t a)
{
	if (!rec.cap)
		return NULL;
	for (size_t i = slot(a);; i = (i + 1) & (rec.cap - 1)) {
		struct pool *p = rec.map[i];
		if (!p || p->addr == a)
			return p;
	}
}

static void insert(struct pool *p)
{
	size_t i = slot(p->addr);
	while (rec.map[i])
		i = (i + 1) & (rec.cap - 1);
	rec.map[i] = p;
	rec.used++;
}

/* Keeps the map at most half full. Returns 0, or -1 when out of memory. */
static int grow(void)
{
	if (2 * (rec.used + 1) <= rec.cap)
		return 0;
	size_t old = rec.cap;
	struct pool **m = rec.map;
	int bits = rec.bits;
	rec.bits = old ? bits + 1 : 10;
	rec.cap = (size_t)1 << rec.bits;
	rec.map = calloc(rec.cap, sizeof *rec.map);
	if (!rec.map) {
		rec.map = m;
		rec.cap = old;
		rec.bits = bits;
		return -1;
	}
	rec.used = 0;
	for (size_t i = 0; i < old; i++)
		if (m[i])
			insert(m[i]);
	free(m);
	return 0;
}

/* Removes P from the map, shifting later entries of its run back. */
static void unmap(struct pool *p)
{
	size_t i = slot(p->addr);
	while (rec.map[i] != p)
		i = (i + 1) & (rec.cap - 1);
	for (size_t j = i;;) {
		j = (j + 1) & (rec.cap - 1);
		struct pool *q = rec.map[j];
		if (!q)
			break;
		size_t h = slot(q->addr);
		/* q may fill the hole at i unless its home lies in (i, j]. */
		if ((j > i && (h <= i || h > j)) || (j < i && h <= i && h > j)) {
			rec.map[i] = q;
			i = j;
		}
	}
	rec.map[i] = NULL;
	rec.used--;
}

static struct pool *node(void)
{
	struct pool *p = rec.spare;
	if (p)
		rec.spare = p->next;
	else
		p = malloc(sizeof *p);
	if (p)
		memset(p, 0, sizeof *p);
	return p;
}

static void attach(struct pool *p, struct pool *parent)
{
	p->parent = parent;
	p->prev = NULL;
	p->next = parent->child;
	if (p->next)
		p->next->prev = p;
	parent->child = p;
}

static void detach(struct pool *p)
{
	if (p->prev)
		p->prev->next = p->next;
	else if (p->parent)
		p->parent->child = p->next;
	if (p->next)
		p->next->prev = p->prev;
	p->parent = p->prev = p->next = NULL;
}

/* A new pool node for address A, mapped, with an id, not yet in the trace.
 * Returns NULL when out of memory (recording stops). */
static struct pool *add(uintptr_t a)
{
	held();
	struct pool *p = grow() ? NULL : node();
	if (!p) {
		stop();
		return NULL;
	}
	p->addr = a;
	p->mapped = 1;
	if (rec.nids) {
		p->rid = rec.ids[--rec.nids];
	} else if (rec.next_id == UINT32_MAX) {
		p->next = rec.spare;
		rec.spare = p;
		stop();   /* 2^32 pools live at once: the format's limit */
		return NULL;
	} else {
		p->rid = rec.next_id++;
	}
	insert(p);
	return p;
}

/* Frees node P (detached, no children); returns its id for reuse. */
static void drop(struct pool *p)
{
	held();
	if (p->mapped) {
		unmap(p);
		if (rec.nids == rec.idcap) {
			size_t cap = rec.idcap ? 2 * rec.idcap : 1024;
			uint32_t *ids = realloc(rec.ids, cap * sizeof *ids);
			if (ids) {
				rec.ids = ids;
				rec.idcap = cap;
			}
		}
		if (rec.nids < rec.idcap)
			rec.ids[rec.nids++] = p->rid;   /* else the id is never reused */
	}
	p->next = rec.spare;
	rec.spare = p;
}

/* Writes P's c if this process's trace does not hold it yet. */
static void announce(struct pool *p)
{
	held();
	if (p->epoch != rec.epoch && !rec.off) {
		p->epoch = rec.epoch;
		put(trace_write_create(rec.w, p->rid));
	}
}

/* Buries the subtree under and including P: a d for each pool the trace
 * holds, newest child first, depth first, the order APR destroys them in. */
static void bury(struct pool *p)
{
	held();
	struct pool *n = p;
	detach(p);
	for (;;) {
		while (n->child)
			n = n->child;
		struct pool *up = n->parent;
		if (n->epoch == rec.epoch && !rec.off)
			put(trace_write_destroy(rec.w, n->rid));
		detach(n);
		drop(n);
		if (n == p)
			break;
		n = up;
	}
}

/* Marks P's subtree as being destroyed by APR. */
static void doom(struct pool *p)
{
	for (struct pool *n = p->child; n;) {
		n->dying = 1;
		if (n->child) {
			n = n->child;
			continue;
		}
		while (n != p && !n->next)
			n = n->parent;
		if (n == p)
			break;
		n = n->next;
	}
}

/* The node of pool A, added (not yet in the trace) if A is new to us. */
static struct pool *get(uintptr_t a, int *added)
{
	struct pool *p = find(a);
	if (!p && (p = add(a)) && added)
		*added = 1;
	return p;
}

/* ---- what each call records --------------------------------------------------- */

/* A pool was created at NEWPOOL: its c, under the parent APR gave it. */
static void created(apr_status_t st, apr_pool_t **newpool)
{
	if (st != APR_SUCCESS || nested || !newpool || !*newpool)
		return;
	apr_pool_t *parent = real.parent_get(*newpool);
	lock();
	if (on()) {
		struct pool *old = find((uintptr_t)*newpool);
		if (old) {
			/* Its old pool died: inside a destroy still running, or
			 * out of sight (counted). Either way its d comes first. */
			rec.unseen += !old->dying;
			bury(old);
		}
		struct pool *up = parent ? get((uintptr_t)parent, NULL) : NULL;
		struct pool *p = rec.off ? NULL : add((uintptr_t)*newpool);
		if (p) {
			if (up) {
				attach(p, up);
				p->dying = up->dying;
			}
			announce(p);
		}
	}
	unlock();
}

static void allocated(apr_pool_t *pool, apr_size_t size)
{
	lock();
	if (on()) {
		int added = 0;
		struct pool *p = get((uintptr_t)pool, &added);
		if (p) {
			rec.unknown += added;
			announce(p);
			rec.zero += size == 0;
			if (!rec.off)
				put(trace_write_alloc(rec.w, p->rid, size ? size : 1, 8));
		}
	}
	unlock();
}

/* Before APR clears (CLEAR) or destroys POOL: moves what APR will destroy
 * under a new holder, marked dying. Returns the holder, or NULL when there is
 * nothing to record (an unknown pool, one inside a destroy, recording off). */
static struct pool *begin(apr_pool_t *pool, int clear)
{
	struct pool *h = NULL;
	lock();
	struct pool *p = rec.off ? NULL : find((uintptr_t)pool);
	if (p && !p->dying && !(h = node()))
		stop();
	if (h) {
		if (clear) {
			h->child = p->child;   /* the children, still newest first */
			p->child = NULL;
			for (struct pool *c = h->child; c; c = c->next) {
				c->parent = h;
				c->dying = 1;
				doom(c);
			}
		} else {
			detach(p);
			p->dying = 1;
			doom(p);
			attach(p, h);
		}
	}
	unlock();
	return h;
}

/* After APR returned: the d of each pool still under holder H, then, for a
 * clear, the r of POOL. */
static void end(struct pool *h, apr_pool_t *pool, int clear)
{
	lock();
	while (h->child)
		bury(h->child);
	h->next = rec.spare;
	rec.spare = h;
	if (clear && on()) {
		struct pool *p = find((uintptr_t)pool);
		if (p && p->epoch == rec.epoch)
			put(trace_write_reset(rec.w, p->rid));
	}
	unlock();
}

/* ---- the interposed functions ------------------------------------------------ */

/* A create forwarded to APR with nested calls hidden, then recorded. */
#define RECORD_CREATE(call) do { \
	nested++; \
	apr_status_t st_ = (call); \
	nested--; \
	created(st_, newpool); \
	return st_; \
} while (0)

EXPORT apr_status_t apr_pool_create_ex(apr_pool_t **newpool, apr_pool_t *parent,
	apr_abortfunc_t abort_fn, apr_allocator_t *allocator)
{
	RECORD_CREATE(CALL(create_ex)(newpool, parent, abort_fn, allocator));
}

EXPORT apr_status_t apr_pool_create_unmanaged_ex(apr_pool_t **newpool,
	apr_abortfunc_t abort_fn, apr_allocator_t *allocator)
{
	RECORD_CREATE(CALL(create_unmanaged_ex)(newpool, abort_fn, allocator));
}

EXPORT apr_status_t apr_pool_create_core_ex(apr_pool_t **newpool,
	apr_abortfunc_t abort_fn, apr_allocator_t *allocator)
{
	RECORD_CREATE(CALL(create_core_ex)(newpool, abort_fn, allocator));
}

EXPORT void *apr_palloc(apr_pool_t *pool, apr_size_t size)
{
	void *m = CALL(palloc)(pool, size);
	if (m && !nested)
		allocated(pool, size);
	return m;
}

EXPORT void *apr_pcalloc(apr_pool_t *pool, apr_size_t size)
{
	nested++;
	void *m = CALL(pcalloc)(pool, size);
	nested--;
	if (m && !nested)
		allocated(pool, size);
	return m;
}

EXPORT void apr_pool_clear(apr_pool_t *pool)
{
	struct pool *h = begin(pool, 1);
	CALL(clear)(pool);
	if (h)
		end(h, pool, 1);
}

EXPORT void apr_pool_destroy(apr_pool_t *pool)
{
	struct pool *h = begin(pool, 0);
	CALL(destroy)(pool);
	if (h)
		end(h, NULL, 0);
}

/* ---- process life: fork, exit ------------------------------------------------ */

static void prepare(void)
{
	lock();
}

static void parent(void)
{
	unlock();
}

/* The child starts a trace of its own. The parent's writer, with events the
 * parent has yet to write, is dropped unwritten (its fd closes on exec);
 * pools the child inherits enter its trace when it first uses them. */
static void child(void)
{
	rec.w = NULL;
	rec.off = 0;
	rec.epoch++;
	rec.zero = rec.unknown = rec.unseen = 0;
	unlock();
}

__attribute__((constructor)) static void init(void)
{
	if (dlsym(RTLD_NEXT, "apr_palloc"))
		resolve();
	pthread_atfork(prepare, parent, child);
}

/* Runs after main's atexit handlers (apr_terminate among them): closes the
 * trace and appends the summary line scripts/record-trace reads. */
__attribute__((destructor)) static void fini(void)
{
	lock();
	if (rec.w) {
		int err = trace_writer_close(rec.w);
		rec.w = NULL;
		int fd = err ? -1 : open(rec.path, O_WRONLY | O_APPEND | O_CLOEXEC);
		if (fd >= 0) {
			char line[160];
			int n = snprintf(line, sizeof line, "# apr-pools summary zero=%llu unknown=%llu unseen=%llu\n",
				(unsigned long long)rec.zero, (unsigned long long)rec.unknown,
				(unsigned long long)rec.unseen);
			if (write(fd, line, (size_t)n) != n) { /* the merge reports a missing summary */ }
			close(fd);
		}
	}
	rec.off = 1;
	unlock();
}
