/*
 * cli/filter.c: the output modifiers of show commands, as on AlliedWare
 * Plus: `| include REGEX`, `| exclude REGEX`, `| begin REGEX`, `| count`,
 * and `| grep REGEX` (the AWP feature guide's `show run | grep mail`, the
 * same as include).  The regular expression is the rest of the line, PCRE2
 * as for `msgtext regex`; the command's output is captured and filtered
 * line by line.
 */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

enum mod { MOD_INCLUDE, MOD_EXCLUDE, MOD_BEGIN, MOD_COUNT };

static enum mod mod_of(const struct conf_args *a)
{
	if (conf_arg(a, "exclude"))
		return MOD_EXCLUDE;
	if (conf_arg(a, "begin"))
		return MOD_BEGIN;
	if (conf_arg(a, "count"))
		return MOD_COUNT;
	return MOD_INCLUDE; /* include, grep */
}

static pcre2_code *compile(struct cli *cli, const char *re)
{
	int code;
	PCRE2_SIZE offset;
	PCRE2_UCHAR msg[256];
	pcre2_code *c =
	    pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, 0, &code, &offset, NULL);

	if (!c) {
		pcre2_get_error_message(code, msg, sizeof(msg));
		fprintf(cli->err, "%% Invalid regular expression \"%s\": %s\n", re, (char *)msg);
	}
	return c;
}

static bool matches(pcre2_code *re, pcre2_match_data *md, const char *line, size_t len)
{
	return pcre2_match(re, (PCRE2_SPTR)line, len, 0, 0, md, NULL) >= 0;
}

/* Print the lines of text that mod lets through. */
static void filter(FILE *out, enum mod mod, pcre2_code *re, const char *text, size_t len)
{
	pcre2_match_data *md = re ? pcre2_match_data_create_from_pattern(re, NULL) : NULL;
	const char *p = text, *end = text + len;
	unsigned long count = 0;
	bool begun = false;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		bool print = false;

		switch (mod) {
		case MOD_INCLUDE:
			print = matches(re, md, p, n);
			break;
		case MOD_EXCLUDE:
			print = !matches(re, md, p, n);
			break;
		case MOD_BEGIN:
			print = begun = begun || matches(re, md, p, n);
			break;
		case MOD_COUNT:
			count++;
			break;
		}
		if (print)
			fprintf(out, "%.*s\n", (int)n, p);
		p += n + 1;
	}
	if (mod == MOD_COUNT)
		fprintf(out, "Number of lines: %lu\n", count);
	pcre2_match_data_free(md);
}

int cli_filtered(struct cli *cli, cli_fn fn, const struct conf_args *a,
		 const struct conf_match *mod)
{
	enum mod m = mod_of(&mod->args);
	char *re_text = m == MOD_COUNT ? NULL : conf_arg_rest(&mod->args, "re");
	pcre2_code *re = NULL;
	FILE *real = cli->out, *mem;
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if (m != MOD_COUNT && (!re_text || !(re = compile(cli, re_text)))) {
		free(re_text);
		return EX_USAGE;
	}
	free(re_text);
	mem = open_memstream(&buf, &len);
	if (!mem) {
		pcre2_code_free(re);
		fprintf(cli->err, "%% Error: out of memory\n");
		return EX_OSERR;
	}
	cli->out = mem;
	rc = fn(cli, a);
	cli->out = real;
	fclose(mem);
	filter(real, m, re, buf, len);
	fflush(real);
	free(buf);
	pcre2_code_free(re);
	return rc;
}
