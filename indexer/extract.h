/*
 * extract.h - turning a shop's files into records (see common/schema.h).
 *
 * Extraction knows nothing of Xapian: it reads bytes and emits jansson
 * objects, so it can be tested and fuzzed alone.  Conventions:
 *   - a sink receives records (ownership passes to the sink) and problems
 *     (a part of the input that was skipped, with its 1-based line);
 *   - functions return 0 when the input was used (possibly with problems
 *     reported through the sink), -1 when the whole input is unusable, in
 *     which case *err is a malloc'd message (free()) and *err_line the line
 *     it refers to (0 when none).
 */
#ifndef VB_EXTRACT_H
#define VB_EXTRACT_H

#include <stddef.h>
#include <jansson.h>

struct extract_sink {
	void *ctx;
	/* Takes ownership of rec (one reference). */
	void (*emit)(void *ctx, json_t *rec);
	/* Part of the input was skipped; msg is borrowed for the call. */
	void (*problem)(void *ctx, long line, const char *msg);
};

/* Upper bound on one input file; larger files are refused whole. */
#define EXTRACT_MAX_FILE (32L * 1024 * 1024)
/* Upper bound on one NDJSON line. */
#define EXTRACT_MAX_LINE (4L * 1024 * 1024)
/* Upper bound on a record id, in bytes: an id becomes the Xapian term
 * "Q" + id, and the shim refuses terms the glass backend cannot store
 * (over 240 bytes), so a longer id is refused here with its line. */
#define EXTRACT_MAX_ID 239

/*
 * Extract the records of one HTML page.  relpath is the page's path
 * relative to the site root, with '/' separators; it becomes the url and
 * the base of every record id.  What a page yields:
 *   - Product JSON-LD: one "product" record (name, description, sku,
 *     brand, offers.price/priceCurrency/availability, additionalProperty
 *     as specs), id = relpath;
 *   - FAQPage JSON-LD: one "faq" record per Question (name -> title,
 *     acceptedAnswer.text -> body), id = relpath#slug, url from the
 *     Question's url when given, else relpath;
 *   - a long page with h2/h3 sections: one record per section, type
 *     "manual" when the page is a manual (TechArticle/HowTo JSON-LD or
 *     <meta name="vraagbaak:type" content="manual">), else "page", url
 *     and id relpath#section-id;
 *   - otherwise one "page" record with title, description, headings and
 *     main text (nav, header, footer, aside, script, style dropped).
 * BreadcrumbList JSON-LD gives every record of the page its category.
 * <html lang> gives the language ("en" for en*, else "nl").
 * A JSON-LD block that does not parse is reported as a problem at its
 * line and skipped.  Invalid UTF-8 in a page without a declared non-UTF-8
 * charset makes the page unusable (a page that declares no charset is read
 * as UTF-8).  relpath must be UTF-8.
 * Keys beyond the common ones: section records carry "page_title"; product
 * records carry "gtin" (from gtin13/gtin/...), and their body is the
 * JSON-LD description followed by the page's main text.  Page and product
 * records carry "description" and "headings"; FAQ and section records do
 * not (they are the page's, not the answer's).  Errors: "invalid UTF-8"
 * (with *err_line), "no indexable text", "page is larger than N bytes".
 */
int extract_html(const char *data, size_t len, const char *relpath,
                 const struct extract_sink *sink, char **err, long *err_line);

/*
 * Parse and validate one NDJSON line (without its newline).  On success
 * *out is a new record (defaults filled in: type "page", lang "nl"; price
 * given as a numeric string is converted to a number).  On failure returns
 * -1 and *err says why ("invalid JSON: ...", "missing \"id\"", "\"type\"
 * must be one of faq, manual, product, page", ...).  It is
 * extract_ndjson_parse followed by extract_ndjson_record.
 */
int extract_ndjson_line(const char *line, size_t len, json_t **out, char **err);

/*
 * The first half of extract_ndjson_line: the size, UTF-8 and JSON checks.
 * *out is a new JSON object, not yet checked as a record; -1 with *err
 * ("line longer than N bytes", "invalid UTF-8 (byte N)", "invalid JSON:
 * ...", "record must be a JSON object").
 */
int extract_ndjson_parse(const char *line, size_t len, json_t **out, char **err);

/*
 * The second half: check and normalise a parsed object in place as a
 * record, exactly as for a feed line.  searchd's PUT /documents/{id} fills
 * in a missing "id" between the two halves.  0, or -1 with *err.
 */
int extract_ndjson_record(json_t *rec, char **err);

/*
 * Extract every record of an NDJSON buffer, one JSON object per line;
 * blank lines are ignored.  A bad line is reported through the sink's
 * problem() with its line number and skipped.  Returns -1 only when the
 * whole buffer is unusable (UTF-16, larger than EXTRACT_MAX_FILE); a line
 * over EXTRACT_MAX_LINE is a problem, not a failure.
 */
int extract_ndjson(const char *data, size_t len, const struct extract_sink *sink,
                   char **err, long *err_line);

/*
 * How extract_ndjson walks a buffer, for callers that want the lines
 * themselves (searchd's bulk POST /documents checks every line before it
 * writes any): fn gets each non-blank line without its line end
 * (borrowed for the call) and its 1-based number; a UTF-8 byte order mark
 * is skipped.  -1 with *err (and *err_line) when the whole buffer is
 * unusable, as for extract_ndjson.
 */
typedef void (*extract_line_fn)(void *ctx, const char *line, size_t len, long lineno);
int extract_ndjson_each_line(const char *data, size_t len, extract_line_fn fn, void *ctx,
                             char **err, long *err_line);

/* Lowercase ASCII slug of a UTF-8 string ("Hoe retour ik?" -> "hoe-retour-ik"),
 * non-ASCII letters kept as they are.  New: free(). */
char *extract_slug(const char *text);

#endif
