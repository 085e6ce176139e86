/* csv.h: result rows built in memory, then written whole.
 *
 * A row is built column by column, each value next to its header name, so a
 * header can never drift from its values. Files are written so that an
 * interrupted run never leaves half a line or half a file: rows are appended
 * with one write(2) on an O_APPEND descriptor under flock, whole files are
 * written to FILE.tmp and renamed. Fields are RFC 4180: quoted only when they
 * hold a comma, quote or newline. */
#ifndef CSV_H
#define CSV_H

#include <stddef.h>
#include <stdint.h>

struct csv_buf {
	char *s;
	size_t len, cap;
	int oom;          /* an append failed for memory: the text is incomplete */
};

struct csv_row {
	struct csv_buf head, vals;   /* header line and value line, no newline */
};

void csv_row_init(struct csv_row *r);
void csv_row_free(struct csv_row *r);
void csv_row_clear(struct csv_row *r);          /* keeps the buffers */

/* Adds column NAME with a value; csv_none adds an empty value (not measured). */
void csv_str(struct csv_row *r, const char *name, const char *val);
void csv_u64(struct csv_row *r, const char *name, uint64_t val);
void csv_i64(struct csv_row *r, const char *name, int64_t val);
void csv_f64(struct csv_row *r, const char *name, double val);  /* %.6g */
void csv_none(struct csv_row *r, const char *name);

/* Appends raw text to B (growing it; on failure sets B->oom). */
void csv_put(struct csv_buf *b, const char *s, size_t len);

/* Frees B's text (mbuf memory, outside the backend's malloc). */
void csv_buf_free(struct csv_buf *b);

/* Outputs are opened before the workload runs, so a path that cannot be
 * written fails before any work, and nothing is written unless the run
 * completes. */

/* Opens PATH to append rows under HEADER: creates it if it does not exist
 * (*created = 1), else it must be a regular file whose first line is HEADER,
 * or empty. Returns 0 with *fd, or an errno value (EEXIST: a different
 * header), having created nothing. */
int csv_open_append(const char *path, const char *header, int *fd, int *created);

/* Appends LINE (no newline) through FD from csv_open_append with one write
 * under flock, HEADER first if the file is empty, checking the header again
 * otherwise. Returns 0 or an errno value; a short write is taken back. */
int csv_append_fd(int fd, const char *header, const char *line);

/* Removes PATH if this process created it (CREATED) and it is still empty,
 * and closes FD. Async-signal-safe. */
void csv_abandon_append(const char *path, int fd, int created);

#define CSV_TMP_SUFFIX ".tmp"

/* Opens PATH.tmp (TMP, of TMP_CAP bytes, receives its name) to write PATH
 * whole later; PATH itself must not be a directory. Returns 0 with *fd, or
 * an errno value having created nothing. */
int csv_open_whole(const char *path, char *tmp, size_t tmp_cap, int *fd);

/* Writes LEN bytes of DATA through FD (from csv_open_whole), closes it and
 * renames TMP over PATH. Returns 0 or an errno value, leaving neither file
 * on failure. */
int csv_finish_whole(int fd, const char *tmp, const char *path, const char *data, size_t len);

#endif
