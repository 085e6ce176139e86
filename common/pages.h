/* pages.h: the one page source every strategy gets OS memory from.
 *
 * Reserve hands out address space that is readable and writable but backed
 * only when touched (MAP_NORESERVE), so a 32 GiB reservation costs no
 * memory; commit and decommit move the boundary of what may be resident;
 * release gives the range back. Every call returns 0 or an errno value and
 * is counted, so results report the syscalls of every backend alike, and
 * tests can make the page source fail at one place (pages_fail_after).
 * Modelled on mimalloc's include/mimalloc/prim.h. Thread-safe. */
#ifndef PAGES_H
#define PAGES_H

#include <stddef.h>
#include <stdint.h>

#define PAGES_SIZE 4096u

/* Reserves SIZE bytes (a multiple of PAGES_SIZE) aligned to ALIGN (a power
 * of two, at least PAGES_SIZE) into *out. Memory reads as zero until used. */
int pages_reserve(size_t size, size_t align, void **out);

/* Makes [p, p+size) usable. Page aligned. Bookkeeping only (no syscall):
 * reservations are readable and writable, backed on first touch. */
int pages_commit(void *p, size_t size);

/* Lets the OS take back the pages of [p, p+size); they read as zero after.
 * PAGES_LAZY uses MADV_FREE: resident until memory is short, and then they
 * may read as zero or keep their old contents. Page aligned. */
enum { PAGES_NOW = 0, PAGES_LAZY = 1 };
int pages_decommit(void *p, size_t size, int how);

/* Unmaps [p, p+size), a whole reservation or a page-aligned part of one. */
int pages_release(void *p, size_t size);

/* Settings, chosen once before any reservation. */
void pages_set_hugepages(int on);   /* madvise(MADV_HUGEPAGE) on each reservation */
int pages_hugepages(void);

/* Syscalls made so far, and page-source calls made (successful or not). */
struct pages_counts {
	uint64_t mmap_calls, munmap_calls, madvise_calls, mprotect_calls;
	uint64_t lazy_calls;       /* of the madvise calls, MADV_FREE ones */
	uint64_t calls;            /* reserve+commit+decommit+release calls */
	uint64_t failures;         /* of which failed */
	int unmeasured;            /* 1: the backend's library makes syscalls no one can count */
};
void pages_counts_get(struct pages_counts *out);

/* For baselines whose library maps memory itself. pages_count_foreign adds
 * one of the library's calls (PAGES_MMAP, ...) counted by an interposer
 * (baselines/syscount.c) to the syscall counts, not to calls. A backend
 * whose library calls mmap, brk and madvise from inside libc (glibc malloc)
 * calls pages_counts_unmeasured once: results then print the syscall counts
 * as not measured instead of a partial figure. Both are thread-safe. */
enum { PAGES_MMAP, PAGES_MUNMAP, PAGES_MADVISE, PAGES_MADVISE_FREE, PAGES_MPROTECT };
void pages_count_foreign(int call);
void pages_counts_unmeasured(void);

/* Fault injection: the next N page-source calls succeed, every one after
 * fails with ERR until pages_fail_after(-1, 0) turns it off. */
void pages_fail_after(long n, int err);

/* The clock of policies that give memory back over time: milliseconds on
 * CLOCK_MONOTONIC. pages_clock_fake(STEP) makes it a counter that moves
 * STEP ms at each read, so such a policy makes the same calls in every run
 * (fault injection needs that); pages_clock_fake(-1) restores the real one. */
uint64_t pages_clock_ms(void);
void pages_clock_fake(long step_ms);

#endif
