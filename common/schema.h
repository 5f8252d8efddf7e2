/*
 * schema.h - the one place that names how a record becomes a Xapian
 * document: term prefixes, value slots and the record (NDJSON) keys.
 *
 * A record is the unit everything agrees on.  Extraction (HTML, JSON-LD,
 * NDJSON) produces records as jansson objects; the indexer turns a record
 * into a Xapian document; searchd returns the stored record, trimmed, as a
 * hit.  Keys of a record (the NDJSON feed format, see README.md):
 *
 *   id           string, required, unique across the index
 *   type         "faq" | "manual" | "product" | "page"   (default "page")
 *   lang         "nl" | "en"                              (default "nl")
 *   title        string: page title, FAQ question, section heading
 *   body         string: main text, FAQ answer, section text
 *   description  string: meta description (optional)
 *   headings     string: the page's h1..h6 texts, one per line (optional)
 *   url          string: path relative to the site root, may carry #frag
 *   category     string: "Zwembaden > Filters" style breadcrumb path
 *   audience     string: "presale" | "aftersale" (optional; derived from
 *                type and category when missing, see docbuild.c)
 *   date         string: YYYY-MM-DD the content last changed (optional;
 *                "updated"/"dateModified" count too; the indexer fills in
 *                the file's date as "modified" when none is given)
 *   part         "intro" | "section" for the records of a page split into
 *                sections; page_title then names the page
 *   brand, sku, currency, availability   strings (products)
 *   gtin         string: the product's EAN/GTIN barcode ("ean" is read as
 *                well)
 *   price        number (products)
 *   specs        object of string -> string (products)
 *   source       string: the canonical path of the file the record came
 *                from (set by the indexer), or VB_SOURCE_API for a
 *                document published live through searchd (set by searchd)
 *   Unknown keys are kept in the stored record.
 */
#ifndef VB_SCHEMA_H
#define VB_SCHEMA_H

/* Term prefixes, after Xapian's omega conventions. */
#define VB_PREFIX_UID "Q"      /* unique id: exactly one per document */
#define VB_PREFIX_TITLE "S"    /* title words, for title: queries */
#define VB_PREFIX_TYPE "XT"    /* boolean: record type */
#define VB_PREFIX_CATEGORY "XC" /* boolean: every level of the category path */
#define VB_PREFIX_LANG "L"     /* boolean: language code */
#define VB_PREFIX_BRAND "XB"   /* boolean: lowercased brand */
#define VB_PREFIX_AVAIL "XA"   /* boolean: availability */
#define VB_PREFIX_SOURCE "XF"  /* boolean: source file */
#define VB_PREFIX_SKU "XK"     /* boolean: lowercased SKU */
#define VB_PREFIX_AUDIENCE "XU" /* boolean: presale | aftersale */
/* Made by the shim (xs_analyze.cc), listed so no prefix is used twice: */
#define VB_PREFIX_EXACT "XE"   /* exact-match keys: name, SKU, EAN, brand */
#define VB_PREFIX_REVERSED "XR" /* boolean: long Dutch words reversed */

/*
 * The source of a document published live through searchd's API (PUT or
 * POST /documents).  Such a document belongs to the API until it is
 * deleted there: the indexer neither removes it as stale nor overwrites it
 * with a record of the same id (it says so instead).  Indexer sources are
 * paths of .html and .ndjson files, so they never equal it.
 */
#define VB_SOURCE_API "api"

/* Value slots. */
enum vb_slot {
	VB_SLOT_UID = 0,    /* the record id, for iteration without a lookup */
	VB_SLOT_SOURCE = 1, /* source file, so stale documents can be found */
	VB_SLOT_HASH = 2,   /* content hash: unchanged records are skipped */
	VB_SLOT_PRICE = 3,  /* sortable_serialise(price) */
	VB_SLOT_TYPE = 4,   /* type, for facet counts */
	VB_SLOT_CATEGORY = 5,
	VB_SLOT_BRAND = 6,
	VB_SLOT_AVAIL = 7,
	VB_SLOT_LANG = 8,
	VB_SLOT_AUDIENCE = 9,
	VB_SLOT_DATE = 10, /* sortable_serialise(days since 1970), for "newest" */
};

/* The price facet's buckets: [edge, next edge), the last one open above
 * (searchd's /search; bench/inproc counts the same). */
#define VB_PRICE_EDGES {0, 25, 50, 100, 250, 500, 1000, 2500}

/* Within-document frequency boosts: a word in a title counts as this many
 * words of body text. */
#define VB_WEIGHT_TITLE 5
#define VB_WEIGHT_HEADINGS 2
#define VB_WEIGHT_DESCRIPTION 2
#define VB_WEIGHT_BODY 1

#endif
