/* json.c: a flat JSON object writer (see json.h). */
#include "json.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Appends S as a JSON string, quotes included. */
static void quoted(struct csv_buf *b, const char *s)
{
	csv_put(b, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char esc[8];
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			csv_put(b, esc, 2);
		} else if (*p < 0x20) {
			snprintf(esc, sizeof esc, "\\u%04x", *p);
			csv_put(b, esc, 6);
		} else {
			csv_put(b, (const char *)p, 1);
		}
	}
	csv_put(b, "\"", 1);
}

/* Starts member NAME: a comma unless it is the first, the name, a colon. */
static void member(struct csv_buf *b, const char *name)
{
	if (b->len)
		csv_put(b, ",", 1);
	quoted(b, name);
	csv_put(b, ":", 1);
}

void json_u64(struct csv_buf *b, const char *name, uint64_t v)
{
	char s[24];
	member(b, name);
	csv_put(b, s, snprintf(s, sizeof s, "%" PRIu64, v));
}

void json_f64(struct csv_buf *b, const char *name, double v)
{
	char s[32];
	member(b, name);
	if (isfinite(v))
		csv_put(b, s, snprintf(s, sizeof s, "%.6g", v));
	else
		csv_put(b, "null", 4);
}

void json_str(struct csv_buf *b, const char *name, const char *v)
{
	member(b, name);
	quoted(b, v ? v : "");
}

void json_text(const struct csv_buf *b, struct csv_buf *out)
{
	out->len = 0;
	csv_put(out, "{", 1);
	if (b->len)
		csv_put(out, b->s, b->len);
	csv_put(out, "}", 1);
}
