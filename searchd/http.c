/*
 * http.c - searchd's HTTP side on libmicrohttpd: the daemon with its
 * fixed pool of worker threads, the route table, keys, CORS, request
 * bodies, limits, the access log, and JSON replies.
 *
 * Xapian handles are not thread-safe, so each worker thread owns one
 * read-only xs_db (a pthread key closes it when the thread ends) and
 * reopens it before each request, which is cheap when nothing changed.
 * No lock is taken on the search path.
 *
 * A request is answered in three steps.  MHD calls on_request once with
 * the headers (a per-request state is made, an announced body that is
 * too large is refused at once), then with each piece of the body
 * (collected up to max_body), then once more with none: the request is
 * routed, checked (method, key, body) and handed to its handler.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <limits.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "analytics.h"
#include "searchd.h"
#include "util.h"

/* ------------------------------------------------------------ routes */

/* GET routes answer HEAD too.  A path ending in "{id}" is a prefix: the
 * rest of the (decoded) path is the request's arg. */
static const struct route {
	const char *method, *path;
	enum access need;
	bool uses_db; /* opens the thread's read handle first */
	void (*handle)(struct request *req, struct reply *r);
} routes[] = {
	{"GET", "/search", ACCESS_SEARCH, true, search_handle},
	{"GET", "/suggest", ACCESS_SEARCH, true, suggest_handle},
	{"GET", "/health", ACCESS_PUBLIC, false, health_handle},
	{"GET", "/metrics", ACCESS_PUBLIC, false, metrics_handle},
	{"GET", "/documents/{id}", ACCESS_SEARCH, true, documents_get},
	{"PUT", "/documents/{id}", ACCESS_ADMIN, false, documents_put},
	{"DELETE", "/documents/{id}", ACCESS_ADMIN, false, documents_delete},
	{"POST", "/documents", ACCESS_ADMIN, false, documents_post},
	{"GET", "/answer", ACCESS_SEARCH, true, answer_handle},
	{"GET", "/related/{id}", ACCESS_SEARCH, true, related_handle},
	{"GET", "/opensearch.xml", ACCESS_PUBLIC, false, opensearch_handle},
	{"POST", "/click", ACCESS_SEARCH, true, click_handle},
	{"POST", "/feedback", ACCESS_SEARCH, true, feedback_handle},
	{"GET", "/analytics", ACCESS_ADMIN, false, analytics_handle},
	{"GET", "/analytics/synonyms", ACCESS_ADMIN, false, synonyms_list_handle},
	{"POST", "/analytics/synonyms", ACCESS_ADMIN, false, synonyms_decide_handle},
	{"GET", "/", ACCESS_PUBLIC, false, static_index_handle},
	{"GET", "/static/{id}", ACCESS_PUBLIC, false, static_file_handle},
};
#define NROUTES (sizeof routes / sizeof *routes)

size_t http_route_count(void)
{
	return NROUTES;
}

void http_route_label(size_t i, const char **method, const char **path)
{
	*method = i < NROUTES ? routes[i].method : "";
	*path = i < NROUTES ? routes[i].path : "other";
}

/* Whether path is route's path, setting *arg for "{id}" routes. */
static bool path_matches(const struct route *rt, const char *path, const char **arg)
{
	const char *brace = strstr(rt->path, "{id}");
	if (!brace)
		return strcmp(rt->path, path) == 0;
	size_t n = (size_t)(brace - rt->path);
	if (strncmp(rt->path, path, n) != 0 || !path[n])
		return false;
	*arg = path + n;
	return true;
}

/* ------------------------------------------------------------- state */

static pthread_key_t db_key;
static pthread_once_t db_key_once = PTHREAD_ONCE_INIT;
static atomic_uint in_flight; /* requests begun and not completed */

static void db_key_destroy(void *p)
{
	xs_db_close(p);
}

static void db_key_make(void)
{
	pthread_key_create(&db_key, db_key_destroy);
}

xs_db *thread_db(struct server *srv, char **err)
{
	pthread_once(&db_key_once, db_key_make);
	xs_db *db = pthread_getspecific(db_key);
	if (db) {
		if (xs_db_reopen(db, NULL, err) == XS_OK)
			return db;
		/* A handle that cannot reopen is replaced by a fresh one. */
		xs_free(*err);
		*err = NULL;
		xs_db_close(db);
		pthread_setspecific(db_key, NULL);
	}
	if (xs_db_open(srv->cfg.db, XS_DB_READ, &db, err) != XS_OK)
		return NULL;
	pthread_setspecific(db_key, db);
	return db;
}

/* What MHD keeps for us between the calls of one request. */
struct conn_state {
	struct strbuf body; /* capped at max_body */
	bool replied;       /* answered before the body was read (413) */
	double started;
	/* Freed once the reply is sent (on_completed): freeing a big reply
	 * before MHD sends it would only delay it. */
	json_t *sent;
	void (*release)(void *);
	void *later;
	json_t *log_line; /* the access log's line, written once the reply is sent */
};

/* ------------------------------------------------------------ replies */

void reply_error(struct reply *r, unsigned status, const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	json_decref(r->body);
	r->status = status;
	r->body = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg);
	free(msg);
}

void reply_raw(struct reply *r, unsigned status, const char *content_type, char *data, size_t len)
{
	json_decref(r->body);
	r->body = NULL;
	free(r->raw);
	r->status = status;
	r->raw = data;
	r->raw_len = len;
	r->content_type = content_type;
}

void log_msg(const struct server *srv, int level, const char *fmt, ...)
{
	static const char *const names[] = {"error", "warning", "info", "debug"};
	if (level > srv->cfg.log_level)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	fprintf(stderr, "searchd: %s: %s\n", names[level], msg);
	free(msg);
}

/* The Origin header when it is one of the configured origins. */
static const char *allowed_origin(const struct server *srv, struct MHD_Connection *conn)
{
	const char *origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
	if (!origin || !srv->cfg.origins)
		return NULL;
	for (char **o = srv->cfg.origins; *o; o++)
		if (strcmp(*o, "*") == 0 || strcmp(*o, origin) == 0)
			return origin;
	return NULL;
}

static void add_cors(struct MHD_Response *resp, const struct server *srv,
                     struct MHD_Connection *conn)
{
	const char *origin = allowed_origin(srv, conn);
	if (srv->cfg.origins)
		MHD_add_response_header(resp, "Vary", "Origin");
	if (!origin)
		return;
	MHD_add_response_header(resp, "Access-Control-Allow-Origin", origin);
}

/* Send r; returns the body's size through *bytes for the access log. */
static enum MHD_Result send_reply(struct server *srv, struct MHD_Connection *conn,
                                  struct reply *r, size_t *bytes)
{
	char *buf;
	size_t len;
	const char *type = r->content_type;
	if (r->raw) {
		buf = r->raw;
		len = r->raw_len;
		r->raw = NULL;
	} else if (r->status == MHD_HTTP_NO_CONTENT || r->status == MHD_HTTP_NOT_MODIFIED) {
		buf = NULL;
		len = 0;
	} else {
		type = "application/json; charset=utf-8";
		char *text = r->body ? json_dumps(r->body, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
		if (!text)
			text = xstrdup("{\"error\":{\"code\":\"internal\",\"message\":\"cannot encode reply\"}}");
		len = strlen(text);
		/* One more byte for a newline, which curl users appreciate. */
		buf = xrealloc(text, len + 2);
		buf[len++] = '\n';
		buf[len] = '\0';
	}
	*bytes = len;
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, buf ? buf : (char *)"", buf ? MHD_RESPMEM_MUST_FREE
		                                                                 : MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		free(buf);
		return MHD_NO;
	}
	if (type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
	                        r->cache_control ? r->cache_control : "no-store");
	if (r->etag[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, r->etag);
	/* Every body is what its Content-Type says: browsers must not guess. */
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (r->allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
	if (r->preflight && allowed_origin(srv, conn)) {
		MHD_add_response_header(resp, "Access-Control-Allow-Methods", r->allow);
		MHD_add_response_header(resp, "Access-Control-Allow-Headers",
		                        "Authorization, Content-Type");
		MHD_add_response_header(resp, "Access-Control-Max-Age", "600");
	}
	if (r->status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"searchd\"");
	if (r->retry_after) {
		char s[16];
		snprintf(s, sizeof s, "%u", r->retry_after);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, s);
	}
	add_cors(resp, srv, conn);
	enum MHD_Result ret = MHD_queue_response(conn, r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* -------------------------------------------------------------- keys */

/*
 * Compare a presented key with the configured one in time that depends
 * only on the presented key's length, so that timing tells an attacker
 * nothing about the configured key.
 */
static bool key_equal(const char *given, size_t glen, const char *key)
{
	size_t klen = strlen(key);
	unsigned char diff = glen != klen;
	for (size_t i = 0; i < glen; i++)
		diff |= (unsigned char)(given[i] ^ key[klen ? i % klen : 0]);
	return diff == 0;
}

/* What the Authorization header allows; -1 when it is present but wrong. */
static int access_of(const struct server *srv, struct MHD_Connection *conn)
{
	const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	                                            MHD_HTTP_HEADER_AUTHORIZATION);
	if (!h)
		return srv->cfg.search_key ? ACCESS_PUBLIC : ACCESS_SEARCH;
	if (strncasecmp(h, "Bearer ", 7) != 0)
		return -1;
	const char *k = h + 7;
	while (*k == ' ')
		k++;
	size_t len = strlen(k);
	while (len && k[len - 1] == ' ')
		len--;
	bool admin = srv->cfg.admin_key && key_equal(k, len, srv->cfg.admin_key);
	bool search = srv->cfg.search_key && key_equal(k, len, srv->cfg.search_key);
	if (admin)
		return ACCESS_ADMIN;
	if (search)
		return ACCESS_SEARCH;
	return -1;
}

/* Refuse req when its key does not allow route rt; true when refused. */
static bool refuse_access(struct request *req, const struct route *rt, int access,
                          struct reply *r)
{
	const struct config *cfg = &req->srv->cfg;
	if (access >= (int)rt->need)
		return false;
	/* Disabled first: whatever key an editor's tool sends, no key can
	 * help, and 401 would send them looking for a better key. */
	if (rt->need == ACCESS_ADMIN && !cfg->admin_key) {
		reply_error(r, MHD_HTTP_FORBIDDEN, "forbidden",
		            "%s is disabled: searchd has no admin_key configured", req->path);
	} else if (access < 0) {
		reply_error(r, MHD_HTTP_UNAUTHORIZED, "unauthorized",
		            "the key in the Authorization header is not valid here "
		            "(expected: Authorization: Bearer KEY)");
	} else if (rt->need == ACCESS_ADMIN && access == ACCESS_SEARCH &&
	           MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND,
	                                       MHD_HTTP_HEADER_AUTHORIZATION)) {
		reply_error(r, MHD_HTTP_FORBIDDEN, "forbidden",
		            "the search key does not allow %s %s; it needs the admin key", req->method,
		            req->path);
	} else {
		reply_error(r, MHD_HTTP_UNAUTHORIZED, "unauthorized",
		            "%s %s needs the %s key: Authorization: Bearer KEY", req->method, req->path,
		            rt->need == ACCESS_ADMIN ? "admin" : "search");
	}
	return true;
}

/* ----------------------------------------------------------- routing */

static bool method_is(const struct route *rt, const char *method)
{
	return strcmp(rt->method, method) == 0 ||
	       (strcmp(method, "HEAD") == 0 && strcmp(rt->method, "GET") == 0);
}

/* "GET, HEAD, PUT" for the routes on this path (static buffer per call
 * site is not enough across threads, so the caller's). */
static void allowed_methods(const char *path, char *out, size_t size)
{
	const char *arg;
	out[0] = '\0';
	for (size_t i = 0; i < NROUTES; i++) {
		if (!path_matches(&routes[i], path, &arg))
			continue;
		const char *m = strcmp(routes[i].method, "GET") == 0 ? "GET, HEAD" : routes[i].method;
		size_t used = strlen(out);
		snprintf(out + used, size - used, "%s%s", used ? ", " : "", m);
	}
	size_t used = strlen(out);
	if (used)
		snprintf(out + used, size - used, ", OPTIONS");
}

/* Route and run the request; *route_out is its index in routes, or
 * NROUTES when none matched (for /metrics). */
static void dispatch(struct request *req, struct conn_state *st, struct reply *r,
                     size_t *route_out)
{
	const struct route *rt = NULL;
	bool path_known = false;
	*route_out = NROUTES;
	for (size_t i = 0; i < NROUTES; i++) {
		const char *arg = NULL;
		if (!path_matches(&routes[i], req->path, &arg))
			continue;
		if (!path_known)
			*route_out = i; /* 405s and preflights count under the path */
		path_known = true;
		if (method_is(&routes[i], req->method)) {
			rt = &routes[i];
			req->arg = arg;
			*route_out = i;
			break;
		}
	}
	if (!path_known) {
		reply_error(r, MHD_HTTP_NOT_FOUND, "not_found", "no such endpoint: %s", req->path);
		return;
	}
	static __thread char allow[128];
	if (strcmp(req->method, "OPTIONS") == 0) {
		/* A CORS preflight: send_reply adds what the browser asks for. */
		allowed_methods(req->path, allow, sizeof allow);
		r->status = MHD_HTTP_NO_CONTENT;
		r->allow = allow;
		r->preflight = true;
		return;
	}
	if (!rt) {
		allowed_methods(req->path, allow, sizeof allow);
		r->allow = allow;
		reply_error(r, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
		            "method %s is not allowed on %s (allowed: %s)", req->method, req->path, allow);
		return;
	}
	if (refuse_access(req, rt, access_of(req->srv, req->conn), r))
		return;
	if (st->body.overflow) {
		reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "body_too_large",
		            "the request body is larger than %lu bytes", req->srv->cfg.max_body);
		return;
	}
	if (st->body.len || strcmp(req->method, "POST") == 0 || strcmp(req->method, "PUT") == 0) {
		req->body = st->body.buf ? st->body.buf : "";
		req->body_len = st->body.len;
	}
	if (rt->uses_db) {
		char *err = NULL;
		req->db = thread_db(req->srv, &err);
		if (!req->db) {
			reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "index_unavailable",
			            "the index cannot be opened: %s", err);
			xs_free(err);
			return;
		}
	}
	rt->handle(req, r);
}

/* ------------------------------------------------------- access log */

struct log_args {
	json_t *args;
	const struct config *cfg;
};

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
	struct log_args *la = cls;
	json_t *args = la->args;
	(void)kind;
	if (!value)
		value = "";
	/* A key sent where it does not belong is still kept out of the log. */
	if ((la->cfg->admin_key && strcmp(value, la->cfg->admin_key) == 0) ||
	    (la->cfg->search_key && strcmp(value, la->cfg->search_key) == 0))
		value = "(a key, not logged)";
	json_t *v = json_string(value);
	if (!v || !utf8_valid(key, strlen(key), NULL)) {
		json_decref(v);
		json_object_set_new(args, "(invalid UTF-8)", json_true());
		return MHD_YES;
	}
	json_t *old = json_object_get(args, key);
	if (json_is_array(old)) {
		json_array_append_new(old, v);
	} else if (old) {
		json_object_set_new(args, key, json_pack("[Oo]", old, v));
	} else {
		json_object_set_new(args, key, v);
	}
	return MHD_YES;
}

/* One JSON line per request: when, what, how it went.  No address and
 * no headers: keys stay out of logs, and customers stay anonymous.  Made
 * while the request's arguments are at hand; "ms" and the writing come
 * once the reply is sent (log_write). */
static json_t *access_line(struct server *srv, struct MHD_Connection *conn, const char *method,
                           const char *path, unsigned status, size_t bytes)
{
	if (!srv->access_log)
		return NULL;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char when[80];
	snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
	json_t *args = json_object();
	struct log_args la = {args, &srv->cfg};
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, add_arg, &la);
	return json_pack("{s:s,s:s,s:s?,s:o,s:i,s:I}", "time", when, "method", method, "path",
	                 utf8_valid(path, strlen(path), NULL) ? path : NULL, "args", args, "status",
	                 (int)status, "bytes", (json_int_t)bytes);
}

/* Write an access_line with the time the request took, reply sent. */
static void log_write(struct server *srv, json_t *line, double seconds)
{
	if (!line || !srv->access_log)
		return;
	json_object_set_new(line, "ms", json_real(seconds * 1000));
	char *text = json_dumps(line, JSON_COMPACT | JSON_REAL_PRECISION(4));
	if (text) {
		flockfile(srv->access_log);
		fputs(text, srv->access_log);
		fputc('\n', srv->access_log);
		fflush(srv->access_log);
		funlockfile(srv->access_log);
	}
	free(text);
}

/* ------------------------------------------------------------ MHD glue */

static enum MHD_Result finish(struct server *srv, struct MHD_Connection *conn,
                              struct conn_state *st, const char *method, const char *url)
{
	struct request req = {.srv = srv, .conn = conn, .method = method, .path = url};
	struct reply r = {.status = MHD_HTTP_OK};
	size_t route = NROUTES, bytes = 0;
	dispatch(&req, st, &r, &route);
	enum MHD_Result ret = send_reply(srv, conn, &r, &bytes);
	metrics_count(srv->metrics, route, r.status, now_seconds() - st->started);
	/* Logged once the reply is sent (on_completed): the client has its
	 * answer sooner, and "ms" includes sending it. */
	st->log_line = access_line(srv, conn, method, url, r.status, bytes);
	st->sent = r.body;
	st->release = r.release;
	st->later = r.later;
	free(r.raw);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
	struct server *srv = cls;
	struct conn_state *st = *req_cls;
	(void)version;
	if (!st) {
		st = xcalloc(1, sizeof *st);
		strbuf_init(&st->body, srv->cfg.max_body);
		st->started = now_seconds();
		*req_cls = st;
		atomic_fetch_add(&in_flight, 1);
		/* A body announced too large is refused before it is read. */
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		                                             MHD_HTTP_HEADER_CONTENT_LENGTH);
		long n;
		if (cl && (!parse_long(cl, 0, LONG_MAX, &n) || (unsigned long)n > srv->cfg.max_body)) {
			st->body.overflow = true;
			st->replied = true;
			return finish(srv, conn, st, method, url);
		}
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (!st->replied && !st->body.overflow)
			strbuf_add(&st->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (st->replied)
		return MHD_YES;
	st->replied = true;
	return finish(srv, conn, st, method, url);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode why)
{
	struct server *srv = cls;
	(void)conn;
	(void)why;
	struct conn_state *st = *req_cls;
	if (!st)
		return;
	log_write(srv, st->log_line, now_seconds() - st->started);
	json_decref(st->log_line);
	json_decref(st->sent);
	if (st->release)
		st->release(st->later);
	strbuf_release(&st->body);
	free(st);
	*req_cls = NULL;
	atomic_fetch_sub(&in_flight, 1);
}

static void on_log(void *cls, const char *fmt, va_list ap)
{
	struct server *srv = cls;
	if (srv->cfg.log_level < LOG_WARN)
		return;
	fputs("searchd: warning: ", stderr);
	vfprintf(stderr, fmt, ap);
}

int http_start(struct server *srv, unsigned *port, char **err)
{
	const char *addr = srv->cfg.listen;
	int rc = -1;
	struct addrinfo hints = {0}, *ai = NULL;
	char *host = xstrdup(addr);
	char *colon = strrchr(host, ':');
	if (!colon || colon == host || !colon[1]) {
		vb_error(err, "bad listen address '%s': want HOST:PORT, e.g. 127.0.0.1:8080", addr);
		goto out;
	}
	*colon = '\0';
	long p;
	if (!parse_long(colon + 1, 0, 65535, &p)) {
		vb_error(err, "bad port in listen address '%s'", addr);
		goto out;
	}
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	int gai = getaddrinfo(host, colon + 1, &hints, &ai);
	if (gai != 0) {
		vb_error(err, "bad listen address '%s': %s (an IPv4 address is expected)", addr,
		         gai_strerror(gai));
		goto out;
	}
	/* The logger goes first so that MHD's own messages during start-up
	 * use it too.  SO_REUSEPORT stays off: a taken port must fail.  ITC
	 * lets http_drain stop listening while requests finish.  poll, not
	 * epoll: MHD 0.9.75 can abort in MHD_quiesce_daemon when a pool of
	 * epoll workers races to drop the listening socket. */
	struct MHD_OptionItem opts[] = {
		{MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_log, srv},
		{MHD_OPTION_SOCK_ADDR, 0, ai->ai_addr},
		{MHD_OPTION_CONNECTION_LIMIT, (intptr_t)srv->cfg.max_connections, NULL},
		{MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)(srv->cfg.request_timeout + 0.5), NULL},
		{MHD_OPTION_CONNECTION_MEMORY_LIMIT, 64 * 1024, NULL},
		{MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, srv},
		/* One thread is MHD's polling thread itself, not a pool. */
		{srv->cfg.threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END,
		 (intptr_t)srv->cfg.threads, NULL},
		{MHD_OPTION_END, 0, NULL},
	};
	srv->daemon = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG | MHD_USE_ITC,
		(uint16_t)p, NULL, NULL, on_request, srv, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (!srv->daemon) {
		vb_error(err, "cannot listen on %s (port taken or not permitted)", addr);
		goto out;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
	*port = info ? info->port : (unsigned)p;
	rc = 0;
out:
	if (ai)
		freeaddrinfo(ai);
	free(host);
	return rc;
}

unsigned http_drain(struct server *srv)
{
	if (!srv->daemon)
		return 0;
	MHD_socket fd = MHD_quiesce_daemon(srv->daemon);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	double end = now_seconds() + srv->cfg.drain_timeout;
	while (atomic_load(&in_flight) > 0 && now_seconds() < end) {
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	unsigned left = atomic_load(&in_flight);
	http_stop(srv);
	return left;
}

void http_stop(struct server *srv)
{
	if (srv->daemon) {
		MHD_stop_daemon(srv->daemon);
		srv->daemon = NULL;
	}
}
