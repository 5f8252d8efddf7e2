/*
 * analytics.h - search analytics, click and "was this helpful?" feedback,
 * synonym proposals and frequent-query completions: what searchd learns
 * from the searches it serves.  One section per file.
 *
 *   eventlog.c   the append-only event log on disk (NDJSON, a file per UTC day)
 *   analytics.c  the in-memory aggregates the log is replayed into; the
 *                hooks /search and /suggest call; the background flusher
 *   feedback.c   POST /click, POST /feedback, and how votes re-rank /search
 *   report.c     GET /analytics, GET and POST /analytics/synonyms
 *
 * Nothing personal is stored: no address, no header, no key; a session id
 * is an opaque token the storefront makes up per visit.
 */
#ifndef VB_ANALYTICS_H
#define VB_ANALYTICS_H

#include <jansson.h>
#include <stdbool.h>

#include "searchd.h"
#include "strmap.h"
#include "xs_analytics.h"

/* ---------------------------------------------------------- limits */

#define AN_SESSION_MIN 8 /* session id: 8..64 of [A-Za-z0-9_-] */
#define AN_SESSION_MAX 64
#define AN_SESSION_IDLE_MS (30L * 60 * 1000) /* a session ends after 30 idle minutes */
#define AN_BURST_MS 5000L      /* a search extending the last one within 5 s replaces it */
#define AN_DAYS_HELD 92        /* days of per-query counts held in memory */
#define AN_DAY_QUERIES 5000    /* distinct queries counted per day */
#define AN_QUERY_MAX 200       /* longer queries count in totals only (bytes, normalised) */
#define AN_HELD_QUERIES 200000 /* per-query counts over all days held; older days go first */
#define AN_SESSIONS 50000      /* sessions followed at once; the longest idle goes first */
#define AN_VOTED_DOCS 100000   /* documents with votes */
#define AN_PROPOSALS 2000      /* pending synonym proposals */
#define AN_SUGGEST_MAX 20000   /* past queries offered as completions */
#define AN_SUGGEST_SESSIONS 3  /* a past query is offered once searched in this many sessions */
#define AN_SUGGEST_SCAN 5000   /* candidates looked at per /suggest call, at most */

/* Helpfulness: a hit's relevance score is multiplied by
 * 1 + AN_BOOST * (yes - no) / (yes + no + AN_PRIOR): a Bayesian average
 * with a prior of AN_PRIOR votes at 50%, so one vote moves a score by
 * under 2% and twenty by 13%, never more than 20%.  Only the first
 * AN_WINDOW hits are re-ranked (a rescore window, Elasticsearch's default
 * size): a page of ten then costs one more hit and eleven id lookups
 * (about 0.1 ms); twenty would cost a third of a millisecond. */
#define AN_BOOST 0.2
#define AN_PRIOR 10.0
#define AN_WINDOW 10

/* ------------------------------------------------------ eventlog.c */

struct eventlog;

/* Days since 1970-01-01 (UTC) of a time in ms, and back: "YYYY-MM-DD"
 * (out has room for 11 bytes).  day_parse: false unless s is exactly a
 * valid date in that form. */
long day_of_ms(long long ms);
void day_format(long day, char out[11]);
bool day_parse(const char *s, long *day);
/* The wall clock in ms since 1970 (UTC). */
long long now_ms(void);
/* "2026-11-22T08:16:32Z".  out has room for 21 bytes. */
void time_format(long long ms, char out[21]);

/* The log of directory dir (made when missing, mode 0750).  -1 with *err
 * when it cannot be made or written.  New: eventlog_free(). */
int eventlog_open(struct server *srv, const char *dir, struct eventlog **out, char **err);
void eventlog_free(struct eventlog *log);

/*
 * Feed every event on disk, oldest file first, line by line, to apply,
 * which returns NULL when it used the event or why not.  Lines that are
 * not JSON objects, or that apply refuses, are skipped with a warning
 * (FILE:LINE).  A torn last line (a crash in mid-write) is dropped from
 * the file with a warning, so later events start on a line of their own.
 * Returns the events applied; *skipped gets the lines skipped.
 */
typedef const char *(*eventlog_apply_fn)(void *ctx, json_t *event);
unsigned long eventlog_replay(struct eventlog *log, eventlog_apply_fn apply, void *ctx,
                              unsigned long *skipped, unsigned *files);

/* Queue one event line (without its newline) for the file of day.  Cheap:
 * no I/O.  Beyond 16 MiB queued (a disk that stalls) lines are dropped
 * and counted. */
void eventlog_add(struct eventlog *log, long day, const char *line, size_t len);
/* Write what is queued; with sync, fdatasync the file too.  -1 with *err
 * when a write failed (those lines are lost; later ones are tried again). */
int eventlog_flush(struct eventlog *log, bool sync, char **err);

/* ----------------------------------------------------- analytics.c */

/* Start analytics: open the log in cfg.data, replay it, start the
 * flusher.  Sets srv->analytics; -1 with *err when the data directory is
 * unusable. */
int analytics_open(struct server *srv, char **err);
/* Stop the flusher, write and fsync what is queued, free everything. */
void analytics_close(struct server *srv);

/* Whether s is a valid session id. */
bool analytics_session_valid(const char *s);

/* A search as /search answered it (offset 0 only; blank queries are not
 * recorded).  session may be NULL. */
void analytics_search(struct analytics *a, const char *q, const char *lang, unsigned long hits,
                      double took_ms, const char *session);
/* A click on hit id of a search for q (rank: 1-based, 0 unknown). */
void analytics_click(struct analytics *a, const char *q, const char *id, long rank,
                     const char *session);
/* A "was this helpful?" vote; *yes and *no get the document's totals. */
void analytics_feedback(struct analytics *a, const char *id, bool helpful, const char *session,
                        unsigned long *yes, unsigned long *no);

/* Whether any document has votes (no lock: a hint for /search). */
bool analytics_has_votes(struct analytics *a);
/* Vote totals of n documents (ids[i] may be NULL: none). */
void analytics_votes(struct analytics *a, char *const *ids, size_t n, unsigned long *yes,
                     unsigned long *no);

/* Past queries that start with typed (normalised; "zwembad " with its
 * trailing blank only matches longer queries), most searched first:
 * cb(ctx, query, searches) for at most max of them. */
typedef void (*analytics_query_cb)(void *ctx, const char *query, unsigned long searches);
void analytics_complete(struct analytics *a, const char *typed, size_t max, analytics_query_cb cb,
                        void *ctx);

/* Per-query counts over days [from, to], summed. */
struct query_stat {
	unsigned long searches, hits, no_results, clicks, clicked, sessions;
	char lang[3]; /* the language of its latest search, "" none */
};
struct day_totals {
	unsigned long searches, no_results, clicks, clicked, helpful, not_helpful, untracked;
	double took_ms;
};
/* A new map from normalised query to struct query_stat (new: free the
 * values with free()); *tot gets the totals; *held_from the first day
 * held in memory (-1 when none).  Days are locked one at a time. */
struct strmap *analytics_merge(struct analytics *a, long from, long to, struct day_totals *tot,
                               long *held_from);

/* Synonym proposals: pending ones, best first, as JSON; decided ones. */
json_t *analytics_proposals(struct analytics *a, size_t limit);
json_t *analytics_decisions(struct analytics *a, size_t limit);
/* 0 pending, 1 decided (approved or rejected: *approved, *when), -1 unknown. */
int analytics_proposal_state(struct analytics *a, const char *from, const char *to, bool *approved,
                             long long *when);
/* Record an editor's decision (applied and logged, then flushed and
 * synced before it returns). */
void analytics_decide(struct analytics *a, const char *from, const char *to, bool approve);

/* ------------------------------------------------------ feedback.c */

/* A hit in the order /search shows it: its index in the results, its
 * score after the votes, and the document's votes. */
struct ranked {
	size_t index;
	double score;
	unsigned long yes, no;
};
/*
 * Order the hits of res: the first window (0: none) re-ranked by their
 * relevance score times their helpfulness boost, the rest as they are.
 * A hit the votes push down never falls below the first hit outside the
 * window, so scores stay in order.  *out is new: free().  Votes are
 * looked up only when some document has them.
 */
void helpful_rank(struct analytics *a, xs_results *res, size_t window, struct ranked **out,
                  size_t *n);

void click_handle(struct request *req, struct reply *r);
void feedback_handle(struct request *req, struct reply *r);

/* Parse the request body as a JSON object with only the fields allowed
 * (NULL-terminated); NULL after a 400 reply. */
json_t *body_object(struct request *req, struct reply *r, const char *const *allowed);

/* -------------------------------------------------------- report.c */

void analytics_handle(struct request *req, struct reply *r);
void synonyms_list_handle(struct request *req, struct reply *r);
void synonyms_decide_handle(struct request *req, struct reply *r);

#endif
