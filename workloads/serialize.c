/* serialize.c: write a region's graph to a file, load it in a new process.
 *
 * Builds the graph of graph.h in one region and writes it to a temporary
 * file under $TMPDIR. Where the backend's regions are contiguous
 * (region_span works) the used range is written as it is ("copy") and the
 * loader maps the file and calls region_restore; elsewhere it is traced
 * and repacked, and the loader reads the image into one allocation of its
 * region and rewrites its references ("trace+repack", as the design note
 * proposes). The load runs in a fresh process (/proc/self/exe re-executed
 * with --load=1, the file in REGIONBENCH_SERIALIZE_FILE) checking every node. */
#include "graph.h"
#include "pages.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ENV_FILE "REGIONBENCH_SERIALIZE_FILE"
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

/* Writes all of IOV or returns an errno value. */
static int write_all(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t w = writev(fd, iov, n > 64 ? 64 : n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
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

static int read_all(int fd, void *p, size_t len)
{
	char *c = p;
	while (len > 0) {
		ssize_t r = read(fd, c, len > (1u << 30) ? (1u << 30) : len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? errno : EIO;
		c += r;
		len -= r;
	}
	return 0;
}

/* The loading process: reads the file, rebuilds the graph in a fresh
 * region, checks every node, and prints one "serialize-load:" line. */
static int load(struct wl_ctx *ctx, FILE *out, uint64_t n)
{
	const char *path = getenv(ENV_FILE);
	char why[256];
	if (!path) {
		fprintf(stderr, "serialize: --load=1 is the loading half of serialize; it needs "
			ENV_FILE " (set by the writing half)\n");
		return 1;
	}
	wl_set_total_ops(ctx, n);
	double t0 = now();
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct header h;
	if (fd < 0 || read_all(fd, &h, sizeof h) != 0) {
		fprintf(stderr, "serialize: cannot read %s (%s)\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	if (h.magic != MAGIC || h.ref_bits != REGION_REF_BITS || h.nodes != n ||
	    h.seed != wl_seed(ctx) || (h.method != METHOD_COPY && h.method != METHOD_REPACK)) {
		fprintf(stderr, "serialize: %s is not a graph of %" PRIu64 " nodes, seed %" PRIu64
			", %d-bit references from this program\n", path, n, wl_seed(ctx), REGION_REF_BITS);
		close(fd);
		return 1;
	}
	region_t *r;
	int err = wl_create(&r);
	if (err) {
		close(fd);
		return wl_limit(ctx, err, "creating the region to load into");
	}
	wl_count_region(ctx);
	region_ref_t root = REGION_REF_NULL;
	void *buf = NULL;
	const char *what = "reading the file";
	int rc = 0;
	if (h.method == METHOD_COPY) {
		/* Mapped, so region_restore copies from the page cache once. */
		buf = mmap(NULL, sizeof h + h.len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
		if (buf == MAP_FAILED) {
			fprintf(stderr, "serialize: mapping %s: %s\n", path, strerror(errno));
			buf = NULL;
			rc = 1;
			goto out;
		}
		if ((err = region_restore(r, (char *)buf + sizeof h, h.len)) != 0) {
			rc = wl_limit(ctx, err, "restoring the span");
			goto out;
		}
		root = (region_ref_t)h.root;
	} else {
		unsigned char *p = region_alloc(r, h.len ? h.len : 1, 8);
		if (!p) {
			rc = wl_limit(ctx, region_error(r), "allocating room for the image");
			goto out;
		}
		if ((err = read_all(fd, p, h.len)) != 0) {
			fprintf(stderr, "serialize: %s %s: %s\n", what, path, strerror(err));
			rc = 1;
			goto out;
		}
		if (h.root == 0 || (h.root << 3) >= h.len ||
		    graph_relocate(r, p, h.len, why, sizeof why) != 0) {
			fprintf(stderr, "serialize: %s: malformed image: %s\n", path,
				h.root ? why : "no root");
			rc = 1;
			goto out;
		}
		root = region_ref(r, p + (h.root << 3));
	}
	double t1 = now();
	wl_sample(ctx);
	uint64_t sum;
	if (graph_check(r, root, n, wl_seed(ctx), &sum, why, sizeof why) != 0) {
		fprintf(stderr, "serialize: the loaded graph is wrong: %s\n", why);
		rc = 1;
		goto out;
	}
	wl_progress(ctx, n);
	fprintf(out, "serialize-load: ok nodes=%" PRIu64 " load_s=%.9f check_s=%.9f checksum=%016" PRIx64 "\n",
		n, t1 - t0, now() - t1, sum);
	fflush(out);
out:
	if (buf)
		munmap(buf, sizeof h + h.len);
	close(fd);
	wl_destroy(r);
	return rc;
}

/* Runs `/proc/self/exe run serialize --load=1 ...` with PATH in the
 * environment and its stdout into a pipe; fills LOAD_S from its line.
 * Returns 0, or 1 after saying what failed. */
static int spawn_loader(struct wl_ctx *ctx, const char *path, uint64_t n, double *load_s)
{
	char nodes[40], seed[32], policy[64] = "";
	snprintf(nodes, sizeof nodes, "--nodes=%" PRIu64, n);
	snprintf(seed, sizeof seed, "%" PRIu64, wl_seed(ctx));
	const char *pol = region_policy();
	for (const char *const *p = region_policies(); pol && p && *p; p++)
		if (strcmp(*p, pol) == 0)
			snprintf(policy, sizeof policy, "--policy=%s", pol);
	char *argv[10] = { "regionbench", "run", "serialize", "--load=1", nodes, "--seed", seed };
	int argc = 7;
	if (*policy)
		argv[argc++] = policy;
	if (pages_hugepages())
		argv[argc++] = "--thp";
	argv[argc] = NULL;

	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0) {
		fprintf(stderr, "serialize: pipe: %s\n", strerror(errno));
		return 1;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "serialize: fork: %s\n", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return 1;
	}
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		setenv(ENV_FILE, path, 1);
		execv("/proc/self/exe", argv);
		fprintf(stderr, "serialize: cannot re-execute /proc/self/exe: %s\n", strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	/* The child's whole stdout: its load line, then the driver's summary. */
	char text[16384];
	size_t got = 0;
	for (;;) {
		ssize_t r = read(fds[0], text + got, sizeof text - 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += r;
		if (got == sizeof text - 1) {
			char sink[4096];   /* keep draining so the child never blocks */
			while (read(fds[0], sink, sizeof sink) > 0)
				;
			break;
		}
	}
	text[got] = 0;
	close(fds[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	const char *line = strstr(text, "serialize-load: ok ");
	const char *ls = line ? strstr(line, "load_s=") : NULL;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || !ls) {
		fprintf(stderr, "serialize: the loading process failed (%s %d) without a load line\n",
			WIFEXITED(st) ? "exit status" : "signal",
			WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		return 1;
	}
	*load_s = strtod(ls + 7, NULL);
	return 0;
}

static int run(struct wl_ctx *ctx, FILE *out)
{
	uint64_t n = (uint64_t)wl_param(ctx, "nodes");
	if (wl_param(ctx, "load"))
		return load(ctx, out, n);
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
	int fd = mkstemp(path);
	if (fd < 0) {
		fprintf(stderr, "serialize: cannot make a file like %s: %s\n", path, strerror(errno));
		wl_destroy(r);
		return 1;
	}
	int rc = 1;
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
			fprintf(stderr, "serialize: tracing the graph: %s\n", strerror(err));
			goto out;
		}
		h.root = img.root;
		h.len = img.len;
		span = img.data;
		trace_s = now() - t0;
	} else {
		fprintf(stderr, "serialize: region_span: %s\n", region_strerror(sp));
		goto out;
	}
	struct iovec iov[2] = { { &h, sizeof h }, { (void *)span, h.len } };
	if ((err = write_all(fd, iov, 2)) != 0) {
		fprintf(stderr, "serialize: writing %s: %s\n", path, strerror(err));
		goto out;
	}
	double write_s = now() - t0;
	free(img.data);
	img.data = NULL;
	wl_sample(ctx);
	/* The loader must not share the writer's memory: the region goes first. */
	wl_destroy(r);
	r = NULL;

	struct stat sb;
	fstat(fd, &sb);
	double load_s;
	if (spawn_loader(ctx, path, n, &load_s) != 0)
		goto out;
	const char *method = h.method == METHOD_COPY ? "copy" : "trace+repack";
	fprintf(out, "serialize: %" PRIu64 " nodes, %" PRIu64 " bytes in the region; %s: "
		"%.1f MiB on disk, written in %.3f s, loaded and checked in a new process in %.3f s\n",
		n, region_bytes, method, sb.st_size / 1048576.0, write_s, load_s);
	wl_extra(ctx, "method", method);
	wl_extra_u64(ctx, "bytes_on_disk", (uint64_t)sb.st_size);
	wl_extra_u64(ctx, "region_bytes", (uint64_t)region_bytes);
	wl_extra_f64(ctx, "write_s", write_s);
	wl_extra_f64(ctx, "load_s", load_s);
	wl_extra_f64(ctx, "trace_s", trace_s);
	wl_extra_f64(ctx, "write_mb_s", write_s > 0 ? sb.st_size / write_s / 1e6 : 0);
	wl_extra_f64(ctx, "load_mb_s", load_s > 0 ? sb.st_size / load_s / 1e6 : 0);
	rc = 0;
out:
	free(img.data);
	close(fd);
	unlink(path);
	wl_destroy(r);
	return rc;
}

static const struct wl_param params[] = {
	{ .name = "nodes", .def = 300000, .min = 1, .max = GRAPH_MAX_NODES, .quick = 50000,
	  .help = "nodes in the graph (each with a payload of 8-128 bytes)" },
	{ .name = "repack", .def = 0, .min = 0, .max = 1,
	  .help = "1: trace and repack even where the region can be copied as it is" },
	{ .name = "load", .def = 0, .min = 0, .max = 1,
	  .help = "internal: 1 loads and checks the file in $" ENV_FILE " (the run re-executes itself so)" },
	{ .name = NULL },
};

const struct workload wl_serialize = {
	.name = "serialize",
	.help = "a graph in one region written to a file and loaded in a new process: copy or trace+repack",
	.params = params,
	.run = run,
};
