/* capacity.c: how far a backend grows, in total bytes and in live regions.
 *
 * Two separate phases; a backend that reaches both ceilings reaches them
 * one after the other, never at once. Phase 1 allocates large chunks (1 GiB,
 * halved after a refusal down to 1 MiB to find the edge) across regions of
 * at most 8 GiB each until the backend refuses or the ceiling (64 GiB in
 * total) is reached, touching one byte per MiB so the run needs little RAM;
 * everything is destroyed. Phase 2 creates regions holding one small
 * allocation each until the backend refuses or the ceiling (8192 alive at
 * once) is reached. A limit hit is the result, not a failure: the run ends
 * normally and records, per phase, what stopped it as a short code
 * (phase1_stop, phase2_stop: "ceiling" or the limit), the operation
 * refused, and in phase 1 the size of the first refused *request* (not a
 * total). Only a wrong byte read back is an error. VMAs and page-table
 * bytes are read at eight points of each phase, and page tables also at
 * the start of phase 2 (what phase 1 left behind). */
#include "region.h"
#include "workload.h"

#include <errno.h>

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

/* The short code of what stopped a phase: "ceiling" (ERR 0), or the
 * limit, named after region.h's REGION_E* code. */
static const char *stop_code(int err)
{
	switch (err) {
	case 0: return "ceiling";
	case REGION_ENOMEM: return "os-memory";
	case REGION_EPOOL: return "pool";
	case REGION_ESPACE: return "address-space";
	case REGION_EREGION: return "region-size";
	case REGION_ELIMIT: return "library-limit";
	default: return "other";
	}
}

/* One phase's end: extras PHASE_stop and (at a limit) PHASE_stop_op, the
 * call refused, and a line on OUT. */
static void stopped(struct wl_ctx *ctx, FILE *out, const char *phase, const char *what,
		    int err, const char *op)
{
	char name[32];
	snprintf(name, sizeof name, "%s_stop", phase);
	wl_extra(ctx, name, stop_code(err));
	snprintf(name, sizeof name, "%s_stop_op", phase);
	if (err) {
		wl_extra(ctx, name, op);
		fprintf(out, "capacity: %s stopped at a limit: %s (%s refused)\n", phase,
			region_strerror(err), op);
	} else {
		fprintf(out, "capacity: %s reached the workload's own ceiling, %s, with no limit hit\n",
			phase, what);
	}
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
	if (wl_thp() && stride < chunk)
		stride = chunk;
	wl_set_total_ops(ctx, ceiling / MIB + max_regions);

	/* ---- phase 1: total bytes ---- */
	size_t nregs = 0, nchunks = 0, chunks_cap = 0;
	const size_t regs_cap = ceiling / PER_REGION + 2 + ceiling / MIB / 64;
	region_t **regs = calloc(regs_cap, sizeof *regs);
	struct chunk *chunks = NULL;
	if (!regs)
		return wl_syserr(ctx, ENOMEM, "allocating the phase 1 region table");
	uint64_t total = 0, in_cur = 0, next_mark = ceiling / MARKS, read_at = 0;
	int err = 0, rc = WL_ESYS;
	const char *what = "";
	uint64_t first = 0;   /* size of the first allocation refused */
	while (total < ceiling) {
		uint64_t size = chunk < ceiling - total ? chunk : ceiling - total;
		if (nregs == 0 || in_cur + size > PER_REGION) {
			if (nregs == regs_cap) {
				rc = wl_syserr(ctx, EOVERFLOW, "phase 1 needed more regions than planned");
				goto fail1;
			}
			int e = wl_create(&regs[nregs]);
			if (e) {
				err = e;
				what = "region_create";
				break;
			}
			wl_count_region(ctx);
			nregs++;
			in_cur = 0;
		}
		unsigned char *p = region_alloc(regs[nregs - 1], size, REGION_MAX_ALIGN);
		if (!p) {
			if (!err) {
				err = region_error(regs[nregs - 1]);
				what = "region_alloc";
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
				rc = wl_syserr(ctx, ENOMEM, "growing the chunk table");
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
				char m[96];
				snprintf(m, sizeof m, "byte %" PRIu64 " of phase 1 chunk %zu changed", off, i);
				rc = wl_syserr(ctx, EIO, m);
				goto fail1;
			}
	char ceil_text[64];
	snprintf(ceil_text, sizeof ceil_text, "%.2f GiB in total", ceiling / (double)GIB);
	stopped(ctx, out, "phase1", ceil_text, total >= ceiling ? 0 : err, what);
	if (first)
		fprintf(out, "capacity: phase1: %.2f GiB allocated in total; the first refused request "
			"asked for %.2f GiB (one request, not a total)\n", total / (double)GIB, first / (double)GIB);
	if (read_at != total)
		reading(ctx, out, total, nregs);
	uint64_t vmas1 = vma_count(), pte1 = pte_bytes();
	for (size_t i = 0; i < nregs; i++)
		wl_destroy(regs[i]);
	free(regs);
	free(chunks);
	wl_sample(ctx);

	/* ---- phase 2: live regions ---- */
	uint64_t pte_start2 = pte_bytes();
	struct live { region_t *r; uint64_t *p; } *live = calloc(max_regions, sizeof *live);
	if (!live)
		return wl_syserr(ctx, ENOMEM, "allocating the phase 2 region table");
	uint64_t n = 0, mark = max_regions / MARKS ? max_regions / MARKS : 1;
	err = 0;
	while (n < max_regions) {
		region_t *r;
		if ((err = wl_create(&r)) != 0) {
			what = "region_create";
			break;
		}
		uint64_t *p = region_alloc(r, SMALL, 8);
		if (!p) {
			err = region_error(r);
			what = "region_alloc";
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
	snprintf(ceil_text, sizeof ceil_text, "%" PRIu64 " regions alive at once", max_regions);
	stopped(ctx, out, "phase2", ceil_text, n >= max_regions ? 0 : err, what);
	if (n % mark)
		reading(ctx, out, 0, n);
	uint64_t vmas2 = vma_count(), pte2 = pte_bytes();
	for (uint64_t i = 0; i < n; i++)
		wl_destroy(live[i].r);
	free(live);
	wl_sample(ctx);
	if (bad)
		return wl_syserr(ctx, EIO, "a live region's word changed");

	wl_extra_u64(ctx, "max_total_bytes", total);
	wl_extra_u64(ctx, "first_refused_request_bytes", first);
	wl_extra_u64(ctx, "max_live_regions", n);
	wl_extra_u64(ctx, "vmas_at_max_bytes", vmas1);
	wl_extra_u64(ctx, "page_table_at_max_bytes", pte1);
	wl_extra_u64(ctx, "page_table_before_regions", pte_start2);
	wl_extra_u64(ctx, "vmas_at_max_regions", vmas2);
	wl_extra_u64(ctx, "page_table_at_max_regions", pte2);
	wl_extra_u64(ctx, "touch_stride_bytes", stride);
	return WL_OK;

fail1:
	for (size_t i = 0; i < nregs; i++)
		wl_destroy(regs[i]);
	free(regs);
	free(chunks);
	return rc;
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
