/* syscount.c: counts the mmap, munmap, madvise and mprotect calls of a
 * shared allocator library (jemalloc, mimalloc, APR), which reach libc through
 * the PLT: these definitions in the executable come first in symbol lookup,
 * count the call into the page source's counters (pages_count_foreign), and
 * make the system call directly. Calls from the executable itself are not
 * counted here (pages.c counts its own). Linked only into baselines whose
 * library maps memory itself; never into the strategies. Under ASan or TSan
 * the sanitizer's own interceptors must see these calls, so nothing is
 * interposed and the counts are reported as not measured. */
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "baseline.h"
#include "pages.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SYSCOUNT_OFF 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SYSCOUNT_OFF 1
#endif
#endif

static _Atomic uint64_t mapped;   /* bytes the library mapped and has not unmapped */

#ifdef SYSCOUNT_OFF

__attribute__((constructor)) static void unmeasured(void)
{
	pages_counts_unmeasured();
}

#else

extern char __executable_start[], etext[];   /* from the linker's default script */

/* Whether the call returning to RA came from outside the executable. */
static int foreign(void *ra)
{
	return !((char *)ra >= __executable_start && (char *)ra < etext);
}

/* noinline keeps the return address the caller's. */
__attribute__((noinline)) void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void *p = (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
	if (foreign(__builtin_return_address(0))) {
		pages_count_foreign(PAGES_MMAP);
		/* MAP_FIXED replaces pages inside a mapping the library holds
		 * already (mimalloc decommits that way): no new address space. */
		if (p != MAP_FAILED && !(flags & MAP_FIXED))
			atomic_fetch_add_explicit(&mapped, (len + PAGES_SIZE - 1) & ~(size_t)(PAGES_SIZE - 1),
						  memory_order_relaxed);
	}
	return p;
}

__attribute__((noinline)) int munmap(void *addr, size_t len)
{
	int rc = (int)syscall(SYS_munmap, addr, len);
	if (foreign(__builtin_return_address(0))) {
		pages_count_foreign(PAGES_MUNMAP);
		if (rc == 0)
			atomic_fetch_sub_explicit(&mapped, (len + PAGES_SIZE - 1) & ~(size_t)(PAGES_SIZE - 1),
						  memory_order_relaxed);
	}
	return rc;
}

__attribute__((noinline)) int madvise(void *addr, size_t len, int advice)
{
	if (foreign(__builtin_return_address(0)))
		pages_count_foreign(advice == MADV_FREE ? PAGES_MADVISE_FREE : PAGES_MADVISE);
	return (int)syscall(SYS_madvise, addr, len, advice);
}

__attribute__((noinline)) int mprotect(void *addr, size_t len, int prot)
{
	if (foreign(__builtin_return_address(0)))
		pages_count_foreign(PAGES_MPROTECT);
	return (int)syscall(SYS_mprotect, addr, len, prot);
}

#endif

uint64_t syscount_mapped(void)
{
	return atomic_load_explicit(&mapped, memory_order_relaxed);
}
