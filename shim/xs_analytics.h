/*
 * xs_analytics.h - what searchd's analytics need from the shim: the forms
 * under which queries are counted and grouped, made with the same folding,
 * word splitting, stop words and stemming as the query pipeline, and the
 * unique id of a hit.
 *
 * Same conventions as xs.h: a status return, char **err last (a new
 * message, xs_free()), "new" results freed with xs_free(), no C++
 * exception crosses.
 */
#ifndef VB_XS_ANALYTICS_H
#define VB_XS_ANALYTICS_H

#include "xs.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The form a query is counted under: its words as the query pipeline
 * sees them (case and accents folded), one space apart; words tied by
 * - / . ' @ keep their tie, quotes and other punctuation go.
 * "  Zwembad  VULLEN? " gives "zwembad vullen", "USB-C kabel" gives
 * "usb-c kabel", "Ideeën" gives "ideeen".  "" when text has no word.
 * *out is new: xs_free().  XS_OK, XS_ERR_NO_MEMORY.
 */
xs_status xs_text_normalize(const char *text, char **out, char **err);

/*
 * A key that is the same for queries that differ only in form: the
 * folded words without stop words, stemmed in lang ("nl", "en"; NULL:
 * "nl"), each once, sorted, one space apart.  "pakketten retourneren"
 * and "Retourneren pakket?" both give "pakket retourner".  A query of
 * stop words only keeps them (folded, sorted), so it still has a key.
 * "" when text has no word.  *out is new: xs_free().  XS_OK,
 * XS_ERR_INVALID (unknown lang), XS_ERR_NO_MEMORY.
 */
xs_status xs_text_group_key(const char *text, const char *lang, char **out, char **err);

/*
 * The unique id of hit i (< xs_results_count): the uid it was stored
 * under with xs_db_replace.  *out is new: xs_free().  XS_OK,
 * XS_ERR_INVALID (i out of range), XS_ERR_NOT_FOUND (the document has
 * no id), XS_ERR_MODIFIED (the index moved on since the search).
 */
xs_status xs_results_uid(const xs_results *r, size_t i, char **out, char **err);

#ifdef __cplusplus
}
#endif

#endif
