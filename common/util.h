/*
 * util.h - small C helpers shared by indexer, searchd and tests: memory
 * that aborts on exhaustion, formatted messages, UTF-8 checks, a growable
 * string buffer with a hard cap for untrusted input.
 */
#ifndef VB_UTIL_H
#define VB_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* Allocation that never returns NULL: out of memory aborts with the size. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* printf into a new string.  New: free(). */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap);

/* Set *err (when err is not NULL) to a new formatted message; returns -1 so
 * callers can write `return vb_error(err, "cannot open '%s'", path);`. */
int vb_error(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* True when buf[0..len) is valid UTF-8 (no overlongs, no surrogates, no
 * code points above U+10FFFF).  When it is not and bad_offset is given, it
 * receives the offset of the first bad byte. */
bool utf8_valid(const char *buf, size_t len, size_t *bad_offset);

/* Lowercase the ASCII letters of s in place.  Filter terms are made with
 * it both when indexing and when searching, so the two always agree. */
void str_lower_ascii(char *s);

/* 1-based line number of offset in buf. */
long text_line_at(const char *buf, size_t offset);

/* Parse a whole decimal integer / real; false on junk, overflow or empty. */
bool parse_long(const char *s, long min, long max, long *out);
bool parse_double(const char *s, double *out);

/* Growable buffer; always NUL-terminated.  A write that would grow it past
 * cap (0: no cap) fails and sets overflow. */
struct strbuf {
	char *buf;
	size_t len, alloc, cap;
	bool overflow;
};
#define STRBUF_INIT {NULL, 0, 0, 0, false}
void strbuf_init(struct strbuf *sb, size_t cap);
bool strbuf_add(struct strbuf *sb, const char *data, size_t len);
bool strbuf_addstr(struct strbuf *sb, const char *s);
bool strbuf_addch(struct strbuf *sb, char c);
bool strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Collapse runs of whitespace to one space and trim both ends. */
void strbuf_squeeze_space(struct strbuf *sb);
/* Hand the buffer over (never NULL); sb is reset.  New: free(). */
char *strbuf_detach(struct strbuf *sb, size_t *len);
/* Empty sb for reuse, keeping its memory and cap. */
void strbuf_reset(struct strbuf *sb);
void strbuf_release(struct strbuf *sb);

/* Read a whole file up to max bytes.  New: free().  -1 with *err on
 * failure ("cannot read 'x': ...", "'x' is larger than N bytes"). */
int read_file(const char *path, size_t max, char **out, size_t *len, char **err);
/* The same from an open file descriptor (left open); name for messages. */
int read_fd(int fd, const char *name, size_t max, char **out, size_t *len, char **err);
/* Write all n bytes, through short writes and EINTR.  0, or -1 with
 * errno set. */
int write_all(int fd, const void *data, size_t n);

/* Monotonic clock in seconds. */
double now_seconds(void);

/* Remove path and, for a directory, everything below it (symlinks are
 * removed, not followed).  0, or -1 with errno set. */
int remove_tree(const char *path);

#endif
