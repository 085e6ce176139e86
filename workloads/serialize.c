/* serialize.c: write a region's graph to a file, load it in a new process.
 *
 * Builds the graph of graph.h in one region and writes it to an unlinked
 * temporary file under $TMPDIR. Where the backend's regions are contiguous
 * (region_span works) the used range is written as it is ("copy"), and the
 * loader maps the file (mmap, MAP_POPULATE) and region_restore copies it
 * into an empty region (memcpy): load path "mmap+restore". Elsewhere the
 * graph is traced and repacked into an image ("trace+repack"), and the
 * loader read(2)s the image into one allocation of its region and rewrites
 * its references in place: load path "read+relocate". The file is written
 * twice: first into page-cache pages the write itself brings in (the cost a
 * program pays, with tracing), then the same bytes again over them (already
 * resident: the copy rate without first-touch faults). The load runs in a
 * fresh process (workloads/child.h) that checks every node and reports its
 * times in a struct. */
#include "child.h"
#include "graph.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define MAGIC 0x3153455342524752ull   /* "RGRBSES1" little-endian */

enum { METHOD_COPY = 1, METHOD_REPACK = 2 };

/* The file: this header, then LEN bytes (the span or the image). */
struct header {
	uint64_t magic;
	uint32_t method, ref_bits;
	uint64_t nodes, seed;
	uint64_t root;   /* copy: the region reference; repack: the image reference */
	uint64_t len;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* What the parent sends its loading child: the file, inherited. */
struct load_task {
	int32_t file_fd;
};

/* Writes all of IOV at offset OFF of FD or returns an errno value. */
static int write_all(int fd, struct iovec *iov, int n, off_t off)
{
	while (n > 0) {
		ssize_t w = pwritev(fd, iov, n > 64 ? 64 : n, off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		off += w;
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= w;
		}
	}
	return 0;
}

static int read_all(int fd, void *p, size_t len, off_t off)
{
	char *c = p;
	while (len > 0) {
		ssize_t r = pread(fd, c, len > (1u << 30) ? (1u << 30) : len, off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? errno : EIO;
		c += r;
		off += r;
		len -= r;
	}
	return 0;
}

/* The loading child: rebuilds the graph of the file FD in a fresh region,
 * checks every node, and fills REP. Returns REP's status. */
static int load(struct wl_ctx *ctx, int fd, uint64_t n, struct child_report *rep)
{
	char why[256];
	struct header h;
	wl_set_total_ops(ctx, n);
	double t0 = now();
	int err = read_all(fd, &h, sizeof h, 0);
	if (err)
		return child_fail(rep, WL_ESYS, err, "reading the file's header");
	if (h.magic != MAGIC || h.ref_bits != REGION_REF_BITS || h.nodes != n ||
	    h.seed != wl_seed(ctx) || (h.method != METHOD_COPY && h.method != METHOD_REPACK))
		return child_fail(rep, WL_ESYS, EIO, "the file is not a graph of %" PRIu64 " nodes, seed %"
				  PRIu64 ", %d-bit references", n, wl_seed(ctx), REGION_REF_BITS);
	region_t *r;
	if ((err = wl_create(&r)) != 0)
		return child_fail(rep, WL_LIMIT, err, "creating the region to load into");
	wl_count_region(ctx);
	region_ref_t root = REGION_REF_NULL;
	void *buf = NULL;
	if (h.method == METHOD_COPY) {
		buf = mmap(NULL, sizeof h + h.len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
		if (buf == MAP_FAILED) {
			buf = NULL;
			child_fail(rep, WL_ESYS, errno, "mapping the file");
			goto out;
		}
		if ((err = region_restore(r, (char *)buf + sizeof h, h.len)) != 0) {
			child_fail(rep, WL_LIMIT, err, "restoring the span");
			goto out;
		}
		root = (region_ref_t)h.root;
	} else {
		unsigned char *p = region_alloc(r, h.len ? h.len : 1, 8);
		if (!p) {
			child_fail(rep, WL_LIMIT, region_error(r), "allocating room for the image");
			goto out;
		}
		if ((err = read_all(fd, p, h.len, sizeof h)) != 0) {
			child_fail(rep, WL_ESYS, err, "reading the image");
			goto out;
		}
		if (h.root == 0 || (h.root << 3) >= h.len ||
		    graph_relocate(r, p, h.len, why, sizeof why) != 0) {
			child_fail(rep, WL_ESYS, EIO, "malformed image: %s", h.root ? why : "no root");
			goto out;
		}
		root = region_ref(r, p + (h.root << 3));
	}
	double t1 = now();
	wl_sample(ctx);
	if (graph_check(r, root, n, wl_seed(ctx), &rep->sum, why, sizeof why) != 0) {
		child_fail(rep, WL_ESYS, EIO, "the loaded graph is wrong: %s", why);
		goto out;
	}
	wl_progress(ctx, n);
	rep->load_s = t1 - t0;
	rep->check_s = now() - t1;
out:
	if (buf)
		munmap(buf, sizeof h + h.len);
	wl_destroy(r);
	return rep->status;
}

/* Loads the file FD in a new process; fills REP from its report. Returns
 * WL_OK, or the run's result after saying what failed. */
static int spawn_loader(struct wl_ctx *ctx, int fd, uint64_t n, struct child_report *rep)
{
	char nodes[40], seed[32], policy[80] = "";
	snprintf(nodes, sizeof nodes, "--nodes=%" PRIu64, n);
	snprintf(seed, sizeof seed, "%" PRIu64, wl_seed(ctx));
	const char *args[8] = { nodes, "--seed", seed };
	int k = 3;
	const char *pol = region_policy();
	for (const char *const *p = region_policies(); pol && p && *p; p++)
		if (strcmp(*p, pol) == 0) {
			snprintf(policy, sizeof policy, "--policy=%s", pol);
			args[k++] = policy;
		}
	if (wl_thp())
		args[k++] = "--thp";
	args[k] = NULL;
	struct child c;
	int keep[] = { fd, -1 };
	int err = child_start(&c, "serialize", args, keep);
	if (err)
		return wl_syserr(ctx, err, "starting the loading process");
	struct load_task task = { .file_fd = fd };
	err = child_send(c.fd, &task, sizeof task);
	if (!err)
		err = child_recv(c.fd, rep, sizeof *rep);
	char why[128];
	int died = child_wait(&c, why, sizeof why);
	if (err || died) {
		char what[200];
		snprintf(what, sizeof what, "the loading process ended without a report (%s)",
			 died ? why : "it exited 0");
		return wl_syserr(ctx, err ? err : EIO, what);
	}
	return child_result(ctx, 0, rep);
}

static int run(struct wl_ctx *ctx, FILE *out)
{
	uint64_t n = (uint64_t)wl_param(ctx, "nodes");
	int chan = (int)wl_param(ctx, "child");
	if (chan) {
		struct load_task task;
		struct child_report rep = { .status = WL_OK };
		if (child_recv(chan, &task, sizeof task))
			return WL_ESYS;   /* the parent sees no report */
		load(ctx, task.file_fd, n, &rep);
		return child_report(chan, &rep);
	}
	wl_set_total_ops(ctx, n);

	region_t *r;
	int err = wl_create(&r);
	if (err)
		return wl_limit(ctx, err, "creating the region");
	wl_count_region(ctx);
	region_ref_t root;
	if ((err = graph_build(r, n, wl_seed(ctx), ctx, &root)) != 0) {
		wl_destroy(r);
		return wl_limit(ctx, err, "building the graph");
	}
	uint64_t region_bytes = region_size(r);
	wl_sample(ctx);

	const char *tmp = getenv("TMPDIR");
	char path[4096];
	snprintf(path, sizeof path, "%s/regionbench-serialize-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	int fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0) {
		wl_destroy(r);
		return wl_syserr(ctx, errno, "making a temporary file under $TMPDIR or /tmp");
	}
	unlink(path);   /* the loader inherits the descriptor; nothing is left behind */
	int rc;
	struct header h = { .magic = MAGIC, .ref_bits = REGION_REF_BITS, .nodes = n,
			    .seed = wl_seed(ctx) };
	struct graph_image img = {0};
	const void *span;
	size_t span_len;
	double t0 = now(), trace_s = 0;
	int sp = wl_param(ctx, "repack") ? REGION_ENOTSUP : region_span(r, &span, &span_len);
	if (sp == 0) {
		h.method = METHOD_COPY;
		h.root = root;
		h.len = span_len;
	} else if (sp == REGION_ENOTSUP) {
		h.method = METHOD_REPACK;
		if ((err = graph_pack(r, root, sizeof(region_ref_t), &img)) != 0) {
			rc = err == ENOMEM ? wl_limit(ctx, REGION_ENOMEM, "tracing the graph into an image")
					   : wl_syserr(ctx, err, "tracing the graph into an image");
			goto out;
		}
		h.root = img.root;
		h.len = img.len;
		span = img.data;
		trace_s = now() - t0;
	} else {
		rc = wl_limit(ctx, sp, "taking the region's span");
		goto out;
	}
	struct iovec iov[2] = { { &h, sizeof h }, { (void *)span, h.len } };
	if ((err = write_all(fd, iov, 2, 0)) != 0) {
		rc = wl_syserr(ctx, err, "writing the file");
		goto out;
	}
	double write_s = now() - t0;
	/* Again over the same pages, now resident. */
	struct iovec again[2] = { { &h, sizeof h }, { (void *)span, h.len } };
	double t1 = now();
	if ((err = write_all(fd, again, 2, 0)) != 0) {
		rc = wl_syserr(ctx, err, "writing the file again");
		goto out;
	}
	double warm_s = now() - t1;
	free(img.data);
	img.data = NULL;
	wl_sample(ctx);
	/* The loader must not share the writer's memory: the region goes first. */
	wl_destroy(r);
	r = NULL;

	struct child_report rep = {0};
	if ((rc = spawn_loader(ctx, fd, n, &rep)) != WL_OK)
		goto out;
	uint64_t bytes = sizeof h + h.len;
	int copy = h.method == METHOD_COPY;
	fprintf(out, "serialize: %" PRIu64 " nodes, %" PRIu64 " bytes in the region; %s: %.1f MiB "
		"written in %.3f s (%.3f s again over resident pages); loaded by %s in a new process "
		"in %.3f s, checked in %.3f s\n", n, region_bytes, copy ? "copy" : "trace+repack",
		bytes / 1048576.0, write_s, warm_s, copy ? "mmap+restore" : "read+relocate",
		rep.load_s, rep.check_s);
	wl_extra(ctx, "method", copy ? "copy" : "trace+repack");
	wl_extra(ctx, "load_path", copy ? "mmap+restore" : "read+relocate");
	wl_extra_u64(ctx, "bytes_on_disk", bytes);
	wl_extra_u64(ctx, "region_bytes", region_bytes);
	wl_extra_f64(ctx, "trace_s", trace_s);
	wl_extra_f64(ctx, "write_s", write_s);
	wl_extra_f64(ctx, "write_mb_s", write_s > 0 ? bytes / write_s / 1e6 : 0);
	wl_extra_f64(ctx, "write_warm_s", warm_s);
	wl_extra_f64(ctx, "write_warm_mb_s", warm_s > 0 ? bytes / warm_s / 1e6 : 0);
	wl_extra_f64(ctx, "load_s", rep.load_s);
	wl_extra_f64(ctx, "load_mb_s", rep.load_s > 0 ? bytes / rep.load_s / 1e6 : 0);
	wl_extra_f64(ctx, "check_s", rep.check_s);
	rc = WL_OK;
out:
	free(img.data);
	close(fd);
	wl_destroy(r);
	return rc;
}

static const struct wl_param params[] = {
	{ .name = "nodes", .def = 300000, .min = 1, .max = GRAPH_MAX_NODES, .quick = 50000,
	  .help = "nodes in the graph (each with a payload of 8-128 bytes)" },
	{ .name = "repack", .def = 0, .min = 0, .max = 1,
	  .help = "1: trace and repack even where the region can be copied as it is" },
	{ .name = "child", .def = 0, .min = 0, .max = 1 << 20,
	  .help = "internal: the loading process's channel descriptor (the run re-executes itself so)" },
	{ .name = NULL },
};

const struct workload wl_serialize = {
	.name = "serialize",
	.help = "a graph in one region written to a file and loaded in a new process: copy or trace+repack",
	.params = params,
	.run = run,
};
