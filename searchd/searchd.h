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

#define SEARCHD_MAX_QUERY 1000     /* bytes of q */
#define SEARCHD_MAX_LIMIT 100      /* hits per page */
#define SEARCHD_MAX_OFFSET 10000

struct server {
	const char *dbpath;
	unsigned threads;
	struct MHD_Daemon *daemon;
};

struct reply {
	unsigned status;
	json_t *body; /* owned */
};

struct request {
	struct server *srv;
	struct MHD_Connection *conn;
	const char *method, *path;
	xs_db *db; /* the calling thread's handle, reopened for this request */
};

/* Set an error reply: code is a stable machine name ("bad_request"). */
void reply_error(struct reply *r, unsigned status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * Start serving on addr (numeric "HOST:PORT"; port 0 picks a free one).
 * Returns 0 and the bound port, or -1 with *err set.
 */
int http_start(struct server *srv, const char *addr, unsigned *port, char **err);
void http_stop(struct server *srv);

/* GET /search */
void search_handle(struct request *req, struct reply *r);
/* GET /suggest */
void suggest_handle(struct request *req, struct reply *r);

/* ---- params.c: query-string checks shared by the endpoints. */

/* Where an endpoint's parameter checks put the first error. */
struct param_check {
	struct reply *r;
	bool failed;
};

/* Refuse the request with 400 bad_request and this message; only the
 * first failure is kept, later ones are ignored. */
void param_fail(struct param_check *pc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Whether v is one of the NULL-terminated list allowed. */
bool param_one_of(const char *v, const char *const *allowed);
/* True when key and value are valid UTF-8; fails pc when not. */
bool param_utf8(struct param_check *pc, const char *key, const char *value);
/* The checks of the parameters that mean the same everywhere; each fails
 * pc when value is bad.  q: at most SEARCHD_MAX_QUERY bytes.  A whole
 * number in [min, max].  lang: nl or en.  *out borrows value. */
void param_query(struct param_check *pc, const char *key, const char *value, const char **out);
void param_long(struct param_check *pc, const char *key, const char *value, long min, long max,
                long *out);
void param_lang(struct param_check *pc, const char *key, const char *value, const char **out);

/* The thread's read-only handle, opened on first use and brought up to
 * date; NULL with *err when the index cannot be opened. */
xs_db *thread_db(struct server *srv, char **err);

#endif
