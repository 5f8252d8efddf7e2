/*
 * answers.c - how well GET /answer answers: the answer set (answerset.h)
 * run through the real indexer and searchd over content/.
 *
 *   answers [-v] [--fit] [--floor FILE] QUERIES.tsv UNANSWERABLE.txt
 *
 * Prints per group the share of its questions answered, and answered
 * right (the answer is an FAQ judged 2 for the question), as searchd
 * decides; for the unanswerable questions the share left unanswered is
 * what counts.  -v lists every question with its best FAQ, confidence and
 * evidence.
 *
 * --fit fits the confidence model of searchd/answer.c again from the
 * evidence searchd reports (coverage, title_coverage, margin of the best
 * FAQ): logistic regression by Newton's method, y = 1 when the best FAQ is
 * a right answer, on the groups answerable, english and unanswerable.
 * The L2 penalty on the weights is the one of a small grid with the least
 * leave-one-out log-loss.  It prints the weights as answer.c's #defines,
 * how well calibrated the model is (confidence against the share right,
 * by bins), and per threshold the figures of every group, on the fit set
 * and leave-one-out (each question decided by a model fit without it).
 *
 * --floor FILE fails (exit 1) when a figure falls below the floor file's
 * (answerset_check_floor).  Exit status: 0 fine, 1 below a floor, 2 bad
 * input or the programs could not be run.  $VB_BUILD names the build.
 */
#define _DEFAULT_SOURCE
#include <curl/curl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answerset.h"
#include "testutil.h"
#include "util.h"

#define NFEAT 4 /* 1, coverage, title_coverage, margin */

static const char *const groups[] = {"answerable", "english", "other", "unanswerable"};
#define NGROUPS (sizeof groups / sizeof *groups)

/* Whether a case takes part in the fit. */
static bool in_fit(const struct answer_case *c)
{
	return strcmp(c->group, "other") != 0;
}

static void features(const struct answer_case *c, double x[NFEAT])
{
	x[0] = 1;
	x[1] = c->candidate ? c->coverage : 0;
	x[2] = c->candidate ? c->title_coverage : 0;
	x[3] = c->candidate ? c->margin : 0;
}

static double predict(const double w[NFEAT], const double x[NFEAT])
{
	double z = 0;
	for (int i = 0; i < NFEAT; i++)
		z += w[i] * x[i];
	return 1 / (1 + exp(-z));
}

/* Solve a * d = b (NFEAT x NFEAT) by Gaussian elimination with partial
 * pivoting; false when singular. */
static bool solve(double a[NFEAT][NFEAT], double b[NFEAT], double d[NFEAT])
{
	for (int i = 0; i < NFEAT; i++) {
		int piv = i;
		for (int r = i + 1; r < NFEAT; r++)
			if (fabs(a[r][i]) > fabs(a[piv][i]))
				piv = r;
		if (fabs(a[piv][i]) < 1e-12)
			return false;
		for (int c = 0; c < NFEAT; c++) {
			double t = a[i][c];
			a[i][c] = a[piv][c];
			a[piv][c] = t;
		}
		double t = b[i];
		b[i] = b[piv];
		b[piv] = t;
		for (int r = 0; r < NFEAT; r++) {
			if (r == i)
				continue;
			double f = a[r][i] / a[i][i];
			for (int c = i; c < NFEAT; c++)
				a[r][c] -= f * a[i][c];
			b[r] -= f * b[i];
		}
	}
	for (int i = 0; i < NFEAT; i++)
		d[i] = b[i] / a[i][i];
	return true;
}

/* Fit w on the fit cases but skip (SIZE_MAX: none), L2 penalty lambda on
 * every weight but the intercept. */
static void fit(const struct answer_set *s, size_t skip, double lambda, double w[NFEAT])
{
	for (int i = 0; i < NFEAT; i++)
		w[i] = 0;
	for (int iter = 0; iter < 100; iter++) {
		double g[NFEAT] = {0}, h[NFEAT][NFEAT] = {{0}}, d[NFEAT];
		for (size_t k = 0; k < s->n; k++) {
			if (k == skip || !in_fit(&s->c[k]))
				continue;
			double x[NFEAT];
			features(&s->c[k], x);
			double p = predict(w, x), y = answer_right(&s->c[k], 0);
			for (int i = 0; i < NFEAT; i++) {
				g[i] += (p - y) * x[i];
				for (int j = 0; j < NFEAT; j++)
					h[i][j] += p * (1 - p) * x[i] * x[j];
			}
		}
		for (int i = 1; i < NFEAT; i++) {
			g[i] += lambda * w[i];
			h[i][i] += lambda;
		}
		if (!solve(h, g, d))
			break;
		double step = 0;
		for (int i = 0; i < NFEAT; i++) {
			w[i] -= d[i];
			step += fabs(d[i]);
		}
		if (step < 1e-10)
			break;
	}
}

/* Each fit case's confidence from a model fit without it. */
static void leave_one_out(const struct answer_set *s, double lambda, double *out)
{
	for (size_t k = 0; k < s->n; k++) {
		double w[NFEAT], x[NFEAT];
		features(&s->c[k], x);
		fit(s, in_fit(&s->c[k]) ? k : SIZE_MAX, lambda, w);
		out[k] = predict(w, x);
	}
}

/* Shares of a group answered, right and silent when case k's confidence
 * is conf[k]. */
static void figures_with(const struct answer_set *s, const double *conf, const char *group,
                         double threshold, double *answered, double *right, double *silent)
{
	size_t n = 0, a = 0, r = 0;
	for (size_t k = 0; k < s->n; k++) {
		const struct answer_case *c = &s->c[k];
		if (strcmp(c->group, group) != 0)
			continue;
		n++;
		if (c->candidate && conf[k] >= threshold) {
			a++;
			r += answer_right(c, 0);
		}
	}
	double d = n ? (double)n : 1;
	*answered = (double)a / d;
	*right = (double)r / d;
	*silent = (double)(n - a) / d;
}

static void print_sweep(const struct answer_set *s, const double *conf, const char *title)
{
	printf("\n%s\n%-9s", title, "threshold");
	for (size_t g = 0; g < NGROUPS; g++)
		printf(" %22s", groups[g]);
	printf("\n%-9s", "");
	for (size_t g = 0; g < NGROUPS; g++)
		printf(" %22s", g + 1 < NGROUPS ? "answered  right" : "silent");
	printf("\n");
	for (int t = 1; t <= 9; t++) {
		double th = t / 10.0;
		printf("%-9.1f", th);
		for (size_t g = 0; g < NGROUPS; g++) {
			double a, r, sil;
			figures_with(s, conf, groups[g], th, &a, &r, &sil);
			if (g + 1 < NGROUPS)
				printf(" %15.3f %6.3f", a, r);
			else
				printf(" %22.3f", sil);
		}
		printf("\n");
	}
}

static int run_fit(const struct answer_set *s)
{
	static const double lambdas[] = {0.01, 0.03, 0.1, 0.3, 1, 3};
	double best_loss = HUGE_VAL, best_lambda = 0;
	double *conf = xmalloc((s->n ? s->n : 1) * sizeof *conf);
	size_t nfit = 0, nright = 0;
	for (size_t k = 0; k < s->n; k++) {
		if (in_fit(&s->c[k])) {
			nfit++;
			nright += answer_right(&s->c[k], 0);
		}
	}
	printf("\nfit on %zu questions, %zu of them with a right best FAQ\n", nfit, nright);
	printf("%-8s %14s %10s\n", "lambda", "LOO log-loss", "LOO Brier");
	for (size_t l = 0; l < sizeof lambdas / sizeof *lambdas; l++) {
		double loss = 0, brier = 0;
		leave_one_out(s, lambdas[l], conf);
		for (size_t k = 0; k < s->n; k++) {
			if (!in_fit(&s->c[k]))
				continue;
			double p = fmin(fmax(conf[k], 1e-9), 1 - 1e-9),
			       y = answer_right(&s->c[k], 0);
			loss -= y * log(p) + (1 - y) * log(1 - p);
			brier += (p - y) * (p - y);
		}
		loss /= (double)nfit;
		brier /= (double)nfit;
		printf("%-8g %14.4f %10.4f\n", lambdas[l], loss, brier);
		if (loss < best_loss) {
			best_loss = loss;
			best_lambda = lambdas[l];
		}
	}
	double w[NFEAT];
	fit(s, SIZE_MAX, best_lambda, w);
	printf("\nlambda %g; for searchd/answer.c:\n", best_lambda);
	printf("#define ANSWER_B0 (%.2f)\n#define ANSWER_B_COV %.2f\n"
	       "#define ANSWER_B_TITLE %.2f\n#define ANSWER_B_MARGIN %.2f\n",
	       w[0], w[1], w[2], w[3]);

	/* Calibration: in each bin of confidence, the share that was right. */
	printf("\n%-11s %6s %16s %10s\n", "confidence", "cases", "mean confidence", "right");
	for (int b = 0; b < 5; b++) {
		double lo = b / 5.0, hi = (b + 1) / 5.0, sum = 0;
		size_t n = 0, right = 0;
		for (size_t k = 0; k < s->n; k++) {
			double x[NFEAT];
			features(&s->c[k], x);
			double p = predict(w, x);
			if (!in_fit(&s->c[k]) || p < lo || (p >= hi && b < 4))
				continue;
			n++;
			sum += p;
			right += answer_right(&s->c[k], 0);
		}
		printf("%.1f-%.1f %8zu %16.3f %10.3f\n", lo, hi, n, n ? sum / (double)n : 0,
		       n ? (double)right / (double)n : 0);
	}
	for (size_t k = 0; k < s->n; k++) {
		double x[NFEAT];
		features(&s->c[k], x);
		conf[k] = predict(w, x);
	}
	print_sweep(s, conf, "with this model, on the fit set (other: not fit on)");
	leave_one_out(s, best_lambda, conf);
	print_sweep(s, conf, "leave-one-out");
	free(conf);
	return 0;
}

static void print_case(const struct answer_case *c)
{
	const char *mark = !c->candidate        ? "-"
	                   : answer_right(c, 0) ? (c->answer ? "RIGHT" : "right")
	                   : strcmp(c->group, "unanswerable") == 0
	                       ? (c->answer ? "FALSE" : "false")
	                       : (c->answer ? "WRONG" : "wrong");
	printf("  %-12s %-5s %.3f  cov %.2f title %.2f margin %.2f  %s [%s] %s\n", c->group, mark,
	       c->confidence, c->coverage, c->title_coverage, c->margin, c->q, c->lang,
	       c->candidate ? c->candidate : "(no FAQ)");
}

static int usage(void)
{
	fprintf(stderr,
	        "usage: answers [-v] [--fit] [--floor FILE] QUERIES.tsv UNANSWERABLE.txt\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *floor_path = NULL, *files[2] = {NULL, NULL};
	bool verbose = false, do_fit = false;
	size_t nfiles = 0;
	struct answer_set set = {0};
	struct tu_server srv = {0, 0};
	char *tmp = NULL, *db = NULL, *indexer = NULL, *cmd = NULL, *out = NULL, *err = NULL;
	int ret = 2;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v"))
			verbose = true;
		else if (!strcmp(argv[i], "--fit"))
			do_fit = true;
		else if (!strcmp(argv[i], "--floor") && i + 1 < argc)
			floor_path = argv[++i];
		else if (argv[i][0] == '-' || nfiles == 2)
			return usage();
		else
			files[nfiles++] = argv[i];
	}
	if (nfiles != 2)
		return usage();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	indexer = tu_program("indexer");
	tmp = tu_tmpdir();
	db = xasprintf("%s/index", tmp);
	cmd = xasprintf("'%s' --quiet --db '%s' --synonyms content/synonyms.txt content", indexer,
	                db);
	int st = tu_run(cmd, &out);
	if (st != 0 && st != 2) {
		fprintf(stderr, "answers: %s: exit %d\n%s", cmd, st, out);
		goto out;
	}
	if (answerset_load(&set, files[0], files[1], db, &err) < 0) {
		fprintf(stderr, "answers: %s\n", err);
		goto out;
	}
	if (!tu_server_start(&srv, db, NULL)) {
		fprintf(stderr, "answers: searchd did not start\n");
		goto out;
	}
	if (answerset_run(&set, &srv, &err) < 0) {
		fprintf(stderr, "answers: %s\n", err);
		goto out;
	}
	tu_server_stop(&srv);

	printf("index: content/ with content/synonyms.txt; searchd's own threshold\n");
	printf("%-13s %6s %9s %7s %7s\n", "group", "cases", "answered", "right", "silent");
	for (size_t g = 0; g < NGROUPS; g++) {
		struct answer_figures f;
		answerset_figures(&set, groups[g], -1, &f);
		printf("%-13s %6zu %9.3f %7.3f %7.3f\n", groups[g], f.cases, f.answered, f.correct,
		       f.silent);
	}
	if (verbose) {
		printf("\nquestions (RIGHT/WRONG/FALSE: answered; lowercase: the best FAQ, not "
		       "answered)\n");
		for (size_t k = 0; k < set.n; k++)
			print_case(&set.c[k]);
	}
	ret = 0;
	if (do_fit)
		run_fit(&set);
	if (floor_path) {
		int below = answerset_check_floor(&set, floor_path, stdout, &err);
		if (below < 0) {
			fprintf(stderr, "answers: %s\n", err);
			ret = 2;
		} else {
			printf("floor %s: %d figure%s below\n", floor_path, below,
			       below == 1 ? "" : "s");
			ret = below > 0;
		}
	}
out:
	if (srv.pid > 0)
		tu_server_stop(&srv);
	if (tmp) {
		tu_rmrf(tmp);
		free(tmp);
	}
	free(err);
	free(db);
	free(cmd);
	free(out);
	free(indexer);
	answerset_release(&set);
	curl_global_cleanup();
	return ret;
}
