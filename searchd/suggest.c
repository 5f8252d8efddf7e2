/*
 * suggest.c - GET /suggest: what a search bar shows under itself while
 * the customer types, asked for on every keystroke.
 *
 * Parameters (unknown ones are refused, as for /search):
 *   q      the text as typed (required; <= max_query bytes, 1000 by default, UTF-8)
 *   limit  suggestions and titles each, 1..SEARCHD_MAX_SUGGEST (8)
 *   lang   nl|en: analyse in that language and offer only titles in it
 *
 * Two lists come back.  suggestions: first past queries that start with
 * the text and found something, most searched first (analytics.c keeps
 * them), then the text with its last word, the one still being typed,
 * completed from the index's own vocabulary (xs_db_complete).  titles: documents whose title
 * matches the text, the last word as a prefix, for a jump straight to a product or an answer. Once
 * the text ends in a space the last word is finished: it is not completed, but past queries that go
 * on from it still come, and titles.  An empty q gives two empty lists, not an error, since a
 * search bar that has just been cleared still asks. The reply is documented in README.md ("API").
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analytics.h"
#include "schema.h"
#include "searchd.h"
#include "util.h"
#include "xs_analytics.h"

#define SEARCHD_MAX_SUGGEST 20
#define BLANKS " \t\r\n"

struct params {
	const char *q;
	long limit;
	const char *lang;
	const char *format; /* "json" (NULL) or "opensearch" */
	struct param_check check;
};

/* format=opensearch: the OpenSearch suggestions format (opensearch.c). */
static const char *const formats[] = {"json", "opensearch", NULL};

static enum MHD_Result on_param(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
	struct params *p = cls;
	struct param_check *pc = &p->check;
	(void)kind;
	if (pc->failed)
		return MHD_NO;
	if (!value)
		value = "";
	if (!param_utf8(pc, key, value))
		return MHD_NO;
	if (strcmp(key, "q") == 0)
		param_query(pc, key, value, &p->q);
	else if (strcmp(key, "limit") == 0)
		param_long(pc, key, value, 1, SEARCHD_MAX_SUGGEST, &p->limit);
	else if (strcmp(key, "lang") == 0)
		param_lang(pc, key, value, &p->lang);
	else if (strcmp(key, "format") == 0 && param_one_of(value, formats))
		p->format = value;
	else if (strcmp(key, "format") == 0)
		param_fail(pc, "parameter '%s' must be one of %s", key, "json, opensearch");
	else
		param_fail(pc, "unknown parameter '%s'", key);
	return pc->failed ? MHD_NO : MHD_YES;
}

/*
 * Where the last word of q starts: after the last ASCII byte that cannot
 * be part of a word (space, punctuation).  Bytes of multi-byte characters
 * count as word bytes, so "één" stays whole.  qlen when q ends in a
 * separator: the last word is finished.
 */
static size_t last_word_start(const char *q, size_t qlen)
{
	size_t i = qlen;
	while (i > 0) {
		unsigned char c = (unsigned char)q[i - 1];
		bool word = c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		            (c >= 'A' && c <= 'Z') || c == '_';
		if (!word)
			break;
		i--;
	}
	return i;
}

struct completion_ctx {
	json_t *list;
	const char *head; /* the text before the word completed */
	size_t head_len;
};

static void add_completion(void *ctx, const char *word, unsigned long freq)
{
	struct completion_ctx *c = ctx;
	char *text = xasprintf("%.*s%s", (int)c->head_len, c->head, word);
	json_array_append_new(c->list, json_pack("{s:s,s:I,s:s}", "text", text, "freq",
	                                         (json_int_t)freq, "source", "index"));
	free(text);
}

static void add_query(void *ctx, const char *query, unsigned long searches)
{
	json_array_append_new(ctx, json_pack("{s:s,s:I,s:s}", "text", query, "freq",
	                                     (json_int_t)searches, "source", "query"));
}

/* Append the index's completions to the past queries in list, those
 * not among them, until list holds limit. */
static void merge_completions(json_t *list, json_t *index, size_t limit)
{
	size_t nq = json_array_size(list), i, j;
	json_t *s, *t;
	json_array_foreach(index, i, s)
	{
		if (json_array_size(list) >= limit)
			break;
		bool dup = false;
		for (j = 0; j < nq && !dup; j++) {
			t = json_array_get(list, j);
			dup = json_equal(json_object_get(t, "text"), json_object_get(s, "text"));
		}
		if (!dup)
			json_array_append(list, s);
	}
}

/* Past queries that go on from q, most searched first. */
static void add_past_queries(struct request *req, const char *q, size_t limit, json_t *list)
{
	char *typed = NULL, *err = NULL;
	if (!req->srv->analytics)
		return;
	if (xs_text_normalize(q, &typed, &err) != XS_OK) {
		log_msg(req->srv, LOG_DEBUG, "suggest: cannot normalise the text: %s", err);
		xs_free(err);
		return;
	}
	/* "zwembad " has finished its word: only longer queries go on. */
	size_t qlen = strlen(q);
	char *prefix =
	    *typed && strchr(BLANKS, q[qlen - 1]) ? xasprintf("%s ", typed) : xstrdup(typed);
	analytics_complete(req->srv->analytics, prefix, limit, add_query, list);
	free(prefix);
	xs_free(typed);
}

/* A title hit: what a suggestion list shows of a document, taken from its
 * stored record; products add price and availability. */
static json_t *make_title(const struct xs_hit *h, char **err)
{
	static const char *const keys[] = {"id", "title", "url", "type", NULL};
	static const char *const product_keys[] = {"price", "currency", "availability", NULL};
	json_t *rec = hit_record(h, err);
	if (!rec)
		return NULL;
	json_t *out = json_object();
	for (const char *const *k = keys; *k; k++) {
		json_t *v = json_object_get(rec, *k);
		json_object_set_new(out, *k, v ? json_incref(v) : json_string(""));
	}
	const char *type = json_string_value(json_object_get(rec, "type"));
	if (type && strcmp(type, "product") == 0)
		for (const char *const *k = product_keys; *k; k++)
			if (json_object_get(rec, *k))
				json_object_set(out, *k, json_object_get(rec, *k));
	json_decref(rec);
	return out;
}

/* Whether list already holds the document with this id. */
/* Fill list up to limit with documents whose title matches the text (as
 * xs_query flags say), best first, skipping those it already holds. */
static xs_status add_titles(struct request *req, const struct params *p, unsigned flags,
                            json_t *list, char **err)
{
	xs_status st;
	xs_query *q = NULL;
	xs_results *res = NULL;
	size_t have = json_array_size(list);
	if ((st = xs_query_new(&q, err)) != XS_OK ||
	    (st = xs_query_set_text(q, p->q, p->lang ? p->lang : "nl", flags, err)) != XS_OK ||
	    (st = xs_query_set_time_limit(q, req->srv->cfg.search_time_limit, err)) != XS_OK)
		goto out;
	if (p->lang) {
		char *term = xasprintf("%s%s", VB_PREFIX_LANG, p->lang);
		st = xs_query_add_filter(q, VB_PREFIX_LANG, term, err);
		free(term);
		if (st != XS_OK)
			goto out;
	}
	/* Every document held may come again: ask for that many more. */
	if ((st = xs_db_search(req->db, q, 0, (unsigned)(p->limit + have), &res, err)) != XS_OK)
		goto out;
	for (size_t i = 0; i < xs_results_count(res) && json_array_size(list) < (size_t)p->limit;
	     i++) {
		struct xs_hit h;
		json_t *t;
		if ((st = xs_results_hit(res, i, &h, err)) != XS_OK)
			goto out;
		if (!(t = make_title(&h, err))) {
			st = XS_ERR_CORRUPT;
			goto out;
		}
		if (list_has_id(list, json_object_get(t, "id")))
			json_decref(t);
		else
			json_array_append_new(list, t);
	}
out:
	xs_results_free(res);
	xs_query_free(q);
	return st;
}

/* Whether s has more than one word: a blank between two non-blanks. */
static bool several_words(const char *s)
{
	s += strspn(s, BLANKS);
	s += strcspn(s, BLANKS);
	s += strspn(s, BLANKS);
	return *s != '\0';
}

void suggest_handle(struct request *req, struct reply *r)
{
	struct params p = {.limit = 8, .check = {r, false, req->srv->cfg.max_query}};
	json_t *suggestions = json_array(), *titles = json_array();
	char *err = NULL;
	double start = now_seconds();

	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, on_param, &p);
	if (p.check.failed)
		goto out;
	if (!p.q) {
		reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_request", "missing parameter 'q'");
		goto out;
	}
	size_t qlen = strlen(p.q);
	size_t lead = strspn(p.q, BLANKS);
	size_t word = last_word_start(p.q, qlen);
	if (lead < qlen)
		add_past_queries(req, p.q, (size_t)p.limit, suggestions);
	if (word < qlen) {
		/* The suggestion keeps the text as typed, less leading blanks,
		 * with the completed word in the index's (lowercase) form. */
		json_t *index = json_array();
		struct completion_ctx c = {index, p.q + lead, word - lead};
		size_t want = (size_t)p.limit + json_array_size(suggestions);
		xs_status st =
		    xs_db_complete(req->db, p.q + word, p.lang, want, add_completion, &c, &err);
		merge_completions(suggestions, index, (size_t)p.limit);
		json_decref(index);
		if (st != XS_OK)
			goto fail;
	}
	if (lead < qlen) {
		/* Titles with every word typed first; when there are too few,
		 * those with some of them. */
		unsigned flags = XS_QF_TITLES | (word < qlen ? XS_QF_PARTIAL : 0);
		xs_status st = add_titles(req, &p, flags | XS_QF_AND, titles, &err);
		if (st == XS_OK && json_array_size(titles) < (size_t)p.limit && several_words(p.q))
			st = add_titles(req, &p, flags, titles, &err);
		if (st == XS_ERR_QUERY || st == XS_ERR_INVALID) {
			reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_query", "%s", err);
			goto out;
		}
		if (st != XS_OK)
			goto fail;
	}
	if (p.format && strcmp(p.format, "opensearch") == 0) {
		opensearch_suggest_reply(req, r, p.q, suggestions, titles, (size_t)p.limit);
		goto out;
	}
	r->status = MHD_HTTP_OK;
	r->body = json_pack("{s:s,s:O,s:O,s:f}", "query", p.q, "suggestions", suggestions, "titles",
	                    titles, "took_ms", elapsed_ms(start));
	goto out;
fail:
	reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "suggest failed: %s",
	            err ? err : "unknown error");
out:
	xs_free(err);
	json_decref(suggestions);
	json_decref(titles);
}
