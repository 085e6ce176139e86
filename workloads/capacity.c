/* capacity.c: how far a backend grows, in total bytes and in live regions.
 *
 * Phase 1 allocates large chunks (1 GiB, halved after a failure down to
 * 1 MiB to find the edge) across regions of at most 8 GiB each until the
 * backend refuses or the ceiling (64 GiB) is reached, touching one byte per
 * MiB so the run needs little RAM. Phase 2 creates regions holding one small
 * allocation each until the backend refuses or the ceiling (8192) is
 * reached. A limit hit is the result, not a failure: the run ends normally
 * and names it in the extras (only a wrong byte read back is an error).
 * VMAs and page-table bytes are read at eight points of each phase. */
#include "pages.h"
#include "region.h"
#include "workload.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MIB (1ull << 20)
#define GIB (1ull << 30)
#define PER_REGION (8 * GIB)   /* phase 1 bytes per region: inside contiguous's 32 GiB */
#define SMALL 64               /* phase 2 bytes per region */
#define MARKS 8                /* growth readings per phase */

/* Lines of /proc/self/maps: the process's mappings (VMAs). */
static uint64_t vma_count(void)
{
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	char buf[65536];
	uint64_t lines = 0;
	ssize_t r;
	while ((r = read(fd, buf, sizeof buf)) > 0)
		for (ssize_t i = 0; i < r; i++)
			lines += buf[i] == '\n';
	close(fd);
	return lines;
}

/* VmPTE of /proc/self/status in bytes: the process's page tables. */
static uint64_t pte_bytes(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char l[256];
	unsigned long long kb = 0;
	while (f && fgets(l, sizeof l, f))
		if (sscanf(l, "VmPTE: %llu kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb * 1024;
}

static const char *gib(char *b, size_t n, uint64_t bytes)
{
	snprintf(b, n, "%.2f GiB", bytes / (double)GIB);
	return b;
}

/* The byte written at offset OFF of the run's phase 1 memory. */
static unsigned char tag(uint64_t off)
{
	uint64_t s = off;
	return (unsigned char)(wl_rand(&s) | 1);
}

/* One growth reading: a line on OUT and a sample in the series. */
static void reading(struct wl_ctx *ctx, FILE *out, uint64_t bytes, uint64_t regions)
{
	char what[64];
	if (bytes)
		snprintf(what, sizeof what, "%.2f GiB in %" PRIu64 " regions", bytes / (double)GIB, regions);
	else
		snprintf(what, sizeof what, "%" PRIu64 " live regions", regions);
	fprintf(out, "capacity: %-26s %7" PRIu64 " VMAs  %9.1f MiB page tables\n",
		what, vma_count(), pte_bytes() / (double)MIB);
	wl_sample(ctx);
}

struct chunk {
	unsigned char *p;
	uint64_t size, at;   /* at: total bytes before this chunk */
};

static int run(struct wl_ctx *ctx, FILE *out)
{
	const uint64_t ceiling = (uint64_t)wl_param(ctx, "total_gib") * GIB;
	const uint64_t max_regions = (uint64_t)wl_param(ctx, "regions");
	uint64_t chunk = (uint64_t)wl_param(ctx, "chunk_mib") * MIB;
	uint64_t stride = (uint64_t)wl_param(ctx, "touch_kib") * 1024;
	/* With huge pages every touch faults 2 MiB: one touch per chunk then,
	 * or the run would make its whole ceiling resident. */
	if (pages_hugepages() && stride < chunk)
		stride = chunk;
	wl_set_total_ops(ctx, ceiling / MIB + max_regions);
	char b1[64], b2[64], bytes_limit[256], regions_limit[256];

	/* ---- phase 1: total bytes ---- */
	size_t nregs = 0, nchunks = 0, chunks_cap = 0;
	const size_t regs_cap = ceiling / PER_REGION + 2 + ceiling / MIB / 64;
	region_t **regs = calloc(regs_cap, sizeof *regs);
	struct chunk *chunks = NULL;
	if (!regs) {
		fprintf(stderr, "capacity: out of memory for the region table\n");
		return 1;
	}
	uint64_t total = 0, in_cur = 0, next_mark = ceiling / MARKS, read_at = 0;
	int err = 0;
	const char *what = "";
	uint64_t first = 0;   /* size of the first allocation refused */
	while (total < ceiling) {
		uint64_t size = chunk < ceiling - total ? chunk : ceiling - total;
		if (nregs == 0 || in_cur + size > PER_REGION) {
			if (nregs == regs_cap) {
				fprintf(stderr, "capacity: more phase 1 regions than planned\n");
				goto fail1;
			}
			int e = wl_create(&regs[nregs]);
			if (e) {
				err = e;
				what = "creating a region";
				break;
			}
			wl_count_region(ctx);
			nregs++;
			in_cur = 0;
		}
		unsigned char *p = region_alloc(regs[nregs - 1], size, PAGES_SIZE);
		if (!p) {
			if (!err) {
				err = region_error(regs[nregs - 1]);
				what = "an allocation";
				first = size;
			}
			if (size / 2 < MIB)
				break;
			chunk = size / 2 / MIB * MIB;   /* find the edge in smaller steps */
			continue;
		}
		if (nchunks == chunks_cap) {
			chunks_cap = chunks_cap ? 2 * chunks_cap : 256;
			struct chunk *c = realloc(chunks, chunks_cap * sizeof *c);
			if (!c) {
				fprintf(stderr, "capacity: out of memory for the chunk table\n");
				goto fail1;
			}
			chunks = c;
		}
		for (uint64_t off = 0; off < size; off += stride)
			p[off] = tag(total + off);
		chunks[nchunks++] = (struct chunk){ p, size, total };
		total += size;
		in_cur += size;
		wl_progress(ctx, size / MIB);
		if (total >= next_mark) {
			reading(ctx, out, total, nregs);
			next_mark += ceiling / MARKS;
			read_at = total;
		}
	}
	for (size_t i = 0; i < nchunks; i++)
		for (uint64_t off = 0; off < chunks[i].size; off += stride)
			if (chunks[i].p[off] != tag(chunks[i].at + off)) {
				fprintf(stderr, "capacity: byte %" PRIu64 " of chunk %zu changed\n", off, i);
				goto fail1;
			}
	if (total >= ceiling)
		snprintf(bytes_limit, sizeof bytes_limit, "total bytes: ceiling %s reached",
			 gib(b1, sizeof b1, ceiling));
	else
		snprintf(bytes_limit, sizeof bytes_limit, "total bytes: %s at %s (%s%s%s)",
			 region_strerror(err), gib(b1, sizeof b1, total), what,
			 first ? " refused first at " : "", first ? gib(b2, sizeof b2, first) : "");
	if (read_at != total)
		reading(ctx, out, total, nregs);
	uint64_t vmas1 = vma_count(), pte1 = pte_bytes();
	for (size_t i = 0; i < nregs; i++)
		wl_destroy(regs[i]);
	free(regs);
	free(chunks);
	wl_sample(ctx);

	/* ---- phase 2: live regions ---- */
	struct live { region_t *r; uint64_t *p; } *live = calloc(max_regions, sizeof *live);
	if (!live) {
		fprintf(stderr, "capacity: out of memory for the region table\n");
		return 1;
	}
	uint64_t n = 0, mark = max_regions / MARKS ? max_regions / MARKS : 1;
	err = 0;
	while (n < max_regions) {
		region_t *r;
		if ((err = wl_create(&r)) != 0) {
			what = "creating";
			break;
		}
		uint64_t *p = region_alloc(r, SMALL, 8);
		if (!p) {
			err = region_error(r);
			what = "allocating in";
			wl_destroy(r);
			break;
		}
		wl_count_region(ctx);
		*p = n * 0x9e3779b97f4a7c15ull;
		live[n].r = r;
		live[n++].p = p;
		wl_progress(ctx, 1);
		if (n % mark == 0)
			reading(ctx, out, 0, n);
	}
	int bad = 0;
	for (uint64_t i = 0; i < n; i++)
		bad |= *live[i].p != i * 0x9e3779b97f4a7c15ull;
	if (n >= max_regions)
		snprintf(regions_limit, sizeof regions_limit, "live regions: ceiling %" PRIu64 " reached",
			 max_regions);
	else
		snprintf(regions_limit, sizeof regions_limit,
			 "live regions: %s at region %" PRIu64 " (%s it)",
			 region_strerror(err), n + 1, what);
	if (n % mark)
		reading(ctx, out, 0, n);
	uint64_t vmas2 = vma_count(), pte2 = pte_bytes();
	for (uint64_t i = 0; i < n; i++)
		wl_destroy(live[i].r);
	free(live);
	wl_sample(ctx);
	if (bad) {
		fprintf(stderr, "capacity: a live region's word changed\n");
		return 1;
	}

	char limit[600];
	snprintf(limit, sizeof limit, "%s / %s", bytes_limit, regions_limit);
	for (char *c = limit; *c; c++)
		if (*c == ';' || *c == '=' || *c == ',')
			*c = ' ';   /* extras are name=value;name=value */
	fprintf(out, "capacity: %s\n", limit);
	wl_extra_u64(ctx, "max_total_bytes", total);
	wl_extra_u64(ctx, "max_live_regions", n);
	wl_extra(ctx, "limit", limit);
	wl_extra_u64(ctx, "vmas_at_max_bytes", vmas1);
	wl_extra_u64(ctx, "page_table_at_max_bytes", pte1);
	wl_extra_u64(ctx, "vmas_at_max_regions", vmas2);
	wl_extra_u64(ctx, "page_table_at_max_regions", pte2);
	wl_extra_u64(ctx, "touch_stride_bytes", stride);
	return 0;

fail1:
	for (size_t i = 0; i < nregs; i++)
		wl_destroy(regs[i]);
	free(regs);
	free(chunks);
	return 1;
}

static const struct wl_param params[] = {
	{ .name = "total_gib", .def = 64, .min = 1, .max = 1024,
	  .help = "ceiling of phase 1, in GiB allocated in total" },
	{ .name = "regions", .def = 8192, .min = 1, .max = 1 << 20,
	  .help = "ceiling of phase 2, in regions alive at once" },
	{ .name = "chunk_mib", .def = 1024, .min = 1, .max = 8192,
	  .help = "size of each phase 1 allocation in MiB (halved after a failure)" },
	{ .name = "touch_kib", .def = 1024, .min = 4, .max = 1 << 20,
	  .help = "phase 1 writes one byte every this many KiB" },
	{ .name = NULL },
};

const struct workload wl_capacity = {
	.name = "capacity",
	.help = "grows until the backend stops: total bytes to 64 GiB, then live regions to 8192",
	.params = params,
	.run = run,
};
