/*
 * test_synonyms.c - unit tests for common/synonyms.c: what an editor's
 * synonyms.txt in Solr's format turns into, pair by pair, and how a bad
 * line is reported by number without losing the lines after it.
 *
 * The callbacks write what they get into one transcript, a line each
 * ("3: a -> b" for a pair, "4! reason" for a skipped line), so a test
 * reads as the input next to what the parser made of it.
 */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "synonyms.h"
#include "util.h"

static struct strbuf got;
static int stop_after; /* pairs before rule() asks to stop; 0: never */

static int on_rule(void *ctx, const char *from, const char *to, long line)
{
	(void)ctx;
	strbuf_addf(&got, "%ld: %s -> %s\n", line, from, to);
	if (stop_after && --stop_after == 0)
		return 1;
	return 0;
}

static void on_bad(void *ctx, long line, const char *reason)
{
	(void)ctx;
	strbuf_addf(&got, "%ld! %s\n", line, reason);
}

static void setup(void)
{
	strbuf_init(&got, 0);
	strbuf_addstr(&got, ""); /* got.buf is never NULL */
	stop_after = 0;
}

static void teardown(void)
{
	strbuf_release(&got);
}

static int parse_n(const char *text, size_t len)
{
	return synonyms_parse(text, len, on_rule, on_bad, NULL);
}

static int parse(const char *text)
{
	return parse_n(text, strlen(text));
}

#define assert_got(expected) ck_assert_str_eq(got.buf, (expected))

START_TEST(test_equivalents_give_every_directed_pair)
{
	ck_assert_int_eq(parse("zwembad, pool, bad\n"), 0);
	assert_got("1: zwembad -> pool\n"
	           "1: zwembad -> bad\n"
	           "1: pool -> zwembad\n"
	           "1: pool -> bad\n"
	           "1: bad -> zwembad\n"
	           "1: bad -> pool\n");
}
END_TEST

START_TEST(test_one_way_rules)
{
	ck_assert_int_eq(parse("jacuzzi, bubbelbad => spa, wellness\naquacentrum=>zwembad\n"), 0);
	assert_got("1: jacuzzi -> spa\n"
	           "1: jacuzzi -> wellness\n"
	           "1: bubbelbad -> spa\n"
	           "1: bubbelbad -> wellness\n"
	           "2: aquacentrum -> zwembad\n");
}
END_TEST

START_TEST(test_left_term_kept_only_when_on_the_right)
{
	/* "a" maps to itself: no pair for that, but the rest stands. */
	ck_assert_int_eq(parse("a, b => c, a\n"), 0);
	assert_got("1: a -> c\n"
	           "1: b -> c\n"
	           "1: b -> a\n");
}
END_TEST

START_TEST(test_multi_word_entries_and_whitespace)
{
	ck_assert_int_eq(parse("  wifi ,\tdraadloos    netwerk,wi-fi  \n"
	                       "robot \t grasmaaier   =>   robotmaaier\n"),
	                 0);
	assert_got("1: wifi -> draadloos netwerk\n"
	           "1: wifi -> wi-fi\n"
	           "1: draadloos netwerk -> wifi\n"
	           "1: draadloos netwerk -> wi-fi\n"
	           "1: wi-fi -> wifi\n"
	           "1: wi-fi -> draadloos netwerk\n"
	           "2: robot grasmaaier -> robotmaaier\n");
}
END_TEST

START_TEST(test_comments_and_blank_lines)
{
	ck_assert_int_eq(parse("# Synoniemen\n"
	                       "\n"
	                       "   # ingesprongen commentaar, met => en komma\n"
	                       " \t \n"
	                       "bbq, grill\n"
	                       "#bbq, barbecue\n"),
	                 0);
	assert_got("5: bbq -> grill\n"
	           "5: grill -> bbq\n");
}
END_TEST

START_TEST(test_single_entry_and_repeats)
{
	/* A list of one has nothing to pair with; a repeated entry is paired
	 * once; an entry listed with itself only gives nothing. */
	ck_assert_int_eq(parse("zwembad\nkapot, defect, kapot\nx, x\n"), 0);
	assert_got("2: kapot -> defect\n"
	           "2: defect -> kapot\n");
}
END_TEST

START_TEST(test_escapes)
{
	ck_assert_int_eq(parse("1\\,5 m, anderhalve meter\n"
	                       "a \\=> b, c\n"
	                       "back\\\\slash => \\#hash\n"
	                       "\\# geen commentaar, hekje\n"),
	                 0);
	assert_got("1: 1,5 m -> anderhalve meter\n"
	           "1: anderhalve meter -> 1,5 m\n"
	           "2: a => b -> c\n"
	           "2: c -> a => b\n"
	           "3: back\\slash -> #hash\n"
	           "4: # geen commentaar -> hekje\n"
	           "4: hekje -> # geen commentaar\n");
}
END_TEST

START_TEST(test_crlf_and_no_final_newline)
{
	ck_assert_int_eq(
	    parse("# dos\r\nbbq, grill\r\n\r\nretour => retourneren\r\nzending, pakket"), 0);
	assert_got("2: bbq -> grill\n"
	           "2: grill -> bbq\n"
	           "4: retour -> retourneren\n"
	           "5: zending -> pakket\n"
	           "5: pakket -> zending\n");
}
END_TEST

START_TEST(test_byte_order_mark_and_utf8)
{
	ck_assert_int_eq(parse("\xEF\xBB\xBF# met BOM\ncaf\xC3\xA9, koffiehuis\n"), 0);
	assert_got("2: caf\xC3\xA9 -> koffiehuis\n"
	           "2: koffiehuis -> caf\xC3\xA9\n");
}
END_TEST

START_TEST(test_empty_input)
{
	ck_assert_int_eq(parse_n(NULL, 0), 0);
	ck_assert_int_eq(parse("\n\n# niets\n"), 0);
	assert_got("");
}
END_TEST

START_TEST(test_each_error_with_its_line)
{
	ck_assert_int_eq(parse("a, b\n"
	                       "x => y => z\n"
	                       "=> spa\n"
	                       "jacuzzi =>\n"
	                       "a,,b\n"
	                       ", a\n"
	                       "a, b,\n"
	                       "a, => b\n"
	                       "caf\xE9, koffie\n"
	                       "eind\\\n"
	                       "\\ \n"
	                       "c, d\n"),
	                 10);
	assert_got("1: a -> b\n"
	           "1: b -> a\n"
	           "2! more than one '=>'\n"
	           "3! nothing before '=>'\n"
	           "4! nothing after '=>'\n"
	           "5! empty entry between commas\n"
	           "6! empty entry before the first comma\n"
	           "7! empty entry after the last comma\n"
	           "8! empty entry after the last comma\n"
	           "9! invalid UTF-8\n"
	           "10! '\\' at the end of the line\n"
	           "11! empty entry\n"
	           "12: c -> d\n"
	           "12: d -> c\n");
}
END_TEST

START_TEST(test_nul_byte)
{
	static const char text[] = "a, b\0c\nd, e\n";
	ck_assert_int_eq(parse_n(text, sizeof text - 1), 1);
	assert_got("1! NUL byte in the line\n"
	           "2: d -> e\n"
	           "2: e -> d\n");
}
END_TEST

START_TEST(test_caps)
{
	struct strbuf in = STRBUF_INIT;
	/* Exactly at the cap is fine, one byte more is not. */
	strbuf_addstr(&in, "lang, ");
	while (in.len < SYNONYMS_MAX_LINE)
		strbuf_addch(&in, 'x');
	strbuf_addstr(&in, "\r\nlanger, ");
	while (in.len < 2 * SYNONYMS_MAX_LINE + 3)
		strbuf_addch(&in, 'y');
	strbuf_addstr(&in, "\n");
	for (int i = 0; i < SYNONYMS_MAX_ENTRIES + 1; i++)
		strbuf_addf(&in, "%sw%d", i ? ", " : "", i);
	strbuf_addstr(&in, "\nok, goed\n");
	ck_assert_int_eq(parse_n(in.buf, in.len), 2);
	ck_assert_msg(strncmp(got.buf, "1: lang -> xxx", 14) == 0, "%.40s", got.buf);
	ck_assert_ptr_nonnull(strstr(got.buf, "\n2! line longer than 4096 bytes\n"
	                                      "3! more than 64 entries\n"
	                                      "4: ok -> goed\n"
	                                      "4: goed -> ok\n"));
	strbuf_release(&in);

	/* The most entries a line may have, every pair of them. */
	for (int i = 0; i < SYNONYMS_MAX_ENTRIES; i++)
		strbuf_addf(&in, "%sw%d", i ? "," : "", i);
	int pairs = 0;
	stop_after = 0;
	strbuf_release(&got);
	strbuf_addstr(&got, "");
	ck_assert_int_eq(parse_n(in.buf, in.len), 0);
	for (const char *p = got.buf; (p = strchr(p, '\n')) != NULL; p++)
		pairs++;
	ck_assert_int_eq(pairs, SYNONYMS_MAX_ENTRIES * (SYNONYMS_MAX_ENTRIES - 1));
	strbuf_release(&in);
}
END_TEST

START_TEST(test_rule_can_stop_the_parse)
{
	stop_after = 3;
	ck_assert_int_eq(parse("a, b\nc => d\ne, f\n"), -1);
	assert_got("1: a -> b\n"
	           "1: b -> a\n"
	           "2: c -> d\n");
}
END_TEST

START_TEST(test_null_callbacks_count_bad_lines)
{
	ck_assert_int_eq(synonyms_parse("a,,b\nc, d\n=>\n", 13, NULL, NULL, NULL), 2);
}
END_TEST

START_TEST(test_read_file)
{
	char tmpl[] = "/tmp/test_synonyms.XXXXXX";
	int fd = mkstemp(tmpl);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "a, b\n", 5), 5);
	close(fd);
	char *text = NULL, *err = NULL;
	size_t len = 0;
	ck_assert_int_eq(synonyms_read_file(tmpl, &text, &len, &err), 0);
	ck_assert_uint_eq(len, 5);
	ck_assert_str_eq(text, "a, b\n");
	free(text);
	unlink(tmpl);
	text = NULL;
	ck_assert_int_eq(synonyms_read_file(tmpl, &text, &len, &err), -1);
	ck_assert_ptr_null(text);
	ck_assert_msg(strstr(err, "cannot open") && strstr(err, tmpl), "%s", err);
	free(err);
}
END_TEST

START_TEST(test_content_synonyms_file)
{
	/* The demo shop's own list loads without a bad line. */
	char *text = NULL, *err = NULL;
	size_t len = 0;
	ck_assert_msg(synonyms_read_file("content/synonyms.txt", &text, &len, &err) == 0, "%s",
	              err);
	ck_assert_int_eq(parse_n(text, len), 0);
	ck_assert_ptr_nonnull(strstr(got.buf, ": draadloos netwerk -> wifi\n"));
	ck_assert_ptr_nonnull(strstr(got.buf, ": aquacentrum -> zwembad\n"));
	ck_assert_ptr_null(strstr(got.buf, ": zwembad -> aquacentrum\n"));
	free(text);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("synonyms");
	TCase *tc = tcase_create("parse");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_equivalents_give_every_directed_pair);
	tcase_add_test(tc, test_one_way_rules);
	tcase_add_test(tc, test_left_term_kept_only_when_on_the_right);
	tcase_add_test(tc, test_multi_word_entries_and_whitespace);
	tcase_add_test(tc, test_comments_and_blank_lines);
	tcase_add_test(tc, test_single_entry_and_repeats);
	tcase_add_test(tc, test_escapes);
	tcase_add_test(tc, test_crlf_and_no_final_newline);
	tcase_add_test(tc, test_byte_order_mark_and_utf8);
	tcase_add_test(tc, test_empty_input);
	tcase_add_test(tc, test_each_error_with_its_line);
	tcase_add_test(tc, test_nul_byte);
	tcase_add_test(tc, test_caps);
	tcase_add_test(tc, test_rule_can_stop_the_parse);
	tcase_add_test(tc, test_null_callbacks_count_bad_lines);
	tcase_add_test(tc, test_read_file);
	tcase_add_test(tc, test_content_synonyms_file);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
