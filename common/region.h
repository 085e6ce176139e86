/* region.h: the one API every backend implements.
 *
 * Workloads, the driver and the tests include only this header; the Makefile
 * links them against one backend per executable (link time, no function
 * table), so -flto inlines the fast paths of every backend alike.
 *
 * A region hands out memory that lives until the region is reset or
 * destroyed. A region is used by one thread at a time; different regions may
 * be used by different threads at once. References are the backend's width
 * (REGION_REF_BITS, set by the build: 32 for blocks and contiguous, 64 for
 * wide offsets and the baselines) and are what workloads store in region
 * memory, so reference width shows up in memory use. */
#ifndef REGION_H
#define REGION_H

#include <stddef.h>
#include <stdint.h>

#if !defined(REGION_REF_BITS)
#error "REGION_REF_BITS is set by the Makefile (32 or 64) for each backend"
#elif REGION_REF_BITS == 32
typedef uint32_t region_ref_t;
#elif REGION_REF_BITS == 64
typedef uint64_t region_ref_t;
#else
#error "REGION_REF_BITS must be 32 or 64"
#endif

/* No allocation ever encodes to REGION_REF_NULL. */
#define REGION_REF_NULL ((region_ref_t)0)

#define REGION_MIN_ALIGN 8    /* smaller alignments are raised to this */
#define REGION_MAX_ALIGN 4096

typedef struct region region_t;

/* Error codes: 0 is success; everything else names what went wrong. */
enum {
	REGION_OK = 0,
	REGION_EINVAL,   /* bad argument: size 0, alignment not a power of two or > 4096, not the newest allocation */
	REGION_ENOMEM,   /* the OS (or the library below) refused memory */
	REGION_EPOOL,    /* the backend's shared pool is exhausted (blocks: 32 GiB) */
	REGION_ESPACE,   /* no address space for another reservation (contiguous: ~4094 regions) */
	REGION_EREGION,  /* the allocation does not fit in one region (contiguous: 32 GiB) */
	REGION_ELIMIT,   /* a library limit, such as jemalloc's number of arenas */
	REGION_ENOTSUP,  /* the backend does not offer this operation */
};

/* Creates an empty region in *out. Returns 0, or an error code with *out
 * untouched. */
int region_create(region_t **out);

/* Destroys r and everything allocated in it. r may be NULL. */
void region_destroy(region_t *r);

/* Everything allocated in r dies; r stays usable. What memory r keeps is the
 * backend's reclaim policy. */
void region_reset(region_t *r);

/* Returns SIZE bytes aligned to ALIGN (a power of two up to 4096; below 8 is
 * raised to 8), or NULL with the reason in region_error(r). Any size may be
 * asked for; what a backend cannot serve fails cleanly. */
void *region_alloc(region_t *r, size_t size, size_t align);

/* Shrinks P, the newest allocation of r, to SIZE bytes (1 <= SIZE <= its
 * size) so the tail can be reused or returned. Returns 0, or REGION_EINVAL
 * when P is not the newest allocation or SIZE is out of range. */
int region_shrink(region_t *r, void *p, size_t size);

/* The reason the last failing call on r failed. */
int region_error(const region_t *r);

/* References. P must point into memory allocated from r; a reference is only
 * decoded with the region it was made in. Decoding REGION_REF_NULL does not
 * give NULL: test references against REGION_REF_NULL. */
region_ref_t region_ref(const region_t *r, const void *p);
void *region_ptr(const region_t *r, region_ref_t ref);

/* Field access through a reference, without making a pointer: the 32- or
 * 64-bit word BYTE_OFFSET bytes into the object REF refers to (REF made in
 * r, the word naturally aligned and inside the allocation). Each backend
 * defines them so -flto inlines them into one decode plus the access: on
 * blocks-gs a single %gs-relative load or store with REF as scaled index,
 * on blocks and wide offsets a RIP-relative base, on contiguous the region's
 * base, on the baselines the pointer itself. */
uint32_t region_load32(const region_t *r, region_ref_t ref, size_t byte_offset);
uint64_t region_load64(const region_t *r, region_ref_t ref, size_t byte_offset);
void region_store32(region_t *r, region_ref_t ref, size_t byte_offset, uint32_t v);
void region_store64(region_t *r, region_ref_t ref, size_t byte_offset, uint64_t v);

/* Bytes allocated in r since its creation or last reset (requested sizes). */
size_t region_size(const region_t *r);

/* Process-wide statistics, summed over the live regions' own counters
 * (taking a lock per group of regions, never on the allocation path): exact
 * whenever no region is being allocated into, a snapshot of moving counters
 * while allocation runs. Costs time in proportion to the live regions. */
struct region_stats {
	uint64_t allocs;          /* region_alloc calls that succeeded, ever */
	uint64_t bytes_requested; /* sum of their sizes, ever */
	uint64_t bytes_live;      /* requested and not yet reset or destroyed */
	uint64_t bytes_reserved;  /* address space held from the OS */
	uint64_t bytes_committed; /* memory made usable and not decommitted */
	uint64_t regions_live;
	uint64_t chunks_held;     /* blocks, reservations, arenas, ... held, cached included */
	uint64_t bytes_limit;     /* what the backend can hold at most; 0: no own limit */
	uint64_t lock_acquisitions; /* of the backend's shared lock(s), ever; 0: none */
	uint64_t lock_contended;    /* of which found the lock held and had to wait */
};
void region_stats_get(struct region_stats *out);

/* Free space in a backend's shared pool of blocks, for fragmentation
 * figures: bytes free, bytes in free runs of at least 16, 256 and 4096
 * blocks (usable by requests of that size), the largest free run, and the
 * bytes the live regions leave unused at the end of their current block.
 * Returns 0, or REGION_ENOTSUP where there is no shared pool of blocks. */
struct region_pool_free {
	uint64_t block_bytes;
	uint64_t free_bytes;
	uint64_t run16_bytes, run256_bytes, run4096_bytes;
	uint64_t largest_run_bytes;
	uint64_t tail_waste_bytes;
};
int region_pool_free_get(struct region_pool_free *out);

/* The backend's name ("blocks", "contiguous", ...) for result files. */
const char *region_backend(void);

/* Reclaim policies. region_policies() lists the valid names (NULL-ended, the
 * default first); region_policy_set() chooses one before the first
 * region_create and returns 0 or REGION_EINVAL. */
const char *const *region_policies(void);
int region_policy_set(const char *name);
const char *region_policy(void);

/* For tests: before the first region_create, caps the backend's own pool
 * (blocks, wide offsets) or each region's reservation (contiguous) at BYTES,
 * so exhaustion can be tested without 32 GiB of RAM. Returns 0, REGION_EINVAL,
 * or REGION_ENOTSUP for backends without such a limit. */
int region_limit_set(uint64_t bytes);

/* Serialization by copy, for backends whose regions are contiguous: *data
 * and *len describe bytes that region_restore copies into an empty region
 * (of this backend, in any process) so that every reference made in R
 * decodes there to the same object. Both return 0, or REGION_ENOTSUP where
 * regions are not contiguous (there, serialization must trace and repack),
 * or REGION_EINVAL / REGION_ENOMEM from region_restore. */
int region_span(const region_t *r, const void **data, size_t *len);
int region_restore(region_t *r, const void *data, size_t len);

/* A one-line description of an error code, naming the limit it stands for. */
const char *region_strerror(int err);

#endif
