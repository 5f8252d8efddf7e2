/*
 * documents.c - editors publish live: PUT /documents/{id} (one document
 * as JSON), DELETE /documents/{id}, POST /documents (NDJSON, one document
 * a line).  Admin key only (the route table checks it).
 *
 * A document is checked exactly like a line of an NDJSON feed
 * (extract_ndjson_parse / extract_ndjson_record) and built and stored by
 * the indexer's own code (docbuild.h), so a live document and a feed
 * record with the same fields index the same.  What differs: its source
 * is VB_SOURCE_API, which makes it the API's until it is deleted here
 * (the indexer neither removes nor overwrites it), and when it has no
 * date of its own it gets the day it was published as "modified".
 *
 * Everything is checked before anything is written: a bulk with one bad
 * line writes nothing and lists every bad line.  The writes go through
 * writer_run, one transaction per request, so a bulk lands whole or not
 * at all, and a request is answered only after its commit: a 2xx reply
 * means the document is searchable, and on SIGTERM searchd finishes the
 * write before it exits.  The fingerprint covers what the editor sent,
 * not the day, so sending the same document again is "unchanged" and
 * writes nothing.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "analytics.h"
#include "docbuild.h"
#include "extract.h"
#include "schema.h"
#include "searchd.h"
#include "util.h"

/* Documents in one POST /documents; the whole bulk is one transaction,
 * which Xapian holds in memory until it commits. */
#define DOCUMENTS_MAX_BULK 50000
/* Bad lines listed in a refused bulk. */
#define DOCUMENTS_MAX_ERRORS 100
/* Retry-After when another writer holds the index. */

/* One document to store, checked and completed. */
struct pending {
	json_t *rec;
	char fp[17];
};

/* What a write request carries to its writer_run callback and back. */
struct batch {
	struct pending *docs;
	size_t n, alloc;
	unsigned long created, updated, unchanged;
	const char *result; /* the one document's result, for PUT */
};

static void batch_release(struct batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		json_decref(b->docs[i].rec);
	free(b->docs);
	*b = (struct batch){0};
}

/* ----------------------------------------------------------- checks */

/*
 * Whether the Content-Type header is absent or names one of types (its
 * media type, case aside; parameters such as charset are not looked at:
 * the body must be UTF-8 whatever they say).  Replies 415 when not.
 */
static bool content_type_ok(struct request *req, struct reply *r, const char *const *types,
                            const char *expected)
{
	const char *ct =
	    MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (!ct)
		return true;
	size_t n = strcspn(ct, "; \t");
	for (size_t i = 0; types[i]; i++)
		if (strlen(types[i]) == n && strncasecmp(ct, types[i], n) == 0)
			return true;
	bool printable = utf8_valid(ct, strlen(ct), NULL) && strlen(ct) <= 100;
	reply_error(r, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
	            "Content-Type %s%s%s is not accepted here: send %s (or no Content-Type)",
	            printable ? "'" : "", printable ? ct : "of the request", printable ? "'" : "",
	            expected);
	return false;
}

/* The {id} of the path: valid UTF-8 of at most EXTRACT_MAX_ID bytes. */
static bool path_id_ok(struct request *req, struct reply *r)
{
	size_t n = strlen(req->arg);
	if (!utf8_valid(req->arg, n, NULL)) {
		reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_request",
		            "the document id in the path is not valid UTF-8");
		return false;
	}
	if (n > EXTRACT_MAX_ID) {
		reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_request",
		            "the document id in the path is longer than %d bytes", EXTRACT_MAX_ID);
		return false;
	}
	return true;
}

/* Complete a checked record the way the indexer completes a feed record
 * (docbuild_complete), with the day of publishing as its "modified". */
static void complete(struct pending *p)
{
	char day[11];
	day_format(day_of_ms(now_ms()), day);
	docbuild_complete(p->rec, VB_SOURCE_API, day, p->fp);
}

/* Take rec (checked) into the batch, completed. */
static void batch_add(struct batch *b, json_t *rec)
{
	if (b->n == b->alloc) {
		b->alloc = b->alloc ? b->alloc * 2 : 16;
		b->docs = xrealloc(b->docs, b->alloc * sizeof *b->docs);
	}
	struct pending *p = &b->docs[b->n++];
	p->rec = rec;
	complete(p);
}

/* ----------------------------------------------------------- writes */

/* writer_fn: store every document of the batch that changed. */
static int store_batch(xs_db *w, void *ctx, char **err)
{
	struct batch *b = ctx;
	b->created = b->updated = b->unchanged = 0;
	for (size_t i = 0; i < b->n; i++) {
		const struct pending *p = &b->docs[i];
		const char *id = json_string_value(json_object_get(p->rec, "id"));
		char *old = NULL, *xerr = NULL;
		xs_status st = xs_db_get_value(w, id, VB_SLOT_HASH, &old, NULL, &xerr);
		bool same = st == XS_OK && strcmp(old, p->fp) == 0;
		xs_free(old);
		if (st != XS_OK && st != XS_ERR_NOT_FOUND) {
			vb_error(err, "cannot look up document '%s': %s", id, xerr);
			xs_free(xerr);
			return -1;
		}
		xs_free(xerr);
		if (same) {
			b->unchanged++;
			b->result = "unchanged";
			continue;
		}
		char *derr = NULL;
		if (docbuild_store(w, p->rec, p->fp, &derr) != 0) {
			vb_error(err, "cannot store document '%s': %s", id, derr);
			free(derr);
			return -1;
		}
		if (st == XS_OK) {
			b->updated++;
			b->result = "updated";
		} else {
			b->created++;
			b->result = "created";
		}
	}
	return 0;
}

struct deletion {
	const char *id;
	bool missing;
};

/* writer_fn: delete one document.  A missing one is not a failure of
 * the write (there is nothing to undo): d->missing says so. */
static int delete_one(xs_db *w, void *ctx, char **err)
{
	struct deletion *d = ctx;
	char *xerr = NULL;
	xs_status st = xs_db_delete(w, d->id, &xerr);
	d->missing = st == XS_ERR_NOT_FOUND;
	if (st != XS_OK && !d->missing)
		vb_error(err, "cannot delete document '%s': %s", d->id, xerr);
	xs_free(xerr);
	return st == XS_OK || d->missing ? 0 : -1;
}

/* ------------------------------------------------------------ PUT */

static const char *const json_types[] = {"application/json", NULL};

void documents_put(struct request *req, struct reply *r)
{
	struct batch b = {0};
	json_t *rec = NULL;
	char *err = NULL;
	if (!param_none(req, r) || !path_id_ok(req, r) ||
	    !content_type_ok(req, r, json_types, "application/json"))
		goto out;
	if (req->body_len == 0) {
		reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_request",
		            "the body is empty: send the document as a JSON object");
		goto out;
	}
	if (req->body_len > (size_t)EXTRACT_MAX_LINE) {
		reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "body_too_large",
		            "a document may have at most %ld bytes", EXTRACT_MAX_LINE);
		goto out;
	}
	/* The path names the document: a body without an id takes it, a
	 * body with another one is a mistake worth stopping. */
	if (extract_ndjson_parse(req->body, req->body_len, &rec, &err) != 0) {
		reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_request", "bad document: %s", err);
		goto out;
	}
	json_t *id = json_object_get(rec, "id");
	if (!id || json_is_null(id))
		json_object_set_new(rec, "id", json_string(req->arg));
	if (extract_ndjson_record(rec, &err) != 0) {
		reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_request", "bad document: %s", err);
		goto out;
	}
	const char *body_id = json_string_value(json_object_get(rec, "id"));
	if (strcmp(body_id, req->arg) != 0) {
		reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_request",
		            "the body's \"id\" '%s' differs from the id in the path '%s'; leave it "
		            "out or make it the same",
		            body_id, req->arg);
		goto out;
	}
	batch_add(&b, rec);
	rec = NULL;
	if (!writer_reply(req, r, store_batch, &b))
		goto out;
	r->status = strcmp(b.result, "created") == 0 ? MHD_HTTP_CREATED : MHD_HTTP_OK;
	r->body = json_pack("{s:s,s:s}", "id", req->arg, "result", b.result);
out:
	json_decref(rec);
	free(err);
	batch_release(&b);
}

/* ------------------------------------------------------------- GET */

/* GET /documents/{id}: the stored record, text included, so that a page
 * can show a whole FAQ answer or manual section in place.  Its "text" is
 * the record's body; where the document came from (source) stays in. */
void documents_get(struct request *req, struct reply *r)
{
	if (!param_none(req, r) || !path_id_ok(req, r))
		return;
	char *data = NULL, *err = NULL;
	size_t len = 0;
	xs_status st = xs_db_get_data(req->db, req->arg, &data, &len, &err);
	if (st == XS_ERR_NOT_FOUND) {
		reply_error(r, MHD_HTTP_NOT_FOUND, "not_found", "no document has the id '%s'", req->arg);
	} else if (st != XS_OK) {
		reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "cannot read '%s': %s",
		            req->arg, err);
	} else {
		json_t *rec = json_loadb(data, len, 0, NULL);
		if (!json_is_object(rec)) {
			json_decref(rec);
			reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
			            "the stored record of '%s' is not a JSON object", req->arg);
		} else {
			json_object_del(rec, "source");
			json_t *body = json_object_get(rec, "body");
			json_object_set_new(rec, "text", body ? json_incref(body) : json_string(""));
			json_object_del(rec, "body");
			r->body = rec;
		}
	}
	xs_free(data);
	xs_free(err);
}

/* ---------------------------------------------------------- DELETE */

void documents_delete(struct request *req, struct reply *r)
{
	if (!param_none(req, r) || !path_id_ok(req, r))
		return;
	struct deletion d = {req->arg, false};
	if (!writer_reply(req, r, delete_one, &d))
		return;
	if (d.missing) {
		reply_error(r, MHD_HTTP_NOT_FOUND, "not_found", "no document has the id '%s'",
		            req->arg);
		return;
	}
	r->body = json_pack("{s:s,s:s}", "id", req->arg, "result", "deleted");
}

/* ------------------------------------------------------------ POST */

/* A bulk being checked line by line. */
struct bulk {
	struct batch batch;
	json_t *lines;      /* id -> the line it was first on */
	json_t *errors;     /* [{"line", "message"}], the first DOCUMENTS_MAX_ERRORS */
	unsigned long bad;  /* lines refused */
	unsigned long good; /* documents found; only the first DOCUMENTS_MAX_BULK kept */
};

static void bulk_error(struct bulk *bk, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void bulk_error(struct bulk *bk, long line, const char *fmt, ...)
{
	if (bk->bad++ >= DOCUMENTS_MAX_ERRORS)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	json_array_append_new(bk->errors,
	                      json_pack("{s:I,s:s}", "line", (json_int_t)line, "message", msg));
	free(msg);
}

/* extract_line_fn: check one line; keep it when it is good. */
static void bulk_line(void *ctx, const char *line, size_t len, long lineno)
{
	struct bulk *bk = ctx;
	json_t *rec = NULL;
	char *err = NULL;
	if (extract_ndjson_line(line, len, &rec, &err) != 0) {
		bulk_error(bk, lineno, "%s", err);
		free(err);
		return;
	}
	const char *id = json_string_value(json_object_get(rec, "id"));
	json_t *first = json_object_get(bk->lines, id);
	if (first) {
		bulk_error(bk, lineno, "duplicate id '%s' (first on line %" JSON_INTEGER_FORMAT ")",
		           id, json_integer_value(first));
		json_decref(rec);
		return;
	}
	json_object_set_new(bk->lines, id, json_integer(lineno));
	/* After a bad line, or past the limit, nothing will be written: the
	 * checking goes on, the keeping stops. */
	if (bk->bad || ++bk->good > DOCUMENTS_MAX_BULK) {
		json_decref(rec);
		return;
	}
	batch_add(&bk->batch, rec);
}

static const char *const ndjson_types[] = {"application/x-ndjson", "application/ndjson",
                                           "application/jsonl", "application/json", NULL};

void documents_post(struct request *req, struct reply *r)
{
	struct bulk bk = {{0}, json_object(), json_array(), 0, 0};
	char *err = NULL;
	long err_line = 0;
	double start = now_seconds();
	if (!param_none(req, r) ||
	    !content_type_ok(req, r, ndjson_types, "application/x-ndjson, one JSON object a line"))
		goto out;
	if (req->body_len > (size_t)EXTRACT_MAX_FILE) {
		reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "body_too_large",
		            "a bulk may have at most %ld bytes", EXTRACT_MAX_FILE);
		goto out;
	}
	if (extract_ndjson_each_line(req->body, req->body_len, bulk_line, &bk, &err, &err_line) !=
	    0) {
		reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_request", "%s", err);
		goto out;
	}
	if (bk.bad) {
		char listed[64] = "";
		if (bk.bad > DOCUMENTS_MAX_ERRORS)
			snprintf(listed, sizeof listed, " (the first %d are listed)",
			         DOCUMENTS_MAX_ERRORS);
		reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_request",
		            "%lu %s, so nothing was written%s", bk.bad,
		            bk.bad == 1 ? "line is not a valid document"
		                        : "lines are not valid documents",
		            listed);
		json_object_set(json_object_get(r->body, "error"), "errors", bk.errors);
		goto out;
	}
	if (bk.good == 0) {
		reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_request",
		            "the body has no documents: send one JSON object a line");
		goto out;
	}
	if (bk.good > DOCUMENTS_MAX_BULK) {
		reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "body_too_large",
		            "%lu documents in one request; at most %d, so nothing was written",
		            bk.good, DOCUMENTS_MAX_BULK);
		goto out;
	}
	if (!writer_reply(req, r, store_batch, &bk.batch))
		goto out;
	r->body =
	    json_pack("{s:I,s:I,s:I,s:f}", "created", (json_int_t)bk.batch.created, "updated",
	              (json_int_t)bk.batch.updated, "unchanged", (json_int_t)bk.batch.unchanged,
	              "took_ms", elapsed_ms(start));
out:
	free(err);
	json_decref(bk.lines);
	json_decref(bk.errors);
	batch_release(&bk.batch);
}
