/* test-decode.c: accessor sites at known names, and their results.
 *
 * Each decode_probe_* makes one access through region.h's accessors at an
 * inlined site; each *_raw twin makes the same access through a raw pointer.
 * They are extern and noipa, so they stay whole in the executable for
 * tests/gs-decode.sh (which counts their instructions in objdump -d) and for
 * scripts/decode-asm (make decode-asm-aarch64 shows them cross-built). The
 * cases here check that every probe reads and writes what it should. */
#include "check.h"
#include "region.h"

#define PROBE __attribute__((noipa))

PROBE uint32_t decode_probe_load32(const region_t *r, const region_ref_t *slot)
{
	return region_load32(r, *slot, 8);
}
PROBE uint32_t decode_probe_load32_raw(const region_t *r, char *const *slot)
{
	return *(const uint32_t *)(*slot + 8);
}
PROBE uint64_t decode_probe_load64(const region_t *r, const region_ref_t *slot)
{
	return region_load64(r, *slot, 16);
}
PROBE uint64_t decode_probe_load64_raw(const region_t *r, char *const *slot)
{
	return *(const uint64_t *)(*slot + 16);
}
PROBE void decode_probe_store32(region_t *r, const region_ref_t *slot, uint32_t v)
{
	region_store32(r, *slot, 8, v);
}
PROBE void decode_probe_store32_raw(region_t *r, char *const *slot, uint32_t v)
{
	*(uint32_t *)(*slot + 8) = v;
}
PROBE void decode_probe_store64(region_t *r, const region_ref_t *slot, uint64_t v)
{
	region_store64(r, *slot, 16, v);
}
PROBE void decode_probe_store64_raw(region_t *r, char *const *slot, uint64_t v)
{
	*(uint64_t *)(*slot + 16) = v;
}

/* Every probe on objects across several blocks: stores through one path
 * read back through the other. */
static void t_probes(void)
{
	region_t *r;
	REQUIRE(region_create(&r) == 0);
	enum { N = 1000 };
	static region_ref_t ref[N];
	static char *p[N];
	for (int i = 0; i < N; i++) {
		p[i] = region_alloc(r, 24, 8);
		REQUIRE(p[i], "%s", region_strerror(region_error(r)));
		ref[i] = region_ref(r, p[i]);
	}
	int bad = 0;
	for (int i = 0; i < N; i++) {
		decode_probe_store32(r, &ref[i], 0xc0000000u + (uint32_t)i);
		decode_probe_store64_raw(r, &p[i], 0x2222222200000000ull + (uint64_t)i);
	}
	for (int i = 0; i < N; i++) {
		bad += decode_probe_load32_raw(r, &p[i]) != 0xc0000000u + (uint32_t)i;
		bad += decode_probe_load64(r, &ref[i]) != 0x2222222200000000ull + (uint64_t)i;
		decode_probe_store64(r, &ref[i], ~(uint64_t)i);
		decode_probe_store32_raw(r, &p[i], (uint32_t)i);
		bad += decode_probe_load64_raw(r, &p[i]) != ~(uint64_t)i;
		bad += decode_probe_load32(r, &ref[i]) != (uint32_t)i;
	}
	CHECK(bad == 0, "%d mismatches", bad);
	region_destroy(r);
}

int main(void)
{
	check_case("decode-probes", t_probes);
	return check_done();
}
