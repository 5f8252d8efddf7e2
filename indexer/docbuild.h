/*
 * docbuild.h - a record (common/schema.h) becomes a Xapian document.
 *
 * Kept apart from the driver so tests can index records directly.
 */
#ifndef VB_DOCBUILD_H
#define VB_DOCBUILD_H

#include <jansson.h>

#include "xs.h"

/* Documents stored between commits: bounds a writer's memory, and what
 * an interrupted run loses. */
#define DOCBUILD_COMMIT_EVERY 5000

/*
 * The fingerprint of a record's indexable content, as 16 hex digits plus
 * NUL in out.  Two records with the same fingerprint index the same, so
 * a re-run skips them.  It covers the schema version too: a change in how
 * records are indexed changes every fingerprint.
 */
void docbuild_fingerprint(const json_t *rec, char out[17]);

/*
 * Build the document for rec and store it under rec's id in db (writable),
 * with fingerprint fp.  Returns 0, or -1 with *err set.
 */
int docbuild_store(xs_db *db, const json_t *rec, const char *fp, char **err);

/*
 * Complete a checked record before it is stored: its source, its
 * audience when not given, its fingerprint (into fp), and day
 * (YYYY-MM-DD; NULL or "": none) as "modified" when the record carries no
 * date of its own.  The day comes after the fingerprint: a source file
 * touched or a document sent again another day is unchanged.
 */
void docbuild_complete(json_t *rec, const char *source, const char *day, char fp[17]);

/* "presale" or "aftersale" for rec (static string). */
const char *docbuild_audience(const json_t *rec);


#endif
