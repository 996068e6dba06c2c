/*
 * cli/shell.c: the modes of the logmail front end and the dispatch of
 * command words, shared by all of them.
 *
 * Exec mode knows the commands in exec_cmds[] (unique prefixes accepted, as
 * on AlliedWare Plus: `sh run`, `conf t`) plus every configuration command
 * (`mail smtpserver ...`, `log email ...`, `no ...`, `default ...`), which
 * exec mode takes directly, as a convenience AlliedWare Plus does not offer.
 * Configuration mode hands each line, unchanged, to conf_exec: the one
 * parser of the configuration grammar, so its columns are the user's.
 *
 * Saving: the interactive shell and one command from the command line save
 * after each change; a batch (configure, script) saves when it leaves
 * configuration mode, before it runs an exec command and at its end, and
 * drops its pending changes at the first error.
 */
#include "cli/cli.h"
#include "config/conf.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#define PROMPT_EXEC   "logmail#"
#define PROMPT_CONFIG "logmail(config)#"
#define CONFIG_BANNER "Enter configuration commands, one per line. End with CNTL/Z."

enum mode { MODE_EXEC, MODE_CONFIG };

/* One run of a mode: where lines come from and what is pending. */
struct run {
	struct cli *cli;
	const char *file; /* label of errors: script or "<stdin>"; NULL: argv */
	unsigned line;
	enum mode mode;
	bool shell;       /* interactive: bare "% ..." errors, save at once */
	bool tty;         /* the shell reads a terminal: Ctrl-Z is caught */
	bool config_only; /* `logmail configure`: leaving config mode ends it */
	bool dirty;       /* cli->conf changed since the last save */
	bool quit;
};

typedef int (*cmd_fn)(struct cli *cli, int argc, char **argv);

struct exec_cmd {
	const char *words[4];
	cmd_fn fn;
};

static int cmd_show_running(struct cli *cli, int argc, char **argv);
static int cmd_write(struct cli *cli, int argc, char **argv);

/* Exec commands.  Mode changes (configure, exit, end, enable) are handled
 * by exec_mode_words before this table is consulted. */
static const struct exec_cmd exec_cmds[] = {
    {{"show", "running-config"}, cmd_show_running},
    {{"show", "mail"}, cmd_show_mail},
    {{"show", "counter", "mail"}, cmd_show_counter_mail},
    {{"show", "log", "config"}, cmd_show_log_config},
    {{"test", "filters"}, cmd_test_filters},
    {{"delete", "mail"}, cmd_delete_mail},
    {{"debug", "mail"}, cmd_debug_mail},
    {{"no", "debug", "mail"}, cmd_debug_mail},
    {{"undebug", "mail"}, cmd_debug_mail},
    {{"undebug", "all"}, cmd_debug_mail},
    {{"flush"}, cmd_flush},
    {{"write"}, cmd_write},
    {{"write", "memory"}, cmd_write},
    {{"copy", "running-config", "startup-config"}, cmd_write},
};
#define N_EXEC_CMDS (sizeof(exec_cmds) / sizeof(exec_cmds[0]))

/* First words of configuration commands (conf.h's grammar). */
static const char *const config_firsts[] = {"mail", "log", "no", "default"};

/* ---- errors ------------------------------------------------------------- */

static void say(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One error line: bare in the shell (as the device prints it), with the
 * program name and the place otherwise. */
static void say(struct run *r, const char *fmt, ...)
{
	FILE *err = r->cli->err;
	va_list ap;

	if (!r->shell) {
		fputs("logmail: ", err);
		if (r->file)
			fprintf(err, "%s:%u: ", r->file, r->line);
	}
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
	case CONF_ENOMEM:
	default:
		return EX_OSERR;
	}
}

/* The device's wording for a refused command is "% Error: ...". */
static void conf_msg(enum conf_status st, const struct conf_err *err, char *buf, size_t size)
{
	if (st == CONF_ESTATE && strncmp(err->msg, "% ", 2) != 0)
		snprintf(buf, size, "%% Error: %s", err->msg);
	else
		snprintf(buf, size, "%s", err->msg);
}

static void report_conf(struct run *r, enum conf_status st, struct conf_err *err)
{
	char msg[sizeof(err->msg) + 16], line[1024];
	FILE *out = r->cli->err;

	conf_msg(st, err, msg, sizeof(msg));
	if (r->shell) {
		if (msg[0] == '%')
			fprintf(out, "%s\n", msg);
		else if (err->column)
			fprintf(out, "%% %s (column %u)\n", msg, err->column);
		else
			fprintf(out, "%% %s\n", msg);
	} else {
		size_t n = strnlen(msg, sizeof(err->msg) - 1);

		memcpy(err->msg, msg, n);
		err->msg[n] = '\0';
		conf_err_format(err, line, sizeof(line));
		fprintf(out, "logmail: %s\n", line);
	}
	fflush(out);
}

/* ---- saving ------------------------------------------------------------- */

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

static int save(struct run *r)
{
	struct conf_err err = {0};
	enum conf_status st;
	int rc;

	if (!r->dirty)
		return EX_OK;
	rc = ensure_dir(r);
	if (rc != EX_OK)
		return rc;
	st = conf_save(r->cli->conf, r->cli->config_path, &err);
	if (st != CONF_OK) {
		if (!err.file[0])
			snprintf(err.file, sizeof(err.file), "%s", r->cli->config_path);
		report_conf(r, st, &err);
		return st == CONF_EIO ? EX_CANTCREAT : cli_conf_exit(st);
	}
	r->dirty = false;
	return EX_OK;
}

/* One configuration command, as typed (columns count from its start). */
static int config_line(struct run *r, const char *line)
{
	struct conf_err err = {0};
	enum conf_status st;
	int rc = ensure_dir(r);

	if (rc != EX_OK)
		return rc;
	st = conf_exec(r->cli->conf, line, r->file ? r->file : "<command>", r->file ? r->line : 1,
		       &err);
	if (st != CONF_OK) {
		report_conf(r, st, &err);
		return cli_conf_exit(st);
	}
	r->dirty = true;
	return r->shell || !r->file ? save(r) : EX_OK;
}

/* ---- exec commands ------------------------------------------------------ */

static int cmd_show_running(struct cli *cli, int argc, char **argv)
{
	if (argc > 2) {
		fprintf(cli->err, "%% Unknown argument \"%s\" after \"show running-config\"\n",
			argv[2]);
		return EX_USAGE;
	}
	if (conf_write(cli->conf, cli->out) != 0 || fflush(cli->out) != 0) {
		fprintf(cli->err, "logmail: cannot write the configuration: %s\n", strerror(errno));
		return EX_IOERR;
	}
	return EX_OK;
}

/* The configuration is saved after every change already; `write` (and its
 * AlliedWare Plus spellings) saves it again, so that habit does no harm. */
static int cmd_write(struct cli *cli, int argc, char **argv)
{
	struct conf_err err = {0};
	enum conf_status st;
	char line[1024];

	(void)argc;
	(void)argv;
	st = conf_save(cli->conf, cli->config_path, &err);
	if (st != CONF_OK) {
		if (!err.file[0])
			snprintf(err.file, sizeof(err.file), "%s", cli->config_path);
		conf_err_format(&err, line, sizeof(line));
		fprintf(cli->err, "logmail: %s\n", line);
		return st == CONF_EIO ? EX_CANTCREAT : cli_conf_exit(st);
	}
	return EX_OK;
}

static bool is_prefix(const char *word, const char *kw)
{
	size_t n = strlen(word);

	return n > 0 && strncmp(word, kw, n) == 0;
}

static int n_words(const struct exec_cmd *c)
{
	int n = 0;

	while (n < 4 && c->words[n])
		n++;
	return n;
}

/* How many leading words of argv c accepts (each a prefix of its keyword);
 * *exact counts those typed in full. */
static int match_len(const struct exec_cmd *c, int argc, char **argv, int *exact)
{
	int i, n = n_words(c);

	*exact = 0;
	for (i = 0; i < n && i < argc; i++) {
		if (!is_prefix(argv[i], c->words[i]))
			break;
		*exact += strcmp(argv[i], c->words[i]) == 0;
	}
	return i;
}

/* "a, b, c": the distinct keywords at position pos of the commands that
 * accept the first pos words. */
static void expected(int pos, int argc, char **argv, char *buf, size_t size)
{
	size_t used = 0, i, j;
	int ex;

	buf[0] = '\0';
	for (i = 0; i < N_EXEC_CMDS; i++) {
		const struct exec_cmd *c = &exec_cmds[i];
		const char *kw = pos < n_words(c) ? c->words[pos] : NULL;
		bool dup = false;

		if (!kw || match_len(c, argc < pos ? argc : pos, argv, &ex) < pos)
			continue;
		for (j = 0; j < i && !dup; j++)
			dup = pos < n_words(&exec_cmds[j]) && exec_cmds[j].words[pos] &&
			      strcmp(exec_cmds[j].words[pos], kw) == 0 &&
			      match_len(&exec_cmds[j], pos, argv, &ex) >= pos;
		if (!dup && used < size)
			used +=
			    (size_t)snprintf(buf + used, size - used, "%s%s", used ? ", " : "", kw);
	}
}

/* Run fn; in a batch, what it prints on cli->err (errors, `debug mail`
 * transcripts) is prefixed with the place, each line, once fn returns. */
static int call(struct run *r, cmd_fn fn, int argc, char **argv)
{
	FILE *real = r->cli->err, *mem;
	char *buf = NULL, *p, *nl;
	size_t len = 0;
	int rc;

	if (r->shell || !r->file)
		return fn(r->cli, argc, argv);
	mem = open_memstream(&buf, &len);
	if (!mem)
		return fn(r->cli, argc, argv);
	r->cli->err = mem;
	rc = fn(r->cli, argc, argv);
	r->cli->err = real;
	fclose(mem);
	for (p = buf; p && *p; p = *nl ? nl + 1 : nl) {
		if (strncmp(p, "logmail: ", 9) == 0)
			p += 9;
		nl = strchrnul(p, '\n');
		fprintf(real, "logmail: %s:%u: %.*s\n", r->file, r->line, (int)(nl - p), p);
	}
	free(buf);
	fflush(real);
	return rc;
}

static bool is_config_first(const char *w)
{
	size_t i;

	for (i = 0; i < sizeof(config_firsts) / sizeof(config_firsts[0]); i++)
		if (strcmp(w, config_firsts[i]) == 0)
			return true;
	return false;
}

/* `mail` alone or followed by to/subject/file sends a mail; every other
 * `mail ...` is configuration. */
static bool is_send_mail(int argc, char **argv)
{
	return strcmp(argv[0], "mail") == 0 &&
	       (argc == 1 || !strcmp(argv[1], "to") || !strcmp(argv[1], "subject") ||
		!strcmp(argv[1], "file"));
}

static int unknown(struct run *r, int argc, char **argv, int pos)
{
	char exp[512], *what = cli_join(pos + 1 < argc ? pos + 1 : argc, argv);
	char *before = cli_join(pos, argv);

	expected(pos, argc, argv, exp, sizeof(exp));
	if (pos == 0)
		say(r,
		    "%% Unknown command \"%s\" (expected show, mail, delete, debug, undebug, "
		    "flush, write, configure, or a configuration command: mail, log, no, "
		    "default)",
		    argv[0]);
	else if (pos >= argc)
		say(r, "%% Incomplete command \"%s\" (expected %s after it)", what ? what : "",
		    exp);
	else
		say(r, "%% Unknown command \"%s\" (expected %s after \"%s\")", what ? what : "",
		    exp, before ? before : "");
	free(what);
	free(before);
	return EX_USAGE;
}

/* Run c with its keywords spelt in full (`sh run` -> show running-config)
 * in a copy of argv: the caller's words stay its own. */
static int call_canonical(struct run *r, const struct exec_cmd *c, int len, int argc, char **argv)
{
	char **v = malloc(((size_t)argc + 1) * sizeof(*v));
	int i, rc;

	if (!v) {
		say(r, "%% out of memory");
		return EX_OSERR;
	}
	for (i = 0; i < argc; i++)
		v[i] = i < len ? (char *)c->words[i] : argv[i];
	v[argc] = NULL;
	rc = call(r, c->fn, argc, v);
	free(v);
	return rc;
}

/* Several commands accept argv equally well: name them. */
static int ambiguity(struct run *r, int argc, char **argv, int len, int exact)
{
	char cands[512] = "", *what = cli_join(len, argv);
	size_t used = 0, i, n = 0, k;
	int ex, j;

	for (i = 0; i < N_EXEC_CMDS; i++) {
		const struct exec_cmd *c = &exec_cmds[i];

		if (n_words(c) != len || match_len(c, argc, argv, &ex) != len || ex != exact)
			continue;
		n++;
		for (k = 0; k < N_EXEC_CMDS; k++) /* is there one more after it? */
			if (k > i && n_words(&exec_cmds[k]) == len &&
			    match_len(&exec_cmds[k], argc, argv, &ex) == len && ex == exact)
				break;
		if (used < sizeof(cands))
			used += (size_t)snprintf(cands + used, sizeof(cands) - used, "%s",
						 n == 1            ? ""
						 : k < N_EXEC_CMDS ? ", "
								   : " or ");
		for (j = 0; j < len && used < sizeof(cands); j++)
			used += (size_t)snprintf(cands + used, sizeof(cands) - used, "%s%s",
						 j ? " " : "", c->words[j]);
	}
	say(r, "%% Ambiguous command \"%s\" (could be %s)", what ? what : argv[0], cands);
	free(what);
	return EX_USAGE;
}

/* Pick the exec command for argv: the one that accepts the most words, all
 * of its keywords present; ties go to the one typed more in full. */
static int dispatch(struct run *r, int argc, char **argv)
{
	const struct exec_cmd *best = NULL;
	int best_len = 0, best_exact = -1, deepest = 0, ambiguous = 0;
	size_t i;

	for (i = 0; i < N_EXEC_CMDS; i++) {
		int ex, len = match_len(&exec_cmds[i], argc, argv, &ex);

		if (len > deepest)
			deepest = len;
		if (len < n_words(&exec_cmds[i]))
			continue;
		if (len > best_len || (len == best_len && ex > best_exact)) {
			best = &exec_cmds[i];
			best_len = len;
			best_exact = ex;
			ambiguous = 0;
		} else if (len == best_len && ex == best_exact) {
			ambiguous = 1;
		}
	}
	if (!best || (best_len < deepest && best_len < argc))
		return unknown(r, argc, argv, deepest);
	if (ambiguous)
		return ambiguity(r, argc, argv, best_len, best_exact);
	return call_canonical(r, best, best_len, argc, argv);
}

static bool word_is(const char *w, const char *kw, size_t min)
{
	return strlen(w) >= min && is_prefix(w, kw);
}

static int help(struct run *r)
{
	static const char exec_help[] =
	    "  show running-config     the configuration\n"
	    "  show mail               mail settings and the queue\n"
	    "  show counter mail       mails sent and failed\n"
	    "  show log config         email log targets, filters, statistics\n"
	    "  test filters FILE       the mails a log file would produce, none sent\n"
	    "  mail [to ADDR] [subject TEXT] [file FILE]\n"
	    "  delete mail {mail-id ID|all|ID}\n"
	    "  debug mail | no debug mail | undebug mail\n"
	    "  flush                   deliver what is queued now\n"
	    "  configure terminal      enter configuration mode\n"
	    "  exit                    leave\n";
	static const char config_help[] =
	    "  mail smtpserver {ADDRESS|NAME}\n"
	    "  mail smtpserver port <1-65535>\n"
	    "  mail smtpserver tls {starttls|smtps}\n"
	    "  mail smtpserver authentication {crammd5|login|plain} username U password P\n"
	    "  mail from ADDR\n"
	    "  log email ADDR [level L] [program P] [facility F] [msgtext \"T\"]\n"
	    "  log email ADDR exclude ...  |  log email ADDR time {local|utc} [+|-]H[:MM]\n"
	    "  no ...  |  default log email ADDR\n"
	    "  do COMMAND              run an exec command\n"
	    "  exit | end              back to exec mode\n";

	fputs(r->mode == MODE_CONFIG ? config_help : exec_help, r->cli->out);
	return EX_OK;
}

/* An exec-mode line, already split; line is its text (for conf_exec). */
static int exec_words(struct run *r, int argc, char **argv, const char *line)
{
	int rc;

	if (argc == 1 && (!strcmp(argv[0], "?") || !strcmp(argv[0], "help")))
		return help(r);
	if (word_is(argv[0], "configure", 4)) {
		if (argc > 2 || (argc == 2 && !word_is(argv[1], "terminal", 1))) {
			say(r, "%% Unknown command \"%s\" (expected configure [terminal])", line);
			return EX_USAGE;
		}
		r->mode = MODE_CONFIG;
		if (r->shell)
			fprintf(r->cli->out, "%s\n", CONFIG_BANNER);
		return EX_OK;
	}
	if (argc == 1 &&
	    (!strcmp(argv[0], "exit") || !strcmp(argv[0], "quit") || !strcmp(argv[0], "logout"))) {
		r->quit = true;
		return EX_OK;
	}
	if (argc == 1 && (word_is(argv[0], "enable", 2) || !strcmp(argv[0], "end") ||
			  !strcmp(argv[0], "disable")))
		return EX_OK;
	if (is_config_first(argv[0]) && !is_send_mail(argc, argv) &&
	    !(argc >= 2 && !strcmp(argv[0], "no") && is_prefix(argv[1], "debug")))
		return config_line(r, line);
	rc = save(r); /* a batch's changes are in effect before exec commands */
	if (rc != EX_OK)
		return rc;
	if (is_send_mail(argc, argv))
		return call(r, cmd_mail, argc, argv);
	return dispatch(r, argc, argv);
}

/* A configuration-mode line: `exit`/`end` leave, `do CMD` runs an exec
 * command, everything else is conf_exec's. */
static int config_words(struct run *r, int argc, char **argv, const char *line)
{
	if (argc == 1 && (!strcmp(argv[0], "exit") || !strcmp(argv[0], "end"))) {
		r->mode = MODE_EXEC;
		if (r->config_only)
			r->quit = true;
		return r->shell ? EX_OK : save(r);
	}
	if (argc == 1 && (!strcmp(argv[0], "?") || !strcmp(argv[0], "help")))
		return help(r);
	if (word_is(argv[0], "show", 2) && !r->config_only) /* as `do show ...` */
		return exec_words(r, argc, argv, line);
	if (argc > 1 && !strcmp(argv[0], "do") && !r->config_only) {
		const char *rest = line + strspn(line, " \t");

		rest += 2;
		rest += strspn(rest, " \t");
		return exec_words(r, argc - 1, argv + 1, rest);
	}
	return config_line(r, line);
}

/* Lines may hold a plain password (`... password P`): wipe them. */
static void wipe_words(char **words, int n)
{
	int i;

	for (i = 0; words && i < n; i++)
		explicit_bzero(words[i], strlen(words[i]));
	free(words);
}

static int run_line(struct run *r, char *line)
{
	char **words = NULL;
	size_t len = strlen(line), col;
	int n, rc;

	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	n = cli_split_at(line, &words, &col);
	if (n < 0 && col && r->mode == MODE_CONFIG)
		return config_line(r, line); /* conf_exec reports it its way */
	if (n < 0 && !col) {
		say(r, "%% out of memory");
		return EX_OSERR;
	}
	if (n < 0) {
		struct conf_err err = {.line = r->line, .column = (unsigned)col};

		snprintf(err.file, sizeof(err.file), "%s", r->file ? r->file : "");
		snprintf(err.msg, sizeof(err.msg), "unterminated quote");
		report_conf(r, CONF_ESYNTAX, &err);
		return EX_USAGE;
	}
	if (n == 0 || words[0][0] == '!' || (r->mode == MODE_EXEC && words[0][0] == '#')) {
		free(words);
		return EX_OK;
	}
	if (r->mode == MODE_CONFIG)
		rc = config_words(r, n, words, line);
	else
		rc = exec_words(r, n, words, line);
	wipe_words(words, n);
	return rc;
}

static void prompt(struct run *r)
{
	fputs(r->mode == MODE_CONFIG ? PROMPT_CONFIG : PROMPT_EXEC, r->cli->out);
	fflush(r->cli->out);
}

/* Ctrl-Z ends configuration mode, as the banner says ("End with CNTL/Z"):
 * the shell catches the terminal's SIGTSTP instead of being suspended.  The
 * signal stays blocked except while waiting for a line (ppoll), so it cannot
 * slip in between the prompt and the read; the terminal's stream is
 * unbuffered so that what ppoll sees is all there is to read. */
static volatile sig_atomic_t got_tstp;

static void on_tstp(int sig)
{
	(void)sig;
	got_tstp = 1;
}

/* Wait for input; false after Ctrl-Z (then back to exec mode). */
static bool wait_line(struct run *r, FILE *in)
{
	struct pollfd pfd = {.fd = fileno(in), .events = POLLIN};
	sigset_t mask;

	sigprocmask(SIG_SETMASK, NULL, &mask);
	sigdelset(&mask, SIGTSTP);
	while (ppoll(&pfd, 1, NULL, &mask) < 0) {
		if (errno != EINTR)
			return true; /* let getline meet the error */
		if (got_tstp) {
			got_tstp = 0;
			r->mode = MODE_EXEC;
			fputc('\n', r->cli->out);
			return false;
		}
	}
	return true;
}

static int loop(struct run *r, FILE *in)
{
	char *line = NULL;
	size_t cap = 0;
	int rc = EX_OK, save_rc;

	while (!r->quit) {
		if (r->shell)
			prompt(r);
		if (r->tty && !wait_line(r, in))
			continue;
		if (getline(&line, &cap, in) < 0) {
			if (r->shell)
				fputc('\n', r->cli->out);
			break;
		}
		r->line++;
		rc = run_line(r, line);
		if (r->shell)
			clearerr(in); /* Ctrl-D ended a mail body, not the shell */
		else if (rc != EX_OK)
			break;
	}
	if (line)
		explicit_bzero(line, cap);
	free(line);
	if (r->shell)
		return EX_OK; /* its errors were shown as they came */
	if (rc != EX_OK)
		return rc; /* a batch's pending changes are dropped */
	save_rc = save(r);
	return save_rc != EX_OK ? save_rc : rc;
}

/* ---- the modes ---------------------------------------------------------- */

int cli_run_words(struct cli *cli, int argc, char **argv)
{
	struct run r = {.cli = cli, .mode = MODE_EXEC};
	char *line;
	int rc;

	if (argc > 0 && word_is(argv[0], "configure", 4)) {
		if (argc > 2 || (argc == 2 && !word_is(argv[1], "terminal", 1))) {
			line = cli_join(argc, argv);
			say(&r, "%% Unknown command \"%s\" (expected configure [terminal])",
			    line ? line : argv[0]);
			free(line);
			return EX_USAGE;
		}
		if (isatty(fileno(cli->in)))
			return cli_shell(cli, true);
		return cli_configure(cli, cli->in, "<stdin>");
	}
	line = cli_join(argc, argv);
	if (!line)
		return EX_OSERR;
	rc = exec_words(&r, argc, argv, line);
	if (rc == EX_OK)
		rc = save(&r);
	explicit_bzero(line, strlen(line));
	free(line);
	return rc;
}

int cli_configure(struct cli *cli, FILE *in, const char *name)
{
	struct run r = {.cli = cli, .file = name, .mode = MODE_CONFIG, .config_only = true};

	return loop(&r, in);
}

int cli_script(struct cli *cli, FILE *in, const char *name)
{
	struct run r = {.cli = cli, .file = name, .mode = MODE_EXEC};

	return loop(&r, in);
}

int cli_shell(struct cli *cli, bool config_mode)
{
	struct run r = {.cli = cli, .file = "<terminal>", .shell = true};

	struct sigaction sa = {.sa_handler = on_tstp}, old;
	sigset_t tstp, saved;
	int rc;

	r.mode = config_mode ? MODE_CONFIG : MODE_EXEC;
	r.tty = isatty(fileno(cli->in));
	if (config_mode)
		fprintf(cli->out, "%s\n", CONFIG_BANNER);
	if (r.tty) {
		setvbuf(cli->in, NULL, _IONBF, 0);
		sigemptyset(&tstp);
		sigaddset(&tstp, SIGTSTP);
		sigprocmask(SIG_BLOCK, &tstp, &saved);
		sigemptyset(&sa.sa_mask);
		sigaction(SIGTSTP, &sa, &old);
	}
	rc = loop(&r, cli->in);
	if (r.tty) {
		sigaction(SIGTSTP, &old, NULL);
		sigprocmask(SIG_SETMASK, &saved, NULL);
	}
	return rc;
}
