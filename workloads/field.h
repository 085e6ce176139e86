/* field.h: a struct's fields in region memory, read and written through a
 * reference with region.h's accessors (region_load32/64, region_store32/64)
 * instead of a decoded pointer, so a traversal costs what the backend's
 * decode costs (one %gs: access on blocks-gs, a global base on blocks).
 *
 * T is the struct type, F a field of it: 32-bit fields with FIELD_GET32 and
 * FIELD_SET32, reference fields (region_ref_t, either width) with
 * FIELD_REF. Field sizes are checked at compile time. */
#ifndef FIELD_H
#define FIELD_H

#include <stddef.h>

#include "region.h"

/* The reference stored BYTE_OFFSET bytes into the object REF refers to. */
static inline region_ref_t field_ref_at(const region_t *r, region_ref_t ref, size_t byte_offset)
{
#if REGION_REF_BITS == 32
	return region_load32(r, ref, byte_offset);
#else
	return region_load64(r, ref, byte_offset);
#endif
}

#define FIELD_SIZE_IS(T, F, n) \
	(sizeof(char[sizeof(((T *)0)->F) == (n) ? 1 : -1]) ? offsetof(T, F) : 0)

#define FIELD_GET32(r, ref, T, F) region_load32((r), (ref), FIELD_SIZE_IS(T, F, 4))
#define FIELD_SET32(r, ref, T, F, v) region_store32((r), (ref), FIELD_SIZE_IS(T, F, 4), (v))
#define FIELD_REF(r, ref, T, F) field_ref_at((r), (ref), FIELD_SIZE_IS(T, F, sizeof(region_ref_t)))

#endif
