/*
 * http.c - searchd's HTTP side on libmicrohttpd: the daemon with its
 * fixed pool of worker threads, routing, and JSON replies.
 *
 * Xapian handles are not thread-safe, so each worker thread owns one
 * read-only xs_db (a pthread key closes it when the thread ends) and
 * reopens it before each request, which is cheap when nothing changed.
 * No lock is taken on the search path.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "searchd.h"
#include "util.h"

static pthread_key_t db_key;
static pthread_once_t db_key_once = PTHREAD_ONCE_INIT;

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
	if (xs_db_open(srv->dbpath, XS_DB_READ, &db, err) != XS_OK)
		return NULL;
	pthread_setspecific(db_key, db);
	return db;
}

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

static enum MHD_Result send_reply(struct MHD_Connection *conn, struct reply *r)
{
	char *text = r->body ? json_dumps(r->body, JSON_COMPACT) : NULL;
	if (!text)
		text = xstrdup("{\"error\":{\"code\":\"internal\",\"message\":\"cannot encode reply\"}}");
	size_t len = strlen(text);
	/* One more byte for a newline, which curl users appreciate. */
	char *buf = xrealloc(text, len + 2);
	buf[len++] = '\n';
	buf[len] = '\0';
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(buf);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (r->status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	enum MHD_Result ret = MHD_queue_response(conn, r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* The endpoints: all read the index, all answer GET (and HEAD). */
static const struct {
	const char *path;
	void (*handle)(struct request *req, struct reply *r);
} routes[] = {
	{"/search", search_handle},
	{"/suggest", suggest_handle},
};

static void route(struct request *req, struct reply *r)
{
	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
		reply_error(r, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
		            "method %s is not allowed on %s", req->method, req->path);
		return;
	}
	for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
		if (strcmp(req->path, routes[i].path) != 0)
			continue;
		char *err = NULL;
		req->db = thread_db(req->srv, &err);
		if (!req->db) {
			reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "index_unavailable",
			            "the index cannot be opened: %s", err);
			xs_free(err);
			return;
		}
		routes[i].handle(req, r);
		return;
	}
	reply_error(r, MHD_HTTP_NOT_FOUND, "not_found", "no such endpoint: %s", req->path);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
	(void)version;
	(void)upload_data;
	/* Bodies are not read by any endpoint yet: a request with one is
	 * answered on the first call and MHD drops the rest. */
	*upload_data_size = 0;
	*req_cls = NULL;
	struct request req = {cls, conn, method, url, NULL};
	struct reply r = {MHD_HTTP_OK, NULL};
	route(&req, &r);
	enum MHD_Result ret = send_reply(conn, &r);
	json_decref(r.body);
	return ret;
}

static void on_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	fputs("searchd: ", stderr);
	vfprintf(stderr, fmt, ap);
}

int http_start(struct server *srv, const char *addr, unsigned *port, char **err)
{
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
	 * use it too.  SO_REUSEPORT stays off: a taken port must fail. */
	srv->daemon = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG, (uint16_t)p, NULL,
		NULL, on_request, srv,
		MHD_OPTION_EXTERNAL_LOGGER, on_log, NULL,
		MHD_OPTION_SOCK_ADDR, ai->ai_addr,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)srv->threads,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)1024,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
		MHD_OPTION_END);
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

void http_stop(struct server *srv)
{
	if (srv->daemon) {
		MHD_stop_daemon(srv->daemon);
		srv->daemon = NULL;
	}
}
