/*
 * searchd.h - what searchd's files share: the server settings, the
 * per-request context handed to endpoint handlers, and JSON replies.
 *
 * A handler fills a reply (status + JSON body) and returns; http.c turns
 * it into the HTTP response.  Errors are replies too:
 * {"error": {"code": "...", "message": "..."}} with a 4xx/5xx status.
 */
#ifndef VB_SEARCHD_H
#define VB_SEARCHD_H

#include <jansson.h>
#include <microhttpd.h>
#include <stdbool.h>

#include "xs.h"

#define SEARCHD_MAX_LIMIT 100      /* hits per page */
#define SEARCHD_MAX_OFFSET 10000

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* config.c: every setting, from the config file and the matching flags. */
struct config {
	char *listen, *db, *data, *synonyms;
	char *admin_key, *search_key; /* NULL: none configured */
	char **origins;               /* NULL-terminated; NULL: no CORS */
	unsigned long threads, max_connections, max_query, max_body;
	double request_timeout, search_time_limit, lock_wait, drain_timeout;
	char *access_log; /* path, "-" (stdout) or "off" */
	int log_level;    /* enum log_level */
	char *public_url; /* http(s)://... the OpenSearch templates use; NULL: from Host */
	char *site_name;  /* the shop's name for browsers (OpenSearch ShortName) */
	char *web_root;   /* the help centre's static files (static.c) */
};
void config_init(struct config *cfg);
void config_release(struct config *cfg);
/* Set one setting by its file name or flag name; -1 with *err when the
 * name is unknown or the value bad. */
int config_set(struct config *cfg, const char *name, const char *value, char **err);
/* Read a "key = value" file; errors say FILE:LINE. */
int config_load(struct config *cfg, const char *path, char **err);
/* VB_ADMIN_KEY / VB_SEARCH_KEY from the environment. */
void config_env(struct config *cfg);
/* Fill derived defaults and check what single settings cannot. */
int config_finish(struct config *cfg, char **err);
/* "--name ARG   help" lines for --help. */
void config_usage(FILE *f);
/* getopt_long entries for every setting (names are new: free()); val
 * identifies it for config_option_name(). */
struct option;
size_t config_options(struct option *out, size_t max);
const char *config_option_name(int val);

/* What the request's key allows. */
enum access { ACCESS_PUBLIC, ACCESS_SEARCH, ACCESS_ADMIN };

struct metrics; /* metrics.c */
struct analytics; /* analytics.c */

struct server {
	struct config cfg;
	struct MHD_Daemon *daemon;
	FILE *access_log;     /* NULL: off */
	struct metrics *metrics;
	struct analytics *analytics; /* NULL until analytics are set up */
};

struct reply {
	unsigned status;
	json_t *body; /* owned; sent as JSON unless raw is set */
	char *raw;    /* owned: a non-JSON body (Prometheus text, XML) */
	size_t raw_len;
	const char *content_type; /* for raw; static */
	const char *allow;        /* Allow header for 405 and OPTIONS replies */
	bool preflight;           /* a CORS preflight: the Access-Control-Allow-* headers too */
	unsigned retry_after;     /* seconds; 0: no Retry-After header */
	const char *cache_control; /* static; NULL: no-store */
	char etag[48];             /* ETag header; "": none */
	/* What the handler still owns and need not free before the reply is
	 * on its way (the search's results): release(later) is called once
	 * the reply has been sent, or the request ended otherwise. */
	void (*release)(void *);
	void *later;
};

struct request {
	struct server *srv;
	struct MHD_Connection *conn;
	const char *method, *path;
	const char *arg;  /* the {id} of /documents/{id} and the like, decoded */
	const char *body; /* the request body, NUL-terminated; NULL when none */
	size_t body_len;
	xs_db *db; /* the calling thread's handle, reopened for this request */
};

/* Log a line to stderr when level is within the configured log level. */
void log_msg(const struct server *srv, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Set an error reply: code is a stable machine name ("bad_request"). */
void reply_error(struct reply *r, unsigned status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Set the reply to JSON text, or raw bytes with a content type. */
void reply_raw(struct reply *r, unsigned status, const char *content_type, char *data,
               size_t len);

/*
 * Start serving on srv->cfg.listen (numeric "HOST:PORT"; port 0 picks a
 * free one).  Returns 0 and the bound port, or -1 with *err set.
 */
int http_start(struct server *srv, unsigned *port, char **err);
/* Stop taking connections, let in-flight requests finish (at most
 * drain_timeout), then stop.  Returns the requests cut off. */
unsigned http_drain(struct server *srv);
void http_stop(struct server *srv);

/* writer.c: the one writer.  Opens the index for writing (waiting up to
 * lock_wait for another writer such as the batch indexer), runs fn, and
 * commits when fn returns 0; fn's -1 cancels everything it did.  One
 * writer at a time within searchd.  Returns 0, or -1 with *err; *locked
 * tells a lock held elsewhere from other failures. */
typedef int (*writer_fn)(xs_db *wdb, void *ctx, char **err);
int writer_run(struct server *srv, writer_fn fn, void *ctx, bool *locked, char **err);
/* writer_run for a request; false after an error reply (logged): 503
 * index_locked with Retry-After when another writer kept the index for
 * longer than lock_wait, 500 otherwise. */
#define WRITER_RETRY_AFTER 5 /* seconds */
bool writer_reply(struct request *req, struct reply *r, writer_fn fn, void *ctx);

/* metrics.c */
struct metrics *metrics_new(size_t routes);
void metrics_free(struct metrics *m);
void metrics_count(struct metrics *m, size_t route, unsigned status, double seconds);
/* GET /metrics (Prometheus text) and GET /health. */
void metrics_handle(struct request *req, struct reply *r);
void health_handle(struct request *req, struct reply *r);
/* The routes, for /metrics labels (http.c); i == count is "other". */
size_t http_route_count(void);
void http_route_label(size_t i, const char **method, const char **path);

/* GET /search */
void search_handle(struct request *req, struct reply *r);
/* Xapian's snippet (matches between XS_MARK_START/END, & < > escaped)
 * as safe HTML: quotes escaped too, marks as <mark>.  New: free().
 * (search.c; /answer uses it too.) */
char *snippet_html(const char *s);
/* A hit's stored record, parsed.  New, or NULL with *err when it is not
 * a JSON object.  (search.c; every endpoint listing hits uses it.) */
json_t *hit_record(const struct xs_hit *h, char **err);
/* Whether an object of the array list has this "id". */
bool list_has_id(json_t *list, json_t *id);
/* GET /suggest */
void suggest_handle(struct request *req, struct reply *r);
/* documents.c: PUT and DELETE /documents/{id}, POST /documents (NDJSON) */
void documents_put(struct request *req, struct reply *r);
void documents_delete(struct request *req, struct reply *r);
void documents_get(struct request *req, struct reply *r); /* GET, search key */
void documents_post(struct request *req, struct reply *r);
/* GET /answer (answer.c) */
void answer_handle(struct request *req, struct reply *r);
/* GET /related/{id} (related.c) */
void related_handle(struct request *req, struct reply *r);
/* GET /opensearch.xml (opensearch.c) */
void opensearch_handle(struct request *req, struct reply *r);
/* /suggest?format=opensearch: reply with suggestions and titles (as
 * /suggest makes them; borrowed) in the OpenSearch suggestions format. */
void opensearch_suggest_reply(struct request *req, struct reply *r, const char *q,
                              json_t *suggestions, json_t *titles, size_t limit);
/* config_finish's check of public_url and site_name. */
int opensearch_config_check(const struct config *cfg, char **err);
/* static.c: GET / (the help centre's index.html) and GET /static/{id}
 * (the files under web_root). */
void static_index_handle(struct request *req, struct reply *r);
void static_file_handle(struct request *req, struct reply *r);

/* ---- params.c: query-string checks shared by the endpoints. */

/* Where an endpoint's parameter checks put the first error. */
struct param_check {
	struct reply *r;
	bool failed;
	size_t max_query; /* param_query's limit: the server's max_query */
};

/* Refuse the request with 400 bad_request and this message; only the
 * first failure is kept, later ones are ignored. */
void param_fail(struct param_check *pc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* For an endpoint that takes no query parameters: false after a 400
 * naming the first one given. */
bool param_none(struct request *req, struct reply *r);
/* Milliseconds since start (now_seconds()), to the microsecond: every
 * reply's took_ms. */
double elapsed_ms(double start);
/* Whether v is one of the NULL-terminated list allowed. */
bool param_one_of(const char *v, const char *const *allowed);
/* True when key and value are valid UTF-8; fails pc when not. */
bool param_utf8(struct param_check *pc, const char *key, const char *value);
/* The checks of the parameters that mean the same everywhere; each fails
 * pc when value is bad.  q: at most pc->max_query bytes.  A whole
 * number in [min, max].  lang: nl or en.  *out borrows value. */
void param_query(struct param_check *pc, const char *key, const char *value, const char **out);
void param_long(struct param_check *pc, const char *key, const char *value, long min, long max,
                long *out);
void param_lang(struct param_check *pc, const char *key, const char *value, const char **out);

/* The thread's read-only handle, opened on first use and brought up to
 * date; NULL with *err when the index cannot be opened. */
xs_db *thread_db(struct server *srv, char **err);

#endif
