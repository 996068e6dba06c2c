/*
 * cli/main.c: logmail, the command front end: options, the configuration
 * and the choice of mode (one command, `configure`, `-f FILE`, standard
 * input, the interactive shell).  Exit codes are sysexits.h's; logmail(1)
 * lists them.
 */
#include "cli/cli.h"
#include "config/conf.h"
#include "smtp/smtp.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

static void usage(FILE *out)
{
	fputs("Usage: logmail [--config FILE] [--spool DIR] [COMMAND...]\n"
	      "       logmail [--config FILE] [--spool DIR] configure [terminal] < COMMANDS\n"
	      "       logmail [--config FILE] [--spool DIR] -f SCRIPT\n"
	      "\n"
	      "Runs one AlliedWare Plus mail command, or with none, a shell (on a terminal)\n"
	      "or the commands on standard input.\n"
	      "\n"
	      "Commands (logmail(1) lists them all; `logmail ?` and `logmail show ?` too):\n"
	      "  show running-config | show mail | show counter mail | show log config\n"
	      "  mail [to ADDR] [subject TEXT] [file FILE]\n"
	      "  delete mail {mail-id ID | all | ID}\n"
	      "  debug mail [detail] | no debug mail | undebug mail | clear counter mail\n"
	      "  flush [due]\n"
	      "  test filters FILE  (the mails a log file would produce; - for stdin)\n"
	      "  test patterns FILE [--by-line]  (the kinds of event in a log file)\n"
	      "  configure [terminal]\n"
	      "  and every configuration command (mail smtpserver ..., mail from ...,\n"
	      "  log email ..., no ..., default log email ...), saved at once\n"
	      "\n"
	      "Options:\n"
	      "  -c, --config FILE  configuration file (default: $" CONF_PATH_ENV ", else\n"
	      "                     " CONF_DEFAULT_PATH ")\n"
	      "  -s, --spool DIR    spool directory (default: $" SPOOL_DIR_ENV ", else\n"
	      "                     " SPOOL_DEFAULT_DIR ")\n"
	      "  -f, --file SCRIPT  run the commands in SCRIPT (- for standard input),\n"
	      "                     as a trigger script\n"
	      "  -h, --help         this text\n"
	      "  -V, --version      the version\n",
	      out);
}

static const char *pick(const char *opt, const char *env, const char *def)
{
	const char *v;

	if (opt)
		return opt;
	v = getenv(env);
	return v && *v ? v : def;
}

/* Command words for this run, with a plain password taken out of argv:
 * the words are copied and the password's characters in argv overwritten,
 * so `ps` and /proc/PID/cmdline no longer show it.  (It was visible from
 * exec until here: `logmail configure` on standard input is the safe way,
 * as logmail(1) says.)  NULL when out of memory; free with free_words. */
static char **take_words(int argc, char **argv)
{
	char **words = calloc((size_t)argc + 1, sizeof(*words));

	if (!words)
		return NULL;
	for (int i = 0; i < argc; i++) {
		words[i] = strdup(argv[i]);
		if (!words[i])
			goto fail;
	}
	for (int i = 0; i + 1 < argc; i++) {
		if (strcmp(argv[i], "password") != 0)
			continue;
		if (strcmp(argv[i + 1], "8") == 0 && i + 2 < argc)
			i++;
		memset(argv[i + 1], 'x', strlen(argv[i + 1]));
	}
	return words;
fail:
	for (int i = 0; i < argc; i++)
		free(words[i]);
	free(words);
	return NULL;
}

static void free_words(int argc, char **words)
{
	for (int i = 0; words && i < argc; i++) {
		explicit_bzero(words[i], strlen(words[i]));
		free(words[i]);
	}
	free(words);
}

static int run_stdin(struct cli *cli);

static int run_words(struct cli *cli, int argc, char **argv)
{
	char **words = take_words(argc, argv);
	int rc;

	if (!words) {
		fprintf(stderr, "logmail: out of memory\n");
		return EX_OSERR;
	}
	rc = cli_run_words(cli, argc, words);
	free_words(argc, words);
	return rc;
}

static int run_file(struct cli *cli, const char *path)
{
	FILE *f;
	int rc;

	if (strcmp(path, "-") == 0) {
		cli->interactive = false; /* a script, even typed at a terminal */
		return run_stdin(cli);
	}
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "logmail: %s: %s\n", path, strerror(errno));
		return errno == ENOENT ? EX_NOINPUT : errno == EACCES ? EX_NOPERM : EX_IOERR;
	}
	rc = cli_script(cli, f, path);
	fclose(f);
	return rc;
}

/* No command: a shell on a terminal, else the commands on standard input
 * (then `mail` reads no body from it: the script is not a message). */
static int run_stdin(struct cli *cli)
{
	FILE *null;
	int rc;

	if (cli->interactive)
		return cli_shell(cli, false);
	null = fopen("/dev/null", "r");
	if (!null) {
		fprintf(stderr, "logmail: /dev/null: %s\n", strerror(errno));
		return EX_OSERR;
	}
	cli->in = null;
	rc = cli_script(cli, stdin, "<stdin>");
	cli->in = stdin;
	fclose(null);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'}, {"spool", required_argument, NULL, 's'},
	    {"file", required_argument, NULL, 'f'},   {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},      {NULL, 0, NULL, 0},
	};
	const char *config = NULL, *spool = NULL, *script = NULL;
	struct cli cli = {.in = stdin, .out = stdout, .err = stderr};
	int opt, rc;

	opterr = 0; /* one line of ours instead of getopt's */
	while ((opt = getopt_long(argc, argv, "+:c:s:f:hV", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config = optarg;
			break;
		case 's':
			spool = optarg;
			break;
		case 'f':
			script = optarg;
			break;
		case 'h':
			usage(stdout);
			return EX_OK;
		case 'V':
			printf("logmail %s\n", PACKAGE_VERSION);
			return EX_OK;
		case ':':
			fprintf(stderr,
				"logmail: option \"%s\" needs an argument (see logmail --help)\n",
				argv[optind - 1]);
			return EX_USAGE;
		default:
			fprintf(stderr, "logmail: unknown option \"%s\" (see logmail --help)\n",
				argv[optind - 1]);
			return EX_USAGE;
		}
	}
	if (script && optind < argc) {
		fprintf(stderr, "logmail: -f takes no command words (got \"%s\")\n", argv[optind]);
		return EX_USAGE;
	}
	cli.config_path = pick(config, CONF_PATH_ENV, CONF_DEFAULT_PATH);
	cli.spool_dir = pick(spool, SPOOL_DIR_ENV, SPOOL_DEFAULT_DIR);
	cli.interactive = isatty(STDIN_FILENO);

	cli.monitor = CLI_MONITOR_STDERR; /* the shell has its own: `terminal monitor` */
	rc = cli_load(&cli);
	if (rc == EX_OK) {
		if (script)
			rc = run_file(&cli, script);
		else if (optind < argc)
			rc = run_words(&cli, argc - optind, argv + optind);
		else
			rc = run_stdin(&cli);
	}
	if (fflush(stdout) != 0 && rc == EX_OK) {
		fprintf(stderr, "logmail: standard output: %s\n", strerror(errno));
		rc = EX_IOERR;
	}
	spool_close(cli.spool);
	conf_free(cli.conf);
	return rc;
}
