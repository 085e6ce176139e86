/* metrics.c: process figures from /proc and getrusage (see metrics.h).
 * Descriptors stay open so a sample is a pread, not open+read+close. */
#include "metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static int fd_statm = -1, fd_status = -1;
static long page_size;

int metrics_open(void)
{
	page_size = sysconf(_SC_PAGESIZE);
	fd_statm = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	if (fd_statm < 0)
		return errno;
	fd_status = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd_status < 0) {
		int err = errno;
		metrics_close();
		return err;
	}
	return 0;
}

void metrics_close(void)
{
	if (fd_statm >= 0)
		close(fd_statm);
	if (fd_status >= 0)
		close(fd_status);
	fd_statm = fd_status = -1;
}

/* Reads the file behind FD from its start into BUF (NUL-terminated). */
static ssize_t slurp(int fd, char *buf, size_t cap)
{
	if (fd < 0)
		return -1;
	ssize_t n = pread(fd, buf, cap - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	return n;
}

/* The value in kB of the "KEY:  N kB" line of BUF, in bytes; 0 if absent. */
static uint64_t kb_field(const char *buf, const char *key)
{
	size_t len = strlen(key);
	for (const char *p = buf; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, key, len) == 0 && p[len] == ':')
			return strtoull(p + len + 1, NULL, 10) * 1024;
	return 0;
}

void metrics_read(struct metrics *m)
{
	char buf[4096];
	memset(m, 0, sizeof *m);
	if (slurp(fd_statm, buf, sizeof buf) > 0) {
		/* statm: size resident shared text lib data dt, in pages */
		char *end;
		unsigned long long size = strtoull(buf, &end, 10);
		unsigned long long rss = strtoull(end, NULL, 10);
		m->vsz_bytes = size * page_size;
		m->rss_bytes = rss * page_size;
	}
	/* VmPTE sits in the first lines of status; 4 KiB always reaches it. */
	if (slurp(fd_status, buf, sizeof buf) > 0) {
		m->page_table_bytes = kb_field(buf, "VmPTE");
		m->hwm_bytes = kb_field(buf, "VmHWM");
	}
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		m->minor_faults = ru.ru_minflt;
		m->major_faults = ru.ru_majflt;
	}
}

int64_t metrics_lazyfree(void)
{
	char buf[4096];
	int fd = open("/proc/self/smaps_rollup", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = slurp(fd, buf, sizeof buf);
	close(fd);
	if (n <= 0 || !strstr(buf, "\nLazyFree:"))
		return -1;
	return (int64_t)kb_field(buf, "LazyFree");
}

int metrics_hwm_reset(void)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	int err = write(fd, "5", 1) == 1 ? 0 : errno ? errno : EIO;
	close(fd);
	return err;
}

void metrics_cpu(double *user_s, double *sys_s)
{
	struct rusage ru;
	*user_s = *sys_s = 0;
	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		*user_s = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6;
		*sys_s = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
	}
}

double metrics_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

double metrics_thread_cpu(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}
