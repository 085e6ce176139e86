/* calibrate.c: this machine's costs for faults, madvise, mmap, memcpy and
 * page-cache writes (see calibrate.h). Sizes keep the whole run to a few
 * seconds even where a fault costs tens of microseconds. */
#include "calibrate.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096ul
#define AREA (32ul << 20)         /* 8192 pages a measurement */
#define PAGES (AREA / PAGE)
#define REPS 5
#define RESERVE (32ul << 30)      /* the 32 GiB of a contiguous region */
#define MAPS 200                  /* mmap+munmap pairs a repetition */
#define WRITE_BYTES (64ul << 20)
#define CHUNK (1ul << 20)

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof *v, cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* A fresh anonymous mapping of AREA bytes, huge pages off. */
static char *fresh(void)
{
	char *p = mmap(NULL, AREA, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	madvise(p, AREA, MADV_NOHUGEPAGE);   /* fails harmlessly without THP */
	return p;
}

/* Writes one byte a page; returns the seconds it took. */
static double touch(char *p)
{
	double t = now();
	for (size_t i = 0; i < AREA; i += PAGE)
		((volatile char *)p)[i] = 1;
	return now() - t;
}

int calibrate_measure(const char *dir, struct calib_figure *out, const char **what)
{
	double first[REPS], refault[REPS], dontneed[REPS], lazy[REPS], maps[REPS];
	double warm[REPS], cold[REPS], wr[REPS];
	char *src = fresh(), *dst = fresh();
	int err = 0;
	*what = "mmap of the calibration buffers";
	if (!src || !dst) {
		err = errno;
		goto out;
	}
	memset(src, 7, AREA);
	memset(dst, 7, AREA);
	for (int r = 0; r < REPS; r++) {
		char *p = fresh();
		*what = "mmap";
		if (!p) {
			err = errno;
			goto out;
		}
		first[r] = touch(p) * 1e9 / PAGES;
		double t = now();
		*what = "madvise(MADV_DONTNEED)";
		if (madvise(p, AREA, MADV_DONTNEED) != 0) {
			err = errno;
			munmap(p, AREA);
			goto out;
		}
		dontneed[r] = (now() - t) * 1e9 / PAGES;
		refault[r] = touch(p) * 1e9 / PAGES;
		t = now();
		*what = "madvise(MADV_FREE)";
		if (madvise(p, AREA, MADV_FREE) != 0) {
			err = errno;
			munmap(p, AREA);
			goto out;
		}
		lazy[r] = (now() - t) * 1e9 / PAGES;
		munmap(p, AREA);

		*what = "mmap of 32 GiB PROT_NONE";
		t = now();
		for (int i = 0; i < MAPS; i++) {
			void *q = mmap(NULL, RESERVE, PROT_NONE,
				       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
			if (q == MAP_FAILED) {
				err = errno;
				goto out;
			}
			munmap(q, RESERVE);
		}
		maps[r] = (now() - t) * 1e9 / MAPS;

		t = now();
		memcpy(dst, src, AREA);
		warm[r] = AREA / (now() - t) / 1e9;
		*what = "mmap";
		if (!(p = fresh())) {
			err = errno;
			goto out;
		}
		t = now();
		memcpy(p, src, AREA);
		cold[r] = AREA / (now() - t) / 1e9;
		munmap(p, AREA);

		/* An unnamed file beside the results: the page cache of the
		 * file system they are written to. */
		*what = "creating the page-cache test file";
		int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
		if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
			char name[4096];
			snprintf(name, sizeof name, "%s/.calibrate-XXXXXX", dir);
			if ((fd = mkstemp(name)) >= 0)
				unlink(name);
		}
		if (fd < 0) {
			err = errno;
			goto out;
		}
		*what = "write(2) into the page cache";
		t = now();
		for (size_t done = 0; done < WRITE_BYTES; done += CHUNK)
			if (write(fd, src + done % AREA, CHUNK) != (ssize_t)CHUNK) {
				err = errno ? errno : ENOSPC;
				close(fd);
				goto out;
			}
		wr[r] = WRITE_BYTES / (now() - t) / 1e6;
		close(fd);
	}
	const struct calib_figure f[CALIB_FIGURES] = {
		{"fault_first_touch_ns", median(first, REPS), "ns_per_page"},
		{"refault_ns", median(refault, REPS), "ns_per_page"},
		{"madv_dontneed_ns_per_page", median(dontneed, REPS), "ns_per_page"},
		{"madv_free_ns_per_page", median(lazy, REPS), "ns_per_page"},
		{"mmap_munmap_32g_ns", median(maps, REPS), "ns"},
		{"memcpy_warm_gb_s", median(warm, REPS), "GB/s"},
		{"memcpy_fresh_gb_s", median(cold, REPS), "GB/s"},
		{"write_pagecache_mb_s", median(wr, REPS), "MB/s"},
	};
	memcpy(out, f, sizeof f);
	*what = NULL;
out:
	if (src)
		munmap(src, AREA);
	if (dst)
		munmap(dst, AREA);
	return err;
}
