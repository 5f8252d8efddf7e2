/*
 * opensearch.c - the shop in a browser's own search bar: GET
 * /opensearch.xml, the OpenSearch 1.1 description a browser finds through
 * the page's <link rel="search" type="application/opensearchdescription+xml">,
 * and the OpenSearch suggestions format of /suggest (format=opensearch)
 * that the description points the browser to.
 *
 * The description names absolute URLs, so searchd must know the address
 * browsers reach it at: the public_url setting when searchd sits behind a
 * proxy or a different name, else "http://" + the request's Host header
 * when it looks like a host (letters, digits, dots, dashes, an IPv6
 * literal, a port), else the address the request came in on.  The XML is
 * written with libxml2's xmlTextWriter, which escapes what needs it.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <libxml/uri.h>
#include <libxml/xmlwriter.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "searchd.h"
#include "util.h"

#define OPENSEARCH_NS "http://a9.com/-/spec/opensearch/1.1/"
#define OPENSEARCH_MAX_NAME 16 /* characters: the spec's limit on ShortName */
#define OPENSEARCH_MAX_HOST 255

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

/* libxml2 sets up its globals on first use, which is not safe from two
 * threads at once. */
static void xml_init(void)
{
	xmlInitParser();
}

/* Code points in valid UTF-8 s. */
static size_t code_points(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* Whether url is an absolute http(s) URL with nothing after its path:
 * a base the templates can extend. */
static bool base_valid(const char *url)
{
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		return false;
	pthread_once(&xml_once, xml_init);
	xmlURIPtr u = xmlParseURI(url);
	bool ok = u && u->server && *u->server && !u->user && !u->query_raw && !u->query &&
	          !u->fragment && u->port >= 0 && u->port <= 65535;
	xmlFreeURI(u);
	return ok;
}

int opensearch_config_check(const struct config *cfg, char **err)
{
	const char *name = cfg->site_name;
	if (cfg->public_url && (!utf8_valid(cfg->public_url, strlen(cfg->public_url), NULL) ||
	                        !base_valid(cfg->public_url)))
		return vb_error(err,
		                "public_url '%s' is not an http:// or https:// URL without "
		                "a query or fragment",
		                cfg->public_url);
	if (name &&
	    (!utf8_valid(name, strlen(name), NULL) || code_points(name) > OPENSEARCH_MAX_NAME))
		return vb_error(err, "site_name must be at most %d characters of UTF-8",
		                OPENSEARCH_MAX_NAME);
	for (const char *c = name; c && *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return vb_error(err, "site_name has a control character");
	return 0;
}

/*
 * Whether a Host header names a host browsers can be sent to: a name or
 * IPv4 address, or an IPv6 literal in brackets, with an optional port.
 * The characters are checked first, then the whole is parsed as the
 * authority of a URL, so "a@b", "a/b" or a bad port fail.
 */
static bool host_valid(const char *host)
{
	size_t n = strlen(host);
	if (n == 0 || n > OPENSEARCH_MAX_HOST ||
	    strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") !=
	        n)
		return false;
	/* Brackets only around an IPv6 address, first. */
	const char *close = strchr(host, ']');
	if (host[0] == '[' ? !close || strspn(host + 1, "0123456789abcdefABCDEF:.") !=
	                                   (size_t)(close - host - 1)
	                   : strpbrk(host, "[]") != NULL)
		return false;
	char *url = xasprintf("http://%s/", host);
	bool ok = base_valid(url);
	if (ok) {
		xmlURIPtr u = xmlParseURI(url);
		ok = u && u->path && strcmp(u->path, "/") == 0;
		xmlFreeURI(u);
	}
	free(url);
	return ok;
}

/* "http://HOST:PORT" of the socket the request came in on, else the
 * configured listen address.  New: free(). */
static char *local_address(struct request *req)
{
	const union MHD_ConnectionInfo *info =
	    MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	char ip[INET_ADDRSTRLEN];
	if (info && getsockname(info->connect_fd, (struct sockaddr *)&sa, &len) == 0 &&
	    sa.sin_family == AF_INET && inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof ip))
		return xasprintf("http://%s:%u", ip, (unsigned)ntohs(sa.sin_port));
	return xasprintf("http://%s", req->srv->cfg.listen);
}

/* Where browsers reach searchd, without a trailing slash.  New: free(). */
static char *base_url(struct request *req)
{
	const char *pub = req->srv->cfg.public_url;
	if (pub) {
		size_t n = strlen(pub);
		while (n > 0 && pub[n - 1] == '/')
			n--;
		return xstrndup(pub, n);
	}
	const char *host =
	    MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	if (host && host_valid(host))
		return xasprintf("http://%s", host);
	return local_address(req);
}

/* One <Url type=... method="get" template=.../> element. */
static int write_url(xmlTextWriterPtr w, const char *type, const char *rel, const char *base,
                     const char *path)
{
	char *tmpl = xasprintf("%s%s", base, path);
	bool failed = xmlTextWriterStartElement(w, BAD_CAST "Url") < 0 ||
	              xmlTextWriterWriteAttribute(w, BAD_CAST "type", BAD_CAST type) < 0 ||
	              (rel && xmlTextWriterWriteAttribute(w, BAD_CAST "rel", BAD_CAST rel) < 0) ||
	              xmlTextWriterWriteAttribute(w, BAD_CAST "method", BAD_CAST "get") < 0 ||
	              xmlTextWriterWriteAttribute(w, BAD_CAST "template", BAD_CAST tmpl) < 0 ||
	              xmlTextWriterEndElement(w) < 0;
	free(tmpl);
	return failed ? -1 : 0;
}

void opensearch_handle(struct request *req, struct reply *r)
{
	xmlBufferPtr buf = NULL;
	xmlTextWriterPtr w = NULL;
	char *base = NULL, *desc = NULL;
	const char *name = req->srv->cfg.site_name ? req->srv->cfg.site_name : "vraagbaak";

	if (!param_none(req, r))
		return;
	pthread_once(&xml_once, xml_init);
	base = base_url(req);
	desc = xasprintf("Answers, manuals and products of %s", name);
	if (!(buf = xmlBufferCreate()) || !(w = xmlNewTextWriterMemory(buf, 0)))
		goto fail;
	if (xmlTextWriterSetIndent(w, 1) < 0 ||
	    xmlTextWriterSetIndentString(w, BAD_CAST "  ") < 0 ||
	    xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0 ||
	    xmlTextWriterStartElement(w, BAD_CAST "OpenSearchDescription") < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "xmlns", BAD_CAST OPENSEARCH_NS) < 0 ||
	    xmlTextWriterWriteElement(w, BAD_CAST "ShortName", BAD_CAST name) < 0 ||
	    xmlTextWriterWriteElement(w, BAD_CAST "Description", BAD_CAST desc) < 0 ||
	    xmlTextWriterWriteElement(w, BAD_CAST "InputEncoding", BAD_CAST "UTF-8") < 0 ||
	    xmlTextWriterWriteElement(w, BAD_CAST "OutputEncoding", BAD_CAST "UTF-8") < 0 ||
	    write_url(w, "text/html", NULL, base, "/?q={searchTerms}") < 0 ||
	    write_url(w, "application/x-suggestions+json", NULL, base,
	              "/suggest?q={searchTerms}&format=opensearch") < 0 ||
	    write_url(w, "application/json", NULL, base, "/search?q={searchTerms}") < 0 ||
	    write_url(w, "application/opensearchdescription+xml", "self", base, "/opensearch.xml") <
	        0 ||
	    xmlTextWriterEndDocument(w) < 0)
		goto fail;
	xmlFreeTextWriter(w); /* flushes into buf */
	w = NULL;
	size_t len = (size_t)xmlBufferLength(buf);
	char *data = xmalloc(len + 1);
	memcpy(data, xmlBufferContent(buf), len);
	data[len] = '\0';
	reply_raw(r, MHD_HTTP_OK, "application/opensearchdescription+xml", data, len);
	goto out;
fail:
	reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
	            "cannot write the OpenSearch description");
out:
	xmlFreeTextWriter(w);
	xmlBufferFree(buf);
	free(base);
	free(desc);
}

/* Whether texts holds s already (ASCII case aside). */
static bool has_text(json_t *texts, const char *s)
{
	size_t i;
	json_t *t;
	json_array_foreach(texts, i, t) if (strcasecmp(json_string_value(t), s) == 0) return true;
	return false;
}

/* Add a completion with its description and the search page's URL for
 * it, unless it is there already. */
static void add_completion(json_t *out[3], const char *base, const char *text, const char *desc)
{
	if (!text || !*text || has_text(out[0], text))
		return;
	xmlChar *q = xmlURIEscapeStr(BAD_CAST text, NULL);
	if (!q)
		return;
	char *url = xasprintf("%s/?q=%s", base, (const char *)q);
	xmlFree(q);
	json_array_append_new(out[0], json_string(text));
	json_array_append_new(out[1], json_string(desc ? desc : ""));
	json_array_append_new(out[2], json_string(url));
	free(url);
}

/*
 * ["q", [completions], [descriptions], [urls]]: the typed text with its
 * last word completed (suggestions) and the titles that match it, each a
 * whole query a browser can put in its bar.  Words take the first half of
 * the limit, titles the rest; either fills up what the other leaves.
 */
void opensearch_suggest_reply(struct request *req, struct reply *r, const char *q,
                              json_t *suggestions, json_t *titles, size_t limit)
{
	json_t *out[3] = {json_array(), json_array(), json_array()};
	char *base = base_url(req);
	size_t nwords = json_array_size(suggestions), ntitles = json_array_size(titles);
	size_t words = (limit + 1) / 2;
	if (ntitles < limit - words)
		words = limit - ntitles;
	pthread_once(&xml_once, xml_init);
	for (size_t i = 0; i < nwords && json_array_size(out[0]) < words; i++)
		add_completion(
		    out, base,
		    json_string_value(json_object_get(json_array_get(suggestions, i), "text")), "");
	for (size_t i = 0; i < ntitles && json_array_size(out[0]) < limit; i++) {
		json_t *t = json_array_get(titles, i);
		add_completion(out, base, json_string_value(json_object_get(t, "title")),
		               json_string_value(json_object_get(t, "type")));
	}
	json_t *body = json_pack("[s,o,o,o]", q, out[0], out[1], out[2]);
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	free(base);
	if (!text) {
		reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
		            "cannot encode the suggestions");
		return;
	}
	reply_raw(r, MHD_HTTP_OK, "application/x-suggestions+json", text, strlen(text));
}
