/*
 * test_shim.c - the shim's C API, used from plain C17 as indexer and
 * searchd use it: writing, ranking, filters, ranges, sorting, snippets,
 * spelling, shards, and the error paths (missing index, held write lock,
 * writes on a read-only handle, a reader whose snapshot moved).
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "util.h"
#include "xs.h"

static char *dir;

static void setup(void)
{
	dir = tu_tmpdir();
}

static void teardown(void)
{
	tu_rmrf(dir);
	free(dir);
}

/* Add a document: title and body indexed the way docbuild does, a type
 * filter term and an optional price value. */
static void add(xs_db *db, const char *uid, const char *type, const char *title, const char *body,
                double price)
{
	xs_doc *doc = NULL;
	char *err = NULL;
	ck_assert_int_eq(xs_doc_new(&doc, &err), XS_OK);
	ck_assert_int_eq(xs_doc_index_text(doc, title, "nl", "", 5, XS_IDX_SPELLING, db, &err), XS_OK);
	ck_assert_int_eq(xs_doc_index_text(doc, body, "nl", "", 1, XS_IDX_SPELLING, db, &err), XS_OK);
	char *term = xasprintf("XT%s", type);
	ck_assert_int_eq(xs_doc_add_term(doc, term, &err), XS_OK);
	free(term);
	if (!isnan(price))
		ck_assert_int_eq(xs_doc_add_value_number(doc, 3, price, &err), XS_OK);
	ck_assert_int_eq(xs_doc_set_data(doc, uid, strlen(uid), &err), XS_OK);
	ck_assert_int_eq(xs_db_replace(db, uid, doc, &err), XS_OK);
	xs_doc_free(doc);
}

static xs_db *sample_db(void)
{
	xs_db *db = NULL;
	char *err = NULL;
	ck_assert_int_eq(xs_db_open(dir, XS_DB_WRITE, &db, &err), XS_OK);
	add(db, "retour", "faq", "Hoe kan ik mijn bestelling retourneren?",
	    "Meld je retour binnen 30 dagen aan via je account.", NAN);
	add(db, "bezorg", "faq", "Wanneer wordt mijn bestelling bezorgd?",
	    "Bestellingen worden binnen twee werkdagen bezorgd. Retourneren kan ook.", NAN);
	add(db, "pomp", "product", "Zandfilterpomp 6 m3", "Een zandfilterpomp voor het zwembad.", 149.0);
	add(db, "bad", "product", "Opzetzwembad 366 cm", "Rond opzetzwembad met <ladder> & zeil.", 249.0);
	add(db, "zeil", "product", "Afdekzeil zwembad", "Houdt blad uit het zwembad.", 39.95);
	ck_assert_int_eq(xs_db_commit(db, &err), XS_OK);
	return db;
}

static xs_results *search(xs_db *db, xs_query *q, unsigned limit)
{
	xs_results *r = NULL;
	char *err = NULL;
	xs_status st = xs_db_search(db, q, 0, limit, &r, &err);
	ck_assert_msg(st == XS_OK, "search failed: %s", err ? err : "");
	return r;
}

static const char *hit_id(xs_results *r, size_t i)
{
	static char buf[64];
	struct xs_hit h;
	ck_assert_int_eq(xs_results_hit(r, i, &h, NULL), XS_OK);
	snprintf(buf, sizeof buf, "%.*s", (int)h.len, h.data);
	return buf;
}

START_TEST(test_title_outranks_body)
{
	xs_db *db = sample_db();
	xs_query *q = NULL;
	ck_assert_int_eq(xs_query_new(&q, NULL), XS_OK);
	ck_assert_int_eq(xs_query_set_text(q, "retourneren", "nl", 0, NULL), XS_OK);
	xs_results *r = search(db, q, 10);
	ck_assert_uint_eq(xs_results_count(r), 2);
	ck_assert_str_eq(hit_id(r, 0), "retour");
	ck_assert_str_eq(hit_id(r, 1), "bezorg");
	xs_results_free(r);
	xs_query_free(q);
	xs_db_close(db);
}
END_TEST

START_TEST(test_stemming_and_stopwords)
{
	xs_db *db = sample_db();
	xs_query *q = NULL;
	xs_query_new(&q, NULL);
	/* "bezorgd" in the page, "bezorging" typed: the Dutch stemmer joins
	 * them; "wanneer" and "mijn" are stop words. */
	xs_query_set_text(q, "Wanneer wordt mijn bestelling bezorgen?", "nl", 0, NULL);
	xs_results *r = search(db, q, 10);
	ck_assert_str_eq(hit_id(r, 0), "bezorg");
	xs_results_free(r);
	xs_query_free(q);
	xs_db_close(db);
}
END_TEST

START_TEST(test_filters_ranges_sort)
{
	xs_db *db = sample_db();
	xs_query *q = NULL;
	char *err = NULL;
	xs_query_new(&q, NULL);
	xs_query_set_text(q, "", "nl", 0, NULL);
	ck_assert_int_eq(xs_query_add_filter(q, "XT", "XTproduct", &err), XS_OK);
	ck_assert_int_eq(xs_query_set_sort(q, 3, false, &err), XS_OK);
	xs_results *r = search(db, q, 10);
	ck_assert_uint_eq(xs_results_total(r), 3);
	ck_assert_str_eq(hit_id(r, 0), "zeil");
	ck_assert_str_eq(hit_id(r, 1), "pomp");
	ck_assert_str_eq(hit_id(r, 2), "bad");
	xs_results_free(r);
	/* A page that does not start at the first hit. */
	ck_assert_int_eq(xs_db_search(db, q, 1, 2, &r, &err), XS_OK);
	ck_assert_uint_eq(xs_results_count(r), 2);
	ck_assert_str_eq(hit_id(r, 0), "pomp");
	ck_assert_str_eq(hit_id(r, 1), "bad");
	xs_results_free(r);

	xs_query_set_sort(q, 3, true, NULL);
	ck_assert_int_eq(xs_query_add_range(q, 3, 40.0, HUGE_VAL, &err), XS_OK);
	r = search(db, q, 10);
	ck_assert_uint_eq(xs_results_count(r), 2);
	ck_assert_str_eq(hit_id(r, 0), "bad");
	xs_results_free(r);

	/* Same group: OR.  faq OR product = all five. */
	xs_query_free(q);
	xs_query_new(&q, NULL);
	xs_query_add_filter(q, "XT", "XTproduct", NULL);
	xs_query_add_filter(q, "XT", "XTfaq", NULL);
	r = search(db, q, 10);
	ck_assert_uint_eq(xs_results_total(r), 5);
	xs_results_free(r);

	ck_assert_int_eq(xs_query_add_range(q, 3, 10.0, 5.0, &err), XS_ERR_INVALID);
	ck_assert_ptr_nonnull(err);
	xs_free(err);
	xs_query_free(q);
	xs_db_close(db);
}
END_TEST

START_TEST(test_snippet_marks_and_escapes)
{
	xs_db *db = sample_db();
	xs_query *q = NULL;
	char *snip = NULL;
	xs_query_new(&q, NULL);
	xs_query_set_text(q, "opzetzwembaden", "nl", 0, NULL);
	xs_results *r = search(db, q, 10);
	ck_assert_str_eq(hit_id(r, 0), "bad");
	const char *text = "Rond opzetzwembad met <ladder> & zeil.";
	ck_assert_int_eq(xs_results_snippet(r, text, strlen(text), "nl", 200, &snip, NULL), XS_OK);
	ck_assert_msg(strstr(snip, "\x01opzetzwembad\x02") != NULL, "no marked stem in '%s'", snip);
	ck_assert_msg(strchr(snip, '<') == NULL, "unescaped '<' in '%s'", snip);
	ck_assert_msg(strstr(snip, "&lt;ladder&gt;") != NULL, "'%s'", snip);
	xs_free(snip);
	xs_results_free(r);
	xs_query_free(q);
	xs_db_close(db);
}
END_TEST

START_TEST(test_spelling_and_partial)
{
	xs_db *db = sample_db();
	xs_query *q = NULL;
	char *s = NULL;
	ck_assert_int_eq(xs_db_spelling_suggest(db, "zandfilterpmop", &s, NULL), XS_OK);
	ck_assert_str_eq(s, "zandfilterpomp");
	xs_free(s);

	xs_query_new(&q, NULL);
	xs_query_set_text(q, "bestelling retourneern", "nl", XS_QF_SPELLING, NULL);
	xs_results *r = search(db, q, 10);
	ck_assert_str_eq(xs_results_correction(r), "bestelling retourneren");
	xs_results_free(r);

	xs_query_set_text(q, "zandfilt", "nl", XS_QF_PARTIAL, NULL);
	r = search(db, q, 10);
	ck_assert_uint_ge(xs_results_count(r), 1);
	ck_assert_str_eq(hit_id(r, 0), "pomp");
	xs_results_free(r);
	xs_query_free(q);
	xs_db_close(db);
}
END_TEST

START_TEST(test_replace_delete_and_values)
{
	xs_db *db = sample_db();
	char *err = NULL, *v = NULL;
	size_t len;
	unsigned long n;
	add(db, "pomp", "product", "Zandfilterpomp 8 m3", "Groter.", 199.0);
	ck_assert_int_eq(xs_db_commit(db, &err), XS_OK);
	ck_assert_int_eq(xs_db_doc_count(db, &n, &err), XS_OK);
	ck_assert_uint_eq(n, 5);
	ck_assert_int_eq(xs_db_get_data(db, "pomp", &v, &len, &err), XS_OK);
	ck_assert_str_eq(v, "pomp");
	xs_free(v);
	ck_assert_int_eq(xs_db_get_value(db, "retour", 3, &v, &len, &err), XS_ERR_NOT_FOUND);
	xs_free(err);
	err = NULL;
	ck_assert_int_eq(xs_db_delete(db, "pomp", &err), XS_OK);
	ck_assert_int_eq(xs_db_delete(db, "nope", &err), XS_ERR_NOT_FOUND);
	ck_assert_msg(strstr(err, "'nope'") != NULL, "message names the id: %s", err);
	xs_free(err);
	err = NULL;
	ck_assert_int_eq(xs_db_get_data(db, "pomp", &v, &len, &err), XS_ERR_NOT_FOUND);
	xs_free(err);
	err = NULL;
	ck_assert_int_eq(xs_db_metadata_set(db, "k", "v", &err), XS_OK);
	ck_assert_int_eq(xs_db_commit(db, &err), XS_OK);
	ck_assert_int_eq(xs_db_metadata_get(db, "k", &v, &err), XS_OK);
	ck_assert_str_eq(v, "v");
	xs_free(v);
	xs_db_close(db);
}
END_TEST

START_TEST(test_errors)
{
	xs_db *db = sample_db(), *other = NULL, *ro = NULL;
	char *err = NULL;
	/* A second writer gets a clear error, not a silent wait. */
	ck_assert_int_eq(xs_db_open(dir, XS_DB_WRITE, &other, &err), XS_ERR_LOCKED);
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(strstr(err, "locked") != NULL, "%s", err);
	xs_free(err);
	err = NULL;
	ck_assert_int_eq(xs_db_open(dir, XS_DB_READ, &ro, &err), XS_OK);
	ck_assert_int_eq(xs_db_commit(ro, &err), XS_ERR_INVALID);
	xs_free(err);
	err = NULL;
	char *missing = xasprintf("%s/nothing-here", dir);
	ck_assert_int_eq(xs_db_open(missing, XS_DB_READ, &other, &err), XS_ERR_OPENING);
	ck_assert_ptr_nonnull(err);
	xs_free(err);
	err = NULL;
	free(missing);
	xs_query *q = NULL;
	xs_query_new(&q, NULL);
	ck_assert_int_eq(xs_query_set_text(q, "x", "fr", 0, &err), XS_ERR_INVALID);
	xs_free(err);
	err = NULL;
	/* Unbalanced syntax is taken as words, not refused. */
	ck_assert_int_eq(xs_query_set_text(q, "retourneren (AND", "nl", 0, &err), XS_OK);
	xs_results *r = search(ro, q, 10);
	ck_assert_uint_ge(xs_results_count(r), 1);
	xs_results_free(r);
	xs_query_set_text(q, "\"retourneren) OR NOT", "nl", 0, &err);
	xs_results_free(search(ro, q, 10));
	ck_assert_int_eq(xs_db_search(ro, q, 0, 20000, &r, &err), XS_ERR_INVALID);
	xs_free(err);
	for (int s = XS_OK; s <= XS_ERR_INTERNAL; s++)
		ck_assert_str_ne(xs_status_to_string((xs_status)s), "unknown");
	xs_query_free(q);
	xs_db_close(ro);
	xs_db_close(db);
	xs_db_close(NULL);
	xs_doc_free(NULL);
	xs_query_free(NULL);
	xs_results_free(NULL);
}
END_TEST

START_TEST(test_reader_follows_writer)
{
	xs_db *db = sample_db(), *ro = NULL;
	char *err = NULL;
	bool changed = true;
	ck_assert_int_eq(xs_db_open(dir, XS_DB_READ, &ro, &err), XS_OK);
	ck_assert_int_eq(xs_db_reopen(ro, &changed, &err), XS_OK);
	ck_assert(!changed);
	/* Many commits move the reader's snapshot far behind; a search must
	 * still succeed (reopen and retry inside the shim). */
	for (int i = 0; i < 30; i++) {
		char uid[32];
		snprintf(uid, sizeof uid, "extra%d", i);
		add(db, uid, "page", "Extra pagina", "Tekst over bezorgen en retourneren.", NAN);
		ck_assert_int_eq(xs_db_commit(db, &err), XS_OK);
	}
	xs_query *q = NULL;
	xs_query_new(&q, NULL);
	xs_query_set_text(q, "retourneren", "nl", 0, NULL);
	xs_results *r = search(ro, q, 100);
	xs_results_free(r);
	ck_assert_int_eq(xs_db_reopen(ro, &changed, &err), XS_OK);
	r = search(ro, q, 100);
	ck_assert_uint_eq(xs_results_total(r), 32);
	xs_results_free(r);
	xs_query_free(q);
	xs_db_close(ro);
	xs_db_close(db);
}
END_TEST

/* Facet counts as "value=count," in the order xs_results_facet gives. */
static void facet_cat(void *ctx, const char *value, size_t len, unsigned long count)
{
	strbuf_addf(ctx, "%.*s=%lu,", (int)len, value, count);
}

static char *facet_of(xs_db *db, const char *text, unsigned slot, size_t max)
{
	xs_query *q = NULL;
	char *err = NULL;
	ck_assert_int_eq(xs_query_new(&q, &err), XS_OK);
	ck_assert_int_eq(xs_query_set_text(q, text, "nl", 0, &err), XS_OK);
	ck_assert_int_eq(xs_query_add_facet(q, slot, &err), XS_OK);
	xs_results *r = search(db, q, 10);
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "");
	ck_assert_int_eq(xs_results_facet(r, slot, max, facet_cat, &sb, &err), XS_OK);
	ck_assert_int_eq(xs_results_facet(r, slot + 1, max, facet_cat, &sb, &err), XS_ERR_INVALID);
	xs_free(err);
	xs_results_free(r);
	xs_query_free(q);
	return strbuf_detach(&sb, NULL);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A facet's counts in a fixed order, whatever order they came in: the
 * "value=count," entries of facet_of sorted.  New: free(). */
static char *facet_sorted(xs_db *db, const char *text, unsigned slot)
{
	char *all = facet_of(db, text, slot, 0), *save = NULL;
	char *entries[64];
	size_t n = 0;
	for (char *e = strtok_r(all, ",", &save); e; e = strtok_r(NULL, ",", &save)) {
		ck_assert_uint_lt(n, 64);
		entries[n++] = e;
	}
	qsort(entries, n, sizeof *entries, cmp_str);
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "");
	for (size_t i = 0; i < n; i++)
		strbuf_addf(&sb, "%s,", entries[i]);
	free(all);
	return strbuf_detach(&sb, NULL);
}

/* The matches in each price range: [<0 .. 25), [25, 50), [50, ...). */
static void price_ranges(xs_db *db, unsigned long out[4])
{
	static const double edges[] = {0, 25, 50};
	xs_query *q = NULL;
	char *err = NULL;
	ck_assert_int_eq(xs_query_new(&q, &err), XS_OK);
	ck_assert_int_eq(xs_query_set_text(q, "partytent", "nl", 0, &err), XS_OK);
	ck_assert_int_eq(xs_query_add_facet(q, 3, &err), XS_OK);
	xs_results *r = search(db, q, 10);
	ck_assert_int_eq(xs_results_facet_ranges(r, 3, edges, 3, out, &err), XS_OK);
	ck_assert_int_eq(xs_results_facet_ranges(r, 6, edges, 3, out + 3, &err), XS_ERR_INVALID);
	xs_free(err);
	xs_results_free(r);
	xs_query_free(q);
}

/* Brand "merk N" for document i of a batch: merk 0 most often; price
 * i % 100 - 10. */
static void add_branded(xs_db *db, int from, int to)
{
	char *err = NULL;
	for (int i = from; i < to; i++) {
		xs_doc *doc = NULL;
		char uid[32], brand[32];
		snprintf(uid, sizeof uid, "tent%d", i);
		snprintf(brand, sizeof brand, "merk %d", i % 7 == 0 ? 0 : i % 5);
		ck_assert_int_eq(xs_doc_new(&doc, &err), XS_OK);
		ck_assert_int_eq(xs_doc_index_text(doc, "Partytent", "nl", "", 1, 0, NULL, &err), XS_OK);
		if (i % 11 != 3) /* some have no brand */
			ck_assert_int_eq(xs_doc_add_value(doc, 6, brand, strlen(brand), &err), XS_OK);
		if (i % 13 != 5) /* some have no price */
			ck_assert_int_eq(xs_doc_add_value_number(doc, 3, i % 100 - 10, &err), XS_OK);
		ck_assert_int_eq(xs_db_replace(db, uid, doc, &err), XS_OK);
		xs_doc_free(doc);
	}
	ck_assert_int_eq(xs_db_commit(db, &err), XS_OK);
}

/* A reader counts facets from its cached columns, a writer with Xapian's
 * match spy: the same counts, most frequent first, ties by value; and a
 * reader that moves to a new revision counts the new documents. */
START_TEST(test_facet_counts)
{
	xs_db *w = NULL, *ro = NULL, *ro2 = NULL;
	char *err = NULL;
	ck_assert_int_eq(xs_db_open(dir, XS_DB_WRITE, &w, &err), XS_OK);
	add_branded(w, 0, 200);
	/* Gaps in the docids, and a replaced document. */
	for (int i = 10; i < 20; i++) {
		char uid[32];
		snprintf(uid, sizeof uid, "tent%d", i);
		ck_assert_int_eq(xs_db_delete(w, uid, &err), XS_OK);
	}
	add_branded(w, 30, 31);
	ck_assert_int_eq(xs_db_commit(w, &err), XS_OK);
	ck_assert_int_eq(xs_db_open(dir, XS_DB_READ, &ro, &err), XS_OK);
	ck_assert_int_eq(xs_db_open(dir, XS_DB_READ, &ro2, &err), XS_OK);

	char *by_writer = facet_sorted(w, "partytent", 6);
	char *top_writer = facet_of(w, "partytent", 6, 2);
	char *top_reader = facet_of(ro, "partytent", 6, 2);
	char *top_reader2 = facet_of(ro2, "partytent", 6, 2);
	ck_assert_str_eq(top_reader, top_writer);
	ck_assert_str_eq(top_reader2, top_writer);
	/* Counted by hand: of tent0..199 without tent10..19, merk 0 for
	 * i % 7 == 0, else merk i % 5, and none for i % 11 == 3. */
	unsigned long want[5] = {0};
	for (int i = 0; i < 200; i++)
		if ((i < 10 || i >= 20) && i % 11 != 3)
			want[i % 7 == 0 ? 0 : i % 5]++;
	char *all_reader = facet_sorted(ro, "partytent", 6);
	unsigned long total = 0;
	for (int b = 0; b < 5; b++) {
		char item[64];
		snprintf(item, sizeof item, "merk %d=%lu,", b, want[b]);
		ck_assert_msg(strstr(all_reader, item), "%s not in %s", item, all_reader);
		ck_assert_msg(strstr(by_writer, item), "%s not in %s", item, by_writer);
		total += want[b];
	}
	ck_assert_str_eq(all_reader, by_writer);
	/* The top two, most frequent first; a tie goes by value. */
	struct strbuf top = STRBUF_INIT;
	bool taken[5] = {false};
	for (int k = 0; k < 2; k++) {
		int best = -1;
		for (int b = 0; b < 5; b++)
			if (!taken[b] && (best < 0 || want[b] > want[best]))
				best = b;
		taken[best] = true;
		strbuf_addf(&top, "merk %d=%lu,", best, want[best]);
	}
	ck_assert_str_eq(top_reader, top.buf);
	ck_assert_msg(want[1] == want[3] && strstr(top.buf, "merk 1=") && !strstr(top.buf, "merk 3="),
	              "the data should have a tie broken by value: %s", top.buf);
	strbuf_release(&top);
	ck_assert_uint_gt(total, 100);

	/* Price ranges, counted by hand, by the reader and by the writer. */
	unsigned long by_hand[3] = {0}, from_reader[4], from_writer[4];
	for (int i = 0; i < 200; i++)
		if ((i < 10 || i >= 20) && i % 13 != 5)
			by_hand[i % 100 - 10 < 25 ? 0 : i % 100 - 10 < 50 ? 1 : 2]++;
	price_ranges(ro, from_reader);
	price_ranges(w, from_writer);
	for (int b = 0; b < 3; b++) {
		ck_assert_uint_eq(from_reader[b], by_hand[b]);
		ck_assert_uint_eq(from_writer[b], by_hand[b]);
	}

	/* A new revision: the reader reopens and counts the new documents. */
	add_branded(w, 200, 300);
	bool changed = false;
	ck_assert_int_eq(xs_db_reopen(ro, &changed, &err), XS_OK);
	ck_assert(changed);
	char *after_writer = facet_sorted(w, "partytent", 6);
	char *after_reader = facet_sorted(ro, "partytent", 6);
	ck_assert_str_eq(after_reader, after_writer);
	ck_assert_str_ne(after_reader, all_reader);
	char *top_after = facet_of(ro, "partytent", 6, 2);
	char *top_after_writer = facet_of(w, "partytent", 6, 2);
	ck_assert_str_eq(top_after, top_after_writer);
	/* The reader left behind still counts its own revision. */
	char *old_reader = facet_sorted(ro2, "partytent", 6);
	ck_assert_str_eq(old_reader, all_reader);

	free(by_writer);
	free(top_writer);
	free(top_reader);
	free(top_reader2);
	free(all_reader);
	free(after_writer);
	free(after_reader);
	free(top_after);
	free(top_after_writer);
	free(old_reader);
	xs_db_close(ro2);
	xs_db_close(ro);
	xs_db_close(w);
}
END_TEST

START_TEST(test_shards)
{
	char *err = NULL;
	char *a = xasprintf("%s/a", dir), *b = xasprintf("%s/b", dir);
	xs_db *wa = NULL, *wb = NULL, *all = NULL;
	ck_assert_int_eq(xs_db_open(a, XS_DB_WRITE, &wa, &err), XS_OK);
	ck_assert_int_eq(xs_db_open(b, XS_DB_WRITE, &wb, &err), XS_OK);
	add(wa, "one", "faq", "Zwembad vullen", "Met de tuinslang.", NAN);
	add(wb, "two", "faq", "Zwembad legen", "Met de pomp.", NAN);
	xs_db_commit(wa, NULL);
	xs_db_commit(wb, NULL);
	const char *specs[] = {a, b};
	ck_assert_int_eq(xs_db_open_shards(specs, 2, &all, &err), XS_OK);
	xs_query *q = NULL;
	xs_query_new(&q, NULL);
	xs_query_set_text(q, "zwembad", "nl", 0, NULL);
	xs_results *r = search(all, q, 10);
	ck_assert_uint_eq(xs_results_total(r), 2);
	xs_results_free(r);
	xs_query_free(q);
	xs_db_close(all);
	const char *bad[] = {"tcp:localhost"};
	ck_assert_int_eq(xs_db_open_shards(bad, 1, &all, &err), XS_ERR_INVALID);
	xs_free(err);
	err = NULL;
	ck_assert_int_eq(xs_db_open_shards(specs, 0, &all, &err), XS_ERR_INVALID);
	xs_free(err);
	xs_db_close(wa);
	xs_db_close(wb);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_transactions)
{
	xs_db *db = sample_db(), *ro = NULL;
	char *err = NULL;
	unsigned long n = 0;
	ck_assert_int_eq(xs_db_open(dir, XS_DB_READ, &ro, &err), XS_OK);
	ck_assert_int_eq(xs_db_begin_transaction(db, &err), XS_OK);
	ck_assert_int_eq(xs_db_begin_transaction(db, &err), XS_ERR_INVALID);
	xs_free(err);
	err = NULL;
	add(db, "t1", "page", "Een", "Eerste.", NAN);
	ck_assert_int_eq(xs_db_delete(db, "retour", &err), XS_OK);
	ck_assert_int_eq(xs_db_cancel_transaction(db, &err), XS_OK);
	xs_db_reopen(ro, NULL, NULL);
	xs_db_doc_count(ro, &n, NULL);
	ck_assert_uint_eq(n, 5);

	ck_assert_int_eq(xs_db_begin_transaction(db, &err), XS_OK);
	add(db, "t1", "page", "Een", "Eerste.", NAN);
	add(db, "t2", "page", "Twee", "Tweede.", NAN);
	xs_db_reopen(ro, NULL, NULL);
	xs_db_doc_count(ro, &n, NULL);
	ck_assert_uint_eq(n, 5); /* nothing visible before the commit */
	ck_assert_int_eq(xs_db_commit_transaction(db, &err), XS_OK);
	xs_db_reopen(ro, NULL, NULL);
	xs_db_doc_count(ro, &n, NULL);
	ck_assert_uint_eq(n, 7);
	ck_assert_int_eq(xs_db_commit_transaction(db, &err), XS_ERR_INVALID);
	xs_free(err);
	ck_assert_int_eq(xs_db_begin_transaction(ro, &err), XS_ERR_INVALID);
	xs_free(err);
	xs_db_close(ro);
	xs_db_close(db);
}
END_TEST

/* A document with a title indexed the way docbuild indexes one: as words
 * and under the title prefix "S". */
static void add_titled(xs_db *db, const char *uid, const char *title, const char *body)
{
	xs_doc *doc = NULL;
	char *err = NULL;
	ck_assert_int_eq(xs_doc_new(&doc, &err), XS_OK);
	ck_assert_int_eq(xs_doc_index_text(doc, title, "nl", "", 5, 0, NULL, &err), XS_OK);
	ck_assert_int_eq(xs_doc_index_text(doc, title, "nl", "S", 1, 0, NULL, &err), XS_OK);
	ck_assert_int_eq(xs_doc_index_text(doc, body, "nl", "", 1, 0, NULL, &err), XS_OK);
	ck_assert_int_eq(xs_db_replace(db, uid, doc, &err), XS_OK);
	xs_doc_free(doc);
}

struct completions {
	size_t n;
	char words[2100][16];
	unsigned long freqs[2100];
};

static void collect(void *ctx, const char *word, unsigned long freq)
{
	struct completions *c = ctx;
	ck_assert_uint_lt(c->n, 2100);
	snprintf(c->words[c->n], sizeof c->words[c->n], "%s", word);
	c->freqs[c->n++] = freq;
}

static struct completions *complete(xs_db *db, const char *prefix, size_t max)
{
	static struct completions c;
	char *err = NULL;
	c.n = 0;
	xs_status st = xs_db_complete(db, prefix, "nl", max, collect, &c, &err);
	ck_assert_msg(st == XS_OK, "complete '%s': %s", prefix, err ? err : "");
	return &c;
}

START_TEST(test_complete)
{
	xs_db *db = NULL;
	char *err = NULL;
	ck_assert_int_eq(xs_db_open(dir, XS_DB_WRITE, &db, &err), XS_OK);
	add_titled(db, "a", "Zwembad vullen", "Zwemmen in het zwembad met zwembandjes en zwemvest.");
	add_titled(db, "b", "Zwembaden kopen", "Zwemmen en nog eens zwemmen, wel welkom.");
	add_titled(db, "c", "Zwemvest", "Zwemmen, zwembandjes, z 2024 welkom, and andere.");
	add_titled(db, "d", "Zwembaden legen", "Zwemmen met een zwemvest.");
	ck_assert_int_eq(xs_db_commit(db, &err), XS_OK);

	/* Words in titles first, each group by document count (zwemvest: 3,
	 * zwembaden: 2; zwemmen: 4, zwembandjes: 2), ties alphabetically;
	 * zwembad (1) is an inflection of zwembaden and gives way to it.
	 * Case is folded. */
	struct completions *c = complete(db, "ZWEm", 10);
	ck_assert_uint_eq(c->n, 4);
	ck_assert_str_eq(c->words[0], "zwemvest");
	ck_assert_uint_eq(c->freqs[0], 3);
	ck_assert_str_eq(c->words[1], "zwembaden");
	ck_assert_uint_eq(c->freqs[1], 2);
	ck_assert_str_eq(c->words[2], "zwemmen");
	ck_assert_uint_eq(c->freqs[2], 4);
	ck_assert_str_eq(c->words[3], "zwembandjes");
	ck_assert_uint_eq(c->freqs[3], 2);
	c = complete(db, "zwem", 2);
	ck_assert_uint_eq(c->n, 2);
	ck_assert_str_eq(c->words[1], "zwembaden");
	/* A finished word completes to itself. */
	c = complete(db, "zwemvest", 10);
	ck_assert_uint_eq(c->n, 1);
	ck_assert_str_eq(c->words[0], "zwemvest");

	/* No stop words of any language ("wel", "and"), one-letter words
	 * ("z") or numbers. */
	c = complete(db, "we", 10);
	ck_assert_uint_eq(c->n, 1);
	ck_assert_str_eq(c->words[0], "welkom");
	c = complete(db, "an", 10);
	ck_assert_uint_eq(c->n, 1);
	ck_assert_str_eq(c->words[0], "andere");
	ck_assert_uint_eq(complete(db, "z", 10)->n, 4);
	ck_assert_str_eq(complete(db, "z", 10)->words[0], "zwemvest");
	ck_assert_uint_eq(complete(db, "20", 10)->n, 0);
	ck_assert_uint_eq(complete(db, "", 10)->n, 0);
	ck_assert_uint_eq(complete(db, "xyz", 10)->n, 0);
	ck_assert_uint_eq(complete(db, "zwem", 0)->n, 0);
	ck_assert_int_eq(xs_db_complete(db, "zwem", "fr", 10, collect, c, &err), XS_ERR_INVALID);
	ck_assert_ptr_nonnull(err);
	xs_free(err);
	err = NULL;

	/* The bound: 2500 words from "qa0000" on fill the first scan, so a
	 * frequent word after them ("qzz") is not seen with the prefix "q",
	 * but a title word after them is, and with its true count. */
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < 2500; i++)
		strbuf_addf(&sb, "qa%04d ", i);
	add_titled(db, "many", "Veel", sb.buf);
	strbuf_release(&sb);
	add_titled(db, "q1", "Qzebra", "qzz qzebra");
	add_titled(db, "q2", "Iets", "qzz qzebra");
	add_titled(db, "q3", "Anders", "qzz");
	ck_assert_int_eq(xs_db_commit(db, &err), XS_OK);
	c = complete(db, "q", 2100);
	ck_assert_uint_eq(c->n, XS_COMPLETE_SCAN + 1);
	ck_assert_str_eq(c->words[0], "qzebra");
	ck_assert_uint_eq(c->freqs[0], 2);
	for (size_t i = 0; i < c->n; i++)
		ck_assert_str_ne(c->words[i], "qzz");
	c = complete(db, "qz", 10);
	ck_assert_uint_eq(c->n, 2);
	ck_assert_str_eq(c->words[0], "qzebra");
	ck_assert_str_eq(c->words[1], "qzz");
	ck_assert_uint_eq(c->freqs[1], 3);
	xs_db_close(db);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("shim");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_title_outranks_body);
	tcase_add_test(tc, test_stemming_and_stopwords);
	tcase_add_test(tc, test_filters_ranges_sort);
	tcase_add_test(tc, test_snippet_marks_and_escapes);
	tcase_add_test(tc, test_spelling_and_partial);
	tcase_add_test(tc, test_replace_delete_and_values);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_reader_follows_writer);
	tcase_add_test(tc, test_facet_counts);
	tcase_add_test(tc, test_shards);
	tcase_add_test(tc, test_transactions);
	tcase_add_test(tc, test_complete);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
