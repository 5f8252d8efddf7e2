/*
 * metrics.c - GET /metrics in the Prometheus text format, and GET /health.
 *
 * Counters are plain atomics indexed by route and status, so counting
 * takes no lock on the request path.  Exposed:
 *   searchd_http_requests_total{method,endpoint,code}
 *   searchd_http_request_duration_seconds{method,endpoint} (histogram)
 *   searchd_http_errors_total{kind="client"|"server"}
 *   searchd_index_documents, searchd_up, searchd_start_time_seconds
 */
#define _POSIX_C_SOURCE 200809L
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "searchd.h"
#include "util.h"

static const unsigned codes[] = {200, 201, 204, 304, 400, 401, 403, 404, 405,
                                 409, 413, 415, 500, 503};
#define NCODES (sizeof codes / sizeof *codes)
static const double bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                0.05,   0.1,   0.25,   0.5,   1,    2.5};
#define NBOUNDS (sizeof bounds / sizeof *bounds)

struct metrics {
	size_t rows;           /* routes + 1 ("other") */
	atomic_ulong *count;   /* [rows][NCODES + 1]: the last is any other code */
	atomic_ulong *buckets; /* [rows][NBOUNDS + 1]: the last is +Inf */
	atomic_ulong *micros;  /* [rows]: sum of durations in microseconds */
	atomic_ulong client_errors, server_errors;
	double started; /* wall clock */
};

struct metrics *metrics_new(size_t routes)
{
	struct metrics *m = xcalloc(1, sizeof *m);
	m->rows = routes + 1;
	m->count = xcalloc(m->rows * (NCODES + 1), sizeof *m->count);
	m->buckets = xcalloc(m->rows * (NBOUNDS + 1), sizeof *m->buckets);
	m->micros = xcalloc(m->rows, sizeof *m->micros);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	m->started = (double)ts.tv_sec + ts.tv_nsec / 1e9;
	return m;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	free(m->count);
	free(m->buckets);
	free(m->micros);
	free(m);
}

void metrics_count(struct metrics *m, size_t route, unsigned status, double seconds)
{
	if (!m)
		return;
	if (route >= m->rows)
		route = m->rows - 1;
	size_t c = 0;
	while (c < NCODES && codes[c] != status)
		c++;
	atomic_fetch_add_explicit(&m->count[route * (NCODES + 1) + c], 1, memory_order_relaxed);
	size_t b = 0;
	while (b < NBOUNDS && seconds > bounds[b])
		b++;
	atomic_fetch_add_explicit(&m->buckets[route * (NBOUNDS + 1) + b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->micros[route], (unsigned long)(seconds * 1e6),
	                          memory_order_relaxed);
	if (status >= 500)
		atomic_fetch_add_explicit(&m->server_errors, 1, memory_order_relaxed);
	else if (status >= 400)
		atomic_fetch_add_explicit(&m->client_errors, 1, memory_order_relaxed);
}

static void labels(struct strbuf *sb, size_t route)
{
	const char *method, *path;
	http_route_label(route, &method, &path);
	strbuf_addf(sb, "method=\"%s\",endpoint=\"%s\"", method, path);
}

void metrics_handle(struct request *req, struct reply *r)
{
	struct metrics *m = req->srv->metrics;
	struct strbuf sb;
	strbuf_init(&sb, 0);

	strbuf_addstr(&sb, "# HELP searchd_http_requests_total Requests answered, by endpoint and "
	                   "status code.\n# TYPE searchd_http_requests_total counter\n");
	for (size_t i = 0; i < m->rows; i++)
		for (size_t c = 0; c <= NCODES; c++) {
			unsigned long n = atomic_load(&m->count[i * (NCODES + 1) + c]);
			if (!n)
				continue;
			strbuf_addstr(&sb, "searchd_http_requests_total{");
			labels(&sb, i);
			if (c < NCODES)
				strbuf_addf(&sb, ",code=\"%u\"} %lu\n", codes[c], n);
			else
				strbuf_addf(&sb, ",code=\"other\"} %lu\n", n);
		}

	strbuf_addstr(&sb, "# HELP searchd_http_request_duration_seconds Time from the request's "
	                   "headers to its reply.\n"
	                   "# TYPE searchd_http_request_duration_seconds histogram\n");
	for (size_t i = 0; i < m->rows; i++) {
		unsigned long cum = 0;
		for (size_t b = 0; b <= NBOUNDS; b++)
			cum += atomic_load(&m->buckets[i * (NBOUNDS + 1) + b]);
		if (!cum)
			continue; /* endpoints not called yet are left out */
		unsigned long total = cum;
		cum = 0;
		for (size_t b = 0; b <= NBOUNDS; b++) {
			cum += atomic_load(&m->buckets[i * (NBOUNDS + 1) + b]);
			strbuf_addstr(&sb, "searchd_http_request_duration_seconds_bucket{");
			labels(&sb, i);
			if (b < NBOUNDS)
				strbuf_addf(&sb, ",le=\"%g\"} %lu\n", bounds[b], cum);
			else
				strbuf_addf(&sb, ",le=\"+Inf\"} %lu\n", cum);
		}
		strbuf_addstr(&sb, "searchd_http_request_duration_seconds_sum{");
		labels(&sb, i);
		strbuf_addf(&sb, "} %.6f\n", (double)atomic_load(&m->micros[i]) / 1e6);
		strbuf_addstr(&sb, "searchd_http_request_duration_seconds_count{");
		labels(&sb, i);
		strbuf_addf(&sb, "} %lu\n", total);
	}

	strbuf_addf(&sb,
	            "# HELP searchd_http_errors_total Replies with a 4xx (client) or 5xx (server) "
	            "status.\n# TYPE searchd_http_errors_total counter\n"
	            "searchd_http_errors_total{kind=\"client\"} %lu\n"
	            "searchd_http_errors_total{kind=\"server\"} %lu\n",
	            atomic_load(&m->client_errors), atomic_load(&m->server_errors));

	char *err = NULL;
	unsigned long docs = 0;
	xs_db *db = thread_db(req->srv, &err);
	bool up = db && xs_db_doc_count(db, &docs, &err) == XS_OK;
	xs_free(err);
	strbuf_addf(&sb,
	            "# HELP searchd_index_documents Documents in the index.\n"
	            "# TYPE searchd_index_documents gauge\nsearchd_index_documents %lu\n"
	            "# HELP searchd_up Whether the index can be read.\n"
	            "# TYPE searchd_up gauge\nsearchd_up %d\n"
	            "# HELP searchd_start_time_seconds When searchd started, in Unix time.\n"
	            "# TYPE searchd_start_time_seconds gauge\nsearchd_start_time_seconds %.3f\n",
	            docs, up ? 1 : 0, m->started);
	size_t len;
	char *text = strbuf_detach(&sb, &len);
	reply_raw(r, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", text, len);
}

void health_handle(struct request *req, struct reply *r)
{
	char *err = NULL;
	unsigned long docs = 0, rev = 0;
	xs_db *db = thread_db(req->srv, &err);
	if (!db || xs_db_doc_count(db, &docs, &err) != XS_OK ||
	    xs_db_revision(db, &rev, &err) != XS_OK) {
		r->status = MHD_HTTP_SERVICE_UNAVAILABLE;
		r->body = json_pack("{s:s,s:{s:s,s:s}}", "status", "unavailable", "error", "code",
		                    "index_unavailable", "message", err ? err : "cannot read the index");
		xs_free(err);
		return;
	}
	r->body = json_pack("{s:s,s:I,s:I}", "status", "ready", "documents", (json_int_t)docs,
	                    "revision", (json_int_t)rev);
}
