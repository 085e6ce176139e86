/* syscall-wrappers.c: system-call wrappers that store their results in regions.
 *
 * Walks /usr/include in sorted order: each directory listed with getdents64
 * into a region of its own (destroyed when the directory is done), each
 * regular file read whole with read(2) in --chunk_kib chunks, each symbolic
 * link read with readlink; then the links of /etc/alternatives. --wrapper
 * chooses how a result whose size is known only after the call is stored:
 * shrink (allocate the most the call may return, shrink to what it returned),
 * copy (a reused scratch buffer, then an exact allocation) or keep (allocate
 * the most, keep it). The inputs are only read. */
#include "region.h"
#include "workload.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum { SHRINK, COPY, KEEP };
static const char *const wrapper_names[] = { "shrink", "copy", "keep" };

enum call { CALL_READ, CALL_DENTS, CALL_LINK };

/* A root of the walk: DEEP roots are read whole (files, links, subdirectories),
 * the others only for their links. A missing root that is not DEEP is skipped. */
static const struct root {
	const char *path;
	int deep;
} roots[] = {
	{ "/usr/include", 1 },
	{ "/etc/alternatives", 0 },
};

struct sw {
	struct wl_ctx *ctx;
	int wrapper;
	size_t chunk;            /* the most a read or getdents64 call may return */
	uint64_t files_cap;      /* 0: no cap */
	char *scratch;           /* the copy wrapper's reused buffer */
	char path[PATH_MAX];     /* the directory being walked */
	size_t len;
	/* Counts. */
	uint64_t calls, asked, kept, returned;
	uint64_t files, file_bytes, dirs, links;
	uint64_t digest, sum;
	double call_s;
};

/* A directory entry, its name in the directory's region. */
struct entry {
	const char *name;
	unsigned char type;
};

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* A 64-bit hash of N bytes at P (word at a time; not cryptographic). */
static uint64_t hash(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, b + i, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
		h ^= h >> 29;
	}
	for (; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h ^ (h >> 32);
}

/* Adds PATH (the walk's directory, then NAME) and SIZE to the inputs digest. */
static void note_input(struct sw *s, const char *name, uint64_t size)
{
	uint64_t h = hash(s->path, s->len) * 31 + hash(name, strlen(name));
	s->digest = (s->digest ^ h ^ size) * 0x94d049bb133111ebull;
}

static ssize_t syscall_once(enum call kind, int fd, const char *name, void *buf, size_t most)
{
	switch (kind) {
	case CALL_READ:
		return read(fd, buf, most);
	case CALL_DENTS:
		return syscall(SYS_getdents64, fd, buf, most);
	default:
		return readlinkat(fd, name, buf, most);
	}
}

/* One wrapped call that returns at most MOST bytes (fd FD, and NAME for
 * readlink), its result stored in R as s->wrapper says, at *data. Returns
 * the bytes the call returned (0: the end), -1 after wl_syserr, or -2 after
 * wl_limit. */
static ssize_t wrap(struct sw *s, region_t *r, enum call kind, int fd, const char *name,
		    size_t most, char **data)
{
	double t = now();
	char *buf = s->scratch;
	if (s->wrapper != COPY) {
		if (!(buf = region_alloc(r, most, 8)))
			return wl_limit(s->ctx, region_error(r), "allocating a call's buffer"), -2;
		s->asked += most;
	}
	ssize_t n = syscall_once(kind, fd, name, buf, most);
	if (n < 0)
		return wl_syserr(s->ctx, errno, kind == CALL_READ ? "read" :
				 kind == CALL_DENTS ? "getdents64" : "readlink"), -1;
	size_t keep = (size_t)n;
	if (s->wrapper == SHRINK) {
		/* A region cannot shrink an allocation to nothing: 1 byte stays. */
		keep = n ? (size_t)n : 1;
		int err = region_shrink(r, buf, keep);
		if (err)
			return wl_limit(s->ctx, err, "shrinking a call's buffer"), -2;
	} else if (s->wrapper == COPY && n) {
		char *p = region_alloc(r, keep, 8);
		if (!p)
			return wl_limit(s->ctx, region_error(r), "allocating a call's result"), -2;
		memcpy(p, buf, keep);
		buf = p;
		s->asked += keep;
	} else if (s->wrapper == KEEP) {
		keep = most;
	}
	s->call_s += now() - t;
	s->kept += keep;
	s->calls++;
	s->returned += (uint64_t)n;
	wl_progress(s->ctx, 1);
	*data = buf;
	return n;
}

/* Reads file NAME of directory DIRFD whole into R. WL_OK, or WL_LIMIT /
 * WL_ESYS after saying why. */
static int read_file(struct sw *s, region_t *r, int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return wl_syserr(s->ctx, errno, "opening a file to read");
	uint64_t size = 0, h = 0;
	ssize_t n;
	char *data;
	while ((n = wrap(s, r, CALL_READ, fd, NULL, s->chunk, &data)) > 0) {
		h = h * 31 + hash(data, (size_t)n);
		size += (uint64_t)n;
	}
	close(fd);
	if (n < 0)
		return n == -1 ? WL_ESYS : WL_LIMIT;
	s->sum = s->sum * 31 + h;
	s->files++;
	s->file_bytes += size;
	note_input(s, name, size);
	return WL_OK;
}

/* Reads link NAME of directory DIRFD into R. */
static int read_link(struct sw *s, region_t *r, int dirfd, const char *name)
{
	char *data;
	ssize_t n = wrap(s, r, CALL_LINK, dirfd, name, PATH_MAX, &data);
	if (n < 0)
		return n == -1 ? WL_ESYS : WL_LIMIT;
	s->sum = s->sum * 31 + hash(data, (size_t)n);
	s->links++;
	note_input(s, name, (uint64_t)n);
	return WL_OK;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

/* Lists directory FD into R with getdents64 and returns its entries, sorted
 * by name and without "." and "..", in *out (in R) and their number in *n. */
static int list(struct sw *s, region_t *r, int fd, struct entry **out, size_t *n)
{
	/* The listing's pieces, in order; a directory rarely needs more than a
	 * few calls, so a small array grows in R as needed. */
	char **piece = NULL;
	size_t *plen = NULL, np = 0, cap = 0, count = 0, bytes = 0;
	for (;;) {
		char *data;
		ssize_t got = wrap(s, r, CALL_DENTS, fd, NULL, s->chunk, &data);
		if (got < 0)
			return got == -1 ? WL_ESYS : WL_LIMIT;
		if (got == 0)
			break;
		if (np == cap) {
			cap = cap ? 2 * cap : 8;
			char **p = region_alloc(r, cap * sizeof *p, 8);
			size_t *l = region_alloc(r, cap * sizeof *l, 8);
			if (!p || !l)
				return wl_limit(s->ctx, region_error(r), "allocating a listing's index");
			if (np) {
				memcpy(p, piece, np * sizeof *p);
				memcpy(l, plen, np * sizeof *l);
			}
			piece = p;
			plen = l;
		}
		piece[np] = data;
		plen[np++] = (size_t)got;
		bytes += (size_t)got;
	}
	for (int pass = 0; pass < 2; pass++) {
		size_t k = 0;
		for (size_t i = 0; i < np; i++)
			for (size_t off = 0; off < plen[i];) {
				const struct dirent64 *d = (const void *)(piece[i] + off);
				off += d->d_reclen;
				if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
					continue;
				if (pass)
					(*out)[k] = (struct entry){ d->d_name, d->d_type };
				k++;
			}
		if (!pass && !(*out = region_alloc(r, (k ? k : 1) * sizeof **out, 8)))
			return wl_limit(s->ctx, region_error(r), "allocating a listing's entries");
		count = k;
	}
	qsort(*out, count, sizeof **out, by_name);
	*n = count;
	for (size_t i = 0; i < count; i++)
		s->sum = s->sum * 31 + hash((*out)[i].name, strlen((*out)[i].name)) + (*out)[i].type;
	s->dirs++;
	note_input(s, "", bytes);
	return WL_OK;
}

/* Walks directory FD (s->path): lists it, then reads its links and, when
 * DEEP, its files and subdirectories, all in name order and in a region of
 * its own. Stops early (WL_OK) once s->files_cap files are read. */
static int walk(struct sw *s, int fd, int deep)
{
	region_t *r;
	int err = wl_create(&r);
	if (err)
		return wl_limit(s->ctx, err, "creating a directory's region");
	wl_count_region(s->ctx);
	struct entry *e = NULL;
	size_t n = 0;
	int rc = list(s, r, fd, &e, &n);
	for (size_t i = 0; i < n && rc == WL_OK; i++) {
		if (s->files_cap && s->files >= s->files_cap && deep)
			break;
		unsigned type = e[i].type;
		if (type == DT_UNKNOWN) {
			struct stat st;
			if (fstatat(fd, e[i].name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
				rc = wl_syserr(s->ctx, errno, "classifying a directory entry");
				break;
			}
			type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG :
			       S_ISLNK(st.st_mode) ? DT_LNK : DT_UNKNOWN;
		}
		if (type == DT_LNK) {
			rc = read_link(s, r, fd, e[i].name);
		} else if (type == DT_REG && deep) {
			rc = read_file(s, r, fd, e[i].name);
		} else if (type == DT_DIR && deep) {
			size_t len = s->len, add = strlen(e[i].name) + 1;
			if (len + add >= sizeof s->path) {
				rc = wl_syserr(s->ctx, ENAMETOOLONG, "walking a directory");
				break;
			}
			s->path[len] = '/';
			memcpy(s->path + len + 1, e[i].name, add);
			s->len = len + add;
			int sub = openat(fd, e[i].name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			rc = sub < 0 ? wl_syserr(s->ctx, errno, "opening a directory") : walk(s, sub, 1);
			if (sub >= 0)
				close(sub);
			s->len = len;
			s->path[len] = '\0';
		}
	}
	wl_destroy(r);
	return rc;
}

static int run(struct wl_ctx *ctx, FILE *out)
{
	struct sw s = {
		.ctx = ctx,
		.wrapper = (int)wl_param(ctx, "wrapper"),
		.chunk = (size_t)wl_param(ctx, "chunk_kib") << 10,
		.files_cap = (uint64_t)wl_param(ctx, "files"),
	};
	/* Sample points assume about three calls a file (open's read, the
	 * read that finds the end, listings and links); only their spacing
	 * depends on it. */
	wl_set_total_ops(ctx, 3 * (s.files_cap ? s.files_cap : 25000));
	s.scratch = malloc(s.chunk > PATH_MAX ? s.chunk : PATH_MAX);
	if (!s.scratch)
		return wl_syserr(ctx, ENOMEM, "allocating the scratch buffer");
	int rc = WL_OK;
	for (size_t i = 0; i < sizeof roots / sizeof *roots && rc == WL_OK; i++) {
		int fd = open(roots[i].path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT && !roots[i].deep) {
			fprintf(out, "syscall-wrappers: %s is missing, skipped\n", roots[i].path);
			continue;
		}
		if (fd < 0) {
			rc = wl_syserr(ctx, errno, roots[i].path);
			break;
		}
		s.len = strlen(roots[i].path);
		memcpy(s.path, roots[i].path, s.len + 1);
		rc = walk(&s, fd, roots[i].deep);
		close(fd);
	}
	free(s.scratch);
	if (rc != WL_OK)
		return rc;

	const char *name = wrapper_names[s.wrapper];
	double ns = s.calls ? 1e9 * s.call_s / (double)s.calls : 0;
	fprintf(out, "syscall-wrappers: wrapper %s, %ju files (%ju bytes), %ju directories, %ju links; "
		"inputs digest %016jx\n", name, (uintmax_t)s.files, (uintmax_t)s.file_bytes,
		(uintmax_t)s.dirs, (uintmax_t)s.links, (uintmax_t)s.digest);
	fprintf(out, "%ju calls, %.0f ns a call; bytes asked of regions %ju, kept %ju, returned by the calls %ju\n",
		(uintmax_t)s.calls, ns, (uintmax_t)s.asked, (uintmax_t)s.kept, (uintmax_t)s.returned);
	fprintf(out, "checksum %016jx\n", (uintmax_t)s.sum);

	char hex[20];
	wl_extra(ctx, "wrapper", name);
	wl_extra_u64(ctx, "calls", s.calls);
	wl_extra_u64(ctx, "bytes_allocated", s.asked);
	wl_extra_u64(ctx, "bytes_kept", s.kept);
	wl_extra_u64(ctx, "bytes_returned", s.returned);
	wl_extra_f64(ctx, "ns_per_call", ns);
	wl_extra_u64(ctx, "inputs_files", s.files);
	wl_extra_u64(ctx, "inputs_bytes", s.file_bytes);
	wl_extra_u64(ctx, "inputs_dirs", s.dirs);
	wl_extra_u64(ctx, "inputs_links", s.links);
	snprintf(hex, sizeof hex, "%016jx", (uintmax_t)s.digest);
	wl_extra(ctx, "inputs_digest", hex);
	snprintf(hex, sizeof hex, "%016jx", (uintmax_t)s.sum);
	wl_extra(ctx, "checksum", hex);
	return WL_OK;
}

static const struct wl_param params[] = {
	{ .name = "wrapper", .def = SHRINK, .min = SHRINK, .max = KEEP,
	  .help = "0 shrink (allocate the most, shrink to the result), 1 copy (scratch, exact copy), 2 keep" },
	{ .name = "files", .def = 0, .min = 0, .max = INT64_C(1) << 40, .quick = 300,
	  .help = "files read at most, in walk order (0: all)" },
	{ .name = "chunk_kib", .def = 64, .min = 4, .max = 1 << 20,
	  .help = "the most one read or getdents64 call may return, in KiB" },
	{ .name = NULL },
};

const struct workload wl_syscall_wrappers = {
	.name = "syscall-wrappers",
	.help = "read, getdents64 and readlink over /usr/include, results stored in regions three ways",
	.params = params,
	.run = run,
};
