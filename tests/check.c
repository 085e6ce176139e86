/* check.c: see check.h. */
#include "check.h"

#include <stdarg.h>
#include <stdlib.h>

#include "region.h"

static int case_failed, passed, failed;
static const char *case_name = "?";

void check_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
	if (!case_failed)
		printf("FAIL %s/%s: ", region_backend(), case_name);
	else
		printf("     %s/%s: ", region_backend(), case_name);
	printf("%s:%d: %s", file, line, cond);
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

void check_case(const char *name, void (*fn)(void))
{
	case_name = name;
	case_failed = 0;
	fn();
	if (case_failed) {
		failed++;
	} else {
		passed++;
		printf("PASS %s/%s\n", region_backend(), name);
	}
	fflush(stdout);
}

int check_done(void)
{
	printf("%s: %d passed, %d failed\n", region_backend(), passed, failed);
	return failed ? 1 : 0;
}
