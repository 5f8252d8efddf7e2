/*
 * synonyms.h - a parser for synonym lists in Apache Solr's synonyms.txt
 * format, as a shop's editors keep them.  It knows nothing of Xapian: it
 * turns each line into directed pairs (from -> to) and hands them to a
 * callback; what a pair means for searching is the caller's business.
 */
#ifndef VB_SYNONYMS_H
#define VB_SYNONYMS_H

#include <stddef.h>

/* Caps on untrusted input: a file, one line (without its line end), and
 * the entries of one line (both sides of "=>" together). */
#define SYNONYMS_MAX_FILE (4u << 20)
#define SYNONYMS_MAX_LINE 4096
#define SYNONYMS_MAX_ENTRIES 64

/* One directed pair of a rule on line (1-based).  from and to are
 * borrowed for the call, NUL-terminated, never empty, never equal.
 * Return 0 to go on, non-zero to stop the parse. */
typedef int (*synonyms_rule_cb)(void *ctx, const char *from, const char *to, long line);

/* A line that was skipped, with a reason borrowed for the call. */
typedef void (*synonyms_error_cb)(void *ctx, long line, const char *reason);

/*
 * Parse text[0..len): call rule for every directed pair and bad for every
 * line that is skipped (either may be NULL).  Returns the number of bad
 * lines, or -1 when rule asked to stop.
 */
int synonyms_parse(const char *text, size_t len, synonyms_rule_cb rule, synonyms_error_cb bad,
                   void *ctx);

/* Read a synonyms file of at most SYNONYMS_MAX_FILE bytes.  *out new:
 * free().  -1 with *err (new: free()) when it cannot be read. */
int synonyms_read_file(const char *path, char **out, size_t *len, char **err);

#endif
