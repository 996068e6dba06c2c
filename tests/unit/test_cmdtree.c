/*
 * tests/unit/test_cmdtree.c: the command tree (config/cmdtree.c) and the
 * tables that use it: every declaration compiles with a help line per
 * word, logmail(1) lists exactly the commands of the tables, and `?`/Tab
 * offer what the declarations allow.
 */
#include "cli/cli.h"
#include "config/conf.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static const struct conf_table *const all[] = {
    &conf_commands,       &cli_show_commands, &cli_exec_commands, &cli_config_mode_commands,
    &cli_filter_commands,
};

Test(cmdtree, every_declaration_compiles_with_a_help_line_per_word)
{
	char why[256];

	for (size_t t = 0; t < sizeof(all) / sizeof(all[0]); t++)
		for (size_t i = 0; i < all[t]->n; i++)
			cr_expect_eq(conf_cmd_check(conf_table_cmd(all[t], i), why, sizeof(why)), 0,
				     "%s", why);
}

/* The lines of the .nf block after `.SS TITLE` in logmail(1), roff escapes
 * undone. */
static char *man_block(const char *title)
{
	const char *top = getenv("top_srcdir");
	char path[512], line[512], *out = NULL;
	size_t len = 0;
	bool in = false, found = false;
	FILE *f, *o = open_memstream(&out, &len);

	snprintf(path, sizeof(path), "%s/doc/logmail.1", top ? top : "..");
	f = fopen(path, "r");
	cr_assert_not_null(f, "%s", path);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, ".SS ", 4))
			found = !strncmp(line + 4, title, strlen(title)) &&
				line[4 + strlen(title)] == '\n';
		if (found && !strcmp(line, ".nf\n")) {
			in = true;
			continue;
		}
		if (in && !strcmp(line, ".fi\n"))
			break;
		if (!in)
			continue;
		for (char *p = line; *p; p++) {
			if (p[0] == '\\' && (p[1] == '-' || p[1] == 'e')) {
				fputc(p[1] == '-' ? '-' : '\\', o);
				p++;
			} else {
				fputc(*p, o);
			}
		}
	}
	fclose(f);
	fclose(o);
	cr_assert(in, "no .SS %s with a .nf block in %s", title, path);
	return out;
}

/* The syntax of every listed command of the tables, one a line. */
static char *table_lines(const struct conf_table *const *t, size_t n)
{
	char *out = NULL, syntax[512];
	size_t len = 0;
	FILE *o = open_memstream(&out, &len);

	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < t[k]->n; i++) {
			const struct conf_cmd *c = conf_table_cmd(t[k], i);

			if (c->flags & CONF_CMD_HIDDEN)
				continue;
			conf_cmd_syntax(c, syntax, sizeof(syntax));
			fprintf(o, "%s\n", syntax);
		}
	fclose(o);
	return out;
}

static void same_list(const char *title, const struct conf_table *const *t, size_t n)
{
	char *man = man_block(title), *tree = table_lines(t, n);

	cr_expect_str_eq(man, tree, "logmail(1) \"%s\" differs from the command tree:\n%s\n---\n%s",
			 title, man, tree);
	free(man);
	free(tree);
}

Test(cmdtree, the_man_page_lists_the_commands_of_the_tree)
{
	const struct conf_table *exec[] = {&cli_show_commands, &cli_exec_commands};
	const struct conf_table *config[] = {&cli_config_mode_commands, &conf_commands};
	const struct conf_table *filters[] = {&cli_filter_commands};

	same_list("Exec mode", exec, 2);
	same_list("Configuration mode", config, 2);
	same_list("Output modifiers", filters, 1);
}

/* The choices after the words of text, "word word ... [<cr>]". */
static void choices(const char *text, const char *want)
{
	const struct conf_table t[] = {cli_show_commands, cli_exec_commands, conf_commands};
	struct conf_choices ch;
	struct conf_match m;
	struct conf_line l;
	char got[2048] = "";
	size_t used = 0;

	cr_assert_eq(conf_line_split(&l, text, true, NULL), CONF_OK);
	cr_assert_eq(conf_choices(t, 3, &l, l.n, &ch, &m), 0, "\"%s\": %s", text, m.msg);
	for (size_t i = 0; i < ch.n; i++)
		used += (size_t)snprintf(got + used, sizeof(got) - used, "%s%s", used ? " " : "",
					 ch.v[i].word);
	if (ch.show)
		used += (size_t)snprintf(got + used, sizeof(got) - used, " |");
	if (ch.cr)
		snprintf(got + used, sizeof(got) - used, " <cr>");
	cr_expect_str_eq(got, want, "after \"%s\"", text);
	conf_choices_free(&ch);
	conf_line_free(&l);
}

Test(cmdtree, choices_follow_the_declarations)
{
	choices("mail smtpserver", "HOST authentication helo oauth port timeout tls");
	choices("mail smtpserver authentication xoauth2 username bob", "token-command <cr>");
	choices("mail smtpserver oauth token-url https://x client-id a",
		"ca-file client-secret refresh-token scope <cr>");
	choices("mail smtpserver oauth token-url https://x client-id a refresh-token", "SECRET 8");
	choices("mail smtpserver port", "<1-65535>");
	choices("mail", "file from serial-number smtpserver subject to <cr>");
	choices("show running-config", " | <cr>");
	choices("mail smtpserver authentication login username bob password", "PASSWORD 8");
	choices("log email a@b level", "<0-7> alerts critical debugging emergencies errors "
				       "informational notices warnings");
	choices("log email a@b level errors", "facility host msgtext program <cr>");
	choices("delete mail", "WORD all mail-id");
	choices("debug mail", "detail <cr>");
}

Test(cmdtree, readings)
{
	const struct conf_table t[] = {cli_show_commands, cli_exec_commands, conf_commands};
	struct conf_match m;
	struct conf_line l;
	char *re;

	cr_assert_eq(conf_line_split(&l, "d mail", false, NULL), CONF_OK);
	conf_match(t, 3, &l, l.n, &m);
	cr_expect_eq(m.kind, CONF_MATCH_AMBIGUOUS);
	conf_line_free(&l);

	cr_assert_eq(conf_line_split(&l, "mail smtpserver port", false, NULL), CONF_OK);
	conf_match(t, 3, &l, l.n, &m);
	cr_expect_eq(m.kind, CONF_MATCH_INCOMPLETE, "a keyword beats a server named \"port\"");
	conf_line_free(&l);

	cr_assert_eq(conf_line_split(&l, "mail smtpserver \"port\"", false, NULL), CONF_OK);
	conf_match(t, 3, &l, l.n, &m);
	cr_expect_eq(m.kind, CONF_MATCH_OK, "a quoted word is a value");
	cr_expect_str_eq(conf_arg(&m.args, "server")->text, "port");
	conf_line_free(&l);

	cr_assert_eq(conf_line_split(&l,
				     "mail smtpserver authentication plain username u "
				     "password pw",
				     false, NULL),
		     CONF_OK);
	conf_match(t, 3, &l, l.n, &m);
	cr_expect(m.secret, "the line holds a password");
	conf_line_free(&l);

	cr_assert_eq(conf_line_split(&l, "include a  b\\d \"c\"", false, NULL), CONF_OK);
	conf_match(&cli_filter_commands, 1, &l, l.n, &m);
	cr_assert_eq(m.kind, CONF_MATCH_OK);
	re = conf_arg_rest(&m.args, "re");
	cr_expect_str_eq(re, "a  b\\d \"c\"", "REGEX is the rest of the line as typed");
	free(re);
	conf_line_free(&l);
}
