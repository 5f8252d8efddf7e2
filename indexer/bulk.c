/*
 * bulk.c - see bulk.h.
 *
 * The caller's thread reads and checks the records; it hands them out in
 * batches of BULK_BATCH, to worker 0, 1, ... in turn, through a short
 * queue per worker (it waits when a queue is full, so memory stays
 * bounded).  Each worker builds its records' documents and stores them
 * in its own part database, committing every
 * DOCBUILD_COMMIT_EVERY documents like the indexer does.  bulk_finish
 * merges the parts in worker order.  A record that cannot be stored is a
 * problem reported like any other; a part that cannot be written stops
 * the build.
 */
#include "bulk.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "docbuild.h"
#include "util.h"
#include "xs.h"

#define BULK_BATCH 256 /* records per batch */
#define BULK_QUEUE 4   /* batches waiting per worker */

struct item {
	json_t *rec;
	char fp[17];
	const char *display;
};

struct batch {
	size_t n;
	struct item items[BULK_BATCH];
};

struct worker {
	struct bulk *b;
	pthread_t thread;
	bool running;
	char *path;
	xs_db *db;
	/* Under b->lock: */
	struct batch *queue[BULK_QUEUE];
	size_t head, count;
	pthread_cond_t nonempty, nonfull;
	/* The worker's own: */
	unsigned long stored, pending;
};

struct bulk {
	unsigned jobs;
	struct worker *w;
	bulk_problem_fn problem;
	void *ctx;
	pthread_mutex_t lock;
	/* Under lock: */
	bool closing; /* no more batches come */
	bool aborted; /* drop what is queued */
	char *error;  /* the first failure; set: the build failed */
	/* The caller's thread only: */
	struct batch *cur;
	unsigned next;
};

static void drop(struct batch *bt)
{
	if (!bt)
		return;
	for (size_t i = 0; i < bt->n; i++)
		json_decref(bt->items[i].rec);
	free(bt);
}

/* Record the first failure and wake whoever waits. */
static void fail(struct bulk *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct bulk *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&b->lock);
	if (!b->error) {
		b->error = msg;
		msg = NULL;
	}
	for (unsigned i = 0; i < b->jobs; i++)
		pthread_cond_broadcast(&b->w[i].nonfull);
	pthread_mutex_unlock(&b->lock);
	free(msg);
}

/* Store one record in w's part.  0, or -1 when the part cannot be
 * written any more. */
static int store(struct worker *w, const struct item *it)
{
	struct bulk *b = w->b;
	char *err = NULL;
	if (docbuild_store(w->db, it->rec, it->fp, &err) != 0) {
		const char *id = json_string_value(json_object_get(it->rec, "id"));
		char *msg = xasprintf("cannot index '%s': %s", id ? id : "", err);
		b->problem(b->ctx, it->display, msg);
		free(msg);
		free(err);
		return 0;
	}
	w->stored++;
	if (++w->pending >= DOCBUILD_COMMIT_EVERY) {
		w->pending = 0;
		if (xs_db_commit(w->db, &err) != XS_OK) {
			fail(b, "cannot commit '%s': %s", w->path, err);
			xs_free(err);
			return -1;
		}
	}
	return 0;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct bulk *b = w->b;
	bool broken = false;
	for (;;) {
		pthread_mutex_lock(&b->lock);
		while (!w->count && !b->closing)
			pthread_cond_wait(&w->nonempty, &b->lock);
		if (!w->count) {
			broken = broken || b->aborted || b->error;
			pthread_mutex_unlock(&b->lock);
			break;
		}
		struct batch *bt = w->queue[w->head];
		w->head = (w->head + 1) % BULK_QUEUE;
		w->count--;
		broken = broken || b->aborted || b->error;
		pthread_cond_signal(&w->nonfull);
		pthread_mutex_unlock(&b->lock);
		for (size_t i = 0; i < bt->n && !broken; i++)
			broken = store(w, &bt->items[i]) != 0;
		drop(bt);
	}
	char *err = NULL;
	if (!broken && xs_db_commit(w->db, &err) != XS_OK) {
		fail(b, "cannot commit '%s': %s", w->path, err);
		xs_free(err);
	}
	xs_db_close(w->db);
	w->db = NULL;
	return NULL;
}

int bulk_start(const char *dir, unsigned jobs, bulk_problem_fn problem, void *ctx,
               struct bulk **out, char **err)
{
	struct bulk *b = xcalloc(1, sizeof *b);
	b->jobs = jobs ? jobs : 1;
	b->problem = problem;
	b->ctx = ctx;
	pthread_mutex_init(&b->lock, NULL);
	b->w = xcalloc(b->jobs, sizeof *b->w);
	for (unsigned i = 0; i < b->jobs; i++) {
		struct worker *w = &b->w[i];
		w->b = b;
		pthread_cond_init(&w->nonempty, NULL);
		pthread_cond_init(&w->nonfull, NULL);
	}
	for (unsigned i = 0; i < b->jobs; i++) {
		struct worker *w = &b->w[i];
		char *xerr = NULL;
		w->path = xasprintf("%s/part%u", dir, i);
		if (xs_db_open(w->path, XS_DB_WRITE, &w->db, &xerr) != XS_OK) {
			vb_error(err, "cannot create '%s': %s", w->path, xerr);
			xs_free(xerr);
			goto fail;
		}
		int rc = pthread_create(&w->thread, NULL, work, w);
		if (rc != 0) {
			vb_error(err, "cannot start a worker: %s", strerror(rc));
			goto fail;
		}
		w->running = true;
	}
	*out = b;
	return 0;
fail:
	bulk_free(b);
	return -1;
}

/* Queue the current batch for the next worker in turn. */
static int push(struct bulk *b)
{
	struct batch *bt = b->cur;
	b->cur = NULL;
	struct worker *w = &b->w[b->next];
	b->next = (b->next + 1) % b->jobs;
	pthread_mutex_lock(&b->lock);
	while (w->count == BULK_QUEUE && !b->error)
		pthread_cond_wait(&w->nonfull, &b->lock);
	if (b->error) {
		pthread_mutex_unlock(&b->lock);
		drop(bt);
		return -1;
	}
	w->queue[(w->head + w->count) % BULK_QUEUE] = bt;
	w->count++;
	pthread_cond_signal(&w->nonempty);
	pthread_mutex_unlock(&b->lock);
	return 0;
}

int bulk_add(struct bulk *b, json_t *rec, const char fp[17], const char *display)
{
	if (!b->cur)
		b->cur = xcalloc(1, sizeof *b->cur);
	struct item *it = &b->cur->items[b->cur->n++];
	it->rec = rec;
	memcpy(it->fp, fp, sizeof it->fp);
	it->display = display;
	return b->cur->n == BULK_BATCH ? push(b) : 0;
}

/* Tell the workers no more comes (and with abort, to drop what is
 * queued), and wait for them. */
static void stop(struct bulk *b, bool abort)
{
	pthread_mutex_lock(&b->lock);
	b->closing = true;
	b->aborted = b->aborted || abort;
	for (unsigned i = 0; i < b->jobs; i++)
		pthread_cond_broadcast(&b->w[i].nonempty);
	pthread_mutex_unlock(&b->lock);
	for (unsigned i = 0; i < b->jobs; i++) {
		if (b->w[i].running)
			pthread_join(b->w[i].thread, NULL);
		b->w[i].running = false;
	}
}

int bulk_finish(struct bulk *b, const char *out, unsigned long *stored, char **err)
{
	if (b->cur && b->cur->n)
		push(b);
	stop(b, false);
	if (b->error)
		return vb_error(err, "%s", b->error);
	const char **parts = xcalloc(b->jobs, sizeof *parts);
	*stored = 0;
	for (unsigned i = 0; i < b->jobs; i++) {
		parts[i] = b->w[i].path;
		*stored += b->w[i].stored;
	}
	char *xerr = NULL;
	int rc = 0;
	if (xs_db_compact(parts, b->jobs, out, &xerr) != XS_OK) {
		rc = vb_error(err, "cannot merge the parts into '%s': %s", out, xerr);
		xs_free(xerr);
	}
	free(parts);
	return rc;
}

void bulk_free(struct bulk *b)
{
	if (!b)
		return;
	stop(b, true);
	drop(b->cur);
	for (unsigned i = 0; i < b->jobs; i++) {
		struct worker *w = &b->w[i];
		while (w->count) {
			drop(w->queue[w->head]);
			w->head = (w->head + 1) % BULK_QUEUE;
			w->count--;
		}
		xs_db_close(w->db);
		free(w->path);
		pthread_cond_destroy(&w->nonempty);
		pthread_cond_destroy(&w->nonfull);
	}
	free(b->w);
	free(b->error);
	pthread_mutex_destroy(&b->lock);
	free(b);
}
