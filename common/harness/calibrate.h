/* calibrate.h: what this machine charges for the kernel work the backends
 * cause (`regionbench-<backend> calibrate`, docs/machine.md).
 *
 * Each figure is the median of a few repetitions over mappings of their
 * own (mmap directly, with huge pages off, so a fault is a 4 KiB fault):
 * first-touch and refault cost per page, MADV_DONTNEED and MADV_FREE per
 * page, one mmap+munmap of a 32 GiB PROT_NONE reservation, memcpy into warm
 * and into fresh memory, and write(2) into the page cache. */
#ifndef CALIBRATE_H
#define CALIBRATE_H

struct calib_figure {
	const char *what;    /* fault_first_touch_ns, ... (docs/machine.md) */
	double value;
	const char *unit;    /* ns, ns_per_page, GB/s, MB/s */
};

#define CALIB_FIGURES 8

/* Measures every figure into OUT (CALIB_FIGURES of them), writing the
 * page-cache test file (removed after) in directory DIR. Returns 0, or an
 * errno value for the system call that failed (*WHAT names it). */
int calibrate_measure(const char *dir, struct calib_figure *out, const char **what);

#endif
