/*
 * answerset.h - the questions /answer is measured on, shared by the
 * calibration test (tests/test_answer.c) and the report and fit tool
 * (tests/relevance/answers.c).
 *
 * Two files make the set.  From queries.tsv (see eval.c for its format):
 * every query with a judged FAQ; it is answered correctly when the answer
 * is an FAQ judged 2 for it.  The kinds question and keyword are the
 * group "answerable", english is "english" (asked with lang=en), the other
 * kinds together are "other": search-bar input rather than questions, a
 * check that the model holds beyond what it was fit on.  From
 * unanswerable.txt ("lang<TAB>question" lines): questions the shop cannot
 * answer, the group "unanswerable", where any answer is a false one.
 */
#ifndef VB_ANSWERSET_H
#define VB_ANSWERSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "testutil.h"

struct answer_case {
	const char *group; /* "answerable", "english", "other", "unanswerable"; static */
	long line;         /* in its file, for messages */
	char *q, *lang;
	char **good; /* ids of the FAQs judged 2 */
	size_t ngood;
	/* Filled by answerset_run. */
	char *answer;    /* the answer at searchd's own threshold; NULL: none */
	char *candidate; /* the best FAQ whatever its confidence; NULL: none */
	double confidence, coverage, title_coverage, margin;
};

struct answer_set {
	struct answer_case *c;
	size_t n, alloc;
};

/*
 * Read the set: the queries with a judged FAQ (their FAQs known from the
 * stored records of the index at db) and the unanswerable questions.
 * Returns 0, or -1 with *err (new: free()) naming the file and line.
 */
int answerset_load(struct answer_set *s, const char *queries, const char *unanswerable,
                   const char *db, char **err);
/* Ask srv's /answer for every case, as searchd decides and with
 * min_confidence=0.  0, or -1 with *err when a request fails. */
int answerset_run(struct answer_set *s, const struct tu_server *srv, char **err);
void answerset_release(struct answer_set *s);

/* Whether case c was answered, and answered right: with searchd's own
 * decision (threshold < 0), or as it would be from that confidence on. */
bool answer_given(const struct answer_case *c, double threshold);
bool answer_right(const struct answer_case *c, double threshold);

/* The figures of a group, shares of its cases: answered, answered right,
 * and left unanswered (for "unanswerable", the one that counts). */
struct answer_figures {
	size_t cases;
	double answered, correct, silent;
};
void answerset_figures(const struct answer_set *s, const char *group, double threshold,
                       struct answer_figures *out);

/*
 * Compare the figures at searchd's own threshold with a floor file of
 * "group.figure value" lines ("answerable.correct 0.80"); every figure
 * below its floor is printed to out.  Returns the number below, or -1
 * with *err when the file is unreadable or names an unknown figure.
 */
int answerset_check_floor(const struct answer_set *s, const char *path, FILE *out, char **err);

#endif
