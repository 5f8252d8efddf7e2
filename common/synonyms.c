/*
 * synonyms.c - see synonyms.h.  The format is the one Solr's
 * SynonymGraphFilter reads, so a list kept for Solr loads unchanged; where
 * Solr quietly drops something an editor most likely got wrong (an empty
 * entry, a second "=>") this parser says so with the line number instead,
 * and goes on with the next line.
 */
#include "synonyms.h"

#include <stdbool.h>
#include <string.h>

#include "util.h"

#define STR_(x) #x
#define STR(x) STR_(x)

struct entry {
	size_t off, len; /* in line.buf, NUL-terminated there */
	int side;        /* 0: the list, or left of "=>"; 1: right of "=>" */
};

/* One line split into its entries, unescaped, whitespace collapsed. */
struct line {
	/* Each entry's bytes are no more than the line's, plus its NUL. */
	char buf[SYNONYMS_MAX_LINE + SYNONYMS_MAX_ENTRIES];
	size_t used;
	struct entry entries[SYNONYMS_MAX_ENTRIES];
	size_t n;   /* entries begun, the current one included: may pass the cap */
	int side;   /* of the current entry */
	int arrows; /* "=>" seen */
	bool space; /* whitespace since the current entry's last byte */
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Entries past the cap are counted but not stored; the line is rejected
 * once it has been read to the end. */
static void entry_begin(struct line *l)
{
	if (l->n < SYNONYMS_MAX_ENTRIES)
		l->entries[l->n] = (struct entry){l->used, 0, l->side};
	l->n++;
	l->space = false;
}

static void entry_putc(struct line *l, char c)
{
	if (l->n > SYNONYMS_MAX_ENTRIES)
		return;
	struct entry *e = &l->entries[l->n - 1];
	if (is_blank(c)) {
		/* Leading blanks are dropped, inner runs become one space
		 * when a byte follows, trailing ones never get written. */
		l->space = e->len > 0;
		return;
	}
	if (l->space) {
		l->buf[l->used++] = ' ';
		e->len++;
		l->space = false;
	}
	l->buf[l->used++] = c;
	e->len++;
}

static void entry_end(struct line *l)
{
	if (l->n <= SYNONYMS_MAX_ENTRIES)
		l->buf[l->used++] = '\0';
}

static const char *entry_str(const struct line *l, size_t i)
{
	return l->buf + l->entries[i].off;
}

/* The entries of one side must all have something in them. */
static const char *side_check(const struct line *l, int side)
{
	size_t a = 0, b;
	while (a < l->n && l->entries[a].side != side)
		a++;
	for (b = a; b < l->n && l->entries[b].side == side; b++)
		;
	if (b - a == 1 && l->entries[a].len == 0) {
		if (l->arrows)
			return side == 0 ? "nothing before '=>'" : "nothing after '=>'";
		return "empty entry";
	}
	for (size_t i = a; i < b; i++) {
		if (l->entries[i].len)
			continue;
		if (i == a)
			return "empty entry before the first comma";
		if (i == b - 1)
			return "empty entry after the last comma";
		return "empty entry between commas";
	}
	return NULL;
}

/* Split s[0..len) (no line end) into l.  NULL when the line is good (it
 * may have no entries: blank or a comment), else the reason it is not. */
static const char *line_split(struct line *l, const char *s, size_t len)
{
	l->used = l->n = 0;
	l->side = l->arrows = 0;
	if (len > SYNONYMS_MAX_LINE)
		return "line longer than " STR(SYNONYMS_MAX_LINE) " bytes";
	if (memchr(s, '\0', len))
		return "NUL byte in the line";
	if (!utf8_valid(s, len, NULL))
		return "invalid UTF-8";
	size_t i = 0;
	while (i < len && is_blank(s[i]))
		i++;
	if (i == len || s[i] == '#')
		return NULL;

	entry_begin(l);
	for (; i < len; i++) {
		if (s[i] == '\\') {
			/* As in Solr: a backslash takes the next byte as it
			 * is, so "\," "\=" and "\\" are plain text. */
			if (++i == len)
				return "'\\' at the end of the line";
			entry_putc(l, s[i]);
		} else if (s[i] == ',') {
			entry_end(l);
			entry_begin(l);
		} else if (s[i] == '=' && i + 1 < len && s[i + 1] == '>') {
			i++;
			l->arrows++;
			entry_end(l);
			l->side = 1;
			entry_begin(l);
		} else {
			entry_putc(l, s[i]);
		}
	}
	entry_end(l);

	if (l->arrows > 1)
		return "more than one '=>'";
	if (l->n > SYNONYMS_MAX_ENTRIES)
		return "more than " STR(SYNONYMS_MAX_ENTRIES) " entries";
	const char *why = side_check(l, 0);
	if (!why && l->arrows)
		why = side_check(l, 1);
	return why;
}

/* True when entry i repeats an earlier entry of its side: each term is
 * paired once however often it is listed. */
static bool entry_repeated(const struct line *l, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (l->entries[k].side == l->entries[i].side &&
		    strcmp(entry_str(l, k), entry_str(l, i)) == 0)
			return true;
	return false;
}

/* Hand the line's pairs to rule; -1 when it asks to stop. */
static int line_emit(const struct line *l, long lineno, synonyms_rule_cb rule, void *ctx)
{
	if (!rule)
		return 0;
	for (size_t i = 0; i < l->n; i++) {
		if (l->entries[i].side != 0 || entry_repeated(l, i))
			continue;
		for (size_t j = 0; j < l->n; j++) {
			/* A list pairs its entries with each other, a "=>"
			 * rule each left entry with each right one. */
			if (l->entries[j].side != (l->arrows ? 1 : 0) || j == i ||
			    entry_repeated(l, j))
				continue;
			const char *from = entry_str(l, i), *to = entry_str(l, j);
			if (strcmp(from, to) == 0)
				continue;
			if (rule(ctx, from, to, lineno) != 0)
				return -1;
		}
	}
	return 0;
}

/*
 * The format, one rule a line:
 *
 *   # a comment: the line's first non-blank character is '#'
 *   zwembad, pool, swimming pool      equivalent: each finds the others
 *   jacuzzi, bubbelbad => spa         one way: each left entry finds each
 *                                     right entry, not the other way round
 *
 * Entries may be several words; blanks around them are trimmed and runs
 * of blanks inside collapsed to one space.  A backslash makes the next
 * character plain text: "1\,5 m" is one entry, "a \=> b" has no arrow.
 * Blank lines are ignored, so is a list of one entry (nothing to pair it
 * with).  Lines may end in "\n" or "\r\n", the last one may lack it, and
 * a UTF-8 byte order mark at the start is skipped.
 *
 * A line is skipped, with bad(ctx, line, reason), when it is longer than
 * SYNONYMS_MAX_LINE bytes, holds a NUL or invalid UTF-8, has more than
 * one "=>" or nothing on one side of it, an empty entry ("a,,b", "a,"),
 * more than SYNONYMS_MAX_ENTRIES entries, or ends in a lone backslash.
 * The lines around it still count.  From "a, b, c" rule() gets a->b,
 * a->c, b->a, b->c, c->a, c->b; from "a, b => c, a" it gets a->c, b->c,
 * b->a (never a pair of equal entries, and each pair of a line once).
 */
int synonyms_parse(const char *text, size_t len, synonyms_rule_cb rule, synonyms_error_cb bad,
                   void *ctx)
{
	struct line l;
	int bad_lines = 0;
	size_t pos = 0;
	long lineno = 0;
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		pos = 3;
	while (pos < len) {
		const char *s = text + pos;
		const char *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		pos += nl ? n + 1 : n;
		lineno++;
		if (n && s[n - 1] == '\r')
			n--;
		const char *why = line_split(&l, s, n);
		if (why) {
			bad_lines++;
			if (bad)
				bad(ctx, lineno, why);
			continue;
		}
		if (line_emit(&l, lineno, rule, ctx) != 0)
			return -1;
	}
	return bad_lines;
}

int synonyms_read_file(const char *path, char **out, size_t *len, char **err)
{
	return read_file(path, SYNONYMS_MAX_FILE, out, len, err);
}
