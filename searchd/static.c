/*
 * static.c - the help centre's files, so that searchd alone serves the
 * page customers use: GET / answers web_root/index.html, GET /static/{id}
 * the files under web_root (the page's script and styles, the storefront
 * widget, the shop's config.json).
 *
 * The path comes from the network, so it is checked twice: first by its
 * words (no "..", no hidden names, no empty segments, no backslashes),
 * then by where it really leads: its realpath() must lie under
 * realpath(web_root), which also stops symbolic links that point out of
 * it.  Only regular files up to STATIC_MAX_FILE bytes are served, each
 * with a content type by extension and nosniff (http.c), never guessed.
 * An ETag made of the file's size and modification time lets a browser
 * revalidate with a 304 instead of fetching the file again.
 *
 * The files are read into memory: they are small (the whole web/ is tens
 * of kilobytes), and a reply is a buffer in searchd.h's terms.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "searchd.h"
#include "util.h"

#define STATIC_MAX_FILE (4 * 1024 * 1024)
#define STATIC_MAX_PATH 1024

/* Pages and the shop's config change with a deploy and are revalidated
 * every time; scripts, styles and images may be kept for a few minutes. */
#define CACHE_REVALIDATE "no-cache"
#define CACHE_ASSET "public, max-age=300"

static const struct {
	const char *ext, *type, *cache;
} types[] = {
    {".html", "text/html; charset=utf-8", CACHE_REVALIDATE},
    {".json", "application/json; charset=utf-8", CACHE_REVALIDATE},
    {".css", "text/css; charset=utf-8", CACHE_ASSET},
    {".js", "text/javascript; charset=utf-8", CACHE_ASSET},
    {".mjs", "text/javascript; charset=utf-8", CACHE_ASSET},
    {".svg", "image/svg+xml", CACHE_ASSET},
    {".png", "image/png", CACHE_ASSET},
    {".jpg", "image/jpeg", CACHE_ASSET},
    {".jpeg", "image/jpeg", CACHE_ASSET},
    {".webp", "image/webp", CACHE_ASSET},
    {".ico", "image/x-icon", CACHE_ASSET},
    {".woff2", "font/woff2", CACHE_ASSET},
    {".txt", "text/plain; charset=utf-8", CACHE_REVALIDATE},
    {".xml", "application/xml; charset=utf-8", CACHE_REVALIDATE},
};

/* The type entry for name's extension; -1 when it has none we know. */
static int type_of(const char *name)
{
	const char *dot = strrchr(name, '.');
	if (!dot || strchr(dot, '/'))
		return -1;
	for (size_t i = 0; i < sizeof types / sizeof *types; i++)
		if (strcasecmp(dot, types[i].ext) == 0)
			return (int)i;
	return -1;
}

/*
 * Whether rel may name a file under web_root: relative, segments that are
 * neither empty nor start with a dot (which covers "." and ".." and
 * hidden files such as .git), no backslash.  Returns NULL when it may, or
 * the reason it may not (static).
 */
static const char *path_refused(const char *rel)
{
	size_t len = strlen(rel);
	if (len == 0 || len > STATIC_MAX_PATH)
		return "the path must be 1 to 1024 bytes";
	if (!utf8_valid(rel, len, NULL))
		return "the path is not valid UTF-8";
	if (strchr(rel, '\\'))
		return "the path must not contain a backslash";
	for (const char *seg = rel;;) {
		const char *end = strchr(seg, '/');
		size_t n = end ? (size_t)(end - seg) : strlen(seg);
		if (n == 0)
			return "the path must not have empty segments";
		if (seg[0] == '.')
			return "'..', '.' and hidden names are not served";
		if (!end)
			return NULL;
		seg = end + 1;
	}
}

/* Whether the If-None-Match header names etag (or is "*"); weak
 * comparison, as RFC 9110 asks for it: a W/ prefix does not matter. */
static bool etag_matches(const char *header, const char *etag)
{
	size_t elen = strlen(etag);
	const char *p = header;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '*')
			return true;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == elen && memcmp(p, etag, n) == 0)
			return true;
		if (!end)
			break;
		p = end + 1;
	}
	return false;
}

/* Serve web_root/rel, rel already checked by path_refused. */
static void serve(struct request *req, struct reply *r, const char *rel)
{
	const struct config *cfg = &req->srv->cfg;
	char *root = NULL, *full = NULL, *real = NULL, *data = NULL, *err = NULL;
	int fd = -1;

	root = cfg->web_root ? realpath(cfg->web_root, NULL) : NULL;
	if (!root) {
		reply_error(r, MHD_HTTP_NOT_FOUND, "not_found",
		            "no help centre is installed here (see the web_root setting)");
		goto out;
	}
	full = xasprintf("%s/%s", root, rel);
	real = realpath(full, NULL);
	size_t rootlen = strlen(root);
	/* Under the root: root itself followed by a slash ("/" as the root
	 * holds everything, however unwise). */
	bool inside = real && strncmp(real, root, rootlen) == 0 &&
	              (real[rootlen] == '/' || (rootlen == 1 && real[1]));
	if (!inside) {
		reply_error(r, MHD_HTTP_NOT_FOUND, "not_found", "no such file: %s", rel);
		goto out;
	}
	/* realpath resolved every link; O_NOFOLLOW refuses one put in its
	 * place since, and O_NONBLOCK keeps a FIFO from holding the thread
	 * (it is then refused as not a regular file). */
	fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		reply_error(r, MHD_HTTP_NOT_FOUND, "not_found", "no such file: %s", rel);
		goto out;
	}
	if (st.st_size > STATIC_MAX_FILE) {
		log_msg(req->srv, LOG_WARN, "not serving '%s': larger than %d bytes", real,
		        STATIC_MAX_FILE);
		reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
		            "%s is larger than the %d bytes searchd serves", rel, STATIC_MAX_FILE);
		goto out;
	}
	int t = type_of(real);
	char etag[sizeof r->etag];
	snprintf(etag, sizeof etag, "\"%llx-%llx\"", (unsigned long long)st.st_size,
	         (unsigned long long)st.st_mtim.tv_sec * 1000000000ULL +
	             (unsigned long long)st.st_mtim.tv_nsec);
	const char *inm =
	    MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
	size_t len = 0;
	if (inm && etag_matches(inm, etag)) {
		r->status = MHD_HTTP_NOT_MODIFIED;
	} else if (read_fd(fd, real, STATIC_MAX_FILE, &data, &len, &err) == 0) {
		reply_raw(r, MHD_HTTP_OK, t >= 0 ? types[t].type : "application/octet-stream", data,
		          len);
		data = NULL;
	} else {
		log_msg(req->srv, LOG_WARN, "%s", err);
		reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "cannot read %s", rel);
		goto out;
	}
	memcpy(r->etag, etag, sizeof etag);
	r->cache_control = t >= 0 ? types[t].cache : CACHE_REVALIDATE;
out:
	if (fd >= 0)
		close(fd);
	free(err);
	free(data);
	free(real);
	free(full);
	free(root);
}

void static_index_handle(struct request *req, struct reply *r)
{
	serve(req, r, "index.html");
}

void static_file_handle(struct request *req, struct reply *r)
{
	const char *why = path_refused(req->arg);
	if (why) {
		reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_request", "cannot serve that path: %s",
		            why);
		return;
	}
	serve(req, r, req->arg);
}
