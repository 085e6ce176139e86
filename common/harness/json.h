/* json.h: one flat JSON object, built member by member into a csv_buf.
 *
 * The summary's extra column is such an object: names and string values are
 * escaped here (RFC 8259), numbers are written as numbers (integers in
 * decimal, reals with 6 significant digits; a real that is not finite is
 * null), so readers parse the column with any JSON parser. */
#ifndef JSON_H
#define JSON_H

#include <stdint.h>

#include "csv.h"

/* Add member NAME to the object in B (members only; json_text adds braces). */
void json_u64(struct csv_buf *b, const char *name, uint64_t v);
void json_f64(struct csv_buf *b, const char *name, double v);
void json_str(struct csv_buf *b, const char *name, const char *v);

/* The object of B's members as text, "{...}", into OUT (cleared first). */
void json_text(const struct csv_buf *b, struct csv_buf *out);

#endif
