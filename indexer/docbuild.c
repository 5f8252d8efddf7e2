/*
 * docbuild.c - how a record is indexed: which fields are searched with
 * what weight, which become filters and facets, which values sort.
 * The term prefixes and slots are named in common/schema.h.
 */
#include "docbuild.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"
#include "util.h"

/* Bump when the way records are indexed changes: every document is then
 * re-indexed by the next run instead of being skipped as unchanged. */
#define DOCBUILD_VERSION "vb-docbuild-5"

static uint64_t fnv1a(uint64_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

void docbuild_fingerprint(const json_t *rec, char out[17])
{
	char *dump = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);
	uint64_t h = fnv1a(14695981039346656037ULL, DOCBUILD_VERSION, strlen(DOCBUILD_VERSION));
	if (dump)
		h = fnv1a(h, dump, strlen(dump));
	free(dump);
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

static const char *str_of(const json_t *rec, const char *key)
{
	const char *s = json_string_value(json_object_get(rec, key));
	return s && *s ? s : NULL;
}

/* Add a boolean term prefix+value (value lowercased); too long terms are
 * skipped: they could not be typed as a filter anyway. */
static int add_bool(xs_doc *doc, const char *prefix, const char *value, char **err)
{
	char *term = xasprintf("%s%s", prefix, value);
	str_lower_ascii(term + strlen(prefix));
	int rc = 0;
	if (strlen(term) <= 240 && xs_doc_add_term(doc, term, err) != XS_OK)
		rc = -1;
	free(term);
	return rc;
}

static int add_text(xs_doc *doc, const char *text, const char *lang, const char *prefix,
                    unsigned wdf, unsigned flags, xs_db *db, char **err)
{
	if (!text)
		return 0;
	return xs_doc_index_text(doc, text, lang, prefix, wdf, flags, db, err) == XS_OK ? 0 : -1;
}

static int add_value_str(xs_doc *doc, unsigned slot, const char *v, char **err)
{
	if (!v)
		return 0;
	return xs_doc_add_value(doc, slot, v, strlen(v), err) == XS_OK ? 0 : -1;
}

/* Every level of "A > B > C" is a filter term: "a", "a > b", "a > b > c". */
static int add_category(xs_doc *doc, const char *cat, char **err)
{
	int rc = 0;
	const char *p = cat;
	for (;;) {
		const char *sep = strstr(p, " > ");
		char *level = xstrndup(cat, sep ? (size_t)(sep - cat) : strlen(cat));
		rc = add_bool(doc, VB_PREFIX_CATEGORY, level, err);
		free(level);
		if (rc || !sep)
			break;
		p = sep + 3;
	}
	return rc;
}

/*
 * Pre-sale (questions before buying) or after-sale (help after it).  An
 * editor's "audience" wins; else products are pre-sale, manuals
 * after-sale, and FAQ and pages go by words in their category.
 */
const char *docbuild_audience(const json_t *rec)
{
	static const char *const after[] = {"retour", "garantie", "bestelling", "account",
	                                    "reparat", "defect", "handleiding", "klacht",
	                                    "return", "warrant", "order", "track", "repair",
	                                    "manual", NULL};
	const char *a = str_of(rec, "audience");
	if (a && (strcmp(a, "presale") == 0 || strcmp(a, "aftersale") == 0))
		return a;
	const char *type = str_of(rec, "type");
	if (type && strcmp(type, "product") == 0)
		return "presale";
	if (type && strcmp(type, "manual") == 0)
		return "aftersale";
	const char *cat = str_of(rec, "category");
	const char *url = str_of(rec, "url");
	char *where = xasprintf("%s %s", cat ? cat : "", url ? url : "");
	str_lower_ascii(where);
	const char *found = "presale";
	for (size_t i = 0; after[i]; i++)
		if (strstr(where, after[i]))
			found = "aftersale";
	free(where);
	return found;
}

/* The fields a record's own date may be in, the most telling first. */
static const char *const date_keys[] = {"date", "updated", "dateModified", NULL};

void docbuild_complete(json_t *rec, const char *source, const char *day, char fp[17])
{
	json_object_set_new(rec, "source", json_string(source));
	if (!json_is_string(json_object_get(rec, "audience")))
		json_object_set_new(rec, "audience", json_string(docbuild_audience(rec)));
	docbuild_fingerprint(rec, fp);
	for (size_t i = 0; date_keys[i]; i++)
		if (json_object_get(rec, date_keys[i]))
			return;
	if (day && *day)
		json_object_set_new(rec, "modified", json_string(day));
}

/* Days since 1970-01-01 of a date starting YYYY-MM-DD; -1 when none. */
static double date_days(const json_t *rec)
{
	static const char *const keys[] = {"date", "updated", "dateModified", "modified", NULL};
	for (size_t i = 0; keys[i]; i++) {
		const char *s = str_of(rec, keys[i]);
		int y, m, d;
		if (s && sscanf(s, "%4d-%2d-%2d", &y, &m, &d) == 3 && m >= 1 && m <= 12 && d >= 1 &&
		    d <= 31) {
			/* Days from civil (Howard Hinnant's algorithm). */
			y -= m <= 2;
			long era = (y >= 0 ? y : y - 399) / 400;
			long yoe = y - era * 400;
			long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
			long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
			return (double)(era * 146097 + doe - 719468);
		}
	}
	return -1;
}

int docbuild_store(xs_db *db, const json_t *rec, const char *fp, char **err)
{
	int rc = -1;
	xs_doc *doc = NULL;
	char *data = NULL;
	const char *id = str_of(rec, "id");
	const char *type = str_of(rec, "type");
	const char *lang = str_of(rec, "lang");
	const char *title = str_of(rec, "title");
	const char *body = str_of(rec, "body");
	const char *category = str_of(rec, "category");
	const char *brand = str_of(rec, "brand");
	const char *sku = str_of(rec, "sku");
	const char *gtin = str_of(rec, "gtin") ? str_of(rec, "gtin") : str_of(rec, "ean");
	const char *avail = str_of(rec, "availability");
	const char *source = str_of(rec, "source");
	json_t *price = json_object_get(rec, "price");
	json_t *specs = json_object_get(rec, "specs");
	const char *audience = docbuild_audience(rec);

	if (!id)
		return vb_error(err, "record has no id");
	if (!type)
		type = "page";
	if (!lang)
		lang = "nl";
	if (xs_doc_new(&doc, err) != XS_OK)
		goto out;

	/* Searched text, most telling fields first.  Titles also go under
	 * their own prefix so "title:" queries work. */
	/* The intro of a page split into sections is titled with the whole
	 * page's title, which names every section's topic: weighted like a
	 * heading, so that the section a query is about ranks above it. */
	const char *part = str_of(rec, "part");
	unsigned title_weight =
		part && strcmp(part, "intro") == 0 ? VB_WEIGHT_HEADINGS : VB_WEIGHT_TITLE;
	if (add_text(doc, title, lang, "", title_weight, XS_IDX_SPELLING, db, err) ||
	    add_text(doc, title, lang, VB_PREFIX_TITLE, 1, 0, NULL, err) ||
	    /* A section's page title is context ("which manual"), not its
	     * subject: body weight. */
	    add_text(doc, str_of(rec, "page_title"), lang, "", VB_WEIGHT_BODY, 0, NULL, err) ||
	    add_text(doc, str_of(rec, "description"), lang, "", VB_WEIGHT_DESCRIPTION, 0, NULL, err) ||
	    add_text(doc, str_of(rec, "headings"), lang, "", VB_WEIGHT_HEADINGS, 0, NULL, err) ||
	    add_text(doc, body, lang, "", VB_WEIGHT_BODY, XS_IDX_SPELLING, db, err) ||
	    add_text(doc, category, lang, "", VB_WEIGHT_BODY, 0, NULL, err) ||
	    add_text(doc, brand, lang, "", VB_WEIGHT_TITLE, XS_IDX_SPELLING, db, err) ||
	    add_text(doc, sku, NULL, "", VB_WEIGHT_TITLE, 0, NULL, err) ||
	    add_text(doc, gtin, NULL, "", VB_WEIGHT_TITLE, 0, NULL, err))
		goto out;
	/* What identifies a product: typed exactly, it comes first.  Only
	 * products: a help page titled "Retourneren" should not outrank the
	 * answer to the question for merely being named like the query. */
	bool product = strcmp(type, "product") == 0;
	const char *keys[] = {product ? title : NULL, sku, gtin, product ? brand : NULL};
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		if (keys[i] && xs_doc_add_key(doc, keys[i], err) != XS_OK)
			goto out;
	if (json_is_object(specs)) {
		const char *k;
		json_t *v;
		json_object_foreach(specs, k, v) {
			if (add_text(doc, k, lang, "", 1, 0, NULL, err) ||
			    add_text(doc, json_string_value(v), lang, "", 1, 0, NULL, err))
				goto out;
		}
	}

	/* Filters and facets. */
	if (add_bool(doc, VB_PREFIX_TYPE, type, err) || add_bool(doc, VB_PREFIX_LANG, lang, err) ||
	    (category && add_category(doc, category, err)) ||
	    (brand && add_bool(doc, VB_PREFIX_BRAND, brand, err)) ||
	    (avail && add_bool(doc, VB_PREFIX_AVAIL, avail, err)) ||
	    (sku && add_bool(doc, VB_PREFIX_SKU, sku, err)) ||
	    (source && add_bool(doc, VB_PREFIX_SOURCE, source, err)) ||
	    add_bool(doc, VB_PREFIX_AUDIENCE, audience, err))
		goto out;

	/* Values: bookkeeping, sorting, facet counts. */
	if (add_value_str(doc, VB_SLOT_UID, id, err) || add_value_str(doc, VB_SLOT_SOURCE, source, err) ||
	    add_value_str(doc, VB_SLOT_HASH, fp, err) || add_value_str(doc, VB_SLOT_TYPE, type, err) ||
	    add_value_str(doc, VB_SLOT_CATEGORY, category, err) ||
	    add_value_str(doc, VB_SLOT_BRAND, brand, err) ||
	    add_value_str(doc, VB_SLOT_AVAIL, avail, err) || add_value_str(doc, VB_SLOT_LANG, lang, err) ||
	    add_value_str(doc, VB_SLOT_AUDIENCE, audience, err))
		goto out;
	double days = date_days(rec);
	if (days >= 0 && xs_doc_add_value_number(doc, VB_SLOT_DATE, days, err) != XS_OK)
		goto out;
	if (json_is_number(price) &&
	    xs_doc_add_value_number(doc, VB_SLOT_PRICE, json_number_value(price), err) != XS_OK)
		goto out;

	data = json_dumps(rec, JSON_COMPACT | JSON_ENSURE_ASCII);
	if (!data) {
		vb_error(err, "cannot serialise record '%s'", id);
		goto out;
	}
	if (xs_doc_set_data(doc, data, strlen(data), err) != XS_OK ||
	    xs_db_replace(db, id, doc, err) != XS_OK)
		goto out;
	rc = 0;
out:
	free(data);
	xs_doc_free(doc);
	return rc;
}
