/* mbuf.h: the harness's own memory, mapped directly from the kernel.
 *
 * Series samples, latency histograms and the summary's extra object live
 * here, never in the backend's malloc: jemalloc and mimalloc replace malloc
 * for the whole process, so memory the harness took from malloc would sit in
 * the peer's heap and be counted as the backend's. Sizes are rounded up to
 * whole pages; memory reads as zero. Not thread-safe (callers lock). */
#ifndef MBUF_H
#define MBUF_H

#include <stddef.h>

/* BYTES of zeroed memory, or NULL (errno set). */
void *mbuf_alloc(size_t bytes);

/* Grows P (OLD bytes, NULL for none) to NEW bytes, moving it if need be;
 * the contents are kept. Returns the new address, or NULL with P intact. */
void *mbuf_grow(void *p, size_t old, size_t new);

/* Gives back P of BYTES (as passed to mbuf_alloc or mbuf_grow); P may be NULL. */
void mbuf_free(void *p, size_t bytes);

#endif
