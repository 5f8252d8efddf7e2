/*
 * eventlog.c - the analytics event log: append-only NDJSON in the data
 * directory, one file per UTC day (events-2026-11-22.ndjson), one JSON
 * object per line, written with jansson by analytics.c.
 *
 * The search path never waits for the disk: an event is queued in memory
 * (eventlog_add, a short mutex) and the flusher thread writes the queue
 * out every 200 ms and fdatasyncs every few seconds and at shutdown
 * (eventlog_flush).  A crash loses at most the last moments of events and
 * may leave a torn last line; replay drops such a line (with a warning)
 * so the next event starts on a line of its own.  Files are opened with
 * O_APPEND and each queue is written whole, so two searchd sharing a data
 * directory never interleave inside a line.
 */
#define _GNU_SOURCE /* timegm */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analytics.h"
#include "util.h"

#define LINE_MAX_BYTES (64 * 1024) /* longer lines are not events of ours */
#define QUEUE_MAX_BYTES (16 << 20) /* queued and not yet written */
#define WARN_PER_FILE 10           /* then one summary line */
#define MS_PER_DAY 86400000LL

/* ---------------------------------------------------------------- time */

long day_of_ms(long long ms)
{
	long long d = ms / MS_PER_DAY;
	if (ms < 0 && ms % MS_PER_DAY)
		d--;
	return (long)d;
}

/* gmtime_r of s; the epoch when s is out of its range (a damaged log). */
static struct tm utc(time_t s)
{
	struct tm tm = {0};
	if (!gmtime_r(&s, &tm)) {
		s = 0;
		gmtime_r(&s, &tm);
	}
	return tm;
}

void day_format(long day, char out[11])
{
	struct tm tm = utc((time_t)day * 86400);
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)(tm.tm_year + 1900) % 10000u,
	         (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u);
}

bool day_parse(const char *s, long *day)
{
	struct tm tm = {0};
	if (strlen(s) != 10)
		return false;
	const char *end = strptime(s, "%Y-%m-%d", &tm);
	if (!end || *end)
		return false;
	time_t t = timegm(&tm);
	if (t == (time_t)-1)
		return false;
	long d = (long)(t / 86400);
	/* strptime takes 2026-02-31 and single digits; the round trip
	 * refuses both. */
	char back[11];
	day_format(d, back);
	if (strcmp(back, s) != 0)
		return false;
	*day = d;
	return true;
}

long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void time_format(long long ms, char out[21])
{
	struct tm tm = utc((time_t)(ms / 1000));
	snprintf(out, 21, "%04u-%02u-%02uT%02u:%02u:%02uZ", (unsigned)(tm.tm_year + 1900) % 10000u,
	         (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u,
	         (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u,
	         (unsigned)tm.tm_sec % 100u);
}

/* ----------------------------------------------------------- the log */

/* Lines queued for one day's file. */
struct segment {
	long day;
	struct strbuf lines;
};

struct eventlog {
	struct server *srv;
	char *dir;
	pthread_mutex_t queue_lock; /* segs, queued, dropped */
	struct segment *segs;
	size_t nsegs, cap;
	size_t queued;
	unsigned long dropped;
	pthread_mutex_t file_lock; /* fd and its day; one writer at a time */
	int fd;
	long fd_day;
	bool unsynced;
};

static char *day_path(const struct eventlog *log, long day)
{
	char d[11];
	day_format(day, d);
	return xasprintf("%s/events-%s.ndjson", log->dir, d);
}

/* Make fd the file of day (file_lock held). */
static int open_day(struct eventlog *log, long day, char **err)
{
	if (log->fd >= 0 && log->fd_day == day)
		return 0;
	if (log->fd >= 0) {
		if (log->unsynced)
			fdatasync(log->fd);
		close(log->fd);
		log->fd = -1;
		log->unsynced = false;
	}
	char *path = day_path(log, day);
	bool existed = access(path, F_OK) == 0;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0) {
		vb_error(err, "cannot open '%s' for appending: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	free(path);
	/* A new day's file: its name must survive a power loss too. */
	int dfd = existed ? -1 : open(log->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	log->fd = fd;
	log->fd_day = day;
	return 0;
}

int eventlog_open(struct server *srv, const char *dir, struct eventlog **out, char **err)
{
	struct stat st;
	if (mkdir(dir, 0750) != 0 && errno != EEXIST)
		return vb_error(err, "cannot create the data directory '%s': %s", dir,
		                strerror(errno));
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return vb_error(err, "the data directory '%s' is not a directory", dir);
	struct eventlog *log = xcalloc(1, sizeof *log);
	log->srv = srv;
	log->dir = xstrdup(dir);
	log->fd = -1;
	pthread_mutex_init(&log->queue_lock, NULL);
	pthread_mutex_init(&log->file_lock, NULL);
	/* Today's file opens now, so that a directory we cannot write to
	 * stops the start, not the first search. */
	if (open_day(log, day_of_ms(now_ms()), err) != 0) {
		eventlog_free(log);
		return -1;
	}
	*out = log;
	return 0;
}

void eventlog_free(struct eventlog *log)
{
	if (!log)
		return;
	for (size_t i = 0; i < log->nsegs; i++)
		strbuf_release(&log->segs[i].lines);
	free(log->segs);
	if (log->fd >= 0)
		close(log->fd);
	pthread_mutex_destroy(&log->queue_lock);
	pthread_mutex_destroy(&log->file_lock);
	free(log->dir);
	free(log);
}

void eventlog_add(struct eventlog *log, long day, const char *line, size_t len)
{
	pthread_mutex_lock(&log->queue_lock);
	if (log->queued + len + 1 > QUEUE_MAX_BYTES) {
		log->dropped++;
	} else {
		if (!log->nsegs || log->segs[log->nsegs - 1].day != day) {
			if (log->nsegs == log->cap) {
				log->cap = log->cap ? log->cap * 2 : 4;
				log->segs = xrealloc(log->segs, log->cap * sizeof *log->segs);
			}
			log->segs[log->nsegs].day = day;
			strbuf_init(&log->segs[log->nsegs].lines, 0);
			log->nsegs++;
		}
		struct strbuf *sb = &log->segs[log->nsegs - 1].lines;
		strbuf_add(sb, line, len);
		strbuf_addch(sb, '\n');
		log->queued += len + 1;
	}
	pthread_mutex_unlock(&log->queue_lock);
}

int eventlog_flush(struct eventlog *log, bool sync, char **err)
{
	int rc = 0;
	pthread_mutex_lock(&log->file_lock);
	pthread_mutex_lock(&log->queue_lock);
	struct segment *segs = log->segs;
	size_t nsegs = log->nsegs;
	unsigned long dropped = log->dropped;
	log->segs = NULL;
	log->nsegs = log->cap = 0;
	log->queued = 0;
	log->dropped = 0;
	pthread_mutex_unlock(&log->queue_lock);

	if (dropped)
		log_msg(log->srv, LOG_WARN,
		        "analytics: %lu events were not logged: the disk fell behind", dropped);
	for (size_t i = 0; i < nsegs; i++) {
		struct strbuf *sb = &segs[i].lines;
		if (rc == 0 && open_day(log, segs[i].day, err) != 0) {
			rc = -1;
		} else if (rc == 0 && write_all(log->fd, sb->buf, sb->len) != 0) {
			char *path = day_path(log, segs[i].day);
			rc = vb_error(err, "cannot write to '%s': %s", path, strerror(errno));
			free(path);
		} else if (rc == 0) {
			log->unsynced = true;
		}
		strbuf_release(sb);
	}
	free(segs);
	if (rc == 0 && sync && log->unsynced && log->fd >= 0) {
		if (fdatasync(log->fd) != 0)
			rc = vb_error(err, "cannot sync the event log: %s", strerror(errno));
		else
			log->unsynced = false;
	}
	pthread_mutex_unlock(&log->file_lock);
	return rc;
}

/* ------------------------------------------------------------ replay */

static bool is_log_name(const char *name)
{
	long day;
	char date[11];
	size_t n = strlen(name);
	if (n != strlen("events-YYYY-MM-DD.ndjson") || strncmp(name, "events-", 7) != 0 ||
	    strcmp(name + n - 7, ".ndjson") != 0)
		return false;
	memcpy(date, name + 7, 10);
	date[10] = '\0';
	return day_parse(date, &day);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct replay_file {
	struct eventlog *log;
	const char *path;
	eventlog_apply_fn apply;
	void *ctx;
	long line;
	unsigned long applied, skipped;
};

static void skip_line(struct replay_file *rf, const char *why)
{
	rf->skipped++;
	if (rf->skipped <= WARN_PER_FILE)
		log_msg(rf->log->srv, LOG_WARN, "%s:%ld: %s; skipped", rf->path, rf->line, why);
}

/* One line; true when it was applied.  A torn tail that is not an event
 * is not reported here: repair_tail says what happens to it. */
static bool replay_line(struct replay_file *rf, struct strbuf *sb, bool tail)
{
	rf->line++;
	if (sb->overflow && !tail) {
		skip_line(rf, "longer than 64 KiB");
		return false;
	}
	if (sb->len == 0 || sb->overflow)
		return false;
	json_error_t jerr;
	json_t *ev = json_loadb(sb->buf, sb->len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(ev)) {
		json_decref(ev);
		if (!tail)
			skip_line(rf, "not a JSON object");
		return false;
	}
	const char *why = rf->apply(rf->ctx, ev);
	json_decref(ev);
	if (why) {
		skip_line(rf, why);
		return false;
	}
	rf->applied++;
	return true;
}

/* The torn tail of a file (no newline): keep it when it is a whole event
 * (only the newline was lost), else cut it off.  A file that grew since
 * it was read is being written by another searchd: its line is not torn
 * but unfinished, and is left alone. */
static void repair_tail(struct replay_file *rf, bool applied, off_t start, size_t len)
{
	struct stat st;
	int fd = open(rf->path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size != start + (off_t)len) {
		close(fd);
		return;
	}
	bool ok = fd >= 0;
	if (ok && applied)
		ok = write_all(fd, "\n", 1) == 0;
	else if (ok)
		ok = ftruncate(fd, start) == 0;
	if (fd >= 0)
		close(fd);
	if (!applied)
		log_msg(
		    rf->log->srv, LOG_WARN,
		    "%s:%ld: the last line is incomplete (a crash while writing?); %zu bytes %s",
		    rf->path, rf->line, len, ok ? "removed" : "left (cannot repair the file)");
	else if (!ok)
		log_msg(rf->log->srv, LOG_WARN, "%s: cannot end its last line: %s", rf->path,
		        strerror(errno));
}

static void replay_one(struct replay_file *rf)
{
	FILE *f = fopen(rf->path, "rb");
	if (!f) {
		log_msg(rf->log->srv, LOG_WARN, "cannot read '%s': %s; skipped", rf->path,
		        strerror(errno));
		return;
	}
	char *chunk = xmalloc(64 * 1024);
	struct strbuf sb;
	strbuf_init(&sb, LINE_MAX_BYTES);
	off_t consumed = 0, line_start = 0;
	size_t n;
	while ((n = fread(chunk, 1, 64 * 1024, f)) > 0) {
		const char *p = chunk, *end = chunk + n;
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			if (!nl) {
				strbuf_add(&sb, p, (size_t)(end - p));
				consumed += end - p;
				break;
			}
			strbuf_add(&sb, p, (size_t)(nl - p));
			consumed += nl - p + 1;
			replay_line(rf, &sb, false);
			strbuf_reset(&sb);
			line_start = consumed;
			p = nl + 1;
		}
	}
	if (ferror(f))
		log_msg(rf->log->srv, LOG_WARN, "error reading '%s': %s", rf->path,
		        strerror(errno));
	fclose(f);
	free(chunk);
	if (consumed > line_start) {
		bool applied = replay_line(rf, &sb, true);
		repair_tail(rf, applied, line_start, (size_t)(consumed - line_start));
	}
	strbuf_release(&sb);
	if (rf->skipped > WARN_PER_FILE)
		log_msg(rf->log->srv, LOG_WARN, "%s: %lu lines skipped in all", rf->path,
		        rf->skipped);
}

unsigned long eventlog_replay(struct eventlog *log, eventlog_apply_fn apply, void *ctx,
                              unsigned long *skipped, unsigned *files)
{
	unsigned long applied = 0;
	*skipped = 0;
	*files = 0;
	DIR *d = opendir(log->dir);
	if (!d) {
		log_msg(log->srv, LOG_WARN, "cannot list '%s': %s", log->dir, strerror(errno));
		return 0;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (!is_log_name(de->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = xrealloc(names, cap * sizeof *names);
		}
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	/* Names sort by date: the log is replayed in the order it was written. */
	if (n)
		qsort(names, n, sizeof *names, cmp_names);
	for (size_t i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s", log->dir, names[i]);
		struct replay_file rf = {log, path, apply, ctx, 0, 0, 0};
		replay_one(&rf);
		applied += rf.applied;
		*skipped += rf.skipped;
		free(path);
		free(names[i]);
	}
	free(names);
	*files = (unsigned)n;
	return applied;
}
