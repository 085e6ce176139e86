/* malloc_log.c: the LD_PRELOAD half of scripts/record-trace.
 *
 * Interposes malloc, calloc, realloc, free, posix_memalign, aligned_alloc,
 * memalign and valloc, forwards each to glibc's own __libc_* entry points
 * (no dlsym, so no recursion while the loader itself allocates), and logs
 * one 16-byte record per allocation or free into a 1 MiB buffer that a
 * spinlock guards and write(2) drains. Each process image logs to its own
 * file, $REGIONTRACE_LOG_DIR/PID-NS.log; a forked child drops the records
 * its parent had buffered and opens its own file. The recorder never calls
 * malloc itself: no stdio, hand-made file names. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);

/* A record: ptr, and size | op << 56 | log2(align) << 48. The log starts
 * with a 16-byte header: "RTLOG1\0\0" and the start time in ns. */
enum { OP_ALLOC = 1, OP_FREE = 2 };
#define SIZE_MASK ((1ull << 48) - 1)

#define BUF_RECS (1 << 16)
static uint64_t buf[BUF_RECS * 2];
static size_t nrec;
static int fd = -1, off;       /* off: logging is off (no dir, or a failed write) */
static atomic_flag lock = ATOMIC_FLAG_INIT;
static pid_t owner;            /* the pid that opened fd */

static void take(void)
{
	while (atomic_flag_test_and_set_explicit(&lock, memory_order_acquire))
		;
}

static void give(void)
{
	atomic_flag_clear_explicit(&lock, memory_order_release);
}

static void drain(void)
{
	size_t len = nrec * 16, done = 0;
	while (fd >= 0 && done < len) {
		ssize_t n = write(fd, (char *)buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			off = 1;   /* a full disk stops the log, never the program */
			break;
		}
		done += (size_t)n;
	}
	nrec = 0;
}

static char *put(char *p, uint64_t v)
{
	char t[20];
	int n = 0;
	do
		t[n++] = (char)('0' + v % 10);
	while (v /= 10);
	while (n)
		*p++ = t[--n];
	return p;
}

/* Opens this process's log file; called with the lock held. */
static void open_log(void)
{
	const char *dir = getenv("REGIONTRACE_LOG_DIR");
	size_t dl = dir ? strlen(dir) : 0;
	char path[4096];
	if (!dir || dl > sizeof path - 64) {
		off = 1;
		return;
	}
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	memcpy(path, dir, dl);
	char *p = path + dl;
	*p++ = '/';
	owner = getpid();
	p = put(p, (uint64_t)owner);
	*p++ = '-';
	p = put(p, ns);
	memcpy(p, ".log", 5);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		off = 1;
		return;
	}
	memcpy(buf, "RTLOG1\0\0", 8);
	buf[1] = ns;
	nrec = 1;
}

static inline void logrec(uint64_t ptr, uint64_t word)
{
	take();
	if (fd < 0 && !off)
		open_log();
	if (!off) {
		buf[nrec * 2] = ptr;
		buf[nrec * 2 + 1] = word;
		if (++nrec == BUF_RECS)
			drain();
	}
	give();
}

static inline uint64_t lg(size_t a)
{
	uint64_t l = 0;
	while (l < 63 && ((size_t)1 << l) < a)
		l++;
	return l;
}

static inline void *logged(void *p, size_t size, size_t align)
{
	if (p)
		logrec((uintptr_t)p, (size & SIZE_MASK) | (uint64_t)OP_ALLOC << 56 | lg(align) << 48);
	return p;
}

void *malloc(size_t size)
{
	return logged(__libc_malloc(size), size, 0);
}

void *calloc(size_t n, size_t size)
{
	return logged(__libc_calloc(n, size), n * size, 0);
}

void free(void *p)
{
	if (p)
		logrec((uintptr_t)p, (uint64_t)OP_FREE << 56);
	__libc_free(p);
}

void *realloc(void *old, size_t size)
{
	void *p = __libc_realloc(old, size);
	/* In region terms the old object dies and a new one is born. */
	if (old && (p || size == 0))
		logrec((uintptr_t)old, (uint64_t)OP_FREE << 56);
	return logged(p, size, 0);
}

void *memalign(size_t align, size_t size)
{
	return logged(__libc_memalign(align, size), size, align);
}

void *aligned_alloc(size_t align, size_t size)
{
	return logged(__libc_memalign(align, size), size, align);
}

void *valloc(size_t size)
{
	return logged(__libc_memalign(4096, size), size, 4096);
}

int posix_memalign(void **out, size_t align, size_t size)
{
	if (align < sizeof(void *) || (align & (align - 1)))
		return EINVAL;
	void *p = __libc_memalign(align, size);
	if (!p)
		return ENOMEM;
	*out = logged(p, size, align);
	return 0;
}

/* fork: no record is half written, and the child starts its own log. */
static void prepare(void)
{
	take();
}

static void parent(void)
{
	give();
}

static void child(void)
{
	nrec = 0;
	if (fd >= 0)
		close(fd);
	fd = -1;
	off = 0;
	give();
}

__attribute__((constructor)) static void init(void)
{
	pthread_atfork(prepare, parent, child);
}

__attribute__((destructor)) static void fini(void)
{
	take();
	if (fd >= 0 && owner == getpid())
		drain();
	give();
}
