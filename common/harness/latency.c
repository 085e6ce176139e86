/* latency.c: per-call timing of create, reset and destroy (see latency.h). */
#include "latency.h"

#include <errno.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mbuf.h"
#include "region.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <x86intrin.h>
#define HAVE_TSC 1
#else
#define HAVE_TSC 0
#endif

#define NB 976   /* bucket(UINT64_MAX) + 1 */

struct hist {
	uint64_t count[3][NB];
	uint64_t n[3], max[3];
	struct hist *next;
};

int wl_latency_on;

static int use_tsc;
static uint64_t overhead;             /* ticks */
static uint64_t t_begin, t_end;       /* ticks */
static double m_begin, m_end;         /* CLOCK_MONOTONIC, s */
static struct hist *all;              /* every thread's, under lock */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local struct hist *mine;

static double mono(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

static inline uint64_t mono_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Now, in ticks (TSC cycles, or ns), before and after the timed call:
 * lfence;rdtsc starts once earlier instructions are done, rdtscp;lfence
 * once the call's are, and before later ones start (Intel's recipe for
 * timing short code). */
static inline uint64_t tick_start(void)
{
#if HAVE_TSC
	if (use_tsc) {
		_mm_lfence();
		return __rdtsc();
	}
#endif
	return mono_ns();
}

static inline uint64_t tick_end(void)
{
#if HAVE_TSC
	if (use_tsc) {
		unsigned aux;
		uint64_t t = __rdtscp(&aux);
		_mm_lfence();
		return t;
	}
#endif
	return mono_ns();
}

static unsigned bucket(uint64_t v)
{
	if (v < 32)
		return (unsigned)v;
	unsigned e = 63 - (unsigned)__builtin_clzll(v);
	return (e - 3) * 16 + (unsigned)((v >> (e - 4)) & 15);
}

/* The lowest value of bucket I, and its width, in ticks. */
static double low(unsigned i, double *width)
{
	if (i < 32) {
		*width = 1;
		return i;
	}
	unsigned e = i / 16 + 3, sub = i % 16;
	*width = (double)(1ull << (e - 4));
	return (16 + sub) * *width;
}

/* The middle of bucket I, in ticks (exact below 32). */
static double middle(unsigned i)
{
	double w, l = low(i, &w);
	return i < 32 ? l : l + w / 2;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int latency_enable(void)
{
#if HAVE_TSC
	unsigned a, b, c, d;
	/* CPUID 0x80000007, EDX bit 8: the TSC runs at a constant rate in
	 * every P-, C- and T-state. */
	use_tsc = __get_cpuid(0x80000007, &a, &b, &c, &d) && (d & (1u << 8));
#endif
	enum { N = 2001 };
	uint64_t *span = mbuf_alloc(N * sizeof *span);
	if (!span)
		return errno ? errno : ENOMEM;
	for (int i = 0; i < N; i++) {
		uint64_t t0 = tick_start();
		span[i] = tick_end() - t0;
	}
	qsort(span, N, sizeof *span, cmp_u64);
	overhead = span[N / 2];
	mbuf_free(span, N * sizeof *span);
	wl_latency_on = 1;
	return 0;
}

void latency_begin(void)
{
	m_begin = mono();
	t_begin = tick_end();
}

void latency_end(void)
{
	/* Tick and clock are read side by side at both ends; a span of at least
	 * 10 ms keeps the conversion's error under a thousandth. */
	do {
		m_end = mono();
		t_end = tick_end();
	} while (m_end - m_begin < 0.01);
}

static double ns_per_tick(void)
{
	if (!use_tsc || t_end <= t_begin)
		return 1.0;
	return (m_end - m_begin) * 1e9 / (double)(t_end - t_begin);
}

static void record(int kind, uint64_t t0, uint64_t t1)
{
	struct hist *h = mine;
	if (!h) {
		h = mbuf_alloc(sizeof *h);
		if (!h)
			return;   /* out of memory: this thread's calls go untimed */
		pthread_mutex_lock(&lock);
		h->next = all;
		all = h;
		pthread_mutex_unlock(&lock);
		mine = h;
	}
	uint64_t v = t1 - t0 > overhead ? t1 - t0 - overhead : 0;
	h->count[kind][bucket(v)]++;
	h->n[kind]++;
	if (v > h->max[kind])
		h->max[kind] = v;
}

int wl_timed_create(region_t **out)
{
	uint64_t t0 = tick_start();
	int err = region_create(out);
	record(WL_CREATE, t0, tick_end());
	return err;
}

void wl_timed_reset(region_t *r)
{
	uint64_t t0 = tick_start();
	region_reset(r);
	record(WL_RESET, t0, tick_end());
}

void wl_timed_destroy(region_t *r)
{
	uint64_t t0 = tick_start();
	region_destroy(r);
	record(WL_DESTROY, t0, tick_end());
}

/* Every thread's histogram of KIND summed into COUNT; returns the calls,
 * and the largest in *MAX. */
static uint64_t merged(int kind, uint64_t *count, uint64_t *max)
{
	uint64_t n = 0;
	*max = 0;
	memset(count, 0, NB * sizeof *count);
	pthread_mutex_lock(&lock);
	for (struct hist *h = all; h; h = h->next) {
		for (unsigned i = 0; i < NB; i++)
			count[i] += h->count[kind][i];
		n += h->n[kind];
		*max = h->max[kind] > *max ? h->max[kind] : *max;
	}
	pthread_mutex_unlock(&lock);
	return n;
}

void latency_histogram(struct csv_buf *out)
{
	static uint64_t count[NB];
	static const char *const op[3] = {"create", "reset", "destroy"};
	const char head[] = "op,bucket_low_ns,bucket_high_ns,count\n";
	double k = ns_per_tick();
	uint64_t max;
	csv_put(out, head, sizeof head - 1);
	for (int kind = 0; kind < 3; kind++) {
		merged(kind, count, &max);
		for (unsigned i = 0; i < NB; i++) {
			if (!count[i])
				continue;
			double w, l = low(i, &w);
			char line[128];
			int n = snprintf(line, sizeof line, "%s,%.6g,%.6g,%llu\n", op[kind], l * k,
					 (l + w) * k, (unsigned long long)count[i]);
			csv_put(out, line, (size_t)n);
		}
	}
}

void latency_get(int kind, struct latency_figures *f)
{
	static uint64_t count[NB];
	uint64_t max;
	memset(f, 0, sizeof *f);
	uint64_t n = merged(kind, count, &max);
	if (!n)
		return;
	double k = ns_per_tick();
	const double q[3] = {0.5, 0.99, 0.999};
	double *out[3] = {&f->p50, &f->p99, &f->p999};
	for (int j = 0; j < 3; j++) {
		/* The smallest value with at least q of the calls at or below it. */
		uint64_t rank = (uint64_t)(q[j] * (double)n + 0.999999), seen = 0;
		if (rank < 1)
			rank = 1;
		unsigned i = 0;
		while (i < NB - 1 && (seen += count[i]) < rank)
			i++;
		double v = middle(i) < (double)max ? middle(i) : (double)max;
		*out[j] = v * k;
	}
	f->n = n;
	f->max = (double)max * k;
}

const char *latency_timer(void)
{
	return use_tsc ? "tsc" : "clock_gettime";
}

double latency_overhead_ns(void)
{
	return (double)overhead * ns_per_tick();
}
