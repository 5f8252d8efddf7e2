/*
 * testutil.c - see testutil.h.
 */
#define _DEFAULT_SOURCE
#define _XOPEN_SOURCE 700
#include "testutil.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

char *tu_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *tmpl = xasprintf("%s/vbtest.XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmpl)) {
		perror("mkdtemp");
		abort();
	}
	return tmpl;
}

void tu_rmrf(const char *dir)
{
	remove_tree(dir);
}

void tu_write_bytes(const char *dir, const char *rel, const char *data, size_t len)
{
	char *path = xasprintf("%s/%s", dir, rel);
	for (char *p = path + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		abort();
	}
	free(path);
}

void tu_write(const char *dir, const char *rel, const char *content)
{
	tu_write_bytes(dir, rel, content, strlen(content));
}

char *tu_program(const char *name)
{
	const char *build = getenv("VB_BUILD");
	return xasprintf("%s/%s", build && *build ? build : "build", name);
}

int tu_run(const char *cmd, char **out)
{
	char *full = xasprintf("(%s) 2>&1", cmd);
	FILE *p = popen(full, "r");
	free(full);
	if (!p)
		return -1;
	struct strbuf sb;
	strbuf_init(&sb, 0);
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, p)) > 0)
		strbuf_add(&sb, buf, n);
	int st = pclose(p);
	char *text = strbuf_detach(&sb, NULL);
	if (out)
		*out = text;
	else
		free(text);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void tu_index_content(const char *db)
{
	char *indexer = tu_program("indexer");
	char *cmd = xasprintf("%s --quiet --db '%s' --synonyms content/synonyms.txt content", indexer,
	                      db);
	char *out = NULL;
	int st = tu_run(cmd, &out);
	if (st != 0) {
		fprintf(stderr, "indexing content/ failed (%d):\n%s\n", st, out);
		abort();
	}
	free(out);
	free(cmd);
	free(indexer);
}

bool tu_server_start(struct tu_server *s, const char *db, const char *extra)
{
	int fds[2];
	if (pipe(fds) != 0)
		return false;
	char *prog = tu_program("searchd");
	/* Its stdout is read for the address only: no access log there
	 * unless extra asks for one (a later flag wins). */
	char *cmd = xasprintf("exec %s --db '%s' --listen 127.0.0.1:0 --log-level warn "
	                      "--access-log off %s",
	                      prog, db, extra ? extra : "");
	free(prog);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	free(cmd);
	close(fds[1]);
	s->pid = pid;
	s->port = 0;
	FILE *f = fdopen(fds[0], "r");
	char line[512];
	/* "searchd: serving N documents from 'db' on http://127.0.0.1:PORT/" */
	if (f && fgets(line, sizeof line, f)) {
		char *p = strstr(line, "http://127.0.0.1:");
		if (p)
			s->port = (unsigned)strtoul(p + strlen("http://127.0.0.1:"), NULL, 10);
	}
	if (f)
		fclose(f);
	if (!s->port) {
		tu_server_stop(s);
		return false;
	}
	return true;
}

int tu_server_stop(struct tu_server *s)
{
	int st = 0;
	if (s->pid <= 0)
		return -1;
	kill(s->pid, SIGTERM);
	while (waitpid(s->pid, &st, 0) < 0 && errno == EINTR)
		;
	s->pid = 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
	strbuf_add(ctx, data, size * n);
	return size * n;
}

static size_t on_header(char *data, size_t size, size_t n, void *ctx)
{
	strbuf_add(ctx, data, size * n);
	return size * n;
}

long tu_request(const struct tu_server *s, const struct tu_req *rq, struct tu_resp *out)
{
	CURL *c = curl_easy_init();
	struct strbuf body, head;
	strbuf_init(&body, 0);
	strbuf_init(&head, 0);
	char *url = xasprintf("http://127.0.0.1:%u%s", s->port, rq->path);
	long code = 0;
	struct curl_slist *hs = NULL;
	for (size_t i = 0; rq->headers && rq->headers[i]; i++)
		hs = curl_slist_append(hs, rq->headers[i]);
	/* curl would add "Expect: 100-continue" for large bodies. */
	hs = curl_slist_append(hs, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, rq->method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hs);
	if (rq->body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		                 (curl_off_t)(rq->body_len ? rq->body_len : strlen(rq->body)));
	}
	if (strcmp(rq->method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &head);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	/* Keep malformed paths as they are: tests send them on purpose. */
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (out) {
		out->status = code;
		out->json = body.len ? json_loadb(body.buf, body.len, 0, NULL) : NULL;
		out->body = strbuf_detach(&body, &out->body_len);
		out->headers = strbuf_detach(&head, NULL);
	}
	strbuf_release(&body);
	strbuf_release(&head);
	curl_slist_free_all(hs);
	free(url);
	curl_easy_cleanup(c);
	return code;
}

void tu_resp_release(struct tu_resp *r)
{
	json_decref(r->json);
	free(r->body);
	free(r->headers);
	*r = (struct tu_resp){0};
}

char *tu_resp_header(const struct tu_resp *r, const char *name)
{
	size_t n = strlen(name);
	for (const char *l = r->headers; l && *l;) {
		const char *end = strchr(l, '\n');
		if (!end)
			end = l + strlen(l);
		if ((size_t)(end - l) > n && strncasecmp(l, name, n) == 0 && l[n] == ':') {
			const char *v = l + n + 1;
			while (*v == ' ')
				v++;
			const char *e = end;
			while (e > v && (e[-1] == '\r' || e[-1] == ' '))
				e--;
			return xstrndup(v, (size_t)(e - v));
		}
		l = *end ? end + 1 : end;
	}
	return NULL;
}

long tu_http(const struct tu_server *s, const char *method, const char *path, json_t **json)
{
	struct tu_req rq = {method, path, NULL, NULL, 0};
	struct tu_resp resp;
	long code = tu_request(s, &rq, &resp);
	if (json) {
		*json = resp.json;
		resp.json = NULL;
	}
	tu_resp_release(&resp);
	return code;
}

long tu_get(const struct tu_server *s, const char *path, json_t **json, ...)
{
	CURL *c = curl_easy_init();
	struct strbuf sb;
	strbuf_init(&sb, 0);
	strbuf_addstr(&sb, path);
	va_list ap;
	va_start(ap, json);
	const char *k;
	char sep = '?';
	while ((k = va_arg(ap, const char *)) != NULL) {
		const char *v = va_arg(ap, const char *);
		char *ek = curl_easy_escape(c, k, 0), *ev = curl_easy_escape(c, v, 0);
		strbuf_addf(&sb, "%c%s=%s", sep, ek, ev);
		sep = '&';
		curl_free(ek);
		curl_free(ev);
	}
	va_end(ap);
	curl_easy_cleanup(c);
	long code = tu_http(s, "GET", sb.buf, json);
	strbuf_release(&sb);
	return code;
}
