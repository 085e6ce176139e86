/* csv.c: rows built in memory and files written whole (see csv.h). */
#include "csv.h"

#include "mbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

void csv_put(struct csv_buf *b, const char *s, size_t len)
{
	if (b->oom)
		return;
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + len + 1)
			cap *= 2;
		char *n = mbuf_grow(b->s, b->cap, cap);
		if (!n) {
			b->oom = 1;
			return;
		}
		b->s = n;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, len);
	b->len += len;
	b->s[b->len] = '\0';
}

void csv_buf_free(struct csv_buf *b)
{
	mbuf_free(b->s, b->cap);
	memset(b, 0, sizeof *b);
}

void csv_row_init(struct csv_row *r)
{
	memset(r, 0, sizeof *r);
	csv_row_clear(r);
}

void csv_row_free(struct csv_row *r)
{
	csv_buf_free(&r->head);
	csv_buf_free(&r->vals);
}

void csv_row_clear(struct csv_row *r)
{
	r->head.len = r->vals.len = 0;
	r->head.oom = r->vals.oom = 0;
	csv_put(&r->head, "", 0);   /* so .s is a string even when empty */
	csv_put(&r->vals, "", 0);
}

/* Appends one field to B, comma first unless it is the line's first. */
static void field(struct csv_buf *b, const char *v)
{
	if (b->len)
		csv_put(b, ",", 1);
	if (!strpbrk(v, ",\"\n\r")) {
		csv_put(b, v, strlen(v));
		return;
	}
	csv_put(b, "\"", 1);
	for (const char *p = v; *p; p++) {
		if (*p == '"')
			csv_put(b, "\"", 1);   /* a quote is doubled */
		csv_put(b, p, 1);
	}
	csv_put(b, "\"", 1);
}

void csv_str(struct csv_row *r, const char *name, const char *val)
{
	field(&r->head, name);
	field(&r->vals, val ? val : "");
}

void csv_u64(struct csv_row *r, const char *name, uint64_t val)
{
	char s[24];
	snprintf(s, sizeof s, "%" PRIu64, val);
	csv_str(r, name, s);
}

void csv_i64(struct csv_row *r, const char *name, int64_t val)
{
	char s[24];
	snprintf(s, sizeof s, "%" PRId64, val);
	csv_str(r, name, s);
}

void csv_f64(struct csv_row *r, const char *name, double val)
{
	char s[32];
	snprintf(s, sizeof s, "%.6g", val);
	csv_str(r, name, s);
}

void csv_none(struct csv_row *r, const char *name)
{
	csv_str(r, name, "");
}

/* 0 when the file behind FD is empty or starts with the line HEADER. */
static int same_header(int fd, const char *header)
{
	size_t want = strlen(header) + 1;
	char *buf = mbuf_alloc(want);
	if (!buf)
		return ENOMEM;
	ssize_t n = pread(fd, buf, want, 0);
	int err = 0;
	if (n < 0)
		err = errno;
	else if (n > 0 && ((size_t)n < want || memcmp(buf, header, want - 1) != 0 ||
			   buf[want - 1] != '\n'))
		err = EEXIST;
	mbuf_free(buf, want);
	return err;
}

int csv_open_append(const char *path, const char *header, int *fdp, int *created)
{
	struct stat st;
	*created = 0;
	if (!*path)
		return ENOENT;
	int fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		*created = fd >= 0;
		if (fd < 0 && errno == EEXIST)
			fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC);
	}
	if (fd < 0)
		return errno;
	int err = fstat(fd, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR :
		  !S_ISREG(st.st_mode) ? EINVAL : same_header(fd, header);
	if (err) {
		csv_abandon_append(path, fd, *created);
		*created = 0;
		return err;
	}
	*fdp = fd;
	return 0;
}

int csv_append_fd(int fd, const char *header, const char *line)
{
	int err = 0;
	struct csv_buf b = {0};
	struct stat st;
	/* The lock makes "empty, so header first" and the write one step. */
	if (flock(fd, LOCK_EX) != 0 || fstat(fd, &st) != 0)
		return errno;
	if (st.st_size == 0) {
		csv_put(&b, header, strlen(header));
		csv_put(&b, "\n", 1);
	} else if ((err = same_header(fd, header)) != 0) {
		goto out;
	}
	csv_put(&b, line, strlen(line));
	csv_put(&b, "\n", 1);
	if (b.oom) {
		err = ENOMEM;
		goto out;
	}
	ssize_t n = write(fd, b.s, b.len);
	if (n != (ssize_t)b.len) {
		err = n < 0 ? errno : ENOSPC;
		/* Take back a short write so no half line stays. */
		if (n > 0 && ftruncate(fd, st.st_size) != 0)
			err = errno;
	}
out:
	flock(fd, LOCK_UN);
	csv_buf_free(&b);
	return err;
}

void csv_abandon_append(const char *path, int fd, int created)
{
	struct stat st;
	if (fd < 0)
		return;
	if (created && fstat(fd, &st) == 0 && st.st_size == 0)
		unlink(path);
	close(fd);
}

int csv_open_whole(const char *path, char *tmp, size_t cap, int *fdp)
{
	struct stat st;
	if (!*path)
		return ENOENT;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return EISDIR;
	if ((size_t)snprintf(tmp, cap, "%s%s", path, CSV_TMP_SUFFIX) >= cap)
		return ENAMETOOLONG;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		tmp[0] = '\0';
		return errno;
	}
	*fdp = fd;
	return 0;
}

int csv_finish_whole(int fd, const char *tmp, const char *path, const char *data, size_t len)
{
	int err = 0;
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? errno : ENOSPC;
			break;
		}
		data += n;
		len -= n;
	}
	if (close(fd) != 0 && !err)
		err = errno;
	if (!err && rename(tmp, path) != 0)
		err = errno;
	if (err)
		unlink(tmp);
	return err;
}
