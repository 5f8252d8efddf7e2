/*
 * answer.c - GET /answer: the one FAQ answer a chat widget or a contact
 * form can show for a question, with a confidence, or none when no FAQ
 * clearly answers it, so that a bot can say "I don't know" and hand over
 * to a person instead of answering beside the point.
 *
 * Parameters (unknown ones are refused, as for /search):
 *   q               the question (required; <= max_query bytes, UTF-8)
 *   lang            nl|en: the question's language and the answer's (nl)
 *   session         an opaque id of the conversation, returned as given
 *   min_confidence  0..1: answer from this confidence on
 *                   (ANSWER_THRESHOLD)
 *
 * The question goes through the query pipeline of /search (spelling,
 * synonyms; as a finished text, not a half-typed word) among the FAQs of
 * its language, and the best ANSWER_CANDIDATES are weighed by how much of
 * the question's meaning they match (xs_results_coverage: its words by
 * idf, stop words aside), in their whole text and in their question (the
 * title) alone.  The answer is the one that matches most, both counted
 * alike, the ranking breaking ties; the FAQ's own question matching the
 * customer's is what tells "this answers it" from "this mentions it".
 * Its confidence comes from a logistic model over those two shares and
 * its lead over the runner-up, fit on judged questions (tests/relevance/,
 * build/tests/answers --fit), so it estimates the probability that the
 * answer is right.  README.md documents the reply and the figures.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"
#include "searchd.h"
#include "util.h"

/* The FAQs the answer is chosen from, best ranked first. */
#define ANSWER_CANDIDATES 5

/*
 * The model, confidence = 1 / (1 + exp(-z)) with
 *   z = B0 + B_COV * coverage + B_TITLE * title_coverage + B_MARGIN * margin,
 * fit by `build/tests/answers --fit` (logistic regression, its L2 penalty
 * chosen by leave-one-out) on the answerable questions of
 * tests/relevance/queries.tsv and tests/relevance/unanswerable.txt.  Fit
 * again when the pipeline or the demo shop changes.
 */
#define ANSWER_B0 (-10.09)
#define ANSWER_B_COV 6.00
#define ANSWER_B_TITLE 4.68
#define ANSWER_B_MARGIN 6.47
/* Answer from this confidence on, unless min_confidence says otherwise:
 * chosen on the same questions (README.md, "How sure /answer is"). */
#define ANSWER_THRESHOLD 0.5

#define ANSWER_MAX_SESSION 128

struct params {
	const char *q;
	const char *lang;
	const char *session;
	double min_confidence;
	struct param_check check;
};

/* 1..ANSWER_MAX_SESSION letters, digits and - _ . : (a UUID, a number). */
static bool session_valid(const char *s)
{
	size_t n = strlen(s);
	return n > 0 && n <= ANSWER_MAX_SESSION &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:") == n;
}

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
	if (strcmp(key, "q") == 0) {
		param_query(pc, key, value, &p->q);
	} else if (strcmp(key, "lang") == 0) {
		param_lang(pc, key, value, &p->lang);
	} else if (strcmp(key, "session") == 0) {
		if (!session_valid(value))
			param_fail(pc,
			           "parameter '%s' must be 1 to %d letters, digits or - _ . :", key,
			           ANSWER_MAX_SESSION);
		p->session = value;
	} else if (strcmp(key, "min_confidence") == 0) {
		double v;
		if (!parse_double(value, &v) || !(v >= 0 && v <= 1))
			param_fail(pc, "parameter '%s' must be a number from 0 to 1", key);
		else
			p->min_confidence = v;
	} else {
		param_fail(pc, "unknown parameter '%s'", key);
	}
	return pc->failed ? MHD_NO : MHD_YES;
}

/* What the choice of an answer rests on. */
struct evidence {
	size_t best;           /* the chosen candidate */
	double coverage;       /* of the question, by its whole text */
	double title_coverage; /* by its question (title) alone */
	double margin;         /* its lead over the runner-up, 0..1 */
	double confidence;     /* the model's estimate that it is right */
};

/* Choose the answer among n candidates from their coverages. */
static void weigh(const double *coverage, const double *title_coverage, size_t n,
                  struct evidence *ev)
{
	double fit[ANSWER_CANDIDATES];
	*ev = (struct evidence){0};
	if (n == 0)
		return;
	for (size_t i = 0; i < n; i++) {
		fit[i] = (coverage[i] + title_coverage[i]) / 2;
		if (fit[i] > fit[ev->best] + 1e-9)
			ev->best = i;
	}
	double rival = 0;
	for (size_t i = 0; i < n; i++)
		if (i != ev->best && fit[i] > rival)
			rival = fit[i];
	ev->coverage = coverage[ev->best];
	ev->title_coverage = title_coverage[ev->best];
	ev->margin = fit[ev->best] - rival;
	double z = ANSWER_B0 + ANSWER_B_COV * ev->coverage + ANSWER_B_TITLE * ev->title_coverage +
	           ANSWER_B_MARGIN * ev->margin;
	ev->confidence = 1.0 / (1.0 + exp(-z));
}

/* {id, title, url, text, snippet} of an FAQ hit, from its stored record:
 * text is its answer whole, as plain text. */
static json_t *make_answer(xs_results *res, const struct xs_hit *h, char **err)
{
	json_t *rec = hit_record(h, err);
	json_t *out = NULL;
	char *raw = NULL;
	if (!rec)
		goto out;
	const char *lang = json_string_value(json_object_get(rec, "lang"));
	const char *text = json_string_value(json_object_get(rec, "body"));
	if (!text)
		text = "";
	if (xs_results_snippet(res, text, strlen(text), lang ? lang : "nl", 240, &raw, err) !=
	    XS_OK)
		goto out;
	char *html = snippet_html(raw);
	out = json_pack("{s:O?,s:O?,s:O?,s:s,s:s}", "id", json_object_get(rec, "id"), "title",
	                json_object_get(rec, "title"), "url", json_object_get(rec, "url"), "text",
	                text, "snippet", html);
	free(html);
	if (!out)
		vb_error(err, "cannot encode the answer of document %u", h->docid);
out:
	xs_free(raw);
	json_decref(rec);
	return out;
}

static double round3(double v)
{
	return round(v * 1000) / 1000;
}

void answer_handle(struct request *req, struct reply *r)
{
	struct params p = {.min_confidence = ANSWER_THRESHOLD,
	                   .check = {r, false, req->srv->cfg.max_query}};
	xs_query *q = NULL;
	xs_results *res = NULL;
	char *err = NULL, *lang_term = NULL;
	json_t *answer = NULL;
	double coverage[ANSWER_CANDIDATES] = {0}, title_coverage[ANSWER_CANDIDATES] = {0};
	struct evidence ev = {0};
	double start = now_seconds();

	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, on_param, &p);
	if (p.check.failed)
		goto out;
	if (!p.q) {
		reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_request", "missing parameter 'q'");
		goto out;
	}
	const char *lang = p.lang ? p.lang : "nl";
	lang_term = xasprintf("%s%s", VB_PREFIX_LANG, lang);
	/* A blank question matches every FAQ and is answered by none. */
	if (p.q[strspn(p.q, " \t\r\n")]) {
		if (xs_query_new(&q, &err) != XS_OK ||
		    xs_query_set_text(q, p.q, lang, XS_QF_SPELLING | XS_QF_SYNONYMS, &err) !=
		        XS_OK ||
		    xs_query_set_time_limit(q, req->srv->cfg.search_time_limit, &err) != XS_OK ||
		    xs_query_add_filter(q, VB_PREFIX_TYPE, VB_PREFIX_TYPE "faq", &err) != XS_OK ||
		    xs_query_add_filter(q, VB_PREFIX_LANG, lang_term, &err) != XS_OK)
			goto fail;
		xs_status st = xs_db_search(req->db, q, 0, ANSWER_CANDIDATES, &res, &err);
		if (st == XS_ERR_QUERY || st == XS_ERR_INVALID) {
			reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_query", "%s", err);
			goto out;
		}
		if (st != XS_OK ||
		    xs_results_coverage(res, req->db, q, coverage, title_coverage, &err) != XS_OK)
			goto fail;
		weigh(coverage, title_coverage, xs_results_count(res), &ev);
	}
	if (res && xs_results_count(res) > 0 && ev.confidence >= p.min_confidence) {
		struct xs_hit h;
		if (xs_results_hit(res, ev.best, &h, &err) != XS_OK ||
		    !(answer = make_answer(res, &h, &err)))
			goto fail;
	}
	r->status = MHD_HTTP_OK;
	r->body = json_pack("{s:s,s:o,s:f,s:{s:f,s:f,s:f},s:f}", "query", p.q, "answer",
	                    answer ? answer : json_null(), "confidence", round3(ev.confidence),
	                    "evidence", "coverage", round3(ev.coverage), "title_coverage",
	                    round3(ev.title_coverage), "margin", round3(ev.margin), "took_ms",
	                    elapsed_ms(start));
	answer = NULL; /* the reply has it */
	if (p.session)
		json_object_set_new(r->body, "session", json_string(p.session));
	goto out;
fail:
	reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "answer failed: %s",
	            err ? err : "unknown error");
out:
	json_decref(answer);
	xs_free(err);
	free(lang_term);
	xs_results_free(res);
	xs_query_free(q);
}
