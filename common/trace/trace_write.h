/* trace_write.h: writes a region trace (docs/regiontrace.md, version 1) as a
 * runtime runs, for a runtime to link and leave on.
 *
 * Events are formatted by hand into a 64 KiB buffer that goes out in one
 * write (or one gzwrite) when full, so an event costs a few dozen
 * instructions and no syscall. The writer does not check the format's rules
 * (trace_load does, when the trace is read); it is used by one thread at a
 * time: a runtime with several threads serialises its calls. */
#ifndef TRACE_WRITE_H
#define TRACE_WRITE_H

#include <stdint.h>

struct trace_writer;

/* Opens PATH for writing (created or truncated) and writes the header after
 * COMMENT (may be NULL; each of its lines becomes a "# " line). GZIP_LEVEL 0
 * writes plain text, 1-9 gzip. Returns 0 and sets *out, or an errno value. */
int trace_writer_open(struct trace_writer **out, const char *path, const char *comment,
	int gzip_level);

/* One event each. They return 0, or the errno of the first failed write
 * (sticky: once a write failed, nothing more is written). */
int trace_write_create(struct trace_writer *w, uint32_t rid);
int trace_write_alloc(struct trace_writer *w, uint32_t rid, uint64_t size, uint64_t align);
int trace_write_shrink(struct trace_writer *w, uint32_t rid, uint64_t size);
int trace_write_reset(struct trace_writer *w, uint32_t rid);
int trace_write_destroy(struct trace_writer *w, uint32_t rid);

/* Writes out what is buffered. Returns 0 or an errno value. */
int trace_writer_flush(struct trace_writer *w);

/* Flushes, closes and frees W (may be NULL). Returns 0, or the errno of the
 * first write that failed: only then is the file incomplete. */
int trace_writer_close(struct trace_writer *w);

#endif
