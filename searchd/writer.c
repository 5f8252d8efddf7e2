/*
 * writer.c - searchd's one writer.
 *
 * Xapian allows one writer per index, across processes, through a lock
 * file.  searchd takes that lock only while it writes: each write opens
 * the index for writing, runs its changes inside a transaction, commits
 * and closes.  So the batch indexer can run between live writes, and a
 * live write that finds the indexer at work waits up to lock_wait and
 * then gets a clear "locked" error, never a silent loss.  Within searchd
 * a mutex keeps writes one at a time, so they queue instead of failing
 * on each other's lock.  Readers are never blocked: they see a write as
 * soon as it is committed, when their handle reopens.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "searchd.h"
#include "util.h"

static pthread_mutex_t writer_lock = PTHREAD_MUTEX_INITIALIZER;

/* Open for writing, retrying until deadline while another process holds
 * the lock. */
static xs_status open_writable(struct server *srv, double deadline, xs_db **out, char **err)
{
	for (;;) {
		xs_status st = xs_db_open(srv->cfg.db, XS_DB_WRITE, out, err);
		if (st != XS_ERR_LOCKED || now_seconds() >= deadline)
			return st;
		xs_free(*err);
		*err = NULL;
		struct timespec ts = {0, 50 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

int writer_run(struct server *srv, writer_fn fn, void *ctx, bool *locked, char **err)
{
	xs_db *w = NULL;
	char *xerr = NULL;
	int rc = -1;
	*locked = false;
	/* One deadline for the queue and the lock together: writes queued
	 * behind each other while the indexer holds the index all give up
	 * after lock_wait, not one lock_wait after another. */
	double deadline = now_seconds() + srv->cfg.lock_wait;
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	double frac = srv->cfg.lock_wait - (double)(time_t)srv->cfg.lock_wait;
	until.tv_sec += (time_t)srv->cfg.lock_wait;
	until.tv_nsec += (long)(frac * 1e9);
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	if (pthread_mutex_timedlock(&writer_lock, &until) != 0) {
		*locked = true;
		return vb_error(err, "other writes have held the index for more than %g s; try again later",
		                srv->cfg.lock_wait);
	}
	xs_status st = open_writable(srv, deadline, &w, &xerr);
	if (st != XS_OK) {
		*locked = st == XS_ERR_LOCKED;
		if (*locked)
			vb_error(err, "another writer (the batch indexer?) holds the index for more than "
			              "%g s; try again later", srv->cfg.lock_wait);
		else
			vb_error(err, "cannot open the index for writing: %s", xerr);
		goto out;
	}
	if (xs_db_begin_transaction(w, &xerr) != XS_OK) {
		vb_error(err, "cannot start a transaction: %s", xerr);
		goto out;
	}
	if (fn(w, ctx, err) != 0) {
		xs_free(xerr);
		xerr = NULL;
		if (xs_db_cancel_transaction(w, &xerr) != XS_OK)
			log_msg(srv, LOG_ERROR, "cannot cancel a failed write: %s", xerr);
		goto out;
	}
	if (xs_db_commit_transaction(w, &xerr) != XS_OK) {
		vb_error(err, "cannot commit: %s", xerr);
		goto out;
	}
	rc = 0;
out:
	xs_free(xerr);
	xs_db_close(w);
	pthread_mutex_unlock(&writer_lock);
	return rc;
}

bool writer_reply(struct request *req, struct reply *r, writer_fn fn, void *ctx)
{
	bool locked = false;
	char *err = NULL;
	if (writer_run(req->srv, fn, ctx, &locked, &err) == 0)
		return true;
	if (locked) {
		log_msg(req->srv, LOG_WARN, "a write (%s %s) was refused: %s", req->method, req->path,
		        err);
		reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "index_locked", "%s", err);
		r->retry_after = WRITER_RETRY_AFTER;
	} else {
		log_msg(req->srv, LOG_ERROR, "a write (%s %s) failed: %s", req->method, req->path, err);
		reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "%s", err);
	}
	free(err);
	return false;
}
