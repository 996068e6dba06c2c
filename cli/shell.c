/*
 * cli/shell.c: the modes of the logmail front end and how a line runs in
 * them.
 *
 * A line is matched against the command tree of its mode (config/conf.h):
 * exec mode knows the show and exec commands of cli/commands.c and every
 * configuration command (a convenience the switch does not offer), and
 * configuration mode knows the configuration commands, `show ...`, `do
 * CMD`, `exit` and `end`.  A show command may be followed by an output
 * modifier (`| include REGEX`, cli/filter.c); a line ending in `?` prints
 * the help for that place (cli/help.c) instead of running.
 *
 * Errors come in three forms: the interactive shell and -f scripts print
 * the AlliedWare Plus `% Invalid input detected at '^' marker.` with the
 * caret under the word (a script first echoes the line); `configure` and a
 * command given as arguments print one line `logmail: FILE:LINE:COL:
 * message`.  A refusal of a valid command (`% Error: authentication
 * configuration still exists`) is its own message in every mode.
 *
 * The configuration: before each command the file is read again when it
 * changed.  A change made at once (the shell, a command from argv) is a
 * read-modify-save under the file's lock.  A batch (`configure`, the
 * configuration lines of a script) applies its lines to its view as they
 * come, to find errors, and keeps them; saving takes the lock, reads the
 * file again if someone saved meanwhile, applies the lines to it again
 * and saves.  Nothing anyone saved is ever overwritten unseen.
 */
#include "cli/cli.h"
#include "smtp/smtp.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#define PROMPT_HOST_DEFAULT "logmail" /* when the host has no name */
#define CONFIG_BANNER "Enter configuration commands, one per line. End with CNTL/Z."

enum style {
	STYLE_FILE,   /* configure, argv: "logmail: FILE:LINE:COL: message" */
	STYLE_SCRIPT, /* -f: the line, the caret, the AWP message, each "logmail: FILE:LINE: " */
	STYLE_SHELL,  /* the caret under the prompt's line and the AWP message */
};

/* A line of a batch, kept until the batch saves. */
struct pending {
	char *text;
	unsigned line;
};

/* One run of a mode. */
struct run {
	struct cli *cli;
	const char *file; /* label of errors: the script, "<stdin>", "<command>" */
	unsigned line;
	enum style style;
	bool batch;       /* changes wait for save(): configure and scripts */
	bool config_only; /* `logmail configure`: leaving configuration mode ends it */
	struct pending *pending;
	size_t npending;
	int worst;   /* a script: the worst delivery status that did not stop it */
	cli_fn last; /* the handler of the last exec command */
};

/* The run a command handler belongs to (commands that change modes). */
static struct run *current;

/* ---- errors ------------------------------------------------------------- */

static void place(struct run *r, FILE *out)
{
	fputs("logmail: ", out);
	if (r->file)
		fprintf(out, "%s:%u: ", r->file, r->line);
}

static void say(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One error line: bare in the shell (as the device prints it), with the
 * program name and the place otherwise. */
static void say(struct run *r, const char *fmt, ...)
{
	FILE *err = r->cli->err;
	va_list ap;

	if (r->style != STYLE_SHELL)
		place(r, err);
	va_start(ap, fmt);
	vfprintf(err, fmt, ap);
	va_end(ap);
	fputc('\n', err);
	fflush(err);
}

int cli_conf_exit(int conf_status)
{
	switch (conf_status) {
	case CONF_OK:
		return EX_OK;
	case CONF_ESYNTAX:
	case CONF_ENOTFOUND:
		return EX_USAGE;
	case CONF_ESTATE:
		return EX_DATAERR;
	case CONF_EIO:
		return EX_IOERR;
	case CONF_ESECRET:
		return EX_CONFIG;
	case CONF_ECHANGED:
		return EX_TEMPFAIL;
	case CONF_ENOMEM:
	default:
		return EX_OSERR;
	}
}

const char *cli_awp_message(int kind)
{
	switch (kind) {
	case CONF_MATCH_INCOMPLETE:
		return "% Incomplete command.";
	case CONF_MATCH_AMBIGUOUS:
		return "% Ambiguous command.";
	default:
		return "% Invalid input detected at '^' marker.";
	}
}

/* The AlliedWare Plus form: in the shell the line is on the screen after
 * the prompt (offset columns); a script echoes it first. */
static void report_awp(struct run *r, const char *text, unsigned offset, int kind, unsigned col)
{
	FILE *out = r->cli->err;
	bool caret = kind == CONF_MATCH_INVALID && col > 0;

	if (r->style == STYLE_SCRIPT) {
		place(r, out);
		fprintf(out, "%.*s\n", (int)strcspn(text, "\r\n"), text);
	}
	if (caret) {
		if (r->style == STYLE_SCRIPT)
			place(r, out);
		fprintf(out, "%*s^\n", (int)(offset + col - 1), "");
	}
	if (r->style == STYLE_SCRIPT)
		place(r, out);
	fprintf(out, "%s\n", cli_awp_message(kind));
	fflush(out);
}

/* "% Error: ..." is the device's wording for a refused command. */
static void refusal(enum conf_status st, const struct conf_err *err, char *buf, size_t size)
{
	if (st == CONF_ESTATE && strncmp(err->msg, "% ", 2) != 0)
		snprintf(buf, size, "%% Error: %s", err->msg);
	else
		snprintf(buf, size, "%s", err->msg);
}

/* A configuration line's error: the grammar's in the AWP form (shell and
 * scripts), everything else as "FILE:LINE:COL: message" (or "% message" in
 * the shell). */
static void report_conf(struct run *r, enum conf_status st, struct conf_err *err, const char *text,
			unsigned offset)
{
	char msg[sizeof(err->msg) + 16], line[1024];
	FILE *out = r->cli->err;

	if (err->kind && r->style != STYLE_FILE && text) {
		report_awp(r, text, offset, err->kind, err->column);
		return;
	}
	refusal(st, err, msg, sizeof(msg));
	if (r->style == STYLE_SHELL) {
		fprintf(out, "%s%s\n", msg[0] == '%' ? "" : "% ", msg);
	} else {
		snprintf(err->msg, sizeof(err->msg), "%.*s", (int)sizeof(err->msg) - 1, msg);
		conf_err_format(err, line, sizeof(line));
		fprintf(out, "logmail: %s\n", line);
	}
	fflush(out);
}

static void report_match(struct run *r, const struct conf_match *m, const char *text,
			 unsigned offset)
{
	struct conf_err err = {.line = r->line, .column = m->col, .kind = (int)m->kind};

	snprintf(err.file, sizeof(err.file), "%s", r->file ? r->file : "<command>");
	snprintf(err.msg, sizeof(err.msg), "%s", m->msg);
	report_conf(r, CONF_ESYNTAX, &err, text, offset);
}

/* ---- reading the file ----------------------------------------------------- */

static int load_into(struct cli *cli, struct conf **out, struct conf_stamp *stamp,
		     struct conf_err *err)
{
	struct conf *c = conf_new();
	enum conf_status st;

	if (!c) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return EX_OSERR;
	}
	if (access(cli->config_path, F_OK) == 0 && access(cli->config_path, R_OK) != 0) {
		int e = errno;

		snprintf(err->file, sizeof(err->file), "%s", cli->config_path);
		err->line = err->column = 0;
		snprintf(err->msg, sizeof(err->msg), "%s", strerror(e));
		conf_free(c);
		return e == EACCES ? EX_NOPERM : EX_IOERR;
	}
	st = conf_load_stamped(c, cli->config_path, stamp, err);
	if (st != CONF_OK) {
		conf_free(c);
		return st == CONF_EIO ? EX_IOERR : st == CONF_ENOMEM ? EX_OSERR : EX_CONFIG;
	}
	*out = c;
	return EX_OK;
}

int cli_load(struct cli *cli)
{
	struct conf_err err = {0};
	char line[1024];
	int rc = load_into(cli, &cli->conf, &cli->stamp, &err);

	if (rc != EX_OK) {
		conf_err_format(&err, line, sizeof(line));
		fprintf(cli->err, "logmail: %s\n", line);
	}
	return rc;
}

/* Read the file again into cli->conf. */
static int reload(struct run *r)
{
	struct conf_err err = {0};
	struct conf *fresh = NULL;
	struct conf_stamp stamp;
	char line[1024];
	int rc = load_into(r->cli, &fresh, &stamp, &err);

	if (rc != EX_OK) {
		conf_err_format(&err, line, sizeof(line));
		say(r, "%% Error: %s", line);
		return rc;
	}
	conf_free(r->cli->conf);
	r->cli->conf = fresh;
	r->cli->stamp = stamp;
	return EX_OK;
}

/* Before a command: the file as it is now (a batch keeps its own view). */
static int refresh(struct run *r)
{
	if (r->npending || !conf_changed(r->cli->config_path, &r->cli->stamp))
		return EX_OK;
	return reload(r);
}

/* ---- changing the file ----------------------------------------------------- */

/* The configuration's directory (and so the key file's) must exist before
 * a password is encrypted or the file saved. */
static int ensure_dir(struct run *r)
{
	char *dir = strdup(r->cli->config_path), *slash;
	int rc = EX_OK;

	if (!dir)
		return EX_OSERR;
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
			int e = errno;

			say(r, "cannot create %s: %s", dir, strerror(e));
			rc = e == EACCES || e == EPERM ? EX_NOPERM : EX_CANTCREAT;
		}
	}
	free(dir);
	return rc;
}

/* A password 8 typed (or pasted from a switch) must work on this host. */
static enum conf_status check_password(const struct conf *before, const struct conf *c,
				       struct conf_err *err)
{
	char buf[1025];
	struct conf_err ignored;
	enum conf_status st;

	if (c->auth == CONF_AUTH_NONE || !c->password8 ||
	    (before->password8 && strcmp(before->password8, c->password8) == 0))
		return CONF_OK;
	st = conf_password(c, buf, sizeof(buf), &ignored);
	explicit_bzero(buf, sizeof(buf));
	if (st == CONF_OK)
		return CONF_OK;
	err->column = 0;
	snprintf(err->msg, sizeof(err->msg),
		 "this password 8 cannot be decrypted with this host's key (%s): it was "
		 "encrypted elsewhere; enter the password in clear (password PASSWORD) and "
		 "logmail stores it encrypted",
		 c->key_path ? c->key_path : "none");
	return CONF_ESECRET;
}

/* One configuration line applied to c, all or nothing. */
static enum conf_status apply(struct run *r, struct conf *c, const char *text, unsigned line,
			      struct conf_err *err)
{
	struct conf *copy = conf_dup(c);
	enum conf_status st;

	if (!copy) {
		memset(err, 0, sizeof(*err));
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return CONF_ENOMEM;
	}
	st = conf_exec(copy, text, r->file ? r->file : "<command>", line, err);
	if (st == CONF_OK)
		st = check_password(c, copy, err);
	if (st == CONF_OK) { /* swap: c gets the new, copy the old to free */
		struct conf old = *c;

		*c = *copy;
		*copy = old;
	}
	conf_free(copy);
	return st;
}

static int save_failed(struct run *r, enum conf_status st, struct conf_err *err)
{
	if (!err->file[0])
		snprintf(err->file, sizeof(err->file), "%s", r->cli->config_path);
	err->line = err->column = 0;
	report_conf(r, st, err, NULL, 0);
	return st == CONF_EIO ? EX_CANTCREAT : cli_conf_exit(st);
}

static void drop_pending(struct run *r)
{
	for (size_t i = 0; i < r->npending; i++) {
		explicit_bzero(r->pending[i].text, strlen(r->pending[i].text));
		free(r->pending[i].text);
	}
	free(r->pending);
	r->pending = NULL;
	r->npending = 0;
}

/* Under the lock: the file as it is now, the pending lines applied again
 * when it changed since the batch's view was read. */
static int replay(struct run *r)
{
	struct conf_err err = {0};
	enum conf_status st = CONF_OK;
	unsigned keep = r->line;
	int rc;

	if (!conf_changed(r->cli->config_path, &r->cli->stamp))
		return EX_OK;
	rc = reload(r);
	for (size_t i = 0; rc == EX_OK && i < r->npending; i++) {
		st = apply(r, r->cli->conf, r->pending[i].text, r->pending[i].line, &err);
		if (st == CONF_OK)
			continue;
		r->line = r->pending[i].line;
		say(r, "the configuration file changed meanwhile and this line no longer applies "
		       "to it; nothing saved:");
		report_conf(r, st, &err, NULL, 0);
		r->line = keep;
		rc = cli_conf_exit(st);
	}
	return rc;
}

/* Save the batch's pending lines (a read-modify-save under the lock). */
static int save(struct run *r)
{
	struct conf_err err = {0};
	enum conf_status st;
	int lock, rc;

	if (!r->npending)
		return EX_OK;
	st = conf_lock(r->cli->config_path, &lock, &err);
	if (st != CONF_OK) {
		drop_pending(r);
		return save_failed(r, st, &err);
	}
	rc = replay(r);
	if (rc == EX_OK) {
		st = conf_save_stamped(r->cli->conf, r->cli->config_path, &r->cli->stamp, &err);
		if (st != CONF_OK)
			rc = save_failed(r, st, &err);
	}
	conf_unlock(lock);
	drop_pending(r);
	if (rc != EX_OK)
		reload(r); /* the view goes back to the file */
	return rc;
}

/* One configuration line (as typed; columns count from text's start):
 * applied to the view, kept, and saved at once unless in a batch. */
static int config_line(struct run *r, const char *text, unsigned offset)
{
	struct conf_err err = {0};
	struct pending *v;
	enum conf_status st;
	int rc = ensure_dir(r);

	if (rc != EX_OK)
		return rc;
	st = apply(r, r->cli->conf, text, r->file ? r->line : 1, &err);
	if (st != CONF_OK) {
		report_conf(r, st, &err, text, offset);
		return cli_conf_exit(st);
	}
	v = realloc(r->pending, (r->npending + 1) * sizeof(*v));
	if (v)
		r->pending = v;
	if (!v || !(v[r->npending].text = strdup(text))) {
		say(r, "%% out of memory");
		return EX_OSERR;
	}
	v[r->npending++].line = r->file ? r->line : 1;
	return r->batch ? EX_OK : save(r);
}

/* ---- exec commands -------------------------------------------------------- */

int cmd_show_running(struct cli *cli, const struct conf_args *a)
{
	(void)a;
	if (conf_write(cli->conf, cli->out) != 0 || fflush(cli->out) != 0) {
		fprintf(cli->err, "logmail: cannot write the configuration: %s\n", strerror(errno));
		return EX_IOERR;
	}
	return EX_OK;
}

/* The configuration is saved after every change already; `write` (and its
 * AlliedWare Plus spellings) saves what a batch holds, so that habit does
 * no harm, and says so as the switch does. */
int cmd_write(struct cli *cli, const struct conf_args *a)
{
	int rc;

	(void)a;
	fputs("Building configuration...\n", cli->out);
	fflush(cli->out);
	rc = current ? save(current) : EX_OK;
	if (rc == EX_OK)
		fputs("[OK]\n", cli->out);
	return rc;
}

int cmd_configure(struct cli *cli, const struct conf_args *a)
{
	(void)a;
	cli->mode = CLI_CONFIG;
	if (current && current->style == STYLE_SHELL)
		fprintf(cli->out, "%s\n", CONFIG_BANNER);
	return EX_OK;
}

int cmd_exit(struct cli *cli, const struct conf_args *a)
{
	(void)a;
	cli->quit = true;
	return EX_OK;
}

/* `exit` and `end` in configuration mode. */
int cmd_end(struct cli *cli, const struct conf_args *a)
{
	(void)a;
	cli->mode = CLI_EXEC;
	if (current && current->config_only)
		cli->quit = true;
	return current ? save(current) : EX_OK;
}

int cmd_nothing(struct cli *cli, const struct conf_args *a)
{
	(void)cli, (void)a;
	return EX_OK;
}

int cmd_help(struct cli *cli, const struct conf_args *a)
{
	(void)a;
	fputs("Help may be requested at any point in a command by entering a question mark\n"
	      "'?'.  If nothing matches, the help list will be empty and you must backup\n"
	      "until entering a '?' shows the available options.\n"
	      "Two styles of help are provided:\n"
	      "1. Full help is available when you are ready to enter a command argument\n"
	      "   (e.g. 'show ?') and describes each possible argument.\n"
	      "2. Partial help is provided when an abbreviated argument is entered and you\n"
	      "   want to know what arguments match the input (e.g. 'show ru?').\n",
	      cli->out);
	return EX_OK;
}

int cmd_terminal_monitor(struct cli *cli, const struct conf_args *a)
{
	(void)a;
	if (current && current->style == STYLE_SHELL)
		cli->monitor = CLI_MONITOR_TERM;
	else if (cli->monitor == CLI_MONITOR_OFF)
		cli->monitor = CLI_MONITOR_STDERR;
	return EX_OK;
}

int cmd_terminal_no_monitor(struct cli *cli, const struct conf_args *a)
{
	(void)a;
	cli->monitor = CLI_MONITOR_OFF;
	return EX_OK;
}

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
		place(r, real);
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
	say(r,
	    "%% Warning: %s does not exist: the configuration is empty (the first change "
	    "creates it)",
	    cli->config_path);
}

/* Commands that only move between modes or print: no pending change needs
 * saving before them. */
static bool keeps_batch(cli_fn fn)
{
	return fn == cmd_configure || fn == cmd_end || fn == cmd_do || fn == cmd_help ||
	       fn == cmd_nothing || fn == cmd_write;
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
		report_match(r, &m, text, offset);
		return EX_USAGE;
	}
	conf_match(&cli_filter_commands, 1, ml, ml->n, mod);
	if (mod->kind != CONF_MATCH_OK) {
		mod->col += skip;
		report_match(r, mod, text, offset);
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

	if (!keeps_batch(fn))
		rc = save(r); /* a batch's changes are in effect before exec commands */
	if (rc == EX_OK && pipe < l->n) {
		mod = malloc(sizeof(*mod));
		rc = mod ? modifier(r, l, pipe, text, offset, &ml, mod) : EX_OSERR;
	}
	if (rc == EX_OK) {
		if (cmd->flags & CLI_CMD_CONF)
			warn_missing(r);
		r->last = fn;
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
		say(r, "%% out of memory");
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
		report_match(r, m, text, offset);
		free(m);
		return EX_USAGE;
	}
	t = &ts.t[m->table];
	cmd = conf_table_cmd(t, m->index);
	if (pipe < l->n && !(cmd->flags & CONF_CMD_SHOW)) {
		m->kind = CONF_MATCH_INVALID;
		m->col = l->w[pipe].col;
		snprintf(m->msg, sizeof(m->msg), "unexpected word \"|\"");
		report_match(r, m, text, offset);
		rc = EX_USAGE;
	} else if (cli_is_config_table(t)) {
		rc = config_line(r, text, offset);
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

static int run_line(struct run *r, const char *text, unsigned offset)
{
	struct conf_err err = {0};
	struct conf_line l;
	const char *p = text + strspn(text, " \t");
	int rc;

	if (!*p || *p == '!' || *p == '\n' || *p == '\r' || (r->cli->mode == CLI_EXEC && *p == '#'))
		return EX_OK;
	rc = refresh(r);
	if (rc != EX_OK)
		return rc;
	if (conf_line_split(&l, text, false, &err) != CONF_OK) {
		snprintf(err.file, sizeof(err.file), "%s", r->file ? r->file : "<command>");
		err.line = r->file ? r->line : 1;
		err.kind = err.column ? CONF_MATCH_INVALID : 0;
		report_conf(r, err.column ? CONF_ESYNTAX : CONF_ENOMEM, &err, text, offset);
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

/* `do COMMAND` in configuration mode: COMMAND as in exec mode. */
int cmd_do(struct cli *cli, const struct conf_args *a)
{
	const struct conf_word *w = conf_arg(a, "command");
	const char *rest = a->line->text + w->col - 1;
	unsigned offset = cli->prompt ? (unsigned)strlen(cli->prompt) : 0;
	int rc;

	if (!current)
		return EX_SOFTWARE;
	cli->mode = CLI_EXEC;
	rc = run_line(current, rest, offset + w->col - 1);
	if (cli->mode == CLI_EXEC && !cli->quit)
		cli->mode = CLI_CONFIG;
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
	if (r->style != STYLE_SCRIPT || (r->last != cmd_mail && r->last != cmd_flush) ||
	    (rc != EX_TEMPFAIL && rc != EX_UNAVAILABLE))
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
		r->last = NULL;
		rc = run_line(r, line, 0);
		if (rc != EX_OK && !goes_on(r, rc))
			break;
		rc = EX_OK;
	}
	if (line)
		explicit_bzero(line, cap);
	free(line);
	if (rc != EX_OK) {
		drop_pending(r); /* a batch's pending changes are dropped */
		return rc;
	}
	save_rc = save(r);
	return save_rc != EX_OK ? save_rc : r->worst;
}

static int start(struct run *r, FILE *in)
{
	struct run *outer = current;
	int rc;

	current = r;
	rc = loop(r, in);
	current = outer;
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
	struct run *outer = current;
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
	current = &r;
	rc = refresh(&r);
	if (rc == EX_OK && raw && !exec_command(&r, &l))
		rc = run_line(&r, line, 0); /* the configuration refuses the line as such */
	else if (rc == EX_OK && l.n > 0 && asks_help(&l))
		help_for(cli, line); /* `logmail show ?` */
	else if (rc == EX_OK && l.n > 0)
		rc = run_words(&r, &l, line, 0);
	conf_line_free(&l);
	if (rc == EX_OK)
		rc = save(&r);
	drop_pending(&r);
	current = outer;
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

static volatile sig_atomic_t got_intr;

static void on_intr(int sig)
{
	(void)sig;
	got_intr = 1;
}

bool cli_interrupted(void)
{
	return got_intr != 0;
}

/* While a command runs, Ctrl-C interrupts what it waits for (the To:
 * prompt of `mail`, its body) instead of ending logmail, and Ctrl-Z does
 * nothing; while a line is edited the terminal sends both as keys. */
static void catch_signals(bool on, struct sigaction *old_int, struct sigaction *old_tstp)
{
	struct sigaction sa = {.sa_handler = on_intr}, ign = {.sa_handler = SIG_IGN};

	if (!on) {
		sigaction(SIGINT, old_int, NULL);
		sigaction(SIGTSTP, old_tstp, NULL);
		return;
	}
	sigemptyset(&sa.sa_mask);
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &sa, old_int); /* no SA_RESTART: reads return EINTR */
	sigaction(SIGTSTP, &ign, old_tstp);
}

static int shell_line(struct run *r, const char *line)
{
	const char *prompt = r->cli->prompt;
	int rc;

	got_intr = 0;
	r->line++;
	rc = run_line(r, line, prompt ? (unsigned)strlen(prompt) : 0);
	cli_monitor_flush(r->cli);
	if (got_intr) {
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
	struct run *outer = current;
	struct sigaction old_int, old_tstp;
	struct cli_term *term = cli_term_new(cli, cli->in, cli->out);
	enum cli_monitor monitor = cli->monitor;

	if (!term) {
		fprintf(cli->err, "logmail: cannot set up the terminal\n");
		return EX_OSERR;
	}
	current = &r;
	cli->mode = config_mode ? CLI_CONFIG : CLI_EXEC;
	cli->quit = false;
	cli->monitor = CLI_MONITOR_OFF; /* until `terminal monitor` */
	if (config_mode)
		fprintf(cli->out, "%s\n", CONFIG_BANNER);
	make_prompts(&prompts);
	catch_signals(true, &old_int, &old_tstp);
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
	catch_signals(false, &old_int, &old_tstp);
	cli->prompt = NULL;
	cli->monitor = monitor;
	cli_term_free(term);
	current = outer;
	return EX_OK; /* its errors were shown as they came */
}
