/*
 * cli/split.c: the words of the command line (argv) back into one line that
 * conf_line_split (config/words.c) splits into the same words: blanks
 * separate words, "double quotes" group blanks into one word, and inside
 * quotes a backslash escapes a quote or a backslash.  A backslash before
 * any other character is kept as it is.
 */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

static int needs_quotes(const char *w)
{
	return !*w || strpbrk(w, " \t\r\n\"") != NULL;
}

/* Inside quotes conf_line_split takes \" and \\ as escapes: double a backslash
 * when what follows it (or the closing quote) would make it one. */
static char *quote(char *o, const char *w)
{
	*o++ = '"';
	for (; *w; w++) {
		if (*w == '"' || (*w == '\\' && (w[1] == '"' || w[1] == '\\' || !w[1])))
			*o++ = '\\';
		*o++ = *w;
	}
	*o++ = '"';
	return o;
}

char *cli_join(int argc, char **argv)
{
	size_t size = 1;
	char *s, *o;
	int i;

	for (i = 0; i < argc; i++)
		size += 2 * strlen(argv[i]) + 3;
	s = o = malloc(size);
	if (!s)
		return NULL;
	for (i = 0; i < argc; i++) {
		if (i)
			*o++ = ' ';
		if (needs_quotes(argv[i])) {
			o = quote(o, argv[i]);
		} else {
			strcpy(o, argv[i]);
			o += strlen(o);
		}
	}
	*o = '\0';
	return s;
}
