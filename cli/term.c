/*
 * cli/term.c: the shell's terminal, on libedit (editline): line editing,
 * history across runs in ~/.logmail_history, and the keys of the
 * AlliedWare Plus shell:
 *
 *   ?       the help for the word under the cursor (the line stays as it
 *           is; inside an open quote `?` is just a character)
 *   Tab     completes a keyword typed in part, or lists the choices
 *   Ctrl-C  abandons the line
 *   Ctrl-Z  leaves configuration mode (as the banner says: "End with CNTL/Z")
 *   Up/Down the history
 *
 * While a line is edited the terminal sends Ctrl-C and Ctrl-Z as keys
 * (libedit's edit mode without isig), so they never reach logmail as
 * signals there; cli/shell.c catches them while a command runs.
 *
 * The history file is written whole after each line, mode 0600, by
 * rename; a line that holds a password never enters the history.
 */
#include "cli/cli.h"
#include "util/replace.h"

#include <errno.h>
#include <fcntl.h>
#include <histedit.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wchar.h>

#define HISTORY_FILE ".logmail_history"
#define HISTORY_SIZE 500

struct cli_term {
	struct cli *cli;
	EditLine *el;
	History *h;
	FILE *out;
	char *file;        /* the history file; NULL without $HOME */
	enum cli_read key; /* set by the Ctrl-C and Ctrl-Z keys */
	char prompt[64];
};

static struct cli_term *term_of(EditLine *el)
{
	void *t = NULL;

	el_get(el, EL_CLIENTDATA, &t);
	return t;
}

static char *prompt_fn(EditLine *el)
{
	return term_of(el)->prompt;
}

/* The line up to the cursor, malloc'd. */
static char *before_cursor(EditLine *el)
{
	const LineInfo *li = el_line(el);

	return strndup(li->buffer, (size_t)(li->cursor - li->buffer));
}

/* Is a double quote left open in s? */
static bool open_quote(const char *s)
{
	bool in = false;

	for (; *s; s++) {
		if (in && *s == '\\' && (s[1] == '"' || s[1] == '\\'))
			s++;
		else if (*s == '"')
			in = !in;
	}
	return in;
}

static unsigned char key_help(EditLine *el, int ch)
{
	struct cli_term *t = term_of(el);
	const LineInfo *li = el_line(el);
	char *text = before_cursor(el);

	(void)ch;
	if (!text)
		return CC_ERROR;
	if (open_quote(text)) {
		free(text);
		el_insertstr(el, "?");
		return CC_REFRESH;
	}
	fputs(li->cursor == li->lastchar ? "?\n" : "\n", t->out);
	cli_help(t->cli, t->out, text);
	free(text);
	return CC_REDISPLAY;
}

static size_t common_prefix(char **words, size_t n)
{
	size_t len = strlen(words[0]);

	for (size_t i = 1; i < n; i++) {
		size_t k = 0;

		while (k < len && words[i][k] == words[0][k])
			k++;
		len = k;
	}
	return len;
}

static void list_words(FILE *out, char **words, size_t n)
{
	size_t width = 0, col = 0;

	for (size_t i = 0; i < n; i++)
		width = strlen(words[i]) > width ? strlen(words[i]) : width;
	fputc('\n', out);
	for (size_t i = 0; i < n; i++) {
		if (col && col + width + 2 > 79) {
			fputc('\n', out);
			col = 0;
		}
		fprintf(out, "%-*s", (int)width + 2, words[i]);
		col += width + 2;
	}
	fputc('\n', out);
}

static unsigned char key_complete(EditLine *el, int ch)
{
	struct cli_term *t = term_of(el);
	char *text = before_cursor(el), **words = NULL, *partial;
	unsigned char rc = CC_ERROR;
	size_t n = 0, have, common;

	(void)ch;
	if (!text || open_quote(text) || cli_completions(t->cli, text, &words, &n) < 0)
		goto out;
	partial = text + strlen(text);
	while (partial > text && partial[-1] != ' ' && partial[-1] != '\t')
		partial--;
	have = strlen(partial);
	if (n == 0) { /* a value goes here: say which */
		fputc('\n', t->out);
		cli_help(t->cli, t->out, text);
		rc = CC_REDISPLAY;
		goto out;
	}
	common = common_prefix(words, n);
	if (n == 1) {
		el_insertstr(el, words[0] + have);
		el_insertstr(el, " ");
		rc = CC_REFRESH;
	} else if (common > have) {
		char *more = strndup(words[0] + have, common - have);

		if (more)
			el_insertstr(el, more);
		free(more);
		rc = CC_REFRESH;
	} else {
		list_words(t->out, words, n);
		rc = CC_REDISPLAY;
	}
out:
	for (size_t i = 0; i < n; i++)
		free(words[i]);
	free(words);
	free(text);
	return rc;
}

/* Ctrl-C and Ctrl-Z end the line; cli_term_read tells which. */
static unsigned char key_intr(EditLine *el, int ch)
{
	(void)ch;
	term_of(el)->key = CLI_READ_INTR;
	return CC_NEWLINE;
}

static unsigned char key_suspend(EditLine *el, int ch)
{
	(void)ch;
	term_of(el)->key = CLI_READ_SUSPEND;
	return CC_NEWLINE;
}

static void load_history(struct cli_term *t)
{
	const char *home = getenv("HOME");
	HistEvent ev;
	struct stat st;

	if (!home || !*home || asprintf(&t->file, "%s/%s", home, HISTORY_FILE) < 0) {
		t->file = NULL;
		return;
	}
	if (lstat(t->file, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid())
		history(t->h, &ev, H_LOAD, t->file);
}

/* Replaced atomically (util/replace.h), mode 0600, without fsync (after
 * every line: not worth a disk flush); a symbolic link there is replaced,
 * not followed, as load_history reads only a regular file of the user's.
 * libedit writes to a FILE of a real file (it fchmods it): one on a dup of
 * the temporary file's descriptor. */
static void save_history(struct cli_term *t)
{
	struct util_replace r;
	HistEvent ev;
	FILE *f = NULL;
	int fd;

	if (!t->file)
		return;
	if (util_replace_open(&r, AT_FDCWD, t->file, 0600, UTIL_REPLACE_NOSYNC) == 0 &&
	    (fd = dup(r.fd)) >= 0 && !(f = fdopen(fd, "w")))
		close(fd);
	if (f) {
		bool ok = history(t->h, &ev, H_SAVE_FP, f) >= 0;

		if (fclose(f) == 0 && ok)
			(void)util_replace_commit(&r);
	}
	util_replace_close(&r);
}

struct cli_term *cli_term_new(struct cli *cli, FILE *in, FILE *out)
{
	struct cli_term *t = calloc(1, sizeof(*t));
	HistEvent ev;

	if (!t)
		return NULL;
	t->cli = cli;
	t->out = out;
	t->el = el_init("logmail", in, out, cli->err);
	t->h = history_init();
	if (!t->el || !t->h) {
		cli_term_free(t);
		return NULL;
	}
	history(t->h, &ev, H_SETSIZE, HISTORY_SIZE);
	history(t->h, &ev, H_SETUNIQUE, 1);
	load_history(t);
	el_set(t->el, EL_CLIENTDATA, t);
	el_set(t->el, EL_EDITOR, "emacs");
	el_set(t->el, EL_HIST, history, t->h);
	el_set(t->el, EL_PROMPT, prompt_fn);
	el_set(t->el, EL_SETTY, "-d", "-isig", NULL);
	/* The wide form: el_set copies the names and never frees them (a
	 * leak libedit marks in eln.c); el_wset keeps these literals. */
	el_wset(t->el, EL_ADDFN, L"logmail-help", L"help for the word under the cursor", key_help);
	el_wset(t->el, EL_ADDFN, L"logmail-complete", L"complete the word", key_complete);
	el_wset(t->el, EL_ADDFN, L"logmail-intr", L"abandon the line", key_intr);
	el_wset(t->el, EL_ADDFN, L"logmail-suspend", L"leave configuration mode", key_suspend);
	el_set(t->el, EL_BIND, "?", "logmail-help", NULL);
	el_set(t->el, EL_BIND, "^I", "logmail-complete", NULL);
	el_set(t->el, EL_BIND, "^C", "logmail-intr", NULL);
	el_set(t->el, EL_BIND, "^Z", "logmail-suspend", NULL);
	return t;
}

void cli_term_free(struct cli_term *t)
{
	if (!t)
		return;
	if (t->el)
		el_end(t->el);
	if (t->h)
		history_end(t->h);
	free(t->file);
	free(t);
}

enum cli_read cli_term_read(struct cli_term *t, const char *prompt, const char **line)
{
	int n = 0;
	const char *got;

	snprintf(t->prompt, sizeof(t->prompt), "%s", prompt);
	t->key = CLI_READ_LINE;
	got = el_gets(t->el, &n);
	if (t->key != CLI_READ_LINE) {
		fputc('\n', t->out);
		fflush(t->out);
		return t->key;
	}
	if (!got || n <= 0) {
		fputc('\n', t->out);
		fflush(t->out);
		return errno == EINTR ? CLI_READ_INTR : CLI_READ_EOF;
	}
	*line = got;
	return CLI_READ_LINE;
}

void cli_term_remember(struct cli_term *t, const char *line)
{
	HistEvent ev;
	char *copy;
	size_t len;

	if (cli_line_secret(t->cli, line))
		return;
	len = strcspn(line, "\r\n");
	if (line[strspn(line, " \t\r\n")] == '\0' || !(copy = strndup(line, len)))
		return;
	history(t->h, &ev, H_ENTER, copy);
	free(copy);
	save_history(t);
}
