/* trace_write.c: see trace_write.h.
 *
 * Invariant: buf[0, len) holds whole event lines not yet written, and
 * len <= sizeof buf - LINE_MAX_BYTES before an event is formatted, so an
 * event never needs a bounds check of its own. */
#include "trace_write.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define BUF_BYTES (64 * 1024)
#define LINE_MAX_BYTES 64   /* "a " + 10 + " " + 13 + " " + 4 + "\n" fits */

struct trace_writer {
	int fd;          /* plain output, or -1 */
	gzFile gz;       /* gzip output, or NULL */
	int err;         /* first errno, sticky */
	size_t len;
	char buf[BUF_BYTES];
};

/* Writes out buf[0, len). Returns 0 or the sticky errno. */
static int drain(struct trace_writer *w)
{
	if (w->err || !w->len) {
		w->len = w->err ? 0 : w->len;
		return w->err;
	}
	if (w->gz) {
		if (gzwrite(w->gz, w->buf, (unsigned)w->len) != (int)w->len) {
			int zerr;
			gzerror(w->gz, &zerr);
			w->err = zerr == Z_ERRNO && errno ? errno : EIO;
		}
	} else {
		size_t off = 0;
		while (off < w->len) {
			ssize_t n = write(w->fd, w->buf + off, w->len - off);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				w->err = n < 0 ? errno : EIO;
				break;
			}
			off += (size_t)n;
		}
	}
	w->len = 0;
	return w->err;
}

/* Appends decimal V to P; returns the end. */
static inline char *dec(char *p, uint64_t v)
{
	char tmp[20];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* Formats "OP RID[ SIZE[ ALIGN]]\n" (NF numbers after RID) and drains when
 * the buffer is nearly full. */
static inline int event(struct trace_writer *w, char op, uint32_t rid, int nf,
	uint64_t size, uint64_t align)
{
	if (w->err)
		return w->err;
	char *p = w->buf + w->len;
	*p++ = op;
	*p++ = ' ';
	p = dec(p, rid);
	if (nf >= 1) {
		*p++ = ' ';
		p = dec(p, size);
	}
	if (nf >= 2) {
		*p++ = ' ';
		p = dec(p, align);
	}
	*p++ = '\n';
	w->len = (size_t)(p - w->buf);
	if (w->len > BUF_BYTES - LINE_MAX_BYTES)
		return drain(w);
	return 0;
}

/* Appends raw text (comments, header) through the buffer. */
static int text(struct trace_writer *w, const char *s, size_t n)
{
	while (n && !w->err) {
		size_t room = BUF_BYTES - LINE_MAX_BYTES - w->len;
		size_t k = n < room ? n : room;
		memcpy(w->buf + w->len, s, k);
		w->len += k;
		s += k;
		n -= k;
		if (n)
			drain(w);
	}
	return w->err;
}

int trace_writer_open(struct trace_writer **out, const char *path, const char *comment,
	int gzip_level)
{
	if (gzip_level < 0 || gzip_level > 9)
		return EINVAL;
	struct trace_writer *w = malloc(sizeof *w);
	if (!w)
		return ENOMEM;
	w->err = 0;
	w->len = 0;
	w->gz = NULL;
	w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (w->fd < 0) {
		int e = errno;
		free(w);
		return e;
	}
	if (gzip_level) {
		char mode[4] = { 'w', 'b', (char)('0' + gzip_level), 0 };
		w->gz = gzdopen(w->fd, mode);
		if (!w->gz) {
			close(w->fd);
			free(w);
			return ENOMEM;
		}
		w->fd = -1;
	}
	for (const char *s = comment; s && *s;) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);
		text(w, "# ", 2);
		text(w, s, n);
		text(w, "\n", 1);
		s += n + (nl != NULL);
	}
	text(w, "regiontrace 1\n", 14);
	*out = w;
	return 0;
}

int trace_write_create(struct trace_writer *w, uint32_t rid)
{
	return event(w, 'c', rid, 0, 0, 0);
}

int trace_write_alloc(struct trace_writer *w, uint32_t rid, uint64_t size, uint64_t align)
{
	/* The default alignment is left out: most lines get shorter. */
	return event(w, 'a', rid, align == 8 ? 1 : 2, size, align);
}

int trace_write_shrink(struct trace_writer *w, uint32_t rid, uint64_t size)
{
	return event(w, 's', rid, 1, size, 0);
}

int trace_write_reset(struct trace_writer *w, uint32_t rid)
{
	return event(w, 'r', rid, 0, 0, 0);
}

int trace_write_destroy(struct trace_writer *w, uint32_t rid)
{
	return event(w, 'd', rid, 0, 0, 0);
}

int trace_writer_flush(struct trace_writer *w)
{
	drain(w);
	if (!w->err && w->gz && gzflush(w->gz, Z_SYNC_FLUSH) != Z_OK)
		w->err = EIO;
	return w->err;
}

int trace_writer_close(struct trace_writer *w)
{
	if (!w)
		return 0;
	int err = drain(w);
	if (w->gz) {
		int r = gzclose(w->gz);
		if (!err && r != Z_OK)
			err = r == Z_ERRNO ? errno : EIO;
	} else if (close(w->fd) && !err) {
		err = errno;
	}
	free(w);
	return err;
}
