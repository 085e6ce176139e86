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

/* Returns 0 when PATH could take a row with HEADER appended: it exists as a
 * writable regular file whose first line is HEADER (or it is empty), or it
 * does not exist and its directory is writable. Otherwise an errno value
 * (EEXIST: a different header). Creates nothing. */
int csv_check_append(const char *path, const char *header);

/* Appends LINE (no newline) to PATH with one write, preceded by HEADER when
 * the file is new or empty. Returns 0 or an errno value (EEXIST: the file
 * has a different header); a failed call leaves no new file behind. */
int csv_append(const char *path, const char *header, const char *line);

/* Returns 0 when PATH could be written whole: not a directory, and
 * writable or creatable. Creates nothing. */
int csv_check_create(const char *path);

#define CSV_TMP_SUFFIX ".tmp"

/* Writes LEN bytes of DATA to PATH.tmp, then renames it over PATH. Returns 0
 * or an errno value, leaving neither file on failure. */
int csv_write_whole(const char *path, const char *data, size_t len);

#endif
