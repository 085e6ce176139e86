/* check.h: the few helpers every test program uses.
 *
 * A test program runs named cases; each case passes when none of its CHECKs
 * failed. Output is one line per case, "PASS backend/case",
 * "FAIL backend/case: file:line: what" or "SKIP backend/case: why", of which
 * tests/run counts PASS and FAIL. CHECK is for the main thread only: worker
 * threads collect what they found and the main thread CHECKs it. */
#ifndef CHECK_H
#define CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Fails the current case (and goes on) when COND is false. */
#define CHECK(cond, ...) \
	((cond) ? (void)0 : check_fail(__FILE__, __LINE__, #cond, " " __VA_ARGS__))

/* Like CHECK, and leaves the case function when COND is false. */
#define REQUIRE(cond, ...) \
	do { if (!(cond)) { check_fail(__FILE__, __LINE__, #cond, " " __VA_ARGS__); return; } } while (0)

/* FMT starts with a space the macros add, so it is never empty. */
void check_fail(const char *file, int line, const char *cond, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Marks the current case as not applicable to this backend, for the reason
 * given: unless a CHECK failed, it prints SKIP instead of PASS. The caller
 * returns without making the checks it skips. */
void check_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Runs FN as the case NAME and prints its result. */
void check_case(const char *name, void (*fn)(void));

/* Like check_case, in a forked child, for cases that need a fresh process
 * (settings allowed only before the first region_create). A child that
 * crashes or exits otherwise than through this function fails the case. */
void check_case_fork(const char *name, void (*fn)(void));

/* Fills [p, p+n) with the pattern of SEED, a different one for every seed;
 * check_intact says whether [p, p+n) still holds it. */
void check_fill(void *p, size_t n, uint64_t seed);
int check_intact(const void *p, size_t n, uint64_t seed);

/* Prints "backend: N passed, N failed" for this program (", N skipped" when
 * some were); returns its exit status. */
int check_done(void);

#endif
