/*
 * tests/fuzz/fuzz_filters.c: libFuzzer target for the filter engine.
 *
 * Input: configuration commands, one per line, up to the first empty line
 * (or 16 lines), run through conf_exec (bad ones are skipped, as the parser
 * leaves the conf unchanged); then messages, one per line: the first byte
 * gives the severity (-1..8), the second the facility (-1..24), the program
 * runs to the first space and the text is the rest of the line; a program
 * written `prog@host` gives the host name too.
 *
 * Each message is matched with the index (filter_match) and with the plain
 * loop (filter_match_linear); a difference traps.  Seed input:
 *
 *   log email a@x level errors
 *   log email a@x program sshd msgtext "Failed"
 *   log email a@x exclude msgtext regex "root|admin"
 *   log email a@x host "web*" level errors
 *
 *   33sshd Failed password for bob
 *   33sshd@WEB2 Failed password for bob
 */
#include "config/conf.h"
#include "filters/filter.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *next_line(const char *p, const char *end, size_t *len)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	*len = (size_t)((nl ? nl : end) - p);
	return nl ? nl + 1 : end;
}

static void match_one(const struct filter_set *set, struct filter_worker *w, const char *line,
		      size_t len, size_t *a, size_t *b)
{
	struct filter_msg m = {0};
	const char *sp, *at;
	char host[256];
	size_t na, nb;

	if (len < 2)
		return;
	m.severity = (unsigned char)line[0] % 10 - 1;
	m.facility = (unsigned char)line[1] % 26 - 1;
	line += 2;
	len -= 2;
	sp = memchr(line, ' ', len);
	m.program = line;
	m.program_len = sp ? (size_t)(sp - line) : len;
	m.text = sp ? sp + 1 : line + len;
	m.text_len = sp ? len - m.program_len - 1 : 0;
	at = memchr(m.program, '@', m.program_len);
	if (at) {
		size_t hl = m.program_len - (size_t)(at - m.program) - 1;

		hl = hl < sizeof(host) ? hl : sizeof(host) - 1;
		memcpy(host, at + 1, hl);
		host[hl] = '\0';
		m.host = host;
		m.program_len = (size_t)(at - m.program);
	}
	na = filter_match(set, w, &m, a);
	nb = filter_match_linear(set, w, &m, b);
	if (na != nb || memcmp(a, b, na * sizeof(*a)) != 0)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	struct conf *c = conf_new();
	struct filter_set *set = NULL;
	struct filter_worker *w = NULL;
	struct conf_err err;
	size_t *a = NULL, *b = NULL, len;
	char line[1024];

	if (!c)
		return 0;
	for (unsigned n = 1; p < end && n <= 16; n++) {
		const char *l = p;

		p = next_line(p, end, &len);
		if (len == 0)
			break;
		if (len >= sizeof(line) || memchr(l, '\0', len))
			continue;
		memcpy(line, l, len);
		line[len] = '\0';
		(void)conf_exec(c, line, "fuzz", n, &err);
	}
	if (filter_compile(c, &set, &err) != FILTER_OK)
		goto out;
	w = filter_worker_new(set);
	a = calloc(filter_set_recipients(set) + 1, sizeof(*a));
	b = calloc(filter_set_recipients(set) + 1, sizeof(*b));
	if (!w || !a || !b)
		goto out;
	while (p < end) {
		const char *l = p;

		p = next_line(p, end, &len);
		match_one(set, w, l, len, a, b);
	}
out:
	free(a);
	free(b);
	filter_worker_free(w);
	filter_set_free(set);
	conf_free(c);
	return 0;
}
