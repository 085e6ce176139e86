/* pages.c: the page source (see pages.h). Reservations are private
 * anonymous MAP_NORESERVE mappings, so committing needs no syscall and never
 * splits a mapping; decommit is one madvise per run, which is why callers
 * batch runs (docs/policies.md: 0.1 us a page in bulk, 1.6 us a single-page
 * call). */
#include "pages.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <time.h>

static _Atomic uint64_t n_mmap, n_munmap, n_madvise, n_mprotect, n_lazy, n_calls, n_failures;
static _Atomic long fail_left = -1;   /* calls left before injected failures; -1: off */
static _Atomic int fail_err;
static int hugepages;
static _Atomic int unmeasured;

/* Counts a page-source call; returns the injected errno, or 0 to go on. */
static int enter(void)
{
	atomic_fetch_add_explicit(&n_calls, 1, memory_order_relaxed);
	long left = atomic_load_explicit(&fail_left, memory_order_relaxed);
	while (left >= 0) {
		if (left == 0) {
			atomic_fetch_add_explicit(&n_failures, 1, memory_order_relaxed);
			return atomic_load_explicit(&fail_err, memory_order_relaxed);
		}
		if (atomic_compare_exchange_weak(&fail_left, &left, left - 1))
			break;
	}
	return 0;
}

static int fail(int err)
{
	atomic_fetch_add_explicit(&n_failures, 1, memory_order_relaxed);
	return err ? err : ENOMEM;
}

static void count(_Atomic uint64_t *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

int pages_reserve(size_t size, size_t align, void **out)
{
	int err = enter();
	if (err)
		return err;
	if (size == 0 || size % PAGES_SIZE || align < PAGES_SIZE || (align & (align - 1)))
		return fail(EINVAL);
	size_t extra = align > PAGES_SIZE ? align : 0;
	if (size + extra < size)
		return fail(ENOMEM);
	const int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
	count(&n_mmap);
	char *p = mmap(NULL, size + extra, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (p == MAP_FAILED)
		return fail(errno);
	if (extra) {
		/* Over-reserve by ALIGN and trim both ends to the aligned range. */
		uintptr_t a = ((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1);
		size_t head = a - (uintptr_t)p, tail = extra - head;
		if (head) {
			count(&n_munmap);
			munmap(p, head);
		}
		if (tail) {
			count(&n_munmap);
			munmap((char *)a + size, tail);
		}
		p = (char *)a;
	}
	/* One madvise for the whole reservation, not one per commit: huge
	 * pages then come on first touch wherever 2 MiB are aligned. */
	if (hugepages) {
		count(&n_madvise);
		if (madvise(p, size, MADV_HUGEPAGE) != 0) {
			int e = errno;
			count(&n_munmap);
			munmap(p, size);
			return fail(e);
		}
	}
	*out = p;
	return 0;
}

int pages_commit(void *p, size_t size)
{
	int err = enter();
	if (err)
		return err;
	if ((uintptr_t)p % PAGES_SIZE || size % PAGES_SIZE)
		return fail(EINVAL);
	return 0;
}

int pages_decommit(void *p, size_t size, int how)
{
	int err = enter();
	if (err)
		return err;
	if ((uintptr_t)p % PAGES_SIZE || size % PAGES_SIZE)
		return fail(EINVAL);
	if (size == 0)
		return 0;
	count(&n_madvise);
	if (how == PAGES_LAZY)
		count(&n_lazy);
	if (madvise(p, size, how == PAGES_LAZY ? MADV_FREE : MADV_DONTNEED) != 0)
		return fail(errno);
	return 0;
}

int pages_release(void *p, size_t size)
{
	int err = enter();
	if (err)
		return err;
	if ((uintptr_t)p % PAGES_SIZE || size % PAGES_SIZE)
		return fail(EINVAL);
	count(&n_munmap);
	if (munmap(p, size) != 0)
		return fail(errno);
	return 0;
}

void pages_set_hugepages(int on) { hugepages = on != 0; }
int pages_hugepages(void) { return hugepages; }

void pages_counts_get(struct pages_counts *out)
{
	out->mmap_calls = atomic_load(&n_mmap);
	out->munmap_calls = atomic_load(&n_munmap);
	out->madvise_calls = atomic_load(&n_madvise);
	out->mprotect_calls = atomic_load(&n_mprotect);
	out->lazy_calls = atomic_load(&n_lazy);
	out->calls = atomic_load(&n_calls);
	out->failures = atomic_load(&n_failures);
	out->unmeasured = atomic_load(&unmeasured);
}

void pages_count_foreign(int call)
{
	switch (call) {
	case PAGES_MMAP: count(&n_mmap); break;
	case PAGES_MUNMAP: count(&n_munmap); break;
	case PAGES_MADVISE_FREE: count(&n_lazy); /* fall through */
	case PAGES_MADVISE: count(&n_madvise); break;
	case PAGES_MPROTECT: count(&n_mprotect); break;
	}
}

void pages_counts_unmeasured(void) { atomic_store(&unmeasured, 1); }

void pages_fail_after(long n, int err)
{
	atomic_store(&fail_err, err ? err : ENOMEM);
	atomic_store(&fail_left, n < 0 ? -1 : n);
}

static _Atomic long clock_step = -1;    /* -1: the real clock */
static _Atomic uint64_t clock_fake;

uint64_t pages_clock_ms(void)
{
	long step = atomic_load_explicit(&clock_step, memory_order_relaxed);
	if (step >= 0)
		return atomic_fetch_add(&clock_fake, (uint64_t)step) + (uint64_t)step;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void pages_clock_fake(long step_ms)
{
	atomic_store(&clock_step, step_ms < 0 ? -1 : step_ms);
}
