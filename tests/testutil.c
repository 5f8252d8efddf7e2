/*
 * testutil.c - see testutil.h.
 */
#define _DEFAULT_SOURCE
#define _XOPEN_SOURCE 700
#include "testutil.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void tu_rmrf(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
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

bool tu_server_start(struct tu_server *s, const char *db, const char *extra)
{
	int fds[2];
	if (pipe(fds) != 0)
		return false;
	char *prog = tu_program("searchd");
	char *cmd = xasprintf("exec %s --db '%s' --listen 127.0.0.1:0 %s", prog, db, extra ? extra : "");
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

long tu_http(const struct tu_server *s, const char *method, const char *path, json_t **json)
{
	CURL *c = curl_easy_init();
	struct strbuf sb;
	strbuf_init(&sb, 0);
	char *url = xasprintf("http://127.0.0.1:%u%s", s->port, path);
	long code = 0;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &sb);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	/* Keep malformed paths as they are: tests send them on purpose. */
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (json)
		*json = sb.len ? json_loadb(sb.buf, sb.len, 0, NULL) : NULL;
	strbuf_release(&sb);
	free(url);
	curl_easy_cleanup(c);
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
