/* region_debug.h: the backends' debug checks, graded by REGION_DEBUG as
 * mimalloc grades MI_DEBUG, and their poisoning of dead memory.
 *   0  no checks (what is measured)
 *   1  assertions on arguments, magic numbers and a lock held where the code
 *      needs it (lock_held in lock.h), and dead memory (reset, destroy, a
 *      shrunk tail) filled with REGION_DEAD_BYTE and checked, when handed
 *      out again, to hold the fill or zeros: a write after reset or destroy
 *      aborts
 *   2  also the backends' internal assertions
 *   3  also expensive walks (every free list of the blocks pool, per call)
 * Under AddressSanitizer (SANITIZE=address) the strategies also poison dead
 * memory and unpoison what they hand out, so ASan reports a use after
 * region_reset or region_destroy inside their own mappings, where it cannot
 * see by itself. A failed check prints file, line and the condition, and
 * aborts. */
#ifndef REGION_DEBUG_H
#define REGION_DEBUG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#ifndef REGION_DEBUG
#define REGION_DEBUG 0
#endif

#define REGION_CHECK_(cond) \
	((cond) ? (void)0 : (fprintf(stderr, "%s:%d: region debug check failed: %s\n", \
		__FILE__, __LINE__, #cond), abort()))
#if REGION_DEBUG >= 1
#define REGION_ASSERT(cond) REGION_CHECK_(cond)
#else
#define REGION_ASSERT(cond) ((void)0)
#endif
#if REGION_DEBUG >= 2
#define REGION_ASSERT_INTERNAL(cond) REGION_CHECK_(cond)
#else
#define REGION_ASSERT_INTERNAL(cond) ((void)0)
#endif
#if REGION_DEBUG >= 3
#define REGION_ASSERT_EXPENSIVE(cond) REGION_CHECK_(cond)
#else
#define REGION_ASSERT_EXPENSIVE(cond) ((void)0)
#endif

/* ---- the fill pattern (REGION_DEBUG >= 1) ---------------------------------- */

#define REGION_DEAD_BYTE 0xdd
/* Ranges past this are filled at their ends and zeroed (MADV_DONTNEED, the
 * pages are private anonymous memory) in between, checked and poisoned
 * only at their ends: a 64 GiB run is never written whole. */
#define REGION_DEBUG_SPAN ((size_t)256 << 10)

static inline uintptr_t region_debug_pageup(uintptr_t a) { return (a + 4095) & ~(uintptr_t)4095; }

/* Marks [p, p+n) dead. */
static inline void region_debug_fill(void *p, size_t n)
{
#if REGION_DEBUG >= 1
	uintptr_t a = region_debug_pageup((uintptr_t)p), b = ((uintptr_t)p + n) & ~(uintptr_t)4095;
	if (n <= 2 * REGION_DEBUG_SPAN || madvise((void *)a, b - a, MADV_DONTNEED) != 0) {
		memset(p, REGION_DEAD_BYTE, n);
		return;
	}
	memset(p, REGION_DEAD_BYTE, a - (uintptr_t)p);
	memset((void *)b, REGION_DEAD_BYTE, (uintptr_t)p + n - b);
#else
	(void)p, (void)n;
#endif
}

/* Aborts unless every byte of [p, p+n) (its ends, when large), about to be
 * handed out, is the fill or zero (never used, or decommitted since). */
static inline void region_debug_check_dead(const void *p, size_t n)
{
#if REGION_DEBUG >= 1
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++) {
		if (i == REGION_DEBUG_SPAN && n - i > REGION_DEBUG_SPAN)
			i = n - REGION_DEBUG_SPAN;
		if (c[i] != 0 && c[i] != REGION_DEAD_BYTE) {
			fprintf(stderr, "region debug check failed: %p, %zu bytes into memory handed out "
				"again, holds 0x%02x: written after its region's reset or destroy\n",
				(const void *)(c + i), i, c[i]);
			abort();
		}
	}
#else
	(void)p, (void)n;
#endif
}

/* ---- AddressSanitizer poisoning ----------------------------------------- */

#if defined(__SANITIZE_ADDRESS__)
#define REGION_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define REGION_ASAN 1
#endif
#endif
#ifndef REGION_ASAN
#define REGION_ASAN 0
#endif

/* REGION_ASAN_LOAD and REGION_ASAN_STORE check an access ASan cannot see
 * (inline asm, such as blocks-gs's %gs-relative ones) as its own
 * instrumentation would, reporting it if [p, p+n) is poisoned. */
#if REGION_ASAN
#include <sanitizer/asan_interface.h>

/* Poisons the ends of a large range only (its shadow would be written). */
static inline void region_asan_poison(void *p, size_t n)
{
	if (n <= 2 * REGION_DEBUG_SPAN) {
		ASAN_POISON_MEMORY_REGION(p, n);
		return;
	}
	ASAN_POISON_MEMORY_REGION(p, REGION_DEBUG_SPAN);
	ASAN_POISON_MEMORY_REGION((char *)p + n - REGION_DEBUG_SPAN, REGION_DEBUG_SPAN);
}

/* Unpoisons all of [p, p+n): the whole pages of a large range's shadow are
 * zeroed with MADV_DONTNEED, as ASan does itself, not written. */
static inline void region_asan_unpoison(void *p, size_t n)
{
	size_t scale, off;
	__asan_get_shadow_mapping(&scale, &off);
	uintptr_t beg = (uintptr_t)p, end = beg + n;
	uintptr_t sa = region_debug_pageup((beg >> scale) + off), sb = (((end >> scale) + off) & ~(uintptr_t)4095);
	if (n <= 4 * REGION_DEBUG_SPAN || sa >= sb) {
		ASAN_UNPOISON_MEMORY_REGION(p, n);
		return;
	}
	uintptr_t a = (sa - off) << scale, b = (sb - off) << scale;
	ASAN_UNPOISON_MEMORY_REGION(p, a - beg);
	if (madvise((void *)sa, sb - sa, MADV_DONTNEED) != 0)
		ASAN_UNPOISON_MEMORY_REGION((void *)a, b - a);
	ASAN_UNPOISON_MEMORY_REGION((void *)b, end - b);
}
#define REGION_POISON(p, n) region_asan_poison((p), (n))
#define REGION_UNPOISON(p, n) region_asan_unpoison((p), (n))
#if defined(__clang__)
void __asan_loadN(uintptr_t p, uintptr_t n);
void __asan_storeN(uintptr_t p, uintptr_t n);
#define REGION_ASAN_LOAD(p, n) __asan_loadN((uintptr_t)(p), (n))
#define REGION_ASAN_STORE(p, n) __asan_storeN((uintptr_t)(p), (n))
#else   /* GCC knows them as built-ins of this type */
void __asan_loadN(void *p, long n);
void __asan_storeN(void *p, long n);
#define REGION_ASAN_LOAD(p, n) __asan_loadN((void *)(p), (long)(n))
#define REGION_ASAN_STORE(p, n) __asan_storeN((void *)(p), (long)(n))
#endif
#else
#define REGION_POISON(p, n) ((void)(p), (void)(n))
#define REGION_UNPOISON(p, n) ((void)(p), (void)(n))
#define REGION_ASAN_LOAD(p, n) ((void)0)
#define REGION_ASAN_STORE(p, n) ((void)0)
#endif

/* Memory dies (reset, destroy, a shrunk tail): filled, then poisoned. Part
 * of it may be dead already (a shrunk tail inside a destroyed run), so it is
 * unpoisoned for the fill first. */
static inline void region_debug_dead(void *p, size_t n)
{
	REGION_UNPOISON(p, n);
	region_debug_fill(p, n);
	REGION_POISON(p, n);
}

/* Memory is handed out: unpoisoned, then checked. */
static inline void region_debug_live(void *p, size_t n)
{
	REGION_UNPOISON(p, n);
	region_debug_check_dead(p, n);
}

#endif
