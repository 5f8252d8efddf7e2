/*
 * test_live.c - end to end: editors publish live.  The real searchd with
 * an admin key takes PUT, DELETE and POST /documents, and what they see
 * is checked: keys refused with the right status (and never logged), a
 * published document found by the next search, a deleted one gone, bad
 * documents refused with their reason and nothing written, the batch
 * indexer and live writes sharing the index without losing each other's
 * work, a held lock answered with 503, and SIGTERM in the middle of a
 * bulk that still commits every record (and SIGKILL that lands none or
 * all of them, never part).
 */
#define _GNU_SOURCE /* strcasestr */
#include <check.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "util.h"
#include "xs.h"

#define ADMIN_KEY "live-admin-key-0123456789"
#define SEARCH_KEY "live-search-key-42"
#define AUTH "Authorization: Bearer " ADMIN_KEY
#define JSON_TYPE "Content-Type: application/json"
#define NDJSON_TYPE "Content-Type: application/x-ndjson"

static char *dir, *db;
static struct tu_server srv;

/* Once for the suite: index content/ and serve it with an admin key. */
static void suite_setup(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	dir = tu_tmpdir();
	db = xasprintf("%s/db", dir);
	tu_index_content(db);
	if (!tu_server_start(&srv, db,
	                     "--admin-key " ADMIN_KEY " --log-level error")) {
		fprintf(stderr, "searchd did not start\n");
		abort();
	}
}

static void suite_teardown(void)
{
	tu_server_stop(&srv);
	tu_rmrf(dir);
	free(dir);
	free(db);
	curl_global_cleanup();
}

/* ------------------------------------------------------------ helpers */

static const char *str(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : "";
}

static long num(json_t *obj, const char *key)
{
	return (long)json_integer_value(json_object_get(obj, key));
}

/* The error reply's code, after checking its shape. */
static const char *error_code(json_t *body)
{
	json_t *e = json_object_get(body, "error");
	ck_assert_msg(json_is_object(e), "no error object");
	ck_assert_msg(*str(e, "message"), "error without a message");
	return str(e, "code");
}

static const char *error_message(json_t *body)
{
	return str(json_object_get(body, "error"), "message");
}

#define assert_contains(hay, needle)                                                               \
	ck_assert_msg(strstr((hay), (needle)) != NULL, "expected '%s' in:\n%s", (needle), (hay))

/* A request with up to two headers (NULL for none); the reply in *out. */
static long send2(const struct tu_server *s, const char *method, const char *path, const char *h1,
                  const char *h2, const char *body, struct tu_resp *out)
{
	const char *headers[3] = {h1, h1 ? h2 : NULL, NULL};
	struct tu_req rq = {method, path, headers, body, 0};
	return tu_request(s, &rq, out);
}

/* PUT a document as JSON with the admin key. */
static long put_doc(const struct tu_server *s, const char *path, const char *json,
                    struct tu_resp *out)
{
	return send2(s, "PUT", path, AUTH, JSON_TYPE, json, out);
}

static long post_bulk(const struct tu_server *s, const char *ndjson, struct tu_resp *out)
{
	return send2(s, "POST", "/documents", AUTH, NDJSON_TYPE, ndjson, out);
}

/* The 1-based rank of id among the first 50 hits for q, 0 when absent. */
static size_t rank_of(const struct tu_server *s, const char *q, const char *id, json_t **hit)
{
	json_t *b = NULL;
	size_t rank = 0;
	ck_assert_int_eq(tu_get(s, "/search", &b, "q", q, "limit", "50", NULL), 200);
	json_t *hits = json_object_get(b, "hits");
	for (size_t i = 0; i < json_array_size(hits) && !rank; i++)
		if (strcmp(str(json_array_get(hits, i), "id"), id) == 0) {
			rank = i + 1;
			if (hit)
				*hit = json_incref(json_array_get(hits, i));
		}
	json_decref(b);
	return rank;
}

/* Search for q until id is found (present) or gone (!present), for at
 * most a second: what "shows in search within one second" means. */
static bool search_shows(const struct tu_server *s, const char *q, const char *id, bool present)
{
	double deadline = now_seconds() + 1.0;
	do {
		if ((rank_of(s, q, id, NULL) > 0) == present)
			return true;
	} while (now_seconds() < deadline);
	return false;
}

/* The stored record of id in the index at path (new: json_decref), NULL
 * when there is no such document. */
static json_t *stored(const char *path, const char *id)
{
	xs_db *d = NULL;
	char *data = NULL, *err = NULL;
	ck_assert_msg(xs_db_open(path, XS_DB_READ, &d, &err) == XS_OK, "open %s: %s", path, err);
	json_t *rec = NULL;
	if (xs_db_get_data(d, id, &data, NULL, NULL) == XS_OK)
		rec = json_loads(data, 0, NULL);
	xs_free(data);
	xs_db_close(d);
	return rec;
}

static unsigned long doc_count(const char *path)
{
	xs_db *d = NULL;
	char *err = NULL;
	unsigned long n = 0;
	ck_assert_msg(xs_db_open(path, XS_DB_READ, &d, &err) == XS_OK, "open %s: %s", path, err);
	ck_assert_int_eq(xs_db_doc_count(d, &n, NULL), XS_OK);
	xs_db_close(d);
	return n;
}

/* The title stored for id, "" when there is no such document. */
static char *stored_title(const char *path, const char *id)
{
	json_t *rec = stored(path, id);
	char *t = xstrdup(str(rec, "title"));
	json_decref(rec);
	return t;
}

static void nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, ms % 1000 * 1000000};
	nanosleep(&ts, NULL);
}

/* A fresh index in its own directory, from one small feed: *dbp is new. */
static char *small_index(char **dbp)
{
	char *d = tu_tmpdir();
	tu_write(d, "site/feed.ndjson",
	         "{\"id\":\"seed\",\"title\":\"Welkom\",\"body\":\"De eerste pagina.\"}\n");
	*dbp = xasprintf("%s/db", d);
	char *indexer = tu_program("indexer");
	char *cmd = xasprintf("%s --quiet --db '%s' '%s/site'", indexer, *dbp, d);
	char *out = NULL;
	ck_assert_msg(tu_run(cmd, &out) == 0, "%s", out);
	free(out);
	free(cmd);
	free(indexer);
	return d;
}

/* n records "bulk-I" as NDJSON. New: free(). */
static char *bulk_body(int n, const char *word)
{
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < n; i++)
		strbuf_addf(
		    &sb,
		    "{\"id\":\"bulk-%d\",\"type\":\"faq\",\"title\":\"Vraag %d over %s\","
		    "\"body\":\"Antwoord %d: het %s werkt zo, stap voor stap uitgelegd, met "
		    "de onderdelen en wat u kunt doen als het niet lukt.\"}\n",
		    i, i, word, i, word);
	return strbuf_detach(&sb, NULL);
}

/* ---------------------------------------------------------------- auth */

START_TEST(test_keys_refused_and_never_logged)
{
	char *log = xasprintf("%s/access.log", dir);
	char *extra =
	    xasprintf("--admin-key %s --search-key %s --access-log '%s' --log-level error",
	              ADMIN_KEY, SEARCH_KEY, log);
	struct tu_server s;
	ck_assert(tu_server_start(&s, db, extra));
	const char *doc = "{\"title\":\"Sleutelbos\",\"body\":\"Een sleutelbos voor de schuur.\"}";
	struct tu_resp resp;

	/* No key: 401, with the challenge a client needs. */
	ck_assert_int_eq(send2(&s, "PUT", "/documents/sleutel", JSON_TYPE, NULL, doc, &resp), 401);
	ck_assert_str_eq(error_code(resp.json), "unauthorized");
	char *challenge = tu_resp_header(&resp, "WWW-Authenticate");
	ck_assert_msg(challenge && strncmp(challenge, "Bearer", 6) == 0, "challenge %s", challenge);
	free(challenge);
	assert_contains(error_message(resp.json), "admin");
	tu_resp_release(&resp);

	/* The search key is a real key, but not for writes: 403. */
	ck_assert_int_eq(send2(&s, "PUT", "/documents/sleutel", "Authorization: Bearer " SEARCH_KEY,
	                       JSON_TYPE, doc, &resp),
	                 403);
	ck_assert_str_eq(error_code(resp.json), "forbidden");
	assert_contains(error_message(resp.json), "admin key");
	tu_resp_release(&resp);

	/* A wrong key, or no Bearer scheme: 401. */
	ck_assert_int_eq(send2(&s, "PUT", "/documents/sleutel",
	                       "Authorization: Bearer " ADMIN_KEY "x", JSON_TYPE, doc, &resp),
	                 401);
	ck_assert_str_eq(error_code(resp.json), "unauthorized");
	tu_resp_release(&resp);
	ck_assert_int_eq(send2(&s, "DELETE", "/documents/seed", "Authorization: Basic " ADMIN_KEY,
	                       NULL, NULL, &resp),
	                 401);
	tu_resp_release(&resp);
	ck_assert_int_eq(send2(&s, "POST", "/documents", "Authorization: Bearer " SEARCH_KEY,
	                       NDJSON_TYPE, "{\"id\":\"sleutel\",\"title\":\"Sleutelbos\"}\n",
	                       &resp),
	                 403);
	tu_resp_release(&resp);

	/* Nothing of that reached the index. */
	ck_assert_int_eq(send2(&s, "GET", "/search?q=sleutelbos",
	                       "Authorization: Bearer " SEARCH_KEY, NULL, NULL, &resp),
	                 200);
	ck_assert_int_eq(num(resp.json, "total"), 0);
	tu_resp_release(&resp);

	/* The admin key writes. */
	ck_assert_int_eq(send2(&s, "PUT", "/documents/sleutel", AUTH, JSON_TYPE, doc, &resp), 201);
	tu_resp_release(&resp);
	ck_assert_int_eq(send2(&s, "DELETE", "/documents/sleutel", AUTH, NULL, NULL, &resp), 200);
	tu_resp_release(&resp);
	ck_assert_int_eq(tu_server_stop(&s), 0);

	/* Every request is in the access log; no key is. */
	char *text = NULL;
	size_t len = 0;
	ck_assert_int_eq(read_file(log, 1 << 20, &text, &len, NULL), 0);
	size_t lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	ck_assert_uint_eq(lines, 8);
	assert_contains(text, "\"path\":\"/documents/sleutel\"");
	ck_assert_msg(!strstr(text, ADMIN_KEY) && !strstr(text, SEARCH_KEY) &&
	                  !strstr(text, "Bearer"),
	              "a key in the access log:\n%s", text);
	free(text);
	free(extra);
	free(log);
}
END_TEST

START_TEST(test_writes_disabled_without_admin_key)
{
	struct tu_server s;
	ck_assert(tu_server_start(&s, db, "--log-level error"));
	struct tu_resp resp;
	/* With a key or without: no key can help, and the reply says why. */
	ck_assert_int_eq(
	    send2(&s, "PUT", "/documents/x", AUTH, JSON_TYPE, "{\"title\":\"x\"}", &resp), 403);
	ck_assert_str_eq(error_code(resp.json), "forbidden");
	assert_contains(error_message(resp.json), "disabled");
	assert_contains(error_message(resp.json), "admin_key");
	tu_resp_release(&resp);
	ck_assert_int_eq(
	    send2(&s, "POST", "/documents", NULL, NULL, "{\"id\":\"x\",\"title\":\"x\"}", &resp),
	    403);
	assert_contains(error_message(resp.json), "disabled");
	tu_resp_release(&resp);
	ck_assert_int_eq(tu_server_stop(&s), 0);

	/* VB_ADMIN_KEY in the environment configures it. */
	setenv("VB_ADMIN_KEY", ADMIN_KEY, 1);
	bool started = tu_server_start(&s, db, "--log-level error");
	unsetenv("VB_ADMIN_KEY");
	ck_assert(started);
	ck_assert_int_eq(send2(&s, "DELETE", "/documents/no-such-doc", AUTH, NULL, NULL, &resp),
	                 404);
	ck_assert_str_eq(error_code(resp.json), "not_found");
	tu_resp_release(&resp);
	ck_assert_int_eq(tu_server_stop(&s), 0);
}
END_TEST

/* ------------------------------------------------------- publish live */

START_TEST(test_publish_update_delete_in_search)
{
	struct tu_resp resp;
	json_t *h = NULL;
	const char *v1 =
	    "{\"type\":\"product\",\"title\":\"Kwallenfilter Medusa\",\"brand\":\"Zeester\","
	    "\"price\":49.5,\"body\":\"Dit filter vangt kwallen, bladeren en insecten "
	    "uit het water van uw zwembad of vijver. Het net is van fijn nylon en gaat "
	    "jaren mee. Spoel het na gebruik af met schoon water en laat het drogen in "
	    "de schaduw. Niet bedoeld voor de robotmaaier.\"}";
	ck_assert_int_eq(put_doc(&srv, "/documents/live-medusa", v1, &resp), 201);
	ck_assert_str_eq(str(resp.json, "id"), "live-medusa");
	ck_assert_str_eq(str(resp.json, "result"), "created");
	tu_resp_release(&resp);
	ck_assert_msg(search_shows(&srv, "kwallenfilter", "live-medusa", true),
	              "the published document is not found within a second");
	ck_assert_uint_eq(rank_of(&srv, "kwallenfilter", "live-medusa", &h), 1);
	ck_assert_str_eq(str(h, "title"), "Kwallenfilter Medusa");
	ck_assert_str_eq(str(h, "brand"), "Zeester");
	ck_assert_str_eq(str(h, "audience"), "presale");
	ck_assert_msg(*str(h, "modified"), "no publishing day");
	ck_assert_ptr_null(json_object_get(h, "source"));
	json_decref(h);
	h = NULL;
	/* A filter term as the indexer makes it. */
	json_t *b = NULL;
	ck_assert_int_eq(tu_get(&srv, "/search", &b, "q", "kwallen", "brand", "zeester", NULL),
	                 200);
	ck_assert_int_eq(num(b, "total"), 1);
	json_decref(b);

	/* The same document again changes nothing. */
	ck_assert_int_eq(put_doc(&srv, "/documents/live-medusa", v1, &resp), 200);
	ck_assert_str_eq(str(resp.json, "result"), "unchanged");
	tu_resp_release(&resp);

	/* New text: a new snippet, another ranking, the old words gone. */
	size_t before = rank_of(&srv, "robotmaaier", "live-medusa", NULL);
	ck_assert_msg(before == 0 || before > 10, "rank %zu before the update", before);
	const char *v2 =
	    "{\"id\":\"live-medusa\",\"type\":\"product\",\"title\":\"Robotmaaier Medusa 600\","
	    "\"brand\":\"Zeester\",\"price\":899,\"body\":\"Een stille robotmaaier voor "
	    "gazons tot 600 m2, met regensensor en app.\"}";
	ck_assert_int_eq(put_doc(&srv, "/documents/live-medusa", v2, &resp), 200);
	ck_assert_str_eq(str(resp.json, "result"), "updated");
	tu_resp_release(&resp);
	ck_assert(search_shows(&srv, "kwallenfilter", "live-medusa", false));
	size_t after = rank_of(&srv, "robotmaaier", "live-medusa", &h);
	ck_assert_msg(after >= 1 && after <= 10, "rank %zu after the update", after);
	assert_contains(str(h, "snippet"), "stille <mark>robotmaaier</mark>");
	ck_assert_str_eq(str(h, "title"), "Robotmaaier Medusa 600");
	json_decref(h);

	/* Deleted: gone from search, and a second delete finds nothing. */
	ck_assert_int_eq(send2(&srv, "DELETE", "/documents/live-medusa", AUTH, NULL, NULL, &resp),
	                 200);
	ck_assert_str_eq(str(resp.json, "id"), "live-medusa");
	ck_assert_str_eq(str(resp.json, "result"), "deleted");
	tu_resp_release(&resp);
	ck_assert_msg(search_shows(&srv, "robotmaaier medusa", "live-medusa", false),
	              "the deleted document is still found after a second");
	ck_assert_int_eq(send2(&srv, "DELETE", "/documents/live-medusa", AUTH, NULL, NULL, &resp),
	                 404);
	ck_assert_str_eq(error_code(resp.json), "not_found");
	assert_contains(error_message(resp.json), "live-medusa");
	tu_resp_release(&resp);
}
END_TEST

START_TEST(test_put_ids)
{
	struct tu_resp resp;
	/* No id in the body: the path's. */
	ck_assert_int_eq(
	    put_doc(&srv, "/documents/live-zonder-id",
	            "{\"title\":\"Zonnescherm\",\"body\":\"Een zonnescherm met slinger.\"}", &resp),
	    201);
	ck_assert_str_eq(str(resp.json, "id"), "live-zonder-id");
	tu_resp_release(&resp);
	ck_assert_uint_eq(rank_of(&srv, "zonnescherm slinger", "live-zonder-id", NULL), 1);

	/* A different one is refused, naming both; nothing is written. */
	ck_assert_int_eq(put_doc(&srv, "/documents/live-a",
	                         "{\"id\":\"live-b\",\"title\":\"Parasolvoet\"}", &resp),
	                 400);
	ck_assert_str_eq(error_code(resp.json), "bad_request");
	assert_contains(error_message(resp.json), "'live-b'");
	assert_contains(error_message(resp.json), "'live-a'");
	tu_resp_release(&resp);
	ck_assert_uint_eq(rank_of(&srv, "parasolvoet", "live-a", NULL), 0);
	ck_assert_uint_eq(rank_of(&srv, "parasolvoet", "live-b", NULL), 0);

	/* A number is an id as in a feed; the same id is fine. */
	ck_assert_int_eq(put_doc(&srv, "/documents/4711",
	                         "{\"id\":4711,\"title\":\"Eau de tuin\",\"body\":\"Geurkaars.\"}",
	                         &resp),
	                 201);
	ck_assert_str_eq(str(resp.json, "id"), "4711");
	tu_resp_release(&resp);

	/* Ids with a slash and a fragment, escaped in the path, as the
	 * indexer makes them for FAQ questions. */
	ck_assert_int_eq(put_doc(&srv, "/documents/faq%2Flive.html%23schommel",
	                         "{\"type\":\"faq\",\"title\":\"Hoe hang ik de schommel op?\","
	                         "\"body\":\"Met twee haken.\",\"url\":\"faq/live.html#schommel\"}",
	                         &resp),
	                 201);
	ck_assert_str_eq(str(resp.json, "id"), "faq/live.html#schommel");
	tu_resp_release(&resp);
	ck_assert_uint_eq(rank_of(&srv, "schommel", "faq/live.html#schommel", NULL), 1);
	ck_assert_int_eq(
	    send2(&srv, "DELETE", "/documents/faq/live.html%23schommel", AUTH, NULL, NULL, &resp),
	    200);
	tu_resp_release(&resp);

	/* Bad ids in the path; 239 bytes is the longest the index takes. */
	ck_assert_int_eq(put_doc(&srv, "/documents/%FF%FE", "{\"title\":\"x\"}", &resp), 400);
	assert_contains(error_message(resp.json), "UTF-8");
	tu_resp_release(&resp);
	struct strbuf path = STRBUF_INIT;
	strbuf_addstr(&path, "/documents/");
	for (int i = 0; i < 239; i++)
		strbuf_addch(&path, 'a');
	ck_assert_int_eq(put_doc(&srv, path.buf, "{\"title\":\"Lange naam\"}", &resp), 201);
	tu_resp_release(&resp);
	ck_assert_int_eq(send2(&srv, "DELETE", path.buf, AUTH, NULL, NULL, &resp), 200);
	tu_resp_release(&resp);
	strbuf_addch(&path, 'a');
	ck_assert_int_eq(put_doc(&srv, path.buf, "{\"title\":\"Lange naam\"}", &resp), 400);
	assert_contains(error_message(resp.json), "longer than 239 bytes");
	tu_resp_release(&resp);
	ck_assert_int_eq(send2(&srv, "DELETE", path.buf, AUTH, NULL, NULL, &resp), 400);
	assert_contains(error_message(resp.json), "longer than 239 bytes");
	tu_resp_release(&resp);
	strbuf_release(&path);
}
END_TEST

START_TEST(test_put_refuses_bad_documents)
{
	static const struct {
		const char *body, *want;
	} bad[] = {
	    {"", "empty"},
	    {"{\"title\": \"Tuinslang\"", "invalid JSON"},
	    {"Tuinslang 20 m", "invalid JSON"},
	    {"[{\"title\": \"Tuinslang\"}]", "JSON object"},
	    {"{\"title\": \"Tuinslang \xff\"}", "invalid UTF-8"},
	    {"{\"title\": \"Tuinslang\", \"title\": \"Slang\"}", "duplicate"},
	    {"{\"body\": \"\"}", "neither \"title\" nor \"body\""},
	    {"{\"title\": \"Tuinslang\", \"type\": \"blog\"}", "\"type\" must be one of"},
	    {"{\"title\": \"Tuinslang\", \"lang\": \"de\"}", "\"lang\" must be nl or en"},
	    {"{\"title\": \"Tuinslang\", \"price\": \"gratis\"}", "\"price\" must be a number"},
	    {"{\"title\": 12}", "\"title\" must be a string"},
	    {"{\"title\": \"Tuinslang\", \"specs\": [1]}", "\"specs\" must be an object"},
	};
	struct tu_resp resp;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		ck_assert_int_eq(put_doc(&srv, "/documents/live-slang", bad[i].body, &resp), 400);
		ck_assert_str_eq(error_code(resp.json), "bad_request");
		ck_assert_msg(strstr(error_message(resp.json), bad[i].want),
		              "%s: got '%s', want '%s'", bad[i].body, error_message(resp.json),
		              bad[i].want);
		tu_resp_release(&resp);
	}
	ck_assert_uint_eq(rank_of(&srv, "tuinslang", "live-slang", NULL), 0);

	/* Form data (curl -d without -H) is not a document: 415. */
	const char *doc = "{\"title\":\"Tuinslang\",\"body\":\"Twintig meter.\"}";
	ck_assert_int_eq(send2(&srv, "PUT", "/documents/live-slang", AUTH,
	                       "Content-Type: application/x-www-form-urlencoded", doc, &resp),
	                 415);
	ck_assert_str_eq(error_code(resp.json), "unsupported_media_type");
	assert_contains(error_message(resp.json), "application/json");
	tu_resp_release(&resp);
	ck_assert_int_eq(send2(&srv, "PUT", "/documents/live-slang", AUTH,
	                       "Content-Type: text/plain", doc, &resp),
	                 415);
	tu_resp_release(&resp);
	/* Unknown parameters are refused, as everywhere. */
	ck_assert_int_eq(
	    send2(&srv, "PUT", "/documents/live-slang?force=1", AUTH, JSON_TYPE, doc, &resp), 400);
	assert_contains(error_message(resp.json), "unknown parameter 'force'");
	tu_resp_release(&resp);
	/* Other methods: 405 with what is allowed. */
	ck_assert_int_eq(send2(&srv, "PATCH", "/documents/live-slang", AUTH, NULL, NULL, &resp), 405);
	char *allow = tu_resp_header(&resp, "Allow");
	ck_assert_msg(allow && strstr(allow, "GET") && strstr(allow, "PUT") && strstr(allow, "DELETE"),
	              "Allow: %s", allow);
	free(allow);
	tu_resp_release(&resp);
	/* Nothing was stored: reading it back is a 404. */
	ck_assert_int_eq(send2(&srv, "GET", "/documents/live-slang", AUTH, NULL, NULL, &resp), 404);
	tu_resp_release(&resp);
	ck_assert_uint_eq(rank_of(&srv, "tuinslang", "live-slang", NULL), 0);

	/* With a charset, or with no Content-Type at all, it is accepted. */
	ck_assert_int_eq(send2(&srv, "PUT", "/documents/live-slang", AUTH,
	                       "Content-Type: Application/JSON; charset=utf-8", doc, &resp),
	                 201);
	tu_resp_release(&resp);
	ck_assert_int_eq(
	    send2(&srv, "PUT", "/documents/live-slang", AUTH, "Content-Type:", doc, &resp), 200);
	ck_assert_str_eq(str(resp.json, "result"), "unchanged");
	tu_resp_release(&resp);
	ck_assert_uint_gt(rank_of(&srv, "tuinslang", "live-slang", NULL), 0);
}
END_TEST

/* ---------------------------------------------------------------- bulk */

START_TEST(test_bulk_publish)
{
	struct tu_resp resp;
	const char *three =
	    "{\"id\":\"bulk-tent-1\",\"type\":\"product\",\"title\":\"Partytent Feest "
	    "3x3\",\"price\":79}\r\n"
	    "\n"
	    "   \n"
	    "{\"id\":\"bulk-tent-2\",\"type\":\"product\",\"title\":\"Partytent Feest "
	    "3x6\",\"price\":129}\n"
	    "{\"id\":\"bulk-tent-3\",\"type\":\"faq\",\"title\":\"Hoe zet ik de partytent op?\","
	    "\"body\":\"Met vier haringen per poot.\"}";
	ck_assert_int_eq(post_bulk(&srv, three, &resp), 200);
	ck_assert_int_eq(num(resp.json, "created"), 3);
	ck_assert_int_eq(num(resp.json, "updated"), 0);
	ck_assert_int_eq(num(resp.json, "unchanged"), 0);
	ck_assert(json_is_number(json_object_get(resp.json, "took_ms")));
	tu_resp_release(&resp);
	ck_assert(search_shows(&srv, "partytent", "bulk-tent-3", true));
	ck_assert_uint_gt(rank_of(&srv, "partytent", "bulk-tent-1", NULL), 0);
	ck_assert_uint_gt(rank_of(&srv, "partytent", "bulk-tent-2", NULL), 0);

	ck_assert_int_eq(post_bulk(&srv, three, &resp), 200);
	ck_assert_int_eq(num(resp.json, "unchanged"), 3);
	ck_assert_int_eq(num(resp.json, "created") + num(resp.json, "updated"), 0);
	tu_resp_release(&resp);

	/* application/json is taken as well. */
	ck_assert_int_eq(send2(&srv, "POST", "/documents", AUTH, JSON_TYPE,
	                       "{\"id\":\"bulk-tent-2\",\"type\":\"product\",\"title\":\"Partytent "
	                       "Feest 3x6 wit\",\"price\":119}\n"
	                       "{\"id\":\"bulk-tent-4\",\"title\":\"Partytent huren\"}\n",
	                       &resp),
	                 200);
	ck_assert_int_eq(num(resp.json, "created"), 1);
	ck_assert_int_eq(num(resp.json, "updated"), 1);
	tu_resp_release(&resp);
	json_t *h = NULL;
	ck_assert_uint_gt(rank_of(&srv, "partytent wit", "bulk-tent-2", &h), 0);
	ck_assert_str_eq(str(h, "title"), "Partytent Feest 3x6 wit");
	json_decref(h);
}
END_TEST

/* A catalogue with more brands than a facet lists: the most frequent,
 * most frequent first, 10 unless facet_limit asks for more. */
START_TEST(test_facets_list_the_most_frequent_values)
{
	struct strbuf sb = STRBUF_INIT;
	int n = 0;
	for (int b = 0; b < 60; b++)
		for (int k = 0; k < (b < 5 ? 3 : 1); k++, n++)
			strbuf_addf(&sb,
			            "{\"id\":\"zeil-%d\",\"type\":\"product\",\"title\":\"Zonnezeil "
			            "%d\",\"brand\":\"Merk %02d\",\"price\":%d}\n",
			            n, n, b, 20 + n);
	struct tu_resp resp;
	ck_assert_int_eq(post_bulk(&srv, sb.buf, &resp), 200);
	ck_assert_int_eq(num(resp.json, "created"), n);
	tu_resp_release(&resp);
	strbuf_release(&sb);

	json_t *b = NULL;
	/* By default as many values as a filter list shows. */
	ck_assert_int_eq(tu_get(&srv, "/search", &b, "q", "zonnezeil", NULL), 200);
	ck_assert_int_eq(num(b, "total"), n);
	ck_assert_uint_eq(json_array_size(json_object_get(json_object_get(b, "facets"), "brand")), 10);
	json_decref(b);
	ck_assert_int_eq(tu_get(&srv, "/search", &b, "q", "zonnezeil", "facet_limit", "0", NULL), 400);
	json_decref(b);
	ck_assert_int_eq(tu_get(&srv, "/search", &b, "q", "zonnezeil", "facet_limit", "50", NULL), 200);
	ck_assert_int_eq(num(b, "total"), n);
	json_t *brands = json_object_get(json_object_get(b, "facets"), "brand");
	ck_assert_uint_eq(json_array_size(brands), 50);
	long prev = 3;
	size_t i;
	json_t *v;
	json_array_foreach(brands, i, v) {
		long c = num(v, "count");
		ck_assert_msg(c <= prev, "brand facet not most frequent first at %zu", i);
		prev = c;
		if (i < 5) {
			ck_assert_int_eq(c, 3);
			ck_assert_msg(strncmp(str(v, "value"), "Merk 0", 6) == 0, "%s", str(v, "value"));
		} else {
			ck_assert_int_eq(c, 1);
		}
	}
	/* Every price still counts in its bucket. */
	long priced = 0;
	json_array_foreach(json_object_get(json_object_get(b, "facets"), "price"), i, v)
		priced += num(v, "count");
	ck_assert_int_eq(priced, n);
	json_decref(b);
}
END_TEST

START_TEST(test_bulk_refused_whole)
{
	struct tu_resp resp;
	/* Line numbers count every line, blank ones too; every bad line is
	 * listed; the good ones are not written either. */
	const char *mixed =
	    "{\"id\":\"bulk-hangmat-1\",\"title\":\"Hangmat Siesta\"}\n"
	    "{\"id\":\"bulk-hangmat-2\",\"title\":\"Hangmat Siësta\"\n"
	    "\n"
	    "{\"id\":\"bulk-hangmat-1\",\"title\":\"Hangmat Fiesta\"}\n"
	    "{\"id\":\"bulk-hangmat-3\",\"type\":\"hangmat\",\"title\":\"Hangmat\"}\n"
	    "{\"id\":\"bulk-hangmat-4\",\"title\":\"Hangmatstandaard\"}\n";
	ck_assert_int_eq(post_bulk(&srv, mixed, &resp), 400);
	ck_assert_str_eq(error_code(resp.json), "bad_request");
	assert_contains(error_message(resp.json), "3 lines are not valid documents");
	assert_contains(error_message(resp.json), "nothing was written");
	json_t *errors = json_object_get(json_object_get(resp.json, "error"), "errors");
	ck_assert_uint_eq(json_array_size(errors), 3);
	ck_assert_int_eq(num(json_array_get(errors, 0), "line"), 2);
	assert_contains(str(json_array_get(errors, 0), "message"), "invalid JSON");
	ck_assert_int_eq(num(json_array_get(errors, 1), "line"), 4);
	assert_contains(str(json_array_get(errors, 1), "message"),
	                "duplicate id 'bulk-hangmat-1' (first on line 1)");
	ck_assert_int_eq(num(json_array_get(errors, 2), "line"), 5);
	assert_contains(str(json_array_get(errors, 2), "message"), "\"type\"");
	tu_resp_release(&resp);
	ck_assert_uint_eq(rank_of(&srv, "hangmat", "bulk-hangmat-1", NULL), 0);
	ck_assert_uint_eq(rank_of(&srv, "hangmatstandaard", "bulk-hangmat-4", NULL), 0);

	/* Many bad lines: the first 100 are listed, all are counted. */
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < 150; i++)
		strbuf_addf(&sb, "{\"id\":\"bulk-leeg-%d\"}\n", i);
	ck_assert_int_eq(post_bulk(&srv, sb.buf, &resp), 400);
	ck_assert_uint_eq(
	    json_array_size(json_object_get(json_object_get(resp.json, "error"), "errors")), 100);
	assert_contains(error_message(resp.json), "150 lines");
	tu_resp_release(&resp);
	strbuf_release(&sb);

	/* Nothing to publish, UTF-16, form data. */
	ck_assert_int_eq(post_bulk(&srv, "\n \n", &resp), 400);
	assert_contains(error_message(resp.json), "no documents");
	tu_resp_release(&resp);
	const char utf16[] = "\xff\xfe{\0\"\0i\0d\0\"\0:\0\"\0x\0\"\0}\0";
	struct tu_req rq = {"POST", "/documents", (const char *[]){AUTH, NDJSON_TYPE, NULL}, utf16,
	                    sizeof utf16 - 1};
	ck_assert_int_eq(tu_request(&srv, &rq, &resp), 400);
	assert_contains(error_message(resp.json), "UTF-16");
	tu_resp_release(&resp);
	ck_assert_int_eq(send2(&srv, "POST", "/documents", AUTH,
	                       "Content-Type: application/x-www-form-urlencoded",
	                       "{\"id\":\"bulk-hangmat-1\",\"title\":\"Hangmat Siesta\"}", &resp),
	                 415);
	tu_resp_release(&resp);
	ck_assert_uint_eq(rank_of(&srv, "hangmat", "bulk-hangmat-1", NULL), 0);
}
END_TEST

/* ------------------------------------------- the indexer and live writes */

START_TEST(test_indexer_keeps_live_documents)
{
	char *d = tu_tmpdir();
	char *ldb = xasprintf("%s/db", d), *site = xasprintf("%s/site", d);
	char *indexer = tu_program("indexer");
	char *cmd = xasprintf("%s --lock-wait 30 --db '%s' '%s'", indexer, ldb, site);
	const char *feed =
	    "{\"id\":\"f1\",\"title\":\"Bank Oslo\",\"body\":\"Tuinbank van hout.\"}\n"
	    "{\"id\":\"f2\",\"title\":\"Stoel Oslo\",\"body\":\"Tuinstoel van hout.\"}\n"
	    "{\"id\":\"f3\",\"title\":\"Tafel Oslo\",\"body\":\"Tuintafel van hout.\"}\n";
	tu_write(site, "feed.ndjson", feed);
	char *out = NULL;
	ck_assert_int_eq(tu_run(cmd, &out), 0);
	assert_contains(out, "3 added");
	free(out);

	struct tu_server s;
	ck_assert(tu_server_start(&s, ldb,
	                          "--admin-key " ADMIN_KEY " --log-level error"));
	struct tu_resp resp;
	/* An editor corrects f2 live and adds a document of their own. */
	ck_assert_int_eq(
	    put_doc(&s, "/documents/f2",
	            "{\"title\":\"Stoel Oslo, nu met kussen\",\"body\":\"Tuinstoel.\"}", &resp),
	    200);
	ck_assert_str_eq(str(resp.json, "result"), "updated");
	tu_resp_release(&resp);
	ck_assert_int_eq(put_doc(&s, "/documents/z1", "{\"title\":\"Kussenbox\"}", &resp), 201);
	tu_resp_release(&resp);

	/* The batch run, with searchd still serving: the live f2 is kept and
	 * named, and the summary counts it. */
	ck_assert_int_eq(tu_run(cmd, &out), 0);
	assert_contains(out, "'f2' is a live document published through searchd; kept");
	assert_contains(out, "0 added, 0 updated, 2 unchanged, 0 removed; 1 live document kept; "
	                     "0 problems");
	free(out);
	char *t = stored_title(ldb, "f2");
	ck_assert_str_eq(t, "Stoel Oslo, nu met kussen");
	free(t);

	/* The feed is gone: its documents go, the live ones stay. */
	char *path = xasprintf("%s/feed.ndjson", site);
	unlink(path);
	tu_write(site, "other.ndjson", "{\"id\":\"o1\",\"title\":\"Parasol\"}\n");
	ck_assert_int_eq(tu_run(cmd, &out), 0);
	assert_contains(out, "1 added, 0 updated, 0 unchanged, 2 removed");
	free(out);
	ck_assert_uint_eq(doc_count(ldb), 3); /* o1, f2, z1 */
	t = stored_title(ldb, "f2");
	ck_assert_str_eq(t, "Stoel Oslo, nu met kussen");
	free(t);
	t = stored_title(ldb, "z1");
	ck_assert_str_eq(t, "Kussenbox");
	free(t);

	/* Deleted through the API, f2 is the feed's again. */
	ck_assert_int_eq(send2(&s, "DELETE", "/documents/f2", AUTH, NULL, NULL, &resp), 200);
	tu_resp_release(&resp);
	tu_write(site, "feed.ndjson", feed);
	ck_assert_int_eq(tu_run(cmd, &out), 0);
	assert_contains(out, "3 added");
	ck_assert_msg(!strstr(out, "live document"), "%s", out);
	free(out);
	t = stored_title(ldb, "f2");
	ck_assert_str_eq(t, "Stoel Oslo");
	free(t);
	ck_assert_int_eq(tu_server_stop(&s), 0);

	free(path);
	free(cmd);
	free(indexer);
	tu_rmrf(d);
	free(d);
	free(ldb);
	free(site);
}
END_TEST

START_TEST(test_indexer_waits_for_the_lock)
{
	char *ldb = NULL;
	char *d = small_index(&ldb);
	tu_write(d, "site/more.ndjson", "{\"id\":\"m1\",\"title\":\"Vuurkorf\"}\n");
	char *indexer = tu_program("indexer");
	xs_db *w = NULL;
	char *err = NULL;
	ck_assert_msg(xs_db_open(ldb, XS_DB_WRITE, &w, &err) == XS_OK, "%s", err);

	/* Held longer than --lock-wait: a clear failure, nothing changed. */
	char *cmd = xasprintf("%s --quiet --lock-wait 0.3 --db '%s' '%s/site'", indexer, ldb, d);
	char *out = NULL;
	ck_assert_int_eq(tu_run(cmd, &out), 1);
	assert_contains(out, "waiting up to 0.3 s");
	assert_contains(out, "still locked by another writer after 0.3 s");
	free(out);
	free(cmd);

	/* Released while it waits: it goes on. */
	cmd = xasprintf("%s --quiet --lock-wait 120 --db '%s' '%s/site' 2>&1", indexer, ldb, d);
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	char line[512];
	bool waiting = false;
	while (!waiting && fgets(line, sizeof line, p))
		waiting = strstr(line, "is locked by another writer; waiting up to 120 s") != NULL;
	ck_assert_msg(waiting, "the indexer did not say it waits");
	xs_db_close(w);
	struct strbuf rest = STRBUF_INIT;
	while (fgets(line, sizeof line, p))
		strbuf_addstr(&rest, line);
	int st = pclose(p);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "exit %d:\n%s", st, rest.buf);
	assert_contains(rest.buf, "got the lock after");
	assert_contains(rest.buf, "1 added");
	strbuf_release(&rest);
	free(cmd);
	char *t = stored_title(ldb, "m1");
	ck_assert_str_eq(t, "Vuurkorf");
	free(t);
	free(indexer);
	tu_rmrf(d);
	free(d);
	free(ldb);
}
END_TEST

START_TEST(test_locked_index_gives_503)
{
	char *ldb = NULL;
	char *d = small_index(&ldb);
	struct tu_server s;
	ck_assert(tu_server_start(&s, ldb,
	                          "--admin-key " ADMIN_KEY
	                          " --lock-wait 0.2 --log-level error"));
	xs_db *w = NULL;
	ck_assert_int_eq(xs_db_open(ldb, XS_DB_WRITE, &w, NULL), XS_OK);
	struct tu_resp resp;
	ck_assert_int_eq(put_doc(&s, "/documents/l1", "{\"title\":\"Vuurkorf\"}", &resp), 503);
	ck_assert_str_eq(error_code(resp.json), "index_locked");
	assert_contains(error_message(resp.json), "another writer");
	char *retry = tu_resp_header(&resp, "Retry-After");
	ck_assert_msg(retry && atoi(retry) > 0, "Retry-After: %s", retry);
	free(retry);
	tu_resp_release(&resp);
	ck_assert_int_eq(post_bulk(&s, "{\"id\":\"l2\",\"title\":\"Houtrek\"}\n", &resp), 503);
	ck_assert_str_eq(error_code(resp.json), "index_locked");
	tu_resp_release(&resp);
	ck_assert_int_eq(send2(&s, "DELETE", "/documents/seed", AUTH, NULL, NULL, &resp), 503);
	tu_resp_release(&resp);
	/* Searching goes on meanwhile. */
	json_t *b = NULL;
	ck_assert_int_eq(tu_get(&s, "/search", &b, "q", "welkom", NULL), 200);
	ck_assert_int_eq(num(b, "total"), 1);
	json_decref(b);
	xs_db_close(w);

	ck_assert_int_eq(put_doc(&s, "/documents/l1", "{\"title\":\"Vuurkorf\"}", &resp), 201);
	tu_resp_release(&resp);
	ck_assert_uint_eq(rank_of(&s, "vuurkorf", "l1", NULL), 1);
	ck_assert_int_eq(tu_server_stop(&s), 0);
	tu_rmrf(d);
	free(d);
	free(ldb);
}
END_TEST

/* The PUTs sent while the indexer runs, and what came back. */
#define MAX_PUTS 3000
struct putter {
	const struct tu_server *s;
	atomic_int sent;
	atomic_bool stop;
	long status[MAX_PUTS];
	char code[MAX_PUTS][32];
};

static void *put_loop(void *arg)
{
	struct putter *p = arg;
	int after_stop = 0;
	for (int i = 0; i < MAX_PUTS && after_stop < 5; i++) {
		/* Every fifth one corrects a record of the feed. */
		char path[64], doc[200];
		if (i % 5 == 0)
			snprintf(path, sizeof path, "/documents/feed-%d", i * 7 % 3000);
		else
			snprintf(path, sizeof path, "/documents/live-%d", i);
		snprintf(doc, sizeof doc, "{\"title\":\"Live %d\",\"body\":\"Door de redactie.\"}",
		         i);
		struct tu_resp resp;
		p->status[i] = put_doc(p->s, path, doc, &resp);
		snprintf(p->code[i], sizeof p->code[i], "%s",
		         resp.json ? str(json_object_get(resp.json, "error"), "code") : "");
		tu_resp_release(&resp);
		atomic_store(&p->sent, i + 1);
		if (atomic_load(&p->stop))
			after_stop++;
	}
	return NULL;
}

START_TEST(test_indexer_and_live_writes_together)
{
	char *ldb = NULL;
	char *d = small_index(&ldb);
	struct strbuf feed = STRBUF_INIT;
	for (int i = 0; i < 3000; i++)
		strbuf_addf(
		    &feed,
		    "{\"id\":\"feed-%d\",\"type\":\"product\",\"title\":\"Feed %d\",\"price\":%d,"
		    "\"body\":\"Artikel %d uit de export: een tuinartikel met een lange "
		    "beschrijving, maten, materialen en onderhoudstips.\"}\n",
		    i, i, i % 500 + 1, i);
	tu_write(d, "site/export.ndjson", feed.buf);
	strbuf_release(&feed);

	struct tu_server s;
	ck_assert(tu_server_start(
	    &s, ldb, "--admin-key " ADMIN_KEY " --lock-wait 2 --log-level error"));
	struct putter *p = xcalloc(1, sizeof *p);
	p->s = &s;
	pthread_t th;
	ck_assert_int_eq(pthread_create(&th, NULL, put_loop, p), 0);
	/* The indexer starts once the PUTs are flowing. */
	double deadline = now_seconds() + 30;
	while (atomic_load(&p->sent) < 3 && now_seconds() < deadline)
		nap_ms(1);
	ck_assert_int_ge(atomic_load(&p->sent), 3);
	char *indexer = tu_program("indexer");
	char *cmd = xasprintf("%s --quiet --lock-wait 120 --db '%s' '%s/site'", indexer, ldb, d);
	char *out = NULL;
	int st = tu_run(cmd, &out);
	atomic_store(&p->stop, true);
	pthread_join(th, NULL);
	ck_assert_msg(st == 0, "indexer exit %d:\n%s", st, out);
	assert_contains(out, "indexed ");
	ck_assert_int_eq(tu_server_stop(&s), 0);

	/* No failure but the clear 503; every accepted PUT is there with its
	 * text, every other feed record with the feed's. */
	int n = atomic_load(&p->sent), ok = 0, refused = 0;
	json_t *live_ids = json_object();
	for (int i = 0; i < n; i++) {
		if (p->status[i] == 200 || p->status[i] == 201) {
			ok++;
			char id[32], title[32];
			if (i % 5 == 0)
				snprintf(id, sizeof id, "feed-%d", i * 7 % 3000);
			else
				snprintf(id, sizeof id, "live-%d", i);
			snprintf(title, sizeof title, "Live %d", i);
			json_object_set_new(live_ids, id, json_string(title));
		} else {
			ck_assert_msg(p->status[i] == 503 &&
			                  strcmp(p->code[i], "index_locked") == 0,
			              "PUT %d: %ld %s", i, p->status[i], p->code[i]);
			refused++;
		}
	}
	ck_assert_int_gt(ok, 0);
	xs_db *r = NULL;
	ck_assert_int_eq(xs_db_open(ldb, XS_DB_READ, &r, NULL), XS_OK);
	unsigned long count = 0;
	ck_assert_int_eq(xs_db_doc_count(r, &count, NULL), XS_OK);
	unsigned long live_only = 0;
	const char *id;
	json_t *v;
	json_object_foreach(live_ids, id, v)
	{
		char *data = NULL;
		ck_assert_msg(xs_db_get_data(r, id, &data, NULL, NULL) == XS_OK, "%s is lost", id);
		json_t *rec = json_loads(data, 0, NULL);
		ck_assert_msg(strcmp(str(rec, "title"), json_string_value(v)) == 0,
		              "%s: '%s' instead of the editor's '%s'", id, str(rec, "title"),
		              json_string_value(v));
		json_decref(rec);
		xs_free(data);
		live_only += strncmp(id, "live-", 5) == 0;
	}
	for (int i = 0; i < 3000; i++) {
		char fid[32], title[32];
		snprintf(fid, sizeof fid, "feed-%d", i);
		if (json_object_get(live_ids, fid))
			continue;
		snprintf(title, sizeof title, "Feed %d", i);
		char *data = NULL;
		ck_assert_msg(xs_db_get_data(r, fid, &data, NULL, NULL) == XS_OK, "%s is lost",
		              fid);
		json_t *rec = json_loads(data, 0, NULL);
		ck_assert_str_eq(str(rec, "title"), title);
		json_decref(rec);
		xs_free(data);
	}
	/* seed + the feed + the live-only documents, nothing else. */
	ck_assert_uint_eq(count, 1 + 3000 + live_only);
	xs_db_close(r);
	const char *got = strstr(out, "got the lock after");
	fprintf(stderr,
	        "test_live: %d PUTs around an indexer run: %d stored, %d refused (503); "
	        "indexer %.*s\n",
	        n, ok, refused, got ? (int)strcspn(got, "\n") : 19, got ? got : "never waited");

	json_decref(live_ids);
	free(out);
	free(cmd);
	free(indexer);
	free(p);
	tu_rmrf(d);
	free(d);
	free(ldb);
}
END_TEST

/* ---------------------------------------------------- SIGTERM, SIGKILL */

/*
 * A bulk POST that tells the test where it is: it asks for
 * "100-continue", so searchd has begun the request (its handler was
 * called with the headers) before the first byte of the body is read;
 * after half of the body it waits until the test has sent its signal.
 */
struct slow_post {
	const struct tu_server *s;
	const char *body;
	size_t len, pos;
	bool pause_at_half;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool halfway, signalled, finished;
	long status;
	json_t *json;
};

static size_t slow_read(char *buf, size_t size, size_t n, void *ctx)
{
	struct slow_post *sp = ctx;
	size_t want = size * n, half = sp->len / 2;
	if (sp->pos < half && want > half - sp->pos)
		want = half - sp->pos;
	if (!sp->pause_at_half)
		half = sp->len;
	if (sp->pos == half && sp->pause_at_half) {
		pthread_mutex_lock(&sp->mu);
		sp->halfway = true;
		pthread_cond_broadcast(&sp->cv);
		while (!sp->signalled)
			pthread_cond_wait(&sp->cv, &sp->mu);
		pthread_mutex_unlock(&sp->mu);
	}
	if (want > sp->len - sp->pos)
		want = sp->len - sp->pos;
	memcpy(buf, sp->body + sp->pos, want);
	sp->pos += want;
	return want;
}

static size_t slow_write(char *data, size_t size, size_t n, void *ctx)
{
	strbuf_add(ctx, data, size * n);
	return size * n;
}

static void *slow_post_run(void *arg)
{
	struct slow_post *sp = arg;
	CURL *c = curl_easy_init();
	struct strbuf got = STRBUF_INIT;
	char *url = xasprintf("http://127.0.0.1:%u/documents", sp->s->port);
	struct curl_slist *hs = NULL;
	hs = curl_slist_append(hs, AUTH);
	hs = curl_slist_append(hs, NDJSON_TYPE);
	hs = curl_slist_append(hs, "Expect: 100-continue");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hs);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, slow_read);
	curl_easy_setopt(c, CURLOPT_READDATA, sp);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)sp->len);
	curl_easy_setopt(c, CURLOPT_EXPECT_100_TIMEOUT_MS, 120000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, slow_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &got);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 300L);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &sp->status);
	sp->json = got.len ? json_loadb(got.buf, got.len, 0, NULL) : NULL;
	pthread_mutex_lock(&sp->mu);
	sp->finished = true;
	sp->halfway = true; /* a failed transfer must not leave the test waiting */
	pthread_cond_broadcast(&sp->cv);
	pthread_mutex_unlock(&sp->mu);
	strbuf_release(&got);
	curl_slist_free_all(hs);
	free(url);
	curl_easy_cleanup(c);
	return NULL;
}

/* Start the bulk, wait until half of it is sent, send sig to the server,
 * let the bulk go on; the thread is left to the caller to join. */
static void post_and_signal(struct slow_post *sp, pthread_t *th, pid_t pid, int sig)
{
	pthread_mutex_init(&sp->mu, NULL);
	pthread_cond_init(&sp->cv, NULL);
	ck_assert_int_eq(pthread_create(th, NULL, slow_post_run, sp), 0);
	pthread_mutex_lock(&sp->mu);
	while (!sp->halfway)
		pthread_cond_wait(&sp->cv, &sp->mu);
	bool ok = !sp->finished;
	if (ok)
		kill(pid, sig);
	sp->signalled = true;
	pthread_cond_broadcast(&sp->cv);
	pthread_mutex_unlock(&sp->mu);
	ck_assert_msg(ok, "the bulk ended before it was half sent (status %ld)", sp->status);
}

/*
 * Whether a process holds the index's write lock, found without taking
 * it: Xapian's glass backend holds an OFD write lock on byte 0 of
 * DB/flintlock while a writer has the index open.  searchd's writer holds
 * it from opening the index to the end of its commit.
 */
static bool write_locked(const char *dbpath)
{
	char *path = xasprintf("%s/flintlock", dbpath);
	int fd = open(path, O_RDWR);
	free(path);
	if (fd < 0)
		return false;
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
	bool locked = fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
	close(fd);
	return locked;
}

/* Start the whole bulk and send sig to the server as soon as searchd is
 * seen writing it; the thread is left to the caller to join. */
static void post_and_signal_while_writing(struct slow_post *sp, pthread_t *th, const char *dbpath,
                                          pid_t pid, int sig)
{
	pthread_mutex_init(&sp->mu, NULL);
	pthread_cond_init(&sp->cv, NULL);
	ck_assert_int_eq(pthread_create(th, NULL, slow_post_run, sp), 0);
	double deadline = now_seconds() + 300;
	bool writing = false, finished = false;
	while (!writing && !finished && now_seconds() < deadline) {
		writing = write_locked(dbpath);
		if (writing)
			kill(pid, sig);
		else
			nap_ms(1);
		pthread_mutex_lock(&sp->mu);
		finished = sp->finished;
		pthread_mutex_unlock(&sp->mu);
	}
	ck_assert_msg(writing, "searchd was never seen writing the bulk (status %ld)", sp->status);
}

/* searchd's exit status after a signal already sent. */
static int wait_exit(struct tu_server *s)
{
	int st = 0;
	waitpid(s->pid, &st, 0);
	s->pid = 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A bulk of 3000 records, SIGTERM while it is in flight (while its body
 * is still coming in, or while searchd writes it): a complete reply, and
 * every record committed. */
static void sigterm_during_bulk(bool while_writing)
{
	char *ldb = NULL;
	char *d = small_index(&ldb);
	struct tu_server s;
	ck_assert(tu_server_start(&s, ldb,
	                          "--admin-key " ADMIN_KEY
	                          " --drain-timeout 300 --log-level error"));
	char *body = bulk_body(3000, "afdekzeil");
	struct slow_post sp = {
	    .s = &s, .body = body, .len = strlen(body), .pause_at_half = !while_writing};
	pthread_t th;
	if (while_writing)
		post_and_signal_while_writing(&sp, &th, ldb, s.pid, SIGTERM);
	else
		post_and_signal(&sp, &th, s.pid, SIGTERM);
	pthread_join(th, NULL);
	ck_assert_int_eq(wait_exit(&s), 0);

	ck_assert_int_eq(sp.status, 200);
	ck_assert_int_eq(num(sp.json, "created"), 3000);
	ck_assert_uint_eq(doc_count(ldb), 3001);
	char *t = stored_title(ldb, "bulk-2999");
	ck_assert_str_eq(t, "Vraag 2999 over afdekzeil");
	free(t);
	/* Served again, it finds them. */
	ck_assert(tu_server_start(&s, ldb, "--log-level error"));
	json_t *b = NULL;
	ck_assert_int_eq(tu_get(&s, "/search", &b, "q", "afdekzeil", NULL), 200);
	ck_assert_int_eq(num(b, "total"), 3000);
	json_decref(b);
	ck_assert_int_eq(tu_server_stop(&s), 0);

	json_decref(sp.json);
	pthread_mutex_destroy(&sp.mu);
	pthread_cond_destroy(&sp.cv);
	free(body);
	tu_rmrf(d);
	free(d);
	free(ldb);
}

START_TEST(test_sigterm_during_upload_commits_the_bulk)
{
	sigterm_during_bulk(false);
}
END_TEST

START_TEST(test_sigterm_during_write_commits_the_bulk)
{
	sigterm_during_bulk(true);
}
END_TEST

START_TEST(test_killed_bulk_lands_whole_or_not_at_all)
{
	char *ldb = NULL;
	char *d = small_index(&ldb);
	struct tu_server s;
	ck_assert(tu_server_start(&s, ldb,
	                          "--admin-key " ADMIN_KEY " --log-level error"));
	char *body = bulk_body(3000, "grondanker");
	struct slow_post sp = {.s = &s, .body = body, .len = strlen(body)};
	pthread_t th;
	/* Killed while it writes (anywhere from its first document to its
	 * commit): the transaction is all or nothing. */
	post_and_signal_while_writing(&sp, &th, ldb, s.pid, SIGKILL);
	pthread_join(th, NULL);
	wait_exit(&s);
	unsigned long n = doc_count(ldb);
	ck_assert_msg(n == 1 || n == 3001, "%lu documents: the bulk half landed", n);
	if (sp.status == 200)
		ck_assert_uint_eq(n, 3001);
	/* The index is whole: it serves and takes writes again. */
	ck_assert(tu_server_start(&s, ldb,
	                          "--admin-key " ADMIN_KEY " --log-level error"));
	struct tu_resp resp;
	ck_assert_int_eq(post_bulk(&s, body, &resp), 200);
	ck_assert_int_eq(num(resp.json, "created") + num(resp.json, "unchanged"), 3000);
	tu_resp_release(&resp);
	ck_assert_int_eq(tu_server_stop(&s), 0);
	ck_assert_uint_eq(doc_count(ldb), 3001);

	json_decref(sp.json);
	pthread_mutex_destroy(&sp.mu);
	pthread_cond_destroy(&sp.cv);
	free(body);
	tu_rmrf(d);
	free(d);
	free(ldb);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("live");
	TCase *tc = tcase_create("documents");
	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_keys_refused_and_never_logged);
	tcase_add_test(tc, test_writes_disabled_without_admin_key);
	tcase_add_test(tc, test_publish_update_delete_in_search);
	tcase_add_test(tc, test_put_ids);
	tcase_add_test(tc, test_put_refuses_bad_documents);
	tcase_add_test(tc, test_bulk_publish);
	tcase_add_test(tc, test_facets_list_the_most_frequent_values);
	tcase_add_test(tc, test_bulk_refused_whole);
	tcase_add_test(tc, test_indexer_keeps_live_documents);
	tcase_add_test(tc, test_indexer_waits_for_the_lock);
	tcase_add_test(tc, test_locked_index_gives_503);
	tcase_add_test(tc, test_indexer_and_live_writes_together);
	tcase_add_test(tc, test_sigterm_during_upload_commits_the_bulk);
	tcase_add_test(tc, test_sigterm_during_write_commits_the_bulk);
	tcase_add_test(tc, test_killed_bulk_lands_whole_or_not_at_all);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	/* One process: the fixture's server is shared by every test. */
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
