/*
 * test_indexer.c - the indexer program as a shop runs it: a tree of pages
 * and feeds in, a summary line and exit status out; re-runs that update
 * and remove; bad input reported as file:line and skipped without losing
 * what was indexed before; a held lock and an interrupted run; a synonyms
 * file, good, bad and missing.
 */
#define _DEFAULT_SOURCE
#include <check.h>
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utime.h>

#include "testutil.h"
#include "util.h"
#include "xs.h"

static char *dir, *site, *db, *indexer;

static void setup(void)
{
	dir = tu_tmpdir();
	site = xasprintf("%s/site", dir);
	db = xasprintf("%s/db", dir);
	indexer = tu_program("indexer");
}

static void teardown(void)
{
	tu_rmrf(dir);
	free(dir);
	free(site);
	free(db);
	free(indexer);
}

static const char page_fmt[] =
	"<!DOCTYPE html><html lang=\"nl\"><head><meta charset=\"utf-8\">"
	"<title>%s | Tuin &amp; Bad</title></head><body><header><nav>Menu Winkelwagen</nav></header>"
	"<main><h1>%s</h1><p>%s</p></main><footer>KvK 12345678</footer></body></html>\n";

static void page(const char *rel, const char *title, const char *text)
{
	char *html = xasprintf(page_fmt, title, title, text);
	tu_write(site, rel, html);
	free(html);
}

/* Run the indexer over site; returns its exit status, output in *out. */
static int run_indexer(char **out)
{
	char *cmd = xasprintf("%s --db '%s' '%s'", indexer, db, site);
	int st = tu_run(cmd, out);
	free(cmd);
	return st;
}

static unsigned long doc_count(void)
{
	xs_db *d = NULL;
	char *err = NULL;
	unsigned long n = 0;
	ck_assert_msg(xs_db_open(db, XS_DB_READ, &d, &err) == XS_OK, "open: %s", err);
	ck_assert_int_eq(xs_db_doc_count(d, &n, &err), XS_OK);
	xs_db_close(d);
	return n;
}

static bool has_doc(const char *id)
{
	xs_db *d = NULL;
	char *data = NULL;
	ck_assert_int_eq(xs_db_open(db, XS_DB_READ, &d, NULL), XS_OK);
	xs_status st = xs_db_get_data(d, id, &data, NULL, NULL);
	xs_free(data);
	xs_db_close(d);
	return st == XS_OK;
}

#define assert_contains(hay, needle) \
	ck_assert_msg(strstr((hay), (needle)) != NULL, "expected '%s' in:\n%s", (needle), (hay))

START_TEST(test_index_and_reindex)
{
	char *out = NULL;
	page("index.html", "Welkom", "Alles voor tuin en zwembad.");
	page("verzending.html", "Verzending", "Gratis verzending vanaf 50 euro.");
	tu_write(site, "feeds/a.ndjson",
	         "{\"id\":\"acc-1\",\"type\":\"product\",\"title\":\"Afdekzeil\",\"price\":19.5}\n"
	         "{\"id\":\"acc-2\",\"type\":\"product\",\"title\":\"Ladder\",\"price\":\"89\"}\n");
	ck_assert_int_eq(run_indexer(&out), 0);
	assert_contains(out, "indexed 4 documents from 3 files");
	assert_contains(out, "4 added, 0 updated, 0 unchanged, 0 removed; 0 problems");
	free(out);
	ck_assert_uint_eq(doc_count(), 4);
	ck_assert(has_doc("index.html"));
	ck_assert(has_doc("acc-2"));

	/* Same tree: nothing to do. */
	ck_assert_int_eq(run_indexer(&out), 0);
	assert_contains(out, "0 added, 0 updated, 4 unchanged, 0 removed");
	free(out);

	/* Files exported again with a new date but the same content: still
	 * nothing to do (their day is not part of what is compared). */
	char *feed = xasprintf("%s/feeds/a.ndjson", site), *index = xasprintf("%s/index.html", site);
	struct utimbuf then = {1700000000, 1700000000};
	ck_assert_int_eq(utime(feed, &then), 0);
	ck_assert_int_eq(utime(index, &then), 0);
	free(feed);
	free(index);
	ck_assert_int_eq(run_indexer(&out), 0);
	assert_contains(out, "0 added, 0 updated, 4 unchanged, 0 removed");
	free(out);

	/* A changed page is updated in place, a removed file's documents go,
	 * a removed feed line's document goes. */
	page("verzending.html", "Verzending", "Gratis verzending vanaf 75 euro.");
	char *gone = xasprintf("%s/index.html", site);
	unlink(gone);
	free(gone);
	tu_write(site, "feeds/a.ndjson",
	         "{\"id\":\"acc-1\",\"type\":\"product\",\"title\":\"Afdekzeil\",\"price\":19.5}\n");
	ck_assert_int_eq(run_indexer(&out), 0);
	assert_contains(out, "0 added, 1 updated, 1 unchanged, 2 removed");
	free(out);
	ck_assert_uint_eq(doc_count(), 2);
	ck_assert(!has_doc("index.html"));
	ck_assert(!has_doc("acc-2"));
}
END_TEST

START_TEST(test_bad_input_is_reported_and_skipped)
{
	char *out = NULL;
	page("goed.html", "Goed", "Deze pagina is in orde.");
	/* Invalid UTF-8 on line 3 of a page that declares none other. */
	tu_write(site, "kapot.html",
	         "<html><head><title>Kapot</title></head>\n<body>\n<p>caf\xe9 au lait</p></body></html>\n");
	tu_write(site, "feed.ndjson",
	         "{\"id\":\"f1\",\"title\":\"Eerste\"}\n"
	         "{\"id\":\"f2\",\"title\":\n"
	         "{\"title\":\"zonder id\"}\n"
	         "{\"id\":\"f4\",\"title\":\"Vierde\",\"type\":\"blog\"}\n"
	         "{\"id\":\"f5\",\"title\":\"Vijfde\"}\n");
	int st = run_indexer(&out);
	ck_assert_int_eq(st, 2);
	assert_contains(out, "kapot.html:3: invalid UTF-8");
	assert_contains(out, "feed.ndjson:2: invalid JSON");
	assert_contains(out, "feed.ndjson:3: missing \"id\"");
	assert_contains(out, "feed.ndjson:4: \"type\" must be one of");
	assert_contains(out, "indexed 3 documents");
	assert_contains(out, "4 problems");
	free(out);
	ck_assert(has_doc("goed.html"));
	ck_assert(has_doc("f1"));
	ck_assert(has_doc("f5"));
	ck_assert(!has_doc("f2"));
}
END_TEST

START_TEST(test_broken_source_keeps_old_documents)
{
	char *out = NULL;
	tu_write(site, "feed.ndjson", "{\"id\":\"a\",\"title\":\"Een\"}\n{\"id\":\"b\",\"title\":\"Twee\"}\n");
	page("p.html", "Pagina", "Tekst van de pagina.");
	ck_assert_int_eq(run_indexer(&out), 0);
	free(out);
	/* The export breaks: line 2 is cut off and the page turns to junk.
	 * What was indexed from them stays until they are fixed. */
	tu_write(site, "feed.ndjson", "{\"id\":\"a\",\"title\":\"Een\"}\n{\"id\":\"b\",\"ti\n");
	tu_write_bytes(site, "p.html", "\xff\xfe\x00\x01junk", 8);
	ck_assert_int_eq(run_indexer(&out), 2);
	assert_contains(out, "feed.ndjson:2:");
	assert_contains(out, "p.html:");
	assert_contains(out, "0 removed");
	free(out);
	ck_assert(has_doc("a"));
	ck_assert(has_doc("b"));
	ck_assert(has_doc("p.html"));
}
END_TEST

START_TEST(test_unreadable_and_missing_paths)
{
	char *out = NULL;
	page("ok.html", "Ok", "Een gewone pagina.");
	char *link = xasprintf("%s/weg.html", site);
	ck_assert_int_eq(symlink("/nonexistent/target.html", link), 0);
	free(link);
	char *cmd = xasprintf("%s --db '%s' '%s' '%s/nope'", indexer, db, site, dir);
	ck_assert_int_eq(tu_run(cmd, &out), 2);
	free(cmd);
	assert_contains(out, "weg.html: cannot read");
	assert_contains(out, "nope: cannot read");
	assert_contains(out, "indexed 1 documents");
	free(out);
}
END_TEST

START_TEST(test_locked_index)
{
	char *out = NULL, *err = NULL;
	page("ok.html", "Ok", "Een gewone pagina.");
	ck_assert_int_eq(run_indexer(&out), 0);
	free(out);
	xs_db *w = NULL;
	ck_assert_int_eq(xs_db_open(db, XS_DB_WRITE, &w, &err), XS_OK);
	/* Without --lock-wait 0 it would wait 30 s for the lock (test_live.c
	 * has the waiting). */
	char *cmd = xasprintf("%s --lock-wait 0 --db '%s' '%s'", indexer, db, site);
	ck_assert_int_eq(tu_run(cmd, &out), 1);
	free(cmd);
	assert_contains(out, "locked");
	free(out);
	xs_db_close(w);
	ck_assert_uint_eq(doc_count(), 1);
}
END_TEST

START_TEST(test_interrupted_run_keeps_last_commit)
{
	char *out = NULL;
	page("ok.html", "Ok", "Een gewone pagina.");
	ck_assert_int_eq(run_indexer(&out), 0);
	free(out);
	/* A feed big enough that the run is still busy when it is killed. */
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < 40000; i++)
		strbuf_addf(&sb, "{\"id\":\"n%d\",\"title\":\"Artikel %d\",\"body\":\"Tuinslang %d meter "
		                 "met koppelstukken en een spuitpistool\"}\n", i, i, i % 50);
	tu_write_bytes(site, "big.ndjson", sb.buf, sb.len);
	strbuf_release(&sb);
	pid_t pid = fork();
	if (pid == 0) {
		int nul = open("/dev/null", O_WRONLY);
		dup2(nul, 1);
		dup2(nul, 2);
		execl(indexer, indexer, "--db", db, site, (char *)NULL);
		_exit(127);
	}
	usleep(400 * 1000);
	kill(pid, SIGKILL);
	int st;
	waitpid(pid, &st, 0);
	/* Whatever moment it died at, the index opens at a committed state:
	 * the earlier page is there, and the next run completes it. */
	ck_assert(has_doc("ok.html"));
	ck_assert_int_eq(run_indexer(&out), 0);
	free(out);
	ck_assert_uint_eq(doc_count(), 40001);
}
END_TEST

/* A feed of n products "p0".."p<n-1>"; product i is about word i % 7,
 * and p10 and p1400 carry words of their own. */
static void big_feed(int n)
{
	static const char *const words[] = {"tuinstoel", "parasol", "loungeset", "zwembad",
	                                    "robotmaaier", "barbecue", "warmtepomp"};
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < n; i++)
		strbuf_addf(&sb,
		            "{\"id\":\"p%d\",\"type\":\"product\",\"title\":\"%s model %d\",\"body\":\"Een "
		            "%s voor de tuin%s.\",\"brand\":\"Merk %d\",\"price\":%d}\n",
		            i, words[i % 7], i, words[i % 7],
		            i == 10 ? ", met een tuinslanghaspel" : i == 1400 ? ", met een parasolvoet" : "",
		            i % 5, 10 + i % 90);
	tu_write_bytes(site, "feed.ndjson", sb.buf, sb.len);
	strbuf_release(&sb);
}

static int collect_uid(void *ctx, const char *a, size_t alen, const char *b, size_t blen)
{
	(void)b;
	(void)blen;
	strbuf_add(ctx, a, alen);
	strbuf_addch(ctx, ' ');
	return 0;
}

/* The ids of path's documents in docid order. New: free(). */
static char *ids_in_order(const char *path)
{
	xs_db *d = NULL;
	char *err = NULL;
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "");
	ck_assert_msg(xs_db_open(path, XS_DB_READ, &d, &err) == XS_OK, "open %s: %s", path, err);
	ck_assert_int_eq(xs_db_each_value_pair(d, 0, 1, collect_uid, &sb, &err), XS_OK);
	xs_db_close(d);
	return strbuf_detach(&sb, NULL);
}

/* The ids of the hits for text in path, in rank order. New: free(). */
static char *hits_for(const char *path, const char *text)
{
	xs_db *d = NULL;
	xs_query *q = NULL;
	xs_results *r = NULL;
	char *err = NULL;
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "");
	ck_assert_int_eq(xs_db_open(path, XS_DB_READ, &d, &err), XS_OK);
	ck_assert_int_eq(xs_query_new(&q, &err), XS_OK);
	ck_assert_int_eq(xs_query_set_text(q, text, "nl", XS_QF_SYNONYMS, &err), XS_OK);
	ck_assert_int_eq(xs_db_search(d, q, 0, 20, &r, &err), XS_OK);
	for (size_t i = 0; i < xs_results_count(r); i++) {
		struct xs_hit h;
		ck_assert_int_eq(xs_results_hit(r, i, &h, &err), XS_OK);
		json_t *rec = json_loadb(h.data, h.len, 0, NULL);
		strbuf_addf(&sb, "%s ", json_string_value(json_object_get(rec, "id")));
		json_decref(rec);
	}
	xs_results_free(r);
	xs_query_free(q);
	xs_db_close(d);
	return strbuf_detach(&sb, NULL);
}

/* Whether a build directory ("*.building-*") is in the test directory. */
static bool has_build_dir(void)
{
	DIR *d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	bool found = false;
	struct dirent *e;
	while (!found && (e = readdir(d)) != NULL)
		found = strstr(e->d_name, ".building-") != NULL;
	closedir(d);
	return found;
}

/* No "db.building-*" directory left beside the index. */
static void assert_no_build_dir(void)
{
	ck_assert_msg(!has_build_dir(), "a build directory was left behind in %s", dir);
}

/* A new index is built by two workers and merged: every document, the
 * spelling data and synonyms of both parts, the same ranking as one
 * thread gives, and the same index every time. */
START_TEST(test_new_index_built_by_workers)
{
	char *out = NULL;
	big_feed(1500);
	tu_write(dir, "synonyms.txt", "voetstuk => parasolvoet\n");
	char *cmd = xasprintf("%s --jobs 2 --db '%s' --synonyms '%s/synonyms.txt' '%s'", indexer, db,
	                      dir, site);
	ck_assert_int_eq(tu_run(cmd, &out), 0);
	assert_contains(out, "indexed 1500 documents from 1 files");
	assert_contains(out, "1500 added, 0 updated, 0 unchanged, 0 removed; 1 synonym rule; 0 problems");
	free(out);
	ck_assert_uint_eq(doc_count(), 1500);
	assert_no_build_dir();

	/* Records of both workers' shares are found (batches of 256 go to
	 * the workers in turn: p10 to the first, p1400 to the second), by
	 * their words, by a synonym and by a typo. */
	char *hits = hits_for(db, "tuinslanghaspel");
	ck_assert_str_eq(hits, "p10 ");
	free(hits);
	hits = hits_for(db, "voetstuk");
	ck_assert_str_eq(hits, "p1400 ");
	free(hits);
	xs_db *d = NULL;
	char *fix = NULL, *err = NULL;
	ck_assert_int_eq(xs_db_open(db, XS_DB_READ, &d, &err), XS_OK);
	ck_assert_int_eq(xs_db_spelling_suggest(d, "parasolvoot", &fix, &err), XS_OK);
	ck_assert_str_eq(fix, "parasolvoet");
	xs_free(fix);
	ck_assert_int_eq(xs_db_spelling_suggest(d, "tuinslanghaspl", &fix, &err), XS_OK);
	ck_assert_str_eq(fix, "tuinslanghaspel");
	xs_free(fix);
	xs_db_close(d);

	/* The same input gives the same index; one thread ranks the same. */
	char *again = xasprintf("%s/again", dir), *one = xasprintf("%s/one", dir);
	free(cmd);
	cmd = xasprintf("%s --quiet --jobs 2 --db '%s' '%s' && %s --quiet --jobs 1 --db '%s' '%s'",
	                indexer, again, site, indexer, one, site);
	ck_assert_int_eq(tu_run(cmd, &out), 0);
	free(out);
	char *order = ids_in_order(db), *order_again = ids_in_order(again);
	ck_assert_str_eq(order, order_again);
	free(order);
	free(order_again);
	static const char *const queries[] = {"parasol model", "zwembad 1200", "barbecue tuin"};
	for (size_t i = 0; i < sizeof queries / sizeof *queries; i++) {
		char *a = hits_for(db, queries[i]), *b = hits_for(one, queries[i]);
		ck_assert_msg(strlen(a) > 0, "no hits for %s", queries[i]);
		ck_assert_str_eq(a, b);
		free(a);
		free(b);
	}

	/* An existing index is updated in one thread, as always. */
	ck_assert_int_eq(run_indexer(&out), 0);
	assert_contains(out, "0 added, 0 updated, 1500 unchanged, 0 removed");
	free(out);
	free(again);
	free(one);
	free(cmd);
}
END_TEST

/* Stopped while it builds a new index, the indexer leaves nothing. */
START_TEST(test_new_index_interrupted)
{
	big_feed(40000);
	char *log = xasprintf("%s/stderr.txt", dir);
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		execl(indexer, indexer, "--jobs", "2", "--db", db, site, (char *)NULL);
		_exit(127);
	}
	/* Once its build directory is there, the build is under way. */
	for (int i = 0; i < 3000 && !has_build_dir(); i++)
		usleep(10 * 1000);
	ck_assert_msg(has_build_dir(), "no build directory after 30 s");
	kill(pid, SIGTERM);
	int st;
	waitpid(pid, &st, 0);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 1);
	char *text = NULL, *err = NULL;
	size_t len;
	ck_assert_int_eq(read_file(log, 1 << 20, &text, &len, &err), 0);
	assert_contains(text, "indexer: interrupted\n");
	assert_contains(text, "indexer: stopped; no index was created\n");
	free(text);
	free(log);
	ck_assert_int_ne(access(db, F_OK), 0);
	assert_no_build_dir();
}
END_TEST

/* Run the indexer over site with --synonyms dir/rel. */
static int run_with_synonyms(const char *rel, char **out)
{
	char *cmd = xasprintf("%s --db '%s' --synonyms '%s/%s' '%s'", indexer, db, dir, rel, site);
	int st = tu_run(cmd, out);
	free(cmd);
	return st;
}

START_TEST(test_synonyms_loaded)
{
	char *out = NULL;
	page("zwembaden.html", "Zwembaden", "Opzetzwembaden en framezwembaden.");
	tu_write(dir, "synonyms.txt",
	         "# Zwembaden\n"
	         "zwembad, pool\n"
	         "\n"
	         "aquacentrum => zwembad\n");
	ck_assert_int_eq(run_with_synonyms("synonyms.txt", &out), 0);
	assert_contains(out, "indexed 1 documents from 1 files");
	assert_contains(out, "0 removed; 3 synonym rules; 0 problems");
	free(out);
	ck_assert(has_doc("zwembaden.html"));

	/* Without the option the rules are left alone and not counted. */
	ck_assert_int_eq(run_indexer(&out), 0);
	assert_contains(out, "0 removed; 0 problems");
	ck_assert_ptr_null(strstr(out, "synonym"));
	free(out);
}
END_TEST

START_TEST(test_synonyms_bad_line_reported)
{
	char *out = NULL;
	page("ok.html", "Ok", "Een gewone pagina.");
	tu_write(dir, "synonyms.txt",
	         "bbq, grill\r\n"
	         "jacuzzi => bubbelbad => spa\r\n"
	         "kapot,,defect\r\n"
	         "retour => retourneren");
	ck_assert_int_eq(run_with_synonyms("synonyms.txt", &out), 2);
	assert_contains(out, "/synonyms.txt:2: more than one '=>'\n");
	assert_contains(out, "/synonyms.txt:3: empty entry between commas\n");
	assert_contains(out, "0 removed; 3 synonym rules; 2 problems");
	free(out);
	/* The documents are committed with the good rules. */
	ck_assert(has_doc("ok.html"));
	ck_assert_uint_eq(doc_count(), 1);
}
END_TEST

START_TEST(test_synonyms_missing_file)
{
	char *out = NULL;
	page("ok.html", "Ok", "Een gewone pagina.");
	ck_assert_int_eq(run_with_synonyms("weg.txt", &out), 1);
	assert_contains(out, "indexer: cannot open '");
	assert_contains(out, "/weg.txt': No such file or directory");
	ck_assert_ptr_null(strstr(out, "indexed"));
	free(out);
	/* Nothing was written, not even a new empty index. */
	ck_assert_int_ne(access(db, F_OK), 0);
}
END_TEST

START_TEST(test_usage)
{
	char *out = NULL;
	char *cmd = xasprintf("%s --help", indexer);
	ck_assert_int_eq(tu_run(cmd, &out), 0);
	assert_contains(out, "usage: indexer");
	assert_contains(out, "--db DIR");
	assert_contains(out, "--synonyms FILE");
	assert_contains(out, "--jobs N");
	free(out);
	free(cmd);
	ck_assert_int_eq(tu_run(indexer, &out), 1);
	assert_contains(out, "no PATH given");
	free(out);
	cmd = xasprintf("%s --bogus x", indexer);
	ck_assert_int_eq(tu_run(cmd, &out), 1);
	free(out);
	free(cmd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("indexer");
	TCase *tc = tcase_create("runs");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_index_and_reindex);
	tcase_add_test(tc, test_bad_input_is_reported_and_skipped);
	tcase_add_test(tc, test_broken_source_keeps_old_documents);
	tcase_add_test(tc, test_unreadable_and_missing_paths);
	tcase_add_test(tc, test_locked_index);
	tcase_add_test(tc, test_interrupted_run_keeps_last_commit);
	tcase_add_test(tc, test_synonyms_loaded);
	tcase_add_test(tc, test_synonyms_bad_line_reported);
	tcase_add_test(tc, test_synonyms_missing_file);
	tcase_add_test(tc, test_new_index_built_by_workers);
	tcase_add_test(tc, test_new_index_interrupted);
	tcase_add_test(tc, test_usage);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
