/* fork-share.c: one structure shared read-only by N processes.
 *
 * A way past one process's address space: more processes, sharing memory
 * through a read-only mapping. The parent builds the graph of graph.h in a
 * region, repacks it into an image with 32-bit offsets (graph_pack, width 4)
 * in a sealed memfd, and starts N children, each a fresh process
 * (workloads/child.h). Each child maps the image read-only at its own base,
 * walks every node through 32-bit offsets from that base, checks the
 * checksum and reports in a struct; while all are alive and mapped (each
 * waits for its channel to close), the parent reads, per child, the Rss and
 * Pss of the image's own mapping (/proc/PID/smaps) and of the whole process
 * (smaps_rollup, shared libraries included). Over the image's mapping,
 * sum(Rss) / sum(Pss) is N when every page is shared by all N. */
#include "child.h"
#include "graph.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAX_CHILDREN 64
/* Children map at different hints (16 TiB + i TiB) so every base differs. */
#define HINT(i) ((void *)(uintptr_t)(0x100000000000ull + (uint64_t)(i) * 0x10000000000ull))

/* What the parent sends each child. */
struct share_task {
	int32_t memfd, index;
	uint64_t len, root, sum;
};

/* The child: maps, walks, reports, waits for the parent to close the
 * channel, then unmaps. Returns WL_OK once it has reported. */
static int child(struct wl_ctx *ctx, int chan, uint64_t n)
{
	struct share_task s;
	struct child_report rep = { .status = WL_OK };
	char why[200] = "";
	if (child_recv(chan, &s, sizeof s))
		return WL_ESYS;   /* the parent sees no report */
	wl_set_total_ops(ctx, n);
	const unsigned char *base = mmap(HINT(s.index), s.len, PROT_READ, MAP_SHARED, s.memfd, 0);
	if (base == MAP_FAILED)
		child_fail(&rep, WL_ESYS, errno, "mapping the image");
	else if (graph_check32(base, s.len, s.root, n, wl_seed(ctx), &rep.sum, why, sizeof why) != 0)
		child_fail(&rep, WL_ESYS, EIO, "walking the image: %s", why);
	else if (rep.sum != s.sum)
		child_fail(&rep, WL_ESYS, EIO, "the walk's checksum differs from the builder's");
	rep.base = (uint64_t)(uintptr_t)base;
	wl_progress(ctx, n);
	int rc = child_report(chan, &rep);
	char c;
	while (read(chan, &c, 1) < 0 && errno == EINTR)
		;   /* EOF: the parent has measured */
	if (base != MAP_FAILED)
		munmap((void *)base, s.len);
	return rc;
}

/* Memory of one process, in bytes: its whole Rss and Pss, and those of its
 * mapping that starts at BASE (0: not asked). 0, or -1 when unreadable. */
struct mem {
	uint64_t rss, pss, map_rss, map_pss;
};

/* The value of "NAME: N kB" lines, in bytes, when L is such a line. */
static int kb_line(const char *l, const char *name, uint64_t *out)
{
	size_t k = strlen(name);
	if (strncmp(l, name, k) != 0 || l[k] != ':')
		return 0;
	*out = strtoull(l + k + 1, NULL, 10) * 1024;
	return 1;
}

static int memory_of(long pid, uint64_t base, struct mem *m)
{
	char path[64], l[512];
	int got = 0;
	*m = (struct mem){0};
	snprintf(path, sizeof path, "/proc/%ld/smaps_rollup", pid);
	FILE *f = fopen(path, "r");
	while (f && fgets(l, sizeof l, f))
		got |= kb_line(l, "Rss", &m->rss) | kb_line(l, "Pss", &m->pss) << 1;
	if (f)
		fclose(f);
	if (base) {
		snprintf(path, sizeof path, "/proc/%ld/smaps", pid);
		f = fopen(path, "r");
		int in = 0;
		while (f && fgets(l, sizeof l, f)) {
			char *end;
			uint64_t start = strtoull(l, &end, 16);
			if (*end == '-' && end > l)   /* a mapping's first line */
				in = start == base;
			else if (in)
				got |= kb_line(l, "Rss", &m->map_rss) << 2 | kb_line(l, "Pss", &m->map_pss) << 3;
		}
		if (f)
			fclose(f);
	}
	return got == (base ? 15 : 3) ? 0 : -1;
}

/* Builds the image into a sealed memfd; WL_OK with *fd, *img_len, *root,
 * *sum, or the run's result after saying why. */
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
		wl_destroy(r);
		snprintf(why + strlen(why), sizeof why - strlen(why), " (in its own region)");
		return wl_syserr(ctx, EIO, why);
	}
	struct graph_image img;
	err = graph_pack(r, rr, 4, &img);
	wl_sample(ctx);
	/* The builder's region is done with: the image is the shared form. */
	wl_destroy(r);
	if (err)
		return err == ENOMEM ? wl_limit(ctx, REGION_ENOMEM, "packing the graph into 32-bit offsets")
				     : wl_syserr(ctx, err, "packing the graph into 32-bit offsets");
	*fd = memfd_create("regionbench-fork-share", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	size_t done = 0;
	err = *fd < 0 ? errno : 0;
	while (!err && done < img.len) {
		ssize_t w = write(*fd, img.data + done, img.len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			err = w < 0 ? errno : EIO;
		else
			done += w;
	}
	free(img.data);
	if (!err && fcntl(*fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) != 0)
		err = errno;
	if (err) {
		if (*fd >= 0)
			close(*fd);
		return wl_syserr(ctx, err, "making the sealed memfd");
	}
	*img_len = img.len;
	*root = img.root;
	return WL_OK;
}

static int run(struct wl_ctx *ctx, FILE *out)
{
	uint64_t n = (uint64_t)wl_param(ctx, "nodes");
	int nch = (int)wl_param(ctx, "children");
	int chan = (int)wl_param(ctx, "child");
	if (chan)
		return child(ctx, chan, n);
	wl_set_total_ops(ctx, n);

	int memfd = -1;
	struct share_task task = {0};
	int rc = make_image(ctx, n, &memfd, &task.len, &task.root, &task.sum);
	if (rc != WL_OK)
		return rc;
	task.memfd = memfd;

	char seed[32], nodes[40];
	snprintf(seed, sizeof seed, "%" PRIu64, wl_seed(ctx));
	snprintf(nodes, sizeof nodes, "--nodes=%" PRIu64, n);
	const char *args[] = { nodes, "--seed", seed, NULL };
	int keep[] = { memfd, -1 };
	struct child kids[MAX_CHILDREN];
	struct child_report rep[MAX_CHILDREN];
	int started = 0, err = 0;
	for (; started < nch && !err; started++) {
		task.index = started;
		err = child_start(&kids[started], "fork-share", args, keep);
		if (err)
			break;
		err = child_send(kids[started].fd, &task, sizeof task);
	}
	/* Every child's report: all are alive and mapped once each has sent it. */
	int reported = 0;
	for (; !err && reported < started; reported++)
		err = child_recv(kids[reported].fd, &rep[reported], sizeof rep[0]);
	struct mem total = {0}, parent;
	for (int i = 0; !err && i < reported; i++) {
		if (rep[i].status != WL_OK) {
			rc = child_result(ctx, i, &rep[i]);
			break;
		}
		struct mem m;
		if (memory_of(rep[i].pid, rep[i].base, &m) != 0) {
			rc = wl_syserr(ctx, errno ? errno : EIO, "reading /proc/PID/smaps of a child");
			break;
		}
		total.rss += m.rss;
		total.pss += m.pss;
		total.map_rss += m.map_rss;
		total.map_pss += m.map_pss;
		fprintf(out, "fork-share: child %d (pid %" PRId64 ") walked %" PRIu64 " nodes at base 0x%"
			PRIx64 "; the image's mapping: Rss %.1f MiB, Pss %.1f MiB\n", i, rep[i].pid, n,
			rep[i].base, m.map_rss / 1048576.0, m.map_pss / 1048576.0);
	}
	if (memory_of(getpid(), 0, &parent) != 0)
		parent.pss = 0;
	wl_sample(ctx);
	char why[128] = "";
	int died = 0;
	for (int i = 0; i < started; i++)
		died |= child_wait(&kids[i], why, sizeof why) != 0;   /* releases it */
	close(memfd);
	if (rc != WL_OK)
		return rc;
	if (err || died || started < nch) {
		char what[200];
		snprintf(what, sizeof what, "%d of %d children started and reported%s%s", err ? reported : nch,
			 nch, died ? "; one ended badly: " : "", why);
		return wl_syserr(ctx, err ? err : EIO, what);
	}
	double ratio = total.map_pss ? (double)total.map_rss / total.map_pss : 0;
	fprintf(out, "fork-share: %d processes share a %.1f MiB image: over its mapping Rss %.1f MiB, "
		"Pss %.1f MiB, ratio %.2f (%d is perfect sharing; %d private copies would be %.1f MiB); "
		"whole processes, shared libraries included: Rss %.1f MiB, Pss %.1f MiB\n",
		nch, task.len / 1048576.0, total.map_rss / 1048576.0, total.map_pss / 1048576.0, ratio,
		nch, nch, (double)nch * task.len / 1048576.0, total.rss / 1048576.0, total.pss / 1048576.0);
	wl_extra_u64(ctx, "children", (uint64_t)nch);
	wl_extra_u64(ctx, "image_bytes", task.len);
	wl_extra_u64(ctx, "image_rss_bytes", total.map_rss);
	wl_extra_u64(ctx, "image_pss_bytes", total.map_pss);
	wl_extra_f64(ctx, "sharing_ratio", ratio);
	wl_extra_u64(ctx, "naive_bytes", (uint64_t)nch * task.len);
	wl_extra_u64(ctx, "process_rss_bytes", total.rss);
	wl_extra_u64(ctx, "process_pss_bytes", total.pss);
	wl_extra_u64(ctx, "parent_pss_bytes", parent.pss);
	return WL_OK;
}

static const struct wl_param params[] = {
	{ .name = "nodes", .def = 300000, .min = 1, .max = GRAPH_MAX_NODES, .quick = 50000,
	  .help = "nodes in the shared graph (each with a payload of 8-128 bytes)" },
	{ .name = "children", .def = 4, .min = 1, .max = MAX_CHILDREN, .quick = 2,
	  .help = "child processes that map and walk the image" },
	{ .name = "child", .def = 0, .min = 0, .max = 1 << 20,
	  .help = "internal: a child process's channel descriptor (the parent re-executes itself so)" },
	{ .name = NULL },
};

const struct workload wl_fork_share = {
	.name = "fork-share",
	.help = "a graph repacked with 32-bit offsets in a sealed memfd, walked by N processes",
	.params = params,
	.run = run,
};
