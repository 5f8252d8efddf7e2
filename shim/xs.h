/*
 * xs.h - a thin C API over xapian-core 1.4: the only door between the C
 * programs and C++.
 *
 * Conventions (after LevelDB's c.h and notmuch.h):
 *   - Only opaque handles cross this header: xs_db, xs_doc, xs_query,
 *     xs_results.  No Xapian or C++ type is visible.
 *   - Every call that can fail returns an xs_status; XS_OK is 0.  The last
 *     parameter, char **err, receives a new message when the call fails
 *     (free it with xs_free(); err may be NULL when the caller doesn't want
 *     it).  On success *err is left untouched.
 *   - No C++ exception crosses this header: each entry point catches all
 *     and maps Xapian's exception classes to a status.
 *   - Ownership is stated per function: "new" means the caller frees it
 *     with the named function; "borrowed" says how long it stays valid.
 *     Destroyers accept NULL.
 *   - A handle is used by one thread at a time.  Xapian objects are not
 *     thread-safe: searchd opens one xs_db per worker thread.
 */
#ifndef VB_XS_H
#define VB_XS_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
	XS_OK = 0,
	XS_ERR_NOT_FOUND,   /* no such document, term or database */
	XS_ERR_LOCKED,      /* another writer holds the database lock */
	XS_ERR_MODIFIED,    /* a reader's snapshot moved on; reopen and retry */
	XS_ERR_CORRUPT,     /* the database files are damaged */
	XS_ERR_OPENING,     /* the database could not be opened or created */
	XS_ERR_QUERY,       /* the query could not be parsed */
	XS_ERR_INVALID,     /* an argument was out of range or malformed */
	XS_ERR_NETWORK,     /* a remote shard failed or timed out */
	XS_ERR_NO_MEMORY,   /* allocation failed */
	XS_ERR_INTERNAL,    /* anything else Xapian threw */
} xs_status;

typedef struct xs_db xs_db;
typedef struct xs_doc xs_doc;
typedef struct xs_query xs_query;
typedef struct xs_results xs_results;

/* A fixed, static string naming the status ("ok", "locked", ...). */
const char *xs_status_to_string(xs_status status);

/* Free a string or buffer the shim returned as "new". */
void xs_free(void *p);

/* The xapian-core version string ("1.4.22").  Static. */
const char *xs_xapian_version(void);

/* ---------------------------------------------------------------- db */

typedef enum {
	XS_DB_READ = 0,  /* read-only; the database must exist */
	XS_DB_WRITE = 1, /* writable; created when missing; takes the lock */
} xs_db_mode;

/*
 * Open the database at path.  *out is new: close with xs_db_close().
 * Returns XS_OK, XS_ERR_OPENING (missing or not a database),
 * XS_ERR_LOCKED (XS_DB_WRITE while another writer holds it),
 * XS_ERR_CORRUPT, XS_ERR_INVALID.
 */
xs_status xs_db_open(const char *path, xs_db_mode mode, xs_db **out, char **err);

/*
 * Open several shards as one read-only database.  Each spec is a local
 * path or "tcp:HOST:PORT" for a shard served by xapian-tcpsrv.  Document
 * ids are interleaved across shards by Xapian; unique ids ("Q" terms) are
 * expected to be unique across all shards.  *out is new: xs_db_close().
 * Returns XS_OK, XS_ERR_OPENING, XS_ERR_NETWORK, XS_ERR_INVALID (n == 0
 * or a malformed spec).
 */
xs_status xs_db_open_shards(const char *const *specs, size_t n, xs_db **out, char **err);

/* Close and free.  Xapian commits a writable handle's pending changes as
 * it closes it.  NULL is fine. */
void xs_db_close(xs_db *db);

/*
 * Merge the local databases at srcs (closed, not written meanwhile) into
 * a new database at out, which must not exist yet: documents renumbered
 * one source after another, spelling data, synonyms and metadata
 * combined, every table written compactly (Xapian's compaction, as
 * xapian-compact does it).  XS_OK, XS_ERR_OPENING, XS_ERR_INVALID (n == 0,
 * or out exists), XS_ERR_INTERNAL (could not write).
 */
xs_status xs_db_compact(const char *const *srcs, size_t n, const char *out, char **err);

/*
 * Bring a read-only handle to the latest committed revision.  *changed
 * (may be NULL) tells whether it moved.  XS_OK, XS_ERR_OPENING,
 * XS_ERR_CORRUPT, XS_ERR_NETWORK.
 */
xs_status xs_db_reopen(xs_db *db, bool *changed, char **err);

/* Number of documents.  XS_OK, XS_ERR_MODIFIED, XS_ERR_NETWORK. */
xs_status xs_db_doc_count(xs_db *db, unsigned long *out, char **err);

/* The revision of a single local database, 0 for a sharded one. */
xs_status xs_db_revision(xs_db *db, unsigned long *out, char **err);

/*
 * Writes (XS_DB_WRITE handles only; XS_ERR_INVALID otherwise).
 * xs_db_replace adds or replaces the document whose unique id is uid:
 * the "Q"+uid term is added to doc for you.  xs_db_delete returns
 * XS_ERR_NOT_FOUND when no document has that uid.  Changes are visible to
 * readers only after xs_db_commit.  Xapian may flush earlier on its own;
 * a crash still leaves the last committed revision intact.
 */
xs_status xs_db_replace(xs_db *db, const char *uid, xs_doc *doc, char **err);
xs_status xs_db_delete(xs_db *db, const char *uid, char **err);
xs_status xs_db_commit(xs_db *db, char **err);

/*
 * A transaction groups writes that must land together or not at all:
 * readers see all of them after xs_db_commit_transaction, none after
 * xs_db_cancel_transaction (or a crash).  Transactions do not nest.
 * XS_OK, XS_ERR_INVALID (read-only handle, nested or no transaction).
 */
xs_status xs_db_begin_transaction(xs_db *db, char **err);
xs_status xs_db_commit_transaction(xs_db *db, char **err);
xs_status xs_db_cancel_transaction(xs_db *db, char **err);

/*
 * The stored data (the record JSON) or a value of the document with this
 * uid.  *out is new (NUL-terminated as well): xs_free().  XS_OK,
 * XS_ERR_NOT_FOUND (no such uid, or the value is unset), XS_ERR_MODIFIED.
 */
xs_status xs_db_get_data(xs_db *db, const char *uid, char **out, size_t *len, char **err);
xs_status xs_db_get_value(xs_db *db, const char *uid, unsigned slot, char **out, size_t *len,
                          char **err);

/*
 * Call cb for every document with the contents of two of its value slots
 * (borrowed for the call, empty when unset).  cb returns 0 to go on,
 * non-zero to stop (then that value is returned as XS_ERR_INVALID).
 */
typedef int (*xs_value_pair_cb)(void *ctx, const char *a, size_t alen, const char *b, size_t blen);
xs_status xs_db_each_value_pair(xs_db *db, unsigned slot_a, unsigned slot_b, xs_value_pair_cb cb,
                                void *ctx, char **err);

/* User metadata, stored with the index and committed with it.  Getting a
 * missing key gives XS_OK and an empty string.  *out new: xs_free(). */
xs_status xs_db_metadata_get(xs_db *db, const char *key, char **out, char **err);
xs_status xs_db_metadata_set(xs_db *db, const char *key, const char *value, char **err);

/*
 * Synonym rules, applied by the query pipeline (XS_QF_SYNONYMS): a query
 * that contains the phrase `from` (one or more words) also searches for
 * the phrase `to`.  Both are normalised like query text (case and accents
 * folded, split into words); a rule is found by the words as typed and by
 * their stems, so "zwembaden" fires the rule for "zwembad".  The words of
 * `from` join the spelling data, so a misspelled synonym is corrected to
 * it and then expanded.  Equivalent lists (a, b, c) are added by the
 * caller as rules each way.  xs_db_synonyms_clear removes every rule.
 * Writable handles only.  XS_OK, XS_ERR_INVALID (read-only handle, a side
 * without words).
 */
xs_status xs_db_synonym_add(xs_db *db, const char *from, const char *to, char **err);
xs_status xs_db_synonyms_clear(xs_db *db, char **err);

/*
 * The best spelling correction of word from the index's own vocabulary
 * (spelling data added by xs_doc_index_text with XS_IDX_SPELLING).
 * *out is new (empty when there is none): xs_free().
 */
xs_status xs_db_spelling_suggest(xs_db *db, const char *word, char **out, char **err);

/* --------------------------------------------------------------- doc */

/* A document under construction.  *out is new: xs_doc_free(). */
xs_status xs_doc_new(xs_doc **out, char **err);
void xs_doc_free(xs_doc *doc);

/* Stored data: copied. */
xs_status xs_doc_set_data(xs_doc *doc, const char *data, size_t len, char **err);

enum {
	XS_IDX_SPELLING = 1, /* feed the words to the database's spelling data */
	XS_IDX_NO_POSITIONS = 2, /* no positional data (no phrase search) */
};

/*
 * Index free text.  lang ("nl", "en", NULL: no stemming) picks the
 * stemmer; prefix ("" for the general field) is put before every term;
 * wdf_inc weights each occurrence.  Fields are separated by a position gap
 * so phrases do not match across them.  XS_IDX_SPELLING needs spell_db,
 * the writable database the document is for (NULL otherwise), and only
 * applies to the general field (prefix ""): its words are counted in
 * spell_db and reach the spelling data with the next commit of spell_db
 * (xs_db_commit, a transaction's commit, xs_db_close); spell_db's own
 * searches and suggestions see them at once.
 * XS_OK, XS_ERR_INVALID (unknown lang, XS_IDX_SPELLING without spell_db).
 */
xs_status xs_doc_index_text(xs_doc *doc, const char *text, const char *lang, const char *prefix,
                            unsigned wdf_inc, unsigned flags, xs_db *spell_db, char **err);

/* A boolean term (no weight), e.g. "XTfaq" for filters and facets. */
xs_status xs_doc_add_term(xs_doc *doc, const char *term, char **err);

/*
 * An exact-match key: a query that is all of text (case, accents and
 * punctuation aside) puts this document first.  For a product's name,
 * SKU, EAN and brand.  The words joined without spaces count too
 * ("TB-ZW-1001" = "tbzw1001").
 */
xs_status xs_doc_add_key(xs_doc *doc, const char *text, char **err);

/* A value in slot: bytes, or a number serialised so it sorts. */
xs_status xs_doc_add_value(xs_doc *doc, unsigned slot, const char *value, size_t len, char **err);
xs_status xs_doc_add_value_number(xs_doc *doc, unsigned slot, double value, char **err);

/* ------------------------------------------------------------- query */

enum {
	XS_QF_PARTIAL = 1,  /* complete the last word as a prefix (search as you type) */
	XS_QF_SPELLING = 2, /* correct unknown words ("did you mean") and search the correction */
	XS_QF_SYNONYMS = 4, /* expand words with the database's synonym rules */
	XS_QF_AND = 8,      /* all words must match (default: any, ranked) */
	XS_QF_TITLES = 16,  /* match titles only (suggestions) */
};

/* A query: free text plus filters, ranges and sort order.  *out new:
 * xs_query_free(). */
xs_status xs_query_new(xs_query **out, char **err);
void xs_query_free(xs_query *q);

/*
 * The user's text (copied), analysed with lang's stemmer and stop words
 * ("nl", "en"; NULL: "nl") by the query pipeline of xs_analyze.cc (case
 * and accents folded, compounds, synonyms, typos; flags choose).  Words
 * in "double quotes" must match as a phrase.  Empty text matches every
 * document.
 */
xs_status xs_query_set_text(xs_query *q, const char *text, const char *lang, unsigned flags,
                            char **err);

/*
 * Boolean filter on a term.  Filters that share a group (the prefix, e.g.
 * "XT") are OR'ed; groups are AND'ed.  term is the whole term ("XTfaq").
 */
xs_status xs_query_add_filter(xs_query *q, const char *group, const char *term, char **err);

/* Only documents whose numeric value in slot lies in [lo, hi]; pass
 * -HUGE_VAL / HUGE_VAL for an open end. */
xs_status xs_query_add_range(xs_query *q, unsigned slot, double lo, double hi, char **err);

/* Sort by a value slot instead of relevance (ties by relevance);
 * slot < 0 restores relevance order. */
xs_status xs_query_set_sort(xs_query *q, int slot, bool descending, char **err);

/*
 * Count the values in slot over all matching documents (facets).  Up to
 * 8 slots.  The counts come with the results: xs_results_facet().
 */
xs_status xs_query_add_facet(xs_query *q, unsigned slot, char **err);

/*
 * Stop looking for better matches after seconds (0: no limit): the hits
 * found by then are returned, ranked, and counts become estimates.  It
 * bounds the time a hostile or very broad query can take.
 */
xs_status xs_query_set_time_limit(xs_query *q, double seconds, char **err);

/* ----------------------------------------------------------- results */

/*
 * Run q against db and keep hits offset..offset+limit-1 (limit <= 10000).
 * If db's snapshot moves during the search it is reopened and the search
 * retried once.  *out is new: xs_results_free(); it borrows db, which must
 * outlive it.  XS_OK, XS_ERR_QUERY, XS_ERR_MODIFIED (still moving after a
 * retry), XS_ERR_NETWORK, XS_ERR_INVALID.
 */
xs_status xs_db_search(xs_db *db, const xs_query *q, unsigned offset, unsigned limit,
                       xs_results **out, char **err);
void xs_results_free(xs_results *r);

/* Estimated number of matching documents (exact for small result sets). */
unsigned long xs_results_total(const xs_results *r);
/* Number of hits held (at most limit). */
size_t xs_results_count(const xs_results *r);

struct xs_hit {
	unsigned docid;
	double score;     /* Xapian weight */
	int percent;      /* 0..100, relative to the best match */
	const char *data; /* stored record JSON; borrowed: valid until xs_results_free */
	size_t len;
};
/* Hit i (0-based, < count): XS_OK or XS_ERR_INVALID. */
xs_status xs_results_hit(const xs_results *r, size_t i, struct xs_hit *out, char **err);

/*
 * Call cb for the values counted in a facet slot (value borrowed for the
 * call): the max_values most frequent, most frequent first, or with
 * max_values 0 every value, in no particular order.  XS_OK,
 * XS_ERR_INVALID (slot was not asked for with xs_query_add_facet).
 */
typedef void (*xs_facet_cb)(void *ctx, const char *value, size_t len, unsigned long count);
xs_status xs_results_facet(const xs_results *r, unsigned slot, size_t max_values,
                           xs_facet_cb cb, void *ctx, char **err);

/*
 * For a facet slot holding numbers (xs_doc_add_value_number): the matches
 * in each of n ranges, counts[i] for [edges[i], edges[i+1]), the last one
 * open above; a number below edges[0] counts in the first.  edges
 * ascending, n >= 1.  XS_OK, XS_ERR_INVALID (slot was not asked for with
 * xs_query_add_facet, or n == 0).
 */
xs_status xs_results_facet_ranges(const xs_results *r, unsigned slot, const double *edges, size_t n,
                                  unsigned long *counts, char **err);

/*
 * The query text with its typos corrected from the index's vocabulary
 * ("did you mean"), "" when none.  Words the index does not know are
 * searched by their correction as well (XS_QF_SPELLING), so the results
 * already include what the correction finds.  The text is folded
 * (lowercase, no accents).  Borrowed: valid until xs_results_free.
 */
const char *xs_results_correction(const xs_results *r);

/*
 * A fragment of text (at most about length bytes) around the words that
 * matched, stems included.  Matches are wrapped in the bytes
 * XS_MARK_START and XS_MARK_END; text outside the marks is Xapian's
 * partial HTML escaping (& < > escaped), so a caller escapes the rest and
 * turns the marks into tags.  lang picks the stemmer.  *out new: xs_free().
 */
#define XS_MARK_START '\x01'
#define XS_MARK_END '\x02'
xs_status xs_results_snippet(const xs_results *r, const char *text, size_t len, const char *lang,
                             size_t length, char **out, char **err);

/* ----------------------------------------------------------- suggest */

/* How many dictionary terms xs_db_complete looks at, at most, per scan. */
#define XS_COMPLETE_SCAN 2000

/*
 * Complete a word being typed from the index's own vocabulary.  Calls
 * cb(ctx, word, freq) for up to max words that start with prefix (case and
 * accents folded), best first: words that occur in titles before words that
 * don't, each by freq, the number of documents with the word.  Of the
 * words sharing a stem in lang's stemmer ("nl", "en"; NULL: "nl") only the
 * best is offered.  Stop words (of every language: the vocabulary is
 * shared), one-letter words and words without a letter are left out.  Each of the two dictionary scans
 * (words, title words) stops after XS_COMPLETE_SCAN terms, so with a very
 * short prefix on a large index words late in the alphabet are not seen.
 * word is borrowed for the call.  An empty prefix completes nothing.
 * XS_OK, XS_ERR_INVALID (unknown lang), XS_ERR_MODIFIED (still moving
 * after a reopen and retry), XS_ERR_NETWORK.
 */
typedef void (*xs_complete_cb)(void *ctx, const char *word, unsigned long freq);
xs_status xs_db_complete(xs_db *db, const char *prefix, const char *lang, size_t max,
                         xs_complete_cb cb, void *ctx, char **err);

/* ------------------------------------------------------------ answer */

/* How many words of a text xs_results_coverage weighs, at most. */
#define XS_COVERAGE_WORDS 32

/*
 * How much of the meaning of q's text each hit of r matches, in its whole
 * text and in its title alone, to decide whether the best hit answers a
 * question.  The text is split into words at blanks (a "quoted phrase" is
 * one word here); words that are only stop words of q's language are left
 * out, and so are words past the first XS_COVERAGE_WORDS.  Each word goes
 * through the query pipeline on its own (stem, synonyms, correction,
 * compound parts, as q's flags say) and weighs its idf over the whole
 * index, log(1 + (N - n + 0.5) / (n + 0.5)) for N documents of which n
 * match it, so a word no document has weighs most.  text[i], 0..1, is the
 * share of the weight whose words hit i matches; title[i] (title may be
 * NULL) the share its title matches, as if the title were all its text.
 * All 0 when the text has no word that counts.  r should come from
 * xs_db_search(db, q, ...); text and title have room for
 * xs_results_count(r) numbers.  XS_OK, XS_ERR_MODIFIED (still moving after
 * a reopen and retry), XS_ERR_NOT_FOUND (a hit was deleted meanwhile),
 * XS_ERR_NETWORK.
 */
xs_status xs_results_coverage(const xs_results *r, xs_db *db, const xs_query *q, double *text,
                              double *title, char **err);

/* ----------------------------------------------------------- related */

/* How many of a document's terms xs_db_related searches for. */
#define XS_RELATED_TERMS 20

/*
 * Documents related to the one whose unique id is uid, by its own text:
 * Xapian's expand set over that document alone picks its most telling
 * XS_RELATED_TERMS stemmed words (frequent in it, rare in the index; no
 * filter, id or title terms), and they are searched as one OR query, the
 * document itself left out.  q (may be NULL) narrows the related
 * documents by its filters and ranges and bounds the time by its time
 * limit; its text is ignored.  Keeps the best limit hits (<= 10000),
 * ranked; none for a document without text.  *out is new:
 * xs_results_free(); it borrows db.  XS_OK, XS_ERR_NOT_FOUND (no document
 * with that uid), XS_ERR_INVALID (empty or overlong uid, limit),
 * XS_ERR_MODIFIED (still moving after a reopen and retry), XS_ERR_NETWORK.
 */
xs_status xs_db_related(xs_db *db, const char *uid, const xs_query *q, unsigned limit,
                        xs_results **out, char **err);

#ifdef __cplusplus
}
#endif

#endif
