/*
 * extract_ndjson.c - records from an NDJSON feed, one JSON object a line.
 *
 * A feed comes from a shop's own export, so it is checked the way a user
 * would want it checked: each bad line is reported with its number and a
 * short reason, and the good lines still count.  A line is validated
 * against the record keys of common/schema.h; defaults are filled in and a
 * few forgivable spellings are normalised ("en-GB" -> "en", a numeric
 * "price" string -> a number, an integer id -> its decimal string, a null
 * optional key -> dropped).  Keys we do not know are kept: they are the
 * shop's, and the stored record gives them back.
 */
#define _POSIX_C_SOURCE 200809L
#include "extract.h"

#include <ctype.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#include "util.h"

static const char *const string_keys[] = {
	"title", "body", "url", "category", "brand", "currency", "availability",
	"audience", "description", "headings", NULL,
};

/* Codes a feed may give as a number (an EAN in a spreadsheet export):
 * kept as the string of its digits. */
static const char *const code_keys[] = {"sku", "gtin", "ean", NULL};

static const char *const types[] = {"faq", "manual", "product", "page", NULL};

static bool has_text(json_t *rec, const char *key)
{
	const char *s = json_string_value(json_object_get(rec, key));
	return s && *s;
}

static int check_id(json_t *rec, char **err)
{
	json_t *id = json_object_get(rec, "id");
	if (!id || json_is_null(id))
		return vb_error(err, "missing \"id\"");
	if (json_is_integer(id)) {
		char *s = xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(id));
		json_object_set_new(rec, "id", json_string(s));
		free(s);
		return 0;
	}
	if (!json_is_string(id))
		return vb_error(err, "\"id\" must be a string");
	if (!json_string_length(id))
		return vb_error(err, "\"id\" is empty");
	if (json_string_length(id) > EXTRACT_MAX_ID)
		return vb_error(err, "\"id\" is longer than %d bytes", EXTRACT_MAX_ID);
	return 0;
}

static int check_type(json_t *rec, char **err)
{
	json_t *t = json_object_get(rec, "type");
	if (!t || json_is_null(t)) {
		json_object_set_new(rec, "type", json_string("page"));
		return 0;
	}
	for (size_t i = 0; json_is_string(t) && types[i]; i++)
		if (strcmp(json_string_value(t), types[i]) == 0)
			return 0;
	return vb_error(err, "\"type\" must be one of faq, manual, product, page");
}

/* "nl", "NL", "nl-NL", "en_GB" -> the two letters. */
static int check_lang(json_t *rec, char **err)
{
	json_t *l = json_object_get(rec, "lang");
	if (!l || json_is_null(l)) {
		json_object_set_new(rec, "lang", json_string("nl"));
		return 0;
	}
	const char *s = json_string_value(l);
	size_t n = s ? json_string_length(l) : 0;
	if ((n == 2 || (n > 3 && (s[2] == '-' || s[2] == '_'))) &&
	    (strncasecmp(s, "nl", 2) == 0 || strncasecmp(s, "en", 2) == 0)) {
		json_object_set_new(rec, "lang", json_string(tolower((unsigned char)s[0]) == 'n' ? "nl" : "en"));
		return 0;
	}
	return vb_error(err, "\"lang\" must be nl or en");
}

static int check_price(json_t *rec, char **err)
{
	json_t *p = json_object_get(rec, "price");
	double v;
	if (!p)
		return 0;
	if (json_is_null(p)) {
		json_object_del(rec, "price");
		return 0;
	}
	if (json_is_number(p))
		v = json_number_value(p);
	else if (!json_is_string(p) || !parse_double(json_string_value(p), &v))
		return vb_error(err, "\"price\" must be a number");
	if (!isfinite(v))
		return vb_error(err, "\"price\" must be a number");
	if (v < 0)
		return vb_error(err, "\"price\" must not be negative");
	json_object_set_new(rec, "price", json_real(v));
	return 0;
}

static int check_specs(json_t *rec, char **err)
{
	json_t *specs = json_object_get(rec, "specs");
	const char *key;
	json_t *v;
	void *tmp;
	if (!specs)
		return 0;
	if (json_is_null(specs)) {
		json_object_del(rec, "specs");
		return 0;
	}
	if (!json_is_object(specs))
		return vb_error(err, "\"specs\" must be an object");
	json_object_foreach_safe(specs, tmp, key, v) {
		char *s = NULL;
		if (json_is_string(v))
			continue;
		if (json_is_null(v)) {
			json_object_del(specs, key);
			continue;
		}
		if (json_is_integer(v))
			s = xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
		else if (json_is_real(v))
			s = xasprintf("%.15g", json_real_value(v));
		else
			return vb_error(err, "\"specs\" values must be strings or numbers");
		json_object_set_new(specs, key, json_string(s));
		free(s);
	}
	return 0;
}

int extract_ndjson_parse(const char *line, size_t len, json_t **out, char **err)
{
	json_error_t jerr;
	size_t bad;

	*out = NULL;
	if (len > (size_t)EXTRACT_MAX_LINE)
		return vb_error(err, "line longer than %ld bytes", EXTRACT_MAX_LINE);
	/* jansson would refuse it too, but with a less useful message. */
	if (!utf8_valid(line, len, &bad))
		return vb_error(err, "invalid UTF-8 (byte %zu)", bad + 1);
	json_t *rec = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!rec) {
		if (jerr.column > 0)
			return vb_error(err, "invalid JSON: %s (column %d)", jerr.text, jerr.column);
		return vb_error(err, "invalid JSON: %s", jerr.text);
	}
	if (!json_is_object(rec)) {
		json_decref(rec);
		return vb_error(err, "record must be a JSON object");
	}
	*out = rec;
	return 0;
}

int extract_ndjson_record(json_t *rec, char **err)
{
	if (check_id(rec, err) || check_type(rec, err) || check_lang(rec, err))
		return -1;
	for (size_t i = 0; string_keys[i]; i++) {
		json_t *v = json_object_get(rec, string_keys[i]);
		if (json_is_null(v))
			json_object_del(rec, string_keys[i]);
		else if (v && !json_is_string(v))
			return vb_error(err, "\"%s\" must be a string", string_keys[i]);
	}
	for (size_t i = 0; code_keys[i]; i++) {
		json_t *v = json_object_get(rec, code_keys[i]);
		if (json_is_null(v)) {
			json_object_del(rec, code_keys[i]);
		} else if (json_is_integer(v) && json_integer_value(v) >= 0) {
			char *digits = xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
			json_object_set_new(rec, code_keys[i], json_string(digits));
			free(digits);
		} else if (v && !json_is_string(v)) {
			return vb_error(err, "\"%s\" must be a string or a whole number", code_keys[i]);
		}
	}
	if (check_price(rec, err) || check_specs(rec, err))
		return -1;
	if (!has_text(rec, "title") && !has_text(rec, "body"))
		return vb_error(err, "record has neither \"title\" nor \"body\"");
	return 0;
}

int extract_ndjson_line(const char *line, size_t len, json_t **out, char **err)
{
	json_t *rec = NULL;
	*out = NULL;
	if (extract_ndjson_parse(line, len, &rec, err) != 0)
		return -1;
	if (extract_ndjson_record(rec, err) != 0) {
		json_decref(rec);
		return -1;
	}
	*out = rec;
	return 0;
}

static bool blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

int extract_ndjson_each_line(const char *data, size_t len, extract_line_fn fn, void *ctx,
                             char **err, long *err_line)
{
	const char *p = data, *end = data + len;
	long lineno = 0;

	if (err_line)
		*err_line = 0;
	if (len > (size_t)EXTRACT_MAX_FILE)
		return vb_error(err, "feed is larger than %ld bytes", EXTRACT_MAX_FILE);
	if (len >= 2 && ((data[0] == '\xff' && data[1] == '\xfe') || (data[0] == '\xfe' && data[1] == '\xff'))) {
		if (err_line)
			*err_line = 1;
		return vb_error(err, "feed is UTF-16; save it as UTF-8");
	}
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		p += 3;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = nl ? nl : end;
		size_t n = (size_t)(stop - p);
		lineno++;
		if (n && p[n - 1] == '\r')
			n--;
		if (!blank(p, n))
			fn(ctx, p, n, lineno);
		p = nl ? nl + 1 : end;
	}
	return 0;
}

static void sink_line(void *ctx, const char *line, size_t len, long lineno)
{
	const struct extract_sink *sink = ctx;
	json_t *rec;
	char *msg = NULL;
	if (extract_ndjson_line(line, len, &rec, &msg) == 0)
		sink->emit(sink->ctx, rec);
	else
		sink->problem(sink->ctx, lineno, msg);
	free(msg);
}

int extract_ndjson(const char *data, size_t len, const struct extract_sink *sink,
                   char **err, long *err_line)
{
	return extract_ndjson_each_line(data, len, sink_line, (void *)sink, err, err_line);
}
