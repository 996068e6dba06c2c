/*
 * tests/unit/test_address.c: util_address_check (util/address.h) on the
 * shared list of tricky addresses (tests/addresses.txt, which the CLI's
 * entry points are checked against too: tests/integration/cli-addresses.sh),
 * and on what a C string cannot carry.
 */
#include "util/address.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One address of the list, its notation expanded ({N*c}, \r \n \t \\ \xHH). */
static size_t expand(const char *in, char *out, size_t size)
{
	size_t n = 0;

	while (*in) {
		unsigned count;
		char c;
		int used;

		if (sscanf(in, "{%u*%c}%n", &count, &c, &used) == 2 && used > 0) {
			cr_assert_lt(n + count, size);
			memset(out + n, c, count);
			n += count;
			in += used;
		} else if (in[0] == '\\' && in[1] == 'x') {
			char hex[3] = {in[2], in[3], '\0'};

			cr_assert_lt(n + 1, size);
			out[n++] = (char)strtoul(hex, NULL, 16);
			in += 4;
		} else if (in[0] == '\\') {
			cr_assert(strchr("rnt\\", in[1]), "unknown escape in \"%s\"", in);
			cr_assert_lt(n + 1, size);
			out[n++] = in[1] == 'r'   ? '\r'
				   : in[1] == 'n' ? '\n'
				   : in[1] == 't' ? '\t'
						  : '\\';
			in += 2;
		} else {
			cr_assert_lt(n + 1, size);
			out[n++] = *in++;
		}
	}
	out[n] = '\0';
	return n;
}

Test(address, the_shared_list)
{
	const char *top = getenv("top_srcdir");
	char path[4096], *line = NULL, addr[2048];
	size_t cap = 0;
	unsigned lineno = 0, checked = 0, valid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/addresses.txt", top ? top : "..");
	f = fopen(path, "r");
	cr_assert_not_null(f, "%s", path);
	while (getline(&line, &cap, f) >= 0) {
		char *tab = strchr(line, '\t');
		const char *want, *got;
		size_t len;

		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		cr_assert_not_null(tab, "%s:%u: no TAB", path, lineno);
		*tab = '\0';
		want = line;
		len = expand(tab + 1, addr, sizeof(addr));
		got = util_address_check(addr, len);
		if (strcmp(want, "ok") == 0) {
			cr_expect_null(got, "%s:%u: \"%s\" refused: %s", path, lineno, tab + 1,
				       got);
			valid++;
		} else {
			cr_expect_not_null(got, "%s:%u: \"%s\" accepted", path, lineno, tab + 1);
			if (got)
				cr_expect_str_eq(got, want, "%s:%u: \"%s\"", path, lineno, tab + 1);
		}
		checked++;
	}
	free(line);
	fclose(f);
	cr_assert_gt(checked, 50, "only %u addresses read from %s", checked, path);
	cr_assert_gt(valid, 10);
}

/* What only a length-counted string holds, and the edges of the literals. */
Test(address, edges)
{
	cr_assert_str_eq(util_address_check("", 0), "empty");
	cr_assert_str_eq(util_address_check("a\0b@example.com", 15), "NUL in the address");
	cr_assert_null(util_address_check("a@example.com.", 13)); /* the length, not the NUL */
	cr_assert_null(util_address_check("a@example.comXXX", 13));
	cr_assert_str_eq(util_address_check("a@[", 3), "address literal without its closing ]");
	cr_assert_str_eq(util_address_check("a@[]", 4), "not an IPv4 address in [...]");
	cr_assert_str_eq(util_address_check("a@[IPv6:]", 9), "not an IPv6 address in [IPv6:...]");
	cr_assert_str_eq(util_address_check("\"", 1), "unterminated quote in the local part");
	cr_assert_str_eq(util_address_check("\"a\\", 3), "unterminated quote in the local part");
	cr_assert_str_eq(util_address_check("\"a\\\xc3\xa9\"@x", 8),
			 "backslash before a character it cannot quote");
	cr_assert_str_eq(util_address_check("\"a\"", 3), "no @ (expected name@domain)");
	cr_assert_str_eq(util_address_check("@", 1), "no local part before the @");
	cr_assert_str_eq(util_address_check("a@\xe2\x82", 4), "not UTF-8");
	cr_assert_null(util_address_check("a@\xe2\x82\xac", 5));
	cr_assert_str_eq(util_address_check("a@\xed\xa0\x80", 5), "not UTF-8"); /* a surrogate */
	cr_assert_str_eq(util_address_check("a@\xf4\x90\x80\x80", 6), "not UTF-8");
}
