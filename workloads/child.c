/* child.c: see child.h. */
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int child_start(struct child *c, const char *workload, const char *const *args, const int *keep)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return errno;
	char fdarg[32];
	snprintf(fdarg, sizeof fdarg, "--child=%d", sv[1]);
	const char *argv[32] = { "regionbench", "run", workload };
	int n = 3;
	for (; args && *args && n < 30; args++)
		argv[n++] = *args;
	argv[n++] = fdarg;
	argv[n] = NULL;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(sv[0]);
		close(sv[1]);
		return e;
	}
	if (pid == 0) {
		fcntl(sv[1], F_SETFD, 0);
		for (; keep && *keep >= 0; keep++)
			fcntl(*keep, F_SETFD, 0);
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		execv("/proc/self/exe", (char *const *)argv);
		_exit(127);   /* the parent sees EOF instead of a report */
	}
	close(sv[1]);
	c->pid = pid;
	c->fd = sv[0];
	return 0;
}

int child_send(int fd, const void *p, size_t len)
{
	const char *s = p;
	while (len > 0) {
		ssize_t w = send(fd, s, len, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno;
		s += w;
		len -= (size_t)w;
	}
	return 0;
}

int child_recv(int fd, void *p, size_t len)
{
	char *s = p;
	while (len > 0) {
		ssize_t r = read(fd, s, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno;
		if (r == 0)
			return EPIPE;
		s += r;
		len -= (size_t)r;
	}
	return 0;
}

int child_wait(struct child *c, char *why, size_t cap)
{
	int st;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	while (waitpid(c->pid, &st, 0) < 0)
		if (errno != EINTR) {
			snprintf(why, cap, "cannot wait for it: %s", strerror(errno));
			return -1;
		}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFEXITED(st))
		snprintf(why, cap, "it exited with status %d%s", WEXITSTATUS(st),
			 WEXITSTATUS(st) == 127 ? " (it could not re-execute /proc/self/exe)" : "");
	else
		snprintf(why, cap, "it was killed by signal %d", WTERMSIG(st));
	return -1;
}

int child_report(int fd, struct child_report *r)
{
	r->pid = getpid();
	return child_send(fd, r, sizeof *r) ? WL_ESYS : WL_OK;
}

int child_result(struct wl_ctx *ctx, int index, const struct child_report *r)
{
	char what[256];
	snprintf(what, sizeof what, "child process %d: %s", index, r->what);
	if (r->status == WL_LIMIT)
		return wl_limit(ctx, r->err, what);
	if (r->status != WL_OK)
		return wl_syserr(ctx, r->err, what);
	return WL_OK;
}

int child_fail(struct child_report *r, int status, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->what, sizeof r->what, fmt, ap);
	va_end(ap);
	r->status = status;
	r->err = err;
	return status;
}
