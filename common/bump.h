/* bump.h: the one-word fast-path state of the strategies' regions.
 *
 * A region bumps down a bump area [end - rem, end) and keeps all the fast
 * path's state in one 64-bit word, changed with one add per allocation
 * (docs/fast-path.md: a second word carried through memory per allocation
 * cost up to a whole raw bump):
 *   bits  0-15  rem    bytes left in the bump area
 *   bits 16-31  count  allocations since the last fold
 *   bits 32-47  slack  bumped bytes not requested since the last fold
 *                      (the rounding to 8, and padding)
 *   bits 48-63  rem0   rem at the last fold
 * so the requested bytes since the last fold are rem0 - rem - slack. The
 * strategy keeps the area under 2^15 bytes, so no add carries out of its
 * field, and folds count and bytes into its 64-bit counters in its slow
 * path, shrink and reset. Bumps are rounded up to 8. */
#ifndef BUMP_H
#define BUMP_H

#include <stddef.h>
#include <stdint.h>

#define BUMP_REM(w) ((w) & 0xffff)
#define BUMP_COUNT(w) ((w) >> 16 & 0xffff)
#define BUMP_BYTES(w) (((w) >> 48) - BUMP_REM(w) - ((w) >> 32 & 0xffff))
#define BUMP_ONE ((uint64_t)1 << 16)            /* one allocation, in count */
#define BUMP_SLACK(n) ((uint64_t)(n) << 32)     /* N bytes of slack */
#define ROUND8(n) (((n) + 7) & ~(size_t)7)

#endif
