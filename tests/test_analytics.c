/*
 * test_analytics.c - what searchd learns from its searches, end to end:
 * the real indexer indexes content/, the real searchd serves it, and the
 * tests act as a storefront (searches with a session, clicks, "was this
 * helpful?" votes) and as the shop's editor (the reports, approving a
 * synonym).  Votes move a ranking; a synonym is proposed from two
 * sessions, approved and applied live and to the synonyms file; analytics
 * and decisions survive a restart; an event log with bursts of typing and
 * a torn last line is replayed as the README says.  Plus the shim's query
 * forms the counting relies on, from plain C.
 */
#define _GNU_SOURCE
#include <check.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testutil.h"
#include "util.h"
#include "xs_analytics.h"

#define ADMIN "admin-key-0123456789"

static const char *const admin[] = {"Authorization: Bearer " ADMIN, NULL};

static char *dir, *db, *synonyms, *data;
static struct tu_server srv;

/* searchd's flags for a data directory; stderr goes to dir/stderr.log. */
static char *flags(const char *data_dir)
{
	return xasprintf("--admin-key " ADMIN " --data '%s' --synonyms '%s' "
	                 "2>>'%s/stderr.log'",
	                 data_dir, synonyms, dir);
}

static void start(struct tu_server *s, const char *data_dir)
{
	char *f = flags(data_dir);
	ck_assert_msg(tu_server_start(s, db, f), "searchd did not start with %s", f);
	free(f);
}

/* Once for the suite: index content/ with a copy of its synonyms (the
 * approvals append to it), and start the shared searchd. */
static void suite_setup(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	dir = tu_tmpdir();
	db = xasprintf("%s/db", dir);
	synonyms = xasprintf("%s/synonyms.txt", dir);
	data = xasprintf("%s/data", dir);
	char *text = NULL, *err = NULL;
	size_t len;
	if (read_file("content/synonyms.txt", 1 << 20, &text, &len, &err) != 0) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	tu_write_bytes(dir, "synonyms.txt", text, len);
	free(text);
	char *indexer = tu_program("indexer");
	char *cmd =
	    xasprintf("%s --quiet --db '%s' --synonyms '%s' content", indexer, db, synonyms);
	char *out = NULL;
	if (tu_run(cmd, &out) != 0) {
		fprintf(stderr, "indexing content/ failed:\n%s\n", out);
		abort();
	}
	free(out);
	free(cmd);
	free(indexer);
	char *f = flags(data);
	if (!tu_server_start(&srv, db, f)) {
		fprintf(stderr, "searchd did not start\n");
		abort();
	}
	free(f);
}

static void suite_teardown(void)
{
	tu_server_stop(&srv);
	tu_rmrf(dir);
	free(dir);
	free(db);
	free(synonyms);
	free(data);
	curl_global_cleanup();
}

/* ---------------------------------------------------------- helpers */

static const char *str(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : "";
}

static long num(json_t *obj, const char *key)
{
	return (long)json_integer_value(json_object_get(obj, key));
}

static json_t *hit(json_t *body, size_t i)
{
	return json_array_get(json_object_get(body, "hits"), i);
}

/* 1-based rank of id in a /search reply, 0 when absent. */
static size_t rank_of(json_t *body, const char *id)
{
	for (size_t i = 0; i < json_array_size(json_object_get(body, "hits")); i++)
		if (strcmp(str(hit(body, i), "id"), id) == 0)
			return i + 1;
	return 0;
}

/* A search as a storefront makes it (session may be NULL). */
static json_t *search(const struct tu_server *s, const char *q, const char *session)
{
	json_t *b = NULL;
	long code = session
	                ? tu_get(s, "/search", &b, "q", q, "limit", "20", "session", session, NULL)
	                : tu_get(s, "/search", &b, "q", q, "limit", "20", NULL);
	ck_assert_msg(code == 200, "search '%s' gave %ld", q, code);
	return b;
}

static long post(const struct tu_server *s, const char *path, const char *const *headers,
                 json_t *body, json_t **reply)
{
	char *text = json_dumps(body, JSON_COMPACT);
	struct tu_req rq = {"POST", path, headers, text, 0};
	struct tu_resp resp;
	long code = tu_request(s, &rq, &resp);
	if (reply) {
		*reply = resp.json;
		resp.json = NULL;
	}
	tu_resp_release(&resp);
	free(text);
	json_decref(body);
	return code;
}

/* POST a raw body; returns the status, *reply the JSON. */
static long post_raw(const struct tu_server *s, const char *path, const char *body, size_t len,
                     json_t **reply)
{
	struct tu_req rq = {"POST", path, NULL, body, len};
	struct tu_resp resp;
	long code = tu_request(s, &rq, &resp);
	*reply = resp.json;
	resp.json = NULL;
	tu_resp_release(&resp);
	return code;
}

static void click(const struct tu_server *s, const char *q, const char *id, const char *session)
{
	json_t *body = json_pack("{s:s,s:s,s:i}", "q", q, "id", id, "rank", 1);
	if (session)
		json_object_set_new(body, "session", json_string(session));
	json_t *reply = NULL;
	ck_assert_int_eq(post(s, "/click", NULL, body, &reply), 200);
	ck_assert(json_is_true(json_object_get(reply, "recorded")));
	json_decref(reply);
}

/* A vote; returns the reply (the document's totals). */
static json_t *vote(const struct tu_server *s, const char *id, bool helpful, const char *session)
{
	json_t *body = json_pack("{s:s,s:b}", "id", id, "helpful", helpful);
	if (session)
		json_object_set_new(body, "session", json_string(session));
	json_t *reply = NULL;
	ck_assert_int_eq(post(s, "/feedback", NULL, body, &reply), 200);
	return reply;
}

static json_t *admin_get(const struct tu_server *s, const char *path)
{
	struct tu_req rq = {"GET", path, admin, NULL, 0};
	struct tu_resp resp;
	ck_assert_msg(tu_request(s, &rq, &resp) == 200, "GET %s: %ld %s", path, resp.status,
	              resp.body);
	json_t *j = resp.json;
	resp.json = NULL;
	tu_resp_release(&resp);
	return j;
}

static const char *error_code(json_t *body)
{
	json_t *e = json_object_get(body, "error");
	ck_assert_msg(json_is_object(e), "no error object");
	ck_assert_msg(*str(e, "message"), "error without a message");
	return str(e, "code");
}

/* The entry of array whose key is value, NULL when none. */
static json_t *find(json_t *array, const char *key, const char *value)
{
	size_t i;
	json_t *e;
	json_array_foreach(array, i, e) if (strcmp(str(e, key), value) == 0) return e;
	return NULL;
}

static json_t *proposal(json_t *list, const char *from, const char *to)
{
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(list, "proposals"), i,
	                   p) if (strcmp(str(p, "from"), from) == 0 &&
	                          strcmp(str(p, "to"), to) == 0) return p;
	return NULL;
}

static json_t *decision(json_t *list, const char *from, const char *to)
{
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(list, "decided"), i,
	                   p) if (strcmp(str(p, "from"), from) == 0 &&
	                          strcmp(str(p, "to"), to) == 0) return p;
	return NULL;
}

/* The visit of a customer whose word finds nothing: the word, then a
 * reformulation, then (when id) a click on its hit. */
static void reformulating_visit(const struct tu_server *s, const char *session, const char *word,
                                const char *better, const char *id)
{
	json_t *b = search(s, word, session);
	ck_assert_msg(num(b, "total") == 0, "'%s' finds %ld", word, num(b, "total"));
	json_decref(b);
	b = search(s, better, session);
	ck_assert_msg(!id || rank_of(b, id) >= 1, "'%s' does not find %s", better, id);
	json_decref(b);
	if (id && session)
		click(s, better, id, session);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* The whole file; the test fails when it cannot be read. */
static char *file_text(const char *path)
{
	char *text = NULL, *err = NULL;
	size_t len;
	if (read_file(path, 1 << 24, &text, &len, &err) != 0)
		ck_abort_msg("%s", err);
	return text;
}

/* ------------------------------------------------------------ shim */

static char *normal(const char *text)
{
	char *out = NULL, *err = NULL;
	ck_assert_int_eq(xs_text_normalize(text, &out, &err), XS_OK);
	char *copy = xstrdup(out);
	xs_free(out);
	return copy;
}

static char *group_key(const char *text, const char *lang)
{
	char *out = NULL, *err = NULL;
	ck_assert_int_eq(xs_text_group_key(text, lang, &out, &err), XS_OK);
	char *copy = xstrdup(out);
	xs_free(out);
	return copy;
}

START_TEST(test_query_forms)
{
	static const char *const normals[][2] = {
	    {"  Zwembad  VULLEN? ", "zwembad vullen"},
	    {"USB-C kabel", "usb-c kabel"},
	    {"Ideeën voor de tuin", "ideeen voor de tuin"},
	    {"\"filter voor het zwembad\"", "filter voor het zwembad"},
	    {"a++ warmtepomp", "a++ warmtepomp"},
	    {"?!", ""},
	    {"", ""},
	};
	for (size_t i = 0; i < sizeof normals / sizeof *normals; i++) {
		char *n = normal(normals[i][0]);
		ck_assert_msg(strcmp(n, normals[i][1]) == 0, "'%s' gave '%s'", normals[i][0], n);
		free(n);
	}
	/* One form, whatever the order, inflection, stop words or case. */
	char *a = group_key("pakketten retourneren", "nl");
	char *b = group_key("Hoe kan ik een pakket retourneren?", "nl");
	char *c = group_key("retourneren pakket", NULL);
	ck_assert_str_eq(a, b);
	ck_assert_str_eq(a, c);
	char *d = group_key("pakket bezorgen", "nl");
	ck_assert_str_ne(a, d);
	free(a);
	free(b);
	free(c);
	free(d);
	/* Only stop words: they are the key. */
	a = group_key("Hoe?", "nl");
	ck_assert_str_eq(a, "hoe");
	free(a);
	a = group_key("returns", "en");
	b = group_key("return", "en");
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	char *out = NULL, *err = NULL;
	ck_assert_int_eq(xs_text_group_key("x", "fr", &out, &err), XS_ERR_INVALID);
	ck_assert_ptr_nonnull(err);
	xs_free(err);
}
END_TEST

/* ---------------------------------------------------------- ranking */

START_TEST(test_votes_move_a_ranking)
{
	const char *page = "retourneren.html", *faq = "faq/retourneren.html#bestelling-retourneren";
	json_t *newest = NULL;
	ck_assert_int_eq(tu_get(&srv, "/search", &newest, "q", "retourneren", "sort", "newest",
	                        "limit", "20", NULL),
	                 200);
	/* Two answers that rank close: the page first, the FAQ second. */
	json_t *b = search(&srv, "retourneren", NULL);
	ck_assert_int_eq(rank_of(b, page), 1);
	ck_assert_int_eq(rank_of(b, faq), 2);
	ck_assert_ptr_null(json_object_get(hit(b, 1), "helpful"));
	json_decref(b);

	/* Customers found the FAQ helpful, one vote per visit. */
	for (int i = 0; i < 12; i++) {
		char session[32];
		snprintf(session, sizeof session, "voter-%08d", i);
		json_t *r = vote(&srv, faq, true, session);
		ck_assert_int_eq(num(json_object_get(r, "votes"), "yes"), i + 1);
		json_decref(r);
	}
	b = search(&srv, "retourneren", NULL);
	ck_assert_int_eq(rank_of(b, faq), 1);
	ck_assert_int_eq(rank_of(b, page), 2);
	json_t *h = json_object_get(hit(b, 0), "helpful");
	ck_assert_int_eq(num(h, "yes"), 12);
	ck_assert_int_eq(num(h, "no"), 0);
	ck_assert_ptr_null(json_object_get(hit(b, 1), "helpful"));
	/* Scores stay in order: the FAQ's carries the boost. */
	double prev = 1e300;
	for (size_t i = 0; i < json_array_size(json_object_get(b, "hits")); i++) {
		double score = json_real_value(json_object_get(hit(b, i), "score"));
		ck_assert_msg(score <= prev, "scores out of order at %zu", i);
		prev = score;
	}
	json_decref(b);
	/* Pages are cut from the re-ranked list. */
	ck_assert_int_eq(
	    tu_get(&srv, "/search", &b, "q", "retourneren", "limit", "1", "offset", "1", NULL),
	    200);
	ck_assert_str_eq(str(hit(b, 0), "id"), page);
	json_decref(b);
	/* Other orders than relevance are left alone. */
	ck_assert_int_eq(
	    tu_get(&srv, "/search", &b, "q", "retourneren", "sort", "newest", "limit", "20", NULL),
	    200);
	ck_assert_uint_gt(json_array_size(json_object_get(b, "hits")), 2);
	for (size_t i = 0; i < json_array_size(json_object_get(b, "hits")); i++)
		ck_assert_str_eq(str(hit(b, i), "id"), str(hit(newest, i), "id"));
	json_decref(newest);
	json_decref(b);

	/* Votes against an answer push it down among its near equals. */
	const char *late = "faq/retourneren.html#retour-buiten-termijn";
	b = search(&srv, "retourneren", NULL);
	size_t before = rank_of(b, late);
	ck_assert_int_ge(before, 2);
	json_decref(b);
	for (int i = 0; i < 12; i++) {
		char session[32];
		snprintf(session, sizeof session, "critic-%08d", i);
		json_decref(vote(&srv, late, false, session));
	}
	b = search(&srv, "retourneren", NULL);
	ck_assert_msg(rank_of(b, late) > before, "rank %zu, was %zu", rank_of(b, late), before);
	ck_assert_int_eq(num(json_object_get(hit(b, rank_of(b, late) - 1), "helpful"), "no"), 12);
	json_decref(b);

	/* A clearly better match stays first, whatever the votes. */
	const char *best = "faq/garantie.html#garantie-zonder-bon", *other = "garantie.html";
	b = search(&srv, "garantie", NULL);
	ck_assert_int_eq(rank_of(b, best), 1);
	size_t other_rank = rank_of(b, other);
	ck_assert_int_ge(other_rank, 2);
	json_decref(b);
	for (int i = 0; i < 20; i++) {
		char session[32];
		snprintf(session, sizeof session, "fan-%08d", i);
		json_decref(vote(&srv, other, true, session));
	}
	b = search(&srv, "garantie", NULL);
	ck_assert_int_eq(rank_of(b, best), 1);
	ck_assert_int_le(rank_of(b, other), other_rank);
	ck_assert_int_eq(num(json_object_get(hit(b, rank_of(b, other) - 1), "helpful"), "yes"), 20);
	json_decref(b);
}
END_TEST

START_TEST(test_one_vote_per_session)
{
	const char *id = "faq/garantie.html#garantietermijn";
	json_t *r = vote(&srv, id, false, "changing-mind-1");
	ck_assert_int_eq(num(json_object_get(r, "votes"), "yes"), 0);
	ck_assert_int_eq(num(json_object_get(r, "votes"), "no"), 1);
	ck_assert_str_eq(str(r, "id"), id);
	ck_assert(json_is_false(json_object_get(r, "helpful")));
	json_decref(r);
	/* A changed mind replaces the vote; the same vote again is one. */
	for (int i = 0; i < 2; i++) {
		r = vote(&srv, id, true, "changing-mind-1");
		ck_assert_int_eq(num(json_object_get(r, "votes"), "yes"), 1);
		ck_assert_int_eq(num(json_object_get(r, "votes"), "no"), 0);
		json_decref(r);
	}
	/* Without a session each vote counts. */
	json_decref(vote(&srv, id, true, NULL));
	r = vote(&srv, id, false, NULL);
	ck_assert_int_eq(num(json_object_get(r, "votes"), "yes"), 2);
	ck_assert_int_eq(num(json_object_get(r, "votes"), "no"), 1);
	json_decref(r);
}
END_TEST

START_TEST(test_bad_clicks_votes_and_reports)
{
	static const struct {
		const char *path, *body, *says;
	} bad[] = {
	    {"/feedback", "", "must be a JSON object"},
	    {"/feedback", "{\"id\": \"x\",", "not valid JSON"},
	    {"/feedback", "[\"retourneren.html\"]", "must be a JSON object"},
	    {"/feedback", "{\"id\": \"retourneren.html\", \"helpful\": \"yes\"}", "'helpful'"},
	    {"/feedback", "{\"id\": \"retourneren.html\"}", "'helpful'"},
	    {"/feedback", "{\"helpful\": true}", "missing field 'id'"},
	    {"/feedback", "{\"id\": 7, \"helpful\": true}", "'id'"},
	    {"/feedback", "{\"id\": \"\", \"helpful\": true}", "'id'"},
	    {"/feedback", "{\"id\": \"retourneren.html\", \"helpful\": true, \"stars\": 5}",
	     "unknown field 'stars'"},
	    {"/feedback",
	     "{\"id\": \"retourneren.html\", \"helpful\": true, \"session\": \"short\"}",
	     "'session'"},
	    {"/feedback",
	     "{\"id\": \"retourneren.html\", \"helpful\": true, \"session\": \"has spaces in it\"}",
	     "'session'"},
	    {"/feedback", "{\"id\": \"a\", \"id\": \"b\", \"helpful\": true}", "not valid JSON"},
	    {"/click", "{\"id\": \"retourneren.html\"}", "missing field 'q'"},
	    {"/click", "{\"q\": \"retour\", \"id\": \"retourneren.html\", \"rank\": 0}", "'rank'"},
	    {"/click", "{\"q\": \"retour\", \"id\": \"retourneren.html\", \"rank\": \"1\"}",
	     "'rank'"},
	    {"/click", "{\"q\": null, \"id\": \"retourneren.html\"}", "'q'"},
	};
	json_t *b = NULL;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		long code = post_raw(&srv, bad[i].path, bad[i].body, 0, &b);
		ck_assert_msg(code == 400, "%s %s gave %ld", bad[i].path, bad[i].body, code);
		ck_assert_str_eq(error_code(b), "bad_request");
		const char *msg = str(json_object_get(b, "error"), "message");
		ck_assert_msg(strstr(msg, bad[i].says) != NULL, "%s: '%s'", bad[i].body, msg);
		json_decref(b);
	}
	/* Invalid UTF-8 in a body: a reason, not a crash. */
	static const char latin1[] = "{\"q\": \"caf\xe9\", \"id\": \"retourneren.html\"}";
	ck_assert_int_eq(post_raw(&srv, "/click", latin1, sizeof latin1 - 1, &b), 400);
	ck_assert_str_eq(error_code(b), "bad_request");
	json_decref(b);
	/* A q over max_query. */
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "{\"id\": \"retourneren.html\", \"q\": \"");
	for (int i = 0; i < 1001; i++)
		strbuf_addch(&sb, 'a');
	strbuf_addstr(&sb, "\"}");
	ck_assert_int_eq(post_raw(&srv, "/click", sb.buf, 0, &b), 400);
	json_decref(b);
	strbuf_release(&sb);

	/* A document the index does not have. */
	ck_assert_int_eq(
	    post_raw(&srv, "/feedback", "{\"id\": \"faq/nope.html\", \"helpful\": true}", 0, &b),
	    404);
	ck_assert_str_eq(error_code(b), "not_found");
	json_decref(b);
	ck_assert_int_eq(
	    post_raw(&srv, "/click", "{\"q\": \"x\", \"id\": \"faq/nope.html\"}", 0, &b), 404);
	ck_assert_str_eq(error_code(b), "not_found");
	json_decref(b);
	ck_assert_int_eq(tu_http(&srv, "GET", "/feedback", &b), 405);
	json_decref(b);

	/* A session id on /search is checked too. */
	ck_assert_int_eq(tu_get(&srv, "/search", &b, "q", "zwembad", "session", "x", NULL), 400);
	ck_assert_str_eq(error_code(b), "bad_request");
	json_decref(b);

	/* The reports need the admin key. */
	static const char *const paths[] = {"/analytics", "/analytics/synonyms"};
	for (size_t i = 0; i < 2; i++) {
		ck_assert_int_eq(tu_http(&srv, "GET", paths[i], &b), 401);
		ck_assert_str_eq(error_code(b), "unauthorized");
		json_decref(b);
	}
	ck_assert_int_eq(
	    post(&srv, "/analytics/synonyms", NULL,
	         json_pack("{s:s,s:s,s:s}", "from", "a", "to", "b", "action", "approve"), &b),
	    401);
	json_decref(b);
	static const char *const bad_reports[] = {
	    "/analytics?from=2026-02-30",
	    "/analytics?from=2026-1-5",
	    "/analytics?to=yesterday",
	    "/analytics?from=2026-03-02&to=2026-03-01",
	    "/analytics?limit=0",
	    "/analytics?colour=red",
	    "/analytics/synonyms?from=2026-01-01",
	};
	for (size_t i = 0; i < sizeof bad_reports / sizeof *bad_reports; i++) {
		struct tu_req rq = {"GET", bad_reports[i], admin, NULL, 0};
		struct tu_resp resp;
		long code = tu_request(&srv, &rq, &resp);
		ck_assert_msg(code == 400, "%s gave %ld", bad_reports[i], code);
		ck_assert_str_eq(error_code(resp.json), "bad_request");
		tu_resp_release(&resp);
	}
	static const char *const bad_decisions[] = {
	    "{\"from\": \"a\", \"to\": \"b\", \"action\": \"maybe\"}",
	    "{\"from\": \"a\", \"to\": \"b\"}",
	    "{\"from\": \"?!\", \"to\": \"b\", \"action\": \"approve\"}",
	    "{\"from\": \"a\", \"to\": 3, \"action\": \"approve\"}",
	    "{\"from\": \"a\", \"to\": \"b\", \"action\": \"approve\", \"why\": \"x\"}",
	};
	for (size_t i = 0; i < sizeof bad_decisions / sizeof *bad_decisions; i++) {
		struct tu_req rq = {"POST", "/analytics/synonyms", admin, bad_decisions[i], 0};
		struct tu_resp resp;
		long code = tu_request(&srv, &rq, &resp);
		ck_assert_msg(code == 400, "%s gave %ld", bad_decisions[i], code);
		tu_resp_release(&resp);
	}
	/* A pair nobody proposed. */
	ck_assert_int_eq(
	    post(&srv, "/analytics/synonyms", admin,
	         json_pack("{s:s,s:s,s:s}", "from", "appel", "to", "peer", "action", "approve"),
	         &b),
	    404);
	ck_assert_str_eq(error_code(b), "not_found");
	json_decref(b);

	/* And the daemon still serves. */
	json_decref(search(&srv, "zwembad", NULL));
}
END_TEST

/* ---------------------------------------------------------- synonyms */

START_TEST(test_synonym_proposed_approved_and_kept)
{
	const char *pool = "products/zwembaden.html";
	/* Two visits: a word that finds nothing, a reformulation whose hit
	 * is opened.  A third visit does not open anything: no evidence. */
	reformulating_visit(&srv, "visit-aaaaaaa1", "zwemvijver", "zwembad", pool);
	reformulating_visit(&srv, "visit-bbbbbbb2", "Zwemvijver", "zwembad", pool);
	reformulating_visit(&srv, "visit-ccccccc3", "zwemvijver", "zwembad", NULL);
	json_t *list = admin_get(&srv, "/analytics/synonyms");
	json_t *p = proposal(list, "zwemvijver", "zwembad");
	ck_assert_msg(p != NULL, "no proposal");
	ck_assert_int_eq(num(p, "evidence"), 2);
	ck_assert_msg(*str(p, "first_seen") && *str(p, "last_seen"), "no times");
	json_decref(list);

	/* The editor approves it (typed in another form). */
	json_t *r = NULL;
	ck_assert_int_eq(post(&srv, "/analytics/synonyms", admin,
	                      json_pack("{s:s,s:s,s:s}", "from", "ZWEMVIJVER", "to", "zwembad",
	                                "action", "approve"),
	                      &r),
	                 200);
	ck_assert_str_eq(str(r, "action"), "approved");
	ck_assert(json_is_true(json_object_get(r, "live")));
	ck_assert(json_is_true(json_object_get(r, "appended")));
	ck_assert_str_eq(str(r, "synonyms_file"), synonyms);
	json_decref(r);
	/* Live at once: the customer's word finds the pool page. */
	json_t *b = search(&srv, "zwemvijver", NULL);
	ck_assert_int_gt(num(b, "total"), 0);
	size_t at = rank_of(b, pool);
	ck_assert_msg(at >= 1 && at <= 3, "the pool page is at %zu", at);
	json_decref(b);
	/* In the editors' file, on a line of its own. */
	char *text = file_text(synonyms);
	ck_assert_msg(strstr(text, "\naquacentrum => zwembad\n") != NULL,
	              "the file lost its rules");
	size_t len = strlen(text);
	ck_assert_msg(len > 23 && strcmp(text + len - 23, "\nzwemvijver => zwembad\n") == 0, "%s",
	              text + (len > 60 ? len - 60 : 0));
	free(text);
	/* Decided: no longer pending, not decided twice. */
	list = admin_get(&srv, "/analytics/synonyms");
	ck_assert_ptr_null(proposal(list, "zwemvijver", "zwembad"));
	ck_assert_str_eq(str(decision(list, "zwemvijver", "zwembad"), "action"), "approved");
	json_decref(list);
	ck_assert_int_eq(post(&srv, "/analytics/synonyms", admin,
	                      json_pack("{s:s,s:s,s:s}", "from", "zwemvijver", "to", "zwembad",
	                                "action", "reject"),
	                      &r),
	                 409);
	ck_assert_str_eq(error_code(r), "conflict");
	json_decref(r);

	/* A proposal the editor rejects: recorded, not applied. */
	const char *kids = "products/zwembaden/splash-kinderzwembad-3-ring.html";
	reformulating_visit(&srv, "visit-ddddddd4", "kikkerbad", "kinderzwembad", kids);
	list = admin_get(&srv, "/analytics/synonyms");
	ck_assert_int_eq(num(proposal(list, "kikkerbad", "kinderzwembad"), "evidence"), 1);
	json_decref(list);
	ck_assert_int_eq(post(&srv, "/analytics/synonyms", admin,
	                      json_pack("{s:s,s:s,s:s}", "from", "kikkerbad", "to", "kinderzwembad",
	                                "action", "reject"),
	                      &r),
	                 200);
	ck_assert_str_eq(str(r, "action"), "rejected");
	json_decref(r);
	b = search(&srv, "kikkerbad", NULL);
	ck_assert_int_eq(num(b, "total"), 0);
	json_decref(b);

	/* After a restart both stay decided, and new visits do not bring
	 * them back. */
	ck_assert_int_eq(tu_server_stop(&srv), 0);
	start(&srv, data);
	list = admin_get(&srv, "/analytics/synonyms");
	ck_assert_str_eq(str(decision(list, "zwemvijver", "zwembad"), "action"), "approved");
	ck_assert_str_eq(str(decision(list, "kikkerbad", "kinderzwembad"), "action"), "rejected");
	json_decref(list);
	reformulating_visit(&srv, "visit-eeeeeee5", "kikkerbad", "kinderzwembad", kids);
	list = admin_get(&srv, "/analytics/synonyms");
	ck_assert_ptr_null(proposal(list, "kikkerbad", "kinderzwembad"));
	ck_assert_ptr_null(proposal(list, "zwemvijver", "zwembad"));
	json_decref(list);
	b = search(&srv, "zwemvijver", NULL);
	ck_assert_int_ge(rank_of(b, pool), 1);
	json_decref(b);
}
END_TEST

/* -------------------------------------------------------- reports */

static json_t *report(const struct tu_server *s)
{
	return admin_get(s, "/analytics?limit=50");
}

START_TEST(test_analytics_survive_a_restart)
{
	char *own = xasprintf("%s/data-restart", dir);
	struct tu_server s;
	start(&s, own);
	const char *faq = "faq/retourneren.html#bestelling-retourneren";
	const char *sessions[] = {"restart-session-1", "restart-session-2", "restart-session-3"};
	for (int i = 0; i < 3; i++)
		json_decref(search(&s, "retourneren", sessions[i]));
	click(&s, "retourneren", faq, sessions[0]);
	click(&s, "Retourneren", faq, sessions[1]);
	click(&s, "retourneren", "retourneren.html", sessions[1]); /* a second hit of one search */
	json_decref(search(&s, "dompelbassin", "restart-session-4"));
	json_decref(search(&s, "bezorging", NULL));
	click(&s, "bezorging", "verzending.html", NULL);
	/* A further page is not another search. */
	json_t *b = NULL;
	ck_assert_int_eq(tu_get(&s, "/search", &b, "q", "retourneren", "offset", "10", "session",
	                        sessions[2], NULL),
	                 200);
	json_decref(b);

	json_t *r1 = report(&s);
	ck_assert_int_eq(num(r1, "searches"), 5);
	ck_assert_int_eq(num(r1, "no_result_searches"), 1);
	ck_assert_int_eq(num(r1, "clicks"), 4);
	json_t *top = json_object_get(r1, "top_queries");
	json_t *ret = json_array_get(top, 0);
	ck_assert_str_eq(str(ret, "query"), "retourneren");
	ck_assert_int_eq(num(ret, "searches"), 3);
	ck_assert_int_eq(num(ret, "clicks"), 3);
	/* Two of its three searches led to a click. */
	ck_assert_double_eq_tol(json_real_value(json_object_get(ret, "click_through")), 0.667,
	                        0.001);
	ck_assert_double_gt(json_number_value(json_object_get(ret, "avg_hits")), 1);
	json_t *bez = find(top, "query", "bezorging");
	ck_assert_int_eq(num(bez, "clicks"), 1);
	ck_assert_double_eq_tol(json_number_value(json_object_get(bez, "click_through")), 1, 1e-9);
	json_t *none = json_object_get(r1, "no_result_queries");
	ck_assert_uint_eq(json_array_size(none), 1);
	ck_assert_str_eq(str(json_array_get(none, 0), "query"), "dompelbassin");
	ck_assert_int_eq(num(json_array_get(none, 0), "searches"), 1);
	ck_assert_double_eq_tol(json_number_value(json_object_get(r1, "click_through")), 0.6, 1e-9);

	ck_assert_int_eq(tu_server_stop(&s), 0);
	start(&s, own);
	json_t *r2 = report(&s);
	/* (Not from and to: midnight may fall between the two.) */
	static const char *const same[] = {"searches",          "no_result_searches", "clicks",
	                                   "click_through",     "avg_took_ms",        "top_queries",
	                                   "no_result_queries", "faq_candidates"};
	for (size_t i = 0; i < sizeof same / sizeof *same; i++)
		ck_assert_msg(
		    json_equal(json_object_get(r1, same[i]), json_object_get(r2, same[i])),
		    "'%s' changed over the restart", same[i]);
	json_decref(r1);
	json_decref(r2);
	/* Nothing personal on disk: no address, no header. */
	char *cmd = xasprintf("cat '%s'/events-*.ndjson", own);
	char *log = NULL;
	ck_assert_int_eq(tu_run(cmd, &log), 0);
	ck_assert_ptr_null(strstr(log, "127.0.0.1"));
	ck_assert_ptr_null(strstr(log, "curl"));
	ck_assert_msg(strstr(log, "\"session\":\"restart-session-1\"") != NULL, "%s", log);
	free(log);
	free(cmd);
	ck_assert_int_eq(tu_server_stop(&s), 0);
	free(own);
}
END_TEST

/* The time in ms, and "YYYY-MM-DD" of a time in ms. */
static long long epoch_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void date_of(long long ms, char out[11])
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&s, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

START_TEST(test_a_log_with_bursts_and_a_torn_line)
{
	char *own = xasprintf("%s/data-written", dir);
	long long t0 = epoch_ms() - 600000; /* ten minutes ago */
	char day[11], today[11];
	date_of(t0, day);
	date_of(epoch_ms(), today);
	struct strbuf sb = STRBUF_INIT;
	struct {
		long long dt;
		const char *q, *session;
		int hits;
	} ev[] = {
	    /* Typing with pauses: one search, for zwembad. */
	    {0, "zw", "typist-00000001", 40},
	    {1000, "zwem", "typist-00000001", 30},
	    {2000, "Zwembad", "typist-00000001", 20},
	    /* A minute on, a new search. */
	    {62000, "zw", "typist-00000001", 40},
	    /* Too slow to be one search: two. */
	    {0, "zwembad", "typist-00000002", 20},
	    {20000, "zwembad vullen", "typist-00000002", 5},
	    /* Another visit typing the same at the same time: its own. */
	    {500, "zwem", "typist-00000003", 30},
	    {1500, "zwembad", "typist-00000003", 20},
	};
	for (size_t i = 0; i < sizeof ev / sizeof *ev; i++) {
		strbuf_addf(&sb,
		            "{\"e\":\"search\",\"t\":%lld,\"q\":\"%s\",\"hits\":%d,\"took_ms\":0.5,"
		            "\"session\":\"%s\"}\n",
		            t0 + ev[i].dt, ev[i].q, ev[i].hits, ev[i].session);
		if (i == 2)
			strbuf_addstr(&sb, "this line is not JSON\n");
	}
	/* A vote and a click without session, then a line cut short by a
	 * crash. */
	strbuf_addf(
	    &sb, "{\"e\":\"feedback\",\"t\":%lld,\"id\":\"retourneren.html\",\"helpful\":true}\n",
	    t0 + 3000);
	strbuf_addf(&sb, "{\"e\":\"click\",\"t\":%lld,\"q\":\"zwembad\",\"id\":\"zwembad.html\"}\n",
	            t0 + 4000);
	strbuf_addf(&sb, "{\"e\":\"search\",\"t\":%lld,\"q\":\"tor", t0 + 5000);
	char *name = xasprintf("data-written/events-%s.ndjson", day);
	tu_write(dir, name, sb.buf);
	strbuf_release(&sb);

	struct tu_server s;
	start(&s, own);
	char *path = xasprintf("/analytics?from=%s&to=%s&limit=50", day, today);
	json_t *r = admin_get(&s, path);
	ck_assert_int_eq(num(r, "searches"), 5);
	json_t *top = json_object_get(r, "top_queries");
	ck_assert_int_eq(num(find(top, "query", "zwembad"), "searches"), 3);
	ck_assert_int_eq(num(find(top, "query", "zw"), "searches"), 1);
	ck_assert_int_eq(num(find(top, "query", "zwembad vullen"), "searches"), 1);
	ck_assert_ptr_null(find(top, "query", "zwem"));
	ck_assert_int_eq(num(find(top, "query", "zwembad"), "clicks"), 1);
	ck_assert_int_eq(num(json_object_get(r, "feedback"), "helpful"), 1);
	json_decref(r);
	/* The vote counts in the ranking too. */
	json_t *b = search(&s, "retourneren", NULL);
	ck_assert_int_eq(
	    num(json_object_get(hit(b, rank_of(b, "retourneren.html") - 1), "helpful"), "yes"), 1);
	json_decref(b);

	/* Both bad lines were reported, and the torn one cut off, so the
	 * next event is a line of its own. */
	char *log_path = xasprintf("%s/stderr.log", dir);
	char *err = file_text(log_path);
	ck_assert_msg(strstr(err, ":4: not a JSON object; skipped") != NULL, "%s", err);
	ck_assert_msg(strstr(err, "the last line is incomplete") != NULL, "%s", err);
	free(err);
	char *file = xasprintf("%s/%s", dir, name);
	ck_assert_int_eq(tu_server_stop(&s), 0);
	start(&s, own);
	json_decref(search(&s, "zwembad", NULL));
	ck_assert_int_eq(tu_server_stop(&s), 0);
	start(&s, own);
	char *text = file_text(file);
	ck_assert_ptr_null(strstr(text, "\"q\":\"tor"));
	free(text);
	char *today_path = xasprintf("%s/events-%s.ndjson", own, today);
	text = file_text(today_path);
	ck_assert_msg(strstr(text, "{\"e\":\"search\",\"q\":\"zwembad\"") == text ||
	                  strstr(text, "\n{\"e\":\"search\",\"q\":\"zwembad\"") != NULL,
	              "%s", text);
	free(text);
	/* The five, the search for retourneren, the one for zwembad. */
	r = admin_get(&s, path);
	ck_assert_int_eq(num(r, "searches"), 7);
	ck_assert_int_eq(
	    num(find(json_object_get(r, "top_queries"), "query", "zwembad"), "searches"), 4);
	json_decref(r);
	ck_assert_int_eq(tu_server_stop(&s), 0);
	free(today_path);
	free(file);
	free(log_path);
	free(path);
	free(name);
	free(own);
}
END_TEST

START_TEST(test_faq_candidates_grouped)
{
	char *own = xasprintf("%s/data-faq", dir);
	struct tu_server s;
	start(&s, own);
	/* One question in three forms, found but never opened. */
	json_decref(search(&s, "retourneren pakket", "faq-visit-0001"));
	json_decref(search(&s, "Pakketten retourneren", "faq-visit-0002"));
	json_decref(search(&s, "hoe kan ik een pakket retourneren?", "faq-visit-0003"));
	/* A word the shop doesn't use, in two forms. */
	json_decref(search(&s, "dompelbassin", "faq-visit-0004"));
	json_decref(search(&s, "dompelbassins", "faq-visit-0005"));
	json_decref(search(&s, "dompelbassin", "faq-visit-0006"));
	/* An answered question: searched and opened. */
	json_decref(search(&s, "bezorging", "faq-visit-0007"));
	click(&s, "bezorging", "verzending.html", "faq-visit-0007");

	json_t *r = report(&s);
	json_t *faq = json_object_get(r, "faq_candidates");
	ck_assert_uint_eq(json_array_size(faq), 2);
	json_t *g = json_array_get(faq, 0), *h = json_array_get(faq, 1);
	ck_assert_int_eq(num(g, "searches"), 3);
	ck_assert_int_eq(num(h, "searches"), 3);
	if (strcmp(str(g, "reason"), "no_results") != 0) {
		json_t *x = g;
		g = h;
		h = x;
	}
	ck_assert_str_eq(str(g, "reason"), "no_results");
	ck_assert_int_eq(num(g, "no_results"), 3);
	ck_assert_uint_eq(json_array_size(json_object_get(g, "queries")), 2);
	ck_assert_int_eq(
	    num(find(json_object_get(g, "queries"), "query", "dompelbassin"), "searches"), 2);
	ck_assert_ptr_nonnull(find(json_object_get(g, "queries"), "query", "dompelbassins"));
	ck_assert_str_eq(str(h, "reason"), "not_clicked");
	ck_assert_int_eq(num(h, "no_results"), 0);
	json_t *forms = json_object_get(h, "queries");
	ck_assert_uint_eq(json_array_size(forms), 3);
	ck_assert_ptr_nonnull(find(forms, "query", "retourneren pakket"));
	ck_assert_ptr_nonnull(find(forms, "query", "pakketten retourneren"));
	ck_assert_ptr_nonnull(find(forms, "query", "hoe kan ik een pakket retourneren"));
	ck_assert_msg(!find(faq, "key", "bezorg"), "an answered query is a candidate");
	json_decref(r);
	ck_assert_int_eq(tu_server_stop(&s), 0);
	free(own);
}
END_TEST

/* ------------------------------------------------------- suggestions */

/* /suggest for q, until its first suggestion is want or a deadline. */
static json_t *suggest_until(const struct tu_server *s, const char *q, const char *want)
{
	json_t *b = NULL;
	for (int i = 0; i < 200; i++) {
		json_decref(b);
		ck_assert_int_eq(tu_get(s, "/suggest", &b, "q", q, NULL), 200);
		json_t *first = json_array_get(json_object_get(b, "suggestions"), 0);
		if (strcmp(str(first, "text"), want) == 0)
			break;
		sleep_ms(50);
	}
	return b;
}

START_TEST(test_suggest_offers_frequent_queries)
{
	char *own = xasprintf("%s/data-suggest", dir);
	struct tu_server s;
	start(&s, own);
	json_t *b = NULL;
	ck_assert_int_eq(tu_get(&s, "/suggest", &b, "q", "zwembad v", NULL), 200);
	json_t *list = json_object_get(b, "suggestions");
	ck_assert_uint_gt(json_array_size(list), 0);
	size_t i;
	json_t *e;
	json_array_foreach(list, i, e) ck_assert_str_eq(str(e, "source"), "index");
	json_decref(b);

	/* Three visits searched it and found something. */
	for (int v = 0; v < 3; v++) {
		char session[32];
		snprintf(session, sizeof session, "suggest-visit-%02d", v);
		json_decref(search(&s, "Zwembad vullen", session));
	}
	/* Two visits only: what few people typed is not shown to others. */
	json_decref(search(&s, "zwembad verwarmen", "suggest-visit-00"));
	json_decref(search(&s, "zwembad verwarmen", "suggest-visit-01"));
	/* Found nothing, however often. */
	for (int v = 0; v < 3; v++) {
		char session[32];
		snprintf(session, sizeof session, "suggest-visit-%02d", v);
		json_decref(search(&s, "dompelbassin", session));
	}
	b = suggest_until(&s, "zwembad v", "zwembad vullen");
	list = json_object_get(b, "suggestions");
	ck_assert_str_eq(str(json_array_get(list, 0), "text"), "zwembad vullen");
	ck_assert_str_eq(str(json_array_get(list, 0), "source"), "query");
	ck_assert_int_eq(num(json_array_get(list, 0), "freq"), 3);
	ck_assert_ptr_null(find(list, "text", "zwembad verwarmen"));
	ck_assert_uint_le(json_array_size(list), 8);
	json_array_foreach(list, i, e)
	{
		ck_assert_msg(i == 0 || strcmp(str(e, "source"), "index") == 0, "%s",
		              str(e, "text"));
		ck_assert_msg(i == 0 || strcmp(str(e, "text"), "zwembad vullen") != 0, "twice");
	}
	json_decref(b);
	/* The finished word and any case find it too; limit holds. */
	static const char *const typed[] = {"zwembad ", "ZWEMB", "zwembad vul"};
	for (size_t t = 0; t < 3; t++) {
		ck_assert_int_eq(tu_get(&s, "/suggest", &b, "q", typed[t], "limit", "2", NULL),
		                 200);
		list = json_object_get(b, "suggestions");
		ck_assert_msg(strcmp(str(json_array_get(list, 0), "text"), "zwembad vullen") == 0,
		              "'%s' first offers '%s'", typed[t],
		              str(json_array_get(list, 0), "text"));
		ck_assert_uint_le(json_array_size(list), 2);
		json_decref(b);
	}
	ck_assert_int_eq(tu_get(&s, "/suggest", &b, "q", "dompel", NULL), 200);
	ck_assert_ptr_null(find(json_object_get(b, "suggestions"), "text", "dompelbassin"));
	json_decref(b);
	/* After a restart it is there at once. */
	ck_assert_int_eq(tu_server_stop(&s), 0);
	start(&s, own);
	ck_assert_int_eq(tu_get(&s, "/suggest", &b, "q", "zwembad vu", NULL), 200);
	ck_assert_str_eq(str(json_array_get(json_object_get(b, "suggestions"), 0), "text"),
	                 "zwembad vullen");
	json_decref(b);
	ck_assert_int_eq(tu_server_stop(&s), 0);
	free(own);
}
END_TEST

START_TEST(test_unusable_data_directory)
{
	char *prog = tu_program("searchd");
	tu_write(dir, "not-a-dir", "x");
	char *cmd =
	    xasprintf("%s --db '%s' --listen 127.0.0.1:0 --data '%s/not-a-dir'", prog, db, dir);
	char *out = NULL;
	ck_assert_int_eq(tu_run(cmd, &out), 1);
	ck_assert_msg(strstr(out, "not-a-dir") != NULL && strstr(out, "not a directory") != NULL,
	              "%s", out);
	free(out);
	free(cmd);
	free(prog);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("analytics");
	TCase *unit = tcase_create("forms");
	tcase_add_test(unit, test_query_forms);
	suite_add_tcase(s, unit);
	TCase *tc = tcase_create("http");
	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_votes_move_a_ranking);
	tcase_add_test(tc, test_one_vote_per_session);
	tcase_add_test(tc, test_bad_clicks_votes_and_reports);
	tcase_add_test(tc, test_synonym_proposed_approved_and_kept);
	tcase_add_test(tc, test_analytics_survive_a_restart);
	tcase_add_test(tc, test_a_log_with_bursts_and_a_torn_line);
	tcase_add_test(tc, test_faq_candidates_grouped);
	tcase_add_test(tc, test_suggest_offers_frequent_queries);
	tcase_add_test(tc, test_unusable_data_directory);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	/* One process: the fixture's server is shared by the tests. */
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
