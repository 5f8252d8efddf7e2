/*
 * debpkg - a shop catalogue made from Debian's package descriptions, as
 * NDJSON feeds for the indexer (README "Indexing").  `make bench` indexes
 * it: some 63,000 real, varied English texts that nobody had to write.
 *
 *   apt-cache dumpavail > packages
 *   /usr/lib/apt/apt-helper cat-file LISTS_DIR/..._i18n_Translation-en.lz4 > translations
 *   debpkg --translations translations --out DIR packages
 *
 * Input is deb822 (Debian's "Field: value" records, blank-line separated,
 * continuation lines indented).  `apt-cache dumpavail` gives one record
 * per package with its short description; the long descriptions live in
 * the Translation-en lists, keyed by Description-md5 (apt fetches them
 * when Acquire::Languages includes "en").  A record becomes:
 *
 *   id        the package name
 *   type      "manual" for documentation (section doc, or a name ending
 *             in -doc), else "product"
 *   title     "NAME: short description"
 *   body      the long description, paragraphs kept
 *   url       "pkg/NAME"
 *   lang      "en"
 *   category  the Section ("games", "libs"; an archive area before a '/'
 *             is dropped)
 *   brand     the maintainer's name without the address
 *   sku       the package name (products)
 *   price     the installed size in MiB, rounded to cents: no shop price
 *             exists, and this gives the price facet and ranges a real
 *             spread (products)
 *   currency  "EUR" (products)
 *   specs     version, architecture, priority, installed size
 *   homepage  an extra field, returned with the hit
 *
 * A package without a long description (none in the lists) keeps its
 * title only.  Bytes that are not UTF-8 are read as Latin-1, the legacy
 * encoding of old changelogs and names, and counted on stderr.  The
 * records are written --per-file to a file (the indexer refuses a feed
 * over 32 MiB): DIR/packages-000.ndjson, ...
 *
 * Exit status: 0, or 1 with a message (unreadable input, a field over
 * DEBPKG_MAX_FIELD bytes, an output that cannot be written).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "util.h"

/* A field longer than this is not a package description. */
#define DEBPKG_MAX_FIELD (1L << 20)
#define DEBPKG_MAX_FIELDS 64

struct field {
	char *name;
	struct strbuf value; /* continuation lines joined with '\n', indent dropped */
};

/* One deb822 record (stanza). */
struct stanza {
	struct field f[DEBPKG_MAX_FIELDS];
	size_t n;
	long line; /* where it starts */
};

/* A deb822 stream being read. */
struct reader {
	FILE *in;
	const char *path; /* for messages */
	long line;
	char *buf; /* getline's */
	size_t alloc;
};

struct convert {
	json_t *long_desc;    /* Description-md5 -> long description (string) */
	const char *out_dir;  /* NULL: stdout */
	long per_file, limit; /* records per output file; 0 no limit */
	FILE *out;
	unsigned file_no;
	long in_file;
	unsigned long records, manuals, without_long, latin1, skipped;
};

static void usage(FILE *f)
{
	fputs("usage: debpkg [--translations FILE]... [--out DIR] [--per-file N] [--limit N]\n"
	      "              [PACKAGES]\n"
	      "\n"
	      "Turn Debian package records (deb822, as `apt-cache dumpavail` prints\n"
	      "them; PACKAGES or standard input) into a shop catalogue in the\n"
	      "indexer's NDJSON feed format: one product (or manual, for\n"
	      "documentation packages) per package.\n"
	      "\n"
	      "  -t, --translations FILE  a Translation-en list (deb822, decompressed):\n"
	      "                           the long descriptions, matched by\n"
	      "                           Description-md5; may be repeated\n"
	      "  -o, --out DIR            write DIR/packages-NNN.ndjson (created if\n"
	      "                           missing) instead of standard output\n"
	      "  -n, --per-file N         records per file with --out (default 10000)\n"
	      "  -l, --limit N            stop after N records (default: all)\n"
	      "  -h, --help               this help\n",
	      f);
}

static void stanza_clear(struct stanza *st)
{
	for (size_t i = 0; i < st->n; i++) {
		free(st->f[i].name);
		strbuf_release(&st->f[i].value);
	}
	st->n = 0;
}

/* The value of field name (case-insensitive, as deb822 wants), or NULL. */
static const struct strbuf *stanza_get(const struct stanza *st, const char *name)
{
	for (size_t i = 0; i < st->n; i++)
		if (strcasecmp(st->f[i].name, name) == 0)
			return &st->f[i].value;
	return NULL;
}

static const char *stanza_str(const struct stanza *st, const char *name)
{
	const struct strbuf *v = stanza_get(st, name);
	return v && v->len ? v->buf : NULL;
}

/*
 * Read the next record into st (cleared first).  Returns 1 when one was
 * read, 0 at the end of the stream, -1 with *err on a malformed line or
 * a read error.  Comment lines ('#') are skipped.
 */
static int stanza_read(struct reader *r, struct stanza *st, char **err)
{
	stanza_clear(st);
	for (;;) {
		errno = 0;
		ssize_t n = getline(&r->buf, &r->alloc, r->in);
		if (n < 0) {
			if (ferror(r->in))
				return vb_error(err, "cannot read '%s': %s", r->path, strerror(errno));
			return st->n ? 1 : 0;
		}
		r->line++;
		while (n > 0 && (r->buf[n - 1] == '\n' || r->buf[n - 1] == '\r'))
			r->buf[--n] = '\0';
		if (n == 0 || strspn(r->buf, " \t") == (size_t)n) {
			if (st->n)
				return 1;
			continue;
		}
		if (r->buf[0] == '#')
			continue;
		if (r->buf[0] == ' ' || r->buf[0] == '\t') {
			if (!st->n)
				return vb_error(err, "%s:%ld: continuation line outside a field", r->path,
				                r->line);
			struct strbuf *v = &st->f[st->n - 1].value;
			if (!strbuf_addch(v, '\n') || !strbuf_add(v, r->buf + 1, (size_t)n - 1))
				return vb_error(err, "%s:%ld: field longer than %ld bytes", r->path,
				                r->line, DEBPKG_MAX_FIELD);
			continue;
		}
		char *colon = strchr(r->buf, ':');
		if (!colon || colon == r->buf)
			return vb_error(err, "%s:%ld: expected 'Field: value'", r->path, r->line);
		if (st->n == DEBPKG_MAX_FIELDS)
			return vb_error(err, "%s:%ld: more than %d fields in a record", r->path, r->line,
			                DEBPKG_MAX_FIELDS);
		if (!st->n)
			st->line = r->line;
		struct field *f = &st->f[st->n++];
		f->name = xstrndup(r->buf, (size_t)(colon - r->buf));
		strbuf_init(&f->value, DEBPKG_MAX_FIELD);
		const char *v = colon + 1;
		v += strspn(v, " \t");
		if (!strbuf_addstr(&f->value, v))
			return vb_error(err, "%s:%ld: field longer than %ld bytes", r->path, r->line,
			                DEBPKG_MAX_FIELD);
	}
}

/*
 * s[0..len) as UTF-8: valid sequences are kept, every other byte is read
 * as Latin-1.  *fixed tells whether anything was.  New: free().
 */
static char *utf8_or_latin1(const char *s, size_t len, bool *fixed)
{
	struct strbuf sb;
	size_t bad;
	*fixed = false;
	strbuf_init(&sb, 0);
	while (len && !utf8_valid(s, len, &bad)) {
		unsigned char c = (unsigned char)s[bad];
		strbuf_add(&sb, s, bad);
		strbuf_addch(&sb, (char)(0xC0 | (c >> 6)));
		strbuf_addch(&sb, (char)(0x80 | (c & 0x3F)));
		s += bad + 1;
		len -= bad + 1;
		*fixed = true;
	}
	strbuf_add(&sb, s, len);
	return strbuf_detach(&sb, NULL);
}

/*
 * The long description of a Description field's value (its first line
 * is the synopsis): lines of a paragraph joined by spaces, paragraphs
 * ("." lines) by a blank line, and lines indented further (verbatim in
 * Debian's terms: lists, examples) kept as lines.  New: free().
 */
static char *long_description(const char *value)
{
	struct strbuf sb;
	strbuf_init(&sb, 0);
	const char *p = strchr(value, '\n');
	bool verbatim = false;
	while (p) {
		const char *line = p + 1;
		p = strchr(line, '\n');
		size_t n = p ? (size_t)(p - line) : strlen(line);
		if (n == 1 && line[0] == '.') {
			if (sb.len)
				strbuf_addstr(&sb, "\n\n");
			verbatim = false;
			continue;
		}
		bool indented = n && (line[0] == ' ' || line[0] == '\t');
		if (sb.len && sb.buf[sb.len - 1] != '\n')
			strbuf_addch(&sb, indented || verbatim ? '\n' : ' ');
		verbatim = indented;
		size_t skip = strspn(line, " \t"); /* stops at the '\n': <= n */
		strbuf_add(&sb, line + skip, n - skip);
	}
	return strbuf_detach(&sb, NULL);
}

/* The synopsis: the first line of a Description value.  New: free(). */
static char *synopsis(const char *value)
{
	const char *nl = strchr(value, '\n');
	return xstrndup(value, nl ? (size_t)(nl - value) : strlen(value));
}

/* Set key to a string made valid UTF-8; counts a repair in cv. */
static void set_text(struct convert *cv, json_t *obj, const char *key, const char *s)
{
	bool fixed;
	char *u = utf8_or_latin1(s, strlen(s), &fixed);
	json_object_set_new(obj, key, json_string(u));
	if (fixed)
		cv->latin1++;
	free(u);
}

/* Read a Translation-en list into cv->long_desc. */
static int load_translations(struct convert *cv, const char *path, char **err)
{
	struct reader r = {NULL, path, 0, NULL, 0};
	struct stanza st = {0};
	int rc = -1, got;
	r.in = fopen(path, "r");
	if (!r.in)
		return vb_error(err, "cannot open '%s': %s", path, strerror(errno));
	while ((got = stanza_read(&r, &st, err)) == 1) {
		const char *md5 = stanza_str(&st, "Description-md5");
		const char *desc = stanza_str(&st, "Description-en");
		if (!md5 || !desc)
			continue;
		char *text = long_description(desc);
		set_text(cv, cv->long_desc, md5, text);
		free(text);
	}
	if (got == 0)
		rc = 0;
	stanza_clear(&st);
	free(r.buf);
	fclose(r.in);
	return rc;
}

/* The maintainer's name: "Debian Games Team <x@y>" -> "Debian Games Team". */
static char *maintainer_name(const char *m)
{
	const char *lt = strchr(m, '<');
	size_t n = lt ? (size_t)(lt - m) : strlen(m);
	while (n && (m[n - 1] == ' ' || m[n - 1] == '\t'))
		n--;
	return xstrndup(m, n);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The catalogue record of one package record, or NULL (with a message
 * on stderr) when it has no name or no description. */
static json_t *make_record(struct convert *cv, const struct stanza *st, const char *path)
{
	const char *name = stanza_str(st, "Package");
	const char *desc = stanza_str(st, "Description");
	if (!desc)
		desc = stanza_str(st, "Description-en");
	if (!name || !desc) {
		fprintf(stderr, "debpkg: %s:%ld: record without %s skipped\n", path, st->line,
		        name ? "Description" : "Package");
		cv->skipped++;
		return NULL;
	}
	const char *section = stanza_str(st, "Section");
	const char *slash = section ? strchr(section, '/') : NULL;
	if (slash)
		section = slash + 1;
	bool manual = (section && strcmp(section, "doc") == 0) || ends_with(name, "-doc");

	json_t *rec = json_object();
	set_text(cv, rec, "id", name);
	json_object_set_new(rec, "type", json_string(manual ? "manual" : "product"));
	json_object_set_new(rec, "lang", json_string("en"));
	char *syn = synopsis(desc);
	char *title = xasprintf("%s: %s", name, syn);
	set_text(cv, rec, "title", title);
	free(title);
	free(syn);

	/* The long description: from the record itself when it has one
	 * (a Packages file made with long descriptions), else from the
	 * translations. */
	char *body = long_description(desc);
	const char *md5 = stanza_str(st, "Description-md5");
	if (!*body && md5) {
		const char *t = json_string_value(json_object_get(cv->long_desc, md5));
		free(body);
		body = xstrdup(t ? t : "");
	}
	if (*body)
		set_text(cv, rec, "body", body);
	else
		cv->without_long++;
	free(body);

	char *url = xasprintf("pkg/%s", name);
	set_text(cv, rec, "url", url);
	free(url);
	if (section)
		set_text(cv, rec, "category", section);
	const char *maint = stanza_str(st, "Maintainer");
	if (maint) {
		char *brand = maintainer_name(maint);
		if (*brand)
			set_text(cv, rec, "brand", brand);
		free(brand);
	}
	const char *homepage = stanza_str(st, "Homepage");
	if (homepage)
		set_text(cv, rec, "homepage", homepage);

	json_t *specs = json_object();
	static const struct {
		const char *field, *spec;
	} spec_fields[] = {
		{"Version", "version"},
		{"Architecture", "architecture"},
		{"Priority", "priority"},
	};
	for (size_t i = 0; i < sizeof spec_fields / sizeof *spec_fields; i++) {
		const char *v = stanza_str(st, spec_fields[i].field);
		if (v)
			set_text(cv, specs, spec_fields[i].spec, v);
	}
	long kib;
	const char *size = stanza_str(st, "Installed-Size");
	bool sized = size && parse_long(size, 0, 1L << 40, &kib);
	if (sized) {
		char *s = xasprintf("%ld KiB", kib);
		json_object_set_new(specs, "installed_size", json_string(s));
		free(s);
	}
	json_object_set_new(rec, "specs", specs);
	if (!manual) {
		set_text(cv, rec, "sku", name);
		if (sized) {
			json_object_set_new(rec, "price", json_real(round((double)kib / 1024 * 100) / 100));
			json_object_set_new(rec, "currency", json_string("EUR"));
		}
	}
	cv->manuals += manual;
	return rec;
}

/* The file the next record goes to: stdout, or a new one every per_file. */
static int next_out(struct convert *cv, char **err)
{
	if (!cv->out_dir) {
		cv->out = stdout;
		return 0;
	}
	if (cv->out && cv->in_file < cv->per_file)
		return 0;
	if (cv->out && fclose(cv->out) != 0) {
		cv->out = NULL;
		return vb_error(err, "cannot write to '%s': %s", cv->out_dir, strerror(errno));
	}
	char *path = xasprintf("%s/packages-%03u.ndjson", cv->out_dir, cv->file_no++);
	cv->out = fopen(path, "w");
	int rc = 0;
	if (!cv->out)
		rc = vb_error(err, "cannot create '%s': %s", path, strerror(errno));
	free(path);
	cv->in_file = 0;
	return rc;
}

static int convert_packages(struct convert *cv, FILE *in, const char *path, char **err)
{
	struct reader r = {in, path, 0, NULL, 0};
	struct stanza st = {0};
	json_t *seen = json_object(); /* names written, for duplicates */
	int rc = -1, got;
	while ((cv->limit == 0 || (long)cv->records < cv->limit) &&
	       (got = stanza_read(&r, &st, err)) == 1) {
		json_t *rec = make_record(cv, &st, path);
		if (!rec)
			continue;
		const char *id = json_string_value(json_object_get(rec, "id"));
		/* A package listed by several suites (bookworm and
		 * bookworm-security): the first record counts. */
		if (json_object_get(seen, id)) {
			json_decref(rec);
			continue;
		}
		json_object_set_new(seen, id, json_true());
		if (next_out(cv, err) != 0) {
			json_decref(rec);
			goto out;
		}
		if (json_dumpf(rec, cv->out, JSON_COMPACT | JSON_REAL_PRECISION(12)) != 0 || fputc('\n', cv->out) == EOF) {
			json_decref(rec);
			vb_error(err, "cannot write a record: %s", strerror(errno));
			goto out;
		}
		json_decref(rec);
		cv->records++;
		cv->in_file++;
	}
	if (cv->limit && (long)cv->records >= cv->limit)
		got = 0;
	if (got == 0)
		rc = 0;
out:
	json_decref(seen);
	stanza_clear(&st);
	free(r.buf);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"translations", required_argument, NULL, 't'},
		{"out", required_argument, NULL, 'o'},
		{"per-file", required_argument, NULL, 'n'},
		{"limit", required_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct convert cv = {.long_desc = json_object(), .per_file = 10000};
	const char **translations = xcalloc((size_t)argc, sizeof *translations);
	size_t ntrans = 0;
	char *err = NULL;
	FILE *in = NULL;
	int status = 1, c;
	while ((c = getopt_long(argc, argv, "t:o:n:l:h", opts, NULL)) != -1) {
		switch (c) {
		case 't': translations[ntrans++] = optarg; break;
		case 'o': cv.out_dir = optarg; break;
		case 'n':
			if (!parse_long(optarg, 1, 10000000, &cv.per_file)) {
				fputs("debpkg: --per-file must be a number from 1 to 10000000\n", stderr);
				goto out;
			}
			break;
		case 'l':
			if (!parse_long(optarg, 1, 100000000, &cv.limit)) {
				fputs("debpkg: --limit must be a positive number\n", stderr);
				goto out;
			}
			break;
		case 'h':
			usage(stdout);
			status = 0;
			goto out;
		default: usage(stderr); goto out;
		}
	}
	if (argc - optind > 1) {
		fprintf(stderr, "debpkg: more than one PACKAGES file given ('%s')\n", argv[optind + 1]);
		usage(stderr);
		goto out;
	}
	const char *path = optind < argc ? argv[optind] : "-";
	in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (!in) {
		fprintf(stderr, "debpkg: cannot open '%s': %s\n", path, strerror(errno));
		goto out;
	}
	if (cv.out_dir && mkdir(cv.out_dir, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "debpkg: cannot create '%s': %s\n", cv.out_dir, strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < ntrans; i++) {
		if (load_translations(&cv, translations[i], &err) != 0) {
			fprintf(stderr, "debpkg: %s\n", err);
			goto out;
		}
	}
	if (convert_packages(&cv, in, strcmp(path, "-") == 0 ? "<stdin>" : path, &err) != 0) {
		fprintf(stderr, "debpkg: %s\n", err);
		goto out;
	}
	if (cv.out && fflush(cv.out) != 0) {
		fprintf(stderr, "debpkg: cannot write: %s\n", strerror(errno));
		goto out;
	}
	unsigned files = cv.out_dir ? cv.file_no : 1;
	fprintf(stderr,
	        "debpkg: %lu records (%lu manuals) in %u file%s; %lu without a long description, "
	        "%lu fields with non-UTF-8 bytes read as Latin-1, %lu skipped\n",
	        cv.records, cv.manuals, files, files == 1 ? "" : "s", cv.without_long, cv.latin1,
	        cv.skipped);
	status = 0;
out:
	if (cv.out && cv.out != stdout && fclose(cv.out) != 0 && status == 0) {
		fprintf(stderr, "debpkg: cannot write to '%s': %s\n", cv.out_dir, strerror(errno));
		status = 1;
	}
	if (in && in != stdin)
		fclose(in);
	free(err);
	free(translations);
	json_decref(cv.long_desc);
	return status;
}
