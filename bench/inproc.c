/*
 * inproc - the engine's own search latency, without HTTP: the yardstick
 * `make bench` holds searchd's /search against.
 *
 *   inproc --db DIR [--seconds S] [--reopen] [--time-limit S] QUERIES
 *
 * For each query of the file (one a line; '#' lines and blank lines
 * skipped), in one thread, it makes the shim calls searchd/search.c makes
 * for a default /search?q=...: the query text analysed as Dutch with
 * spelling and synonyms (and the last word as a prefix when the text does
 * not end in a space), searchd's default time limit on the matcher (1 s;
 * --time-limit), the six facets (10 values each) and the price facet in
 * searchd's buckets, hits 0..9, and
 * for each hit its stored record parsed to get the snippet of its body
 * (240 bytes); then the facet counts, the total and the correction are
 * read.  Building the JSON reply is searchd's, not the engine's, and is
 * left out.  With --reopen the handle is also reopened before each
 * search, as searchd's workers do.
 *
 * One untimed pass over the queries warms the caches; then passes are
 * timed until S seconds (default 5) have gone.  It prints one line:
 *
 *   inproc-result queries=N seconds=S p50_us=A p99_us=B qps=Q cpu_us=C
 *
 * cpu_us is the CPU time (user and system) a search took on average,
 * which a busy machine disturbs less than the wall clock.
 *
 * Exit status: 0, or 1 with a message (no index, no queries, a failed
 * search).
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "schema.h"
#include "util.h"
#include "xs.h"

#define INPROC_MAX_FILE (1u << 20)

/* searchd/search.c's facets, in its order. */
static const unsigned facet_slots[] = {
	VB_SLOT_TYPE, VB_SLOT_CATEGORY, VB_SLOT_BRAND, VB_SLOT_AVAIL,
	VB_SLOT_AUDIENCE, VB_SLOT_LANG, VB_SLOT_PRICE,
};
#define N_FACETS (sizeof facet_slots / sizeof *facet_slots)
/* Values per facet: searchd's default facet_limit. */
#define FACET_LIMIT 10
/* searchd/search.c's price buckets (common/schema.h). */
static const double price_edges[] = VB_PRICE_EDGES;
#define N_PRICE_EDGES (sizeof price_edges / sizeof *price_edges)

struct timings {
	double *us; /* one latency a search, microseconds */
	size_t n, alloc;
};

static void usage(FILE *f)
{
	fputs("usage: inproc --db DIR [--seconds S] [--reopen] [--time-limit S] QUERIES\n"
	      "\n"
	      "Run the queries of QUERIES (one a line) in-process through the shim,\n"
	      "with the calls searchd makes for a default /search, in one thread,\n"
	      "and print the latency p50/p99 and the queries per second.\n"
	      "\n"
	      "  --db DIR       index directory\n"
	      "  --seconds S    how long to measure, after one warm-up pass (default 5)\n"
	      "  --reopen       reopen the index before each search, as searchd does\n"
	      "  --time-limit S the matcher's time limit, as searchd's search_time_limit\n"
	      "                 (default 1, searchd's default; 0: none)\n"
	      "  -h, --help     this help\n",
	      f);
}

static void count_facet(void *ctx, const char *value, size_t len, unsigned long count)
{
	unsigned long *sum = ctx;
	(void)value;
	(void)len;
	*sum += count;
}

/* The snippet of one hit, as search.c's make_hit gets it. */
static int hit_snippet(xs_results *res, size_t i, char **err)
{
	struct xs_hit h;
	json_error_t jerr;
	char *raw = NULL;
	int rc = -1;
	if (xs_results_hit(res, i, &h, err) != XS_OK)
		return -1;
	json_t *rec = json_loadb(h.data, h.len, 0, &jerr);
	if (!json_is_object(rec)) {
		vb_error(err, "stored document %u is not a JSON object", h.docid);
		goto out;
	}
	const char *lang = json_string_value(json_object_get(rec, "lang"));
	const char *text = json_string_value(json_object_get(rec, "body"));
	if (!text || !*text)
		text = json_string_value(json_object_get(rec, "description"));
	if (!text)
		text = "";
	if (xs_results_snippet(res, text, strlen(text), lang ? lang : "nl", 240, &raw, err) != XS_OK)
		goto out;
	rc = 0;
out:
	xs_free(raw);
	json_decref(rec);
	return rc;
}

/* One default /search for text.  0, or -1 with *err. */
static int search_once(xs_db *db, const char *text, bool reopen, double time_limit, char **err)
{
	xs_query *q = NULL;
	xs_results *res = NULL;
	int rc = -1;
	size_t len = strlen(text);
	unsigned flags = XS_QF_SPELLING | XS_QF_SYNONYMS;
	if (len && text[len - 1] != ' ')
		flags |= XS_QF_PARTIAL;
	if (reopen && xs_db_reopen(db, NULL, err) != XS_OK)
		goto out;
	if (xs_query_new(&q, err) != XS_OK || xs_query_set_text(q, text, "nl", flags, err) != XS_OK ||
	    xs_query_set_time_limit(q, time_limit, err) != XS_OK)
		goto out;
	for (size_t i = 0; i < N_FACETS; i++)
		if (xs_query_add_facet(q, facet_slots[i], err) != XS_OK)
			goto out;
	if (xs_db_search(db, q, 0, 10, &res, err) != XS_OK)
		goto out;
	for (size_t i = 0; i < xs_results_count(res); i++)
		if (hit_snippet(res, i, err) != 0)
			goto out;
	unsigned long sum = 0, buckets[N_PRICE_EDGES];
	for (size_t i = 0; i < N_FACETS; i++)
		if (facet_slots[i] == VB_SLOT_PRICE
		        ? xs_results_facet_ranges(res, VB_SLOT_PRICE, price_edges, N_PRICE_EDGES, buckets,
		                                  err) != XS_OK
		        : xs_results_facet(res, facet_slots[i], FACET_LIMIT, count_facet, &sum, err) !=
		              XS_OK)
			goto out;
	(void)xs_results_total(res);
	(void)xs_results_correction(res);
	rc = 0;
out:
	xs_results_free(res);
	xs_query_free(q);
	return rc;
}

/* CPU time this process has used, in seconds. */
static double cpu_seconds(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The p-th percentile (0..100) of sorted v[0..n), nearest rank. */
static double percentile(const double *v, size_t n, double p)
{
	size_t rank = (size_t)(p / 100 * (double)n + 0.5);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return v[rank - 1];
}

/* Split text into its query lines (in place): pointers into text.  New
 * array: free(). */
static char **query_lines(char *text, size_t *n)
{
	char **out = NULL;
	size_t alloc = 0;
	*n = 0;
	for (char *line = text; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		size_t len = strlen(line);
		if (len && line[len - 1] == '\r')
			line[--len] = '\0';
		if (len && line[0] != '#') {
			if (*n == alloc) {
				alloc = alloc ? alloc * 2 : 64;
				out = xrealloc(out, alloc * sizeof *out);
			}
			out[(*n)++] = line;
		}
		line = nl ? nl + 1 : NULL;
	}
	return out;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"seconds", required_argument, NULL, 's'},
		{"reopen", no_argument, NULL, 'r'},
		{"time-limit", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *dbpath = NULL;
	double seconds = 5, time_limit = 1;
	bool reopen = false;
	char *text = NULL, *err = NULL, **queries = NULL;
	size_t nqueries = 0, len;
	xs_db *db = NULL;
	struct timings t = {0};
	int status = 1, c;
	while ((c = getopt_long(argc, argv, "d:s:rt:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dbpath = optarg; break;
		case 's':
			if (!parse_double(optarg, &seconds) || seconds <= 0 || seconds > 3600) {
				fputs("inproc: --seconds must be a number from 0 to 3600\n", stderr);
				return 1;
			}
			break;
		case 'r': reopen = true; break;
		case 't':
			if (!parse_double(optarg, &time_limit) || time_limit < 0 || time_limit > 3600) {
				fputs("inproc: --time-limit must be a number from 0 to 3600\n", stderr);
				return 1;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (!dbpath || optind + 1 != argc) {
		fputs("inproc: --db DIR and one QUERIES file are needed\n", stderr);
		usage(stderr);
		return 1;
	}
	if (read_file(argv[optind], INPROC_MAX_FILE, &text, &len, &err) != 0) {
		fprintf(stderr, "inproc: %s\n", err);
		goto out;
	}
	queries = query_lines(text, &nqueries);
	if (!nqueries) {
		fprintf(stderr, "inproc: no queries in '%s'\n", argv[optind]);
		goto out;
	}
	if (xs_db_open(dbpath, XS_DB_READ, &db, &err) != XS_OK) {
		fprintf(stderr, "inproc: cannot open index '%s': %s\n", dbpath, err);
		goto out;
	}
	for (size_t i = 0; i < nqueries; i++) {
		if (search_once(db, queries[i], reopen, time_limit, &err) != 0) {
			fprintf(stderr, "inproc: search '%s' failed: %s\n", queries[i], err);
			goto out;
		}
	}
	double cpu_start = cpu_seconds();
	double start = now_seconds(), now = start;
	for (size_t i = 0; now - start < seconds; i = (i + 1) % nqueries) {
		double t0 = now_seconds();
		if (search_once(db, queries[i], reopen, time_limit, &err) != 0) {
			fprintf(stderr, "inproc: search '%s' failed: %s\n", queries[i], err);
			goto out;
		}
		now = now_seconds();
		if (t.n == t.alloc) {
			t.alloc = t.alloc ? t.alloc * 2 : 4096;
			t.us = xrealloc(t.us, t.alloc * sizeof *t.us);
		}
		t.us[t.n++] = (now - t0) * 1e6;
	}
	double elapsed = now - start, cpu = cpu_seconds() - cpu_start;
	qsort(t.us, t.n, sizeof *t.us, cmp_double);
	printf("inproc-result queries=%zu seconds=%.3f p50_us=%.1f p99_us=%.1f qps=%.1f cpu_us=%.1f\n",
	       t.n, elapsed, percentile(t.us, t.n, 50), percentile(t.us, t.n, 99),
	       (double)t.n / elapsed, cpu / (double)t.n * 1e6);
	status = 0;
out:
	xs_free(err);
	xs_db_close(db);
	free(t.us);
	free(queries);
	free(text);
	return status;
}
