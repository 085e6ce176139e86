/* params.h: the block strategy as docs/question.md states it (backends blocks
 * and blocks-gs): 32-bit references holding (address - pool base) >> 3, so
 * the pool is 2^32 * 8 bytes = 32 GiB, HotSpot's zero-based compressed oops.
 * strategy-blocks/blocks.c is compiled with this directory on the include
 * path; strategy-wide-offsets/params.h is its 64-bit sibling. */
#ifndef BLOCKS_PARAMS_H
#define BLOCKS_PARAMS_H

#define BLOCKS_NAME "blocks"
#define BLOCKS_REF_BITS 32
#define BLOCKS_REF_SHIFT 3                          /* references count 8-byte words */
#define BLOCKS_POOL_BYTES ((uint64_t)1 << 35)       /* default pool: 32 GiB */
#define BLOCKS_POOL_MAX ((uint64_t)1 << 35)         /* all a 32-bit reference reaches */

#endif
