/*
 * tests/unit/test_cli.c: cli_split and cli_join.
 */
#include "cli/cli.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static char **split_ok(const char *line, int want)
{
	char err[128] = "", **w = NULL;
	int n = cli_split(line, &w, err, sizeof(err));

	cr_assert_eq(n, want, "\"%s\": %d words, want %d (%s)", line, n, want, err);
	cr_assert_not_null(w);
	cr_assert_null(w[n], "the word array is NULL-terminated");
	return w;
}

Test(cli_split, blanks_separate)
{
	char **w = split_ok("  show \t counter   mail \n", 3);

	cr_assert_str_eq(w[0], "show");
	cr_assert_str_eq(w[1], "counter");
	cr_assert_str_eq(w[2], "mail");
	free(w);
}

Test(cli_split, empty_and_blank_lines)
{
	free(split_ok("", 0));
	free(split_ok(" \t \r\n", 0));
}

Test(cli_split, quotes_group)
{
	char **w = split_ok("log email admin@example.com msgtext \"Pool exhausted\"", 5);

	cr_assert_str_eq(w[3], "msgtext");
	cr_assert_str_eq(w[4], "Pool exhausted");
	free(w);
}

Test(cli_split, seed_subject_with_substitutions)
{
	char **w = split_ok("mail to fred@example.com subject \"Host: %N with Serial: %S "
			    "memory utilization high at %L\"",
			    5);

	cr_assert_str_eq(w[4], "Host: %N with Serial: %S memory utilization high at %L");
	free(w);
}

Test(cli_split, backslash_escapes_quote_inside_quotes)
{
	char **w = split_ok("msgtext \"say \\\"hi\\\" \\\\ now\"", 2);

	cr_assert_str_eq(w[1], "say \"hi\" \\ now");
	free(w);
}

Test(cli_split, backslash_kept_elsewhere)
{
	char **w = split_ok("regex a\\d+ \"b\\s\"", 3);

	cr_assert_str_eq(w[1], "a\\d+");
	cr_assert_str_eq(w[2], "b\\s");
	free(w);
}

Test(cli_split, empty_quotes_are_a_word)
{
	char **w = split_ok("subject \"\" x", 3);

	cr_assert_str_eq(w[1], "");
	cr_assert_str_eq(w[2], "x");
	free(w);
}

Test(cli_split, quotes_join_with_adjacent_text)
{
	char **w = split_ok("a\"b c\"d e", 2);

	cr_assert_str_eq(w[0], "ab cd");
	cr_assert_str_eq(w[1], "e");
	free(w);
}

Test(cli_split, unterminated_quote_is_an_error)
{
	char err[128] = "", **w = (char **)1;

	cr_assert_eq(cli_split("mail subject \"oops", &w, err, sizeof(err)), -1);
	cr_assert_null(w);
	cr_assert_str_eq(err, "unterminated quote at column 14");
}

Test(cli_split, escaped_closing_quote_leaves_it_unterminated)
{
	char err[128] = "", **w = NULL;

	cr_assert_eq(cli_split("\"abc\\\"", &w, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "unterminated quote at column 1");
}

Test(cli_join, round_trip)
{
	char *in[] = {"mail", "subject", "Pool \"exhausted\"", "", "a\\", "c:\\dir x", "p\\d"};
	char **w = NULL, *line = cli_join(7, in);
	int i;

	cr_assert_not_null(line);
	cr_assert_str_eq(line,
			 "mail subject \"Pool \\\"exhausted\\\"\" \"\" a\\ \"c:\\dir x\" p\\d");
	cr_assert_eq(cli_split(line, &w, NULL, 0), 7);
	for (i = 0; i < 7; i++)
		cr_assert_str_eq(w[i], in[i]);
	free(w);
	free(line);
}

Test(cli_join, trailing_backslash_inside_quotes)
{
	char *in[] = {"a b\\"};
	char **w = NULL, *line = cli_join(1, in);

	cr_assert_str_eq(line, "\"a b\\\\\"");
	cr_assert_eq(cli_split(line, &w, NULL, 0), 1);
	cr_assert_str_eq(w[0], "a b\\");
	free(w);
	free(line);
}
