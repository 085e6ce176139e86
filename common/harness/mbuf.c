/* mbuf.c: anonymous mappings for the harness (see mbuf.h). */
#include "mbuf.h"

#include <sys/mman.h>
#include <unistd.h>

static size_t round_up(size_t n)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	return n ? (n + pg - 1) / pg * pg : pg;
}

void *mbuf_alloc(size_t bytes)
{
	void *p = mmap(NULL, round_up(bytes), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

void *mbuf_grow(void *p, size_t old, size_t new)
{
	if (!p)
		return mbuf_alloc(new);
	if (round_up(new) <= round_up(old))
		return p;
	void *q = mremap(p, round_up(old), round_up(new), MREMAP_MAYMOVE);
	return q == MAP_FAILED ? NULL : q;
}

void mbuf_free(void *p, size_t bytes)
{
	if (p)
		munmap(p, round_up(bytes));
}
