/* test-faults.c: every backend fails cleanly when the page source does.
 *
 * A fixed sequence (creates, small and large allocations, shrink, reset,
 * destroy, several regions alive) runs in a fresh process to count its
 * page-source calls, then once for every N from 0 to that count with every
 * call after the first N failing (as SQLite's src/test_malloc.c does to
 * malloc), under every reclaim policy. Each run must see only clean NULLs
 * and error codes, intact data in the regions already alive, nothing live
 * once all is destroyed, no leak (under ASan), and a backend that works
 * again once the page source does. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "pages.h"
#include "region.h"

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)

/* What a child tells its parent, in memory they share. */
struct report {
	uint64_t calls;      /* page-source calls the run made */
	uint64_t failures;   /* of which injected failures */
	int nbad;
	char first[512];     /* the first thing that went wrong */
};
static struct report *rep;

/* CHECK for the child: notes the first failure in the report. */
#define FCHECK(cond, ...) ((cond) ? (void)0 : note(__LINE__, #cond, " " __VA_ARGS__))

static void note(int line, const char *cond, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void note(int line, const char *cond, const char *fmt, ...)
{
	if (rep->nbad++)
		return;
	fmt++;   /* the space FCHECK adds */
	int n = snprintf(rep->first, sizeof rep->first, "%s:%d: %s", __FILE__, line, cond);
	if (*fmt && n > 0 && (size_t)n < sizeof rep->first - 4) {
		va_list ap;
		va_start(ap, fmt);
		rep->first[n++] = ' ', rep->first[n++] = '(';
		n += vsnprintf(rep->first + n, sizeof rep->first - n - 1, fmt, ap);
		va_end(ap);
		if ((size_t)n < sizeof rep->first - 1)
			strcat(rep->first, ")");
	}
}

static int is_limit_error(int e)
{
	return e == REGION_ENOMEM || e == REGION_EPOOL || e == REGION_ESPACE ||
		e == REGION_EREGION || e == REGION_ELIMIT;
}

/* The sequence's state: up to 4 regions, each with its live allocations. */
enum { NREG = 4, NPC = 160 };
struct piece { void *p; size_t size; uint64_t seed; };
static region_t *reg[NREG];
static struct piece pc[NREG][NPC];
static int npc[NREG];
static int strict;   /* no injection: every step must succeed */

/* Checks the live allocations of region WHOLE (-1: none) in full, and the
 * first 4 KiB of the others, which keeps a run short: each is checked in
 * full before its region is reset or destroyed. */
static void check_some(int step, int whole)
{
	for (int i = 0; i < NREG; i++)
		for (int j = 0; j < npc[i]; j++) {
			size_t n = pc[i][j].size;
			if (i != whole && n > 4096)
				n = 4096;
			FCHECK(check_intact(pc[i][j].p, n, pc[i][j].seed),
				"step %d: region %d allocation %d damaged", step, i, j);
		}
}

static void check_all(int step) { check_some(step, -1); }

static void create(int i, int step)
{
	region_t *sentinel = (region_t *)&reg, *r = sentinel;
	int e = region_create(&r);
	if (e == 0) {
		FCHECK(r != NULL && r != sentinel, "step %d", step);
		reg[i] = r;
	} else {
		FCHECK(r == sentinel, "step %d: region_create wrote *out and failed", step);
		FCHECK(is_limit_error(e), "step %d: %s", step, region_strerror(e));
		FCHECK(!strict, "step %d: create: %s", step, region_strerror(e));
		reg[i] = NULL;
	}
	npc[i] = 0;
}

/* Allocates N pieces of SIZE in region I (if it exists); returns the last. */
static void *alloc(int i, int n, size_t size, size_t align, int step)
{
	void *p = NULL;
	for (int k = 0; k < n && reg[i]; k++) {
		p = region_alloc(reg[i], size, align);
		if (!p) {
			int e = region_error(reg[i]);
			FCHECK(is_limit_error(e), "step %d: %s", step, region_strerror(e));
			FCHECK(!strict, "step %d: alloc %zu: %s", step, size, region_strerror(e));
			continue;
		}
		FCHECK((uintptr_t)p % (align < 8 ? 8 : align) == 0, "step %d", step);
		if (npc[i] == NPC)
			continue;
		struct piece *q = &pc[i][npc[i]++];
		*q = (struct piece){p, size, (uint64_t)step << 32 | (uint64_t)i << 16 | k};
		check_fill(p, size, q->seed);
	}
	return p;
}

/* Shrinks region I's newest allocation P (if it was the last one taken). */
static void shrink(int i, void *p, size_t size, int step)
{
	if (!reg[i] || !p || !npc[i] || pc[i][npc[i] - 1].p != p)
		return;
	int e = region_shrink(reg[i], p, size);
	FCHECK(e == 0, "step %d: shrink: %s", step, region_strerror(e));
	if (e == 0)
		pc[i][npc[i] - 1].size = size;
}

static void reset(int i, int step)
{
	check_some(step, i);
	if (reg[i])
		region_reset(reg[i]);
	npc[i] = 0;
}

static void destroy(int i, int step)
{
	check_some(step, i);
	region_destroy(reg[i]);
	reg[i] = NULL;
	npc[i] = 0;
}

/* The fixed sequence; checks everything alive after every step. */
static void sequence(void)
{
	int s = 0;
	create(0, ++s);
	alloc(0, 20, 40, 8, ++s);               check_all(s);
	create(1, ++s);
	alloc(1, 1, 100 * KiB, 8, ++s);         check_all(s);
	alloc(1, 1, 2 * MiB, 64, ++s);          check_all(s);
	void *p = alloc(0, 1, MiB, 4096, ++s);
	shrink(0, p, 100, ++s);                 check_all(s);
	create(2, ++s);
	alloc(2, 50, 200, 16, ++s);             check_all(s);
	reset(2, ++s);
	alloc(2, 10, 3000, 8, ++s);             check_all(s);
	reset(1, ++s);
	alloc(1, 1, 300 * KiB, 8, ++s);         check_all(s);
	destroy(0, ++s);
	create(3, ++s);
	p = alloc(3, 1, 2 * MiB, 4096, ++s);
	shrink(3, p, 5000, ++s);                check_all(s);
	alloc(3, 3, 64 * KiB, 8, ++s);          check_all(s);
	alloc(1, 64, 24, 8, ++s);               check_all(s);
	create(0, ++s);
	alloc(0, 2, 3 * MiB, 8, ++s);           check_all(s);
	reset(0, ++s);
	alloc(0, 5, 100, 8, ++s);               check_all(s);
	for (int i = 0; i < NREG; i++)
		destroy(i, ++s);
}

/* The child's run: the sequence with the page source failing after N calls
 * (N < 0: never), then checks that nothing is left and, with the page
 * source working again, that the sequence runs whole. */
static const char *policy;   /* the reclaim policy the children run under */

static void child(long n)
{
	struct pages_counts c0, c1;
	struct region_stats st;
	int e = region_policy_set(policy);
	FCHECK(e == 0, "policy %s: %s", policy, region_strerror(e));
	pages_clock_fake(1);   /* a policy's clock moves with its calls, not with the load */
	pages_counts_get(&c0);
	strict = n < 0;
	pages_fail_after(n, ENOMEM);
	sequence();
	pages_fail_after(-1, 0);
	pages_counts_get(&c1);
	rep->calls = c1.calls - c0.calls;
	rep->failures = c1.failures - c0.failures;
	region_stats_get(&st);
	FCHECK(st.regions_live == 0 && st.bytes_live == 0, "after the run: %llu regions, %llu bytes live",
		(unsigned long long)st.regions_live, (unsigned long long)st.bytes_live);
	strict = 1;
	sequence();
	region_stats_get(&st);
	FCHECK(st.regions_live == 0 && st.bytes_live == 0, "after the rerun: %llu regions, %llu bytes live",
		(unsigned long long)st.regions_live, (unsigned long long)st.bytes_live);
	/* exit runs LeakSanitizer, which exits non-zero on a leak. */
	exit(rep->nbad ? 1 : 0);
}

/* Runs child(N) in a fresh process; returns 0 when it went well, else a
 * description in rep->first. */
static int run(long n)
{
	memset(rep, 0, sizeof *rep);
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(rep->first, sizeof rep->first, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0)
		child(n);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (!rep->nbad) {
		if (WIFSIGNALED(st))
			snprintf(rep->first, sizeof rep->first, "killed by signal %d", WTERMSIG(st));
		else
			snprintf(rep->first, sizeof rep->first, "exit status %d (a leak under ASan?)",
				WEXITSTATUS(st));
	}
	return -1;
}

static uint64_t total_calls;
static long total_points;

/* The sequence without failures: all must succeed; counts the calls. */
static void t_sequence(void)
{
	CHECK(run(-1) == 0, "%s", rep->first);
	total_calls = rep->calls;
	CHECK(rep->failures == 0);
}

static void t_inject(void)
{
	if (total_calls == 0) {
		check_skip("the backend makes 0 page-source calls");
		return;
	}
	long points = 0, reported = 0;
	for (long n = 0; n <= (long)total_calls; n++) {
		int bad = run(n) != 0;
		if (bad && reported++ < 5)
			CHECK(0, "failing after %ld of %llu calls: %s", n,
				(unsigned long long)total_calls, rep->first);
		/* Determinism: the first N calls are the counting run's, so
		 * call N+1 exists and fails. */
		if (!bad && n < (long)total_calls)
			CHECK(rep->failures > 0, "failing after %ld calls: no call failed", n);
		points += rep->failures > 0;
	}
	CHECK(reported == 0, "%ld of %llu runs failed", reported, (unsigned long long)total_calls + 1);
	total_points += points;
}

int main(void)
{
	rep = mmap(NULL, sizeof *rep, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (rep == MAP_FAILED) {
		perror("test-faults: mmap");
		return 1;
	}
	/* Every reclaim policy, as each gives memory back its own way. */
	const char *const *pol = region_policies();
	static char names[16][2][64];
	for (int i = 0; pol && pol[i] && i < 16; i++) {
		policy = pol[i];
		snprintf(names[i][0], sizeof names[i][0], "sequence-%s", policy);
		snprintf(names[i][1], sizeof names[i][1], "inject-%s", policy);
		check_case(names[i][0], t_sequence);
		check_case(names[i][1], t_inject);
	}
	printf("faults: %s: %ld injection points run\n", region_backend(), total_points);
	return check_done();
}
