/*
 * related.c - GET /related/{id}: what to show under an answer, a manual
 * section or a product as "related articles", found from the document's
 * own words (xs_db_related: its most telling terms, searched together).
 *
 * Parameters (unknown ones are refused, as for /search):
 *   limit  how many, 1..SEARCHD_MAX_RELATED (5)
 *   lang   nl|en: only documents in that language.  Without it the
 *          document's own language comes first and the others fill up.
 *
 * An id no document has is a 404.  The reply is documented in README.md
 * ("API").
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"
#include "searchd.h"
#include "util.h"

#define SEARCHD_MAX_RELATED 50

struct params {
	long limit;
	const char *lang;
	struct param_check check;
};

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
	if (strcmp(key, "limit") == 0)
		param_long(pc, key, value, 1, SEARCHD_MAX_RELATED, &p->limit);
	else if (strcmp(key, "lang") == 0)
		param_lang(pc, key, value, &p->lang);
	else
		param_fail(pc, "unknown parameter '%s'", key);
	return pc->failed ? MHD_NO : MHD_YES;
}

/* Whether list already holds the document with this id. */
/*
 * Add the documents related to id, in language lang (NULL: any), to list
 * until it holds limit, skipping those it has.  XS_ERR_NOT_FOUND when
 * there is no document id.
 */
static xs_status add_related(struct request *req, const char *id, const char *lang, long limit,
                             json_t *list, char **err)
{
	xs_status st;
	xs_query *q = NULL;
	xs_results *res = NULL;
	size_t have = json_array_size(list);
	if ((st = xs_query_new(&q, err)) != XS_OK ||
	    (st = xs_query_set_time_limit(q, req->srv->cfg.search_time_limit, err)) != XS_OK)
		goto out;
	if (lang) {
		char *term = xasprintf("%s%s", VB_PREFIX_LANG, lang);
		st = xs_query_add_filter(q, VB_PREFIX_LANG, term, err);
		free(term);
		if (st != XS_OK)
			goto out;
	}
	/* Every document held may come again: ask for that many more. */
	if ((st = xs_db_related(req->db, id, q, (unsigned)(limit + (long)have), &res, err)) !=
	    XS_OK)
		goto out;
	for (size_t i = 0; i < xs_results_count(res) && json_array_size(list) < (size_t)limit;
	     i++) {
		struct xs_hit h;
		if ((st = xs_results_hit(res, i, &h, err)) != XS_OK)
			goto out;
		json_t *rec = hit_record(&h, err);
		if (!rec) {
			st = XS_ERR_CORRUPT;
			goto out;
		}
		/* What a list of links shows: the record without its text. */
		json_object_del(rec, "body");
		json_object_del(rec, "headings");
		json_object_del(rec, "source");
		json_object_set_new(rec, "score", json_real(h.score));
		if (list_has_id(list, json_object_get(rec, "id")))
			json_decref(rec);
		else
			json_array_append_new(list, rec);
	}
out:
	xs_results_free(res);
	xs_query_free(q);
	return st;
}

/* The language of the document with this id, from its stored record
 * ("nl" when it has none).  New: free(). */
static xs_status doc_lang(struct request *req, const char *id, char **out, char **err)
{
	char *data = NULL;
	size_t len;
	xs_status st = xs_db_get_data(req->db, id, &data, &len, err);
	if (st != XS_OK)
		return st;
	json_error_t jerr;
	json_t *rec = json_loadb(data, len, 0, &jerr);
	const char *lang = json_string_value(json_object_get(rec, "lang"));
	*out = xstrdup(lang && *lang ? lang : "nl");
	json_decref(rec);
	xs_free(data);
	return XS_OK;
}

void related_handle(struct request *req, struct reply *r)
{
	struct params p = {.limit = 5, .check = {r, false, req->srv->cfg.max_query}};
	json_t *list = json_array();
	char *err = NULL, *own = NULL;
	const char *id = req->arg;
	double start = now_seconds();
	xs_status st;

	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, on_param, &p);
	if (p.check.failed)
		goto out;
	if (!utf8_valid(id, strlen(id), NULL)) {
		reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_request",
		            "the document id is not valid UTF-8");
		goto out;
	}
	st = doc_lang(req, id, &own, &err);
	if (st == XS_OK) {
		/* Its own language first; the others only fill up. */
		st = add_related(req, id, p.lang ? p.lang : own, p.limit, list, &err);
		if (st == XS_OK && !p.lang && json_array_size(list) < (size_t)p.limit)
			st = add_related(req, id, NULL, p.limit, list, &err);
	}
	if (st == XS_ERR_NOT_FOUND) {
		reply_error(r, MHD_HTTP_NOT_FOUND, "not_found", "no document with id '%s'", id);
		goto out;
	}
	if (st == XS_ERR_INVALID) {
		reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_request", "%s", err);
		goto out;
	}
	if (st != XS_OK) {
		reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "related failed: %s",
		            err ? err : "unknown error");
		goto out;
	}
	r->status = MHD_HTTP_OK;
	r->body = json_pack("{s:s,s:O,s:f}", "id", id, "related", list, "took_ms",
	                    elapsed_ms(start));
out:
	xs_free(err);
	free(own);
	json_decref(list);
}
