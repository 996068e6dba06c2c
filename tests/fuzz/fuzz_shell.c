/*
 * tests/fuzz/fuzz_shell.c: libFuzzer target for the shell's line handling
 * (cli/shell.c and cli/term.c): `?`, Tab, the history and the lines
 * themselves, with pipes, `do`, quotes and blanks anywhere.
 *
 * Input: text up to the first NUL, split into lines at '\n' (at most
 * MAX_LINES lines of MAX_LEN octets are used).  Line i is taken in exec
 * mode when i is even, in configuration mode when it is odd, and:
 *   - at the start and end of each word, and with the cursor halfway, as
 *     `?` and Tab see the text before the cursor:
 *     cli_help and cli_completions, whose every word must start with the
 *     word being typed (when no quote is open before the cursor);
 *   - as Enter sees it: cli_term_remember, which must leave the history
 *     file as it was when cli_line_secret calls the line secret.
 * Then all the lines run as a script (cli_script) against a configuration
 * file of their own; the mail and spool commands are the recorders of
 * tests/unit/cli_stubs.c, so nothing is sent.  Its status must be a
 * sysexits.h code.
 *
 * The configuration, the spool and $HOME (the history) are in a temporary
 * directory made once per process (in $TMPDIR, else /dev/shm, else /tmp)
 * and removed at exit.  The terminal (libedit) is also made once: el_init
 * leaves a few bytes in libtinfo that LeakSanitizer would report as a leak
 * of every input.  A broken invariant traps (__builtin_trap).
 */
#include "cli/cli.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#define MAX_LINES 16
#define MAX_LEN   160

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_shell.c:%d: invariant broken: %s\n", __LINE__,       \
				#cond);                                                            \
			__builtin_trap();                                                          \
		}                                                                                  \
	} while (0)

static char dir[256], conf_path[300], spool_path[300], hist_path[300];
static struct cli cli;
static struct cli_term *term;

static void remove_dir(void)
{
	unlink(conf_path);
	unlink(hist_path);
	rmdir(spool_path);
	rmdir(dir);
}

static void make_dir(void)
{
	const char *base = getenv("TMPDIR");

	if (!base || access(base, W_OK) != 0)
		base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(dir, sizeof(dir), "%s/fuzz_shell.XXXXXX", base);
	if (!mkdtemp(dir)) {
		perror("fuzz_shell: mkdtemp");
		abort();
	}
	snprintf(conf_path, sizeof(conf_path), "%s/logmail.conf", dir);
	snprintf(spool_path, sizeof(spool_path), "%s/spool", dir);
	snprintf(hist_path, sizeof(hist_path), "%s/.logmail_history", dir);
	setenv("HOME", dir, 1);
	atexit(remove_dir);
	cli.config_path = conf_path;
	cli.spool_dir = spool_path;
	cli.in = fopen("/dev/null", "r");
	cli.out = fopen("/dev/null", "w");
	cli.err = fopen("/dev/null", "w");
	if (!cli.in || !cli.out || !cli.err || !(term = cli_term_new(&cli, cli.in, cli.out))) {
		fprintf(stderr, "fuzz_shell: cannot set up\n");
		abort();
	}
}

static bool quote_open(const char *s, size_t n)
{
	bool in = false;

	for (size_t i = 0; i < n; i++) {
		if (in && s[i] == '\\' && i + 1 < n && (s[i + 1] == '"' || s[i + 1] == '\\'))
			i++;
		else if (s[i] == '"')
			in = !in;
	}
	return in;
}

static off_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : -1;
}

/* `?` and Tab with the cursor after the first n octets of line. */
static void keys_at(struct cli *cli, const char *line, size_t n)
{
	char *text = strndup(line, n), **words;
	const char *partial;
	size_t count;

	if (!text)
		return;
	cli_help(cli, cli->out, text);
	/* the word being typed, as the shell sees it: a line end ends a word
	 * as a blank does */
	partial = text + n;
	while (partial > text && !strchr(" \t\r\n", partial[-1]))
		partial--;
	if (cli_completions(cli, text, &words, &count) == 0) {
		for (size_t i = 0; i < count; i++) {
			CHECK(words[i] != NULL && words[i][0] != '\0');
			CHECK(quote_open(text, n) ||
			      strncmp(words[i], partial, strlen(partial)) == 0);
			free(words[i]);
		}
		free(words);
	}
	free(text);
}

static void one_line(struct cli *cli, const char *line)
{
	size_t len = strlen(line);
	char *entered;
	off_t before;

	/* where `?` and Tab are pressed: at a word's start and end, and in
	 * the middle of the last word (each position would be too slow) */
	for (size_t n = 0; n <= len; n++)
		if (n == 0 || n == len || n == len / 2 || line[n] == ' ' || line[n - 1] == ' ')
			keys_at(cli, line, n);
	/* Enter: the terminal hands the line over with its line end */
	if (asprintf(&entered, "%s\n", line) < 0)
		return;
	before = file_size(hist_path);
	cli_term_remember(term, entered);
	if (cli_line_secret(cli, entered))
		CHECK(file_size(hist_path) == before);
	free(entered);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len = strnlen((const char *)data, size);
	char *text = strndup((const char *)data, len), *line, *next;
	FILE *script;
	int rc;

	if (!dir[0])
		make_dir();
	if (!text)
		return 0;
	unlink(conf_path);
	unlink(hist_path);
	cli.monitor = CLI_MONITOR_STDERR;
	cli.warned_missing = false;
	if (cli_load(&cli) != EX_OK)
		abort();
	line = text;
	for (int i = 0; line && i < MAX_LINES; i++, line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (strlen(line) > MAX_LEN)
			line[MAX_LEN] = '\0';
		cli.mode = i % 2 ? CLI_CONFIG : CLI_EXEC;
		one_line(&cli, line);
	}
	free(text);

	script = fmemopen((void *)data, len ? len : 1, "r");
	if (script && len) {
		rc = cli_script(&cli, script, "fuzz");
		CHECK(rc == EX_OK || (rc >= EX__BASE && rc <= EX__MAX));
	}
	if (script)
		fclose(script);
	conf_free(cli.conf);
	cli.conf = NULL;
	return 0;
}
