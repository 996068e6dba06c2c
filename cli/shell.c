/*
 * cli/shell.c: how a line runs in the modes of the logmail front end, and
 * the modes: one command from argv, `configure`, a script, the interactive
 * shell.
 *
 * A line is matched against the command tree of its mode (config/conf.h):
 * exec mode knows the show and exec commands of cli/commands.c and every
 * configuration command (a convenience the switch does not offer), and
 * configuration mode knows the configuration commands, `show ...`, `do
 * CMD`, `exit` and `end`.  A show command may be followed by an output
 * modifier (`| include REGEX`, cli/filter.c); a line ending in `?` prints
 * the help for that place (cli/help.c) instead of running.  A
 * configuration line goes to cli/transact.c, an exec command to its
 * handler; errors are printed by cli/report.c.
 */
#include "cli/internal.h"

#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#define PROMPT_HOST_DEFAULT "logmail" /* when the host has no name */

struct run *cli_current;

/* ---- a line --------------------------------------------------------------- */

/* Run fn; in a script, what it prints on cli->err (errors, `debug mail`
 * lines) is prefixed with the place, each line, once fn returns. */
static int call(struct run *r, cli_fn fn, const struct conf_args *a, const struct conf_match *mod)
{
	FILE *real = r->cli->err, *mem;
	char *buf = NULL, *p, *nl;
	size_t len = 0;
	int rc;

	if (r->style == STYLE_SHELL || !r->file || !(mem = open_memstream(&buf, &len)))
		return mod ? cli_filtered(r->cli, fn, a, mod) : fn(r->cli, a);
	r->cli->err = mem;
	rc = mod ? cli_filtered(r->cli, fn, a, mod) : fn(r->cli, a);
	r->cli->err = real;
	fclose(mem);
	for (p = buf; p && *p; p = *nl ? nl + 1 : nl) {
		if (strncmp(p, "logmail: ", 9) == 0)
			p += 9;
		nl = strchrnul(p, '\n');
		cli_place(r, real);
		fprintf(real, "%.*s\n", (int)(nl - p), p);
	}
	free(buf);
	fflush(real);
	return rc;
}

static void warn_missing(struct run *r)
{
	struct cli *cli = r->cli;

	if (cli->stamp.exists || cli->warned_missing || access(cli->config_path, F_OK) == 0)
		return;
	cli->warned_missing = true;
	cli_say(r,
		"%% Warning: %s does not exist: the configuration is empty (the first change "
		"creates it)",
		cli->config_path);
}

/* The modifier after `|` (word pipe of l), matched into *mod. */
static int modifier(struct run *r, const struct conf_line *l, size_t pipe, const char *text,
		    unsigned offset, struct conf_line *ml, struct conf_match *mod)
{
	unsigned skip = l->w[pipe].end - 1;
	struct conf_err err = {0};

	if (conf_line_split(ml, text + skip, false, &err) != CONF_OK || ml->n == 0) {
		struct conf_match m = {.kind = ml->n ? CONF_MATCH_INVALID : CONF_MATCH_INCOMPLETE,
				       .col = err.column + skip};

		snprintf(m.msg, sizeof(m.msg), "%s",
			 ml->n ? err.msg : "expected an output modifier after \"|\"");
		cli_report_match(r, &m, text, offset);
		return EX_USAGE;
	}
	conf_match(&cli_filter_commands, 1, ml, ml->n, mod);
	if (mod->kind != CONF_MATCH_OK) {
		mod->col += skip;
		cli_report_match(r, mod, text, offset);
		return EX_USAGE;
	}
	return EX_OK;
}

static int run_exec(struct run *r, const struct conf_cmd *cmd, cli_fn fn,
		    const struct conf_match *m, const struct conf_line *l, size_t pipe,
		    const char *text, unsigned offset)
{
	struct conf_line ml = {0};
	struct conf_match *mod = NULL;
	int rc = EX_OK;

	if (!(cmd->flags & CLI_CMD_KEEPS_BATCH))
		rc = cli_save(r); /* a batch's changes are in effect before exec commands */
	if (rc == EX_OK && pipe < l->n) {
		mod = malloc(sizeof(*mod));
		rc = mod ? modifier(r, l, pipe, text, offset, &ml, mod) : EX_OSERR;
	}
	if (rc == EX_OK) {
		if (cmd->flags & CLI_CMD_CONF)
			warn_missing(r);
		r->delivers = (cmd->flags & CLI_CMD_DELIVERY) != 0;
		rc = call(r, fn, &m->args, mod);
	}
	conf_line_free(&ml);
	free(mod);
	return rc;
}

static int run_words(struct run *r, const struct conf_line *l, const char *text, unsigned offset)
{
	struct cli_tables ts;
	struct conf_match *m = malloc(sizeof(*m));
	const struct conf_table *t;
	const struct conf_cmd *cmd;
	size_t pipe = cli_find_pipe(l, l->n);
	int rc;

	if (!m) {
		cli_say(r, "%% out of memory");
		return EX_OSERR;
	}
	cli_mode_tables(r->cli->mode, &ts);
	conf_match(ts.t, ts.n, l, l->n, m);
	/* A `|` is a modifier unless a command takes it in the rest of its line
	 * (`do show run | include x`). */
	if (pipe < l->n && !(m->kind == CONF_MATCH_OK && m->args.w[m->args.n - 1].rest))
		conf_match(ts.t, ts.n, l, pipe, m);
	else
		pipe = l->n;
	if (m->kind != CONF_MATCH_OK) {
		cli_report_match(r, m, text, offset);
		free(m);
		return EX_USAGE;
	}
	t = &ts.t[m->table];
	cmd = conf_table_cmd(t, m->index);
	if (pipe < l->n && !(cmd->flags & CONF_CMD_SHOW)) {
		m->kind = CONF_MATCH_INVALID;
		m->col = l->w[pipe].col;
		snprintf(m->msg, sizeof(m->msg), "unexpected word \"|\"");
		cli_report_match(r, m, text, offset);
		rc = EX_USAGE;
	} else if (cli_is_config_table(t)) {
		rc = cli_config_line(r, text, offset);
	} else {
		rc = run_exec(r, cmd, cli_handler(t, m->index), m, l, pipe, text, offset);
	}
	free(m);
	return rc;
}

/* A line whose last word is `?`: the help for that place (on a terminal
 * the `?` key does this anywhere in the line; in a script or a pipe a
 * value may end in `?`, "Link down?"). */
static bool asks_help(const struct conf_line *l)
{
	const struct conf_word *w = l->n ? &l->w[l->n - 1] : NULL;

	return w && !w->quoted && strcmp(w->text, "?") == 0;
}

/* The help for what text has before its last `?`. */
static void help_for(struct cli *cli, const char *text)
{
	char *before = strndup(text, (size_t)(strrchr(text, '?') - text));

	if (before)
		cli_help(cli, cli->out, before);
	free(before);
}

int cli_run_line(struct run *r, const char *text, unsigned offset)
{
	struct conf_err err = {0};
	struct conf_line l;
	const char *p = text + strspn(text, " \t");
	int rc;

	if (!*p || *p == '!' || *p == '\n' || *p == '\r' || (r->cli->mode == CLI_EXEC && *p == '#'))
		return EX_OK;
	rc = cli_refresh(r);
	if (rc != EX_OK)
		return rc;
	if (conf_line_split(&l, text, false, &err) != CONF_OK) {
		snprintf(err.file, sizeof(err.file), "%s", r->file ? r->file : "<command>");
		err.line = r->file ? r->line : 1;
		err.kind = err.column ? CONF_MATCH_INVALID : 0;
		cli_report_conf(r, err.column ? CONF_ESYNTAX : CONF_ENOMEM, &err, text, offset);
		conf_line_free(&l);
		return err.column ? EX_USAGE : EX_OSERR;
	}
	if (asks_help(&l)) {
		help_for(r->cli, text);
		rc = EX_OK;
	} else {
		rc = run_words(r, &l, text, offset);
	}
	conf_line_free(&l);
	return rc;
}

/* ---- the modes ---------------------------------------------------------- */

static int delivery_rank(int rc)
{
	return rc == EX_OK ? 0 : rc == EX_TEMPFAIL ? 1 : rc == EX_UNAVAILABLE ? 2 : 3;
}

/* In a script, a mail queued or failed for good is not an error of the
 * script: it goes on, and that status is kept if it is the worst. */
static bool goes_on(struct run *r, int rc)
{
	if (r->style != STYLE_SCRIPT || !r->delivers || (rc != EX_TEMPFAIL && rc != EX_UNAVAILABLE))
		return false;
	if (delivery_rank(rc) > delivery_rank(r->worst))
		r->worst = rc;
	return true;
}

static int loop(struct run *r, FILE *in)
{
	char *line = NULL;
	size_t cap = 0;
	int rc = EX_OK, save_rc;

	while (!r->cli->quit && getline(&line, &cap, in) >= 0) {
		r->line++;
		r->delivers = false;
		rc = cli_run_line(r, line, 0);
		if (rc != EX_OK && !goes_on(r, rc))
			break;
		rc = EX_OK;
	}
	if (line)
		explicit_bzero(line, cap);
	free(line);
	if (rc != EX_OK) {
		cli_drop_pending(r); /* a batch's pending changes are dropped */
		return rc;
	}
	save_rc = cli_save(r);
	return save_rc != EX_OK ? save_rc : r->worst;
}

static int start(struct run *r, FILE *in)
{
	struct run *outer = cli_current;
	int rc;

	cli_current = r;
	rc = loop(r, in);
	cli_current = outer;
	return rc;
}

/* Do the words of l make an exec command (not a configuration one)? */
static bool exec_command(struct run *r, const struct conf_line *l)
{
	struct conf_match *m = malloc(sizeof(*m));
	struct cli_tables ts;
	bool exec;

	if (!m)
		return false;
	cli_mode_tables(r->cli->mode, &ts);
	conf_match(ts.t, ts.n, l, l->n, m);
	exec = m->kind == CONF_MATCH_OK && !cli_is_config_table(&ts.t[m->table]);
	free(m);
	return exec;
}

/* argv as the words of line (their cli_join).  A word with a control
 * character, which no typed line may hold, is taken as it is, as a value:
 * the command then refuses it in its own words ("invalid recipient"). */
static int argv_line(struct conf_line *l, const char *line, int argc, char **argv, bool *raw)
{
	unsigned col = 1;
	char *o;

	*raw = false;
	if (conf_line_split(l, line, false, NULL) == CONF_OK && l->n == (size_t)argc)
		return 0;
	*raw = true;
	conf_line_free(l);
	memset(l, 0, sizeof(*l));
	if (argc > CONF_MAX_WORDS || !(l->buf = malloc(strlen(line) + 1)))
		return -1;
	l->text = line;
	l->len = strlen(line);
	for (o = l->buf; l->n < (size_t)argc; l->n++) {
		size_t n = strlen(argv[l->n]);

		memcpy(o, argv[l->n], n + 1);
		l->w[l->n] =
		    (struct conf_word){o, col, col + (unsigned)n, strpbrk(o, " \t\r\n") != NULL};
		o += n + 1;
		col += (unsigned)n + 1;
	}
	return 0;
}

int cli_run_words(struct cli *cli, int argc, char **argv)
{
	struct run r = {.cli = cli, .line = 1, .style = STYLE_FILE}; /* file NULL: "<command>" */
	struct run *outer = cli_current;
	char *line = cli_join(argc, argv);
	struct conf_line l;
	bool raw;
	int rc;

	if (!line || argv_line(&l, line, argc, argv, &raw) < 0) {
		free(line);
		fprintf(cli->err, "logmail: out of memory or too many words\n");
		return EX_OSERR;
	}
	cli->mode = CLI_EXEC;
	cli_current = &r;
	rc = cli_refresh(&r);
	if (rc == EX_OK && raw && !exec_command(&r, &l))
		rc = cli_run_line(&r, line, 0); /* the configuration refuses the line as such */
	else if (rc == EX_OK && l.n > 0 && asks_help(&l))
		help_for(cli, line); /* `logmail show ?` */
	else if (rc == EX_OK && l.n > 0)
		rc = run_words(&r, &l, line, 0);
	conf_line_free(&l);
	if (rc == EX_OK)
		rc = cli_save(&r);
	cli_drop_pending(&r);
	cli_current = outer;
	/* `configure` from the command line: the commands follow on stdin */
	if (rc == EX_OK && cli->mode == CLI_CONFIG)
		rc = isatty(fileno(cli->in)) ? cli_shell(cli, true)
					     : cli_configure(cli, cli->in, "<stdin>");
	explicit_bzero(line, strlen(line));
	free(line);
	return rc;
}

int cli_configure(struct cli *cli, FILE *in, const char *name)
{
	struct run r = {
	    .cli = cli, .file = name, .style = STYLE_FILE, .batch = true, .config_only = true};

	cli->mode = CLI_CONFIG;
	cli->quit = false;
	return start(&r, in);
}

int cli_script(struct cli *cli, FILE *in, const char *name)
{
	struct run r = {.cli = cli, .file = name, .style = STYLE_SCRIPT, .batch = true};

	cli->mode = CLI_EXEC;
	cli->quit = false;
	return start(&r, in);
}

/* ---- the interactive shell --------------------------------------------- */

static int shell_line(struct run *r, const char *line)
{
	const char *prompt = r->cli->prompt;
	int rc;

	cli_interrupt_clear();
	r->line++;
	rc = cli_run_line(r, line, prompt ? (unsigned)strlen(prompt) : 0);
	cli_monitor_flush(r->cli);
	if (cli_interrupted()) {
		fputc('\n', r->cli->out);
		fflush(r->cli->out);
	}
	clearerr(r->cli->in); /* Ctrl-D ended a mail body, not the shell */
	return rc;
}

/* The prompts of the two modes: "vm#" and "vm(config)#" on host vm.vm.lan,
 * as the switch shows its host name (the short one: up to the first dot). */
struct prompts {
	char exec[HOST_NAME_MAX + 2];
	char config[HOST_NAME_MAX + 10];
};

static void make_prompts(struct prompts *p)
{
	char host[HOST_NAME_MAX + 1] = "";

	if (gethostname(host, sizeof(host) - 1) != 0)
		host[0] = '\0';
	host[strcspn(host, ".")] = '\0';
	if (!host[0])
		snprintf(host, sizeof(host), "%s", PROMPT_HOST_DEFAULT);
	snprintf(p->exec, sizeof(p->exec), "%s#", host);
	snprintf(p->config, sizeof(p->config), "%s(config)#", host);
}

int cli_shell(struct cli *cli, bool config_mode)
{
	struct prompts prompts;
	struct run r = {.cli = cli, .file = "<terminal>", .style = STYLE_SHELL};
	struct run *outer = cli_current;
	struct sigaction old_int, old_tstp;
	struct cli_term *term = cli_term_new(cli, cli->in, cli->out);
	enum cli_monitor monitor = cli->monitor;

	if (!term) {
		fprintf(cli->err, "logmail: cannot set up the terminal\n");
		return EX_OSERR;
	}
	cli_current = &r;
	cli->mode = config_mode ? CLI_CONFIG : CLI_EXEC;
	cli->quit = false;
	cli->monitor = CLI_MONITOR_OFF; /* until `terminal monitor` */
	if (config_mode)
		fprintf(cli->out, "%s\n", CONFIG_BANNER);
	make_prompts(&prompts);
	cli_catch_signals(true, &old_int, &old_tstp);
	while (!cli->quit) {
		const char *line;
		enum cli_read got;

		cli->prompt = cli->mode == CLI_CONFIG ? prompts.config : prompts.exec;
		got = cli_term_read(term, cli->prompt, &line);
		if (got == CLI_READ_EOF)
			break;
		if (got == CLI_READ_SUSPEND && cli->mode == CLI_CONFIG)
			cmd_end(cli, NULL);
		if (got != CLI_READ_LINE)
			continue;
		cli_term_remember(term, line);
		shell_line(&r, line);
	}
	cli_catch_signals(false, &old_int, &old_tstp);
	cli->prompt = NULL;
	cli->monitor = monitor;
	cli_term_free(term);
	cli_current = outer;
	return EX_OK; /* its errors were shown as they came */
}
