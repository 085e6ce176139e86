/* harness.c: wl_* for workloads, sampling by progress (see harness.h).
 * wl_progress is an atomic add and one compare unless a sample point is
 * crossed; LazyFree (smaps_rollup, milliseconds a read) is only read when
 * MADV_FREE may be in use, and then only while its reads have cost at most
 * 0.25% of the time run so far (always at the end). */
#include "harness.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "latency.h"
#include "mbuf.h"
#include "pages.h"
#include "region.h"

int harness_init(struct wl_ctx *c, const struct workload *wl,
		 const int64_t *values, uint64_t seed)
{
	memset(c, 0, sizeof *c);
	c->wl = wl;
	c->values = values;
	c->seed = seed;
	snprintf(c->prog, sizeof c->prog, "regionbench-%s", region_backend());
	atomic_init(&c->next, UINT64_MAX);   /* no points until a total is known */
	c->cap = 2 * HARNESS_POINTS + 16;
	c->samples = mbuf_alloc(c->cap * sizeof *c->samples);
	if (!c->samples)
		return ENOMEM;
	int err = metrics_open();
	if (err) {
		mbuf_free(c->samples, c->cap * sizeof *c->samples);
		c->samples = NULL;
		return err;
	}
	pthread_mutex_init(&c->lock, NULL);
	return 0;
}

void harness_free(struct wl_ctx *c)
{
	if (!c->samples)
		return;
	metrics_close();
	pthread_mutex_destroy(&c->lock);
	mbuf_free(c->samples, c->cap * sizeof *c->samples);
	csv_buf_free(&c->extra);
	c->samples = NULL;
}

/* Takes one sample at OPS. The caller holds c->lock. */
static void take(struct wl_ctx *c, uint64_t ops, int want_lazy)
{
	double t = metrics_now(), cpu = metrics_thread_cpu();
	if (c->n == c->cap) {
		struct harness_sample *s = mbuf_grow(c->samples, c->cap * sizeof *s,
						     2 * c->cap * sizeof *s);
		if (!s) {
			c->dropped++;
			return;
		}
		c->samples = s;
		c->cap *= 2;
	}
	struct harness_sample *s = &c->samples[c->n++];
	struct region_stats st;
	struct pages_counts pc;
	region_stats_get(&st);
	pages_counts_get(&pc);
	metrics_read(&s->m);
	s->m.minor_faults -= c->base.minor_faults;
	s->m.major_faults -= c->base.major_faults;
	s->ops = ops;
	s->bytes_allocated = st.bytes_requested;
	s->live_bytes = st.bytes_live;
	s->committed_bytes = st.bytes_committed;
	s->wall_s = t - c->t0;
	/* Without MADV_FREE counted there is nothing lazy to see, unless the
	 * backend's library makes calls no one counts. */
	if (pc.lazy_calls == 0 && !pc.unmeasured) {
		s->lazyfree_bytes = 0;
	} else if (want_lazy || c->lazy_s <= 0.0025 * (t - c->t0)) {
		double t1 = metrics_now();
		s->lazyfree_bytes = metrics_lazyfree();
		c->lazy_s += metrics_now() - t1;
	} else {
		s->lazyfree_bytes = -1;
	}
	c->sampling_s += metrics_now() - t;
	c->sampling_cpu_s += metrics_thread_cpu() - cpu;
}

void harness_start(struct wl_ctx *c)
{
	int first = c->t0 == 0;   /* wl_mark_start starts the run again */
	c->hwm_reset = metrics_hwm_reset() == 0;
	if (!c->hwm_reset && first)
		fprintf(stderr, "%s: note: cannot reset VmHWM (/proc/self/clear_refs); "
			"peak_rss_bytes includes the setup before the run\n", c->prog);
	metrics_read(&c->base);
	metrics_cpu(&c->user_s, &c->sys_s);
	if (wl_latency_on)
		latency_begin();
	c->t0 = metrics_now();
	pthread_mutex_lock(&c->lock);
	take(c, 0, 0);
	c->start_rss = c->samples[0].m.rss_bytes;
	pthread_mutex_unlock(&c->lock);
}

void harness_stop(struct wl_ctx *c)
{
	c->wall_s = metrics_now() - c->t0;
	double user, sys;
	metrics_cpu(&user, &sys);
	c->user_s = user - c->user_s;
	c->sys_s = sys - c->sys_s;
	if (wl_latency_on)
		latency_end();
	/* This sample is outside wall_s, so its cost is not in sampling_s. */
	double spent = c->sampling_s, spent_cpu = c->sampling_cpu_s;
	pthread_mutex_lock(&c->lock);
	take(c, atomic_load(&c->ops), 1);
	pthread_mutex_unlock(&c->lock);
	c->sampling_s = spent;
	c->sampling_cpu_s = spent_cpu;
}

uint64_t harness_peak_rss(const struct wl_ctx *c, const char **how)
{
	uint64_t sampled = 0;
	for (size_t i = 0; i < c->n; i++)
		if (c->samples[i].m.rss_bytes > sampled)
			sampled = c->samples[i].m.rss_bytes;
	uint64_t hwm = c->n ? c->samples[c->n - 1].m.hwm_bytes : 0;
	if (hwm == 0) {
		*how = "sampled";
		return sampled;
	}
	*how = c->hwm_reset ? "vmhwm" : "vmhwm-unreset";
	/* The kernel counts RSS in per-CPU batches and updates the high-water
	 * mark from the batched sum, so VmHWM can sit a few dozen pages below
	 * an exact RSS read a moment earlier (docs/measuring.md). */
	return hwm > sampled ? hwm : sampled;
}

void wl_mark_start(struct wl_ctx *c)
{
	/* The run starts again: samples, clock, CPU times, faults and the
	 * high-water mark all count from here. */
	pthread_mutex_lock(&c->lock);
	c->n = 0;
	c->sampling_s = c->sampling_cpu_s = c->lazy_s = 0;
	pthread_mutex_unlock(&c->lock);
	harness_start(c);
}

int64_t wl_param(const struct wl_ctx *c, const char *name)
{
	for (int i = 0; c->wl && c->wl->params[i].name; i++)
		if (strcmp(c->wl->params[i].name, name) == 0)
			return c->values[i];
	/* A workload asking for a parameter it did not declare is a bug. */
	fprintf(stderr, "%s: workload %s has no parameter %s\n", c->prog,
		c->wl ? c->wl->name : "(none)", name);
	abort();
}

uint64_t wl_seed(const struct wl_ctx *c)
{
	return c->seed;
}

void wl_set_total_ops(struct wl_ctx *c, uint64_t total)
{
	c->total = total;
	c->step = total / HARNESS_POINTS ? total / HARNESS_POINTS : 1;
	uint64_t done = atomic_load(&c->ops);
	atomic_store(&c->next, (done / c->step + 1) * c->step);
}

void wl_progress(struct wl_ctx *c, uint64_t n)
{
	uint64_t v = atomic_fetch_add_explicit(&c->ops, n, memory_order_relaxed) + n;
	if (v < atomic_load_explicit(&c->next, memory_order_relaxed))
		return;
	if (pthread_mutex_trylock(&c->lock) != 0)
		return;   /* another thread is sampling this point */
	v = atomic_load_explicit(&c->ops, memory_order_relaxed);
	uint64_t next = atomic_load_explicit(&c->next, memory_order_relaxed);
	if (v >= next) {
		take(c, v, 0);
		/* One point at a time: points other threads passed while this
		 * one sampled are taken at their next wl_progress, so a run
		 * keeps its ~400 samples, each at the first op past its point. */
		atomic_store_explicit(&c->next, next + c->step, memory_order_relaxed);
	}
	pthread_mutex_unlock(&c->lock);
}

void wl_sample(struct wl_ctx *c)
{
	pthread_mutex_lock(&c->lock);
	take(c, atomic_load(&c->ops), 0);
	pthread_mutex_unlock(&c->lock);
}

void wl_count_region(struct wl_ctx *c)
{
	atomic_fetch_add_explicit(&c->regions, 1, memory_order_relaxed);
}

int wl_limit(struct wl_ctx *c, int err, const char *what)
{
	/* Several threads may hit the limit; the first one says so. */
	if (atomic_exchange(&c->limited, 1))
		return WL_LIMIT;
	c->limit_err = err;
	struct region_stats st;
	region_stats_get(&st);
	if (st.bytes_limit > 0)
		fprintf(stderr, "%s: limit: %s (%s; pool %llu bytes)\n", c->prog,
			region_strerror(err), what, (unsigned long long)st.bytes_limit);
	else
		fprintf(stderr, "%s: limit: %s (%s)\n", c->prog, region_strerror(err), what);
	return WL_LIMIT;
}

int wl_syserr(struct wl_ctx *c, int errnum, const char *what)
{
	if (!atomic_exchange(&c->limited, 1))
		fprintf(stderr, "%s: system error: %s: %s\n", c->prog, what, strerror(errnum));
	c->syserr = errnum ? errnum : EIO;
	return WL_ESYS;
}

/* The extras go through the sample lock: workloads may set them from
 * several threads. */
void wl_extra_u64(struct wl_ctx *c, const char *name, uint64_t v)
{
	pthread_mutex_lock(&c->lock);
	json_u64(&c->extra, name, v);
	pthread_mutex_unlock(&c->lock);
}

void wl_extra_f64(struct wl_ctx *c, const char *name, double v)
{
	pthread_mutex_lock(&c->lock);
	json_f64(&c->extra, name, v);
	pthread_mutex_unlock(&c->lock);
}

void wl_extra(struct wl_ctx *c, const char *name, const char *v)
{
	pthread_mutex_lock(&c->lock);
	json_str(&c->extra, name, v);
	pthread_mutex_unlock(&c->lock);
}

/* ---- trace tooling and child workloads (h-trace) ---- */
const char *wl_target(const struct wl_ctx *c) { return c->target; }
int wl_thp(void) { return pages_hugepages(); }
