/* check.c: see check.h. */
#include "check.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "region.h"
#include "workload.h"

/* Sanitizer settings the suite needs wherever it runs: a baseline asked for
 * an impossible size must get NULL from the sanitizer's malloc (as from
 * glibc's), not an abort. */
const char *__asan_default_options(void);
const char *__tsan_default_options(void);
const char *__asan_default_options(void) { return "allocator_may_return_null=1"; }
const char *__tsan_default_options(void) { return "allocator_may_return_null=1"; }

/* REGION_TEST_LIMIT, a compile-time knob (bytes): every test process caps
 * the backend's pool or per-region reservation (region_limit_set) at this
 * before its first region_create. make test ARCH=aarch64 sets it, since
 * qemu-user tracks every page of a reservation and 32 GiB ones make the
 * emulated suite crawl. Unset: the backend's own sizes. */
#ifdef REGION_TEST_LIMIT
__attribute__((constructor)) static void test_limit(void)
{
	region_limit_set(REGION_TEST_LIMIT);
}
#endif

static int case_failed, case_skipped, passed, failed, skipped;
static char skip_why[256];
static const char *case_name = "?";

void check_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
	if (!case_failed)
		printf("FAIL %s/%s: ", region_backend(), case_name);
	else
		printf("     %s/%s: ", region_backend(), case_name);
	printf("%s:%d: %s", file, line, cond);
	if (fmt && *fmt == ' ')
		fmt++;
	if (fmt && *fmt) {
		va_list ap;
		va_start(ap, fmt);
		fputs(" (", stdout);
		vprintf(fmt, ap);
		fputs(")", stdout);
		va_end(ap);
	}
	putchar('\n');
	fflush(stdout);
	case_failed = 1;
}

void check_skip(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(skip_why, sizeof skip_why, fmt, ap);
	va_end(ap);
	case_skipped = 1;
}

static void begin(const char *name)
{
	case_name = name;
	case_failed = case_skipped = 0;
	skip_why[0] = 0;
}

/* Prints the verdict of a case that ran here (PASS only when PRINT_PASS);
 * returns 0 passed, 1 failed, 2 skipped. */
static int verdict(int print_pass)
{
	if (case_failed)
		return 1;
	if (case_skipped) {
		printf("SKIP %s/%s: %s\n", region_backend(), case_name, skip_why);
		fflush(stdout);
		return 2;
	}
	if (print_pass) {
		printf("PASS %s/%s\n", region_backend(), case_name);
		fflush(stdout);
	}
	return 0;
}

static void tally(int v)
{
	if (v == 1)
		failed++;
	else if (v == 2)
		skipped++;
	else
		passed++;
}

/* With CHECK_TIMES set, each case says how long it took (to keep the suite
 * within CI's time). */
static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void timed(double t0)
{
	if (getenv("CHECK_TIMES"))
		printf("TIME %s/%s: %.3f s\n", region_backend(), case_name, now() - t0);
}

void check_case(const char *name, void (*fn)(void))
{
	double t0 = now();
	begin(name);
	fn();
	tally(verdict(1));
	timed(t0);
}

void check_case_fork(const char *name, void (*fn)(void))
{
	double t0 = now();
	begin(name);
	fflush(stdout);   /* or the child would print it again */
	pid_t pid = fork();
	if (pid < 0) {
		check_fail(__FILE__, __LINE__, "fork() >= 0", "%s", strerror(errno));
		tally(1);
		return;
	}
	if (pid == 0) {
		fn();
		/* exit, not _exit: LeakSanitizer checks the child at exit and
		 * exits with its own status on a leak, so PASS is printed by
		 * the parent once the child has exited cleanly. */
		exit(10 + verdict(0));
	}
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) >= 10 && WEXITSTATUS(st) <= 12) {
		int v = WEXITSTATUS(st) - 10;
		if (v == 0)
			printf("PASS %s/%s\n", region_backend(), name);
		tally(v);
		timed(t0);
		fflush(stdout);
		return;
	}
	if (WIFSIGNALED(st))
		check_fail(__FILE__, __LINE__, "child exited", "killed by signal %d", WTERMSIG(st));
	else
		check_fail(__FILE__, __LINE__, "child exited", "exit status %d", WEXITSTATUS(st));
	tally(1);
}

/* The pattern word K of SEED: splitmix64 of both, so patterns of nearby
 * seeds and shifted copies differ. */
static uint64_t word(uint64_t seed, uint64_t k)
{
	uint64_t s = seed * 0xd1342543de82ef95ull + k;
	return wl_rand(&s);
}

void check_fill(void *p, size_t n, uint64_t seed)
{
	unsigned char *b = p;
	for (size_t k = 0; k * 8 < n; k++) {
		uint64_t w = word(seed, k);
		size_t m = n - k * 8 < 8 ? n - k * 8 : 8;
		memcpy(b + k * 8, &w, m);
	}
}

int check_intact(const void *p, size_t n, uint64_t seed)
{
	const unsigned char *b = p;
	for (size_t k = 0; k * 8 < n; k++) {
		uint64_t w = word(seed, k);
		size_t m = n - k * 8 < 8 ? n - k * 8 : 8;
		if (memcmp(b + k * 8, &w, m) != 0)
			return 0;
	}
	return 1;
}

int check_done(void)
{
	printf("%s: %d passed, %d failed", region_backend(), passed, failed);
	if (skipped)
		printf(", %d skipped", skipped);
	printf("\n");
	return failed ? 1 : 0;
}
