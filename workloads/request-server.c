/* request-server.c: a server with one region per request, T threads.
 *
 * Each worker thread keeps INFLIGHT requests alive, each in its own region:
 * a request is started (region created, a record and parsed objects
 * allocated) and finished when its random slot is needed again (response
 * objects, a walk of everything, the region destroyed, or reset with
 * --reuse=1). Objects (objlist.h) follow a small-object mix; some requests
 * read into a 64 KiB-1 MiB buffer shrunk to what the read returned. A
 * thread's work depends only on the seed and its index: the checksum is the
 * same on every backend. The backend's shared-lock counts go to the summary. */
#include "region.h"
#include "objlist.h"
#include "workload.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct request {
	region_ref_t head;   /* newest object */
	region_ref_t buf;    /* the read buffer, or REGION_REF_NULL */
	uint32_t buf_len;    /* bytes the read returned */
	uint32_t nobj;
	uint64_t id;
};

struct slot {
	region_t *r;
	struct request *req;   /* NULL while the slot is idle */
};

struct worker {
	struct wl_ctx *ctx;
	pthread_t tid;
	uint64_t rng;
	int64_t requests, inflight, large_permil;
	int reuse;
	_Atomic int *stop;     /* set by the first worker that hits a limit */
	struct slot *slots;
	/* Results. */
	uint64_t objects, bytes, large, shrunk, refused, regions, sum;
	int err;
	const char *what;
};

/* The small-object mix: 70% 16-64 B, 25% 64-512 B, 5% 512 B-4 KiB. */
static const struct wl_size_band mix[] = { { 70, 16, 49 }, { 95, 64, 449 }, { 100, 512, 3585 } };

/* Allocates N objects onto the list of Q in R. 0, or an error code. */
static int add_objects(struct worker *w, region_t *r, struct request *q, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint32_t size = wl_size_draw(&w->rng, mix);
		struct wl_obj *o = region_alloc(r, size, 8);
		if (!o)
			return region_error(r);
		q->head = wl_obj_fill(r, o, size, q->head, (uint8_t)(q->id + i));
		q->nobj++;
		w->objects++;
		w->bytes += size;
	}
	return 0;
}

/* Starts request ID in slot S: a region, the request, its parsed objects
 * and perhaps a read buffer. 0, or an error code with w->what set. */
static int start(struct worker *w, struct slot *s, uint64_t id)
{
	int err;
	if (!s->r) {
		w->what = "creating a request's region";
		if ((err = wl_create(&s->r)))
			return err;
		w->regions++;
		wl_count_region(w->ctx);
	}
	w->what = "allocating a request";
	struct request *q = region_alloc(s->r, sizeof *q, _Alignof(struct request));
	if (!q)
		return region_error(s->r);
	*q = (struct request){ .head = REGION_REF_NULL, .buf = REGION_REF_NULL, .id = id };
	w->bytes += sizeof *q;
	s->req = q;

	if (w->large_permil && wl_rand(&w->rng) % 1000 < (uint64_t)w->large_permil) {
		/* Log-uniform 64 KiB-1 MiB; a read fills 1/16 to all of it. */
		unsigned e = 16 + wl_rand(&w->rng) % 4;
		size_t size = ((size_t)1 << e) + wl_rand(&w->rng) % ((size_t)1 << e);
		size_t got = size / 16 + wl_rand(&w->rng) % (size - size / 16 + 1);
		w->what = "allocating a large read buffer";
		unsigned char *b = region_alloc(s->r, size, 64);
		if (!b)
			return region_error(s->r);
		memset(b, (int)(id & 0xff), got);   /* what the read wrote */
		if (got < size) {
			if (region_shrink(s->r, b, got) == 0)
				w->shrunk++;
			else
				w->refused++;
		}
		q->buf = region_ref(s->r, b);
		q->buf_len = (uint32_t)got;
		w->large++;
		w->bytes += got;
	}
	w->what = "allocating a request's objects";
	return add_objects(w, s->r, q, 4 + wl_rand(&w->rng) % 29);
}

/* Finishes the request in slot S: response objects, a walk over everything
 * (summed into w->sum), then its region destroyed or reset. 0, or an error
 * code with w->what set (the region is left for the caller to destroy). */
static int finish(struct worker *w, struct slot *s)
{
	struct request *q = s->req;
	w->what = "allocating a response's objects";
	int err = add_objects(w, s->r, q, 4 + wl_rand(&w->rng) % 29);
	if (err)
		return err;
	uint64_t sum = q->id + q->nobj + wl_obj_sum(s->r, q->head);
	if (q->buf != REGION_REF_NULL) {
		const unsigned char *b = region_ptr(s->r, q->buf);
		sum += q->buf_len + b[0] + b[q->buf_len - 1];
	}
	/* Multiplied to mix, added so the order of requests does not matter. */
	w->sum += sum * 0x9e3779b97f4a7c15ull;
	s->req = NULL;
	if (w->reuse) {
		wl_reset(s->r);
	} else {
		wl_destroy(s->r);
		s->r = NULL;
	}
	return 0;
}

/* A worker thread: serves w->requests requests, then finishes those still
 * in flight; stops early when it or another worker hits a limit. */
static void *work(void *arg)
{
	struct worker *w = arg;
	int64_t served = 0, reported = 0;
	/* About 500 reports per thread, so samples are evenly spread. */
	const int64_t batch = w->requests / 512 > 64 ? 64 : w->requests / 512 ? w->requests / 512 : 1;
	while (served < w->requests) {
		struct slot *s = &w->slots[wl_rand(&w->rng) % (uint64_t)w->inflight];
		if ((s->req && (w->err = finish(w, s))) || (w->err = start(w, s, (uint64_t)served)))
			break;
		if (++served - reported == batch) {
			wl_progress(w->ctx, (uint64_t)batch);
			reported = served;
			if (atomic_load_explicit(w->stop, memory_order_relaxed))
				break;
		}
	}
	for (int64_t k = 0; k < w->inflight && !w->err; k++)
		if (w->slots[k].req)
			w->err = finish(w, &w->slots[k]);
	if (w->err)
		atomic_store(w->stop, 1);
	wl_progress(w->ctx, (uint64_t)(served - reported));
	for (int64_t k = 0; k < w->inflight; k++)
		wl_destroy(w->slots[k].r);
	return NULL;
}

static int run(struct wl_ctx *ctx, FILE *out)
{
	const int64_t requests = wl_param(ctx, "requests");
	const int64_t inflight = wl_param(ctx, "inflight");
	const int nthreads = (int)wl_param(ctx, "threads");
	_Atomic int stop = 0;

	struct worker *ws = calloc((size_t)nthreads, sizeof *ws);
	if (!ws)
		return wl_limit(ctx, REGION_ENOMEM, "allocating the workers");
	wl_set_total_ops(ctx, (uint64_t)requests);
	int started = 0, err = 0;
	const char *what = NULL;
	for (int t = 0; t < nthreads; t++) {
		struct worker *w = &ws[t];
		w->ctx = ctx;
		w->rng = wl_seed(ctx) ^ (0xd1b54a32d192ed03ull * (uint64_t)(t + 1));
		/* Requests split evenly; the first threads take the remainder. */
		w->requests = requests / nthreads + (t < requests % nthreads);
		w->inflight = inflight;
		w->large_permil = wl_param(ctx, "large_permil");
		w->reuse = (int)wl_param(ctx, "reuse");
		w->stop = &stop;
		w->slots = calloc((size_t)inflight, sizeof *w->slots);
		if (!w->slots || pthread_create(&w->tid, NULL, work, w)) {
			free(w->slots);
			w->slots = NULL;
			err = REGION_ENOMEM;
			what = "starting a worker thread";
			atomic_store(&stop, 1);
			break;
		}
		started++;
	}
	uint64_t objects = 0, bytes = 0, large = 0, shrunk = 0, refused = 0, regions = 0, sum = 0;
	for (int t = 0; t < started; t++) {
		struct worker *w = &ws[t];
		pthread_join(w->tid, NULL);
		free(w->slots);
		if (w->err && !err) {
			err = w->err;
			what = w->what;
		}
		objects += w->objects;
		bytes += w->bytes;
		large += w->large;
		shrunk += w->shrunk;
		refused += w->refused;
		regions += w->regions;
		sum += w->sum;
	}
	free(ws);
	if (err)
		return wl_limit(ctx, err, what);

	fprintf(out, "request-server: %jd requests, %d worker threads, %jd in flight per thread, regions %s\n",
		(intmax_t)requests, nthreads, (intmax_t)inflight,
		wl_param(ctx, "reuse") ? "reset and reused per slot" : "destroyed per request");
	fprintf(out, "objects %ju, bytes %ju, regions created %ju\n",
		(uintmax_t)objects, (uintmax_t)bytes, (uintmax_t)regions);
	fprintf(out, "large read buffers %ju (shrunk %ju, shrink refused %ju)\n",
		(uintmax_t)large, (uintmax_t)shrunk, (uintmax_t)refused);
	/* The backend's shared lock(s) over the whole run: the process ran
	 * nothing else. */
	struct region_stats st;
	region_stats_get(&st);
	fprintf(out, "shared lock: %ju acquisitions, %ju contended\n",
		(uintmax_t)st.lock_acquisitions, (uintmax_t)st.lock_contended);
	fprintf(out, "checksum %016jx\n", (uintmax_t)sum);
	wl_extra_u64(ctx, "lock_acquisitions", st.lock_acquisitions);
	wl_extra_u64(ctx, "lock_contended", st.lock_contended);
	return WL_OK;
}

static const struct wl_param params[] = {
	{ .name = "requests", .def = 750000, .min = 1, .max = INT64_C(1) << 40, .quick = 5000,
	  .help = "requests served, all threads together" },
	{ .name = "inflight", .def = 64, .min = 1, .max = 1 << 20,
	  .help = "requests alive at once per thread (each holds a region)" },
	{ .name = "threads", .def = 2, .min = 1, .max = 64,
	  .help = "worker threads" },
	{ .name = "large_permil", .def = 15, .min = 0, .max = 1000,
	  .help = "requests per thousand that read into a 64 KiB-1 MiB buffer" },
	{ .name = "reuse", .def = 0, .min = 0, .max = 1,
	  .help = "1: reset a slot's region and reuse it; 0: destroy it per request" },
	{ .name = NULL },
};

const struct workload wl_request_server = {
	.name = "request-server",
	.help = "T threads serving requests with one region each, small objects and some large buffers",
	.params = params,
	.run = run,
};
