/*
 * cli/help.c: what the shell's `?` and Tab keys show and complete, and
 * whether a line may enter the history: each works on the line up to the
 * cursor, split as the parser splits it (config/conf.h), against the
 * tables of the mode (cli_mode_tables), after `do` in configuration mode
 * and after a `|` (the output modifiers of cli_filter_commands).
 */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

/* The line up to the cursor, split, with what the words before the one
 * being typed are. */
struct place {
	struct conf_line l;
	size_t before;       /* words complete before the cursor */
	const char *partial; /* the word being typed ("" after a blank) */
	const char *text;
	unsigned offset; /* columns before text on the screen */
	struct cli_tables ts;
};

/* Does text end between words?  A line end ends the last word: a whole
 * line as read (cli_line_secret) has one, and the split drops it. */
static bool blank_end(const char *text)
{
	size_t n = strlen(text);

	return n == 0 || strchr(" \t\r\n", text[n - 1]) != NULL;
}

/* Split text and find the tables that apply after `do` or `|`. */
static int locate(struct cli *cli, const char *text, unsigned offset, enum cli_mode mode,
		  struct place *p, struct conf_match *m)
{
	struct conf_err err = {0};
	size_t pipe;

	memset(p, 0, sizeof(*p));
	p->text = text;
	p->offset = offset;
	if (conf_line_split(&p->l, text, true, &err) != CONF_OK) {
		m->kind = CONF_MATCH_INVALID;
		m->col = err.column;
		return -1;
	}
	/* No words (an empty or blank line) means nothing is being typed:
	 * l.n - 1 would wrap and every loop over the first `before` words
	 * would run off the end of l.w. */
	p->before = p->l.n == 0 || blank_end(text) ? p->l.n : p->l.n - 1;
	p->partial = p->before < p->l.n ? p->l.w[p->before].text : "";
	if (p->before < p->l.n && p->l.w[p->before].quoted)
		p->partial = NULL; /* a quoted value: nothing completes it */
	cli_mode_tables(mode, &p->ts);
	if (mode == CLI_CONFIG && p->before > 0 && !p->l.w[0].quoted &&
	    strcmp(p->l.w[0].text, "do") == 0) {
		unsigned skip = p->l.w[0].end - 1;

		conf_line_free(&p->l);
		return locate(cli, text + skip, offset + skip, CLI_EXEC, p, m);
	}
	pipe = cli_find_pipe(&p->l, p->before);
	if (pipe < p->before) {
		unsigned skip = p->l.w[pipe].end - 1;

		conf_match(p->ts.t, p->ts.n, &p->l, pipe, m);
		if (m->kind == CONF_MATCH_OK &&
		    !(conf_table_cmd(&p->ts.t[m->table], m->index)->flags & CONF_CMD_SHOW)) {
			m->kind = CONF_MATCH_INVALID;
			m->col = p->l.w[pipe].col;
		}
		if (m->kind != CONF_MATCH_OK)
			return -1;
		conf_line_free(&p->l);
		if (locate(cli, text + skip, offset + skip, mode, p, m) < 0)
			return -1;
		p->ts.t[0] = cli_filter_commands;
		p->ts.n = 1;
	}
	return 0;
}

static void print_error(FILE *out, const struct conf_match *m, unsigned offset)
{
	if (m->kind == CONF_MATCH_INVALID && m->col)
		fprintf(out, "%*s^\n", (int)(offset + m->col - 1), "");
	fprintf(out, "%s\n", cli_awp_message(m->kind));
}

/* "word   help", the help wrapped under itself at 79 columns. */
static void print_choice(FILE *out, const char *word, const char *help, size_t hlen, int width)
{
	int col = width + 3, room = 79 - col > 20 ? 79 - col : 20;

	fprintf(out, "%-*s", col, word);
	while (hlen > (size_t)room) {
		size_t cut = (size_t)room;

		while (cut > 0 && help[cut] != ' ')
			cut--;
		if (cut == 0)
			cut = (size_t)room;
		fprintf(out, "%.*s\n%*s", (int)cut, help, col, "");
		help += cut;
		hlen -= cut;
		while (hlen && *help == ' ')
			help++, hlen--;
	}
	fprintf(out, "%.*s\n", (int)hlen, help);
}

static bool shown(const struct conf_choice *c, const char *partial, bool keyword_matched)
{
	if (!partial)
		return !c->keyword;
	if (c->keyword)
		return strncmp(c->word, partial, strlen(partial)) == 0;
	return !*partial || !keyword_matched;
}

void cli_help(struct cli *cli, FILE *out, const char *text)
{
	unsigned offset = cli->prompt ? (unsigned)strlen(cli->prompt) : 0;
	struct conf_match *m = calloc(1, sizeof(*m));
	struct conf_choices ch = {0};
	struct place p;
	bool kw = false;
	int width = 4;

	if (!m)
		return;
	if (locate(cli, text, offset, cli->mode, &p, m) < 0 ||
	    conf_choices(p.ts.t, p.ts.n, &p.l, p.before, &ch, m) < 0) {
		print_error(out, m, p.offset);
		goto out;
	}
	for (size_t i = 0; i < ch.n; i++)
		kw |= ch.v[i].keyword && p.partial && *p.partial &&
		      strncmp(ch.v[i].word, p.partial, strlen(p.partial)) == 0;
	for (size_t i = 0; i < ch.n; i++)
		if (shown(&ch.v[i], p.partial, kw) && (int)strlen(ch.v[i].word) > width)
			width = (int)strlen(ch.v[i].word);
	for (size_t i = 0; i < ch.n; i++)
		if (shown(&ch.v[i], p.partial, kw))
			print_choice(out, ch.v[i].word, ch.v[i].help, ch.v[i].hlen, width);
	if (ch.show && p.partial && !*p.partial)
		print_choice(out, "|", "Output modifiers", 16, width);
	if (ch.cr && p.partial && !*p.partial)
		fprintf(out, "<cr>\n");
out:
	fflush(out);
	conf_choices_free(&ch);
	conf_line_free(&p.l);
	free(m);
}

int cli_completions(struct cli *cli, const char *text, char ***words, size_t *n)
{
	struct conf_match *m = calloc(1, sizeof(*m));
	struct conf_choices ch = {0};
	struct place p;
	int rc = -1;

	*words = NULL;
	*n = 0;
	if (!m)
		return -1;
	if (locate(cli, text, 0, cli->mode, &p, m) < 0 ||
	    conf_choices(p.ts.t, p.ts.n, &p.l, p.before, &ch, m) < 0 || !p.partial)
		goto out;
	*words = calloc(ch.n + 1, sizeof(**words));
	if (!*words)
		goto out;
	for (size_t i = 0; i < ch.n; i++)
		if (ch.v[i].keyword && strncmp(ch.v[i].word, p.partial, strlen(p.partial)) == 0 &&
		    ((*words)[*n] = strdup(ch.v[i].word)))
			(*n)++;
	rc = 0;
out:
	conf_choices_free(&ch);
	conf_line_free(&p.l);
	free(m);
	return rc;
}

bool cli_line_secret(struct cli *cli, const char *line)
{
	struct conf_match *m = calloc(1, sizeof(*m));
	struct place p;
	bool secret = true; /* when in doubt, not in the history */

	if (!m)
		return true;
	if (locate(cli, line, 0, cli->mode, &p, m) == 0) {
		conf_match(p.ts.t, p.ts.n, &p.l, p.l.n, m);
		secret = m->secret;
		for (size_t i = 0; i < p.l.n && !secret; i++)
			secret = !p.l.w[i].quoted && strlen(p.l.w[i].text) >= 2 &&
				 strncmp("password", p.l.w[i].text, strlen(p.l.w[i].text)) == 0;
	}
	conf_line_free(&p.l);
	free(m);
	return secret;
}
