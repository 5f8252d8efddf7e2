/*
 * search.c - GET /search: the ranked results a search bar shows.
 *
 * Parameters (all optional but q; unknown ones are refused so that typos
 * in an integration show up at once):
 *   q        the text as typed (<= max_query bytes, 1000 by default, UTF-8)
 *   limit    hits per page, 1..100 (10)
 *   offset   hits to skip, 0..10000 (0)
 *   type     faq|manual|product|page; repeat for any of several
 *   category category path or a level of it; repeat for any of several
 *   lang     nl|en: only documents in that language, analysed in it
 *   brand, availability, audience (presale|aftersale): filters, repeatable
 *   price_min, price_max   numeric range on the price
 *   sort     relevance (default), price_asc, price_desc, newest
 *   session  an anonymous id of the visit, for analytics (analytics.c)
 * By relevance, votes of "was this helpful?" re-rank the first hits
 * (helpful_rank, feedback.c).  Each first page is recorded for analytics.
 * The reply is documented in README.md ("API").
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analytics.h"
#include "schema.h"
#include "searchd.h"
#include "util.h"

/* Values listed per facet, the most frequent first: by default as many
 * as a filter list shows at first (Elasticsearch's terms default too);
 * facet_limit asks for more. */
#define FACET_DEFAULT_LIMIT 10
#define FACET_MAX_LIMIT 1000

struct params {
	const char *q;
	long limit, offset;
	long facet_limit; /* values per facet */
	const char *lang;
	json_t *types, *categories; /* arrays of strings */
	json_t *brands, *avails, *audiences;
	double price_min, price_max;
	const char *sort;
	const char *session;
	struct param_check check; /* where the first error goes */
};

static enum MHD_Result on_param(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
	static const char *const types[] = {"faq", "manual", "product", "page", NULL};
	struct params *p = cls;
	struct param_check *pc = &p->check;
	(void)kind;
	if (pc->failed)
		return MHD_NO;
	if (!value)
		value = "";
	if (!param_utf8(pc, key, value))
		return MHD_NO;
	if (strcmp(key, "q") == 0) {
		param_query(pc, key, value, &p->q);
	} else if (strcmp(key, "limit") == 0) {
		param_long(pc, key, value, 1, SEARCHD_MAX_LIMIT, &p->limit);
	} else if (strcmp(key, "offset") == 0) {
		param_long(pc, key, value, 0, SEARCHD_MAX_OFFSET, &p->offset);
	} else if (strcmp(key, "facet_limit") == 0) {
		param_long(pc, key, value, 1, FACET_MAX_LIMIT, &p->facet_limit);
	} else if (strcmp(key, "type") == 0) {
		if (!param_one_of(value, types))
			param_fail(pc, "parameter '%s' must be one of %s", key, "faq, manual, product, page");
		json_array_append_new(p->types, json_string(value));
	} else if (strcmp(key, "category") == 0) {
		if (!*value || strlen(value) > 200)
			param_fail(pc, "parameter '%s' must be 1 to %s bytes", key, "200");
		json_array_append_new(p->categories, json_string(value));
	} else if (strcmp(key, "brand") == 0 || strcmp(key, "availability") == 0) {
		if (!*value || strlen(value) > 200)
			param_fail(pc, "parameter '%s' must be 1 to %s bytes", key, "200");
		json_array_append_new(key[0] == 'b' ? p->brands : p->avails, json_string(value));
	} else if (strcmp(key, "audience") == 0) {
		static const char *const audiences[] = {"presale", "aftersale", NULL};
		if (!param_one_of(value, audiences))
			param_fail(pc, "parameter '%s' must be one of %s", key, "presale, aftersale");
		json_array_append_new(p->audiences, json_string(value));
	} else if (strcmp(key, "price_min") == 0 || strcmp(key, "price_max") == 0) {
		double v;
		if (!parse_double(value, &v) || v < 0 || v > 1e12)
			param_fail(pc, "parameter '%s' must be a number from 0 to %s", key, "1e12");
		else if (strcmp(key, "price_min") == 0)
			p->price_min = v;
		else
			p->price_max = v;
	} else if (strcmp(key, "sort") == 0) {
		static const char *const sorts[] = {"relevance", "price_asc", "price_desc", "newest", NULL};
		if (!param_one_of(value, sorts))
			param_fail(pc, "parameter '%s' must be one of %s", key,
			           "relevance, price_asc, price_desc, newest");
		p->sort = value;
	} else if (strcmp(key, "lang") == 0) {
		param_lang(pc, key, value, &p->lang);
	} else if (strcmp(key, "session") == 0) {
		if (!analytics_session_valid(value))
			param_fail(pc,
			           "parameter '%s' must be %d to %d letters, digits, '-' or '_'",
			           key, AN_SESSION_MIN, AN_SESSION_MAX);
		p->session = value;
	} else {
		param_fail(pc, "unknown parameter '%s'", key);
	}
	return pc->failed ? MHD_NO : MHD_YES;
}

/* Add filter terms prefix+value (lowercased) for every value in arr. */
static int add_filters(xs_query *q, const char *prefix, json_t *arr, char **err)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		char *term = xasprintf("%s%s", prefix, json_string_value(v));
		str_lower_ascii(term + strlen(prefix));
		xs_status st = xs_query_add_filter(q, prefix, term, err);
		free(term);
		if (st != XS_OK)
			return -1;
	}
	return 0;
}

/* Facets reported with every search: name, value slot. */
static const struct {
	const char *name;
	unsigned slot;
} facets[] = {
	{"type", VB_SLOT_TYPE},         {"category", VB_SLOT_CATEGORY}, {"brand", VB_SLOT_BRAND},
	{"availability", VB_SLOT_AVAIL}, {"audience", VB_SLOT_AUDIENCE}, {"lang", VB_SLOT_LANG},
};

/* Price buckets for the price facet: [lo, next lo). */
static const double price_edges[] = VB_PRICE_EDGES;
#define N_PRICE_EDGES (sizeof price_edges / sizeof *price_edges)

static void count_value(void *ctx, const char *value, size_t len, unsigned long count)
{
	json_t *v = json_object();
	json_object_set_new_nocheck(v, "value", json_stringn(value, len));
	json_object_set_new_nocheck(v, "count", json_integer((json_int_t)count));
	json_array_append_new(ctx, v);
}

/* {"type": [{"value": "faq", "count": 12}, ...], ..., "price": [...]} */
static json_t *make_facets(xs_results *res, size_t limit, char **err)
{
	json_t *out = json_object();
	for (size_t i = 0; i < sizeof facets / sizeof *facets; i++) {
		json_t *arr = json_array();
		json_object_set_new(out, facets[i].name, arr);
		if (xs_results_facet(res, facets[i].slot, limit, count_value, arr, err) != XS_OK)
			goto fail;
	}
	unsigned long buckets[N_PRICE_EDGES];
	if (xs_results_facet_ranges(res, VB_SLOT_PRICE, price_edges, N_PRICE_EDGES, buckets, err) !=
	    XS_OK)
		goto fail;
	json_t *prices = json_array();
	json_object_set_new(out, "price", prices);
	for (size_t b = 0; b < N_PRICE_EDGES; b++) {
		if (!buckets[b])
			continue;
		json_t *bucket = json_pack("{s:f,s:I}", "min", price_edges[b], "count",
		                           (json_int_t)buckets[b]);
		if (b + 1 < N_PRICE_EDGES)
			json_object_set_new(bucket, "max", json_real(price_edges[b + 1]));
		json_array_append_new(prices, bucket);
	}
	return out;
fail:
	json_decref(out);
	return NULL;
}

/* What snippet_html writes for c, or NULL for c itself. */
static const char *snippet_escape(char c)
{
	switch (c) {
	case XS_MARK_START: return "<mark>";
	case XS_MARK_END: return "</mark>";
	case '"': return "&quot;";
	case '\'': return "&#39;";
	default: return NULL;
	}
}

/*
 * Turn Xapian's snippet (matches between XS_MARK_START/END, & < >
 * already escaped) into safe HTML: quotes escaped too, marks as <mark>.
 */
char *snippet_html(const char *s)
{
	/* Two passes: the length, then the text, into one allocation. */
	size_t n = 1;
	for (const char *p = s; *p; p++) {
		const char *e = snippet_escape(*p);
		n += e ? strlen(e) : 1;
	}
	char *out = xmalloc(n), *o = out;
	for (const char *p = s; *p; p++) {
		const char *e = snippet_escape(*p);
		if (!e) {
			*o++ = *p;
			continue;
		}
		size_t len = strlen(e);
		memcpy(o, e, len);
		o += len;
	}
	*o = '\0';
	return out;
}

/* One hit: the stored record minus what only the index needs, plus the
 * snippet and score. */
json_t *hit_record(const struct xs_hit *h, char **err)
{
	json_t *rec = json_loadb(h->data, h->len, 0, NULL);
	if (json_is_object(rec))
		return rec;
	json_decref(rec);
	vb_error(err, "stored document %u is not a JSON object", h->docid);
	return NULL;
}

bool list_has_id(json_t *list, json_t *id)
{
	size_t i;
	json_t *t;
	json_array_foreach(list, i, t)
		if (json_equal(json_object_get(t, "id"), id))
			return true;
	return false;
}

static json_t *make_hit(xs_results *res, const struct xs_hit *h, char **err)
{
	json_t *rec = hit_record(h, err);
	if (!rec)
		return NULL;
	const char *lang = json_string_value(json_object_get(rec, "lang"));
	const char *text = json_string_value(json_object_get(rec, "body"));
	if (!text || !*text)
		text = json_string_value(json_object_get(rec, "description"));
	if (!text)
		text = "";
	char *raw = NULL;
	if (xs_results_snippet(res, text, strlen(text), lang ? lang : "nl", 240, &raw, err) != XS_OK) {
		json_decref(rec);
		return NULL;
	}
	char *html = snippet_html(raw);
	xs_free(raw);
	json_object_del(rec, "body");
	json_object_del(rec, "headings");
	json_object_del(rec, "source");
	json_object_set_new(rec, "snippet", json_string(html));
	json_object_set_new(rec, "score", json_real(h->score));
	free(html);
	return rec;
}

static void release_results(void *res)
{
	xs_results_free(res);
}

void search_handle(struct request *req, struct reply *r)
{
	struct params p = {.limit = 10,
	                   .facet_limit = FACET_DEFAULT_LIMIT,
	                   .types = json_array(),
	                   .categories = json_array(),
	                   .brands = json_array(),
	                   .avails = json_array(),
	                   .audiences = json_array(),
	                   .price_min = -HUGE_VAL,
	                   .price_max = HUGE_VAL,
	                   .check = {r, false, req->srv->cfg.max_query}};
	json_t *facet_counts = NULL;
	xs_query *q = NULL;
	xs_results *res = NULL;
	struct ranked *ranked = NULL;
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
	unsigned flags = XS_QF_SPELLING | XS_QF_SYNONYMS;
	/* Search as you type: a last word not yet followed by a space may be
	 * unfinished, so it also matches as a prefix. */
	if (qlen && p.q[qlen - 1] != ' ')
		flags |= XS_QF_PARTIAL;
	if (xs_query_new(&q, &err) != XS_OK ||
	    xs_query_set_text(q, p.q, p.lang ? p.lang : "nl", flags, &err) != XS_OK ||
	    xs_query_set_time_limit(q, req->srv->cfg.search_time_limit, &err) != XS_OK ||
	    add_filters(q, VB_PREFIX_TYPE, p.types, &err) != 0 ||
	    add_filters(q, VB_PREFIX_CATEGORY, p.categories, &err) != 0 ||
	    add_filters(q, VB_PREFIX_BRAND, p.brands, &err) != 0 ||
	    add_filters(q, VB_PREFIX_AVAIL, p.avails, &err) != 0 ||
	    add_filters(q, VB_PREFIX_AUDIENCE, p.audiences, &err) != 0)
		goto fail;
	if (p.price_min > p.price_max) {
		reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_request", "price_min is above price_max");
		goto out;
	}
	if ((p.price_min > 0 || p.price_max < HUGE_VAL) &&
	    xs_query_add_range(q, VB_SLOT_PRICE, p.price_min, p.price_max, &err) != XS_OK)
		goto fail;
	if (p.sort && strcmp(p.sort, "relevance") != 0 &&
	    xs_query_set_sort(q, strcmp(p.sort, "newest") == 0 ? VB_SLOT_DATE : VB_SLOT_PRICE,
	                      strcmp(p.sort, "price_asc") != 0, &err) != XS_OK)
		goto fail;
	for (size_t i = 0; i < sizeof facets / sizeof *facets; i++)
		if (xs_query_add_facet(q, facets[i].slot, &err) != XS_OK)
			goto fail;
	if (xs_query_add_facet(q, VB_SLOT_PRICE, &err) != XS_OK)
		goto fail;
	if (p.lang) {
		json_t *langs = json_pack("[s]", p.lang);
		int frc = add_filters(q, VB_PREFIX_LANG, langs, &err);
		json_decref(langs);
		if (frc != 0)
			goto fail;
	}
	/* By relevance, votes re-rank the first AN_WINDOW hits: a page that
	 * starts there is cut from the re-ranked window (and the hit after
	 * it, the floor of what votes can push down). */
	size_t window = 0, first = 0;
	unsigned from = (unsigned)p.offset, count = (unsigned)p.limit;
	if ((!p.sort || strcmp(p.sort, "relevance") == 0) && p.offset < AN_WINDOW &&
	    analytics_has_votes(req->srv->analytics)) {
		window = AN_WINDOW;
		first = (size_t)p.offset;
		from = 0;
		count = (unsigned)(p.offset + p.limit > AN_WINDOW + 1 ? p.offset + p.limit
		                                                      : AN_WINDOW + 1);
	}
	xs_status st = xs_db_search(req->db, q, from, count, &res, &err);
	if (st == XS_ERR_QUERY || st == XS_ERR_INVALID) {
		reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_query", "%s", err);
		goto out;
	}
	if (st != XS_OK)
		goto fail;
	size_t nranked;
	helpful_rank(req->srv->analytics, res, window, &ranked, &nranked);
	json_t *hits = json_array();
	for (size_t i = first; i < nranked && i < first + (size_t)p.limit; i++) {
		struct xs_hit h;
		json_t *hit;
		if (xs_results_hit(res, ranked[i].index, &h, &err) != XS_OK) {
			json_decref(hits);
			goto fail;
		}
		h.score = ranked[i].score;
		if (!(hit = make_hit(res, &h, &err))) {
			json_decref(hits);
			goto fail;
		}
		if (ranked[i].yes || ranked[i].no)
			json_object_set_new(hit, "helpful",
			                    json_pack("{s:I,s:I}", "yes", (json_int_t)ranked[i].yes,
			                              "no", (json_int_t)ranked[i].no));
		json_array_append_new(hits, hit);
	}
	if (!(facet_counts = make_facets(res, (size_t)p.facet_limit, &err))) {
		json_decref(hits);
		goto fail;
	}
	r->status = MHD_HTTP_OK;
	double took_ms = elapsed_ms(start);
	r->body = json_pack("{s:s,s:I,s:I,s:I,s:f,s:o}", "query", p.q, "total",
	                    (json_int_t)xs_results_total(res), "offset", (json_int_t)p.offset,
	                    "limit", (json_int_t)p.limit, "took_ms", took_ms, "hits", hits);
	/* A further page is the same search again: only first pages count. */
	if (p.offset == 0)
		analytics_search(req->srv->analytics, p.q, p.lang, xs_results_total(res), took_ms,
		                 p.session);
	json_object_set_new(r->body, "facets", facet_counts);
	facet_counts = NULL;
	/* Words the index doesn't know were searched by their correction
	 * as well: say so, and offer the corrected text. */
	const char *corrected = xs_results_correction(res);
	if (*corrected) {
		json_object_set_new(r->body, "did_you_mean", json_string(corrected));
		json_object_set_new(r->body, "corrected_query", json_string(corrected));
	}
	/* Freeing the results takes a while: after the reply is sent. */
	r->release = release_results;
	r->later = res;
	res = NULL;
	goto out;
fail:
	reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "search failed: %s",
	            err ? err : "unknown error");
out:
	xs_free(err);
	free(ranked);
	xs_results_free(res);
	xs_query_free(q);
	json_decref(facet_counts);
	json_decref(p.types);
	json_decref(p.categories);
	json_decref(p.brands);
	json_decref(p.avails);
	json_decref(p.audiences);
}
