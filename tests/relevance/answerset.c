/*
 * answerset.c - see answerset.h.
 */
#define _DEFAULT_SOURCE
#include "answerset.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "xs.h"

#define ANSWERSET_MAX_FILE (4u << 20)

static struct answer_case *add_case(struct answer_set *s)
{
	if (s->n == s->alloc) {
		s->alloc = s->alloc ? 2 * s->alloc : 64;
		s->c = xrealloc(s->c, s->alloc * sizeof *s->c);
	}
	struct answer_case *c = &s->c[s->n++];
	*c = (struct answer_case){0};
	return c;
}

static void case_release(struct answer_case *c)
{
	for (size_t i = 0; i < c->ngood; i++)
		free(c->good[i]);
	free(c->good);
	free(c->q);
	free(c->lang);
	free(c->answer);
	free(c->candidate);
}

void answerset_release(struct answer_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		case_release(&s->c[i]);
	free(s->c);
	*s = (struct answer_set){0};
}

/* Split line at tabs into at most max fields; returns how many. */
static size_t split_tabs(char *line, char **field, size_t max)
{
	size_t n = 0;
	field[n++] = line;
	for (char *p = line; n < max && (p = strchr(p, '\t')) != NULL;) {
		*p++ = '\0';
		field[n++] = p;
	}
	return n;
}

/* Whether the index holds id as an FAQ; -1 with *err when it cannot be
 * read, and when id is not in the index at all (a stale judgement). */
static int is_faq(xs_db *db, const char *id, char **err)
{
	char *data = NULL, *msg = NULL;
	size_t len;
	xs_status st = xs_db_get_data(db, id, &data, &len, &msg);
	if (st != XS_OK) {
		vb_error(err, "'%s': %s", id, msg ? msg : xs_status_to_string(st));
		xs_free(msg);
		return -1;
	}
	json_t *rec = json_loadb(data, len, 0, NULL);
	const char *type = json_string_value(json_object_get(rec, "type"));
	int faq = type && strcmp(type, "faq") == 0;
	json_decref(rec);
	xs_free(data);
	return faq;
}

static const char *group_of(const char *kind)
{
	if (strcmp(kind, "question") == 0 || strcmp(kind, "keyword") == 0)
		return "answerable";
	if (strcmp(kind, "english") == 0)
		return "english";
	return "other";
}

/*
 * One line of queries.tsv: kind, query, params, judgements.  A query with
 * no judged FAQ is no case.  params may only set lang.
 */
static int load_query(struct answer_set *s, xs_db *db, char *line, long lineno, char **err)
{
	char *f[4];
	if (split_tabs(line, f, 4) != 4)
		return vb_error(err, "expected 4 tab-separated fields");
	const char *lang = "nl";
	if (strcmp(f[2], "-") != 0) {
		if (strcmp(f[2], "lang=nl") != 0 && strcmp(f[2], "lang=en") != 0)
			return 0; /* filters /answer does not take: not a question for it */
		lang = f[2] + 5;
	}
	struct answer_case c = {.group = group_of(f[0]), .line = lineno};
	bool judged_faq = false;
	for (char *tok = f[3], *next; tok; tok = next) {
		next = strchr(tok, ' ');
		if (next)
			*next++ = '\0';
		if (!*tok)
			continue;
		char *colon = strrchr(tok, ':');
		if (!colon)
			goto bad;
		*colon = '\0';
		int faq = is_faq(db, tok, err);
		if (faq < 0)
			goto fail;
		judged_faq = judged_faq || faq;
		if (faq && strcmp(colon + 1, "2") == 0) {
			c.good = xrealloc(c.good, (c.ngood + 1) * sizeof *c.good);
			c.good[c.ngood++] = xstrdup(tok);
		}
	}
	if (!judged_faq) {
		case_release(&c);
		return 0;
	}
	c.q = xstrdup(f[1]);
	c.lang = xstrdup(lang);
	*add_case(s) = c;
	return 0;
bad:
	vb_error(err, "judgements must be id:grade");
fail:
	case_release(&c);
	return -1;
}

static int load_unanswerable(struct answer_set *s, char *line, long lineno, char **err)
{
	char *f[2];
	if (split_tabs(line, f, 2) != 2 || (strcmp(f[0], "nl") != 0 && strcmp(f[0], "en") != 0) ||
	    !*f[1])
		return vb_error(err, "expected nl or en, a tab and the question");
	struct answer_case *c = add_case(s);
	c->group = "unanswerable";
	c->line = lineno;
	c->lang = xstrdup(f[0]);
	c->q = xstrdup(f[1]);
	return 0;
}

/* Call each non-comment line of path; errors come back as path:line. */
static int each_line(const char *path,
                     int (*fn)(struct answer_set *, xs_db *, char *, long, char **),
                     struct answer_set *s, xs_db *db, char **err)
{
	char *buf = NULL, *msg = NULL;
	size_t len;
	if (read_file(path, ANSWERSET_MAX_FILE, &buf, &len, err) < 0)
		return -1;
	long lineno = 0;
	int rc = 0;
	for (char *line = buf, *nl; line && *line && rc == 0; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		lineno++;
		line[strcspn(line, "\r")] = '\0';
		if (!*line || *line == '#')
			continue;
		if (fn(s, db, line, lineno, &msg) < 0) {
			rc = vb_error(err, "%s:%ld: %s", path, lineno, msg);
			free(msg);
		}
	}
	free(buf);
	return rc;
}

static int load_unanswerable_line(struct answer_set *s, xs_db *db, char *line, long lineno,
                                  char **err)
{
	(void)db;
	return load_unanswerable(s, line, lineno, err);
}

int answerset_load(struct answer_set *s, const char *queries, const char *unanswerable,
                   const char *db_path, char **err)
{
	xs_db *db = NULL;
	char *msg = NULL;
	if (xs_db_open(db_path, XS_DB_READ, &db, &msg) != XS_OK) {
		vb_error(err, "cannot open index '%s': %s", db_path, msg);
		xs_free(msg);
		return -1;
	}
	int rc = each_line(queries, load_query, s, db, err);
	if (rc == 0)
		rc = each_line(unanswerable, load_unanswerable_line, s, NULL, err);
	xs_db_close(db);
	return rc;
}

/* The answer's id in an /answer reply, NULL when none (new: free()). */
static char *answer_id(json_t *body)
{
	const char *id = json_string_value(json_object_get(json_object_get(body, "answer"), "id"));
	return id ? xstrdup(id) : NULL;
}

int answerset_run(struct answer_set *s, const struct tu_server *srv, char **err)
{
	for (size_t i = 0; i < s->n; i++) {
		struct answer_case *c = &s->c[i];
		json_t *as_is = NULL, *all = NULL;
		long st1 = tu_get(srv, "/answer", &as_is, "q", c->q, "lang", c->lang, NULL);
		long st2 = tu_get(srv, "/answer", &all, "q", c->q, "lang", c->lang,
		                  "min_confidence", "0", NULL);
		if (st1 != 200 || st2 != 200) {
			json_decref(as_is);
			json_decref(all);
			return vb_error(err, "'%s' got HTTP %ld", c->q, st1 != 200 ? st1 : st2);
		}
		json_t *ev = json_object_get(all, "evidence");
		c->answer = answer_id(as_is);
		c->candidate = answer_id(all);
		c->confidence = json_number_value(json_object_get(all, "confidence"));
		c->coverage = json_number_value(json_object_get(ev, "coverage"));
		c->title_coverage = json_number_value(json_object_get(ev, "title_coverage"));
		c->margin = json_number_value(json_object_get(ev, "margin"));
		json_decref(as_is);
		json_decref(all);
	}
	return 0;
}

bool answer_given(const struct answer_case *c, double threshold)
{
	if (threshold < 0)
		return c->answer != NULL;
	return c->candidate && c->confidence >= threshold;
}

bool answer_right(const struct answer_case *c, double threshold)
{
	if (!answer_given(c, threshold))
		return false;
	const char *id = threshold < 0 ? c->answer : c->candidate;
	for (size_t i = 0; i < c->ngood; i++)
		if (strcmp(c->good[i], id) == 0)
			return true;
	return false;
}

void answerset_figures(const struct answer_set *s, const char *group, double threshold,
                       struct answer_figures *out)
{
	size_t cases = 0, answered = 0, right = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->c[i].group, group) != 0)
			continue;
		cases++;
		answered += answer_given(&s->c[i], threshold);
		right += answer_right(&s->c[i], threshold);
	}
	double n = cases ? (double)cases : 1;
	*out = (struct answer_figures){cases, (double)answered / n, (double)right / n,
	                               cases ? (double)(cases - answered) / n : 0};
}

int answerset_check_floor(const struct answer_set *s, const char *path, FILE *out, char **err)
{
	char *buf = NULL;
	size_t len;
	int below = 0, rc = 0;
	if (read_file(path, ANSWERSET_MAX_FILE, &buf, &len, err) < 0)
		return -1;
	long lineno = 0;
	for (char *line = buf, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		lineno++;
		line[strcspn(line, "\r")] = '\0';
		if (!*line || *line == '#')
			continue;
		char name[64], figure[32];
		double floor_v;
		const char *dot = strchr(line, '.'), *sp = strchr(line, ' ');
		if (!dot || !sp || dot > sp || (size_t)(dot - line) >= sizeof name ||
		    (size_t)(sp - dot - 1) >= sizeof figure || !parse_double(sp + 1, &floor_v)) {
			rc = vb_error(err, "%s:%ld: expected 'group.figure value'", path, lineno);
			break;
		}
		memcpy(name, line, (size_t)(dot - line));
		name[dot - line] = '\0';
		memcpy(figure, dot + 1, (size_t)(sp - dot - 1));
		figure[sp - dot - 1] = '\0';
		struct answer_figures f;
		answerset_figures(s, name, -1, &f);
		double v = strcmp(figure, "answered") == 0  ? f.answered
		           : strcmp(figure, "correct") == 0 ? f.correct
		           : strcmp(figure, "silent") == 0  ? f.silent
		                                            : -1;
		if (v < 0 || f.cases == 0) {
			rc = vb_error(err, "%s:%ld: unknown figure '%s'", path, lineno, line);
			break;
		}
		if (v + 1e-9 < floor_v) {
			fprintf(out, "%s.%s %.3f is below its floor %.2f\n", name, figure, v,
			        floor_v);
			below++;
		}
	}
	free(buf);
	return rc < 0 ? -1 : below;
}
