/*
 * test_answer.c - end to end: /answer, /related/{id}, /opensearch.xml and
 * /suggest?format=opensearch against the real searchd over content/
 * indexed by the real indexer, as a chat widget, a "related articles"
 * block and a browser's search bar see them; and /answer's calibration
 * figures held to tests/relevance/answer_floor.txt.
 */
#define _GNU_SOURCE /* strcasestr */
#include <check.h>
#include <curl/curl.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "relevance/answerset.h"
#include "testutil.h"
#include "util.h"

static char *dir, *db;
static struct tu_server srv;

static void suite_setup(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	xmlInitParser();
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
	xmlCleanupParser();
	curl_global_cleanup();
}

static const char *str(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : "";
}

static double num(json_t *obj, const char *key)
{
	return json_number_value(json_object_get(obj, key));
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

/* ------------------------------------------------------------ /answer */

/* GET /answer?q=...&lang=... (lang NULL: none); checks the reply's shape
 * and returns it. */
static json_t *ask(const char *q, const char *lang)
{
	json_t *b = NULL;
	long code = lang ? tu_get(&srv, "/answer", &b, "q", q, "lang", lang, NULL)
	                 : tu_get(&srv, "/answer", &b, "q", q, NULL);
	ck_assert_msg(code == 200, "'%s' gave %ld", q, code);
	ck_assert_str_eq(str(b, "query"), q);
	ck_assert(json_is_number(json_object_get(b, "took_ms")));
	double c = num(b, "confidence");
	ck_assert_msg(c >= 0 && c <= 1, "confidence %f", c);
	json_t *ev = json_object_get(b, "evidence");
	ck_assert_msg(json_is_object(ev), "no evidence");
	ck_assert(num(ev, "coverage") >= 0 && num(ev, "coverage") <= 1);
	ck_assert(num(ev, "title_coverage") >= 0 && num(ev, "title_coverage") <= 1);
	ck_assert(num(ev, "margin") >= 0 && num(ev, "margin") <= 1);
	json_t *a = json_object_get(b, "answer");
	ck_assert_msg(json_is_null(a) || json_is_object(a), "answer is neither null nor an object");
	return b;
}

static const char *answer_id(json_t *b)
{
	return str(json_object_get(b, "answer"), "id");
}

START_TEST(test_answer_a_question)
{
	json_t *b = ask("Hoe kan ik mijn bestelling retourneren?", NULL);
	json_t *a = json_object_get(b, "answer");
	ck_assert_str_eq(answer_id(b), "faq/retourneren.html#bestelling-retourneren");
	ck_assert_str_eq(str(a, "title"), "Hoe kan ik mijn bestelling retourneren?");
	ck_assert_str_eq(str(a, "url"), "faq/retourneren.html#bestelling-retourneren");
	/* The whole answer as plain text, and a snippet with the matches. */
	ck_assert_msg(strstr(str(a, "text"), "30 dagen bedenktijd") != NULL, "text %s",
	              str(a, "text"));
	ck_assert_msg(strstr(str(a, "text"), "retourlabel") != NULL, "text %s", str(a, "text"));
	ck_assert_ptr_null(strchr(str(a, "text"), '<'));
	ck_assert_msg(strstr(str(a, "snippet"), "<mark>") != NULL, "snippet %s", str(a, "snippet"));
	ck_assert_msg(num(b, "confidence") >= 0.8, "confidence %f", num(b, "confidence"));
	ck_assert_ptr_null(json_object_get(b, "session"));
	json_decref(b);

	/* The customer's own words, a typo, a compound split. */
	b = ask("ik wil mijn wachtwoord wijzigen", NULL);
	ck_assert_str_eq(answer_id(b), "faq/account.html#wachtwoord-wijzigen");
	json_decref(b);
	b = ask("hoe kan ik mijn bestelling retourneern", NULL);
	ck_assert_str_eq(answer_id(b), "faq/retourneren.html#bestelling-retourneren");
	json_decref(b);
	b = ask("mijn zwembadwater is troebel", NULL);
	ck_assert_str_eq(answer_id(b), "faq/producten.html#zwembad-water-helder");
	json_decref(b);

	/* English, among the English answers only. */
	b = ask("how do i return an order", "en");
	ck_assert_str_eq(answer_id(b), "en/faq/shipping-returns.html#return-order");
	json_decref(b);
	b = ask("I forgot my password", "en");
	ck_assert_str_eq(answer_id(b), "en/faq/account-payment.html#forgot-password");
	json_decref(b);
}
END_TEST

START_TEST(test_answer_none_when_off_topic)
{
	static const char *const nl[] = {
	    "wat is de hoofdstad van frankrijk",
	    "kan ik bij jullie een auto huren",
	    "hoe laat is het in tokio",
	    "kan ik een zwembad huren",
	    "wat is het wachtwoord van jullie wifi",
	};
	static const char *const en[] = {"what time is it in tokyo", "can i pay my taxes online"};
	for (size_t i = 0; i < sizeof nl / sizeof *nl + sizeof en / sizeof *en; i++) {
		bool dutch = i < sizeof nl / sizeof *nl;
		const char *q = dutch ? nl[i] : en[i - sizeof nl / sizeof *nl];
		json_t *b = ask(q, dutch ? "nl" : "en");
		ck_assert_msg(json_is_null(json_object_get(b, "answer")), "'%s' answered by %s", q,
		              answer_id(b));
		ck_assert_msg(num(b, "confidence") < 0.5, "'%s': confidence %f", q,
		              num(b, "confidence"));
		json_decref(b);
	}
	/* Nothing to answer: no error, no answer. */
	json_t *b = ask("   ", NULL);
	ck_assert(json_is_null(json_object_get(b, "answer")));
	ck_assert(num(b, "confidence") == 0);
	json_decref(b);
	b = ask("de het een", NULL);
	ck_assert(json_is_null(json_object_get(b, "answer")));
	json_decref(b);
	/* Query syntax is words here too. */
	b = ask("zwembad (AND \"", NULL);
	json_decref(b);
}
END_TEST

START_TEST(test_answer_min_confidence_and_session)
{
	json_t *b = NULL;
	/* The best FAQ of an off-topic question, when the caller wants it. */
	ck_assert_int_eq(tu_get(&srv, "/answer", &b, "q", "kan ik bij jullie een auto huren",
	                        "min_confidence", "0", NULL),
	                 200);
	ck_assert_msg(json_is_object(json_object_get(b, "answer")),
	              "no answer at min_confidence 0");
	ck_assert_msg(num(b, "confidence") < 0.5, "confidence %f", num(b, "confidence"));
	json_decref(b);
	/* A good answer held back by a higher bar still says how sure. */
	ck_assert_int_eq(tu_get(&srv, "/answer", &b, "q", "kan ik mijn bestelling nog annuleren",
	                        "min_confidence", "1", NULL),
	                 200);
	ck_assert(json_is_null(json_object_get(b, "answer")));
	ck_assert_msg(num(b, "confidence") > 0.8, "confidence %f", num(b, "confidence"));
	json_decref(b);
	ck_assert_int_eq(tu_get(&srv, "/answer", &b, "q", "kan ik mijn bestelling nog annuleren",
	                        "min_confidence", "0.8", "session", "chat-42_a.b:c", NULL),
	                 200);
	ck_assert_str_eq(answer_id(b), "faq/bestelling-volgen.html#bestelling-annuleren");
	ck_assert_str_eq(str(b, "session"), "chat-42_a.b:c");
	json_decref(b);
}
END_TEST

START_TEST(test_answer_errors)
{
	static const char *const bad[] = {
	    "/answer", /* no q */
	    "/answer?q=retour&lang=fr",
	    "/answer?q=retour&type=faq", /* a /search parameter, unknown here */
	    "/answer?q=retour&min_confidence=1.5",
	    "/answer?q=retour&min_confidence=-0.1",
	    "/answer?q=retour&min_confidence=abc",
	    "/answer?q=retour&session=",
	    "/answer?q=retour&session=a%20b",
	    "/answer?q=retour&session=%3Cscript%3E",
	    "/answer?q=caf%E9", /* invalid UTF-8 */
	};
	json_t *b = NULL;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		long code = tu_http(&srv, "GET", bad[i], &b);
		ck_assert_msg(code == 400, "%s gave %ld", bad[i], code);
		ck_assert_str_eq(error_code(b), "bad_request");
		json_decref(b);
	}
	ck_assert_int_eq(tu_http(&srv, "GET", "/answer", &b), 400);
	ck_assert_str_eq(error_message(b), "missing parameter 'q'");
	json_decref(b);
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "/answer?session=");
	for (int i = 0; i < 129; i++)
		strbuf_addch(&sb, 's');
	strbuf_addstr(&sb, "&q=");
	for (int i = 0; i < 1001; i++)
		strbuf_addch(&sb, 'a');
	ck_assert_int_eq(tu_http(&srv, "GET", sb.buf, &b), 400);
	ck_assert_msg(strstr(error_message(b), "session") != NULL, "%s", error_message(b));
	json_decref(b);
	strbuf_release(&sb);
	strbuf_addstr(&sb, "/answer?q=");
	for (int i = 0; i < 1001; i++)
		strbuf_addch(&sb, 'a');
	ck_assert_int_eq(tu_http(&srv, "GET", sb.buf, &b), 400);
	ck_assert_msg(strstr(error_message(b), "longer than") != NULL, "%s", error_message(b));
	json_decref(b);
	strbuf_release(&sb);
	ck_assert_int_eq(tu_http(&srv, "POST", "/answer?q=retour", &b), 405);
	ck_assert_str_eq(error_code(b), "method_not_allowed");
	json_decref(b);
	/* A long question of many words is answered in bounded time. */
	strbuf_addstr(&sb, "/answer?q=");
	for (int i = 0; i < 60; i++)
		strbuf_addf(&sb, "%s%s%d", i ? "%20" : "", i % 2 ? "retourneren" : "zwembad", i);
	ck_assert_int_eq(tu_http(&srv, "GET", sb.buf, &b), 200);
	json_decref(b);
	strbuf_release(&sb);
}
END_TEST

/*
 * The calibration: the judged questions of tests/relevance/ through this
 * server as it decides by itself, against the figures measured when the
 * model was fit (build/tests/answers), less a small margin.
 */
START_TEST(test_answer_calibration_floor)
{
	struct answer_set set = {0};
	char *err = NULL;
	if (answerset_load(&set, "tests/relevance/queries.tsv", "tests/relevance/unanswerable.txt",
	                   db, &err) < 0 ||
	    answerset_run(&set, &srv, &err) < 0)
		ck_abort_msg("%s", err);
	struct answer_figures f;
	answerset_figures(&set, "answerable", -1, &f);
	ck_assert_uint_ge(f.cases, 25);
	answerset_figures(&set, "unanswerable", -1, &f);
	ck_assert_uint_ge(f.cases, 25);
	int below = answerset_check_floor(&set, "tests/relevance/answer_floor.txt", stderr, &err);
	ck_assert_msg(below >= 0, "%s", err);
	ck_assert_msg(below == 0,
	              "%d figure(s) below tests/relevance/answer_floor.txt (see above; "
	              "make answer-eval shows every question)",
	              below);
	answerset_release(&set);
}
END_TEST

/* ----------------------------------------------------------- /related */

static json_t *related(const char *path, long want)
{
	json_t *b = NULL;
	long code = tu_http(&srv, "GET", path, &b);
	ck_assert_msg(code == want, "%s gave %ld", path, code);
	return b;
}

START_TEST(test_related_of_the_returns_answer)
{
	json_t *b = related("/related/faq/retourneren.html%23bestelling-retourneren", 200);
	ck_assert_str_eq(str(b, "id"), "faq/retourneren.html#bestelling-retourneren");
	ck_assert(json_is_number(json_object_get(b, "took_ms")));
	json_t *list = json_object_get(b, "related");
	ck_assert_uint_eq(json_array_size(list), 5);
	bool page = false;
	size_t returns = 0, i;
	json_t *h;
	json_array_foreach(list, i, h)
	{
		const char *id = str(h, "id");
		ck_assert_msg(*str(h, "title") && *str(h, "url") && *str(h, "type"),
		              "incomplete %s", id);
		ck_assert_ptr_null(json_object_get(h, "body"));
		ck_assert_str_ne(id, "faq/retourneren.html#bestelling-retourneren");
		ck_assert_msg(strcmp(str(h, "type"), "product") != 0,
		              "product %s among the related", id);
		ck_assert_str_eq(str(h, "lang"), "nl");
		page = page || strcmp(id, "retourneren.html") == 0;
		if (strstr(id, "retour") || strstr(id, "terugbetaling"))
			returns++;
	}
	ck_assert_msg(page, "the returns page is not among the related");
	ck_assert_msg(returns >= 3, "only %zu of the related are about returns", returns);
	json_decref(b);

	/* More, and still no products. */
	b = related("/related/faq/retourneren.html%23bestelling-retourneren?limit=10", 200);
	ck_assert_uint_eq(json_array_size(json_object_get(b, "related")), 10);
	json_array_foreach(json_object_get(b, "related"), i, h)
	    ck_assert_msg(strcmp(str(h, "type"), "product") != 0, "product %s", str(h, "id"));
	json_decref(b);

	/* A product's related are of its kind: sand filter pumps, their
	 * manual, their sand. */
	b = related("/related/products/filters-en-pompen/aquapro-zandfilterpomp-sf60.html?limit=3",
	            200);
	ck_assert_uint_eq(json_array_size(json_object_get(b, "related")), 3);
	ck_assert_str_eq(str(json_array_get(json_object_get(b, "related"), 0), "id"),
	                 "products/filters-en-pompen/aquapro-zandfilterpomp-sf100.html");
	json_array_foreach(json_object_get(b, "related"), i, h)
	    ck_assert_msg(strstr(str(h, "id"), "filter") || strstr(str(h, "id"), "zandfilterpomp"),
	                  "%s", str(h, "id"));
	json_decref(b);
}
END_TEST

START_TEST(test_related_languages)
{
	size_t i;
	json_t *h;
	/* An English answer's related are English first (and here only). */
	json_t *b = related("/related/en/faq/shipping-returns.html%23return-order", 200);
	ck_assert_uint_eq(json_array_size(json_object_get(b, "related")), 5);
	json_array_foreach(json_object_get(b, "related"), i, h)
	    ck_assert_str_eq(str(h, "lang"), "en");
	json_decref(b);
	/* lang picks the language of the related. */
	b = related("/related/faq/retourneren.html%23bestelling-retourneren?lang=en&limit=3", 200);
	ck_assert_uint_gt(json_array_size(json_object_get(b, "related")), 0);
	json_array_foreach(json_object_get(b, "related"), i, h)
	    ck_assert_str_eq(str(h, "lang"), "en");
	ck_assert_str_eq(str(json_array_get(json_object_get(b, "related"), 0), "id"),
	                 "en/faq/shipping-returns.html#return-order");
	json_decref(b);
}
END_TEST

START_TEST(test_related_errors)
{
	json_t *b = related("/related/faq/nothing-like-it.html", 404);
	ck_assert_str_eq(error_code(b), "not_found");
	ck_assert_str_eq(error_message(b), "no document with id 'faq/nothing-like-it.html'");
	json_decref(b);
	static const char *const bad[] = {
	    "/related/retourneren.html?limit=0",  "/related/retourneren.html?limit=51",
	    "/related/retourneren.html?limit=x",  "/related/retourneren.html?lang=de",
	    "/related/retourneren.html?q=retour", "/related/caf%E9",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		b = related(bad[i], 400);
		ck_assert_str_eq(error_code(b), "bad_request");
		json_decref(b);
	}
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "/related/");
	for (int i = 0; i < 300; i++)
		strbuf_addch(&sb, 'x');
	b = related(sb.buf, 400);
	ck_assert_msg(strstr(error_message(b), "longer than") != NULL, "%s", error_message(b));
	json_decref(b);
	strbuf_release(&sb);
	b = related("/related/", 404); /* no id: no such endpoint */
	json_decref(b);
	ck_assert_int_eq(tu_http(&srv, "DELETE", "/related/retourneren.html", &b), 405);
	json_decref(b);
}
END_TEST

/* -------------------------------------------------------- OpenSearch */

static const char *const OPENSEARCH_NS = "http://a9.com/-/spec/opensearch/1.1/";

/* The description document from srv s with these headers; checks the
 * status and the content type.  Free with xmlFreeDoc. */
static xmlDocPtr description(const struct tu_server *s, const char *const *headers)
{
	struct tu_req rq = {"GET", "/opensearch.xml", headers, NULL, 0};
	struct tu_resp resp;
	ck_assert_int_eq(tu_request(s, &rq, &resp), 200);
	char *type = tu_resp_header(&resp, "Content-Type");
	ck_assert_str_eq(type ? type : "", "application/opensearchdescription+xml");
	free(type);
	xmlDocPtr doc = xmlReadMemory(resp.body, (int)resp.body_len, "opensearch.xml", NULL,
	                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	ck_assert_msg(doc != NULL, "not XML: %s", resp.body);
	tu_resp_release(&resp);
	xmlNodePtr root = xmlDocGetRootElement(doc);
	ck_assert_str_eq((const char *)root->name, "OpenSearchDescription");
	ck_assert_msg(root->ns && strcmp((const char *)root->ns->href, OPENSEARCH_NS) == 0,
	              "not in the OpenSearch 1.1 namespace");
	return doc;
}

/* The text of the root's child element name (new: free()), "" when none. */
static char *element(xmlDocPtr doc, const char *name)
{
	for (xmlNodePtr n = xmlDocGetRootElement(doc)->children; n; n = n->next) {
		if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0) {
			xmlChar *t = xmlNodeGetContent(n);
			char *s = xstrdup((const char *)t);
			xmlFree(t);
			return s;
		}
	}
	return xstrdup("");
}

/* The template of the <Url> of this type (new: free()), "" when none. */
static char *url_template(xmlDocPtr doc, const char *type)
{
	for (xmlNodePtr n = xmlDocGetRootElement(doc)->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, "Url") != 0)
			continue;
		xmlChar *t = xmlGetProp(n, BAD_CAST "type");
		bool match = t && strcmp((const char *)t, type) == 0;
		xmlFree(t);
		if (match) {
			xmlChar *tmpl = xmlGetProp(n, BAD_CAST "template");
			char *s = xstrdup(tmpl ? (const char *)tmpl : "");
			xmlFree(tmpl);
			return s;
		}
	}
	return xstrdup("");
}

static void check_text(char *got, const char *want)
{
	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(test_opensearch_description)
{
	static const char *const host[] = {"Host: shop.example:8080", NULL};
	xmlDocPtr doc = description(&srv, host);
	check_text(element(doc, "ShortName"), "vraagbaak");
	check_text(element(doc, "InputEncoding"), "UTF-8");
	char *desc = element(doc, "Description");
	ck_assert_msg(*desc, "no Description");
	free(desc);
	check_text(url_template(doc, "text/html"), "http://shop.example:8080/?q={searchTerms}");
	check_text(url_template(doc, "application/x-suggestions+json"),
	           "http://shop.example:8080/suggest?q={searchTerms}&format=opensearch");
	check_text(url_template(doc, "application/json"),
	           "http://shop.example:8080/search?q={searchTerms}");
	xmlFreeDoc(doc);

	/* An odd Host is not put into the document: the address the request
	 * came in on is. */
	char *local = xasprintf("http://127.0.0.1:%u/?q={searchTerms}", srv.port);
	static const char *const odd[] = {"evil.example/x?y=1", "user@evil.example",
	                                  "evil.example:99999", "a\"b", "[zz]"};
	for (size_t i = 0; i < sizeof odd / sizeof *odd; i++) {
		char *h = xasprintf("Host: %s", odd[i]);
		const char *const hs[] = {h, NULL};
		doc = description(&srv, hs);
		check_text(url_template(doc, "text/html"), local);
		xmlFreeDoc(doc);
		free(h);
	}
	free(local);
	/* IPv6 literals are hosts too. */
	static const char *const v6[] = {"Host: [::1]:8080", NULL};
	doc = description(&srv, v6);
	check_text(url_template(doc, "text/html"), "http://[::1]:8080/?q={searchTerms}");
	xmlFreeDoc(doc);

	json_t *b = NULL;
	ck_assert_int_eq(tu_http(&srv, "GET", "/opensearch.xml?x=1", &b), 400);
	ck_assert_str_eq(error_code(b), "bad_request");
	json_decref(b);
}
END_TEST

/* The OpenSearch suggestions of q (extra: one more parameter pair, may
 * be NULL); checks the format and returns the array. */
static json_t *os_suggest(const char *q, const char *k, const char *v)
{
	json_t *b = NULL;
	CURL *c = curl_easy_init();
	char *eq = curl_easy_escape(c, q, 0);
	char *path = xasprintf("/suggest?q=%s&format=opensearch%s%s%s%s", eq, k ? "&" : "",
	                       k ? k : "", k ? "=" : "", k ? v : "");
	curl_free(eq);
	curl_easy_cleanup(c);
	struct tu_req rq = {"GET", path, NULL, NULL, 0};
	struct tu_resp resp;
	ck_assert_int_eq(tu_request(&srv, &rq, &resp), 200);
	char *type = tu_resp_header(&resp, "Content-Type");
	ck_assert_str_eq(type ? type : "", "application/x-suggestions+json");
	free(type);
	b = resp.json;
	resp.json = NULL;
	tu_resp_release(&resp);
	free(path);
	ck_assert_msg(json_is_array(b) && json_array_size(b) == 4, "not [q, completions, "
	                                                           "descriptions, urls]");
	ck_assert_str_eq(json_string_value(json_array_get(b, 0)), q);
	size_t n = json_array_size(json_array_get(b, 1));
	ck_assert_uint_eq(json_array_size(json_array_get(b, 2)), n);
	ck_assert_uint_eq(json_array_size(json_array_get(b, 3)), n);
	char *base = xasprintf("http://127.0.0.1:%u/?q=", srv.port);
	for (size_t i = 0; i < n; i++) {
		const char *u = json_string_value(json_array_get(json_array_get(b, 3), i));
		ck_assert_msg(u && strncmp(u, base, strlen(base)) == 0, "url %s", u ? u : "(none)");
		ck_assert_msg(!strchr(u + strlen(base), ' ') && !strchr(u + strlen(base), '&'),
		              "url %s is not encoded", u);
	}
	free(base);
	return b;
}

static bool has_completion(json_t *b, const char *text)
{
	size_t i;
	json_t *t;
	json_array_foreach(json_array_get(b, 1), i,
	                   t) if (strcmp(json_string_value(t), text) == 0) return true;
	return false;
}

START_TEST(test_opensearch_suggestions)
{
	json_t *b = os_suggest("zandfilter terugs", NULL, NULL);
	ck_assert_msg(has_completion(b, "zandfilter terugspoelen"), "no 'zandfilter terugspoelen'");
	ck_assert_str_eq(json_string_value(json_array_get(json_array_get(b, 1), 0)),
	                 "zandfilter terugspoelen");
	char *url = xasprintf("http://127.0.0.1:%u/?q=zandfilter%%20terugspoelen", srv.port);
	ck_assert_str_eq(json_string_value(json_array_get(json_array_get(b, 3), 0)), url);
	free(url);
	json_decref(b);

	/* Words and titles share the list: half each when both have plenty. */
	b = os_suggest("zwemb", "limit", "4");
	ck_assert_uint_eq(json_array_size(json_array_get(b, 1)), 4);
	ck_assert_msg(has_completion(b, "zwembad"), "no 'zwembad'");
	size_t titles = 0, i;
	json_t *d;
	json_array_foreach(json_array_get(b, 2), i, d) titles +=
	    *json_string_value(d) != '\0'; /* titles are described by their type */
	ck_assert_uint_eq(titles, 2);
	json_decref(b);

	/* A finished word: titles only; an empty bar: nothing. */
	b = os_suggest("zwembad vullen ", NULL, NULL);
	ck_assert_msg(has_completion(b, "Het zwembad vullen"), "no title 'Het zwembad vullen'");
	json_decref(b);
	b = os_suggest("", NULL, NULL);
	ck_assert_uint_eq(json_array_size(json_array_get(b, 1)), 0);
	json_decref(b);

	/* format=json is the usual reply; other formats are refused. */
	json_t *j = NULL;
	ck_assert_int_eq(tu_get(&srv, "/suggest", &j, "q", "zwemb", "format", "json", NULL), 200);
	ck_assert_msg(json_is_array(json_object_get(j, "suggestions")), "not the JSON reply");
	json_decref(j);
	ck_assert_int_eq(tu_get(&srv, "/suggest", &j, "q", "zwemb", "format", "xml", NULL), 400);
	ck_assert_str_eq(error_message(j), "parameter 'format' must be one of json, opensearch");
	json_decref(j);
}
END_TEST

/* A second searchd with a public URL, a shop name and a search key:
 * the description uses them and stays public; the rest needs the key. */
START_TEST(test_opensearch_public_url_and_keys)
{
	struct tu_server s2;
	ck_assert(tu_server_start(&s2, db,
	                          "--public-url https://help.shop.example/zoeken/ "
	                          "--site-name 'Tuin & Bad' --search-key zoeksleutel1"));
	xmlDocPtr doc = description(&s2, NULL);
	check_text(element(doc, "ShortName"), "Tuin & Bad");
	check_text(url_template(doc, "text/html"),
	           "https://help.shop.example/zoeken/?q={searchTerms}");
	check_text(url_template(doc, "application/x-suggestions+json"),
	           "https://help.shop.example/zoeken/suggest?q={searchTerms}&format=opensearch");
	xmlFreeDoc(doc);
	json_t *b = NULL;
	ck_assert_int_eq(tu_http(&s2, "GET", "/answer?q=retourneren", &b), 401);
	json_decref(b);
	ck_assert_int_eq(tu_http(&s2, "GET", "/related/retourneren.html", &b), 401);
	json_decref(b);
	static const char *const key[] = {"Authorization: Bearer zoeksleutel1", NULL};
	struct tu_req rq = {"GET", "/suggest?q=zwemb&format=opensearch", key, NULL, 0};
	struct tu_resp resp;
	ck_assert_int_eq(tu_request(&s2, &rq, &resp), 200);
	const char *u = json_string_value(json_array_get(json_array_get(resp.json, 3), 0));
	ck_assert_msg(u && strncmp(u, "https://help.shop.example/zoeken/?q=", 36) == 0, "url %s",
	              u ? u : "(none)");
	tu_resp_release(&resp);
	rq.path = "/answer?q=retourneren";
	ck_assert_int_eq(tu_request(&s2, &rq, &resp), 200);
	tu_resp_release(&resp);
	ck_assert_int_eq(tu_server_stop(&s2), 0);

	/* Settings that cannot work stop searchd at start. */
	static const char *const bad[] = {"--public-url ftp://shop.example",
	                                  "--public-url 'https://shop.example/?q=1'",
	                                  "--site-name 'A name far too long for a search bar'"};
	char *prog = tu_program("searchd");
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char *out = NULL;
		char *cmd = xasprintf("%s --db '%s' --listen 127.0.0.1:0 %s", prog, db, bad[i]);
		ck_assert_int_eq(tu_run(cmd, &out), 1);
		ck_assert_msg(strstr(out, bad[i][2] == 'p' ? "public_url" : "site_name") != NULL,
		              "%s", out);
		free(out);
		free(cmd);
	}
	free(prog);
}
END_TEST

/* ------------------------------------------------------- concurrency */

static void *hammer(void *arg)
{
	(void)arg;
	static const char *const questions[] = {"hoe kan ik mijn bestelling retourneren",
	                                        "wat zijn de verzendkosten", "hoe laat is het"};
	long bad = 0;
	for (int i = 0; i < 20; i++) {
		json_t *b = NULL;
		if (tu_get(&srv, "/answer", &b, "q", questions[i % 3], NULL) != 200 ||
		    !json_object_get(b, "answer"))
			bad++;
		json_decref(b);
		b = NULL;
		if (tu_http(&srv, "GET", "/related/faq/bezorging.html%23levertijd", &b) != 200 ||
		    json_array_size(json_object_get(b, "related")) == 0)
			bad++;
		json_decref(b);
		struct tu_req rq = {"GET", "/opensearch.xml", NULL, NULL, 0};
		struct tu_resp resp;
		if (tu_request(&srv, &rq, &resp) != 200 ||
		    !strstr(resp.body, "</OpenSearchDescription>"))
			bad++;
		tu_resp_release(&resp);
	}
	return (void *)bad;
}

START_TEST(test_concurrent_requests)
{
	pthread_t t[6];
	for (int i = 0; i < 6; i++)
		pthread_create(&t[i], NULL, hammer, NULL);
	long bad = 0;
	for (int i = 0; i < 6; i++) {
		void *r;
		pthread_join(t[i], &r);
		bad += (long)r;
	}
	ck_assert_int_eq(bad, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("answer");
	TCase *tc = tcase_create("http");
	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_answer_a_question);
	tcase_add_test(tc, test_answer_none_when_off_topic);
	tcase_add_test(tc, test_answer_min_confidence_and_session);
	tcase_add_test(tc, test_answer_errors);
	tcase_add_test(tc, test_answer_calibration_floor);
	tcase_add_test(tc, test_related_of_the_returns_answer);
	tcase_add_test(tc, test_related_languages);
	tcase_add_test(tc, test_related_errors);
	tcase_add_test(tc, test_opensearch_description);
	tcase_add_test(tc, test_opensearch_suggestions);
	tcase_add_test(tc, test_opensearch_public_url_and_keys);
	tcase_add_test(tc, test_concurrent_requests);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	/* One process: the fixture's server is shared by every test. */
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
