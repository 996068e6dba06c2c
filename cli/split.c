/*
 * cli/split.c: command lines into words, the way the AlliedWare Plus shell
 * reads them: blanks separate words, "double quotes" group blanks into one
 * word, and inside quotes a backslash escapes a quote or a backslash.  A
 * backslash outside quotes, or before any other character, is kept as it is
 * (so paths and regular expressions need no doubling).
 */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* One pass over line: counts words and, when out is not NULL, copies each
 * word NUL-terminated into out and its start into v.  Returns the word count
 * or -1 for an unterminated quote (*qpos: the column of that quote). */
static int scan(const char *line, char *out, char **v, size_t *qpos)
{
	const char *p = line;
	int n = 0;

	for (;;) {
		while (is_blank(*p))
			p++;
		if (!*p)
			return n;
		if (v)
			v[n] = out;
		while (*p && !is_blank(*p)) {
			if (*p != '"') {
				if (out)
					*out++ = *p;
				p++;
				continue;
			}
			*qpos = (size_t)(p - line) + 1;
			for (p++; *p != '"'; p++) {
				if (!*p)
					return -1;
				if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
					p++;
				if (out)
					*out++ = *p;
			}
			p++;
		}
		if (out)
			*out++ = '\0';
		n++;
	}
}

int cli_split_at(const char *line, char ***words, size_t *col)
{
	size_t qpos = 0, len = strlen(line);
	int n = scan(line, NULL, NULL, &qpos);
	char **v;

	*words = NULL;
	*col = 0;
	if (n < 0) {
		*col = qpos;
		return -1;
	}
	/* The pointer array (NULL-terminated), then the words: at most as many
	 * bytes as the line plus one NUL each. */
	v = malloc((size_t)(n + 1) * sizeof(*v) + len + (size_t)n + 1);
	if (!v)
		return -1;
	scan(line, (char *)(v + n + 1), v, &qpos);
	v[n] = NULL;
	*words = v;
	return n;
}

int cli_split(const char *line, char ***words, char *errbuf, size_t errsize)
{
	size_t col;
	int n = cli_split_at(line, words, &col);

	if (n < 0 && errbuf && errsize) {
		if (col)
			snprintf(errbuf, errsize, "unterminated quote at column %zu", col);
		else
			snprintf(errbuf, errsize, "out of memory");
	}
	return n;
}

static int needs_quotes(const char *w)
{
	return !*w || strpbrk(w, " \t\r\n\"") != NULL;
}

/* Inside quotes cli_split takes \" and \\ as escapes: double a backslash
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
