/* test-poison.c: a use of region memory after region_reset or region_destroy
 * is caught, as death tests: a child process allocates, writes, resets or
 * destroys, writes again through its old pointer, then allocates once more
 * (where the debug build checks what it hands out), and must die by abort
 * with AddressSanitizer's report (SANITIZE=address: the strategies poison
 * dead memory in their own mappings) or the debug check's (REGION_DEBUG=1:
 * dead memory holds a fill pattern). A use after reset is also checked
 * through a reference (region_store32).
 *
 * Backends that manage their own pages (region_limit_set applies: the
 * strategies) must be caught. The baselines' memory belongs to their
 * libraries, which poison nothing for us: there a case that is not caught
 * prints SKIP. A build that neither poisons nor fills prints SKIP. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "region.h"
#include "region_debug.h"

static int own_pages;   /* the backend manages its own pages */

/* What the child does after its region died: write through P (or REF),
 * then allocate again in a region, so a debug build checks the memory. */
enum how { AFTER_RESET, AFTER_DESTROY, REF_AFTER_RESET };

static void child(enum how how)
{
	region_t *r, *r2 = NULL;
	if (region_create(&r) != 0)
		_exit(20);
	char *p = region_alloc(r, 64, 8);
	if (!p)
		_exit(20);
	memset(p, 1, 64);
	region_ref_t ref = region_ref(r, p);
	if (how == AFTER_DESTROY) {
		region_destroy(r);
		((volatile char *)p)[8] = 0x55;
		if (region_create(&r2) != 0)
			_exit(20);
		for (int i = 0; i < 64; i++)
			region_alloc(r2, 64, 8);
	} else {
		region_reset(r);
		if (how == REF_AFTER_RESET)
			region_store32(r, ref, 8, 0x55555555u);
		else
			((volatile char *)p)[8] = 0x55;
		for (int i = 0; i < 64; i++)
			region_alloc(r, 64, 8);
	}
	_exit(0);   /* not caught */
}

/* Runs the case in a child with its stderr in a pipe: 1 when the child
 * died by abort with ASan's or the debug check's report, 0 when it exited
 * normally, -1 (and a FAIL) for anything else. */
static int caught(enum how how, const char *name)
{
	int fd[2];
	if (pipe(fd) != 0) {
		CHECK(0, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid == 0) {
		close(fd[0]);
		dup2(fd[1], 2);
		child(how);
	}
	close(fd[1]);
	char buf[8192];
	size_t len = 0;
	ssize_t n;
	while ((n = read(fd[0], buf + len, sizeof buf - 1 - len)) > 0 ||
	       (n < 0 && errno == EINTR))
		len += n > 0 ? (size_t)n : 0;
	close(fd[0]);
	buf[len] = 0;
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	int asan = strstr(buf, "AddressSanitizer") != NULL;
	int dbg = strstr(buf, "region debug check failed") != NULL;
	/* ASan exits with status 1 by default; a debug check aborts. */
	if ((asan && (WIFEXITED(st) || WIFSIGNALED(st))) ||
	    (dbg && WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT))
		return 1;
	CHECK(0, "%s: the child ended otherwise (status %#x): %.300s", name, st, buf);
	return -1;
}

static void run(enum how how, const char *name)
{
	if (!REGION_ASAN && REGION_DEBUG < 1) {
		check_skip("this build poisons nothing (SANITIZE=address or REGION_DEBUG=1 does)");
		return;
	}
	int c = caught(how, name);
	if (c == 0 && !own_pages)
		check_skip("the library's memory, which is not poisoned for us");
	else if (c == 0)
		CHECK(0, "%s: the write after it went unnoticed", name);
}

static void t_reset(void) { run(AFTER_RESET, "use after reset"); }
static void t_destroy(void) { run(AFTER_DESTROY, "use after destroy"); }
static void t_ref_reset(void) { run(REF_AFTER_RESET, "store through a reference after reset"); }

int main(void)
{
	own_pages = region_limit_set(0) != REGION_ENOTSUP;
	check_case("use-after-reset", t_reset);
	check_case("use-after-destroy", t_destroy);
	check_case("ref-after-reset", t_ref_reset);
	return check_done();
}
