/*
 * report.c - what the shop's editors read and decide (admin key):
 *
 *   GET  /analytics?from=YYYY-MM-DD&to=YYYY-MM-DD&limit=N
 *        searches, top queries with click-through, queries without
 *        results, and FAQ candidates: queries nobody found an answer for,
 *        grouped when they differ only in form
 *   GET  /analytics/synonyms?limit=N
 *        synonym proposals learnt from sessions, best first, and the
 *        decisions taken
 *   POST /analytics/synonyms {"from": "...", "to": "...", "action": "approve"|"reject"}
 *        approve: the rule goes into the index (live searches use it at
 *        once) and into the synonyms file; either way the decision is
 *        logged, so the pair is not proposed again
 *
 * The replies are documented in README.md ("API").
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analytics.h"
#include "util.h"

#define REPORT_MAX_LIMIT 1000
#define DEFAULT_DAYS 30

struct report_params {
	const char *from, *to;
	long limit;
	long from_day, to_day;
	bool dates; /* from/to allowed (GET /analytics) */
	struct param_check check;
};

static enum MHD_Result on_param(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
	struct report_params *p = cls;
	struct param_check *pc = &p->check;
	(void)kind;
	if (pc->failed)
		return MHD_NO;
	if (!value)
		value = "";
	if (!param_utf8(pc, key, value))
		return MHD_NO;
	if (p->dates && (strcmp(key, "from") == 0 || strcmp(key, "to") == 0)) {
		long *day = key[0] == 'f' ? &p->from_day : &p->to_day;
		if (!day_parse(value, day))
			param_fail(pc, "parameter '%s' must be a date as YYYY-MM-DD", key);
		*(key[0] == 'f' ? &p->from : &p->to) = value;
	} else if (strcmp(key, "limit") == 0) {
		param_long(pc, key, value, 1, REPORT_MAX_LIMIT, &p->limit);
	} else {
		param_fail(pc, "unknown parameter '%s'", key);
	}
	return pc->failed ? MHD_NO : MHD_YES;
}

static double ratio(unsigned long a, unsigned long b)
{
	return b ? round((double)a / (double)b * 1000) / 1000 : 0;
}

/* ------------------------------------------------------ /analytics */

struct row {
	const char *q;
	const struct query_stat *st;
};

static int by_searches(const void *x, const void *y)
{
	const struct row *a = x, *b = y;
	if (a->st->searches != b->st->searches)
		return a->st->searches > b->st->searches ? -1 : 1;
	return strcmp(a->q, b->q);
}

static int by_no_results(const void *x, const void *y)
{
	const struct row *a = x, *b = y;
	if (a->st->no_results != b->st->no_results)
		return a->st->no_results > b->st->no_results ? -1 : 1;
	return strcmp(a->q, b->q);
}

struct group {
	char *key;
	json_t *queries;
	unsigned long searches, no_results;
};

static int by_group_searches(const void *x, const void *y)
{
	const struct group *a = *(struct group *const *)x, *b = *(struct group *const *)y;
	if (a->searches != b->searches)
		return a->searches > b->searches ? -1 : 1;
	return strcmp(a->key, b->key);
}

static void free_group(void *v)
{
	struct group *g = v;
	json_decref(g->queries);
	free(g->key);
	free(g);
}

/*
 * FAQ candidates: queries that none of their searches in the period
 * answered, i.e. that never led to a click: either they found nothing,
 * or they found pages nobody opened.  The second only counts when the
 * storefront reports clicks at all (some click in the period); without
 * clicks only queries without results are candidates.  Queries that
 * differ only in form (case, accents, word order, stop words,
 * inflection) are one group.  rows are sorted by searches.
 */
static json_t *faq_candidates(struct row *rows, size_t n, bool clicks_known, size_t limit)
{
	struct strmap groups;
	strmap_init(&groups);
	for (size_t i = 0; i < n; i++) {
		const struct query_stat *st = rows[i].st;
		if (st->clicked || (!st->no_results && !clicks_known))
			continue;
		char *key = NULL, *err = NULL;
		if (xs_text_group_key(rows[i].q, st->lang[0] ? st->lang : "nl", &key, &err) !=
		    XS_OK) {
			xs_free(err);
			continue;
		}
		bool added;
		struct group **g = (struct group **)strmap_slot(&groups, key, &added, NULL);
		if (added) {
			*g = xcalloc(1, sizeof **g);
			(*g)->key = xstrdup(key);
			(*g)->queries = json_array();
		}
		xs_free(key);
		json_array_append_new((*g)->queries,
		                      json_pack("{s:s,s:I}", "query", rows[i].q, "searches",
		                                (json_int_t)st->searches));
		(*g)->searches += st->searches;
		(*g)->no_results += st->no_results;
	}
	struct group **all = xmalloc((groups.count + 1) * sizeof *all);
	size_t ng = 0;
	struct strmap_iter it = {&groups, 0, NULL};
	void *v;
	while (strmap_next(&it, NULL, &v))
		all[ng++] = v;
	qsort(all, ng, sizeof *all, by_group_searches);
	json_t *out = json_array();
	for (size_t i = 0; i < ng && i < limit; i++)
		json_array_append_new(
		    out, json_pack("{s:s,s:O,s:I,s:I,s:s}", "key", all[i]->key, "queries",
		                   all[i]->queries, "searches", (json_int_t)all[i]->searches,
		                   "no_results", (json_int_t)all[i]->no_results, "reason",
		                   all[i]->no_results == all[i]->searches ? "no_results"
		                                                          : "not_clicked"));
	free(all);
	strmap_release(&groups, free_group);
	return out;
}

void analytics_handle(struct request *req, struct reply *r)
{
	struct report_params p = {
	    .limit = 20, .dates = true, .check = {r, false, req->srv->cfg.max_query}};
	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, on_param, &p);
	if (p.check.failed)
		return;
	if (!p.to)
		p.to_day = day_of_ms(now_ms());
	if (!p.from)
		p.from_day = p.to_day - (DEFAULT_DAYS - 1);
	if (p.from_day > p.to_day) {
		reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_request", "'from' is after 'to'");
		return;
	}
	struct day_totals tot;
	long held;
	struct strmap *stats =
	    analytics_merge(req->srv->analytics, p.from_day, p.to_day, &tot, &held);
	struct row *rows = xmalloc((stats->count + 1) * sizeof *rows);
	size_t n = 0;
	struct strmap_iter it = {stats, 0, NULL};
	const char *q;
	void *v;
	while (strmap_next(&it, &q, &v)) {
		const struct query_stat *st = v;
		if (st->searches)
			rows[n++] = (struct row){q, st};
	}

	qsort(rows, n, sizeof *rows, by_searches);
	json_t *top = json_array();
	for (size_t i = 0; i < n && i < (size_t)p.limit; i++) {
		const struct query_stat *st = rows[i].st;
		json_array_append_new(
		    top, json_pack("{s:s,s:I,s:f,s:I,s:f}", "query", rows[i].q, "searches",
		                   (json_int_t)st->searches, "avg_hits",
		                   round((double)st->hits / (double)st->searches * 100) / 100,
		                   "clicks", (json_int_t)st->clicks, "click_through",
		                   ratio(st->clicked, st->searches)));
	}
	json_t *faq = faq_candidates(rows, n, tot.clicks > 0, (size_t)p.limit);

	qsort(rows, n, sizeof *rows, by_no_results);
	json_t *none = json_array();
	for (size_t i = 0; i < n && i < (size_t)p.limit && rows[i].st->no_results; i++)
		json_array_append_new(none, json_pack("{s:s,s:I}", "query", rows[i].q, "searches",
		                                      (json_int_t)rows[i].st->no_results));

	char from[11], to[11], held_from[11];
	day_format(p.from_day, from);
	day_format(p.to_day, to);
	day_format(held, held_from);
	r->body = json_pack(
	    "{s:s,s:s,s:s?,s:I,s:I,s:I,s:f,s:f,s:I,s:{s:I,s:I},s:o,s:o,s:o}", "from", from, "to",
	    to, "held_from", held >= 0 ? held_from : NULL, "searches", (json_int_t)tot.searches,
	    "no_result_searches", (json_int_t)tot.no_results, "clicks", (json_int_t)tot.clicks,
	    "click_through", ratio(tot.clicked, tot.searches), "avg_took_ms",
	    tot.searches ? round(tot.took_ms / (double)tot.searches * 1000) / 1000 : 0.0,
	    "untracked_searches", (json_int_t)tot.untracked, "feedback", "helpful",
	    (json_int_t)tot.helpful, "not_helpful", (json_int_t)tot.not_helpful, "top_queries", top,
	    "no_result_queries", none, "faq_candidates", faq);
	free(rows);
	strmap_release(stats, free);
	free(stats);
}

/* ---------------------------------------------- /analytics/synonyms */

void synonyms_list_handle(struct request *req, struct reply *r)
{
	struct report_params p = {.limit = 100, .check = {r, false, req->srv->cfg.max_query}};
	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, on_param, &p);
	if (p.check.failed)
		return;
	r->body = json_pack("{s:o,s:o}", "proposals",
	                    analytics_proposals(req->srv->analytics, (size_t)p.limit), "decided",
	                    analytics_decisions(req->srv->analytics, (size_t)p.limit));
}

struct rule {
	const char *from, *to;
};

static int add_rule(xs_db *wdb, void *ctx, char **err)
{
	const struct rule *rule = ctx;
	char *xerr = NULL;
	if (xs_db_synonym_add(wdb, rule->from, rule->to, &xerr) != XS_OK) {
		vb_error(err, "cannot add the synonym rule: %s", xerr ? xerr : "unknown error");
		xs_free(xerr);
		return -1;
	}
	return 0;
}

/* text with the characters synonyms.txt gives a meaning escaped. */
static void add_escaped(struct strbuf *sb, const char *text)
{
	for (const char *p = text; *p; p++) {
		if (*p == '\\' || *p == ',' || *p == '=' || (p == text && *p == '#'))
			strbuf_addch(sb, '\\');
		strbuf_addch(sb, *p);
	}
}

/* Append "from => to" to the synonyms file (made when missing), on a
 * line of its own, and sync it. */
static int append_rule(const char *path, const char *from, const char *to, char **err)
{
	struct strbuf sb = STRBUF_INIT;
	struct stat st;
	char last = '\n';
	int rc = -1;
	int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		vb_error(err, "cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == 0 && st.st_size > 0 && pread(fd, &last, 1, st.st_size - 1) != 1)
		last = '\n';
	if (last != '\n')
		strbuf_addch(&sb, '\n');
	add_escaped(&sb, from);
	strbuf_addstr(&sb, " => ");
	add_escaped(&sb, to);
	strbuf_addch(&sb, '\n');
	if (write_all(fd, sb.buf, sb.len) != 0 || fsync(fd) != 0) {
		vb_error(err, "cannot append to '%s': %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	close(fd);
	strbuf_release(&sb);
	return rc;
}

/* The normalised form of field key; NULL after a 400 reply.  New: xs_free(). */
static char *field_words(json_t *o, const char *key, size_t max, struct reply *r)
{
	json_t *v = json_object_get(o, key);
	char *norm = NULL, *err = NULL;
	if (!json_is_string(v) || json_string_length(v) > max) {
		reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_request",
		            "field '%s' must be a string of at most %zu bytes", key, max);
		return NULL;
	}
	if (xs_text_normalize(json_string_value(v), &norm, &err) != XS_OK) {
		reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "%s", err);
		xs_free(err);
		return NULL;
	}
	if (!*norm) {
		reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_request", "field '%s' has no words", key);
		xs_free(norm);
		return NULL;
	}
	return norm;
}

/* One decision at a time: two editors approving the same pair must not
 * both write it. */
static pthread_mutex_t decide_lock = PTHREAD_MUTEX_INITIALIZER;

void synonyms_decide_handle(struct request *req, struct reply *r)
{
	static const char *const fields[] = {"from", "to", "action", NULL};
	struct server *srv = req->srv;
	char *from = NULL, *to = NULL, *err = NULL;
	json_t *o = body_object(req, r, fields);
	if (!o)
		return;
	const char *action = json_string_value(json_object_get(o, "action"));
	if (!action || (strcmp(action, "approve") != 0 && strcmp(action, "reject") != 0)) {
		reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_request",
		            "field 'action' must be \"approve\" or \"reject\"");
		goto out;
	}
	if (!(from = field_words(o, "from", AN_QUERY_MAX, r)) ||
	    !(to = field_words(o, "to", AN_QUERY_MAX, r)))
		goto out;
	bool approve = strcmp(action, "approve") == 0;

	pthread_mutex_lock(&decide_lock);
	bool approved;
	long long when;
	int state = analytics_proposal_state(srv->analytics, from, to, &approved, &when);
	if (state < 0) {
		reply_error(r, MHD_HTTP_NOT_FOUND, "not_found",
		            "no pending proposal '%s => %s' (GET /analytics/synonyms lists them)",
		            from, to);
		goto unlock;
	}
	if (state > 0) {
		char at[21];
		time_format(when, at);
		reply_error(r, MHD_HTTP_CONFLICT, "conflict", "'%s => %s' was already %s at %s",
		            from, to, approved ? "approved" : "rejected", at);
		goto unlock;
	}
	if (!approve) {
		analytics_decide(srv->analytics, from, to, false);
		r->body = json_pack("{s:s,s:s,s:s}", "from", from, "to", to, "action", "rejected");
		goto unlock;
	}
	struct rule rule = {from, to};
	if (!writer_reply(req, r, add_rule, &rule))
		goto unlock;
	/* Live now; the file keeps it through a re-index with --synonyms. */
	r->body =
	    json_pack("{s:s,s:s,s:s,s:b,s:s?,s:b}", "from", from, "to", to, "action", "approved",
	              "live", 1, "synonyms_file", srv->cfg.synonyms, "appended", 0);
	if (!srv->cfg.synonyms) {
		json_object_set_new(
		    r->body, "warning",
		    json_string("no synonyms file is configured (setting 'synonyms'): the "
		                "rule is live in the index, but a re-index with "
		                "--synonyms will drop it"));
	} else if (append_rule(srv->cfg.synonyms, from, to, &err) != 0) {
		log_msg(srv, LOG_ERROR, "analytics: %s", err);
		char *w = xasprintf("%s: the rule is live in the index, but a re-index with "
		                    "--synonyms will drop it until it is added to the file",
		                    err);
		json_object_set_new(r->body, "warning", json_string(w));
		free(w);
	} else {
		json_object_set_new(r->body, "appended", json_true());
	}
	analytics_decide(srv->analytics, from, to, true);
	log_msg(srv, LOG_INFO, "analytics: synonym '%s => %s' approved", from, to);
unlock:
	pthread_mutex_unlock(&decide_lock);
out:
	free(err);
	xs_free(from);
	xs_free(to);
	json_decref(o);
}
