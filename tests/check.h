/* check.h: the few helpers every test program uses.
 *
 * A test program runs named cases; each case passes when none of its CHECKs
 * failed. Output is one line per case, "PASS backend/case" or
 * "FAIL backend/case: file:line: what", which tests/run counts. */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>

/* Fails the current case (and goes on) when COND is false. */
#define CHECK(cond, ...) \
	((cond) ? (void)0 : check_fail(__FILE__, __LINE__, #cond, "" __VA_ARGS__))

/* Like CHECK, and leaves the case function when COND is false. */
#define REQUIRE(cond, ...) \
	do { if (!(cond)) { check_fail(__FILE__, __LINE__, #cond, "" __VA_ARGS__); return; } } while (0)

void check_fail(const char *file, int line, const char *cond, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Runs FN as the case NAME and prints its result. */
void check_case(const char *name, void (*fn)(void));

/* Prints "N passed, N failed" for this program; returns its exit status. */
int check_done(void);

#endif
