/*
 * tests/fuzz/fuzz_address.c: libFuzzer target for the one address check,
 * util_address_check (util/address.h), and for the entry points that use
 * it agreeing with it.
 *
 * Input: the address, every octet of it (NUL included: the check takes a
 * length).  It is copied to a buffer of exactly its size, so a read past
 * the end shows under AddressSanitizer.
 *
 * Checks:
 *   - the same input gets the same verdict (no hidden state);
 *   - an accepted address has at most 254 octets, no control octet, an @
 *     with at most 64 octets before the last one and something after it,
 *     and no < or > unless a quoted local part holds them;
 *   - a refusal names something (a non-empty verdict);
 *   - when the input holds no NUL, the configuration (`mail from` given as
 *     one quoted word) and the composer (smtp_compose, as sender and as
 *     recipient) accept exactly what the check accepts; and the
 *     configuration written back (show running-config) reads back to the
 *     same address.
 */
#include "config/conf.h"
#include "smtp/smtp.h"
#include "util/address.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A broken invariant names itself on stderr, then traps. */
#define check(ok) ((ok) ? (void)0 : broken(__LINE__, #ok))

static void broken(int line, const char *what)
{
	fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, line, what);
	__builtin_trap();
}

static void check_accepted(const char *a, size_t len)
{
	const char *at = NULL;

	check(len > 0 && len <= UTIL_ADDRESS_MAX);
	for (size_t i = 0; i < len; i++) {
		check((unsigned char)a[i] >= 0x20 && a[i] != 0x7f);
		if (a[i] == '@')
			at = a + i;
	}
	check(at != NULL && at > a && (size_t)(at - a) <= UTIL_LOCAL_PART_MAX);
	check(at + 1 < a + len);
	check(a[0] == '"' || (!memchr(a, '<', len) && !memchr(a, '>', len)));
}

/* `mail from "A"` (A quoted as one word) in a fresh configuration; on
 * success, the configuration written and read back holds A again. */
static bool conf_takes(const char *a)
{
	struct conf *c = conf_new(), *back = conf_new();
	size_t n = strlen(a), len = 0;
	char *line = malloc(2 * n + 16), *o, *buf = NULL, *save = NULL;
	struct conf_err err;
	bool ok = false;
	FILE *f;

	check(c && back && line);
	o = line + sprintf(line, "mail from \"");
	for (size_t i = 0; i < n; i++) {
		if (a[i] == '"' || a[i] == '\\')
			*o++ = '\\';
		*o++ = a[i];
	}
	strcpy(o, "\"");
	if (conf_exec(c, line, "<fuzz>", 1, &err) == CONF_OK) {
		ok = true;
		check(c->from && strcmp(c->from, a) == 0);
		f = open_memstream(&buf, &len);
		check(f != NULL);
		conf_write(c, f);
		fclose(f);
		for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
			check(conf_exec(back, l, "<written>", 1, &err) == CONF_OK);
		check(back->from && strcmp(back->from, a) == 0);
	}
	free(buf);
	free(line);
	conf_free(c);
	conf_free(back);
	return ok;
}

static bool compose_takes(const char *from, const char *to)
{
	struct smtp_message m = {
	    .from = from, .to = to, .subject = "s", .body = "b", .message_id = "f@x", .date = 1};
	struct smtp_err err;
	char *out = NULL;
	size_t len;
	enum smtp_status st = smtp_compose(&m, &out, &len, &err);

	free(out);
	check(st == SMTP_OK || st == SMTP_EINVAL);
	return st == SMTP_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *a = malloc(size ? size : 1), *s;
	const char *why;

	if (a == NULL)
		return 0;
	memcpy(a, data, size);
	why = util_address_check(a, size);
	check(why == util_address_check(a, size));
	if (why == NULL)
		check_accepted(a, size);
	else
		check(why[0] != '\0');
	if (size < 4096 && !memchr(a, '\0', size) && (s = strndup(a, size)) != NULL) {
		check(conf_takes(s) == (why == NULL));
		check(compose_takes(s, "admin@example.com") == (why == NULL));
		check(compose_takes("me@example.com", s) == (why == NULL));
		free(s);
	}
	free(a);
	return 0;
}
