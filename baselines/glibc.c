/* glibc.c: the glibc malloc baseline. Every object is one malloc (or
 * posix_memalign above malloc's 16-byte alignment), and a region remembers
 * its objects in a list of pointer chunks, newest first, so reset and
 * destroy free them one by one: what a runtime without regions pays.
 * Invariant: every object of a region is in its chunk list exactly once.
 * Syscalls are not counted: glibc malloc calls brk, mmap and madvise from
 * inside libc, where no interposer reaches (see unmeasured below). */
#include <stdlib.h>

#include "baseline.h"
#include "pages.h"

#define CHUNK_FIRST 30     /* pointers in a region's first chunk (256 bytes) */
#define CHUNK_MAX 510      /* chunks double up to 4 KiB */

struct chunk {
	struct chunk *next;    /* older chunk */
	size_t n, cap;
	void *obj[];
};

struct region {
	struct baseline_head h;
	struct chunk *list;    /* newest chunk first; NULL until the first allocation */
};

const char *const baseline_policy_names[] = { "default", NULL };
const size_t baseline_region_size = sizeof(struct region);

/* glibc's malloc makes its syscalls through libc-internal entry points that
 * an interposer cannot see, and the kernel offers no per-process syscall
 * counter without ptrace or seccomp traps (a signal per call, which would
 * distort the times measured): so results say "not measured". */
__attribute__((constructor)) static void unmeasured(void)
{
	pages_counts_unmeasured();
}

const char *region_backend(void)
{
	return "glibc";
}

int baseline_open(region_t *r)
{
	return 0;   /* the chunk list starts with the first allocation */
}

/* Frees every object and every chunk but the newest, which is returned
 * emptied (or NULL when the region had none). */
static struct chunk *drop(struct region *r)
{
	struct chunk *keep = r->list;
	for (struct chunk *c = r->list, *next; c; c = next) {
		next = c->next;
		for (size_t i = 0; i < c->n; i++)
			free(c->obj[i]);
		if (c != keep)
			free(c);
	}
	if (keep) {
		keep->n = 0;
		keep->next = NULL;
	}
	atomic_store_explicit(&r->h.chunks, 0, memory_order_relaxed);
	return keep;
}

void baseline_close(region_t *r)
{
	free(drop(r));
}

/* Keeps the newest (largest) chunk so a reused region does not malloc its
 * list again. */
void region_reset(region_t *r)
{
	r->list = drop(r);
	baseline_reset(&r->h);
}

/* Makes room for one more pointer in r's list: 0, or REGION_ENOMEM. */
static int room(struct region *r)
{
	struct chunk *c = r->list;
	if (c && c->n < c->cap)
		return 0;
	size_t cap = c ? (c->cap * 2 + 2 > CHUNK_MAX ? CHUNK_MAX : c->cap * 2 + 2) : CHUNK_FIRST;
	struct chunk *fresh = malloc(sizeof *fresh + cap * sizeof fresh->obj[0]);
	if (!fresh)
		return REGION_ENOMEM;
	fresh->next = c;
	fresh->n = 0;
	fresh->cap = cap;
	r->list = fresh;
	return 0;
}

void *region_alloc(region_t *r, size_t size, size_t align)
{
	if (baseline_check(&r->h, size, &align))
		return NULL;
	if (room(r))
		return baseline_failed(&r->h, REGION_ENOMEM);
	void *p;
	if (align <= 16) {
		/* glibc malloc aligns to 16 on x86-64 (2 * sizeof(size_t)). */
		p = malloc(size);
	} else if (posix_memalign(&p, align, size) != 0) {
		p = NULL;
	}
	if (!p)
		return baseline_failed(&r->h, REGION_ENOMEM);
	r->list->obj[r->list->n++] = p;
	baseline_add(&r->h.chunks, 1);
	return baseline_alloced(&r->h, p, size, align);
}

/* glibc has no shrink that promises to keep the address (realloc may move
 * the block, and an mmapped block may be remapped elsewhere), while region.h
 * promises P stays put: so the block keeps its size and only the region's
 * count of requested bytes shrinks. */
void baseline_shrink_lib(region_t *r, void *p, size_t size)
{
}

/* glibc's only report of what malloc holds from the OS, mallinfo2, walks
 * every free chunk under every arena's lock: 11 ms a call on a fragmented
 * heap (python3-wordcount), which would make sampling most of the run. So
 * bytes_reserved and bytes_committed are 0, not measured: RSS is the
 * figure for glibc. chunks_held is the live objects (malloc chunks),
 * summed by baseline.c. */
void baseline_stats_lib(struct region_stats *out)
{
	out->bytes_reserved = 0;
	out->bytes_committed = 0;
	out->bytes_limit = 0;
}
