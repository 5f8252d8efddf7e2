/*
 * test_extract.c - unit tests for indexer/extract_*.c: what a shop's HTML
 * pages and NDJSON feeds turn into, and how bad input is reported.
 *
 * Each test feeds a small document through the real extractor with a sink
 * that collects records and problems, then looks at them the way the
 * indexer would.  Hostile inputs only have to come back without a crash
 * or a leak; ASan and LeakSanitizer do the judging.
 */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "extract.h"
#include "util.h"

struct collect {
	json_t *recs;  /* records, in emit order */
	json_t *probs; /* [line, message] pairs */
};

static void collect_emit(void *ctx, json_t *rec)
{
	struct collect *c = ctx;
	json_array_append_new(c->recs, rec);
}

static void collect_problem(void *ctx, long line, const char *msg)
{
	struct collect *c = ctx;
	json_array_append_new(c->probs, json_pack("[Is]", (json_int_t)line, msg));
}

static struct collect c;
static char *err;
static long err_line;

static void setup(void)
{
	c.recs = json_array();
	c.probs = json_array();
	err = NULL;
	err_line = -1;
}

static void teardown(void)
{
	json_decref(c.recs);
	json_decref(c.probs);
	free(err);
}

static int html_n(const char *html, size_t len, const char *relpath)
{
	struct extract_sink sink = {&c, collect_emit, collect_problem};
	return extract_html(html, len, relpath, &sink, &err, &err_line);
}

static int html(const char *s)
{
	return html_n(s, strlen(s), "dir/page.html");
}

static int ndjson(const char *s)
{
	struct extract_sink sink = {&c, collect_emit, collect_problem};
	return extract_ndjson(s, strlen(s), &sink, &err, &err_line);
}

static size_t nrecs(void)
{
	return json_array_size(c.recs);
}

static json_t *rec(size_t i)
{
	return json_array_get(c.recs, i);
}

static json_t *rec_id(const char *id)
{
	size_t i;
	json_t *r;
	json_array_foreach(c.recs, i, r) {
		if (strcmp(json_string_value(json_object_get(r, "id")), id) == 0)
			return r;
	}
	ck_abort_msg("no record with id '%s'", id);
	return NULL;
}

static const char *str(json_t *r, const char *key)
{
	return json_string_value(json_object_get(r, key));
}

static long prob_line(size_t i)
{
	return (long)json_integer_value(json_array_get(json_array_get(c.probs, i), 0));
}

static const char *prob_msg(size_t i)
{
	return json_string_value(json_array_get(json_array_get(c.probs, i), 1));
}

/* A paragraph of n distinct-enough words. */
static char *words(int n, const char *w)
{
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < n; i++)
		strbuf_addf(&sb, "%s%s%d", i ? " " : "", w, i);
	return strbuf_detach(&sb, NULL);
}

/* ---- HTML pages --------------------------------------------------------- */

START_TEST(test_page_text_stripped)
{
	ck_assert_int_eq(html("<!DOCTYPE html><html><head><title>Pomp</title>"
	                      "<style>p{color:red}</style></head><body>"
	                      "<header>Logo Winkelwagen</header><nav><a href='/'>Menu</a></nav>"
	                      "<p>a</p><p>b</p><div>Een<b>vet</b>woord</div>"
	                      "<ul><li>een</li><li>twee</li></ul><table><tr><td>x</td><td>y</td></tr></table>"
	                      "<script>var secret = 1;</script><noscript>zet js aan</noscript>"
	                      "<aside>reclame</aside><form><button>Koop</button></form>"
	                      "<footer>Copyright</footer></body></html>"),
	                 0);
	ck_assert_uint_eq(nrecs(), 1);
	json_t *r = rec(0);
	ck_assert_str_eq(str(r, "id"), "dir/page.html");
	ck_assert_str_eq(str(r, "url"), "dir/page.html");
	ck_assert_str_eq(str(r, "type"), "page");
	ck_assert_str_eq(str(r, "lang"), "nl");
	ck_assert_str_eq(str(r, "title"), "Pomp");
	ck_assert_str_eq(str(r, "body"), "a b Eenvetwoord een twee x y");
	ck_assert_ptr_null(json_object_get(r, "category"));
	ck_assert_uint_eq(json_array_size(c.probs), 0);
}
END_TEST

START_TEST(test_main_preferred)
{
	ck_assert_int_eq(html("<html><body><div>zijbalk</div><main><h1>Kop</h1><p>inhoud</p></main>"
	                      "<div>meer zijbalk</div></body></html>"),
	                 0);
	ck_assert_str_eq(str(rec(0), "body"), "Kop inhoud");
	ck_assert_str_eq(str(rec(0), "title"), "Kop"); /* no <title>: the h1 */
	ck_assert_str_eq(str(rec(0), "headings"), "Kop");
	teardown();
	setup();
	ck_assert_int_eq(html("<html><body><div>menu</div><div role=\"main\"><p>hier</p></div></body></html>"), 0);
	ck_assert_str_eq(str(rec(0), "body"), "hier");
}
END_TEST

START_TEST(test_title_suffix)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{"Zandfilter kopen | Zwembadshop", "Zandfilter kopen"},
		{"Zandfilter kopen - Zwembadshop", "Zandfilter kopen"},
		{"Pomp - filter - Shop", "Pomp - filter"},
		{"  Gewoon   een titel ", "Gewoon een titel"},
		{"Retour \xe2\x80\x93 Shop", "Retour"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *page = xasprintf("<html><head><title>%s</title></head><body><p>tekst</p></body></html>",
		                       cases[i].in);
		teardown();
		setup();
		ck_assert_int_eq(html(page), 0);
		ck_assert_str_eq(str(rec(0), "title"), cases[i].want);
		free(page);
	}
}
END_TEST

START_TEST(test_meta_description_and_headings)
{
	ck_assert_int_eq(html("<html><head><meta name=\"Description\" content=\"  Alles over\n zand \">"
	                      "</head><body><h1>Een</h1><h2>Twee</h2><p>x</p><h4>Vier</h4></body></html>"),
	                 0);
	ck_assert_str_eq(str(rec(0), "description"), "Alles over zand");
	ck_assert_str_eq(str(rec(0), "headings"), "Een\nTwee\nVier");
	ck_assert_str_eq(str(rec(0), "body"), "Een Twee x Vier");
}
END_TEST

START_TEST(test_lang)
{
	static const struct {
		const char *attr, *want;
	} cases[] = {
		{"lang=\"en\"", "en"}, {"lang=\"en-GB\"", "en"}, {"lang=\"EN_us\"", "en"},
		{"lang=\"nl-BE\"", "nl"}, {"lang=\"de\"", "nl"}, {"", "nl"}, {"lang=\"eng\"", "nl"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *page = xasprintf("<html %s><body><p>tekst</p></body></html>", cases[i].attr);
		teardown();
		setup();
		ck_assert_int_eq(html(page), 0);
		ck_assert_msg(strcmp(str(rec(0), "lang"), cases[i].want) == 0, "%s", cases[i].attr);
		free(page);
	}
}
END_TEST

static const char product_page[] =
	"<!DOCTYPE html>\n"
	"<html lang=\"nl\">\n"
	"<head><title>Intex Easy Set 305 | Zwembadshop</title>\n"
	"<meta name=\"description\" content=\"Opzetzwembad van 305 cm\">\n"
	"<script type=\"application/ld+json\">\n"
	"{\"@context\": \"https://schema.org\", \"@type\": \"Product\",\n"
	" \"name\": \"Intex Easy Set 305\", \"description\": \"Rond <b>opzetzwembad</b> met pomp.\",\n"
	" \"sku\": \"INT-305\", \"gtin13\": \"8712345678906\",\n"
	" \"brand\": {\"@type\": \"Brand\", \"name\": \"Intex\"},\n"
	" \"offers\": [{\"@type\": \"Offer\", \"price\": \"89.95\", \"priceCurrency\": \"EUR\",\n"
	"   \"availability\": \"https://schema.org/InStock\"}, {\"price\": 1}],\n"
	" \"additionalProperty\": [{\"@type\": \"PropertyValue\", \"name\": \"Diameter\", \"value\": 305,"
	" \"unitText\": \"cm\"},\n"
	"   {\"name\": \"Kleur\", \"value\": \"blauw\"}, {\"name\": \"Inhoud\", \"value\": 3.5}]}\n"
	"</script>\n"
	"<script type=\"application/ld+json\">\n"
	"{\"@type\": \"BreadcrumbList\", \"itemListElement\": [\n"
	" {\"@type\": \"ListItem\", \"position\": 1, \"name\": \"Home\", \"item\": \"https://x.nl/\"},\n"
	" {\"@type\": \"ListItem\", \"position\": 3, \"item\": {\"@id\": \"https://x.nl/o\", \"name\": "
	"\"Opzetzwembaden\"}},\n"
	" {\"@type\": \"ListItem\", \"position\": 2, \"name\": \"Zwembaden\"},\n"
	" {\"@type\": \"ListItem\", \"position\": 4, \"name\": \"Intex Easy Set 305\"}]}\n"
	"</script></head>\n"
	"<body><nav>Menu</nav><main><h1>Intex Easy Set 305</h1><p>Op voorraad.</p></main></body></html>\n";

START_TEST(test_product)
{
	ck_assert_int_eq(html(product_page), 0);
	ck_assert_uint_eq(nrecs(), 1);
	json_t *r = rec(0);
	ck_assert_str_eq(str(r, "id"), "dir/page.html");
	ck_assert_str_eq(str(r, "type"), "product");
	ck_assert_str_eq(str(r, "title"), "Intex Easy Set 305");
	ck_assert_str_eq(str(r, "sku"), "INT-305");
	ck_assert_str_eq(str(r, "gtin"), "8712345678906");
	ck_assert_str_eq(str(r, "brand"), "Intex");
	ck_assert_str_eq(str(r, "currency"), "EUR");
	ck_assert_str_eq(str(r, "availability"), "in_stock");
	ck_assert(json_is_real(json_object_get(r, "price")));
	ck_assert_double_eq_tol(json_real_value(json_object_get(r, "price")), 89.95, 1e-9);
	ck_assert_str_eq(str(r, "category"), "Zwembaden > Opzetzwembaden");
	ck_assert_str_eq(str(r, "description"), "Opzetzwembad van 305 cm");
	/* the product's description first, HTML stripped; the page text after */
	ck_assert_str_eq(str(r, "body"), "Rond opzetzwembad met pomp.\n\nIntex Easy Set 305 Op voorraad.");
	json_t *specs = json_object_get(r, "specs");
	ck_assert_uint_eq(json_object_size(specs), 3);
	ck_assert_str_eq(str(specs, "Diameter"), "305 cm");
	ck_assert_str_eq(str(specs, "Kleur"), "blauw");
	ck_assert_str_eq(str(specs, "Inhoud"), "3.5");
	ck_assert_uint_eq(json_array_size(c.probs), 0);
}
END_TEST

START_TEST(test_availability_mapping)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{"https://schema.org/InStock", "in_stock"},
		{"http://schema.org/OutOfStock", "out_of_stock"},
		{"schema:PreOrder", "preorder"},
		{"BackOrder", "backorder"},
		{"https://schema.org/LimitedAvailability", "limited"},
		{"https://schema.org/Discontinued", "discontinued"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *page = xasprintf("<script type=\"application/ld+json\">{\"@type\": [\"Product\"],"
		                       " \"name\": \"P\", \"brand\": \"Merk\", \"offers\": {\"price\": 12,"
		                       " \"availability\": \"%s\"}}</script>",
		                       cases[i].in);
		teardown();
		setup();
		ck_assert_int_eq(html(page), 0);
		ck_assert_str_eq(str(rec(0), "availability"), cases[i].want);
		ck_assert_str_eq(str(rec(0), "brand"), "Merk");
		ck_assert_double_eq(json_real_value(json_object_get(rec(0), "price")), 12);
		free(page);
	}
}
END_TEST

static const char faq_page[] =
	"<html lang=\"nl\"><head><title>Veelgestelde vragen | Shop</title>\n"
	"<script type=\"application/ld+json\">\n"
	"{\"@context\": \"https://schema.org\", \"@type\": \"FAQPage\", \"mainEntity\": [\n"
	" {\"@type\": \"Question\", \"name\": \"Hoe retour ik?\", \"url\": \"https://shop.nl/faq/retour#retour\",\n"
	"  \"acceptedAnswer\": {\"@type\": \"Answer\", \"text\": \"<p>Binnen 30 dagen.</p><p>Gratis &amp; snel</p>\"}},\n"
	" {\"@type\": \"Question\", \"name\": \"Wat kost verzending?\", \"url\": \"/faq/verzending\",\n"
	"  \"acceptedAnswer\": {\"@type\": \"Answer\", \"text\": \"Niets boven de <b>50</b> euro.\"}},\n"
	" {\"@type\": \"Question\", \"name\": \"Welke ideeën heb je?\",\n"
	"  \"acceptedAnswer\": [{\"@type\": \"Answer\", \"text\": \"Veel.\"}]}]}\n"
	"</script></head><body><h1>FAQ</h1><p>Niet dit.</p></body></html>";

START_TEST(test_faq)
{
	ck_assert_int_eq(html(faq_page), 0);
	ck_assert_uint_eq(nrecs(), 3);

	json_t *r = rec(0);
	ck_assert_str_eq(str(r, "id"), "dir/page.html#retour");
	ck_assert_str_eq(str(r, "url"), "faq/retour#retour");
	ck_assert_str_eq(str(r, "type"), "faq");
	ck_assert_str_eq(str(r, "lang"), "nl");
	ck_assert_str_eq(str(r, "title"), "Hoe retour ik?");
	ck_assert_str_eq(str(r, "body"), "Binnen 30 dagen. Gratis & snel");

	r = rec(1);
	ck_assert_str_eq(str(r, "id"), "dir/page.html#wat-kost-verzending");
	ck_assert_str_eq(str(r, "url"), "faq/verzending");
	ck_assert_str_eq(str(r, "body"), "Niets boven de 50 euro.");

	r = rec(2);
	ck_assert_str_eq(str(r, "id"), "dir/page.html#welke-ideeën-heb-je");
	ck_assert_str_eq(str(r, "url"), "dir/page.html");
	ck_assert_str_eq(str(r, "body"), "Veel.");
}
END_TEST

START_TEST(test_graph)
{
	ck_assert_int_eq(html("<html lang=\"nl\"><head><title>Filterpomp</title>"
	                      "<script type=\"application/ld+json\">{\"@context\": \"https://schema.org\","
	                      " \"@graph\": [{\"@type\": \"WebPage\", \"name\": \"x\"},"
	                      " {\"@type\": \"BreadcrumbList\", \"itemListElement\": ["
	                      "  {\"position\": 1, \"name\": \"Thuis\"}, {\"position\": 2, \"name\": \"Pompen\"},"
	                      "  {\"position\": 3, \"name\": \"Filterpomp\"}]},"
	                      " {\"@type\": \"Product\", \"name\": \"Filterpomp\", \"inLanguage\": \"en-US\","
	                      "  \"offers\": {\"price\": \"12,50\", \"priceCurrency\": \"EUR\"}}]}"
	                      "</script></head><body><p>x</p></body></html>"),
	                 0);
	ck_assert_uint_eq(nrecs(), 1);
	ck_assert_str_eq(str(rec(0), "type"), "product");
	ck_assert_str_eq(str(rec(0), "lang"), "en");
	ck_assert_str_eq(str(rec(0), "category"), "Pompen");
	ck_assert_double_eq_tol(json_real_value(json_object_get(rec(0), "price")), 12.5, 1e-9);
}
END_TEST

START_TEST(test_broken_jsonld)
{
	ck_assert_int_eq(html("<html>\n<head>\n<title>Vragen</title>\n"
	                      "<script type=\"application/ld+json\">\n"
	                      "{\"@type\": \"BreadcrumbList\", \"itemListElement\": [}\n"
	                      "</script>\n"
	                      "<script type='application/ld+json; charset=utf-8'>\n"
	                      "{\"@type\": \"FAQPage\", \"mainEntity\": {\"@type\": \"Question\",\n"
	                      " \"name\": \"Mag dat?\", \"acceptedAnswer\": {\"text\": \"Ja.\"}}}\n"
	                      "</script>\n</head><body><p>tekst</p></body></html>\n"),
	                 0);
	ck_assert_uint_eq(json_array_size(c.probs), 1);
	ck_assert_int_eq(prob_line(0), 4);
	ck_assert_msg(strncmp(prob_msg(0), "invalid JSON-LD: ", 17) == 0, "%s", prob_msg(0));
	ck_assert_uint_eq(nrecs(), 1);
	ck_assert_str_eq(str(rec(0), "id"), "dir/page.html#mag-dat");
	ck_assert_str_eq(str(rec(0), "body"), "Ja.");
}
END_TEST

/* libxml2 counts HTML lines in 16 bits; the report must still be right. */
START_TEST(test_broken_jsonld_far_line)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "<html><body>\n");
	for (int i = 0; i < 70000; i++)
		strbuf_addstr(&sb, "<p>regel</p>\n");
	strbuf_addstr(&sb, "<script type=\"application/ld+json\">{oops</script></body></html>\n");
	ck_assert_int_eq(html(sb.buf), 0);
	ck_assert_uint_eq(json_array_size(c.probs), 1);
	ck_assert_int_eq(prob_line(0), 70002);
	strbuf_release(&sb);
}
END_TEST

static const char manual_page[] =
	"<html lang=\"nl\"><head><title>Handleiding zandfilter | Shop</title>\n"
	"<meta name=\"vraagbaak:type\" content=\"manual\"></head><body>\n"
	"<header>Shop</header>\n"
	"<main><h1>Handleiding zandfilter</h1><p>Kort.</p>\n"
	"<h2 id=\"installatie\">Installatie</h2><p>Zet het filter neer.</p>\n"
	"<h3>Stap één: aansluiten</h3><p>Sluit de slangen aan.</p>\n"
	"<section id=\"onderhoud\"><h2>Onderhoud</h2><p>Spoel wekelijks terug.</p>\n"
	"<h3>Zand vervangen</h3><p>Elke vijf jaar.</p></section>\n"
	"<h2><a id=\"storing\"></a>Storingen</h2><p>Lekt het? Draai de klep.</p>\n"
	"<h2>Installatie</h2><p>Nog eens.</p>\n"
	"</main><footer>Copyright</footer></body></html>\n";

START_TEST(test_manual_sections)
{
	ck_assert_int_eq(html(manual_page), 0);
	/* "Kort." is too short to be a record of its own. */
	ck_assert_uint_eq(nrecs(), 6);
	json_t *r = rec_id("dir/page.html#installatie");
	ck_assert_str_eq(str(r, "type"), "manual");
	ck_assert_str_eq(str(r, "title"), "Installatie");
	ck_assert_str_eq(str(r, "page_title"), "Handleiding zandfilter");
	ck_assert_str_eq(str(r, "url"), "dir/page.html#installatie");
	ck_assert_str_eq(str(r, "body"), "Zet het filter neer.");

	r = rec_id("dir/page.html#stap-één-aansluiten");
	ck_assert_str_eq(str(r, "title"), "Stap één: aansluiten");
	ck_assert_str_eq(str(r, "body"), "Sluit de slangen aan.");

	r = rec_id("dir/page.html#onderhoud");
	ck_assert_str_eq(str(r, "body"), "Spoel wekelijks terug.");
	r = rec_id("dir/page.html#zand-vervangen");
	ck_assert_str_eq(str(r, "body"), "Elke vijf jaar.");
	r = rec_id("dir/page.html#storing");
	ck_assert_str_eq(str(r, "body"), "Lekt het? Draai de klep.");
	/* a second "Installatie" may not steal the first one's id */
	r = rec_id("dir/page.html#installatie-2");
	ck_assert_str_eq(str(r, "body"), "Nog eens.");
}
END_TEST

START_TEST(test_manual_by_jsonld_with_intro)
{
	char *intro = words(40, "inleiding");
	char *page = xasprintf("<html lang=\"en\"><head><title>Pump manual</title>"
	                       "<script type=\"application/ld+json\">{\"@type\": \"HowTo\", \"name\": \"x\"}</script>"
	                       "</head><body><p>%s</p><h2>Only step</h2><p>Do it.</p></body></html>",
	                       intro);
	ck_assert_int_eq(html(page), 0);
	ck_assert_uint_eq(nrecs(), 2);
	ck_assert_str_eq(str(rec(0), "id"), "dir/page.html");
	ck_assert_str_eq(str(rec(0), "title"), "Pump manual");
	ck_assert_str_eq(str(rec(0), "body"), intro);
	ck_assert_str_eq(str(rec(0), "type"), "manual");
	ck_assert_str_eq(str(rec(0), "lang"), "en");
	ck_assert_str_eq(str(rec(1), "id"), "dir/page.html#only-step");
	ck_assert_str_eq(str(rec(1), "type"), "manual");
	free(page);
	free(intro);
}
END_TEST

START_TEST(test_long_page_split)
{
	char *w = words(250, "woord");
	char *page = xasprintf("<html><head><title>Lang</title></head><body>"
	                       "<h2>Een</h2><p>%s</p><h2>Twee</h2><p>%s</p><h3>Drie</h3><p>%s</p></body></html>",
	                       w, w, w);
	ck_assert_int_eq(html(page), 0);
	ck_assert_uint_eq(nrecs(), 3);
	ck_assert_str_eq(str(rec(0), "id"), "dir/page.html#een");
	ck_assert_str_eq(str(rec(0), "type"), "page");
	ck_assert_str_eq(str(rec(0), "body"), w);
	ck_assert_str_eq(str(rec(2), "id"), "dir/page.html#drie");
	free(page);
	free(w);
}
END_TEST

START_TEST(test_short_page_not_split)
{
	ck_assert_int_eq(html("<html><head><title>Kort</title></head><body>"
	                      "<h2>Een</h2><p>a</p><h2>Twee</h2><p>b</p><h3>Drie</h3><p>c</p></body></html>"),
	                 0);
	ck_assert_uint_eq(nrecs(), 1);
	ck_assert_str_eq(str(rec(0), "id"), "dir/page.html");
	ck_assert_str_eq(str(rec(0), "body"), "Een a Twee b Drie c");
	ck_assert_str_eq(str(rec(0), "headings"), "Een\nTwee\nDrie");
}
END_TEST

START_TEST(test_invalid_utf8)
{
	ck_assert_int_eq(html("<html><body>\n<p>ok</p>\n<p>caf\xe9</p></body></html>"), -1);
	ck_assert_str_eq(err, "invalid UTF-8");
	ck_assert_int_eq(err_line, 3);
	ck_assert_uint_eq(nrecs(), 0);
	teardown();
	setup();
	/* declaring UTF-8 does not excuse it */
	ck_assert_int_eq(html("<html><head><meta charset=\"utf-8\"></head><body>\xc3\x28</body></html>"), -1);
	ck_assert_int_eq(err_line, 1);
}
END_TEST

START_TEST(test_utf8_undeclared)
{
	ck_assert_int_eq(html("<html><body><p>caf\xc3\xa9 \xe2\x82\xac 5</p></body></html>"), 0);
	ck_assert_str_eq(str(rec(0), "body"), "café € 5");
}
END_TEST

START_TEST(test_latin1)
{
	ck_assert_int_eq(html("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; "
	                      "charset=iso-8859-1\"><title>Caf\xe9</title></head>"
	                      "<body><p>caf\xe9 cr\xe8me</p></body></html>"),
	                 0);
	ck_assert_str_eq(str(rec(0), "title"), "Café");
	ck_assert_str_eq(str(rec(0), "body"), "café crème");
	teardown();
	setup();
	ck_assert_int_eq(html("<html><head><meta charset=\"ISO-8859-1\"></head><body><p>caf\xe9</p></body></html>"), 0);
	ck_assert_str_eq(str(rec(0), "body"), "café");
}
END_TEST

START_TEST(test_empty_page)
{
	static const char *const pages[] = {
		"",
		"   \n",
		"<html><head></head><body></body></html>",
		"<html><body><nav>Menu</nav><script>x()</script><footer>c</footer></body></html>",
	};
	for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
		teardown();
		setup();
		ck_assert_int_eq(html(pages[i]), -1);
		ck_assert_str_eq(err, "no indexable text");
		ck_assert_uint_eq(nrecs(), 0);
	}
}
END_TEST

START_TEST(test_hostile_nesting)
{
	/* libxml2 gives up below some depth; what came before must survive */
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "<p>begin</p>");
	for (int i = 0; i < 10000; i++)
		strbuf_addstr(&sb, i % 2 ? "<div>" : "<span>");
	strbuf_addstr(&sb, "diep");
	ck_assert_int_eq(html(sb.buf), 0);
	ck_assert_uint_eq(nrecs(), 1);
	ck_assert_msg(strncmp(str(rec(0), "body"), "begin", 5) == 0, "%s", str(rec(0), "body"));
	teardown();
	setup();
	strbuf_release(&sb);
	for (int i = 0; i < 10000; i++)
		strbuf_addstr(&sb, "<table><tr><td><ul><li><h2>");
	int rc = html(sb.buf);
	ck_assert(rc == 0 || rc == -1);
	strbuf_release(&sb);
}
END_TEST

START_TEST(test_hostile_attribute)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "<html><body><p title=\"");
	for (int i = 0; i < 1024 * 1024; i++)
		strbuf_addch(&sb, 'a');
	strbuf_addstr(&sb, "\">tekst</p><h2 id=\"");
	for (int i = 0; i < 1024 * 1024; i++)
		strbuf_addch(&sb, 'b');
	strbuf_addstr(&sb, "\">kop</h2></body></html>");
	ck_assert_int_eq(html(sb.buf), 0);
	strbuf_release(&sb);
}
END_TEST

START_TEST(test_hostile_nul)
{
	static const char page[] = "<html><body><p>voor\0na</p>\0<script type=\"application/ld+json\">"
	                           "{\"@type\":\"Product\",\0\"name\":\"x\"}</script></body></html>";
	int rc = html_n(page, sizeof page - 1, "nul.html");
	ck_assert(rc == 0 || rc == -1);
	teardown();
	setup();
	rc = html_n("\0\0\0", 3, "nul.html");
	ck_assert(rc == 0 || rc == -1);
}
END_TEST

START_TEST(test_slug)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{"Hoe retour ik?", "hoe-retour-ik"},
		{"  --Stap 1: Aansluiten!!  ", "stap-1-aansluiten"},
		{"Welke ideeën?", "welke-ideeën"},
		{"Prijs\xc2\xa0€ 5 \xe2\x80\x93 nu", "prijs-€-5-nu"},
		{"???", "section"},
		{"", "section"},
		{"caf\xe9 bad", "caf-bad"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *s = extract_slug(cases[i].in);
		ck_assert_str_eq(s, cases[i].want);
		free(s);
	}
	/* 80 bytes at most, never in the middle of a character */
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < 60; i++)
		strbuf_addstr(&sb, "\xc3\xa9");
	char *s = extract_slug(sb.buf);
	ck_assert_uint_eq(strlen(s), 80);
	ck_assert(utf8_valid(s, strlen(s), NULL));
	free(s);
	strbuf_release(&sb);
	strbuf_addstr(&sb, "a");
	for (int i = 0; i < 60; i++)
		strbuf_addstr(&sb, "\xc3\xa9");
	s = extract_slug(sb.buf);
	ck_assert_uint_eq(strlen(s), 79);
	ck_assert(utf8_valid(s, strlen(s), NULL));
	free(s);
	strbuf_release(&sb);
}
END_TEST

/* ---- NDJSON ------------------------------------------------------------- */

static json_t *line_ok(const char *s)
{
	json_t *r = NULL;
	char *e = NULL;
	int rc = extract_ndjson_line(s, strlen(s), &r, &e);
	ck_assert_msg(rc == 0, "%s: %s", s, e ? e : "");
	json_array_append_new(c.recs, r);
	return r;
}

static void line_bad(const char *s, size_t len, const char *want)
{
	json_t *r = (json_t *)&r; /* must be reset to NULL */
	char *e = NULL;
	ck_assert_int_eq(extract_ndjson_line(s, len, &r, &e), -1);
	ck_assert_ptr_null(r);
	ck_assert_msg(e && strncmp(e, want, strlen(want)) == 0, "%s: got '%s', want '%s'", s, e, want);
	free(e);
}

START_TEST(test_ndjson_defaults)
{
	json_t *r = line_ok("{\"id\": \"a1\", \"title\": \"Pomp\"}");
	ck_assert_str_eq(str(r, "type"), "page");
	ck_assert_str_eq(str(r, "lang"), "nl");
	r = line_ok("{\"id\": 42, \"body\": \"x\", \"lang\": \"en-GB\", \"type\": \"faq\"}");
	ck_assert_str_eq(str(r, "id"), "42");
	ck_assert_str_eq(str(r, "lang"), "en");
	ck_assert_str_eq(str(r, "type"), "faq");
	r = line_ok("{\"id\": \"p\", \"title\": \"t\", \"lang\": \"NL_be\", \"x_custom\": [1, 2], \"brand\": null}");
	ck_assert_str_eq(str(r, "lang"), "nl");
	ck_assert_uint_eq(json_array_size(json_object_get(r, "x_custom")), 2);
	ck_assert_ptr_null(json_object_get(r, "brand"));
}
END_TEST

START_TEST(test_ndjson_price_specs)
{
	json_t *r = line_ok("{\"id\": \"p\", \"title\": \"t\", \"type\": \"product\", \"price\": \"19.95\","
	                    " \"specs\": {\"Diameter\": 305, \"Kleur\": \"blauw\", \"Inhoud\": 2.5}}");
	ck_assert(json_is_real(json_object_get(r, "price")));
	ck_assert_double_eq_tol(json_real_value(json_object_get(r, "price")), 19.95, 1e-9);
	json_t *specs = json_object_get(r, "specs");
	ck_assert_str_eq(str(specs, "Diameter"), "305");
	ck_assert_str_eq(str(specs, "Inhoud"), "2.5");
	r = line_ok("{\"id\": \"q\", \"title\": \"t\", \"price\": 7}");
	ck_assert(json_is_real(json_object_get(r, "price")));
	/* Codes from a spreadsheet come as numbers: kept as their digits. */
	r = line_ok("{\"id\": \"e\", \"title\": \"t\", \"gtin\": 8712345678906, \"ean\": 5,"
	            " \"sku\": 305}");
	ck_assert_str_eq(str(r, "gtin"), "8712345678906");
	ck_assert_str_eq(str(r, "ean"), "5");
	ck_assert_str_eq(str(r, "sku"), "305");
	const char *bad = "{\"id\": \"e\", \"title\": \"t\", \"gtin\": [8712345678906]}";
	line_bad(bad, strlen(bad), "\"gtin\" must be a string or a whole number");
}
END_TEST

START_TEST(test_ndjson_bad_lines)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{"{\"id\": \"a\", \"title\": ", "invalid JSON: "},
		{"[1, 2]", "record must be a JSON object"},
		{"{\"title\": \"t\"}", "missing \"id\""},
		{"{\"id\": \"\", \"title\": \"t\"}", "\"id\" is empty"},
		{"{\"id\": 1.5, \"title\": \"t\"}", "\"id\" must be a string"},
		{"{\"id\": \"a\", \"title\": \"t\", \"type\": \"blog\"}",
		 "\"type\" must be one of faq, manual, product, page"},
		{"{\"id\": \"a\", \"title\": \"t\", \"lang\": \"de\"}", "\"lang\" must be nl or en"},
		{"{\"id\": \"a\", \"title\": \"t\", \"lang\": \"e\"}", "\"lang\" must be nl or en"},
		{"{\"id\": \"a\", \"title\": \"t\", \"lang\": \"english\"}", "\"lang\" must be nl or en"},
		{"{\"id\": \"a\", \"title\": 5}", "\"title\" must be a string"},
		{"{\"id\": \"a\", \"title\": \"t\", \"price\": \"gratis\"}", "\"price\" must be a number"},
		{"{\"id\": \"a\", \"title\": \"t\", \"price\": \"inf\"}", "\"price\" must be a number"},
		{"{\"id\": \"a\", \"title\": \"t\", \"price\": -1}", "\"price\" must not be negative"},
		{"{\"id\": \"a\", \"title\": \"t\", \"specs\": [1]}", "\"specs\" must be an object"},
		{"{\"id\": \"a\", \"title\": \"t\", \"specs\": {\"k\": {}}}", "\"specs\" values must be"},
		{"{\"id\": \"a\", \"title\": \"\", \"url\": \"x\"}", "record has neither \"title\" nor \"body\""},
		{"{\"id\": \"a\", \"id\": \"b\", \"title\": \"t\"}", "invalid JSON: duplicate object key"},
		{"{\"id\": \"a\", \"title\": \"caf\xe9\"}", "invalid UTF-8"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		line_bad(cases[i].in, strlen(cases[i].in), cases[i].want);
	char *longid = xasprintf("{\"id\": \"%0600d\", \"title\": \"t\"}", 0);
	line_bad(longid, strlen(longid), "\"id\" is longer than 239 bytes");
	free(longid);
	/* 239 bytes is the most the index can store as an id. */
	longid = xasprintf("{\"id\": \"%0240d\", \"title\": \"t\"}", 0);
	line_bad(longid, strlen(longid), "\"id\" is longer than 239 bytes");
	free(longid);
	longid = xasprintf("{\"id\": \"%0239d\", \"title\": \"t\"}", 0);
	line_ok(longid);
	free(longid);
	line_bad("{\"id\": \"a\",\0 \"title\": \"t\"}", 26, "invalid JSON: ");
}
END_TEST

START_TEST(test_ndjson_feed)
{
	ck_assert_int_eq(ndjson("\xef\xbb\xbf{\"id\": \"1\", \"title\": \"een\"}\r\n"
	                        "\r\n"
	                        "   \n"
	                        "{\"id\": \"2\", \"title\": \n"
	                        "{\"title\": \"geen id\"}\n"
	                        "{\"id\": \"4\", \"body\": \"caf\xe9\"}\n"
	                        "{\"id\": \"5\", \"body\": \"vijf\"}"),
	                 0);
	ck_assert_uint_eq(nrecs(), 2);
	ck_assert_str_eq(str(rec(0), "id"), "1");
	ck_assert_str_eq(str(rec(0), "title"), "een");
	ck_assert_str_eq(str(rec(1), "id"), "5");
	ck_assert_uint_eq(json_array_size(c.probs), 3);
	ck_assert_int_eq(prob_line(0), 4);
	ck_assert_msg(strstr(prob_msg(0), "invalid JSON: ") == prob_msg(0), "%s", prob_msg(0));
	ck_assert_msg(strstr(prob_msg(0), "(column ") != NULL, "%s", prob_msg(0));
	ck_assert_int_eq(prob_line(1), 5);
	ck_assert_str_eq(prob_msg(1), "missing \"id\"");
	ck_assert_int_eq(prob_line(2), 6);
	ck_assert_msg(strncmp(prob_msg(2), "invalid UTF-8", 13) == 0, "%s", prob_msg(2));
}
END_TEST

START_TEST(test_ndjson_long_line)
{
	size_t n = (size_t)EXTRACT_MAX_LINE + 10;
	char *buf = xmalloc(n + 64);
	size_t len = 0;
	memcpy(buf, "{\"id\": \"1\", \"body\": \"", 21);
	len = 21;
	memset(buf + len, 'x', n);
	len += n;
	memcpy(buf + len, "\"}\n{\"id\": \"2\", \"body\": \"b\"}\n", 29);
	len += 28;
	struct extract_sink sink = {&c, collect_emit, collect_problem};
	ck_assert_int_eq(extract_ndjson(buf, len, &sink, &err, &err_line), 0);
	ck_assert_uint_eq(nrecs(), 1);
	ck_assert_str_eq(str(rec(0), "id"), "2");
	ck_assert_uint_eq(json_array_size(c.probs), 1);
	ck_assert_int_eq(prob_line(0), 1);
	ck_assert_msg(strncmp(prob_msg(0), "line longer than ", 17) == 0, "%s", prob_msg(0));
	free(buf);
}
END_TEST

START_TEST(test_ndjson_utf16)
{
	ck_assert_int_eq(ndjson("\xff\xfe{"), -1);
	ck_assert_int_eq(err_line, 1);
	teardown();
	setup();
	ck_assert_int_eq(ndjson(""), 0);
	ck_assert_uint_eq(nrecs(), 0);
	ck_assert_uint_eq(json_array_size(c.probs), 0);
}
END_TEST

static Suite *extract_suite(void)
{
	Suite *s = suite_create("extract");
	TCase *tc = tcase_create("html");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_page_text_stripped);
	tcase_add_test(tc, test_main_preferred);
	tcase_add_test(tc, test_title_suffix);
	tcase_add_test(tc, test_meta_description_and_headings);
	tcase_add_test(tc, test_lang);
	tcase_add_test(tc, test_product);
	tcase_add_test(tc, test_availability_mapping);
	tcase_add_test(tc, test_faq);
	tcase_add_test(tc, test_graph);
	tcase_add_test(tc, test_broken_jsonld);
	tcase_add_test(tc, test_broken_jsonld_far_line);
	tcase_add_test(tc, test_manual_sections);
	tcase_add_test(tc, test_manual_by_jsonld_with_intro);
	tcase_add_test(tc, test_long_page_split);
	tcase_add_test(tc, test_short_page_not_split);
	tcase_add_test(tc, test_invalid_utf8);
	tcase_add_test(tc, test_utf8_undeclared);
	tcase_add_test(tc, test_latin1);
	tcase_add_test(tc, test_empty_page);
	tcase_add_test(tc, test_hostile_nesting);
	tcase_add_test(tc, test_hostile_attribute);
	tcase_add_test(tc, test_hostile_nul);
	tcase_add_test(tc, test_slug);
	suite_add_tcase(s, tc);

	tc = tcase_create("ndjson");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_ndjson_defaults);
	tcase_add_test(tc, test_ndjson_price_specs);
	tcase_add_test(tc, test_ndjson_bad_lines);
	tcase_add_test(tc, test_ndjson_feed);
	tcase_add_test(tc, test_ndjson_long_line);
	tcase_add_test(tc, test_ndjson_utf16);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	xmlInitParser();
	SRunner *sr = srunner_create(extract_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	xmlCleanupParser();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
