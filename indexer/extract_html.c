/*
 * extract_html.c - records from one HTML page: its visible text, its
 * sections and its JSON-LD (Product, FAQPage, BreadcrumbList, TechArticle,
 * HowTo).  See extract.h for what a page yields.
 *
 * The page is parsed by libxml2's forgiving HTML parser and the tree is
 * walked without recursion, so a hostile page (thousands of nested tags)
 * costs memory but never the stack.  Text is gathered in document order
 * with a space wherever a block element starts or ends, so "<p>a</p><p>b</p>"
 * reads "a b" and not "ab".  The one pass over the content root also cuts
 * the text at every h2/h3, which is what the section split needs.
 *
 * libxml2 reports through process-wide handlers; while a page is parsed we
 * install silent ones and put the caller's back afterwards, so a broken
 * page never writes to stderr and the caller's own handlers survive.
 */
#define _POSIX_C_SOURCE 200809L
#include "extract.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/globals.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "util.h"

#define HTML_OPTIONS                                                                    \
	(HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET | \
	 HTML_PARSE_COMPACT)

/* A page is split into sections when it is long enough that one record
 * would bury the answer: at least this many h2/h3 and words. */
#define SPLIT_MIN_HEADINGS 3
#define SPLIT_MIN_WORDS 600
/* Text before the first section only becomes a record when it says
 * something on its own. */
#define INTRO_MIN_WORDS 30
#define SLUG_MAX 80
/* Where a charset declaration is looked for: the head of any sane page. */
#define CHARSET_SCAN_BYTES 65536

/* A JSON-LD object found on the page, borrowed from page.blocks. */
struct ld_ref {
	json_t *obj;
	long line; /* of its <script> */
};

struct ld_list {
	struct ld_ref *v;
	size_t n, alloc;
};

struct section {
	char *heading; /* NULL for the text before the first h2/h3 */
	char *anchor;
	struct strbuf text;
};

struct page {
	const char *data; /* the raw page */
	size_t len;
	bool other_charset; /* not UTF-8: raw bytes differ from the tree's */
	size_t ld_cursor;   /* where the next JSON-LD block is looked for */
	const char *relpath;
	const struct extract_sink *sink;
	xmlParserCtxtPtr ctxt; /* reused for answer fragments */
	xmlDocPtr doc;
	xmlNodePtr html, head, body, content, title_el;
	char *title, *description, *first_h1;
	const char *lang;
	bool manual;
	const char *manual_lang; /* inLanguage of the TechArticle/HowTo */

	json_t *blocks; /* every parsed JSON-LD block, owning what ld_refs borrow */
	json_t *crumbs; /* array of breadcrumb names, NULL when none */
	json_t *used;    /* record ids handed out, to keep them unique */
	json_t *anchors; /* section fragments handed out */
	struct ld_list products, faqs;

	/* filled by the content walk */
	struct strbuf all, headings;
	struct section *secs;
	size_t nsecs, secs_alloc;
	size_t emitted;
};

/* ---- small helpers ---------------------------------------------------- */

static bool name_is(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->name &&
	       strcasecmp((const char *)n->name, name) == 0;
}

static bool name_in(const xmlNode *n, const char *const *names)
{
	for (size_t i = 0; names[i]; i++)
		if (name_is(n, names[i]))
			return true;
	return false;
}

/* Attribute value, new: xmlFree(); NULL when absent. */
static char *attr(const xmlNode *n, const char *name)
{
	return (char *)xmlGetProp(n, (const xmlChar *)name);
}

static bool attr_equals(const xmlNode *n, const char *name, const char *want)
{
	char *v = attr(n, name);
	bool eq = v && strcasecmp(v, want) == 0;
	xmlFree(v);
	return eq;
}

/* Add a string known to come from a parser to a record.  libxml2 and
 * jansson only hand out UTF-8, but json_string() would silently return
 * NULL if that ever failed, so bad bytes are replaced instead. */
static void rec_set(json_t *rec, const char *key, const char *val)
{
	if (!val)
		return;
	json_t *s = json_string(val);
	if (!s) {
		char *fix = xstrdup(val);
		size_t len = strlen(fix), bad;
		while (!utf8_valid(fix, len, &bad))
			fix[bad] = '?';
		s = json_string(fix);
		free(fix);
	}
	json_object_set_new(rec, key, s);
}

static void strbuf_space(struct strbuf *sb)
{
	if (sb->len && sb->buf[sb->len - 1] != ' ')
		strbuf_addch(sb, ' ');
}

static size_t count_words(const char *s)
{
	size_t n = 0;
	bool in = false;
	for (; *s; s++) {
		bool sp = isspace((unsigned char)*s);
		if (!sp && !in)
			n++;
		in = !sp;
	}
	return n;
}

/* Does the page declare a charset other than UTF-8?  Then libxml2 does the
 * converting and the bytes need not be UTF-8.  This is only a sniff for
 * "charset=" the way browsers prescan; the parser reads the real thing. */
static bool declares_other_charset(const char *data, size_t len)
{
	size_t end = len < CHARSET_SCAN_BYTES ? len : CHARSET_SCAN_BYTES;
	static const char key[] = "charset";
	size_t klen = sizeof key - 1;
	for (size_t i = 0; i + klen < end; i++) {
		if (strncasecmp(data + i, key, klen) != 0)
			continue;
		size_t j = i + klen;
		while (j < end && isspace((unsigned char)data[j]))
			j++;
		if (j >= end || data[j] != '=')
			continue;
		j++;
		while (j < end && (isspace((unsigned char)data[j]) || data[j] == '"' || data[j] == '\''))
			j++;
		size_t start = j;
		while (j < end && (isalnum((unsigned char)data[j]) || strchr("-_.:", data[j])))
			j++;
		size_t n = j - start;
		if (!n)
			continue;
		if (!((n == 5 && strncasecmp(data + start, "utf-8", 5) == 0) ||
		      (n == 4 && strncasecmp(data + start, "utf8", 4) == 0)))
			return true;
	}
	return false;
}

static void silent_structured(void *ctx, xmlErrorPtr error)
{
	(void)ctx;
	(void)error;
}

static void silent_generic(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

/* ---- tree walking ----------------------------------------------------- */

/* Elements whose text is not the page's content. */
static const char *const dropped_names[] = {
	"script", "style", "noscript", "template", "nav",    "header", "footer",
	"aside",  "svg",   "form",     "button",   "iframe", "object", "canvas",
	"select", "textarea", "noembed", "noframes", "math", NULL,
};

/* Elements that do not break a word: everything else does. */
static const char *const inline_names[] = {
	"a",    "abbr", "b",    "bdi",    "bdo",    "cite", "code", "data", "dfn",
	"em",   "i",    "kbd",  "mark",   "q",      "s",    "samp", "small", "span",
	"strong", "sub", "sup", "time",   "u",      "var",  "font", "big",  "tt",
	"strike", "ins", "del", "label",  "ruby",   "rt",   "rp",   NULL,
};

static bool is_dropped(const xmlNode *n)
{
	return n->type == XML_ELEMENT_NODE && name_in(n, dropped_names);
}

static bool is_block(const xmlNode *n)
{
	return n->type == XML_ELEMENT_NODE && !name_in(n, inline_names);
}

/*
 * Visit the nodes below top in document order.  enter() says whether to go
 * into a node's children; leave() is called for every node once its
 * children (if entered) are done.  Iterative, so depth costs no stack.
 */
typedef bool (*walk_enter_fn)(void *ctx, xmlNodePtr n);
typedef void (*walk_leave_fn)(void *ctx, xmlNodePtr n);

static void walk(xmlNodePtr top, walk_enter_fn enter, walk_leave_fn leave, void *ctx)
{
	xmlNodePtr cur = top ? top->children : NULL;
	while (cur) {
		if (enter(ctx, cur) && cur->children) {
			cur = cur->children;
			continue;
		}
		if (leave)
			leave(ctx, cur);
		while (!cur->next) {
			cur = cur->parent;
			if (!cur || cur == top)
				return;
			if (leave)
				leave(ctx, cur);
		}
		cur = cur->next;
	}
}

static bool is_text(const xmlNode *n)
{
	return n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE;
}

static bool text_enter(void *ctx, xmlNodePtr n)
{
	struct strbuf *sb = ctx;
	if (is_text(n)) {
		if (n->content)
			strbuf_addstr(sb, (const char *)n->content);
		return false;
	}
	if (n->type != XML_ELEMENT_NODE)
		return false;
	if (is_block(n))
		strbuf_space(sb);
	return !is_dropped(n);
}

static void text_leave(void *ctx, xmlNodePtr n)
{
	if (is_block(n))
		strbuf_space(ctx);
}

/* The visible text below n, whitespace squeezed.  New: free(). */
static char *node_text(xmlNodePtr n)
{
	struct strbuf sb = STRBUF_INIT;
	walk(n, text_enter, text_leave, &sb);
	strbuf_squeeze_space(&sb);
	return strbuf_detach(&sb, NULL);
}

/* Plain text of an HTML fragment found in JSON-LD (an FAQ answer is often
 * "<p>..</p><ul>..</ul>").  New: free(). */
static char *fragment_text(struct page *pg, const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	if (!strpbrk(s, "<&")) {
		strbuf_addstr(&sb, s);
		strbuf_squeeze_space(&sb);
		return strbuf_detach(&sb, NULL);
	}
	size_t len = strlen(s);
	if (len > INT_MAX)
		return strbuf_detach(&sb, NULL);
	xmlDocPtr doc = htmlCtxtReadMemory(pg->ctxt, s, (int)len, NULL, "UTF-8", HTML_OPTIONS);
	if (doc) {
		walk((xmlNodePtr)doc, text_enter, text_leave, &sb);
		xmlFreeDoc(doc);
	}
	strbuf_squeeze_space(&sb);
	return strbuf_detach(&sb, NULL);
}

/* ---- first pass: head, meta, scripts, landmarks ------------------------ */

static void ld_list_add(struct ld_list *l, json_t *obj, long line)
{
	if (l->n == l->alloc) {
		l->alloc = l->alloc ? l->alloc * 2 : 4;
		l->v = xrealloc(l->v, l->alloc * sizeof *l->v);
	}
	l->v[l->n].obj = obj;
	l->v[l->n].line = line;
	l->n++;
}

static bool is_ld_script(xmlNodePtr n)
{
	if (!name_is(n, "script"))
		return false;
	char *type = attr(n, "type");
	bool yes = false;
	if (type) {
		const char *t = type;
		while (isspace((unsigned char)*t))
			t++;
		static const char want[] = "application/ld+json";
		yes = strncasecmp(t, want, sizeof want - 1) == 0 &&
		      (t[sizeof want - 1] == '\0' || t[sizeof want - 1] == ';' ||
		       isspace((unsigned char)t[sizeof want - 1]));
	}
	xmlFree(type);
	return yes;
}

static void ld_parse_block(struct page *pg, xmlNodePtr script);

static bool scan_enter(void *ctx, xmlNodePtr n)
{
	struct page *pg = ctx;
	if (n->type != XML_ELEMENT_NODE)
		return false;
	if (name_is(n, "html") && !pg->html)
		pg->html = n;
	else if (name_is(n, "head") && !pg->head)
		pg->head = n;
	else if (name_is(n, "body") && !pg->body)
		pg->body = n;
	else if (name_is(n, "title") && !pg->title_el)
		pg->title_el = n;
	else if (name_is(n, "meta")) {
		char *name = attr(n, "name");
		if (!name)
			name = attr(n, "property");
		if (name && (strcasecmp(name, "description") == 0 ||
		             (strcasecmp(name, "og:description") == 0 && !pg->description))) {
			char *content = attr(n, "content");
			if (content) {
				struct strbuf sb = STRBUF_INIT;
				strbuf_addstr(&sb, content);
				strbuf_squeeze_space(&sb);
				free(pg->description);
				pg->description = strbuf_detach(&sb, NULL);
			}
			xmlFree(content);
		} else if (name && strcasecmp(name, "vraagbaak:type") == 0 &&
		           attr_equals(n, "content", "manual")) {
			pg->manual = true;
		}
		xmlFree(name);
	} else if (is_ld_script(n)) {
		ld_parse_block(pg, n);
		return false;
	}
	/* An <svg> has its own <title>; scripts and styles have no elements. */
	return !name_is(n, "svg") && !name_is(n, "script") && !name_is(n, "style");
}

/* Find <main> / role=main and the first h1 in the body, outside the parts
 * that are dropped anyway. */
static bool landmark_enter(void *ctx, xmlNodePtr n)
{
	struct page *pg = ctx;
	if (n->type != XML_ELEMENT_NODE || is_dropped(n))
		return false;
	if (!pg->content && (name_is(n, "main") || attr_equals(n, "role", "main")))
		pg->content = n;
	if (!pg->first_h1 && name_is(n, "h1")) {
		char *t = node_text(n);
		if (*t)
			pg->first_h1 = t;
		else
			free(t);
	}
	return true;
}

/* ---- JSON-LD ------------------------------------------------------------ */

/* Is an object of the given schema.org type?  "@type" may be a string or
 * an array, and spelt "Product", "schema:Product" or a full URL. */
/* A schema.org name without its vocabulary: "Product" of "Product",
 * "schema:Product" and "https://schema.org/Product". */
static const char *local_name(const char *t)
{
	const char *slash = strrchr(t, '/');
	if (slash)
		t = slash + 1;
	const char *colon = strrchr(t, ':');
	return colon ? colon + 1 : t;
}

static bool type_name_is(const char *t, const char *want)
{
	return strcmp(local_name(t), want) == 0;
}

static bool ld_is(json_t *obj, const char *want)
{
	json_t *t = json_object_get(obj, "@type");
	if (json_is_string(t))
		return type_name_is(json_string_value(t), want);
	size_t i;
	json_t *v;
	json_array_foreach(t, i, v) {
		if (json_is_string(v) && type_name_is(json_string_value(v), want))
			return true;
	}
	return false;
}

/* A property that may be given once or as an array: the first one. */
static json_t *ld_first(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	if (json_is_array(v))
		return json_array_get(v, 0);
	return v;
}

static const char *ld_str(json_t *obj, const char *key)
{
	return json_string_value(ld_first(obj, key));
}

/* "en", "en-GB" -> "en"; anything else -> "nl". */
static const char *lang_code(const char *s)
{
	if (s && strncasecmp(s, "en", 2) == 0 && (s[2] == '\0' || s[2] == '-' || s[2] == '_'))
		return "en";
	return "nl";
}

static const char *ld_lang(json_t *obj, const char *fallback)
{
	const char *l = ld_str(obj, "inLanguage");
	return l ? lang_code(l) : fallback;
}

static void ld_breadcrumb(struct page *pg, json_t *list)
{
	json_t *items = json_object_get(list, "itemListElement");
	if (!json_is_array(items) || pg->crumbs)
		return;
	struct crumb {
		double pos;
		const char *name;
	} *v = xcalloc(json_array_size(items), sizeof *v);
	size_t n = 0;
	bool positioned = true;
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it) {
		const char *name = ld_str(it, "name");
		if (!name)
			name = ld_str(json_object_get(it, "item"), "name");
		if (!name)
			continue;
		json_t *pos = json_object_get(it, "position");
		double p = 0;
		if (json_is_number(pos))
			p = json_number_value(pos);
		else if (!(json_is_string(pos) && parse_double(json_string_value(pos), &p)))
			positioned = false;
		v[n].pos = p;
		v[n].name = name;
		n++;
	}
	/* Lists usually come in order, but "position" is what counts. */
	if (positioned) {
		for (size_t a = 1; a < n; a++) {
			struct crumb c = v[a];
			size_t b = a;
			for (; b > 0 && v[b - 1].pos > c.pos; b--)
				v[b] = v[b - 1];
			v[b] = c;
		}
	}
	pg->crumbs = json_array();
	for (size_t k = 0; k < n; k++) {
		struct strbuf sb = STRBUF_INIT;
		strbuf_addstr(&sb, v[k].name);
		strbuf_squeeze_space(&sb);
		if (sb.len)
			json_array_append_new(pg->crumbs, json_string(sb.buf));
		strbuf_release(&sb);
	}
	free(v);
}

static void ld_classify(struct page *pg, json_t *obj, long line)
{
	if (!json_is_object(obj))
		return;
	if (ld_is(obj, "Product"))
		ld_list_add(&pg->products, obj, line);
	else if (ld_is(obj, "FAQPage"))
		ld_list_add(&pg->faqs, obj, line);
	else if (ld_is(obj, "BreadcrumbList"))
		ld_breadcrumb(pg, obj);
	else if (ld_is(obj, "TechArticle") || ld_is(obj, "HowTo")) {
		pg->manual = true;
		if (!pg->manual_lang && ld_str(obj, "inLanguage"))
			pg->manual_lang = lang_code(ld_str(obj, "inLanguage"));
	}
	/* A WebPage often carries the breadcrumb or the FAQ inside it. */
	json_t *bc = json_object_get(obj, "breadcrumb");
	if (json_is_object(bc) && ld_is(bc, "BreadcrumbList"))
		ld_breadcrumb(pg, bc);
	json_t *me = json_object_get(obj, "mainEntity");
	if (json_is_object(me) && ld_is(me, "FAQPage"))
		ld_list_add(&pg->faqs, me, line);
}

/*
 * The line of a <script>.  libxml2 2.9 keeps HTML line numbers in 16 bits
 * (XML_PARSE_BIG_LINES is not honoured by the HTML parser), so past line
 * 65535 the block's text is looked up in the raw bytes instead: script
 * content is not decoded, so in a UTF-8 page it is there byte for byte.
 */
static long script_line(struct page *pg, xmlNodePtr script, const char *text)
{
	long line = xmlGetLineNo(script);
	size_t n = strlen(text);
	if (line < 65535 || pg->other_charset || !n)
		return line < 0 ? 0 : line;
	for (size_t i = pg->ld_cursor; i + n <= pg->len; i++) {
		const char *hit = memchr(pg->data + i, text[0], pg->len - n + 1 - i);
		if (!hit)
			break;
		i = (size_t)(hit - pg->data);
		if (memcmp(hit, text, n) == 0) {
			pg->ld_cursor = i + n;
			return text_line_at(pg->data, i);
		}
	}
	return line;
}

static void ld_parse_block(struct page *pg, xmlNodePtr script)
{
	xmlChar *text = xmlNodeGetContent(script);
	const char *s = text ? (const char *)text : "";
	long line = script_line(pg, script, s);
	json_error_t jerr;
	json_t *root = json_loadb(s, strlen(s), 0, &jerr);
	xmlFree(text);
	if (!root) {
		char *msg = xasprintf("invalid JSON-LD: %s", jerr.text);
		pg->sink->problem(pg->sink->ctx, line, msg);
		free(msg);
		return;
	}
	json_array_append_new(pg->blocks, root);

	json_t *list = root;
	if (json_is_object(root)) {
		json_t *graph = json_object_get(root, "@graph");
		if (graph) {
			ld_classify(pg, root, line);
			list = graph;
		}
	}
	if (json_is_array(list)) {
		size_t i;
		json_t *v;
		json_array_foreach(list, i, v) {
			ld_classify(pg, v, line);
		}
	} else {
		ld_classify(pg, list, line);
	}
}

/* ---- the content walk --------------------------------------------------- */

static struct section *section_add(struct page *pg, char *heading, char *anchor)
{
	if (pg->nsecs == pg->secs_alloc) {
		pg->secs_alloc = pg->secs_alloc ? pg->secs_alloc * 2 : 8;
		pg->secs = xrealloc(pg->secs, pg->secs_alloc * sizeof *pg->secs);
	}
	struct section *s = &pg->secs[pg->nsecs++];
	s->heading = heading;
	s->anchor = anchor;
	strbuf_init(&s->text, 0);
	return s;
}

static bool heading_level(const xmlNode *n, int *level)
{
	if (n->type != XML_ELEMENT_NODE || !n->name)
		return false;
	const char *nm = (const char *)n->name;
	if ((nm[0] != 'h' && nm[0] != 'H') || nm[1] < '1' || nm[1] > '6' || nm[2])
		return false;
	*level = nm[1] - '0';
	return true;
}

/* Make id unique within set: "x", "x-2", "x-3", ...  New: free(). */
static char *unique_in(json_t *set, const char *id)
{
	char *u = xstrdup(id);
	for (int k = 2; json_object_get(set, u); k++) {
		free(u);
		u = xasprintf("%s-%d", id, k);
	}
	json_object_set_new(set, u, json_true());
	return u;
}

static char *unique_id(struct page *pg, const char *id)
{
	return unique_in(pg->used, id);
}

static bool id_enter(void *ctx, xmlNodePtr n)
{
	char **found = ctx;
	if (*found || n->type != XML_ELEMENT_NODE)
		return false;
	char *id = attr(n, "id");
	if (!id && name_is(n, "a"))
		id = attr(n, "name");
	if (id && *id)
		*found = xstrdup(id);
	xmlFree(id);
	return !*found;
}

/*
 * The fragment that links to a section: the heading's id, else the id of
 * the <section> it opens, else an anchor inside it, else a slug.
 */
static char *section_anchor(struct page *pg, xmlNodePtr h, const char *heading)
{
	char *a = NULL;
	char *id = attr(h, "id");
	if (id && *id)
		a = xstrdup(id);
	xmlFree(id);
	for (xmlNodePtr p = h->parent; !a && p && p != pg->content; p = p->parent) {
		if (!name_is(p, "section"))
			continue;
		char *sid = attr(p, "id");
		/* A section with several headings links only to its first. */
		if (sid && *sid && !json_object_get(pg->anchors, sid))
			a = xstrdup(sid);
		xmlFree(sid);
		break;
	}
	if (!a)
		walk(h, id_enter, NULL, &a);
	if (!a)
		a = extract_slug(heading);
	char *u = unique_in(pg->anchors, a);
	free(a);
	return u;
}

static void content_add(struct page *pg, const char *s)
{
	strbuf_addstr(&pg->all, s);
	strbuf_addstr(&pg->secs[pg->nsecs - 1].text, s);
}

static void content_space(struct page *pg)
{
	strbuf_space(&pg->all);
	strbuf_space(&pg->secs[pg->nsecs - 1].text);
}

static bool content_enter(void *ctx, xmlNodePtr n)
{
	struct page *pg = ctx;
	if (is_text(n)) {
		if (n->content)
			content_add(pg, (const char *)n->content);
		return false;
	}
	if (n->type != XML_ELEMENT_NODE)
		return false;
	if (is_block(n))
		content_space(pg);
	if (is_dropped(n))
		return false;
	int level;
	if (!heading_level(n, &level))
		return true;
	char *t = node_text(n);
	if (*t) {
		strbuf_addstr(&pg->headings, t);
		strbuf_addch(&pg->headings, '\n');
	}
	if ((level == 2 || level == 3) && *t) {
		/* The heading is the section's title, not part of its body. */
		strbuf_addstr(&pg->all, t);
		strbuf_space(&pg->all);
		section_add(pg, t, section_anchor(pg, n, t));
		return false;
	}
	free(t);
	return true;
}

static void content_leave(void *ctx, xmlNodePtr n)
{
	if (is_block(n))
		content_space(ctx);
}

/* ---- records ------------------------------------------------------------ */

static bool crumb_is_home(const char *s)
{
	static const char *const home[] = {"home", "thuis", "start", "homepage", "startpagina", NULL};
	for (size_t i = 0; home[i]; i++)
		if (strcasecmp(s, home[i]) == 0)
			return true;
	return false;
}

static bool same_title(const char *a, const char *b)
{
	return a && b && strcasecmp(a, b) == 0;
}

/* "Zwembaden > Opzetzwembaden" from the breadcrumb, without the home link
 * and without the page itself.  New: free(); NULL when there is none. */
static char *page_category(const struct page *pg, const char *own)
{
	size_t n = json_array_size(pg->crumbs), start = 0;
	if (!n)
		return NULL;
	if (crumb_is_home(json_string_value(json_array_get(pg->crumbs, 0))))
		start = 1;
	if (n > start) {
		const char *last = json_string_value(json_array_get(pg->crumbs, n - 1));
		if (same_title(last, own) || same_title(last, pg->title) || same_title(last, pg->first_h1))
			n--;
	}
	if (n <= start)
		return NULL;
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = start; i < n; i++) {
		if (i > start)
			strbuf_addstr(&sb, " > ");
		strbuf_addstr(&sb, json_string_value(json_array_get(pg->crumbs, i)));
	}
	return strbuf_detach(&sb, NULL);
}

static json_t *record_new(struct page *pg, const char *id, const char *type, const char *lang,
                          const char *title, const char *body, const char *url)
{
	json_t *rec = json_object();
	rec_set(rec, "id", id);
	rec_set(rec, "type", type);
	rec_set(rec, "lang", lang);
	rec_set(rec, "title", title ? title : "");
	rec_set(rec, "body", body ? body : "");
	rec_set(rec, "url", url ? url : pg->relpath);
	char *cat = page_category(pg, title);
	rec_set(rec, "category", cat);
	free(cat);
	return rec;
}

static void record_emit(struct page *pg, json_t *rec)
{
	pg->emitted++;
	pg->sink->emit(pg->sink->ctx, rec);
}

/* Price as a number: JSON-LD writes it as 12.5, "12.50" or "12,50". */
static bool ld_price(json_t *v, double *out)
{
	if (json_is_number(v)) {
		*out = json_number_value(v);
	} else if (json_is_string(v)) {
		char *s = xstrdup(json_string_value(v));
		char *comma = strchr(s, ',');
		if (comma && !strchr(s, '.') && !strchr(comma + 1, ','))
			*comma = '.';
		bool ok = parse_double(s, out);
		free(s);
		if (!ok)
			return false;
	} else {
		return false;
	}
	return isfinite(*out) && *out >= 0;
}

/* "https://schema.org/InStock" -> "in_stock".  New: free(). */
static char *availability_code(const char *s)
{
	static const struct {
		const char *from, *to;
	} map[] = {
		{"InStock", "in_stock"},       {"OutOfStock", "out_of_stock"},
		{"PreOrder", "preorder"},      {"BackOrder", "backorder"},
		{"LimitedAvailability", "limited"},
	};
	const char *seg = local_name(s);
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcasecmp(seg, map[i].from) == 0)
			return xstrdup(map[i].to);
	char *low = xstrdup(seg);
	str_lower_ascii(low);
	return low;
}

/* A JSON-LD scalar as text: "30", "1.5", "ja".  New: free(); NULL for
 * anything that is not a scalar. */
static char *scalar_text(json_t *v)
{
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_integer(v))
		return xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
	if (json_is_real(v))
		return xasprintf("%.15g", json_real_value(v));
	if (json_is_boolean(v))
		return xstrdup(json_is_true(v) ? "true" : "false");
	return NULL;
}

static void product_offer(json_t *rec, json_t *offers)
{
	json_t *offer = json_is_array(offers) ? json_array_get(offers, 0) : offers;
	if (!json_is_object(offer))
		return;
	double price;
	json_t *spec = ld_first(offer, "priceSpecification");
	if (ld_price(json_object_get(offer, "price"), &price) ||
	    ld_price(json_object_get(offer, "lowPrice"), &price) ||
	    ld_price(json_object_get(spec, "price"), &price))
		json_object_set_new(rec, "price", json_real(price));
	const char *cur = ld_str(offer, "priceCurrency");
	if (!cur)
		cur = ld_str(spec, "priceCurrency");
	rec_set(rec, "currency", cur);
	const char *av = ld_str(offer, "availability");
	if (av) {
		char *code = availability_code(av);
		rec_set(rec, "availability", code);
		free(code);
	}
}

static void product_specs(json_t *rec, json_t *props)
{
	json_t *specs = json_object();
	json_t *one = json_is_object(props) ? props : NULL;
	size_t i, n = one ? 1 : json_array_size(props);
	for (i = 0; i < n; i++) {
		json_t *p = one ? one : json_array_get(props, i);
		const char *name = ld_str(p, "name");
		char *value = scalar_text(json_object_get(p, "value"));
		const char *unit = ld_str(p, "unitText");
		if (name && *name && value) {
			char *v = unit && *unit ? xasprintf("%s %s", value, unit) : xstrdup(value);
			rec_set(specs, name, v);
			free(v);
		}
		free(value);
	}
	if (json_object_size(specs))
		json_object_set_new(rec, "specs", specs);
	else
		json_decref(specs);
}

static void emit_product(struct page *pg, const struct ld_ref *ref, size_t index)
{
	json_t *p = ref->obj;
	char *name = NULL, *desc = NULL, *id = NULL;
	const char *s = ld_str(p, "name");
	name = s ? fragment_text(pg, s) : xstrdup(pg->title ? pg->title : "");
	s = ld_str(p, "description");
	desc = s ? fragment_text(pg, s) : NULL;

	/* Several products on one page: the first owns the page's id. */
	if (index == 0) {
		id = unique_id(pg, pg->relpath);
	} else {
		const char *sku = ld_str(p, "sku");
		char *slug = extract_slug(sku ? sku : name);
		char *base = xasprintf("%s#%s", pg->relpath, slug);
		id = unique_id(pg, base);
		free(base);
		free(slug);
	}

	/* The product's own description leads; the page text follows, since
	 * it carries what the shop wrote around the product. */
	struct strbuf body = STRBUF_INIT;
	if (desc)
		strbuf_addstr(&body, desc);
	if (pg->all.len) {
		if (body.len)
			strbuf_addstr(&body, "\n\n");
		strbuf_addstr(&body, pg->all.buf);
	}

	json_t *rec = record_new(pg, id, "product", ld_lang(p, pg->lang), name, body.buf, pg->relpath);
	if (pg->description && *pg->description)
		rec_set(rec, "description", pg->description);
	else if (desc && *desc)
		rec_set(rec, "description", desc);
	if (pg->headings.len)
		rec_set(rec, "headings", pg->headings.buf);
	rec_set(rec, "sku", ld_str(p, "sku"));
	json_t *brand = ld_first(p, "brand");
	rec_set(rec, "brand", json_is_string(brand) ? json_string_value(brand) : ld_str(brand, "name"));
	static const char *const gtins[] = {"gtin13", "gtin", "gtin14", "gtin12", "gtin8", NULL};
	for (size_t i = 0; gtins[i]; i++) {
		char *g = scalar_text(json_object_get(p, gtins[i]));
		if (g) {
			rec_set(rec, "gtin", g);
			free(g);
			break;
		}
	}
	product_offer(rec, json_object_get(p, "offers"));
	product_specs(rec, json_object_get(p, "additionalProperty"));
	record_emit(pg, rec);

	strbuf_release(&body);
	free(name);
	free(desc);
	free(id);
}

/* "https://shop.nl/faq/retour#vraag" -> "faq/retour#vraag".  New: free(). */
static char *site_relative(const char *url)
{
	const char *p = url;
	if (strncasecmp(p, "http://", 7) == 0)
		p += 7;
	else if (strncasecmp(p, "https://", 8) == 0)
		p += 8;
	else if (strncmp(p, "//", 2) == 0)
		p += 2;
	if (p != url)
		p += strcspn(p, "/?#");
	while (*p == '/')
		p++;
	return xstrdup(p);
}

static void emit_faq(struct page *pg, const struct ld_ref *ref)
{
	json_t *me = json_object_get(ref->obj, "mainEntity");
	json_t *one = json_is_object(me) ? me : NULL;
	size_t n = one ? 1 : json_array_size(me);
	const char *lang = ld_lang(ref->obj, pg->lang);
	for (size_t i = 0; i < n; i++) {
		json_t *q = one ? one : json_array_get(me, i);
		const char *qname = ld_str(q, "name");
		const char *qtext = ld_str(ld_first(q, "acceptedAnswer"), "text");
		if (!qname || !qtext) {
			pg->sink->problem(pg->sink->ctx, ref->line,
			                  "faq question without \"name\" or answer \"text\" skipped");
			continue;
		}
		char *title = fragment_text(pg, qname);
		char *answer = fragment_text(pg, qtext);
		char *url = NULL, *base = NULL, *id = NULL;
		const char *qurl = ld_str(q, "url");
		if (qurl)
			url = site_relative(qurl);
		if (url && url[0] == '#') {
			char *u = xasprintf("%s%s", pg->relpath, url);
			free(url);
			url = u;
		} else if (!url || !*url) {
			free(url);
			url = xstrdup(pg->relpath);
		}
		const char *frag = strchr(url, '#');
		if (frag && frag[1]) {
			base = xasprintf("%s#%s", pg->relpath, frag + 1);
		} else {
			char *slug = extract_slug(title);
			base = xasprintf("%s#%s", pg->relpath, slug);
			free(slug);
		}
		id = unique_id(pg, base);
		json_t *rec = record_new(pg, id, "faq", ld_lang(q, lang), title, answer, url);
		record_emit(pg, rec);
		free(title);
		free(answer);
		free(url);
		free(base);
		free(id);
	}
}

static void emit_sections(struct page *pg, bool split)
{
	const char *type = pg->manual ? "manual" : "page";
	const char *lang = pg->manual_lang ? pg->manual_lang : pg->lang;
	struct strbuf *intro = &pg->secs[0].text;
	strbuf_squeeze_space(intro);
	strbuf_squeeze_space(&pg->all);

	if (!split || count_words(intro->buf ? intro->buf : "") >= INTRO_MIN_WORDS) {
		const char *body = split ? intro->buf : pg->all.buf;
		json_t *rec = record_new(pg, pg->relpath, type, lang, pg->title, body, pg->relpath);
		if (pg->description && *pg->description)
			rec_set(rec, "description", pg->description);
		/* A split page's intro is not about its sections: their
		 * headings belong to the section records, else the intro
		 * would outrank the very section a query is about. */
		if (pg->headings.len && !split)
			rec_set(rec, "headings", pg->headings.buf);
		if (split)
			rec_set(rec, "part", "intro");
		record_emit(pg, rec);
	}
	if (!split)
		return;
	for (size_t i = 1; i < pg->nsecs; i++) {
		struct section *s = &pg->secs[i];
		strbuf_squeeze_space(&s->text);
		char *id = xasprintf("%s#%s", pg->relpath, s->anchor);
		json_t *rec = record_new(pg, id, type, lang, s->heading, s->text.buf, id);
		rec_set(rec, "page_title", pg->title);
		rec_set(rec, "part", "section");
		record_emit(pg, rec);
		free(id);
	}
}

/* <title> without its " | Shop" or " - Shop" tail; else the first h1. */
static char *page_title(struct page *pg)
{
	char *t = pg->title_el ? node_text(pg->title_el) : xstrdup("");
	static const char *const seps[] = {" | ", " - ", " \xe2\x80\x93 ", " \xe2\x80\x94 ", NULL};
	for (size_t i = 0; seps[i]; i++) {
		char *cut = NULL;
		for (char *p = strstr(t, seps[i]); p; p = strstr(p + 1, seps[i]))
			cut = p;
		if (cut && cut != t) {
			*cut = '\0';
			break;
		}
	}
	if (!*t && pg->first_h1) {
		free(t);
		t = xstrdup(pg->first_h1);
	}
	return t;
}

static void page_release(struct page *pg)
{
	if (pg->doc)
		xmlFreeDoc(pg->doc);
	if (pg->ctxt)
		htmlFreeParserCtxt(pg->ctxt);
	free(pg->title);
	free(pg->description);
	free(pg->first_h1);
	json_decref(pg->blocks);
	json_decref(pg->crumbs);
	json_decref(pg->used);
	json_decref(pg->anchors);
	free(pg->products.v);
	free(pg->faqs.v);
	strbuf_release(&pg->all);
	strbuf_release(&pg->headings);
	for (size_t i = 0; i < pg->nsecs; i++) {
		free(pg->secs[i].heading);
		free(pg->secs[i].anchor);
		strbuf_release(&pg->secs[i].text);
	}
	free(pg->secs);
}

int extract_html(const char *data, size_t len, const char *relpath,
                 const struct extract_sink *sink, char **err, long *err_line)
{
	int rc = -1;
	struct page pg;
	memset(&pg, 0, sizeof pg);
	pg.data = data;
	pg.len = len;
	pg.relpath = relpath;
	pg.sink = sink;
	pg.lang = "nl";
	strbuf_init(&pg.all, 0);
	strbuf_init(&pg.headings, 0);
	pg.blocks = json_array();
	pg.used = json_object();
	pg.anchors = json_object();

	xmlStructuredErrorFunc old_serror = xmlStructuredError;
	void *old_sctx = xmlStructuredErrorContext;
	xmlGenericErrorFunc old_gerror = xmlGenericError;
	void *old_gctx = xmlGenericErrorContext;
	bool silenced = false;

	if (err_line)
		*err_line = 0;
	if (len > (size_t)EXTRACT_MAX_FILE) {
		vb_error(err, "page is larger than %ld bytes", EXTRACT_MAX_FILE);
		goto out;
	}
	if (!relpath || !utf8_valid(relpath, strlen(relpath), NULL)) {
		vb_error(err, "page path is not valid UTF-8");
		goto out;
	}
	size_t bad;
	pg.other_charset = declares_other_charset(data, len);
	if (!pg.other_charset && !utf8_valid(data, len, &bad)) {
		if (err_line)
			*err_line = text_line_at(data, bad);
		vb_error(err, "invalid UTF-8");
		goto out;
	}

	xmlInitParser();
	xmlSetStructuredErrorFunc(NULL, silent_structured);
	xmlSetGenericErrorFunc(NULL, silent_generic);
	silenced = true;
	pg.ctxt = htmlNewParserCtxt();
	if (!pg.ctxt) {
		vb_error(err, "cannot create an HTML parser");
		goto out;
	}
	/* A declared charset other than UTF-8 is left to libxml2 (a NULL
	 * encoding lets <meta charset> win).  Otherwise the bytes were checked
	 * to be UTF-8 above and we say so: left to guess, libxml2 2.9 reads an
	 * undeclared page as Latin-1 and "café" would come out as "cafÃ©". */
	if (len)
		pg.doc = htmlCtxtReadMemory(pg.ctxt, data, (int)len, relpath,
		                            pg.other_charset ? NULL : "UTF-8", HTML_OPTIONS);
	if (!pg.doc) {
		vb_error(err, "no indexable text");
		goto out;
	}

	walk((xmlNodePtr)pg.doc, scan_enter, NULL, &pg);
	if (pg.html) {
		char *l = attr(pg.html, "lang");
		if (!l)
			l = (char *)xmlGetNsProp(pg.html, (const xmlChar *)"lang", XML_XML_NAMESPACE);
		pg.lang = lang_code(l);
		xmlFree(l);
	}
	walk(pg.body, landmark_enter, NULL, &pg);
	if (!pg.content)
		pg.content = pg.body ? pg.body : xmlDocGetRootElement(pg.doc);
	pg.title = page_title(&pg);

	section_add(&pg, NULL, NULL);
	walk(pg.content, content_enter, content_leave, &pg);
	strbuf_squeeze_space(&pg.all);
	if (pg.headings.len && pg.headings.buf[pg.headings.len - 1] == '\n')
		pg.headings.buf[--pg.headings.len] = '\0';

	for (size_t i = 0; i < pg.products.n; i++)
		emit_product(&pg, &pg.products.v[i], i);
	for (size_t i = 0; i < pg.faqs.n; i++)
		emit_faq(&pg, &pg.faqs.v[i]);
	if (pg.emitted) {
		rc = 0;
		goto out;
	}

	if (!pg.all.len && !*pg.title && !(pg.description && *pg.description)) {
		vb_error(err, "no indexable text");
		goto out;
	}
	size_t nheadings = pg.nsecs - 1;
	bool split = nheadings &&
	             (pg.manual || (nheadings >= SPLIT_MIN_HEADINGS && count_words(pg.all.buf) >= SPLIT_MIN_WORDS));
	emit_sections(&pg, split);
	rc = 0;
out:
	page_release(&pg);
	if (silenced) {
		xmlSetStructuredErrorFunc(old_sctx, old_serror);
		xmlSetGenericErrorFunc(old_gctx, old_gerror);
	}
	return rc;
}

/* ---- slugs -------------------------------------------------------------- */

/* Non-ASCII code points that separate words like ASCII punctuation does:
 * no-break space, Latin-1 punctuation, dashes, quotes, ellipsis. */
static bool unicode_separator(unsigned cp)
{
	if (cp >= 0xA0 && cp <= 0xBF)
		return cp != 0xAA && cp != 0xB2 && cp != 0xB3 && cp != 0xB5 && cp != 0xB9 &&
		       cp != 0xBA && !(cp >= 0xBC && cp <= 0xBE);
	return cp == 0xD7 || cp == 0xF7 || (cp >= 0x2000 && cp <= 0x206F) || cp == 0x3000;
}

/*
 * Slug of a heading or question, for ids and URL fragments.  Lowercase
 * ASCII letters and digits stay, every other run of ASCII becomes one '-',
 * UTF-8 letters are kept as they are (browsers show "#ideeën" fine), bytes
 * that are not valid UTF-8 are treated as separators.  At most SLUG_MAX
 * bytes, cut between characters; "section" when nothing is left.
 */
char *extract_slug(const char *text)
{
	struct strbuf sb = STRBUF_INIT;
	const unsigned char *s = (const unsigned char *)(text ? text : "");
	bool dash = false;
	while (*s && sb.len < SLUG_MAX) {
		size_t n = 1;
		bool keep;
		if (*s < 0x80) {
			keep = isalnum(*s);
		} else {
			n = (*s & 0xE0) == 0xC0 ? 2 : (*s & 0xF0) == 0xE0 ? 3 : (*s & 0xF8) == 0xF0 ? 4 : 1;
			keep = n > 1 && strnlen((const char *)s, n) == n && utf8_valid((const char *)s, n, NULL);
			if (!keep) {
				n = 1;
			} else {
				unsigned cp = n == 2 ? (s[0] & 0x1Fu) << 6 | (s[1] & 0x3Fu)
				              : n == 3 ? (s[0] & 0x0Fu) << 12 | (s[1] & 0x3Fu) << 6 | (s[2] & 0x3Fu)
				                       : 0x10000;
				keep = !unicode_separator(cp);
			}
		}
		if (!keep) {
			dash = true;
			s += n;
			continue;
		}
		if (dash && sb.len)
			strbuf_addch(&sb, '-');
		dash = false;
		if (sb.len + n > SLUG_MAX)
			break;
		if (n == 1)
			strbuf_addch(&sb, (char)tolower(*s));
		else
			strbuf_add(&sb, (const char *)s, n);
		s += n;
	}
	while (sb.len && sb.buf[sb.len - 1] == '-')
		sb.buf[--sb.len] = '\0';
	if (!sb.len)
		strbuf_addstr(&sb, "section");
	return strbuf_detach(&sb, NULL);
}
