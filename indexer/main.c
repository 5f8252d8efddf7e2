/*
 * indexer - ingest a shop's HTML export and NDJSON feeds into the index.
 *
 * The driver: walk the paths given, hand each file to its extractor
 * (extract.h), store every record (docbuild.h), then remove documents
 * whose source is gone.  A re-run skips records whose fingerprint is
 * unchanged, so it costs little.  Bad input is reported as file:line and
 * skipped; the documents an unreadable or broken source had before are
 * kept, so a bad export never empties the index.  Commits happen in
 * batches and at the end: an interrupted run leaves the last commit.
 * With --synonyms the index's synonym rules are replaced by the file's,
 * in the same final commit as the documents.
 *
 * searchd writes to the same index (documents published live through its
 * API).  Xapian lets one writer in at a time: searchd holds the lock only
 * while it writes, the indexer for its whole run, and each waits for the
 * other (--lock-wait here) before it gives up with a clear message.  A
 * live document (source VB_SOURCE_API) belongs to the API: the indexer
 * never removes it as stale and never overwrites it with a record of the
 * same id, and says so for each such record.
 *
 * A new index (the --db directory does not exist yet) is built on every
 * core (bulk.h): the records are read and checked here, stored by
 * --jobs workers into parts in a build directory beside it, merged into
 * one compact index there and moved into place when all went well.
 * Interrupted or failed, such a build leaves no index and no build
 * directory behind.
 */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <libxml/parser.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bulk.h"
#include "docbuild.h"
#include "extract.h"
#include "schema.h"
#include "synonyms.h"
#include "util.h"
#include "xs.h"

#define LOCK_WAIT_DEFAULT 30 /* seconds */
#define JOBS_MAX 64
#define EXIT_FATAL 1
#define EXIT_SKIPPED 2

struct run {
	xs_db *db;
	struct bulk *bulk;    /* building a new index on several cores */
	pthread_mutex_t out;  /* stderr and the problem count: workers report too */
	bool progress;     /* stderr is a terminal */
	json_t *seen;      /* id -> source, records stored or kept this run */
	json_t *clean;     /* sources read without problems */
	json_t *troubled;  /* sources with problems: their old documents stay */
	const char *display; /* current file, as the user named it */
	const char *source;  /* current file, canonical */
	char file_date[16];  /* current file's modification day, YYYY-MM-DD */
	unsigned long files, records, added, updated, unchanged, removed;
	unsigned long problems; /* under out: workers count theirs too */
	unsigned long reported; /* problems report() counted: the main thread's */
	unsigned long live; /* records not stored: their id is a live document */
	unsigned long synonyms; /* synonym rules stored */
	unsigned long pending;  /* writes since the last commit */
	double started, last_progress;
	bool fatal;
	/* Bulk build: the files' names as given, kept for the workers'
	 * reports until the end; the current one. */
	char **names;
	size_t nnames, anames;
	const char *display_kept;
};

/* Set by SIGINT and SIGTERM while a new index is built. */
static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static bool stopping(const struct run *run)
{
	return run->fatal || stop_requested;
}

static void usage(FILE *f)
{
	fputs("usage: indexer [--db DIR] [--synonyms FILE] [--lock-wait SECONDS] [--jobs N]\n"
	      "               [--quiet] PATH...\n"
	      "\n"
	      "Index a shop's pages and feeds.  Each PATH is a directory (a site's\n"
	      "HTML export; URLs are paths relative to it) or a single .html or\n"
	      ".ndjson file.  Running it again updates changed documents and removes\n"
	      "those whose source is gone.  Documents published live through\n"
	      "searchd's API are kept: a record with the id of one is not stored\n"
	      "(each is named on stderr and counted as \"live documents kept\").\n"
	      "\n"
	      "  --db DIR              index directory (default: ./index), created if missing\n"
	      "  --synonyms FILE       replace the index's synonym rules with FILE's (Solr's\n"
	      "                        synonyms.txt format); without it they are kept\n"
	      "  --lock-wait SECONDS   while another writer (searchd publishing a document)\n"
	      "                        holds the index, wait this long for it (default 30)\n"
	      "  -j, --jobs N          build a new index (DIR does not exist yet) with N\n"
	      "                        workers (default: one per core, at most 4); 1 builds it\n"
	      "                        in one thread like an update\n"
	      "  -q, --quiet           no progress line\n"
	      "  -h, --help            this help\n"
	      "\n"
	      "Exit status: 0 all indexed, 2 some input was skipped (reported as\n"
	      "file:line: reason), 1 nothing was changed because of an error (such as\n"
	      "the index still locked by another writer after --lock-wait).\n",
	      f);
}

/* A problem with a record or file: display names the file as the user
 * gave it.  Any thread. */
static void say_problem(struct run *run, const char *display, long line, const char *msg)
{
	pthread_mutex_lock(&run->out);
	if (run->progress)
		fputs("\r\033[K", stderr);
	if (line > 0)
		fprintf(stderr, "%s:%ld: %s\n", display, line, msg);
	else
		fprintf(stderr, "%s: %s\n", display, msg);
	run->problems++;
	pthread_mutex_unlock(&run->out);
}

/* A problem with the current file (the main thread's). */
static void report(struct run *run, long line, const char *msg)
{
	say_problem(run, run->display, line, msg);
	run->reported++;
	json_object_set_new(run->troubled, run->source, json_true());
}

static void bulk_problem(void *ctx, const char *display, const char *msg)
{
	say_problem(ctx, display, 0, msg);
}

static void show_progress(struct run *run, bool force)
{
	if (!run->progress)
		return;
	double now = now_seconds();
	if (!force && now - run->last_progress < 0.2)
		return;
	run->last_progress = now;
	double secs = now - run->started;
	pthread_mutex_lock(&run->out);
	fprintf(stderr, "\r\033[Kindexing: %lu documents, %.0f docs/s", run->records,
	        secs > 0 ? (double)run->records / secs : 0.0);
	pthread_mutex_unlock(&run->out);
}

static int commit(struct run *run)
{
	char *err = NULL;
	if (xs_db_commit(run->db, &err) != XS_OK) {
		fprintf(stderr, "indexer: cannot commit: %s\n", err);
		xs_free(err);
		run->fatal = true;
		return -1;
	}
	run->pending = 0;
	return 0;
}

static void sink_problem(void *ctx, long line, const char *msg)
{
	report(ctx, line, msg);
}

/*
 * Whether id is a document published live through searchd's API, which
 * the batch run must not overwrite; says so when it is.  The indexer
 * holds the write lock, so no live write can come between this check and
 * the store.  A failed lookup stops the run: storing regardless could
 * overwrite an editor's document.
 */
static bool held_live(struct run *run, const char *id)
{
	char *source = NULL, *err = NULL;
	xs_status st = xs_db_get_value(run->db, id, VB_SLOT_SOURCE, &source, NULL, &err);
	bool live = st == XS_OK && strcmp(source, VB_SOURCE_API) == 0;
	if (st != XS_OK && st != XS_ERR_NOT_FOUND) {
		fprintf(stderr, "indexer: cannot look up '%s': %s\n", id, err);
		run->fatal = true;
		live = true;
	} else if (live) {
		if (run->progress)
			fputs("\r\033[K", stderr);
		fprintf(stderr, "%s: '%s' is a live document published through searchd; kept, "
		                "not overwritten (delete it there to index it from here)\n",
		        run->display, id);
		run->live++;
	}
	xs_free(source);
	xs_free(err);
	return live;
}

static void sink_emit(void *ctx, json_t *rec)
{
	struct run *run = ctx;
	char *err = NULL, *old = NULL;
	const char *id = json_string_value(json_object_get(rec, "id"));
	if (stopping(run))
		goto out;
	if (!id || !*id) {
		report(run, 0, "record without an id skipped");
		goto out;
	}
	json_t *first = json_object_get(run->seen, id);
	if (first) {
		char *msg = xasprintf("duplicate id '%s' skipped (first seen in %s)", id,
		                      json_string_value(first));
		report(run, json_integer_value(json_object_get(rec, "line")), msg);
		free(msg);
		goto out;
	}
	json_object_set_new(run->seen, id, json_string(run->display));
	json_object_del(rec, "line");
	char fp[17];
	docbuild_complete(rec, run->source, run->file_date, fp);
	if (run->bulk) {
		/* A new index: nothing to compare with or keep. */
		run->records++;
		if (bulk_add(run->bulk, rec, fp, run->display_kept) != 0)
			run->fatal = true;
		rec = NULL;
		show_progress(run, false);
		goto out;
	}
	xs_status st = xs_db_get_value(run->db, id, VB_SLOT_HASH, &old, NULL, NULL);
	/* A live document has another source, so another fingerprint: only
	 * a record that differs from the stored one can meet one. */
	if (st == XS_OK && strcmp(old, fp) != 0 && held_live(run, id))
		goto out;
	run->records++;
	if (st == XS_OK && strcmp(old, fp) == 0) {
		run->unchanged++;
		goto out;
	}
	if (docbuild_store(run->db, rec, fp, &err) != 0) {
		char *msg = xasprintf("cannot index '%s': %s", id, err);
		report(run, 0, msg);
		free(msg);
		goto out;
	}
	if (st == XS_OK)
		run->updated++;
	else
		run->added++;
	if (++run->pending >= DOCBUILD_COMMIT_EVERY)
		commit(run);
	show_progress(run, false);
out:
	xs_free(old);
	free(err);
	json_decref(rec);
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* Index one file: path as the user named it, rel its path below the root. */
static void index_file(struct run *run, const char *path, const char *rel)
{
	bool html = has_suffix(rel, ".html") || has_suffix(rel, ".htm");
	bool ndjson = has_suffix(rel, ".ndjson");
	char *data = NULL, *err = NULL;
	size_t len = 0;
	long err_line = 0;
	char canon[PATH_MAX];
	if (!html && !ndjson)
		return;
	if (!realpath(path, canon))
		snprintf(canon, sizeof canon, "%s", path);
	run->display = path;
	run->source = canon;
	run->files++;
	if (run->bulk) {
		if (run->nnames == run->anames) {
			run->anames = run->anames ? 2 * run->anames : 64;
			run->names = xrealloc(run->names, run->anames * sizeof *run->names);
		}
		run->names[run->nnames++] = xstrdup(path);
		run->display_kept = run->names[run->nnames - 1];
	}
	struct stat st;
	struct tm tm;
	run->file_date[0] = '\0';
	if (stat(path, &st) == 0 && gmtime_r(&st.st_mtime, &tm))
		strftime(run->file_date, sizeof run->file_date, "%Y-%m-%d", &tm);
	unsigned long reported_before = run->reported;
	struct extract_sink sink = {run, sink_emit, sink_problem};
	if (read_file(path, EXTRACT_MAX_FILE, &data, &len, &err) != 0) {
		report(run, 0, err);
		goto out;
	}
	int rc = html ? extract_html(data, len, rel, &sink, &err, &err_line)
	              : extract_ndjson(data, len, &sink, &err, &err_line);
	if (rc != 0) {
		report(run, err_line, err ? err : "unusable input");
		goto out;
	}
	if (run->reported == reported_before)
		json_object_set_new(run->clean, canon, json_true());
out:
	free(data);
	free(err);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Walk dir (named path by the user) in name order; rel is its path below
 * the root ("" for the root).  Hidden entries are skipped. */
static void walk(struct run *run, const char *path, const char *rel)
{
	DIR *d = opendir(path);
	if (!d) {
		run->display = path;
		run->source = path;
		char *msg = xasprintf("cannot read directory: %s", strerror(errno));
		report(run, 0, msg);
		free(msg);
		return;
	}
	char **names = NULL;
	size_t n = 0, alloc = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 64;
			names = xrealloc(names, alloc * sizeof *names);
		}
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof *names, name_cmp);
	for (size_t i = 0; i < n; i++) {
		if (stopping(run)) {
			free(names[i]);
			continue;
		}
		char *child = xasprintf("%s/%s", path, names[i]);
		char *child_rel = *rel ? xasprintf("%s/%s", rel, names[i]) : xstrdup(names[i]);
		struct stat st, lst;
		if (lstat(child, &lst) == 0 && stat(child, &st) == 0) {
			/* Symlinked directories are not followed: no loops. */
			if (S_ISDIR(st.st_mode) && !S_ISLNK(lst.st_mode))
				walk(run, child, child_rel);
			else if (S_ISREG(st.st_mode))
				index_file(run, child, child_rel);
		} else {
			run->display = run->source = child;
			char *msg = xasprintf("cannot read: %s", strerror(errno));
			report(run, 0, msg);
			free(msg);
		}
		free(child);
		free(child_rel);
		free(names[i]);
	}
	free(names);
}

struct synonyms_load {
	struct run *run;
	long reported; /* the last line a rule failed on: each counts once */
};

static void synonym_bad(void *ctx, long line, const char *reason)
{
	struct synonyms_load *s = ctx;
	report(s->run, line, reason);
}

static int synonym_rule(void *ctx, const char *from, const char *to, long line)
{
	struct synonyms_load *s = ctx;
	char *err = NULL;
	int rc = 0;
	xs_status st = xs_db_synonym_add(s->run->db, from, to, &err);
	if (st == XS_OK) {
		s->run->synonyms++;
	} else if (st == XS_ERR_INVALID) {
		/* An entry the shim finds no words in ("&"): the line is
		 * reported, its other pairs still stored. */
		if (line != s->reported) {
			char *msg = xasprintf("cannot add the rule '%s' => '%s': %s", from, to, err);
			report(s->run, line, msg);
			free(msg);
			s->reported = line;
		}
	} else {
		fprintf(stderr, "indexer: cannot store synonym rules: %s\n", err);
		s->run->fatal = true;
		rc = -1;
	}
	xs_free(err);
	return rc;
}

/* Replace the index's synonym rules with those of text, read from path. */
static int load_synonyms(struct run *run, const char *path, const char *text, size_t len)
{
	char *err = NULL;
	struct synonyms_load s = {run, 0};
	if (xs_db_synonyms_clear(run->db, &err) != XS_OK) {
		fprintf(stderr, "indexer: cannot clear synonym rules: %s\n", err);
		xs_free(err);
		run->fatal = true;
		return -1;
	}
	run->display = run->source = path;
	return synonyms_parse(text, len, synonym_rule, synonym_bad, &s) < 0 ? -1 : 0;
}

struct stale {
	struct run *run;
	json_t *doomed; /* array of ids */
};

static int collect_stale(void *ctx, const char *uid, size_t ulen, const char *src, size_t slen)
{
	struct stale *s = ctx;
	char *id = xstrndup(uid, ulen), *source = xstrndup(src, slen);
	struct stat st;
	if (*id && strcmp(source, VB_SOURCE_API) != 0 && !json_object_get(s->run->seen, id) &&
	    !json_object_get(s->run->troubled, source) &&
	    (json_object_get(s->run->clean, source) || stat(source, &st) != 0))
		json_array_append_new(s->doomed, json_string(id));
	free(id);
	free(source);
	return 0;
}

static int remove_stale(struct run *run)
{
	char *err = NULL;
	struct stale s = {run, json_array()};
	int rc = -1;
	if (xs_db_each_value_pair(run->db, VB_SLOT_UID, VB_SLOT_SOURCE, collect_stale, &s, &err) !=
	    XS_OK) {
		fprintf(stderr, "indexer: cannot list documents: %s\n", err);
		goto out;
	}
	size_t i;
	json_t *v;
	json_array_foreach(s.doomed, i, v) {
		if (xs_db_delete(run->db, json_string_value(v), &err) != XS_OK) {
			fprintf(stderr, "indexer: cannot remove '%s': %s\n", json_string_value(v), err);
			goto out;
		}
		run->removed++;
	}
	rc = 0;
out:
	xs_free(err);
	json_decref(s.doomed);
	return rc;
}

/*
 * Open the index for writing.  While another writer holds it (searchd
 * publishing a document takes it for a moment; another indexer run for
 * its whole run), try again every few milliseconds for up to wait
 * seconds: searchd's writes are short and come with gaps, and a fast poll
 * finds one.  0, or -1 after a message.
 */
static int open_index(const char *path, double wait, xs_db **out)
{
	double start = now_seconds();
	bool told = false;
	char *err = NULL;
	for (;;) {
		xs_status st = xs_db_open(path, XS_DB_WRITE, out, &err);
		if (st == XS_OK)
			break;
		double waited = now_seconds() - start;
		if (st != XS_ERR_LOCKED || waited >= wait) {
			if (st == XS_ERR_LOCKED && wait > 0)
				fprintf(stderr, "indexer: cannot open index '%s': still locked by another "
				                "writer after %g s (searchd writing, or another indexer "
				                "running?): %s\n", path, wait, err);
			else
				fprintf(stderr, "indexer: cannot open index '%s': %s\n", path, err);
			xs_free(err);
			return -1;
		}
		if (!told) {
			fprintf(stderr, "indexer: index '%s' is locked by another writer; waiting up to "
			                "%g s for it\n", path, wait);
			told = true;
		}
		xs_free(err);
		err = NULL;
		struct timespec ts = {0, 5 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	if (told)
		fprintf(stderr, "indexer: got the lock after %.2f s\n", now_seconds() - start);
	return 0;
}

/*
 * Start building the new index dbpath on jobs workers, in a build
 * directory beside it (*dir, new).  The run stops at SIGINT or SIGTERM
 * from here on.  0, or -1 after a message.
 */
static int start_bulk(struct run *run, const char *dbpath, unsigned jobs, char **dir)
{
	/* First: once the build directory exists, a stop must remove it. */
	struct sigaction sa = {0};
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	char *err = NULL;
	size_t n = strlen(dbpath);
	while (n > 1 && dbpath[n - 1] == '/')
		n--;
	*dir = xasprintf("%.*s.building-XXXXXX", (int)n, dbpath);
	if (!mkdtemp(*dir)) {
		fprintf(stderr, "indexer: cannot create index '%s': cannot make a build directory "
		                "beside it: %s\n", dbpath, strerror(errno));
		free(*dir);
		*dir = NULL;
		return -1;
	}
	if (bulk_start(*dir, jobs, bulk_problem, run, &run->bulk, &err) != 0) {
		fprintf(stderr, "indexer: cannot create index '%s': %s\n", dbpath, err);
		free(err);
		return -1;
	}
	return 0;
}

/* All records read: let the workers finish, merge their parts into
 * dir/index and open that for what comes after the documents (synonyms,
 * the final commit).  0, or -1 after a message. */
static int finish_bulk(struct run *run, const char *dir)
{
	char *err = NULL, *merged = xasprintf("%s/index", dir);
	int rc = -1;
	if (stopping(run))
		goto out;
	if (bulk_finish(run->bulk, merged, &run->added, &err) != 0) {
		fprintf(stderr, "indexer: %s\n", err);
		goto out;
	}
	bulk_free(run->bulk);
	run->bulk = NULL;
	if (stop_requested || open_index(merged, 0, &run->db) != 0)
		goto out;
	rc = 0;
out:
	if (rc != 0)
		run->fatal = true;
	free(err);
	free(merged);
	return rc;
}

/* Move the new index from the build directory to dbpath.  0, or -1 after
 * a message. */
static int place_bulk(struct run *run, const char *dir, const char *dbpath)
{
	char *merged = xasprintf("%s/index", dir);
	xs_db_close(run->db);
	run->db = NULL;
	int rc = stop_requested ? -1 : rename(merged, dbpath);
	if (rc != 0 && !stop_requested)
		fprintf(stderr, "indexer: cannot move the new index to '%s': %s\n", dbpath,
		        errno == ENOTEMPTY || errno == EEXIST
		            ? "it was created by someone else meanwhile"
		            : strerror(errno));
	free(merged);
	return rc;
}

int main(int argc, char **argv)
{
	const char *dbpath = "index", *synonyms_path = NULL;
	double lock_wait = LOCK_WAIT_DEFAULT;
	bool quiet = false;
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"synonyms", required_argument, NULL, 's'},
		{"lock-wait", required_argument, NULL, 'w'},
		{"jobs", required_argument, NULL, 'j'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;
	long jobs = sysconf(_SC_NPROCESSORS_ONLN);
	if (jobs < 1)
		jobs = 1;
	if (jobs > 4)
		jobs = 4;
	while ((c = getopt_long(argc, argv, "d:j:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dbpath = optarg; break;
		case 's': synonyms_path = optarg; break;
		case 'w':
			if (!parse_double(optarg, &lock_wait) || !(lock_wait >= 0 && lock_wait <= 86400)) {
				fprintf(stderr, "indexer: --lock-wait must be a number of seconds from 0 to "
				                "86400, not '%s'\n", optarg);
				return EXIT_FATAL;
			}
			break;
		case 'j':
			if (!parse_long(optarg, 1, JOBS_MAX, &jobs)) {
				fprintf(stderr, "indexer: --jobs must be a whole number from 1 to %d, not "
				                "'%s'\n", JOBS_MAX, optarg);
				return EXIT_FATAL;
			}
			break;
		case 'q': quiet = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_FATAL;
		}
	}
	if (optind >= argc) {
		fputs("indexer: no PATH given\n", stderr);
		usage(stderr);
		return EXIT_FATAL;
	}

	xmlInitParser();
	struct run run = {0};
	pthread_mutex_init(&run.out, NULL);
	char *build_dir = NULL;
	int status = EXIT_FATAL;
	char *synonyms = NULL;
	size_t synonyms_len = 0;
	run.progress = !quiet && isatty(STDERR_FILENO);
	run.seen = json_object();
	run.clean = json_object();
	run.troubled = json_object();
	run.started = now_seconds();
	/* Read before the index is touched: a list that cannot be read
	 * changes nothing.  Its lines are checked when they are stored. */
	if (synonyms_path) {
		char *read_err = NULL;
		if (synonyms_read_file(synonyms_path, &synonyms, &synonyms_len, &read_err) != 0) {
			fprintf(stderr, "indexer: %s\n", read_err);
			free(read_err);
			goto out;
		}
	}
	struct stat dbst;
	if (jobs > 1 && stat(dbpath, &dbst) != 0 && errno == ENOENT) {
		if (start_bulk(&run, dbpath, (unsigned)jobs, &build_dir) != 0)
			goto out;
	} else if (open_index(dbpath, lock_wait, &run.db) != 0) {
		goto out;
	}
	for (int i = optind; i < argc && !stopping(&run); i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0) {
			run.display = run.source = argv[i];
			char *msg = xasprintf("cannot read: %s", strerror(errno));
			report(&run, 0, msg);
			free(msg);
		} else if (S_ISDIR(st.st_mode)) {
			walk(&run, argv[i], "");
		} else {
			const char *base = strrchr(argv[i], '/');
			index_file(&run, argv[i], base ? base + 1 : argv[i]);
		}
	}
	if (run.bulk && finish_bulk(&run, build_dir) != 0)
		goto out;
	if (run.fatal || (!build_dir && remove_stale(&run) != 0))
		goto out;
	if (synonyms_path && load_synonyms(&run, synonyms_path, synonyms, synonyms_len) != 0)
		goto out;
	if (commit(&run) != 0)
		goto out;
	if (build_dir && place_bulk(&run, build_dir, dbpath) != 0)
		goto out;
	show_progress(&run, true);
	if (run.progress)
		fputs("\r\033[K", stderr);
	double secs = now_seconds() - run.started;
	char rules[64] = "", live[64] = "";
	if (synonyms_path)
		snprintf(rules, sizeof rules, "; %lu synonym rule%s", run.synonyms,
		         run.synonyms == 1 ? "" : "s");
	if (run.live)
		snprintf(live, sizeof live, "; %lu live document%s kept", run.live,
		         run.live == 1 ? "" : "s");
	printf("indexed %lu documents from %lu files in %.2f s (%.0f docs/s): %lu added, %lu "
	       "updated, %lu unchanged, %lu removed%s%s; %lu problem%s\n",
	       run.records, run.files, secs, secs > 0 ? (double)run.records / secs : 0.0, run.added,
	       run.updated, run.unchanged, run.removed, live, rules, run.problems,
	       run.problems == 1 ? "" : "s");
	status = run.problems ? EXIT_SKIPPED : 0;
out:
	if (stop_requested)
		fputs("indexer: interrupted\n", stderr);
	if (status == EXIT_FATAL && build_dir)
		fputs("indexer: stopped; no index was created\n", stderr);
	else if (status == EXIT_FATAL && run.db)
		fputs("indexer: stopped; the index keeps its last committed state\n", stderr);
	free(synonyms);
	bulk_free(run.bulk);
	xs_db_close(run.db);
	if (build_dir) {
		if (remove_tree(build_dir) != 0 && errno != ENOENT)
			fprintf(stderr, "indexer: cannot remove the build directory '%s': %s\n",
			        build_dir, strerror(errno));
		free(build_dir);
	}
	for (size_t i = 0; i < run.nnames; i++)
		free(run.names[i]);
	free(run.names);
	pthread_mutex_destroy(&run.out);
	json_decref(run.seen);
	json_decref(run.clean);
	json_decref(run.troubled);
	xmlCleanupParser();
	return status;
}
