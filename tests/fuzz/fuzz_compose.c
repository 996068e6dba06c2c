/*
 * tests/fuzz/fuzz_compose.c: libFuzzer target for the message composer
 * (smtp_compose) and dot-stuffing (smtp_dot_stuff).
 *
 * Input: from, to, subject and body.  When the input holds a NUL byte the
 * fields are separated by NULs (so a header value can hold CR or LF, the
 * injection attempt); otherwise by newlines (a readable seed: three header
 * lines, then the body).  Missing fields are empty; the body is the rest.
 * NUL cannot reach a header value through the C-string API: it ends it.
 *
 * Checks on an accepted message:
 *   - every line ends in CRLF: no bare CR, no bare LF;
 *   - no line is longer than 998 octets (RFC 5322 2.1.1);
 *   - the header ends with the first CRLFCRLF and every header line is one
 *     of the composer's fields or a folded continuation that is not only
 *     blanks (no injected header, no early end of the header);
 *   - From and To carry exactly the given addresses;
 *   - the body keeps every octet of the input body except line ends;
 *   - dot-stuffing gives no line that is a lone "." before the end marker;
 *   - re-encoded for a server without 8BITMIME (smtp_downgrade_body), the
 *     body is 7-bit, its lines at most 76 octets, and the body
 *     decodes (quoted-printable) back to the composed body octet for octet.
 * On a refusal (SMTP_EINVAL): the subject really had CR or LF, or
 * util_address_check refuses an address (CR, LF, longer than 254 octets,
 * not RFC 5321 syntax); any other status traps.
 */
#include "smtp/smtp-internal.h"
#include "util/address.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_HARD 998

struct fields {
	char *v[4]; /* from, to, subject, body */
};

/* A broken invariant names itself on stderr, then traps. */
#define check(ok) ((ok) ? (void)0 : broken(__LINE__, #ok))

static void broken(int line, const char *what)
{
	fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, line, what);
	__builtin_trap();
}

static void split(const uint8_t *data, size_t size, struct fields *f, char *copy)
{
	char sep = memchr(data, '\0', size) ? '\0' : '\n';
	char *p = copy, *end = copy + size;

	memcpy(copy, data, size);
	copy[size] = '\0';
	for (int i = 0; i < 4; i++) {
		char *s;

		f->v[i] = p;
		if (i == 3 || p >= end)
			continue;
		s = memchr(p, sep, (size_t)(end - p));
		if (!s) {
			p = end;
			continue;
		}
		*s = '\0';
		p = s + 1;
	}
	for (int i = 0; i < 4; i++)
		if (f->v[i] > end)
			f->v[i] = end;
}

static bool refusal_justified(const struct fields *f)
{
	if (strpbrk(f->v[2], "\r\n"))
		return true;
	/* the one check of an address: CR, LF, RFC 5321 lengths and syntax */
	return util_address_check(f->v[0], strlen(f->v[0])) != NULL ||
	       util_address_check(f->v[1], strlen(f->v[1])) != NULL;
}

/* Every line ends in CRLF and is at most 998 octets. */
static void check_lines(const char *m, size_t len)
{
	size_t col = 0;

	for (size_t i = 0; i < len; i++) {
		check(m[i] != '\0');
		if (m[i] == '\r') {
			check(i + 1 < len && m[i + 1] == '\n');
			check(col <= LINE_HARD);
			col = 0;
			i++;
			continue;
		}
		check(m[i] != '\n');
		col++;
	}
	check(col == 0); /* the message ends with CRLF */
}

static bool starts(const char *line, const char *prefix)
{
	return strncmp(line, prefix, strlen(prefix)) == 0;
}

static void check_header_line(const char *l, size_t n, const struct fields *f)
{
	static const char *const names[] = {"Date: ",
					    "Subject:",
					    "Message-ID: <fuzz@example>",
					    "MIME-Version: 1.0",
					    "Content-Type: text/plain; charset=UTF-8",
					    "Content-Transfer-Encoding: "};

	if (l[0] == ' ' || l[0] == '\t') {
		/* A folded continuation, never only blanks (obs-FWS, RFC 5322
		 * 3.2.2 and 4: must not be generated; some parsers end the
		 * header there). */
		check(strspn(l, " \t") < n);
		return;
	}
	if (starts(l, "From: ")) {
		check(n == strlen(f->v[0]) + 8 && memcmp(l + 7, f->v[0], n - 8) == 0);
		return;
	}
	if (starts(l, "To: ")) {
		check(n == strlen(f->v[1]) + 6 && memcmp(l + 5, f->v[1], n - 6) == 0);
		return;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (starts(l, names[i]))
			return;
	check(0); /* a header the composer does not write: injected */
}

static void check_headers(const char *m, size_t hlen, const struct fields *f)
{
	const char *p = m, *end = m + hlen;

	while (p < end) {
		const char *eol = memchr(p, '\r', (size_t)(end - p));
		size_t n = eol ? (size_t)(eol - p) : (size_t)(end - p);

		check(n > 0); /* no empty line before the end of the header */
		check_header_line(p, n, f);
		p += n + 2;
	}
}

/* The body keeps every octet but CR and LF, in order. */
static void check_body(const char *b, size_t blen, const char *in)
{
	size_t i = 0;

	for (; *in; in++) {
		if (*in == '\r' || *in == '\n')
			continue;
		while (i < blen && (b[i] == '\r' || b[i] == '\n'))
			i++;
		check(i < blen && b[i] == *in);
		i++;
	}
	while (i < blen) {
		check(b[i] == '\r' || b[i] == '\n');
		i++;
	}
}

static void check_stuffed(const char *msg, size_t len)
{
	char *o = NULL;
	size_t olen = 0;

	if (smtp_dot_stuff(msg, len, &o, &olen) != SMTP_OK)
		return;
	check(olen >= 3 && memcmp(o + olen - 3, ".\r\n", 3) == 0);
	check(o[olen] == '\0');
	/* A line holding only "." would end DATA early. */
	for (size_t i = 0; i + 5 <= olen - 3; i++)
		check(!(o[i] == '\r' && o[i + 1] == '\n' && o[i + 2] == '.' && o[i + 3] == '\r' &&
			o[i + 4] == '\n'));
	check(!(olen >= 6 && memcmp(o, ".\r\n", 3) == 0 && olen != 3));
	free(o);
}

/* RFC 2045 6.7 decoding of a quoted-printable body, into out. */
static size_t qp_decode(const char *s, size_t n, char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (size_t i = 0; i < n;) {
		if (s[i] == '=' && i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n') {
			i += 3;
		} else if (s[i] == '=') {
			const char *hi, *lo;

			check(i + 2 < n);
			hi = memchr(hex, s[i + 1], 16);
			lo = memchr(hex, s[i + 2], 16);
			check(hi && lo && s[i + 1] && s[i + 2]);
			out[o++] = (char)((hi - hex) << 4 | (lo - hex));
			i += 3;
		} else {
			out[o++] = s[i++];
		}
	}
	return o;
}

static void check_downgrade(const char *msg, size_t len, size_t body)
{
	char *out = NULL, *dec, *sep;
	size_t olen = 0, blen;

	check(smtp_downgrade_body(msg, len, &out, &olen) == SMTP_OK);
	sep = strstr(out, "\r\n\r\n");
	check(sep != NULL);
	blen = olen - (size_t)(sep + 4 - out);
	if (smtp_has_8bit(msg + body, len - body)) {
		check(strstr(out, "Content-Transfer-Encoding: quoted-printable\r\n"));
		check(!smtp_has_8bit(sep + 4, blen));
		for (const char *l = sep + 4; l < out + olen;) {
			const char *e = strstr(l, "\r\n");

			check(e && e - l <= 76);
			l = e + 2;
		}
		dec = malloc(blen + 1);
		check(dec != NULL);
		check(qp_decode(sep + 4, blen, dec) == len - body);
		check(memcmp(dec, msg + body, len - body) == 0);
		free(dec);
	} else {
		check(blen == len - body && memcmp(sep + 4, msg + body, blen) == 0);
	}
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *out = NULL;
	struct fields f;
	struct smtp_message m = {0};
	struct smtp_err err;
	enum smtp_status st;
	const char *sep;
	size_t len = 0, hlen;

	if (!copy)
		return 0;
	split(data, size, &f, copy);
	m.from = f.v[0];
	m.to = f.v[1];
	m.subject = f.v[2];
	m.body = f.v[3];
	m.message_id = "fuzz@example";
	m.date = 1525199795;
	st = smtp_compose(&m, &out, &len, &err);
	if (st != SMTP_OK) {
		check(st == SMTP_EINVAL && out == NULL);
		check(refusal_justified(&f));
		goto out;
	}
	check(out != NULL && out[len] == '\0');
	check_lines(out, len);
	sep = strstr(out, "\r\n\r\n");
	check(sep != NULL);
	hlen = (size_t)(sep - out) + 2;
	check_headers(out, hlen, &f);
	check_body(sep + 4, len - hlen - 2, f.v[3]);
	check_stuffed(out, len);
	check_downgrade(out, len, hlen + 2);
out:
	free(out);
	free(copy);
	return 0;
}
