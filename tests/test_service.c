/*
 * test_service.c - end to end: searchd as a service an operator runs.
 * The config file and its flags, keys, CORS, limits on what a client may
 * send, /health, /metrics, the access log, and start-up errors, each
 * against the real daemon on a free loopback port.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <check.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testutil.h"
#include "util.h"

#define ADMIN "admin-key-0123456789"
#define SEARCH "search-key-42"

static char *dir, *db;

static const char feed[] =
	"{\"id\":\"faq-retour\",\"type\":\"faq\",\"title\":\"Hoe retourneer ik een bestelling?\","
	"\"body\":\"Meld je retour binnen 30 dagen aan via je account.\",\"url\":\"/faq#retour\"}\n"
	"{\"id\":\"faq-levering\",\"type\":\"faq\",\"title\":\"Wanneer wordt mijn pakket "
	"bezorgd?\",\"body\":\"Voor 22 uur besteld is morgen in huis.\",\"url\":\"/faq#levering\"}\n"
	"{\"id\":\"p-pomp\",\"type\":\"product\",\"title\":\"Zandfilterpomp 4 m3\",\"body\":\"Pomp "
	"voor het zwembad.\",\"url\":\"/p/pomp\",\"price\":129.95,\"availability\":\"InStock\"}\n";

static void suite_setup(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	dir = tu_tmpdir();
	db = xasprintf("%s/db", dir);
	tu_write(dir, "feed.ndjson", feed);
	char *indexer = tu_program("indexer");
	char *cmd = xasprintf("%s --quiet --db '%s' '%s/feed.ndjson'", indexer, db, dir);
	char *out = NULL;
	if (tu_run(cmd, &out) != 0) {
		fprintf(stderr, "indexing failed:\n%s\n", out);
		abort();
	}
	free(out);
	free(cmd);
	free(indexer);
}

static void suite_teardown(void)
{
	tu_rmrf(dir);
	free(dir);
	free(db);
	curl_global_cleanup();
}

static void start(struct tu_server *s, const char *extra)
{
	ck_assert_msg(tu_server_start(s, db, extra), "searchd did not start with: %s",
	              extra ? extra : "");
}

static const char *error_code(json_t *body)
{
	return json_string_value(json_object_get(json_object_get(body, "error"), "code"));
}

static const char *error_message(json_t *body)
{
	const char *m = json_string_value(json_object_get(json_object_get(body, "error"), "message"));
	return m ? m : "";
}

/* One request; the response is left in *resp for the caller to release. */
static long req(const struct tu_server *s, const char *method, const char *path,
                const char *const *headers, const char *body, struct tu_resp *resp)
{
	struct tu_req rq = {method, path, headers, body, 0};
	return tu_request(s, &rq, resp);
}

START_TEST(test_health_and_metrics)
{
	struct tu_server s;
	start(&s, NULL);
	struct tu_resp r;
	ck_assert_int_eq(req(&s, "GET", "/health", NULL, NULL, &r), 200);
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "status")), "ready");
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "documents")), 3);
	tu_resp_release(&r);

	/* Traffic of each kind, then the counters must show it. */
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(req(&s, "GET", "/search?q=retour", NULL, NULL, &r), 200);
		tu_resp_release(&r);
	}
	ck_assert_int_eq(req(&s, "GET", "/search?bogus=1", NULL, NULL, &r), 400);
	tu_resp_release(&r);
	ck_assert_int_eq(req(&s, "GET", "/nowhere", NULL, NULL, &r), 404);
	tu_resp_release(&r);

	ck_assert_int_eq(req(&s, "GET", "/metrics", NULL, NULL, &r), 200);
	char *type = tu_resp_header(&r, "Content-Type");
	ck_assert_ptr_nonnull(type);
	ck_assert_msg(strncmp(type, "text/plain; version=0.0.4", 25) == 0, "%s", type);
	free(type);
	const char *m = r.body;
	ck_assert_msg(strstr(m, "searchd_http_requests_total{method=\"GET\",endpoint=\"/search\","
	                        "code=\"200\"} 3\n"),
	              "%s", m);
	ck_assert_msg(strstr(m, "searchd_http_requests_total{method=\"GET\",endpoint=\"/search\","
	                        "code=\"400\"} 1\n"),
	              "%s", m);
	ck_assert_msg(strstr(m, "endpoint=\"other\",code=\"404\"} 1\n"), "%s", m);
	ck_assert_msg(strstr(m, "searchd_http_request_duration_seconds_bucket{method=\"GET\","
	                        "endpoint=\"/search\",le=\"+Inf\"} 4\n"),
	              "%s", m);
	ck_assert_msg(strstr(m, "searchd_http_request_duration_seconds_count{method=\"GET\","
	                        "endpoint=\"/search\"} 4\n"),
	              "%s", m);
	ck_assert_msg(strstr(m, "searchd_http_errors_total{kind=\"client\"} 2\n"), "%s", m);
	ck_assert_msg(strstr(m, "searchd_index_documents 3\n"), "%s", m);
	ck_assert_msg(strstr(m, "searchd_up 1\n"), "%s", m);
	tu_resp_release(&r);

	/* The index goes away: health says so with 503, and comes back. */
	char *moved = xasprintf("%s/db-away", dir);
	ck_assert_int_eq(rename(db, moved), 0);
	ck_assert_int_eq(req(&s, "GET", "/health", NULL, NULL, &r), 503);
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "status")), "unavailable");
	tu_resp_release(&r);
	ck_assert_int_eq(rename(moved, db), 0);
	ck_assert_int_eq(req(&s, "GET", "/health", NULL, NULL, &r), 200);
	tu_resp_release(&r);
	free(moved);
	ck_assert_int_eq(tu_server_stop(&s), 0);
}
END_TEST

START_TEST(test_search_key)
{
	struct tu_server s;
	start(&s, "--search-key " SEARCH " --admin-key " ADMIN);
	struct tu_resp r;
	/* No key: refused, and told how to authenticate. */
	ck_assert_int_eq(req(&s, "GET", "/search?q=retour", NULL, NULL, &r), 401);
	ck_assert_str_eq(error_code(r.json), "unauthorized");
	char *www = tu_resp_header(&r, "WWW-Authenticate");
	ck_assert_ptr_nonnull(www);
	ck_assert_msg(strncmp(www, "Bearer", 6) == 0, "%s", www);
	free(www);
	tu_resp_release(&r);

	static const char *const good[] = {"Authorization: Bearer " SEARCH, NULL};
	static const char *const admin[] = {"Authorization: Bearer " ADMIN, NULL};
	static const char *const wrong[] = {"Authorization: Bearer " SEARCH "x", NULL};
	static const char *const shorter[] = {"Authorization: Bearer search", NULL};
	static const char *const basic[] = {"Authorization: Basic dXNlcjpwYXNz", NULL};
	ck_assert_int_eq(req(&s, "GET", "/search?q=retour", good, NULL, &r), 200);
	ck_assert_int_gt(json_integer_value(json_object_get(r.json, "total")), 0);
	tu_resp_release(&r);
	ck_assert_int_eq(req(&s, "GET", "/search?q=retour", admin, NULL, &r), 200);
	tu_resp_release(&r);
	const char *const *bad[] = {wrong, shorter, basic};
	for (size_t i = 0; i < 3; i++) {
		ck_assert_int_eq(req(&s, "GET", "/suggest?q=re", bad[i], NULL, &r), 401);
		ck_assert_msg(strstr(error_message(r.json), "Bearer") != NULL, "%s", r.body);
		tu_resp_release(&r);
	}
	/* Health and metrics stay open to the operator's probes. */
	ck_assert_int_eq(req(&s, "GET", "/health", NULL, NULL, &r), 200);
	tu_resp_release(&r);
	ck_assert_int_eq(tu_server_stop(&s), 0);
}
END_TEST

START_TEST(test_cors)
{
	struct tu_server s;
	start(&s, "--origins 'https://shop.example, http://localhost:3000'");
	struct tu_resp r;
	static const char *const shop[] = {"Origin: https://shop.example", NULL};
	static const char *const other[] = {"Origin: https://evil.example", NULL};
	ck_assert_int_eq(req(&s, "GET", "/search?q=retour", shop, NULL, &r), 200);
	char *acao = tu_resp_header(&r, "Access-Control-Allow-Origin");
	ck_assert_ptr_nonnull(acao);
	ck_assert_str_eq(acao, "https://shop.example");
	free(acao);
	tu_resp_release(&r);

	/* Another origin is answered (it is a plain GET) but not allowed. */
	ck_assert_int_eq(req(&s, "GET", "/search?q=retour", other, NULL, &r), 200);
	ck_assert_ptr_null(tu_resp_header(&r, "Access-Control-Allow-Origin"));
	tu_resp_release(&r);

	/* A preflight names the methods and the Authorization header. */
	static const char *const pre[] = {"Origin: http://localhost:3000",
	                                  "Access-Control-Request-Method: GET",
	                                  "Access-Control-Request-Headers: authorization", NULL};
	ck_assert_int_eq(req(&s, "OPTIONS", "/suggest", pre, NULL, &r), 204);
	char *methods = tu_resp_header(&r, "Access-Control-Allow-Methods");
	char *headers = tu_resp_header(&r, "Access-Control-Allow-Headers");
	acao = tu_resp_header(&r, "Access-Control-Allow-Origin");
	ck_assert_ptr_nonnull(methods);
	ck_assert_ptr_nonnull(headers);
	ck_assert_ptr_nonnull(acao);
	ck_assert_msg(strstr(methods, "GET") != NULL, "%s", methods);
	ck_assert_msg(strcasestr(headers, "authorization") != NULL, "%s", headers);
	ck_assert_str_eq(acao, "http://localhost:3000");
	free(methods);
	free(headers);
	free(acao);
	tu_resp_release(&r);
	ck_assert_int_eq(tu_server_stop(&s), 0);
}
END_TEST

START_TEST(test_limits_and_wrong_requests)
{
	struct tu_server s;
	start(&s, "--max-query 20 --max-body 1024");
	struct tu_resp r;
	ck_assert_int_eq(req(&s, "GET", "/search?q=hoe+retourneer+ik+mijn+bestelling", NULL, NULL, &r),
	                 400);
	ck_assert_msg(strstr(error_message(r.json), "longer than 20 bytes") != NULL, "%s", r.body);
	tu_resp_release(&r);

	char *big = xmalloc(4096);
	memset(big, 'x', 4095);
	big[4095] = '\0';
	ck_assert_int_eq(req(&s, "GET", "/search?q=retour", NULL, big, &r), 413);
	ck_assert_str_eq(error_code(r.json), "body_too_large");
	tu_resp_release(&r);
	free(big);

	ck_assert_int_eq(req(&s, "DELETE", "/search", NULL, NULL, &r), 405);
	char *allow = tu_resp_header(&r, "Allow");
	ck_assert_ptr_nonnull(allow);
	ck_assert_msg(strstr(allow, "GET") != NULL, "%s", allow);
	free(allow);
	ck_assert_str_eq(error_code(r.json), "method_not_allowed");
	tu_resp_release(&r);

	ck_assert_int_eq(req(&s, "GET", "/search?q=%FF%FE", NULL, NULL, &r), 400);
	ck_assert_msg(strstr(error_message(r.json), "UTF-8") != NULL, "%s", r.body);
	tu_resp_release(&r);

	/* A document by id, with its whole text, for reading in place. */
	ck_assert_int_eq(req(&s, "GET", "/documents/faq-retour", NULL, NULL, &r), 200);
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "text")),
	                 "Meld je retour binnen 30 dagen aan via je account.");
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "type")), "faq");
	ck_assert_ptr_null(json_object_get(r.json, "source"));
	tu_resp_release(&r);
	ck_assert_int_eq(req(&s, "GET", "/documents/no-such-doc", NULL, NULL, &r), 404);
	ck_assert_str_eq(error_code(r.json), "not_found");
	tu_resp_release(&r);

	/* After all that the daemon still serves. */
	ck_assert_int_eq(req(&s, "GET", "/search?q=retour", NULL, NULL, &r), 200);
	tu_resp_release(&r);
	ck_assert_int_eq(tu_server_stop(&s), 0);
}
END_TEST

/* A raw TCP connection to the server; -1 when refused. */
static int dial(const struct tu_server *s)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Whether the server closes fd within seconds (read gives 0 or an error). */
static bool closed_within(int fd, int seconds)
{
	struct pollfd p = {fd, POLLIN, 0};
	char buf[512];
	for (;;) {
		int n = poll(&p, 1, seconds * 1000);
		if (n <= 0)
			return false;
		ssize_t got = read(fd, buf, sizeof buf);
		if (got <= 0)
			return true;
	}
}

START_TEST(test_slow_clients_and_connection_limit)
{
	struct tu_server s;
	start(&s, "--request-timeout 1 --max-connections 2 --threads 1");
	/* A client that sends half a request is cut off. */
	int slow = dial(&s);
	ck_assert_int_ge(slow, 0);
	ck_assert_int_gt(write(slow, "GET /search?q=x HTTP/1.1\r\n", 26), 0);
	ck_assert_msg(closed_within(slow, 20), "a half-sent request kept its connection");
	close(slow);

	/* Two connections are served; a third is refused while they last. */
	int a = dial(&s), b = dial(&s);
	ck_assert_int_ge(a, 0);
	ck_assert_int_ge(b, 0);
	ck_assert_int_gt(write(a, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n", 33), 0);
	char buf[1024];
	ssize_t n = read(a, buf, sizeof buf - 1);
	ck_assert_int_gt(n, 12);
	ck_assert_msg(strncmp(buf, "HTTP/1.1 200", 12) == 0, "%.*s", (int)n, buf);
	int c = dial(&s);
	if (c >= 0) {
		ck_assert_msg(closed_within(c, 20), "a third connection was kept");
		close(c);
	}
	close(a);
	close(b);
	ck_assert_int_eq(tu_server_stop(&s), 0);
}
END_TEST

START_TEST(test_config_file_and_flags)
{
	struct tu_server s;
	char *conf = xasprintf("%s/searchd.conf", dir);
	tu_write(dir, "searchd.conf",
	         "# searchd for the test shop\n"
	         "threads = 2\n"
	         "\n"
	         "max_query = 12   # short on purpose\n"
	         "search_key = " SEARCH "\n");
	char *extra = xasprintf("--config '%s' --max-query 30", conf);
	start(&s, extra);
	struct tu_resp r;
	/* The key came from the file; the flag overrode the file's max_query. */
	static const char *const key[] = {"Authorization: Bearer " SEARCH, NULL};
	ck_assert_int_eq(req(&s, "GET", "/search?q=retour", NULL, NULL, &r), 401);
	tu_resp_release(&r);
	ck_assert_int_eq(req(&s, "GET", "/search?q=retourneren+bestelling", key, NULL, &r), 200);
	tu_resp_release(&r);
	ck_assert_int_eq(req(&s, "GET", "/search?q=retourneren+van+een+bestelling+graag", key, NULL,
	                     &r),
	                 400);
	tu_resp_release(&r);
	ck_assert_int_eq(tu_server_stop(&s), 0);
	free(extra);

	/* Mistakes in the file are named with file and line, exit status 1. */
	char *prog = tu_program("searchd");
	char *out = NULL;
	tu_write(dir, "bad.conf", "threads = 2\nthreads = many\n");
	char *cmd = xasprintf("%s --db '%s' --config '%s/bad.conf'", prog, db, dir);
	ck_assert_int_eq(tu_run(cmd, &out), 1);
	ck_assert_msg(strstr(out, "bad.conf:2: threads must be a whole number") != NULL, "%s", out);
	free(out);
	free(cmd);
	tu_write(dir, "bad.conf", "listen = 127.0.0.1:0\nadmin_kee = x\n");
	cmd = xasprintf("%s --db '%s' --config '%s/bad.conf'", prog, db, dir);
	ck_assert_int_eq(tu_run(cmd, &out), 1);
	ck_assert_msg(strstr(out, "bad.conf:2: unknown setting 'admin_kee'") != NULL, "%s", out);
	free(out);
	free(cmd);
	cmd = xasprintf("%s --db '%s' --config '%s/none.conf'", prog, db, dir);
	ck_assert_int_eq(tu_run(cmd, &out), 1);
	ck_assert_msg(strstr(out, "none.conf") != NULL, "%s", out);
	free(out);
	free(cmd);
	cmd = xasprintf("%s --db '%s' --admin-key short", prog, db);
	ck_assert_int_eq(tu_run(cmd, &out), 1);
	ck_assert_msg(strstr(out, "admin_key is too short") != NULL, "%s", out);
	free(out);
	free(cmd);
	cmd = xasprintf("%s --db '%s' --origins shop.example", prog, db);
	ck_assert_int_eq(tu_run(cmd, &out), 1);
	ck_assert_msg(strstr(out, "origin 'shop.example'") != NULL, "%s", out);
	free(out);
	free(cmd);
	free(prog);
	free(conf);
}
END_TEST

START_TEST(test_access_log)
{
	struct tu_server s;
	char *log = xasprintf("%s/access.log", dir);
	char *extra = xasprintf("--access-log '%s' --search-key " SEARCH, log);
	start(&s, extra);
	struct tu_resp r;
	static const char *const key[] = {"Authorization: Bearer " SEARCH, NULL};
	ck_assert_int_eq(req(&s, "GET", "/search?q=zandfilterpomp&limit=2", key, NULL, &r), 200);
	tu_resp_release(&r);
	ck_assert_int_eq(req(&s, "GET", "/search?q=x", NULL, NULL, &r), 401);
	tu_resp_release(&r);
	/* A key in the wrong place is refused and still not logged. */
	ck_assert_int_eq(req(&s, "GET", "/search?q=x&key=" SEARCH, key, NULL, &r), 400);
	tu_resp_release(&r);
	ck_assert_int_eq(tu_server_stop(&s), 0);

	char *text = NULL;
	size_t len = 0;
	ck_assert_int_eq(read_file(log, 1 << 20, &text, &len, NULL), 0);
	/* One JSON object per line with what was asked and how it went. */
	char *nl = strchr(text, '\n');
	ck_assert_ptr_nonnull(nl);
	json_t *first = json_loadb(text, (size_t)(nl - text), 0, NULL);
	ck_assert_ptr_nonnull(first);
	ck_assert_str_eq(json_string_value(json_object_get(first, "path")), "/search");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(first, "args"), "q")),
	                 "zandfilterpomp");
	ck_assert_int_eq(json_integer_value(json_object_get(first, "status")), 200);
	ck_assert(json_is_number(json_object_get(first, "ms")));
	json_decref(first);
	ck_assert_msg(strstr(text, "\"status\":401") != NULL, "%s", text);
	ck_assert_msg(strstr(text, SEARCH) == NULL, "a key reached the access log:\n%s", text);
	free(text);
	free(extra);
	free(log);
}
END_TEST

struct indexing {
	char *cmd;
	int status;
	volatile bool done;
};

static void *run_indexer(void *arg)
{
	struct indexing *ix = arg;
	char *out = NULL;
	ix->status = tu_run(ix->cmd, &out);
	if (ix->status != 0)
		fprintf(stderr, "indexer: %s\n", out);
	free(out);
	__atomic_store_n(&ix->done, true, __ATOMIC_SEQ_CST);
	return NULL;
}

struct searching {
	const struct tu_server *s;
	const volatile bool *stop;
	unsigned long asked, wrong;
	char last_problem[256];
};

/* Search until told to stop; every reply must be a 200 with the returns
 * FAQ first, however far the indexer has got. */
static void *keep_searching(void *arg)
{
	struct searching *sr = arg;
	while (!__atomic_load_n(sr->stop, __ATOMIC_SEQ_CST)) {
		json_t *b = NULL;
		long st = tu_get(sr->s, "/search", &b, "q", "retourneren bestelling", "limit", "3", NULL);
		json_t *first = json_array_get(json_object_get(b, "hits"), 0);
		const char *id = json_string_value(json_object_get(first, "id"));
		sr->asked++;
		if (st != 200 || !id || strcmp(id, "faq-retour") != 0) {
			sr->wrong++;
			snprintf(sr->last_problem, sizeof sr->last_problem, "status %ld, first %s", st,
			         id ? id : "(none)");
		}
		json_decref(b);
	}
	return NULL;
}

START_TEST(test_searches_while_indexing)
{
	/* A second index, so the suite's stays as it is. */
	char *db2 = xasprintf("%s/db-busy", dir);
	char *feed2 = xasprintf("%s/busy.ndjson", dir);
	tu_write(dir, "busy.ndjson", feed);
	char *indexer = tu_program("indexer");
	char *cmd = xasprintf("%s --quiet --db '%s' '%s'", indexer, db2, feed2);
	ck_assert_int_eq(tu_run(cmd, NULL), 0);
	free(cmd);

	/* Thousands of products about other things, added while searching. */
	struct strbuf big;
	strbuf_init(&big, 0);
	strbuf_addstr(&big, feed);
	for (int i = 0; i < 6000; i++)
		strbuf_addf(&big,
		            "{\"id\":\"p-%d\",\"type\":\"product\",\"title\":\"Tuinslang %d meter\","
		            "\"body\":\"Flexibele tuinslang met koppeling, model %d.\",\"price\":%d}\n",
		            i, 10 + i % 40, i, 5 + i % 90);
	tu_write(dir, "busy.ndjson", big.buf);
	strbuf_release(&big);

	struct tu_server s;
	ck_assert(tu_server_start(&s, db2, "--threads 2"));
	struct indexing ix = {xasprintf("%s --quiet --db '%s' '%s'", indexer, db2, feed2), -1, false};
	struct searching sr[2] = {{&s, &ix.done, 0, 0, ""}, {&s, &ix.done, 0, 0, ""}};
	pthread_t tix, ts[2];
	pthread_create(&tix, NULL, run_indexer, &ix);
	for (int i = 0; i < 2; i++)
		pthread_create(&ts[i], NULL, keep_searching, &sr[i]);
	pthread_join(tix, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(ts[i], NULL);
	ck_assert_int_eq(ix.status, 0);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_gt(sr[i].asked, 0);
		ck_assert_msg(sr[i].wrong == 0, "%lu of %lu searches went wrong while indexing: %s",
		              sr[i].wrong, sr[i].asked, sr[i].last_problem);
	}
	/* And afterwards every new document is there. */
	json_t *b = NULL;
	ck_assert_int_eq(tu_get(&s, "/health", &b, NULL), 200);
	ck_assert_int_eq(json_integer_value(json_object_get(b, "documents")), 6003);
	json_decref(b);
	ck_assert_int_eq(tu_server_stop(&s), 0);
	free(ix.cmd);
	free(indexer);
	free(feed2);
	free(db2);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("service");
	TCase *tc = tcase_create("service");
	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_health_and_metrics);
	tcase_add_test(tc, test_search_key);
	tcase_add_test(tc, test_cors);
	tcase_add_test(tc, test_limits_and_wrong_requests);
	tcase_add_test(tc, test_slow_clients_and_connection_limit);
	tcase_add_test(tc, test_config_file_and_flags);
	tcase_add_test(tc, test_access_log);
	tcase_add_test(tc, test_searches_while_indexing);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
