/*
 * tests/integration/cli_driver.c: many logmail runs in one process, for a
 * test that puts many inputs to the same entry points (cli-addresses.sh):
 * each run is what cli/main.c does for `logmail --config CONF --spool DIR
 * WORDS... < INPUT` (cli_load, then cli_run_words), without an exec and a
 * sanitizer start-up per input.  Only the option parsing of main.c is left
 * out; a test keeps a few runs of the real program beside these.
 *
 * Standard input: one record per run, each field ended by a NUL:
 *   CONF SPOOL INPUT N WORD1 ... WORDN
 * (INPUT empty: /dev/null).  Standard output: per run, its exit code and
 * what it printed (standard output and error together, trailing newlines
 * cut as $(...) cuts them), each ended by a NUL.
 */
#include "cli/cli.h"
#include "smtp/smtp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#define MAX_WORDS 64

/* One field of standard input into *buf; false at the end. */
static bool field(char **buf, size_t *cap)
{
	return getdelim(buf, cap, '\0', stdin) > 0;
}

/* main()'s run, with the output captured in *out (malloc'd). */
static int run(const char *conf, const char *spool, const char *input, int argc, char **argv,
	       char **out, size_t *len)
{
	struct cli cli = {.config_path = conf, .spool_dir = spool, .monitor = CLI_MONITOR_STDERR};
	FILE *mem = open_memstream(out, len);
	FILE *in = *input ? fmemopen((void *)input, strlen(input), "r") : fopen("/dev/null", "r");
	int rc;

	if (!mem || !in) {
		perror("cli_driver");
		exit(99);
	}
	cli.in = in;
	cli.out = cli.err = mem;
	rc = cli_load(&cli);
	if (rc == EX_OK)
		rc = cli_run_words(&cli, argc, argv);
	spool_close(cli.spool);
	conf_free(cli.conf);
	fclose(in);
	fclose(mem);
	while (*len > 0 && (*out)[*len - 1] == '\n')
		(*out)[--*len] = '\0';
	return rc;
}

int main(void)
{
	char *conf = NULL, *spool = NULL, *input = NULL, *count = NULL, *words[MAX_WORDS] = {0};
	size_t conf_cap = 0, spool_cap = 0, input_cap = 0, count_cap = 0, caps[MAX_WORDS] = {0};
	int status = 0;

	while (field(&conf, &conf_cap)) {
		char *out = NULL;
		size_t len = 0;
		int n, rc;

		if (!field(&spool, &spool_cap) || !field(&input, &input_cap) ||
		    !field(&count, &count_cap) || (n = atoi(count)) < 1 || n > MAX_WORDS) {
			fprintf(stderr, "cli_driver: a record is cut short\n");
			status = 99;
			break;
		}
		for (int i = 0; i < n; i++)
			if (!field(&words[i], &caps[i])) {
				fprintf(stderr, "cli_driver: a record is cut short\n");
				exit(99);
			}
		rc = run(conf, spool, input, n, words, &out, &len);
		printf("%d%c", rc, '\0');
		fwrite(out, 1, len, stdout);
		putchar('\0');
		fflush(stdout);
		free(out);
	}
	free(conf);
	free(spool);
	free(input);
	free(count);
	for (int i = 0; i < MAX_WORDS; i++)
		free(words[i]);
	return status;
}
