/*
 * tests/unit/test_cli.c: command lines into words (conf_line_split, the one
 * splitter of the shell and the configuration) and cli_join, which turns
 * argv back into a line that splits into the same words.
 */
#include "cli/cli.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static struct conf_line l;

static void teardown(void)
{
	conf_line_free(&l);
}

TestSuite(split, .fini = teardown);
TestSuite(cli_join);

static void split_ok(const char *line, size_t want)
{
	struct conf_err err = {0};

	cr_assert_eq(conf_line_split(&l, line, false, &err), CONF_OK, "\"%s\": %s", line, err.msg);
	cr_assert_eq(l.n, want, "\"%s\": %zu words, want %zu", line, l.n, want);
}

Test(split, blanks_separate)
{
	split_ok("  show \t counter   mail \n", 3);
	cr_assert_str_eq(l.w[0].text, "show");
	cr_assert_str_eq(l.w[1].text, "counter");
	cr_assert_str_eq(l.w[2].text, "mail");
	cr_assert_eq(l.w[1].col, 10);
	cr_assert_eq(l.w[1].end, 17);
}

Test(split, empty_and_blank_lines)
{
	split_ok("", 0);
	conf_line_free(&l);
	split_ok(" \t \r\n", 0);
}

Test(split, quotes_group)
{
	split_ok("log email admin@example.com msgtext \"Pool exhausted\"", 5);
	cr_assert_str_eq(l.w[3].text, "msgtext");
	cr_assert_str_eq(l.w[4].text, "Pool exhausted");
	cr_assert(l.w[4].quoted);
}

Test(split, guide_subject_with_substitutions)
{
	split_ok("mail to fred@example.com subject \"Host: %N with Serial: %S "
		 "memory utilization high at %L\"",
		 5);
	cr_assert_str_eq(l.w[4].text, "Host: %N with Serial: %S memory utilization high at %L");
}

Test(split, backslash_escapes_quote_inside_quotes)
{
	split_ok("msgtext \"say \\\"hi\\\" \\\\ now\"", 2);
	cr_assert_str_eq(l.w[1].text, "say \"hi\" \\ now");
}

Test(split, backslash_kept_elsewhere)
{
	split_ok("regex a\\d+ \"b\\s\"", 3);
	cr_assert_str_eq(l.w[1].text, "a\\d+");
	cr_assert_str_eq(l.w[2].text, "b\\s");
}

Test(split, empty_quotes_are_a_word)
{
	split_ok("subject \"\" x", 3);
	cr_assert_str_eq(l.w[1].text, "");
	cr_assert_str_eq(l.w[2].text, "x");
}

Test(split, unterminated_quote_is_an_error_unless_partial)
{
	struct conf_err err = {0};

	cr_assert_eq(conf_line_split(&l, "mail subject \"oops", false, &err), CONF_ESYNTAX);
	cr_assert_str_eq(err.msg, "unterminated quote");
	cr_assert_eq(err.column, 14);
	conf_line_free(&l);
	/* for ? and Tab: the open quote is the word being typed */
	cr_assert_eq(conf_line_split(&l, "mail subject \"oops", true, &err), CONF_OK);
	cr_assert_eq(l.n, 3);
	cr_assert_str_eq(l.w[2].text, "oops");
}

Test(split, escaped_closing_quote_leaves_it_unterminated)
{
	struct conf_err err = {0};

	cr_assert_eq(conf_line_split(&l, "\"abc\\\"", false, &err), CONF_ESYNTAX);
	cr_assert_str_eq(err.msg, "unterminated quote");
	cr_assert_eq(err.column, 1);
}

Test(cli_join, round_trip)
{
	char *in[] = {"mail", "subject", "Pool \"exhausted\"", "", "a\\", "c:\\dir x", "p\\d"};
	char *line = cli_join(7, in);

	cr_assert_not_null(line);
	cr_assert_str_eq(line,
			 "mail subject \"Pool \\\"exhausted\\\"\" \"\" a\\ \"c:\\dir x\" p\\d");
	cr_assert_eq(conf_line_split(&l, line, false, NULL), CONF_OK);
	cr_assert_eq(l.n, 7);
	for (int i = 0; i < 7; i++)
		cr_assert_str_eq(l.w[i].text, in[i]);
	conf_line_free(&l);
	free(line);
}

Test(cli_join, trailing_backslash_inside_quotes)
{
	char *in[] = {"a b\\"};
	char *line = cli_join(1, in);

	cr_assert_str_eq(line, "\"a b\\\\\"");
	cr_assert_eq(conf_line_split(&l, line, false, NULL), CONF_OK);
	cr_assert_str_eq(l.w[0].text, "a b\\");
	conf_line_free(&l);
	free(line);
}
