/*
 * test_static.c - end to end: the help centre's files as searchd serves
 * them.  A temporary web root with a page, a script, styles, a config,
 * links that point in and out of it, a hidden file and a file too large;
 * next to it a secret that no path may reach.  Then what a browser (or an
 * attacker) gets: the right bytes with the right content type, 304 for a
 * file it has, JSON 400/404 for names that are refused or missing.  Last,
 * the repository's own web/ as `make run` serves it.
 */
#define _GNU_SOURCE
#include <check.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "util.h"

static char *dir, *db, *web;
static struct tu_server srv;

static const char feed[] =
    "{\"id\":\"faq-retour\",\"type\":\"faq\",\"title\":\"Hoe retourneer ik een bestelling?\","
    "\"body\":\"Meld je retour binnen 30 dagen aan via je account.\",\"url\":\"/faq#retour\"}\n";

static const char page[] = "<!DOCTYPE html><title>Hulp</title><script src=static/app.js></script>";

static void suite_setup(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	dir = tu_tmpdir();
	db = xasprintf("%s/db", dir);
	web = xasprintf("%s/web", dir);
	tu_write(dir, "feed.ndjson", feed);
	tu_write(dir, "secret.txt", "the shop's secret\n");
	tu_write(dir, "outside/x.js", "alert('outside')\n");
	tu_write(web, "index.html", page);
	tu_write(web, "app.js", "console.log('app');\n");
	tu_write(web, "app.css", "body { color: #222; }\n");
	tu_write(web, "config.json", "{\"shop\": \"Tuin & Bad\"}\n");
	tu_write(web, "logo.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n");
	tu_write(web, "notes.unknownext", "plain bytes\n");
	tu_write(web, "img/icons/star.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n");
	tu_write(web, ".htpasswd", "admin:secret\n");
	tu_write(web, "sub/readme.txt", "in a folder\n");
	/* One byte over the 4 MiB searchd serves. */
	size_t big = 4 * 1024 * 1024 + 1;
	char *junk = xmalloc(big);
	memset(junk, 'x', big);
	tu_write_bytes(web, "big.js", junk, big);
	free(junk);
	char *link = xasprintf("%s/passwd.txt", web), *in = xasprintf("%s/alias.js", web);
	char *outlink = xasprintf("%s/out", web), *secret = xasprintf("%s/secret.txt", dir);
	char *outside = xasprintf("%s/outside", dir);
	char *fifo = xasprintf("%s/pipe.js", web);
	if (mkfifo(fifo, 0644) != 0) {
		perror("mkfifo");
		abort();
	}
	free(fifo);
	if (symlink(secret, link) != 0 || symlink("app.js", in) != 0 ||
	    symlink(outside, outlink) != 0) {
		perror("symlink");
		abort();
	}
	free(link);
	free(in);
	free(outlink);
	free(secret);
	free(outside);

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
	char *extra = xasprintf("--web-root '%s'", web);
	if (!tu_server_start(&srv, db, extra)) {
		fprintf(stderr, "searchd did not start\n");
		abort();
	}
	free(extra);
}

static void suite_teardown(void)
{
	tu_server_stop(&srv);
	tu_rmrf(dir);
	free(dir);
	free(db);
	free(web);
	curl_global_cleanup();
}

/* GET path (sent as is) with optional headers; the caller releases r. */
static long get(const struct tu_server *s, const char *path, const char *const *headers,
                struct tu_resp *r)
{
	struct tu_req rq = {"GET", path, headers, NULL, 0};
	return tu_request(s, &rq, r);
}

/* The value of header name, "" when absent (kept until the next call). */
static const char *header(const struct tu_resp *r, const char *name)
{
	static char *last;
	free(last);
	last = tu_resp_header(r, name);
	return last ? last : "";
}

static const char *error_code(const struct tu_resp *r)
{
	const char *c =
	    json_string_value(json_object_get(json_object_get(r->json, "error"), "code"));
	return c ? c : "";
}

static const char *error_message(const struct tu_resp *r)
{
	const char *m =
	    json_string_value(json_object_get(json_object_get(r->json, "error"), "message"));
	return m ? m : "";
}

START_TEST(test_index_page)
{
	struct tu_resp r;
	ck_assert_int_eq(get(&srv, "/", NULL, &r), 200);
	ck_assert_str_eq(r.body, page);
	ck_assert_str_eq(header(&r, "Content-Type"), "text/html; charset=utf-8");
	/* A page is revalidated every time, so a deploy shows at once. */
	ck_assert_str_eq(header(&r, "Cache-Control"), "no-cache");
	ck_assert_str_eq(header(&r, "X-Content-Type-Options"), "nosniff");
	ck_assert_msg(*header(&r, "ETag") == '"', "no ETag");
	tu_resp_release(&r);

	/* The page keeps its state in the query string: it must not matter. */
	ck_assert_int_eq(get(&srv, "/?q=retour&type=faq&lang=en", NULL, &r), 200);
	ck_assert_str_eq(r.body, page);
	tu_resp_release(&r);

	/* HEAD: the headers, no body. */
	struct tu_req rq = {"HEAD", "/", NULL, NULL, 0};
	ck_assert_int_eq(tu_request(&srv, &rq, &r), 200);
	ck_assert_uint_eq(r.body_len, 0);
	char len[16];
	snprintf(len, sizeof len, "%zu", strlen(page));
	ck_assert_str_eq(header(&r, "Content-Length"), len);
	tu_resp_release(&r);

	/* Only GET and HEAD. */
	rq = (struct tu_req){"POST", "/", NULL, "x", 0};
	ck_assert_int_eq(tu_request(&srv, &rq, &r), 405);
	ck_assert_str_eq(header(&r, "Allow"), "GET, HEAD, OPTIONS");
	tu_resp_release(&r);
}
END_TEST

START_TEST(test_content_types)
{
	static const struct {
		const char *path, *type, *cache, *body;
	} cases[] = {
	    {"/static/app.js", "text/javascript; charset=utf-8", "public, max-age=300",
	     "console.log('app');\n"},
	    {"/static/app.css", "text/css; charset=utf-8", "public, max-age=300",
	     "body { color: #222; }\n"},
	    {"/static/config.json", "application/json; charset=utf-8", "no-cache",
	     "{\"shop\": \"Tuin & Bad\"}\n"},
	    {"/static/logo.svg", "image/svg+xml", "public, max-age=300", NULL},
	    {"/static/index.html", "text/html; charset=utf-8", "no-cache", page},
	    {"/static/img/icons/star.svg", "image/svg+xml", "public, max-age=300", NULL},
	    {"/static/sub/readme.txt", "text/plain; charset=utf-8", "no-cache", "in a folder\n"},
	    /* Never guessed: bytes of a type searchd doesn't know stay bytes. */
	    {"/static/notes.unknownext", "application/octet-stream", "no-cache", "plain bytes\n"},
	    /* A link that stays inside the root is fine. */
	    {"/static/alias.js", "text/javascript; charset=utf-8", "public, max-age=300",
	     "console.log('app');\n"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct tu_resp r;
		ck_assert_msg(get(&srv, cases[i].path, NULL, &r) == 200, "%s: %ld %s",
		              cases[i].path, r.status, r.body);
		ck_assert_msg(strcmp(header(&r, "Content-Type"), cases[i].type) == 0, "%s: type %s",
		              cases[i].path, header(&r, "Content-Type"));
		ck_assert_msg(strcmp(header(&r, "Cache-Control"), cases[i].cache) == 0,
		              "%s: cache %s", cases[i].path, header(&r, "Cache-Control"));
		ck_assert_str_eq(header(&r, "X-Content-Type-Options"), "nosniff");
		if (cases[i].body)
			ck_assert_str_eq(r.body, cases[i].body);
		tu_resp_release(&r);
	}
}
END_TEST

START_TEST(test_traversal_refused)
{
	/* Sent as they are (curl keeps the dots); searchd decodes %2e and
	 * %2f before routing, so these all arrive as ../ in some form. */
	static const char *const refused[] = {
	    "/static/../secret.txt",
	    "/static/%2e%2e/secret.txt",
	    "/static/..%2fsecret.txt",
	    "/static/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
	    "/static/sub/../../secret.txt",
	    "/static/./app.js",
	    "/static/.htpasswd",
	    "/static/sub/.hidden",
	    "/static//etc/passwd",
	    "/static/%2fetc%2fpasswd",
	    "/static/sub//readme.txt",
	    "/static/..%5csecret.txt",
	    "/static/sub/",
	    "/static/%ff%fe.js",
	};
	for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
		struct tu_resp r;
		long st = get(&srv, refused[i], NULL, &r);
		ck_assert_msg(st == 400, "%s: %ld %s", refused[i], st, r.body);
		ck_assert_str_eq(error_code(&r), "bad_request");
		ck_assert_msg(strstr(error_message(&r), "cannot serve that path"), "%s: %s",
		              refused[i], error_message(&r));
		ck_assert_msg(!strstr(r.body, "secret") && !strstr(r.body, "root:"),
		              "%s leaked: %s", refused[i], r.body);
		ck_assert_str_eq(header(&r, "Content-Type"), "application/json; charset=utf-8");
		tu_resp_release(&r);
	}

	/* Names that look harmless but lead out of the root by a link, or
	 * to what is not a regular file (a FIFO would block a reader): not
	 * found, and nothing read. */
	static const char *const missing[] = {
	    "/static/passwd.txt", "/static/out/x.js",        "/static/sub",      "/static/img",
	    "/static/nothing.js", "/static/sub/nothing.txt", "/static/app.js/x", "/static/pipe.js",
	};
	for (size_t i = 0; i < sizeof missing / sizeof *missing; i++) {
		struct tu_resp r;
		long st = get(&srv, missing[i], NULL, &r);
		ck_assert_msg(st == 404, "%s: %ld %s", missing[i], st, r.body);
		ck_assert_str_eq(error_code(&r), "not_found");
		ck_assert_msg(strstr(error_message(&r), "no such file: "), "%s", error_message(&r));
		ck_assert_msg(!strstr(r.body, "secret") && !strstr(r.body, "outside"),
		              "%s leaked: %s", missing[i], r.body);
		/* The absolute path of the root stays on the server. */
		ck_assert_msg(!strstr(r.body, dir), "%s shows the server's path: %s", missing[i],
		              r.body);
		tu_resp_release(&r);
	}
}
END_TEST

START_TEST(test_missing_and_too_large)
{
	struct tu_resp r;
	ck_assert_int_eq(get(&srv, "/static/nothing.css", NULL, &r), 404);
	ck_assert_str_eq(error_code(&r), "not_found");
	ck_assert_str_eq(error_message(&r), "no such file: nothing.css");
	/* An error is never cached like a file. */
	ck_assert_str_eq(header(&r, "Cache-Control"), "no-store");
	ck_assert_str_eq(header(&r, "ETag"), "");
	tu_resp_release(&r);

	/* /static itself and /static/ name no file. */
	ck_assert_int_eq(get(&srv, "/static/", NULL, &r), 404);
	ck_assert_str_eq(error_code(&r), "not_found");
	tu_resp_release(&r);

	ck_assert_int_eq(get(&srv, "/static/big.js", NULL, &r), 500);
	ck_assert_str_eq(error_code(&r), "internal");
	ck_assert_msg(strstr(error_message(&r), "big.js is larger than"), "%s", error_message(&r));
	tu_resp_release(&r);

	/* And the daemon serves on. */
	ck_assert_int_eq(get(&srv, "/static/app.js", NULL, &r), 200);
	tu_resp_release(&r);
}
END_TEST

START_TEST(test_etag_revalidation)
{
	struct tu_resp r;
	ck_assert_int_eq(get(&srv, "/static/app.css", NULL, &r), 200);
	char *etag = xstrdup(header(&r, "ETag"));
	tu_resp_release(&r);
	ck_assert_msg(strlen(etag) > 2 && etag[0] == '"', "ETag %s", etag);

	char *inm = xasprintf("If-None-Match: %s", etag);
	const char *h1[] = {inm, NULL};
	ck_assert_int_eq(get(&srv, "/static/app.css", h1, &r), 304);
	ck_assert_uint_eq(r.body_len, 0);
	ck_assert_str_eq(header(&r, "ETag"), etag);
	ck_assert_str_eq(header(&r, "Cache-Control"), "public, max-age=300");
	tu_resp_release(&r);

	/* In a list, and weak: still the same file. */
	char *list = xasprintf("If-None-Match: \"other\", W/%s", etag);
	const char *h2[] = {list, NULL};
	ck_assert_int_eq(get(&srv, "/static/app.css", h2, &r), 304);
	tu_resp_release(&r);

	/* Another tag: the file. */
	const char *h3[] = {"If-None-Match: \"0-0\"", NULL};
	ck_assert_int_eq(get(&srv, "/static/app.css", h3, &r), 200);
	ck_assert_str_eq(r.body, "body { color: #222; }\n");
	tu_resp_release(&r);

	/* The file changes: its tag changes, and the old one gets it whole. */
	tu_write(web, "app.css", "body { color: #111; margin: 0; }\n");
	ck_assert_int_eq(get(&srv, "/static/app.css", h1, &r), 200);
	ck_assert_str_eq(r.body, "body { color: #111; margin: 0; }\n");
	ck_assert_str_ne(header(&r, "ETag"), etag);
	tu_resp_release(&r);
	free(list);
	free(inm);
	free(etag);
}
END_TEST

START_TEST(test_no_web_root)
{
	/* An API-only searchd: no web root.  It starts, searches work, and
	 * the page's address says what is missing. */
	struct tu_server s;
	char *extra = xasprintf("--web-root '%s/none'", dir);
	ck_assert(tu_server_start(&s, db, extra));
	free(extra);
	struct tu_resp r;
	ck_assert_int_eq(get(&s, "/", NULL, &r), 404);
	ck_assert_str_eq(error_code(&r), "not_found");
	ck_assert_msg(strstr(error_message(&r), "web_root"), "%s", error_message(&r));
	tu_resp_release(&r);
	ck_assert_int_eq(get(&s, "/static/app.js", NULL, &r), 404);
	tu_resp_release(&r);
	ck_assert_int_eq(get(&s, "/search?q=retour", NULL, &r), 200);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "total")), 1);
	tu_resp_release(&r);
	ck_assert_int_eq(tu_server_stop(&s), 0);
}
END_TEST

START_TEST(test_shipped_help_centre)
{
	/* The repository's web/, as make run serves it (web_root's default
	 * is "web", relative to the directory searchd runs in). */
	struct tu_server s;
	ck_assert(tu_server_start(&s, db, NULL));
	struct tu_resp r;
	ck_assert_int_eq(get(&s, "/", NULL, &r), 200);
	ck_assert_str_eq(header(&r, "Content-Type"), "text/html; charset=utf-8");
	ck_assert_msg(strstr(r.body, "<html lang=\"nl\""), "not the Dutch page");
	ck_assert_msg(strstr(r.body, "static/app.js"), "the page loads no script");
	ck_assert_msg(strstr(r.body, "static/app.css"), "the page loads no styles");
	tu_resp_release(&r);
	static const char *const files[][2] = {
	    {"/static/app.js", "text/javascript; charset=utf-8"},
	    {"/static/app.css", "text/css; charset=utf-8"},
	    {"/static/widget.js", "text/javascript; charset=utf-8"},
	    {"/static/widget.css", "text/css; charset=utf-8"},
	    {"/static/config.json", "application/json; charset=utf-8"},
	    {"/static/favicon.svg", "image/svg+xml"},
	};
	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		ck_assert_msg(get(&s, files[i][0], NULL, &r) == 200, "%s: %ld", files[i][0],
		              r.status);
		ck_assert_str_eq(header(&r, "Content-Type"), files[i][1]);
		ck_assert_uint_gt(r.body_len, 0);
		tu_resp_release(&r);
	}
	/* The shop's settings: contact options for the empty state. */
	ck_assert_int_eq(get(&s, "/static/config.json", NULL, &r), 200);
	ck_assert_msg(json_is_object(r.json), "config.json is not a JSON object");
	json_t *contact = json_object_get(r.json, "contact");
	ck_assert_msg(json_is_object(contact), "config.json has no contact block");
	ck_assert_msg(json_is_string(json_object_get(contact, "phone")), "no phone");
	ck_assert_msg(json_is_string(json_object_get(contact, "email")), "no email");
	tu_resp_release(&r);
	ck_assert_int_eq(tu_server_stop(&s), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("static");
	TCase *tc = tcase_create("static");
	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_index_page);
	tcase_add_test(tc, test_content_types);
	tcase_add_test(tc, test_traversal_refused);
	tcase_add_test(tc, test_missing_and_too_large);
	tcase_add_test(tc, test_etag_revalidation);
	tcase_add_test(tc, test_no_web_root);
	tcase_add_test(tc, test_shipped_help_centre);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
