/*
 * test_searchd.c - end to end: the real indexer indexes content/, the real
 * searchd serves it on a free loopback port, and the tests check what a
 * shop's search bar and its integrations see: ranked hits, snippets,
 * product fields, deep links, filters, paging, suggestions while typing,
 * JSON errors with the right status, concurrency, and start-up errors.
 */
#define _GNU_SOURCE /* strcasestr */
#include <check.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "util.h"

static char *dir, *db;
static struct tu_server srv;

/* Once for the suite: index content/ and start searchd. */
static void suite_setup(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	dir = tu_tmpdir();
	db = xasprintf("%s/db", dir);
	tu_index_content(db);
	if (!tu_server_start(&srv, db, "--threads 4")) {
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

static const char *str(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : "";
}

static json_t *hit(json_t *body, size_t i)
{
	return json_array_get(json_object_get(body, "hits"), i);
}

/* The error reply's code, after checking its shape. */
static const char *error_code(json_t *body)
{
	json_t *e = json_object_get(body, "error");
	ck_assert_msg(json_is_object(e), "no error object");
	ck_assert_msg(*str(e, "message"), "error without a message");
	return str(e, "code");
}

/* The 1-based rank of url in the reply, 0 when absent. */
static size_t rank_of(json_t *body, const char *url)
{
	for (size_t i = 0; i < json_array_size(json_object_get(body, "hits")); i++)
		if (strcmp(str(hit(body, i), "url"), url) == 0)
			return i + 1;
	return 0;
}

START_TEST(test_returns_faq_ranks_first)
{
	json_t *b = NULL;
	ck_assert_int_eq(tu_get(&srv, "/search", &b, "q", "retourneren", NULL), 200);
	ck_assert_str_eq(str(b, "query"), "retourneren");
	ck_assert_int_gt(json_integer_value(json_object_get(b, "total")), 1);
	ck_assert(json_is_number(json_object_get(b, "took_ms")));
	/* The answer, next to the returns page (the two best answers). */
	ck_assert_msg(rank_of(b, "faq/retourneren.html#bestelling-retourneren") >= 1 &&
	                  rank_of(b, "faq/retourneren.html#bestelling-retourneren") <= 2,
	              "the returns answer is not in the top 2");
	ck_assert_msg(rank_of(b, "retourneren.html") >= 1 && rank_of(b, "retourneren.html") <= 2,
	              "the returns page is not in the top 2");
	json_t *h = hit(b, rank_of(b, "faq/retourneren.html#bestelling-retourneren") - 1);
	ck_assert_str_eq(str(h, "type"), "faq");
	ck_assert_str_eq(str(h, "title"), "Hoe kan ik mijn bestelling retourneren?");
	ck_assert(json_is_number(json_object_get(h, "score")));
	ck_assert_msg(strstr(str(h, "snippet"), "<mark>") != NULL, "snippet %s", str(h, "snippet"));
	ck_assert_ptr_null(json_object_get(h, "body"));
	ck_assert_ptr_null(json_object_get(h, "source"));
	json_decref(b);
}
END_TEST

START_TEST(test_product_has_price_and_availability)
{
	json_t *b = NULL;
	ck_assert_int_eq(tu_get(&srv, "/search", &b, "q", "zandfilterpomp", "type", "product", NULL), 200);
	ck_assert_int_gt(json_array_size(json_object_get(b, "hits")), 0);
	size_t i;
	json_t *h;
	json_array_foreach(json_object_get(b, "hits"), i, h) {
		ck_assert_str_eq(str(h, "type"), "product");
		ck_assert_msg(json_is_number(json_object_get(h, "price")), "hit %s has no price", str(h, "id"));
		ck_assert_msg(json_real_value(json_object_get(h, "price")) > 0 ||
		              json_integer_value(json_object_get(h, "price")) > 0, "price > 0");
		ck_assert_str_eq(str(h, "currency"), "EUR");
		ck_assert_msg(*str(h, "availability"), "no availability");
		ck_assert_msg(*str(h, "brand"), "no brand");
		ck_assert_msg(strncmp(str(h, "url"), "products/", 9) == 0, "url %s", str(h, "url"));
	}
	ck_assert_msg(strstr(str(hit(b, 0), "title"), "andfilterpomp") != NULL, "first: %s",
	              str(hit(b, 0), "title"));
	json_decref(b);
}
END_TEST

START_TEST(test_manual_section_deep_link)
{
	json_t *b = NULL;
	ck_assert_int_eq(tu_get(&srv, "/search", &b, "q", "terugspoelen", "type", "manual", NULL), 200);
	json_t *h = hit(b, 0);
	ck_assert_msg(h != NULL, "no manual hit");
	ck_assert_str_eq(str(h, "type"), "manual");
	const char *url = str(h, "url");
	ck_assert_msg(strncmp(url, "manuals/zandfilterpomp.html#", 28) == 0, "url %s", url);
	ck_assert_msg(strlen(url) > 28, "empty fragment");
	ck_assert_str_eq(str(h, "id"), url);
	json_decref(b);
}
END_TEST

START_TEST(test_zwembad_ranked_with_snippets)
{
	json_t *b = NULL;
	ck_assert_int_eq(tu_get(&srv, "/search", &b, "q", "zwembad", NULL), 200);
	json_t *hits = json_object_get(b, "hits");
	ck_assert_uint_eq(json_array_size(hits), 10);
	ck_assert_int_gt(json_integer_value(json_object_get(b, "total")), 10);
	double prev = 1e300;
	size_t i;
	json_t *h;
	json_array_foreach(hits, i, h) {
		double score = json_real_value(json_object_get(h, "score"));
		ck_assert_msg(score <= prev, "not ranked by score at %zu", i);
		prev = score;
		ck_assert_msg(*str(h, "snippet"), "hit %s has no snippet", str(h, "id"));
		ck_assert_msg(*str(h, "title") && *str(h, "url") && *str(h, "id"), "incomplete hit");
	}
	json_decref(b);
}
END_TEST

START_TEST(test_filters_and_paging)
{
	json_t *b = NULL, *page2 = NULL;
	ck_assert_int_eq(tu_get(&srv, "/search", &b, "q", "zwembad", "type", "faq", "type", "manual",
	                        "limit", "5", NULL), 200);
	size_t i;
	json_t *h;
	json_array_foreach(json_object_get(b, "hits"), i, h)
		ck_assert_msg(strcmp(str(h, "type"), "faq") == 0 || strcmp(str(h, "type"), "manual") == 0,
		              "type %s", str(h, "type"));
	json_decref(b);

	ck_assert_int_eq(tu_get(&srv, "/search", &b, "q", "", "category", "Zwembaden", NULL), 200);
	ck_assert_int_gt(json_integer_value(json_object_get(b, "total")), 3);
	json_array_foreach(json_object_get(b, "hits"), i, h)
		ck_assert_msg(strncmp(str(h, "category"), "Zwembaden", 9) == 0, "category %s", str(h, "category"));
	json_decref(b);

	ck_assert_int_eq(tu_get(&srv, "/search", &b, "q", "return", "lang", "en", NULL), 200);
	ck_assert_int_gt(json_array_size(json_object_get(b, "hits")), 0);
	json_array_foreach(json_object_get(b, "hits"), i, h)
		ck_assert_str_eq(str(h, "lang"), "en");
	json_decref(b);

	/* Page 2 continues page 1 without overlap. */
	ck_assert_int_eq(tu_get(&srv, "/search", &b, "q", "zwembad", "limit", "5", NULL), 200);
	ck_assert_int_eq(tu_get(&srv, "/search", &page2, "q", "zwembad", "limit", "5", "offset", "5", NULL), 200);
	ck_assert_uint_eq(json_array_size(json_object_get(page2, "hits")), 5);
	for (size_t a = 0; a < 5; a++)
		for (size_t c = 0; c < 5; c++)
			ck_assert_str_ne(str(hit(b, a), "id"), str(hit(page2, c), "id"));
	ck_assert_int_eq(json_integer_value(json_object_get(page2, "offset")), 5);
	json_decref(b);
	json_decref(page2);
}
END_TEST

START_TEST(test_malformed_requests_get_json_400)
{
	static const char *const bad[] = {
		"/search",                          /* no q */
		"/search?q=zwembad&limit=abc",
		"/search?q=zwembad&limit=0",
		"/search?q=zwembad&limit=1000",
		"/search?q=zwembad&offset=-1",
		"/search?q=zwembad&type=blog",
		"/search?q=zwembad&lang=fr",
		"/search?q=zwembad&colour=red",     /* unknown parameter */
		"/search?q=caf%E9",                 /* invalid UTF-8 */
		"/search?q=zwembad&category=",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		json_t *b = NULL;
		long code = tu_http(&srv, "GET", bad[i], &b);
		ck_assert_msg(code == 400, "%s gave %ld", bad[i], code);
		ck_assert_str_eq(error_code(b), "bad_request");
		json_decref(b);
	}
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "/search?q=");
	for (int i = 0; i < 1200; i++)
		strbuf_addch(&sb, 'a');
	json_t *b = NULL;
	ck_assert_int_eq(tu_http(&srv, "GET", sb.buf, &b), 400);
	ck_assert_msg(strstr(str(json_object_get(b, "error"), "message"), "longer than") != NULL, "message");
	json_decref(b);
	strbuf_release(&sb);

	ck_assert_int_eq(tu_http(&srv, "GET", "/nowhere", &b), 404);
	ck_assert_str_eq(error_code(b), "not_found");
	json_decref(b);
	ck_assert_int_eq(tu_http(&srv, "DELETE", "/search?q=x", &b), 405);
	ck_assert_str_eq(error_code(b), "method_not_allowed");
	json_decref(b);

	/* Query syntax users don't mean as syntax is searched as words. */
	ck_assert_int_eq(tu_get(&srv, "/search", &b, "q", "zwembad (AND \"", NULL), 200);
	json_decref(b);

	/* And the daemon still serves. */
	ck_assert_int_eq(tu_get(&srv, "/search", &b, "q", "zwembad", NULL), 200);
	json_decref(b);
}
END_TEST

static double num(json_t *obj, const char *key)
{
	return json_number_value(json_object_get(obj, key));
}

START_TEST(test_facets_filters_and_sort)
{
	json_t *b = NULL;
	size_t i;
	json_t *h;
	/* Cheapest first, within a price range. */
	ck_assert_int_eq(tu_get(&srv, "/search", &b, "q", "", "type", "product", "sort", "price_asc",
	                        "price_min", "100", "price_max", "500", "limit", "50", NULL), 200);
	ck_assert_int_gt(json_array_size(json_object_get(b, "hits")), 5);
	double prev = 0;
	json_array_foreach(json_object_get(b, "hits"), i, h) {
		double price = num(h, "price");
		ck_assert_msg(price >= 100 && price <= 500, "price %f out of range", price);
		ck_assert_msg(price >= prev, "not sorted up at %zu", i);
		prev = price;
	}
	json_decref(b);

	ck_assert_int_eq(tu_get(&srv, "/search", &b, "q", "zwembad", "type", "product", "sort",
	                        "price_desc", NULL), 200);
	prev = 1e300;
	json_array_foreach(json_object_get(b, "hits"), i, h) {
		ck_assert_msg(num(h, "price") <= prev, "not sorted down at %zu", i);
		prev = num(h, "price");
	}
	json_decref(b);

	/* OR within a field, AND across fields; the facets count the matches. */
	ck_assert_int_eq(tu_get(&srv, "/search", &b, "q", "zwembad", "brand", "AquaPro", "brand",
	                        "Zwemmer", "availability", "in_stock", "limit", "100", NULL), 200);
	long total = json_integer_value(json_object_get(b, "total"));
	ck_assert_int_gt(total, 2);
	json_array_foreach(json_object_get(b, "hits"), i, h) {
		ck_assert_msg(!strcmp(str(h, "brand"), "AquaPro") || !strcmp(str(h, "brand"), "Zwemmer"),
		              "brand %s", str(h, "brand"));
		ck_assert_str_eq(str(h, "availability"), "in_stock");
	}
	json_t *facets = json_object_get(b, "facets");
	long sum = 0;
	json_array_foreach(json_object_get(facets, "brand"), i, h)
		sum += json_integer_value(json_object_get(h, "count"));
	ck_assert_int_eq(sum, total);
	ck_assert_int_gt(json_array_size(json_object_get(facets, "price")), 0);
	json_decref(b);

	/* Pre-sale and after-sale stay apart. */
	ck_assert_int_eq(tu_get(&srv, "/search", &b, "q", "retourneren", "audience", "aftersale", NULL), 200);
	ck_assert_int_gt(json_array_size(json_object_get(b, "hits")), 0);
	json_array_foreach(json_object_get(b, "hits"), i, h)
		ck_assert_str_eq(str(h, "audience"), "aftersale");
	ck_assert_int_ge(rank_of(b, "faq/retourneren.html#bestelling-retourneren"), 1);
	json_decref(b);
	ck_assert_int_eq(tu_get(&srv, "/search", &b, "q", "zandfilterpomp", "audience", "presale", NULL), 200);
	json_array_foreach(json_object_get(b, "hits"), i, h)
		ck_assert_str_eq(str(h, "audience"), "presale");
	json_decref(b);

	ck_assert_int_eq(tu_get(&srv, "/search", &b, "q", "x", "price_min", "500", "price_max", "100", NULL), 400);
	json_decref(b);
	ck_assert_int_eq(tu_get(&srv, "/search", &b, "q", "x", "sort", "cheapest", NULL), 400);
	json_decref(b);
	ck_assert_int_eq(tu_get(&srv, "/search", &b, "q", "x", "audience", "everyone", NULL), 400);
	json_decref(b);
}
END_TEST

START_TEST(test_typo_is_corrected)
{
	json_t *b = NULL;
	/* Nothing matches the typo as typed: the correction is run. */
	ck_assert_int_eq(tu_get(&srv, "/search", &b, "q", "retourneern", NULL), 200);
	ck_assert_str_eq(str(b, "query"), "retourneern");
	ck_assert_str_eq(str(b, "corrected_query"), "retourneren");
	ck_assert_str_eq(str(b, "did_you_mean"), "retourneren");
	ck_assert_msg(strstr(str(hit(b, 0), "url"), "retourneren.html") != NULL, "first %s",
	              str(hit(b, 0), "url"));
	ck_assert_int_ge(rank_of(b, "faq/retourneren.html#bestelling-retourneren"), 1);
	json_decref(b);
	ck_assert_int_eq(tu_get(&srv, "/search", &b, "q", "zandfiltrpomp ", "type", "product", NULL), 200);
	/* zandfilter and zandfilterpomp are synonyms in the editors' file. */
	ck_assert_msg(strstr(str(hit(b, 0), "title"), "zandfilter") != NULL, "%s", str(hit(b, 0), "title"));
	json_decref(b);
	/* A query that finds plenty as typed is left alone. */
	ck_assert_int_eq(tu_get(&srv, "/search", &b, "q", "retourneren", NULL), 200);
	ck_assert_ptr_null(json_object_get(b, "corrected_query"));
	ck_assert_ptr_null(json_object_get(b, "did_you_mean"));
	json_decref(b);
}
END_TEST

/* The texts of a /suggest reply's suggestions, after checking they are
 * distinct and each starts with start. */
static json_t *suggestions(json_t *body, const char *start)
{
	json_t *list = json_object_get(body, "suggestions");
	ck_assert_msg(json_is_array(list), "no suggestions array");
	size_t i, j;
	json_t *a, *b;
	json_array_foreach(list, i, a) {
		ck_assert_msg(strncmp(str(a, "text"), start, strlen(start)) == 0, "'%s' does not start with '%s'",
		              str(a, "text"), start);
		ck_assert_msg(json_integer_value(json_object_get(a, "freq")) > 0, "no freq for '%s'",
		              str(a, "text"));
		json_array_foreach(list, j, b)
			ck_assert_msg(i == j || strcmp(str(a, "text"), str(b, "text")) != 0, "'%s' twice",
			              str(a, "text"));
	}
	return list;
}

static const char *suggestion(json_t *body, size_t i)
{
	return str(json_array_get(json_object_get(body, "suggestions"), i), "text");
}

START_TEST(test_suggest_completes_the_last_word)
{
	json_t *b = NULL;
	ck_assert_int_eq(tu_get(&srv, "/suggest", &b, "q", "zwemb", NULL), 200);
	ck_assert_str_eq(str(b, "query"), "zwemb");
	ck_assert(json_is_number(json_object_get(b, "took_ms")));
	json_t *list = suggestions(b, "zwemb");
	ck_assert_uint_gt(json_array_size(list), 1);
	ck_assert_uint_le(json_array_size(list), 8);
	ck_assert_str_eq(suggestion(b, 0), "zwembad");
	/* One stem, one suggestion: zwembaden gives way to zwembad. */
	for (size_t i = 0; i < json_array_size(list); i++)
		ck_assert_str_ne(suggestion(b, i), "zwembaden");
	/* Titles that start with it, a pool product among them, with what a
	 * suggestion list shows of a product. */
	json_t *titles = json_object_get(b, "titles");
	ck_assert_uint_gt(json_array_size(titles), 0);
	ck_assert_uint_le(json_array_size(titles), 8);
	bool product = false;
	size_t i;
	json_t *t;
	json_array_foreach(titles, i, t) {
		ck_assert_msg(*str(t, "id") && *str(t, "url") && *str(t, "type"), "incomplete title");
		ck_assert_msg(strcasestr(str(t, "title"), "zwemb") != NULL, "title '%s'", str(t, "title"));
		ck_assert_ptr_null(json_object_get(t, "body"));
		if (strcmp(str(t, "type"), "product") == 0) {
			product = product || strcasestr(str(t, "title"), "zwembad") != NULL;
			ck_assert_msg(num(t, "price") > 0, "product '%s' without a price", str(t, "id"));
			ck_assert_msg(*str(t, "availability"), "product '%s' without availability", str(t, "id"));
		} else {
			ck_assert_ptr_null(json_object_get(t, "price"));
		}
	}
	ck_assert_msg(product, "no pool product among the titles");
	json_decref(b);

	/* Case is folded; the completion is in the index's form. */
	ck_assert_int_eq(tu_get(&srv, "/suggest", &b, "q", "WACHTW", NULL), 200);
	suggestions(b, "wachtw");
	ck_assert_str_eq(suggestion(b, 0), "wachtwoord");
	json_decref(b);

	/* Several words: the last one is completed, the rest kept as typed. */
	ck_assert_int_eq(tu_get(&srv, "/suggest", &b, "q", "zandfilter terugs", NULL), 200);
	suggestions(b, "zandfilter terugs");
	ck_assert_str_eq(suggestion(b, 0), "zandfilter terugspoelen");
	ck_assert_uint_gt(json_array_size(json_object_get(b, "titles")), 0);
	json_decref(b);
	/* Titles with every word typed come before those with some. */
	ck_assert_int_eq(tu_get(&srv, "/suggest", &b, "q", "zwembad vul", NULL), 200);
	ck_assert_str_eq(suggestion(b, 0), "zwembad vullen");
	ck_assert_str_eq(str(json_array_get(json_object_get(b, "titles"), 0), "title"), "Het zwembad vullen");
	json_decref(b);

	/* A finished word (a space after it) is not completed; its titles
	 * still come. */
	ck_assert_int_eq(tu_get(&srv, "/suggest", &b, "q", "zwembad ", NULL), 200);
	ck_assert_uint_eq(json_array_size(json_object_get(b, "suggestions")), 0);
	ck_assert_uint_gt(json_array_size(json_object_get(b, "titles")), 0);
	json_decref(b);

	/* A one-letter prefix offers words, not numbers or stop words. */
	ck_assert_int_eq(tu_get(&srv, "/suggest", &b, "q", "d", NULL), 200);
	list = suggestions(b, "d");
	ck_assert_uint_eq(json_array_size(list), 8);
	json_array_foreach(list, i, t) {
		ck_assert_str_ne(str(t, "text"), "de");
		ck_assert_str_ne(str(t, "text"), "d");
	}
	json_decref(b);
	ck_assert_int_eq(tu_get(&srv, "/suggest", &b, "q", "3", NULL), 200);
	json_array_foreach(json_object_get(b, "suggestions"), i, t)
		ck_assert_msg(strspn(str(t, "text"), "0123456789") < strlen(str(t, "text")), "number '%s'",
		              str(t, "text"));
	json_decref(b);
}
END_TEST

START_TEST(test_suggest_limit_lang_and_empty)
{
	json_t *b = NULL;
	ck_assert_int_eq(tu_get(&srv, "/suggest", &b, "q", "z", "limit", "1", NULL), 200);
	ck_assert_uint_eq(json_array_size(json_object_get(b, "suggestions")), 1);
	ck_assert_uint_eq(json_array_size(json_object_get(b, "titles")), 1);
	json_decref(b);
	ck_assert_int_eq(tu_get(&srv, "/suggest", &b, "q", "z", "limit", "20", NULL), 200);
	ck_assert_uint_eq(json_array_size(json_object_get(b, "suggestions")), 20);
	ck_assert_uint_eq(json_array_size(json_object_get(b, "titles")), 20);
	json_decref(b);

	/* Only titles in the language asked for. */
	ck_assert_int_eq(tu_get(&srv, "/suggest", &b, "q", "ret", "lang", "en", NULL), 200);
	size_t i;
	json_t *t;
	ck_assert_uint_gt(json_array_size(json_object_get(b, "titles")), 0);
	json_array_foreach(json_object_get(b, "titles"), i, t)
		ck_assert_msg(strncmp(str(t, "url"), "en/", 3) == 0, "url %s", str(t, "url"));
	json_decref(b);

	/* A search bar that was just cleared: nothing to suggest, no error. */
	static const char *const empty[] = {"", "   "};
	for (size_t e = 0; e < 2; e++) {
		ck_assert_int_eq(tu_get(&srv, "/suggest", &b, "q", empty[e], NULL), 200);
		ck_assert_uint_eq(json_array_size(json_object_get(b, "suggestions")), 0);
		ck_assert_uint_eq(json_array_size(json_object_get(b, "titles")), 0);
		json_decref(b);
	}
}
END_TEST

START_TEST(test_suggest_errors)
{
	static const char *const bad[] = {
		"/suggest",                        /* no q */
		"/suggest?q=zw&limit=0",
		"/suggest?q=zw&limit=21",
		"/suggest?q=zw&limit=abc",
		"/suggest?q=zw&lang=fr",
		"/suggest?q=zw&type=faq",          /* a /search parameter, unknown here */
		"/suggest?q=zw&colour=red",
		"/suggest?q=caf%E9",               /* invalid UTF-8 */
	};
	json_t *b = NULL;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		long code = tu_http(&srv, "GET", bad[i], &b);
		ck_assert_msg(code == 400, "%s gave %ld", bad[i], code);
		ck_assert_str_eq(error_code(b), "bad_request");
		json_decref(b);
	}
	ck_assert_int_eq(tu_http(&srv, "GET", "/suggest?q=zw&colour=red", &b), 400);
	ck_assert_str_eq(str(json_object_get(b, "error"), "message"), "unknown parameter 'colour'");
	json_decref(b);
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "/suggest?q=");
	for (int i = 0; i < 1001; i++)
		strbuf_addch(&sb, 'a');
	ck_assert_int_eq(tu_http(&srv, "GET", sb.buf, &b), 400);
	ck_assert_msg(strstr(str(json_object_get(b, "error"), "message"), "longer than") != NULL, "message");
	json_decref(b);
	strbuf_release(&sb);
	ck_assert_int_eq(tu_http(&srv, "POST", "/suggest?q=zw", &b), 405);
	ck_assert_str_eq(error_code(b), "method_not_allowed");
	json_decref(b);
	ck_assert_int_eq(tu_http(&srv, "GET", "/suggest?q=zw", &b), 200);
	json_decref(b);
}
END_TEST

static void *hammer(void *arg)
{
	(void)arg;
	static const char *const queries[] = {"zwembad", "retourneren", "robotmaaier", "betalen ideal",
	                                      "warmtepomp", "bezorging"};
	long bad = 0;
	for (int i = 0; i < 60; i++) {
		json_t *b = NULL;
		long code = tu_get(&srv, "/search", &b, "q", queries[i % 6], NULL);
		if (code != 200 || !json_is_array(json_object_get(b, "hits")))
			bad++;
		json_decref(b);
		/* Completions use per-thread stemmers too. */
		code = tu_get(&srv, "/suggest", &b, "q", queries[(i + 1) % 6], NULL);
		if (code != 200 || json_array_size(json_object_get(b, "suggestions")) == 0)
			bad++;
		json_decref(b);
	}
	return (void *)bad;
}

/* The url of hit i of a search for q (extra parameters after q), "" when
 * there are fewer hits; *body keeps the reply for more checks. */
static const char *url_of(json_t **body, size_t i, const char *q)
{
	json_decref(*body);
	*body = NULL;
	ck_assert_int_eq(tu_get(&srv, "/search", body, "q", q, NULL), 200);
	return str(hit(*body, i), "url");
}

/* Is url among the first n hits of the reply? */
static bool in_top(json_t *body, const char *url, size_t n)
{
	for (size_t i = 0; i < n && i < json_array_size(json_object_get(body, "hits")); i++)
		if (strcmp(str(hit(body, i), "url"), url) == 0)
			return true;
	return false;
}

START_TEST(test_synonyms_from_the_editors_file)
{
	json_t *b = NULL;
	/* One-way rule aquacentrum => zwembad: the page never says it. */
	url_of(&b, 0, "aquacentrum");
	ck_assert_int_gt(json_integer_value(json_object_get(b, "total")), 3);
	ck_assert_msg(strstr(str(hit(b, 0), "url"), "zwembad") != NULL, "first %s",
	              str(hit(b, 0), "url"));
	/* Equivalents: waarborg finds the guarantee answers, and the snippet
	 * marks the synonym the page does use. */
	url_of(&b, 0, "waarborg");
	ck_assert_msg(strstr(str(hit(b, 0), "url"), "garantie") != NULL, "first %s",
	              str(hit(b, 0), "url"));
	ck_assert_msg(strstr(str(hit(b, 0), "snippet"), "<mark>") != NULL, "snippet %s",
	              str(hit(b, 0), "snippet"));
	/* A multi-word entry: "geld terug" finds the refund answer. */
	ck_assert_str_eq(url_of(&b, 0, "geld terug"), "faq/retourneren.html#terugbetaling");
	/* A synonym fires on a typo-corrected word too. */
	url_of(&b, 0, "aquacentrm");
	ck_assert_str_eq(str(b, "corrected_query"), "aquacentrum");
	ck_assert_msg(strstr(str(hit(b, 0), "url"), "zwembad") != NULL, "first %s",
	              str(hit(b, 0), "url"));
	/* ...and on a part split from a compound (plonsbad => kinderzwembad). */
	ck_assert_str_eq(url_of(&b, 0, "plonsbad"),
	                 "products/zwembaden/splash-kinderzwembad-3-ring.html");
	json_decref(b);
}
END_TEST

START_TEST(test_dutch_compounds)
{
	json_t *b = NULL;
	/* Parts typed, compound on the page. */
	ck_assert_str_eq(url_of(&b, 0, "wachtwoord wijzigen"), "faq/account.html#wachtwoord-wijzigen");
	ck_assert_str_eq(url_of(&b, 0, "kinder zwembad"),
	                 "products/zwembaden/splash-kinderzwembad-3-ring.html");
	/* Compound typed, parts on the page. */
	url_of(&b, 0, "zwembadfilter ");
	ck_assert_msg(in_top(b, "faq/producten.html#welk-filter-zwembad", 3), "not in the top 3");
	/* Compound typed, its head inside another compound on the page. */
	ck_assert_str_eq(url_of(&b, 0, "warmtepomphoes"),
	                 "products/warmtepompen/zwemmer-warmtepomp-afdekhoes.html");
	/* No false split: a known word is searched as itself. */
	url_of(&b, 0, "bestelling ");
	ck_assert_msg(strstr(str(hit(b, 0), "url"), "faq/") != NULL, "first %s",
	              str(hit(b, 0), "url"));
	ck_assert_ptr_null(json_object_get(b, "corrected_query"));
	json_decref(b);
}
END_TEST

START_TEST(test_case_and_accents_fold)
{
	json_t *a = NULL, *b = NULL;
	const char *first = url_of(&a, 0, "België");
	ck_assert_msg(*first, "België finds nothing");
	ck_assert_str_eq(url_of(&b, 0, "BELGIE"), first);
	ck_assert_int_eq(json_integer_value(json_object_get(a, "total")),
	                 json_integer_value(json_object_get(b, "total")));
	ck_assert_str_eq(url_of(&b, 0, "hygiene voorwaarden"), "algemene-voorwaarden.html");
	json_decref(a);
	json_decref(b);
}
END_TEST

START_TEST(test_tokens_as_typed)
{
	json_t *b = NULL;
	ck_assert_str_eq(url_of(&b, 0, "usb-c"), "products/tuinverlichting/lumina-tafellamp-usb-c.html");
	ck_assert_msg(strstr(url_of(&b, 0, "a++"), "products/warmtepompen/") != NULL, "first %s",
	              str(hit(b, 0), "url"));
	ck_assert_msg(strstr(url_of(&b, 0, "4g"), "4g") != NULL, "first %s", str(hit(b, 0), "url"));
	ck_assert_str_eq(url_of(&b, 0, "r32"), "products/warmtepompen/zwemmer-heatline-pro-13kw.html");
	/* A quoted phrase matches exactly, stop words and all. */
	url_of(&b, 0, "\"filter voor het zwembad\"");
	ck_assert_str_eq(str(hit(b, 0), "url"), "faq/producten.html#welk-filter-zwembad");
	ck_assert_int_lt(json_integer_value(json_object_get(b, "total")), 5);
	json_decref(b);
}
END_TEST

START_TEST(test_exact_sku_ean_and_name_first)
{
	json_t *b = NULL;
	const char *frame = "products/zwembaden/zwemmer-frame-366.html";
	ck_assert_str_eq(url_of(&b, 0, "TB-ZW-1001"), frame);
	ck_assert_str_eq(url_of(&b, 0, "tbzw1001"), frame);
	ck_assert_str_eq(str(hit(b, 0), "sku"), "TB-ZW-1001");
	/* The EAN of a feed product. */
	url_of(&b, 0, "8719990010068");
	ck_assert_str_eq(str(hit(b, 0), "id"), "acc-1006");
	/* A product's whole name comes first, however it is typed. */
	ck_assert_str_eq(url_of(&b, 0, "ZWEMMER frame POOL 366 x 76 cm"), frame);
	json_decref(b);
}
END_TEST

START_TEST(test_question_ranks_like_keyword)
{
	json_t *b = NULL;
	const char *returns = "faq/retourneren.html#bestelling-retourneren";
	url_of(&b, 0, "retour");
	size_t keyword = rank_of(b, returns);
	ck_assert_msg(keyword >= 1 && keyword <= 3, "rank %zu for retour", keyword);
	url_of(&b, 0, "Hoe kan ik mijn bestelling retourneren?");
	ck_assert_msg(rank_of(b, returns) >= 1 && rank_of(b, returns) <= keyword,
	              "rank %zu for the question", rank_of(b, returns));
	json_decref(b);
}
END_TEST

START_TEST(test_concurrent_requests)
{
	pthread_t t[8];
	for (int i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, hammer, NULL);
	long bad = 0;
	for (int i = 0; i < 8; i++) {
		void *r;
		pthread_join(t[i], &r);
		bad += (long)r;
	}
	ck_assert_int_eq(bad, 0);
}
END_TEST

START_TEST(test_startup_errors)
{
	char *prog = tu_program("searchd");
	char *out = NULL;
	char *cmd = xasprintf("%s --db '%s/missing' --listen 127.0.0.1:0", prog, dir);
	ck_assert_int_eq(tu_run(cmd, &out), 1);
	ck_assert_msg(strstr(out, "cannot open index") != NULL, "%s", out);
	free(out);
	free(cmd);
	/* The port the running daemon holds is taken. */
	cmd = xasprintf("%s --db '%s' --listen 127.0.0.1:%u", prog, db, srv.port);
	ck_assert_int_eq(tu_run(cmd, &out), 1);
	ck_assert_msg(strstr(out, "cannot listen") != NULL, "%s", out);
	free(out);
	free(cmd);
	cmd = xasprintf("%s --db '%s' --listen nonsense", prog, db);
	ck_assert_int_eq(tu_run(cmd, &out), 1);
	ck_assert_msg(strstr(out, "bad listen address") != NULL, "%s", out);
	free(out);
	free(cmd);
	/* An empty setting is refused, not taken as no value. */
	cmd = xasprintf("%s --db '%s' --listen ''", prog, db);
	ck_assert_int_eq(tu_run(cmd, &out), 1);
	ck_assert_msg(strstr(out, "listen must not be empty") != NULL, "%s", out);
	free(out);
	free(cmd);
	cmd = xasprintf("%s --help", prog);
	ck_assert_int_eq(tu_run(cmd, &out), 0);
	ck_assert_msg(strstr(out, "usage: searchd") != NULL, "%s", out);
	free(out);
	free(cmd);
	free(prog);
}
END_TEST

START_TEST(test_sigterm_stops_cleanly)
{
	struct tu_server s2;
	ck_assert(tu_server_start(&s2, db, NULL));
	json_t *b = NULL;
	ck_assert_int_eq(tu_get(&s2, "/search", &b, "q", "zwembad", NULL), 200);
	json_decref(b);
	ck_assert_int_eq(tu_server_stop(&s2), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("searchd");
	TCase *tc = tcase_create("http");
	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_returns_faq_ranks_first);
	tcase_add_test(tc, test_product_has_price_and_availability);
	tcase_add_test(tc, test_manual_section_deep_link);
	tcase_add_test(tc, test_zwembad_ranked_with_snippets);
	tcase_add_test(tc, test_filters_and_paging);
	tcase_add_test(tc, test_malformed_requests_get_json_400);
	tcase_add_test(tc, test_facets_filters_and_sort);
	tcase_add_test(tc, test_typo_is_corrected);
	tcase_add_test(tc, test_synonyms_from_the_editors_file);
	tcase_add_test(tc, test_dutch_compounds);
	tcase_add_test(tc, test_case_and_accents_fold);
	tcase_add_test(tc, test_tokens_as_typed);
	tcase_add_test(tc, test_exact_sku_ean_and_name_first);
	tcase_add_test(tc, test_question_ranks_like_keyword);
	tcase_add_test(tc, test_suggest_completes_the_last_word);
	tcase_add_test(tc, test_suggest_limit_lang_and_empty);
	tcase_add_test(tc, test_suggest_errors);
	tcase_add_test(tc, test_concurrent_requests);
	tcase_add_test(tc, test_startup_errors);
	tcase_add_test(tc, test_sigterm_stops_cleanly);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	/* One process: the fixture's server is shared by every test. */
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
