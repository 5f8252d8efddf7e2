/*
 * bulk.h - building a new index on every core.
 *
 * A new index (one that does not exist yet) is built by several workers
 * at once, each storing its share of the records into a database of its
 * own; at the end the parts are merged into one compact index (Xapian's
 * compaction).  The records are dealt out in fixed batches in turn, so
 * the same input always gives the same index.  One Xapian database takes
 * one writer at a time: this is how a bulk load uses more than one core.
 */
#ifndef VB_BULK_H
#define VB_BULK_H

#include <jansson.h>

struct bulk;

/* A record a worker could not store: display names its file, as the user
 * gave it.  Called from the workers' threads, maybe at the same time. */
typedef void (*bulk_problem_fn)(void *ctx, const char *display, const char *msg);

/*
 * Start jobs workers (1 or more), each with a part database in dir (an
 * empty directory the caller made).  *out is new: bulk_free().  0, or -1
 * with *err.
 */
int bulk_start(const char *dir, unsigned jobs, bulk_problem_fn problem, void *ctx,
               struct bulk **out, char **err);

/*
 * Hand rec (a record completed by docbuild_complete, fp its fingerprint;
 * the reference is taken) to the workers.  display must stay valid until
 * bulk_finish or bulk_free.  Waits while the workers are behind.  0, or
 * -1 once a worker has failed (bulk_finish says why).
 */
int bulk_add(struct bulk *b, json_t *rec, const char fp[17], const char *display);

/*
 * Wait for the workers, commit their parts and merge them into a new
 * index at out (which must not exist).  *stored is the number of
 * documents stored.  0, or -1 with *err (a worker's failure or the
 * merge's).
 */
int bulk_finish(struct bulk *b, const char *out, unsigned long *stored, char **err);

/* Stop the workers (records not stored yet are dropped) and free b.  The
 * part databases stay in dir for the caller to remove.  NULL is fine. */
void bulk_free(struct bulk *b);

#endif
