/*
 * testutil.h - what the Check suites share: temporary trees, running the
 * real programs, and a real searchd on a free loopback port spoken to with
 * libcurl.  Programs are found in $VB_BUILD (default "build").
 */
#ifndef VB_TESTUTIL_H
#define VB_TESTUTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

/* A new empty directory under $TMPDIR.  New: free() after tu_rmrf(). */
char *tu_tmpdir(void);
void tu_rmrf(const char *dir);
/* Write content to dir/rel, creating parent directories. */
void tu_write(const char *dir, const char *rel, const char *content);
void tu_write_bytes(const char *dir, const char *rel, const char *data, size_t len);
/* Path of a built program ("indexer").  New: free(). */
char *tu_program(const char *name);
/* Run a shell command; *out (may be NULL) gets stdout+stderr (new: free()).
 * Returns the exit status, or -1 when it did not exit normally. */
int tu_run(const char *cmd, char **out);

/* Index the demo shop (content/ with its synonyms) into db with the real
 * indexer; aborts with the indexer's output when that fails (a fixture
 * without its index cannot test anything). */
void tu_index_content(const char *db);

struct tu_server {
	pid_t pid;
	unsigned port;
};
/* Start searchd --db db on 127.0.0.1:0, access log off, plus extra args
 * (may be NULL); waits until it prints its address.  false when it failed
 * to start. */
bool tu_server_start(struct tu_server *s, const char *db, const char *extra);
/* SIGTERM and wait; returns searchd's exit status. */
int tu_server_stop(struct tu_server *s);

/*
 * HTTP request to the server: method, path with query string (sent as is,
 * so tests can send malformed requests).  Returns the status code, 0 on a
 * transport failure.  *json (may be NULL) gets the parsed body, NULL when
 * it is not JSON.
 */
long tu_http(const struct tu_server *s, const char *method, const char *path, json_t **json);
/* A request with headers ("Name: value", NULL-terminated; may be NULL)
 * and a body (NULL: none; body_len 0: strlen). */
struct tu_req {
	const char *method, *path;
	const char *const *headers;
	const char *body;
	size_t body_len;
};
/* What came back: status (0 on a transport failure), the body as text
 * and as JSON (NULL when not JSON), and the raw header lines. */
struct tu_resp {
	long status;
	json_t *json;
	char *body, *headers;
	size_t body_len;
};
long tu_request(const struct tu_server *s, const struct tu_req *rq, struct tu_resp *out);
void tu_resp_release(struct tu_resp *r);
/* A response header's value (new: free()), NULL when absent. */
char *tu_resp_header(const struct tu_resp *r, const char *name);

/* The same for GET with the query parameters url-encoded by libcurl:
 * pairs of key, value, ending with NULL. */
long tu_get(const struct tu_server *s, const char *path, json_t **json, ...);

#endif
