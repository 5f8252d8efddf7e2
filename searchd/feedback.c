/*
 * feedback.c - what customers tell the engine by what they do: POST
 * /click (which hit of a search was opened) and POST /feedback ("was this
 * helpful?"), and how the votes re-rank /search.
 *
 * Both endpoints take a small JSON object (storefronts call them with the
 * search key) and refuse anything else with a 400 that says why:
 *   POST /click     {"q": "...", "id": "...", "rank": 1, "session": "..."}
 *   POST /feedback  {"id": "...", "helpful": true, "session": "..."}
 * A document id the index does not have is 404.  The reply is 200 once
 * the event counts (the disk follows within a fraction of a second).
 *
 * Helpfulness is a gentle, smoothed ranking signal: a hit's relevance
 * score is multiplied by 1 + AN_BOOST * (yes - no) / (yes + no +
 * AN_PRIOR), so a single vote barely moves it and twenty clearly do, and
 * only the first AN_WINDOW hits are re-ranked (a rescore window): two
 * near-equal answers swap, a clearly better match stays first.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analytics.h"
#include "util.h"

#define ID_MAX 239 /* Xapian's limit on a unique id term, less its prefix */

json_t *body_object(struct request *req, struct reply *r, const char *const *allowed)
{
	json_error_t jerr;
	if (!req->body || req->body_len == 0) {
		reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_request",
		            "the request body must be a JSON object");
		return NULL;
	}
	json_t *o = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!o) {
		/* jansson quotes the input near the error, which may be the
		 * invalid UTF-8 it refused. */
		if (utf8_valid(jerr.text, strlen(jerr.text), NULL))
			reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_request",
			            "the request body is not valid JSON: %s (line %d, column %d)",
			            jerr.text, jerr.line, jerr.column);
		else
			reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_request",
			            "the request body is not valid JSON (line %d, column %d)",
			            jerr.line, jerr.column);
		return NULL;
	}
	if (!json_is_object(o)) {
		reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_request",
		            "the request body must be a JSON object");
		json_decref(o);
		return NULL;
	}
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v)
	{
		if (!param_one_of(key, allowed)) {
			reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_request", "unknown field '%.64s'",
			            key);
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

/* A string field of at least min and at most max bytes; *out NULL when
 * absent and optional.  false after a 400 reply. */
static bool field_string(json_t *o, const char *key, bool required, size_t min, size_t max,
                         const char **out, struct reply *r)
{
	json_t *v = json_object_get(o, key);
	*out = NULL;
	if (!v && !required)
		return true;
	if (!v) {
		reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_request", "missing field '%s'", key);
		return false;
	}
	size_t len = json_string_length(v);
	if (!json_is_string(v) || len < min || len > max ||
	    memchr(json_string_value(v), '\0', len)) {
		reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_request",
		            "field '%s' must be a string of %zu to %zu bytes", key, min, max);
		return false;
	}
	*out = json_string_value(v);
	return true;
}

static bool field_session(json_t *o, const char **out, struct reply *r)
{
	if (!field_string(o, "session", false, 0, 1000, out, r))
		return false;
	if (*out && !analytics_session_valid(*out)) {
		reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_request",
		            "field 'session' must be %d to %d letters, digits, '-' or '_'",
		            AN_SESSION_MIN, AN_SESSION_MAX);
		return false;
	}
	return true;
}

/* Whether the index has the document; false after a 404 or 5xx reply. */
static bool doc_exists(struct request *req, const char *id, struct reply *r)
{
	char *data = NULL, *err = NULL;
	size_t len;
	xs_status st = xs_db_get_data(req->db, id, &data, &len, &err);
	xs_free(data);
	if (st == XS_ERR_NOT_FOUND)
		reply_error(r, MHD_HTTP_NOT_FOUND, "not_found", "no document with id '%s'", id);
	else if (st != XS_OK)
		reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
		            "cannot look up '%s': %s", id, err ? err : xs_status_to_string(st));
	xs_free(err);
	return st == XS_OK;
}

void click_handle(struct request *req, struct reply *r)
{
	static const char *const fields[] = {"q", "id", "rank", "session", NULL};
	const char *q, *id, *session;
	long rank = 0;
	json_t *o = body_object(req, r, fields);
	if (!o)
		return;
	json_t *jr = json_object_get(o, "rank");
	if (!field_string(o, "q", true, 0, req->srv->cfg.max_query, &q, r) ||
	    !field_string(o, "id", true, 1, ID_MAX, &id, r) || !field_session(o, &session, r))
		goto out;
	if (jr && (!json_is_integer(jr) || json_integer_value(jr) < 1 ||
	           json_integer_value(jr) > SEARCHD_MAX_OFFSET + SEARCHD_MAX_LIMIT)) {
		reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_request",
		            "field 'rank' must be a whole number from 1 to %d (the hit's position)",
		            SEARCHD_MAX_OFFSET + SEARCHD_MAX_LIMIT);
		goto out;
	}
	rank = jr ? (long)json_integer_value(jr) : 0;
	if (!doc_exists(req, id, r))
		goto out;
	analytics_click(req->srv->analytics, q, id, rank, session);
	r->body = json_pack("{s:b}", "recorded", 1);
out:
	json_decref(o);
}

void feedback_handle(struct request *req, struct reply *r)
{
	static const char *const fields[] = {"id", "helpful", "session", NULL};
	const char *id, *session;
	json_t *o = body_object(req, r, fields);
	if (!o)
		return;
	json_t *helpful = json_object_get(o, "helpful");
	if (!field_string(o, "id", true, 1, ID_MAX, &id, r) || !field_session(o, &session, r))
		goto out;
	if (!json_is_boolean(helpful)) {
		reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_request",
		            "field 'helpful' must be true or false");
		goto out;
	}
	if (!doc_exists(req, id, r))
		goto out;
	unsigned long yes, no;
	analytics_feedback(req->srv->analytics, id, json_is_true(helpful), session, &yes, &no);
	r->body = json_pack("{s:s,s:b,s:{s:I,s:I}}", "id", id, "helpful", json_is_true(helpful),
	                    "votes", "yes", (json_int_t)yes, "no", (json_int_t)no);
out:
	json_decref(o);
}

void helpful_rank(struct analytics *a, xs_results *res, size_t window, struct ranked **out,
                  size_t *n_out)
{
	size_t n = xs_results_count(res);
	struct ranked *rk = xcalloc(n ? n : 1, sizeof *rk);
	for (size_t i = 0; i < n; i++) {
		struct xs_hit h = {0};
		xs_results_hit(res, i, &h, NULL);
		rk[i] = (struct ranked){i, h.score, 0, 0};
	}
	*out = rk;
	*n_out = n;
	if (!analytics_has_votes(a) || n == 0)
		return;
	char **ids = xcalloc(n, sizeof *ids);
	unsigned long *yes = xcalloc(n, sizeof *yes), *no = xcalloc(n, sizeof *no);
	for (size_t i = 0; i < n; i++) {
		char *err = NULL;
		/* A hit whose id cannot be read (the index moved on in the
		 * meantime) simply goes without votes. */
		if (xs_results_uid(res, i, &ids[i], &err) != XS_OK) {
			ids[i] = NULL;
			xs_free(err);
		}
	}
	analytics_votes(a, ids, n, yes, no);
	if (window > n)
		window = n;
	double floor = window < n ? rk[window].score : -HUGE_VAL;
	for (size_t i = 0; i < n; i++) {
		rk[i].yes = yes[i];
		rk[i].no = no[i];
		if (i >= window)
			continue;
		double boost = 1 + AN_BOOST * ((double)yes[i] - (double)no[i]) /
		                       ((double)yes[i] + (double)no[i] + AN_PRIOR);
		double s = rk[i].score * boost;
		rk[i].score = s < floor ? floor : s;
	}
	/* Insertion sort: stable, so equal scores keep the engine's order. */
	for (size_t i = 1; i < window; i++) {
		struct ranked x = rk[i];
		size_t j = i;
		while (j > 0 && rk[j - 1].score < x.score) {
			rk[j] = rk[j - 1];
			j--;
		}
		rk[j] = x;
	}
	for (size_t i = 0; i < n; i++)
		xs_free(ids[i]);
	free(ids);
	free(yes);
	free(no);
}
