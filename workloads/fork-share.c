/* fork-share.c: one structure shared read-only by N processes.
 *
 * The design note's way past the 32 GiB cap: more processes, sharing memory
 * through a read-only mapping. The parent builds the graph of graph.h in a
 * region, repacks it into an image with 32-bit offsets (graph_pack, width 4)
 * in a sealed memfd, and starts N children, each a fresh process (this
 * program re-executed with --child=1). Each child maps the image read-only
 * at its own base, walks every node through 32-bit offsets from that base and
 * checks the checksum; while all are alive and mapped (a pipe holds them),
 * the parent reads every child's Pss and Rss from /proc/PID/smaps_rollup. */
#include "graph.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define ENV_SHARE "REGIONBENCH_SHARE"
#define MAX_CHILDREN 64
/* Children map at different hints (16 TiB + i TiB) so every base differs. */
#define HINT(i) ((void *)(uintptr_t)(0x100000000000ull + (uint64_t)(i) * 0x10000000000ull))

/* What a child is told: "memfd,len,root,checksum,ready_fd,go_fd,index". */
struct share {
	int memfd, ready_fd, go_fd, index;
	uint64_t len, root, sum;
};

/* The child: maps, walks, reports one line on ready_fd, waits for go_fd to
 * close, then unmaps. Returns 0, or 1 after saying what went wrong. */
static int child(struct wl_ctx *ctx, uint64_t n)
{
	struct share s;
	const char *env = getenv(ENV_SHARE);
	char line[256], why[200] = "";
	if (!env || sscanf(env, "%d,%" SCNu64 ",%" SCNu64 ",%" SCNx64 ",%d,%d,%d", &s.memfd, &s.len,
			   &s.root, &s.sum, &s.ready_fd, &s.go_fd, &s.index) != 7) {
		fprintf(stderr, "fork-share: --child=1 is the child half of fork-share; it needs "
			ENV_SHARE " (set by the parent)\n");
		return 1;
	}
	wl_set_total_ops(ctx, n);
	int rc = 0;
	uint64_t sum = 0;
	const unsigned char *base = mmap(HINT(s.index), s.len, PROT_READ, MAP_SHARED, s.memfd, 0);
	if (base == MAP_FAILED) {
		snprintf(line, sizeof line, "fail %d cannot map the image: %s\n", s.index, strerror(errno));
		rc = 1;
	} else if (graph_check32(base, s.len, s.root, n, wl_seed(ctx), &sum, why, sizeof why) != 0 ||
		   sum != s.sum) {
		snprintf(line, sizeof line, "fail %d %s\n", s.index,
			 sum != s.sum && !*why ? "checksum differs" : why);
		rc = 1;
	} else {
		snprintf(line, sizeof line, "ok %d %ld %p %016" PRIx64 "\n", s.index, (long)getpid(),
			 (const void *)base, sum);
	}
	wl_progress(ctx, n);
	if (write(s.ready_fd, line, strlen(line)) < 0)
		rc = 1;
	close(s.ready_fd);
	char c;
	while (read(s.go_fd, &c, 1) < 0 && errno == EINTR)
		;   /* EOF: the parent has measured */
	if (base != MAP_FAILED)
		munmap((void *)base, s.len);
	return rc;
}

/* Pss and Rss of PID in bytes from smaps_rollup; 0 or -1. */
static int rollup(long pid, uint64_t *pss, uint64_t *rss)
{
	char path[64], l[256];
	snprintf(path, sizeof path, "/proc/%ld/smaps_rollup", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	int got = 0;
	unsigned long long kb;
	while (fgets(l, sizeof l, f)) {
		if (sscanf(l, "Pss: %llu kB", &kb) == 1) {
			*pss = kb * 1024;
			got |= 1;
		} else if (sscanf(l, "Rss: %llu kB", &kb) == 1) {
			*rss = kb * 1024;
			got |= 2;
		}
	}
	fclose(f);
	return got == 3 ? 0 : -1;
}

/* Builds the image into a sealed memfd; 0 with *fd, *img_len, *root, *sum,
 * or 1 after saying why. */
static int make_image(struct wl_ctx *ctx, uint64_t n, int *fd, uint64_t *img_len,
		      uint64_t *root, uint64_t *sum)
{
	region_t *r;
	char why[200];
	int err = wl_create(&r);
	if (err)
		return wl_limit(ctx, err, "creating the region");
	wl_count_region(ctx);
	region_ref_t rr;
	if ((err = graph_build(r, n, wl_seed(ctx), ctx, &rr)) != 0) {
		wl_destroy(r);
		return wl_limit(ctx, err, "building the graph");
	}
	if (graph_check(r, rr, n, wl_seed(ctx), sum, why, sizeof why) != 0) {
		fprintf(stderr, "fork-share: the graph is wrong in its own region: %s\n", why);
		wl_destroy(r);
		return 1;
	}
	struct graph_image img;
	err = graph_pack(r, rr, 4, &img);
	wl_sample(ctx);
	/* The builder's region is done with: the image is the shared form. */
	wl_destroy(r);
	if (err) {
		fprintf(stderr, "fork-share: packing the graph into 32-bit offsets: %s\n", strerror(err));
		return 1;
	}
	*fd = memfd_create("regionbench-fork-share", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	size_t done = 0;
	while (*fd >= 0 && done < img.len) {
		ssize_t w = write(*fd, img.data + done, img.len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		done += w;
	}
	free(img.data);
	if (*fd < 0 || done != img.len ||
	    fcntl(*fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) != 0) {
		fprintf(stderr, "fork-share: cannot make the sealed memfd: %s\n", strerror(errno));
		if (*fd >= 0)
			close(*fd);
		return 1;
	}
	*img_len = img.len;
	*root = img.root;
	return 0;
}

static int run(struct wl_ctx *ctx, FILE *out)
{
	uint64_t n = (uint64_t)wl_param(ctx, "nodes");
	int nch = (int)wl_param(ctx, "children");
	if (wl_param(ctx, "child"))
		return child(ctx, n);
	wl_set_total_ops(ctx, n);

	int memfd = -1;
	uint64_t len = 0, root = 0, sum = 0;
	if (make_image(ctx, n, &memfd, &len, &root, &sum) != 0)
		return 1;

	int ready[2], go[2];
	if (pipe2(ready, O_CLOEXEC) != 0 || pipe2(go, O_CLOEXEC) != 0) {
		fprintf(stderr, "fork-share: pipe: %s\n", strerror(errno));
		close(memfd);
		return 1;
	}
	char seed[32], nodes[40], env[256];
	snprintf(seed, sizeof seed, "%" PRIu64, wl_seed(ctx));
	snprintf(nodes, sizeof nodes, "--nodes=%" PRIu64, n);
	char *argv[] = { "regionbench", "run", "fork-share", "--child=1", nodes, "--seed", seed, NULL };
	pid_t pids[MAX_CHILDREN];
	int started = 0;
	fflush(NULL);
	for (; started < nch; started++) {
		pid_t pid = fork();
		if (pid < 0) {
			fprintf(stderr, "fork-share: fork: %s\n", strerror(errno));
			break;
		}
		if (pid == 0) {
			/* The three descriptors the child needs survive exec. */
			fcntl(memfd, F_SETFD, 0);
			fcntl(ready[1], F_SETFD, 0);
			fcntl(go[0], F_SETFD, 0);
			snprintf(env, sizeof env, "%d,%" PRIu64 ",%" PRIu64 ",%" PRIx64 ",%d,%d,%d",
				 memfd, len, root, sum, ready[1], go[0], started);
			setenv(ENV_SHARE, env, 1);
			int null = open("/dev/null", O_WRONLY);
			if (null >= 0)
				dup2(null, STDOUT_FILENO);   /* its own summary is not ours */
			execv("/proc/self/exe", argv);
			fprintf(stderr, "fork-share: cannot re-execute /proc/self/exe: %s\n", strerror(errno));
			_exit(127);
		}
		pids[started] = pid;
	}
	close(ready[1]);
	close(go[0]);

	/* Every child's line, or EOF when one died before writing it. */
	char text[MAX_CHILDREN * 128 + 1];
	size_t got = 0;
	int lines = 0;
	while (lines < started && got < sizeof text - 1) {
		ssize_t r = read(ready[0], text + got, sizeof text - 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		for (ssize_t i = 0; i < r; i++)
			lines += text[got + i] == '\n';
		got += r;
	}
	text[got] = 0;

	/* All children are alive and mapped now: measure before releasing them. */
	uint64_t total_pss = 0, total_rss = 0, parent_pss = 0, parent_rss = 0;
	int measured = 0, ok = 0;
	char *save, *l = strtok_r(text, "\n", &save);
	for (; l; l = strtok_r(NULL, "\n", &save)) {
		int idx;
		long pid;
		void *base;
		uint64_t pss, rss;
		if (sscanf(l, "ok %d %ld %p", &idx, &pid, &base) == 3) {
			ok++;
			if (rollup(pid, &pss, &rss) == 0) {
				total_pss += pss;
				total_rss += rss;
				measured++;
			}
			fprintf(out, "fork-share: child %d (pid %ld) walked %" PRIu64 " nodes at base %p\n",
				idx, pid, n, base);
		} else {
			fprintf(stderr, "fork-share: child says: %s\n", l);
		}
	}
	rollup(getpid(), &parent_pss, &parent_rss);
	wl_sample(ctx);
	close(go[1]);   /* releases the children */
	close(ready[0]);
	int all_exited = 1;
	for (int i = 0; i < started; i++) {
		int st;
		while (waitpid(pids[i], &st, 0) < 0 && errno == EINTR)
			;
		all_exited &= WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	close(memfd);
	if (started < nch || ok < nch || !all_exited) {
		fprintf(stderr, "fork-share: %d of %d children walked the image and exited cleanly\n",
			all_exited ? ok : 0, nch);
		return 1;
	}
	if (measured < nch) {
		fprintf(stderr, "fork-share: could read /proc/PID/smaps_rollup of only %d of %d children\n",
			measured, nch);
		return 1;
	}
	fprintf(out, "fork-share: %d children share a %.1f MiB image: total Pss %.1f MiB, "
		"Rss %.1f MiB (N private copies)\n", nch, len / 1048576.0,
		total_pss / 1048576.0, total_rss / 1048576.0);
	wl_extra_u64(ctx, "children", (uint64_t)nch);
	wl_extra_u64(ctx, "image_bytes", len);
	wl_extra_u64(ctx, "total_pss_bytes", total_pss);
	wl_extra_u64(ctx, "naive_rss_bytes", total_rss);
	wl_extra_u64(ctx, "parent_pss_bytes", parent_pss);
	return 0;
}

static const struct wl_param params[] = {
	{ .name = "nodes", .def = 300000, .min = 1, .max = GRAPH_MAX_NODES, .quick = 50000,
	  .help = "nodes in the shared graph (each with a payload of 8-128 bytes)" },
	{ .name = "children", .def = 4, .min = 1, .max = MAX_CHILDREN, .quick = 2,
	  .help = "child processes that map and walk the image" },
	{ .name = "child", .def = 0, .min = 0, .max = 1,
	  .help = "internal: 1 runs as one of the children (the parent re-executes itself so)" },
	{ .name = NULL },
};

const struct workload wl_fork_share = {
	.name = "fork-share",
	.help = "a graph repacked with 32-bit offsets in a sealed memfd, walked by N processes",
	.params = params,
	.run = run,
};
