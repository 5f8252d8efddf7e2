/*
 * eval.c - measured relevance: runs a judged query set against the real
 * indexer and searchd over content/ and scores what a customer would see
 * in the first ten hits.
 *
 *   eval [-v] [--floor FILE] [--record FILE] QUERIES.tsv
 *
 * QUERIES.tsv has one query a line, tab-separated ('#' comments and blank
 * lines allowed):
 *
 *   kind<TAB>query<TAB>params<TAB>id:grade id:grade ...
 *
 * kind is one of the fixed kinds below, so the table can say which kind of
 * customer input got worse; params are extra parameters ("lang=en&type=faq")
 * or "-"; grade 2 is the answer, 1 relevant.  The judgements are made by
 * reading the pages, so every judged id must exist in the index: an id
 * that does not is an error naming the line, because a stale judgement
 * would otherwise count as a miss forever and hide real changes.
 *
 * Per query: nDCG@10 with gains 2^grade - 1 (the ideal ranking is built
 * from every judged document), MRR@10 (reciprocal rank of the first judged
 * document) and recall@10 (judged documents in the top ten over judged
 * documents).  Per kind and overall the figures are means over queries.
 *
 * --record FILE writes the figures as a floor ("overall.ndcg 0.71"),
 * rounded down to two decimals less a slack of 0.02, so that noise from an
 * unrelated change does not fail the build.  --floor FILE compares with
 * such a file and names every figure that fell below it.
 *
 * Exit status: 0 fine, 1 a figure fell below its floor, 2 bad input or the
 * programs could not be run.  $VB_BUILD names the build directory.
 */
#define _DEFAULT_SOURCE
#include <curl/curl.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "util.h"
#include "xs.h"

#define EVAL_DEPTH 10
#define EVAL_MAX_FILE (4u << 20)
#define EVAL_SLACK 0.02
#define EVAL_WORST 10

static const char *const kinds[] = {
	"keyword", "question", "typo",  "prefix",  "compound",
	"synonym", "token",    "product", "english", "phrase",
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

struct judged {
	char *id;
	int grade;
	int rank; /* 1-based rank in the top EVAL_DEPTH, 0 when not there */
};

struct query {
	long line;
	size_t kind;
	char *text;
	char *params; /* NULL for "-" */
	struct judged *judged;
	size_t njudged;
	char *top[EVAL_DEPTH]; /* ids returned, for -v */
	size_t ntop;
	double ndcg, mrr, recall;
};

struct query_set {
	struct query *q;
	size_t n, alloc;
};

/* A figure as recorded in a floor file: "typo.mrr". */
struct figure {
	char name[48];
	double value;
};

static int verbose;

static void query_set_release(struct query_set *qs)
{
	for (size_t i = 0; i < qs->n; i++) {
		struct query *q = &qs->q[i];
		for (size_t j = 0; j < q->njudged; j++)
			free(q->judged[j].id);
		for (size_t j = 0; j < q->ntop; j++)
			free(q->top[j]);
		free(q->judged);
		free(q->text);
		free(q->params);
	}
	free(qs->q);
	qs->q = NULL;
	qs->n = qs->alloc = 0;
}

static int kind_lookup(const char *s, size_t len, size_t *out)
{
	for (size_t i = 0; i < NKINDS; i++) {
		if (strlen(kinds[i]) == len && !memcmp(kinds[i], s, len)) {
			*out = i;
			return 0;
		}
	}
	return -1;
}

/*
 * Split the judgements "id:grade id:grade" into q->judged.  The grade is
 * after the last colon, so ids may carry colons of their own.  Returns 0,
 * or -1 with *err naming what is wrong (without file:line, the caller adds
 * it).
 */
static int parse_judgements(struct query *q, char *s, char **err)
{
	size_t alloc = 0;
	char *p = s;

	for (;;) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		char *end = strchr(p, ' ');
		if (end)
			*end = '\0';
		char *colon = strrchr(p, ':');
		long grade;
		if (!colon || colon == p)
			return vb_error(err, "judgement '%s' is not id:grade", p);
		*colon = '\0';
		if (!parse_long(colon + 1, 1, 2, &grade))
			return vb_error(err, "grade '%s' of '%s' must be 1 or 2", colon + 1, p);
		for (size_t i = 0; i < q->njudged; i++) {
			if (!strcmp(q->judged[i].id, p))
				return vb_error(err, "'%s' is judged twice", p);
		}
		if (q->njudged == alloc) {
			alloc = alloc ? 2 * alloc : 8;
			q->judged = xrealloc(q->judged, alloc * sizeof *q->judged);
		}
		q->judged[q->njudged].id = xstrdup(p);
		q->judged[q->njudged].grade = (int)grade;
		q->judged[q->njudged].rank = 0;
		q->njudged++;
		if (!end)
			break;
		p = end + 1;
	}
	if (!q->njudged)
		return vb_error(err, "no judgements");
	return 0;
}

/* Check "k=v&k=v" enough that a typo in the file is found here and not as
 * a 400 from searchd in the middle of a run. */
static int check_params(const char *s, char **err)
{
	const char *p = s;
	while (*p) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		if (!eq || eq == p)
			return vb_error(err, "parameter '%.*s' is not k=v", (int)len, p);
		if (!strncmp(p, "q=", 2) || !strncmp(p, "limit=", 6))
			return vb_error(err, "parameter '%.*s' is set by eval", (int)len, p);
		if (!amp)
			break;
		p = amp + 1;
	}
	return 0;
}

/*
 * Read and check the query file.  Every bad line is reported as
 * "path:line: reason"; returns the number of bad lines (0: all good) or -1
 * when the file cannot be read.
 */
static int load_queries(const char *path, struct query_set *qs)
{
	char *buf = NULL, *err = NULL;
	size_t len;
	int bad = 0;

	if (read_file(path, EVAL_MAX_FILE, &buf, &len, &err) < 0) {
		fprintf(stderr, "eval: %s\n", err);
		free(err);
		return -1;
	}
	if (!utf8_valid(buf, len, NULL)) {
		fprintf(stderr, "eval: '%s' is not valid UTF-8\n", path);
		free(buf);
		return -1;
	}

	long lineno = 0;
	char *line = buf;
	while (line && *line) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		lineno++;
		size_t l = strlen(line);
		if (l && line[l - 1] == '\r')
			line[--l] = '\0';

		char *field[4];
		size_t nfields = 0;
		struct query q = {.line = lineno};

		if (!l || line[0] == '#')
			goto next;
		field[nfields++] = line;
		for (char *p = line; (p = strchr(p, '\t')) != NULL;) {
			*p++ = '\0';
			if (nfields == 4) {
				nfields++;
				break;
			}
			field[nfields++] = p;
		}
		if (nfields != 4) {
			fprintf(stderr, "%s:%ld: expected 4 tab-separated fields, found %s%zu\n", path,
			        lineno, nfields > 4 ? "more than " : "", nfields > 4 ? (size_t)4 : nfields);
			bad++;
			goto next;
		}
		if (kind_lookup(field[0], strlen(field[0]), &q.kind) < 0) {
			fprintf(stderr, "%s:%ld: unknown kind '%s'\n", path, lineno, field[0]);
			bad++;
			goto next;
		}
		if (!*field[1]) {
			fprintf(stderr, "%s:%ld: empty query\n", path, lineno);
			bad++;
			goto next;
		}
		if (strcmp(field[2], "-") && check_params(field[2], &err) < 0) {
			fprintf(stderr, "%s:%ld: %s\n", path, lineno, err);
			free(err);
			err = NULL;
			bad++;
			goto next;
		}
		if (parse_judgements(&q, field[3], &err) < 0) {
			fprintf(stderr, "%s:%ld: %s\n", path, lineno, err);
			free(err);
			err = NULL;
			bad++;
			for (size_t j = 0; j < q.njudged; j++)
				free(q.judged[j].id);
			free(q.judged);
			goto next;
		}
		q.text = xstrdup(field[1]);
		q.params = strcmp(field[2], "-") ? xstrdup(field[2]) : NULL;
		if (qs->n == qs->alloc) {
			qs->alloc = qs->alloc ? 2 * qs->alloc : 64;
			qs->q = xrealloc(qs->q, qs->alloc * sizeof *qs->q);
		}
		qs->q[qs->n++] = q;
	next:
		line = nl ? nl + 1 : NULL;
	}
	if (!bad && !qs->n) {
		fprintf(stderr, "%s: no queries\n", path);
		bad++;
	}
	free(buf);
	return bad;
}

/* Every judged id must be a document of the index; returns the number of
 * those that are not (each reported as path:line), -1 when the index
 * cannot be read. */
static int validate_ids(const char *path, const char *db_path, struct query_set *qs)
{
	xs_db *db = NULL;
	char *err = NULL;
	int bad = 0;

	if (xs_db_open(db_path, XS_DB_READ, &db, &err) != XS_OK) {
		fprintf(stderr, "eval: cannot open index '%s': %s\n", db_path, err);
		xs_free(err);
		return -1;
	}
	for (size_t i = 0; i < qs->n; i++) {
		struct query *q = &qs->q[i];
		for (size_t j = 0; j < q->njudged; j++) {
			char *data = NULL;
			size_t len;
			xs_status st = xs_db_get_data(db, q->judged[j].id, &data, &len, &err);
			if (st == XS_ERR_NOT_FOUND) {
				fprintf(stderr, "%s:%ld: no document '%s'\n", path, q->line,
				        q->judged[j].id);
				bad++;
			} else if (st != XS_OK) {
				fprintf(stderr, "eval: cannot read '%s': %s\n", q->judged[j].id, err);
				bad = -1;
			}
			xs_free(data);
			xs_free(err);
			err = NULL;
			if (bad < 0)
				goto out;
		}
	}
out:
	xs_db_close(db);
	return bad;
}

/* Append "&k=v" pairs from "k=v&k=v", each part url-encoded by libcurl. */
static void add_params(CURL *c, struct strbuf *sb, const char *params)
{
	const char *p = params;
	while (p && *p) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		char *ek = curl_easy_escape(c, p, (int)(eq - p));
		char *ev = curl_easy_escape(c, eq + 1, (int)(len - (size_t)(eq - p) - 1));
		strbuf_addf(sb, "&%s=%s", ek, ev);
		curl_free(ek);
		curl_free(ev);
		p = amp ? amp + 1 : NULL;
	}
}

static double dcg_gain(int grade)
{
	return (double)((1 << grade) - 1);
}

static int cmp_grade_desc(const void *a, const void *b)
{
	int ga = *(const int *)a, gb = *(const int *)b;
	return (gb > ga) - (gb < ga);
}

/* Score one query from the ranks filled in q->judged. */
static void score(struct query *q)
{
	double dcg = 0, idcg = 0;
	int first = 0;
	size_t found = 0;
	int *grades = xmalloc(q->njudged * sizeof *grades);

	for (size_t j = 0; j < q->njudged; j++) {
		int r = q->judged[j].rank;
		grades[j] = q->judged[j].grade;
		if (!r)
			continue;
		found++;
		dcg += dcg_gain(q->judged[j].grade) / log2(r + 1.0);
		if (!first || r < first)
			first = r;
	}
	qsort(grades, q->njudged, sizeof *grades, cmp_grade_desc);
	for (size_t j = 0; j < q->njudged && j < EVAL_DEPTH; j++)
		idcg += dcg_gain(grades[j]) / log2((double)j + 2.0);
	free(grades);
	q->ndcg = idcg > 0 ? dcg / idcg : 0;
	q->mrr = first ? 1.0 / first : 0;
	q->recall = (double)found / (double)q->njudged;
}

/*
 * Run one query on the server and fill in the ranks of its judged
 * documents.  A failed request is reported and scores zero: the run goes
 * on so one broken query does not hide the others' figures.  Returns 0, or
 * -1 when the request failed.
 */
static int run_query(const struct tu_server *srv, const char *path, struct query *q)
{
	CURL *c = curl_easy_init();
	struct strbuf url = STRBUF_INIT;
	json_t *body = NULL;
	int ret = -1;

	if (!c) {
		fprintf(stderr, "eval: curl_easy_init failed\n");
		return -1;
	}
	char *eq = curl_easy_escape(c, q->text, 0);
	strbuf_addf(&url, "/search?q=%s&limit=%d", eq, EVAL_DEPTH);
	curl_free(eq);
	add_params(c, &url, q->params);

	long status = tu_http(srv, "GET", url.buf, &body);
	json_t *hits = json_object_get(body, "hits");
	if (status != 200 || !json_is_array(hits)) {
		fprintf(stderr, "%s:%ld: '%s' got HTTP %ld%s\n", path, q->line, q->text, status,
		        json_is_array(hits) ? "" : " without hits");
		goto out;
	}
	for (size_t i = 0; i < json_array_size(hits) && i < EVAL_DEPTH; i++) {
		const char *id = json_string_value(json_object_get(json_array_get(hits, i), "id"));
		if (!id)
			continue;
		q->top[q->ntop++] = xstrdup(id);
		for (size_t j = 0; j < q->njudged; j++) {
			if (!q->judged[j].rank && !strcmp(q->judged[j].id, id))
				q->judged[j].rank = (int)i + 1;
		}
	}
	ret = 0;
out:
	score(q);
	json_decref(body);
	strbuf_release(&url);
	curl_easy_cleanup(c);
	return ret;
}

/* Figures: per kind (those with queries) then overall, in that order;
 * three per group.  Returns how many were written into out. */
static size_t collect_figures(const struct query_set *qs, struct figure *out, size_t *counts)
{
	size_t n = 0;
	for (size_t k = 0; k <= NKINDS; k++) {
		double s[3] = {0, 0, 0};
		size_t cnt = 0;
		for (size_t i = 0; i < qs->n; i++) {
			const struct query *q = &qs->q[i];
			if (k < NKINDS && q->kind != k)
				continue;
			s[0] += q->ndcg;
			s[1] += q->mrr;
			s[2] += q->recall;
			cnt++;
		}
		if (counts)
			counts[k] = cnt;
		if (!cnt)
			continue;
		const char *group = k < NKINDS ? kinds[k] : "overall";
		static const char *const metric[3] = {"ndcg", "mrr", "recall"};
		for (int m = 0; m < 3; m++) {
			snprintf(out[n].name, sizeof out[n].name, "%s.%s", group, metric[m]);
			out[n].value = s[m] / (double)cnt;
			n++;
		}
	}
	return n;
}

static void print_query(const struct query *q)
{
	printf("  line %-4ld %-8s %-40s nDCG %.3f  MRR %.3f  recall %.3f\n", q->line, kinds[q->kind],
	       q->text, q->ndcg, q->mrr, q->recall);
	for (size_t j = 0; j < q->njudged; j++) {
		if (q->judged[j].rank)
			printf("      %2d  %s (%d)\n", q->judged[j].rank, q->judged[j].id, q->judged[j].grade);
		else
			printf("       -  %s (%d)\n", q->judged[j].id, q->judged[j].grade);
	}
}

static int cmp_worst(const void *a, const void *b)
{
	const struct query *qa = *(const struct query *const *)a;
	const struct query *qb = *(const struct query *const *)b;
	if (qa->ndcg != qb->ndcg)
		return qa->ndcg < qb->ndcg ? -1 : 1;
	return (qa->line > qb->line) - (qa->line < qb->line);
}

static void print_report(const struct query_set *qs, const struct figure *fig, size_t nfig,
                         const size_t *counts)
{
	if (verbose) {
		printf("queries\n");
		for (size_t i = 0; i < qs->n; i++)
			print_query(&qs->q[i]);
		printf("\n");
	}

	printf("%-10s %7s %8s %8s %10s\n", "kind", "queries", "nDCG@10", "MRR@10", "recall@10");
	size_t f = 0;
	for (size_t k = 0; k <= NKINDS && f + 2 < nfig; k++) {
		if (!counts[k])
			continue;
		printf("%-10s %7zu %8.3f %8.3f %10.3f\n", k < NKINDS ? kinds[k] : "overall", counts[k],
		       fig[f].value, fig[f + 1].value, fig[f + 2].value);
		f += 3;
	}

	if (verbose) {
		const struct query **order = xmalloc(qs->n * sizeof *order);
		for (size_t i = 0; i < qs->n; i++)
			order[i] = &qs->q[i];
		qsort(order, qs->n, sizeof *order, cmp_worst);
		printf("\nworst queries\n");
		for (size_t i = 0; i < qs->n && i < EVAL_WORST; i++) {
			print_query(order[i]);
			printf("      top:");
			for (size_t t = 0; t < order[i]->ntop && t < 3; t++)
				printf(" %s", order[i]->top[t]);
			printf("%s\n", order[i]->ntop ? "" : " (no hits)");
		}
		free(order);
	}
}

/* Write the floor file: each figure rounded down to 2 decimals, less the
 * slack, never below zero. */
static int record_floor(const char *path, const struct figure *fig, size_t nfig)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		perror(path);
		return -1;
	}
	fprintf(f, "# relevance floor written by tests/relevance/eval --record;\n"
	           "# a figure below its floor fails eval --floor\n");
	for (size_t i = 0; i < nfig; i++) {
		double v = floor(fig[i].value * 100.0 + 1e-9) / 100.0 - EVAL_SLACK;
		fprintf(f, "%s %.2f\n", fig[i].name, v < 0 ? 0.0 : v);
	}
	if (fclose(f) != 0) {
		perror(path);
		return -1;
	}
	return 0;
}

/*
 * Compare with a floor file of "name value" lines.  Prints every figure
 * checked that fell below and ends with "N passed, N failed".  Returns the
 * number failed, or -1 when the file is unreadable or malformed.
 */
static int check_floor(const char *path, const struct figure *fig, size_t nfig)
{
	char *buf = NULL, *err = NULL;
	size_t len;
	int passed = 0, failed = 0, bad = 0;

	if (read_file(path, EVAL_MAX_FILE, &buf, &len, &err) < 0) {
		fprintf(stderr, "eval: %s\n", err);
		free(err);
		return -1;
	}
	long lineno = 0;
	char *line = buf;
	while (line && *line) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		lineno++;
		while (*line == ' ' || *line == '\t')
			line++;
		if (*line && *line != '#' && *line != '\r') {
			char *sp = strpbrk(line, " \t");
			double floor_v;
			const struct figure *cur = NULL;
			if (sp) {
				*sp++ = '\0';
				sp[strcspn(sp, "\r")] = '\0';
				while (*sp == ' ' || *sp == '\t')
					sp++;
			}
			for (size_t i = 0; sp && i < nfig; i++) {
				if (!strcmp(fig[i].name, line))
					cur = &fig[i];
			}
			if (!sp || !parse_double(sp, &floor_v)) {
				fprintf(stderr, "%s:%ld: expected 'name value'\n", path, lineno);
				bad++;
			} else if (!cur) {
				fprintf(stderr, "%s:%ld: unknown figure '%s'\n", path, lineno, line);
				bad++;
			} else if (cur->value + 1e-9 < floor_v) {
				printf("FAIL %s %.3f is below its floor %.2f\n", cur->name, cur->value,
				       floor_v);
				failed++;
			} else {
				passed++;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	free(buf);
	if (bad)
		return -1;
	printf("%d passed, %d failed\n", passed, failed);
	return failed;
}

static int usage(void)
{
	fprintf(stderr, "usage: eval [-v] [--floor FILE] [--record FILE] QUERIES.tsv\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *floor_path = NULL, *record_path = NULL, *queries = NULL;
	struct query_set qs = {NULL, 0, 0};
	struct tu_server srv = {0, 0};
	char *tmp = NULL, *db = NULL, *indexer = NULL, *cmd = NULL, *out = NULL;
	struct figure fig[3 * (NKINDS + 1)];
	size_t counts[NKINDS + 1];
	int ret = 2, failed_requests = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose"))
			verbose = 1;
		else if (!strcmp(argv[i], "--floor") && i + 1 < argc)
			floor_path = argv[++i];
		else if (!strcmp(argv[i], "--record") && i + 1 < argc)
			record_path = argv[++i];
		else if (argv[i][0] == '-' || queries)
			return usage();
		else
			queries = argv[i];
	}
	if (!queries)
		return usage();
	curl_global_init(CURL_GLOBAL_DEFAULT);

	int bad = load_queries(queries, &qs);
	if (bad)
		goto out;

	indexer = tu_program("indexer");
	tmp = tu_tmpdir();
	db = xasprintf("%s/index", tmp);
	cmd = xasprintf("'%s' --quiet --db '%s' --synonyms content/synonyms.txt content", indexer,
	                db);
	int st = tu_run(cmd, &out);
	if (st != 0) {
		/* 2 (some input skipped) still gives an index to measure. */
		fprintf(stderr, "eval: %s: exit %d\n%s", cmd, st, out);
		if (st != 2)
			goto out;
	}
	printf("index: content/ with content/synonyms.txt\n");

	bad = validate_ids(queries, db, &qs);
	if (bad) {
		if (bad > 0)
			fprintf(stderr, "eval: %d judged id%s not in the index\n", bad, bad == 1 ? "" : "s");
		goto out;
	}

	if (!tu_server_start(&srv, db, NULL)) {
		fprintf(stderr, "eval: searchd did not start\n");
		goto out;
	}
	for (size_t i = 0; i < qs.n; i++)
		failed_requests += run_query(&srv, queries, &qs.q[i]) < 0;
	tu_server_stop(&srv);
	if (failed_requests)
		fprintf(stderr, "eval: %d quer%s failed and scored 0\n", failed_requests,
		        failed_requests == 1 ? "y" : "ies");

	size_t nfig = collect_figures(&qs, fig, counts);
	print_report(&qs, fig, nfig, counts);

	ret = 0;
	if (floor_path) {
		int failed = check_floor(floor_path, fig, nfig);
		ret = failed < 0 ? 2 : failed > 0;
	}
	if (record_path && record_floor(record_path, fig, nfig) < 0)
		ret = 2;
	if (failed_requests)
		ret = 2; /* a broken query is a failure, whatever the floor says */
out:
	if (srv.pid > 0)
		tu_server_stop(&srv);
	if (tmp) {
		tu_rmrf(tmp);
		free(tmp);
	}
	free(db);
	free(cmd);
	free(out);
	free(indexer);
	query_set_release(&qs);
	curl_global_cleanup();
	return ret;
}
