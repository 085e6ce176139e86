/* params.h: wide offsets, the block strategy with 64-bit references (the
 * third answer in docs/question.md): references are plain byte
 * offsets from the pool base, and the pool is 1 TiB of address space reserved
 * MAP_NORESERVE, far past the 32 GiB a 32-bit reference reaches. The code is
 * strategy-blocks/blocks.c, compiled with this directory on the include path. */
#ifndef BLOCKS_PARAMS_H
#define BLOCKS_PARAMS_H

#define BLOCKS_NAME "wide-offsets"
#define BLOCKS_REF_BITS 64
#define BLOCKS_REF_SHIFT 0                          /* a byte offset needs no scaling */
#if defined(__SANITIZE_THREAD__)
/* ThreadSanitizer keeps applications in 1.5 TiB of x86-64 address space, which
 * thread stacks share: 256 GiB there, still past 64 GiB. */
#define BLOCKS_POOL_BYTES ((uint64_t)1 << 38)
#else
#define BLOCKS_POOL_BYTES ((uint64_t)1 << 40)       /* default pool: 1 TiB */
#endif
#define BLOCKS_POOL_MAX ((uint64_t)1 << 43)         /* 2^31 blocks: indices stay 32-bit */

#endif
