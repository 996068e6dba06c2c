/*
 * util/address.h: the one check of an email address, used wherever an
 * address enters logmail: `mail from` and `log email` (config/vtypes.c,
 * hence every configuration file, the CLI's and the module's recipients),
 * `mail to` (cli/mail.c), message composition (smtp/message.c) and the
 * spool (smtp/spool.c).  They all give the same verdict, in the same words.
 *
 * An address is an RFC 5321 (4.1.2) Mailbox, given bare (no <>):
 *
 *   local-part "@" domain
 *   local-part  a Dot-string: atoms of letters, digits and
 *               !#$%&'*+-/=?^_`{|}~ joined by single dots ("a.b+c");
 *               or a Quoted-string: "..." of printable ASCII, blanks
 *               included, a backslash quoting the next one ("a b"@x).
 *               At most 64 octets (RFC 5321 4.5.3.1.1), quotes included.
 *   domain      labels of letters, digits and '-' (not first or last), at
 *               most 63 octets each, joined by single dots ("example.com",
 *               "localhost"; no dot at the end); or an address literal,
 *               [192.0.2.1] or [IPv6:2001:db8::1].
 *
 * UTF-8 letters are taken in the local part and the labels (RFC 6531: the
 * client asks for SMTPUTF8); any other octet above 127 is not.  The whole
 * address is at most 254 octets (a path of 256 with its <>, RFC 5321
 * 4.5.3.1.3).  A domain is required: `mail from root` is refused, since
 * the relay logmail hands mail to would qualify it with a domain of its
 * own choosing, or refuse it.  A control character (CR, LF, NUL...) is
 * refused anywhere: an address goes into SMTP commands and headers.
 *
 * Header only (static inline), like util/util.h: config/, smtp/ and cli/
 * all include it, and none of them may link another's library.
 */
#ifndef LOGMAIL_UTIL_ADDRESS_H
#define LOGMAIL_UTIL_ADDRESS_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#define UTIL_ADDRESS_MAX    254 /* octets */
#define UTIL_LOCAL_PART_MAX 64
#define UTIL_LABEL_MAX      63

/* The length (2-4) of the well-formed UTF-8 character of more than one
 * octet at p (n octets available), or 0: an octet above 127 that does not
 * start one (overlong forms, surrogates and values above U+10FFFF are not
 * characters). */
static inline size_t util_utf8_char(const unsigned char *p, size_t n)
{
	size_t len;
	uint32_t cp;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1fu;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0fu;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07u;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3fu);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static inline bool util_addr_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* RFC 5321 atext. */
static inline bool util_addr_atext(unsigned char c)
{
	static const char other[] = "!#$%&'*+-/=?^_`{|}~";

	return util_addr_alnum(c) || (c != '\0' && memchr(other, c, sizeof(other) - 1));
}

/* The dots of a Dot-string or a domain, at i of the n octets at p. */
static inline const char *util_addr_dot(const unsigned char *p, size_t i, size_t n,
					const char *start, const char *end, const char *twice)
{
	if (i == 0)
		return start;
	if (i + 1 == n)
		return end;
	return p[i + 1] == '.' ? twice : NULL;
}

/* An unquoted local part (n > 0 octets). */
static inline const char *util_addr_dot_string(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t k = 1;
		const char *why = NULL;

		if (p[i] == '.')
			why = util_addr_dot(p, i, n, "dot at the start of the local part",
					    "dot at the end of the local part",
					    "two dots in a row in the local part");
		else if (p[i] == '"')
			why =
			    "quote inside an unquoted local part (quote all of it: \"...\"@domain)";
		else if (p[i] >= 0x80 && (k = util_utf8_char(p + i, n - i)) == 0)
			why = "not UTF-8";
		else if (p[i] < 0x80 && !util_addr_atext(p[i]))
			why = "character not allowed in an unquoted local part (letters, digits, "
			      "dots and !#$%&'*+-/=?^_`{|}~; quote others: \"...\"@domain)";
		if (why)
			return why;
		i += k;
	}
	return NULL;
}

/* A quoted local part at p (p[0] is the quote): its length with both
 * quotes into *len, or what is wrong. */
static inline const char *util_addr_quoted(const unsigned char *p, size_t n, size_t *len)
{
	size_t i = 1;

	while (i < n && p[i] != '"') {
		size_t k = 1;

		if (p[i] == '\\' && (i + 1 == n || p[i + 1] < 0x20 || p[i + 1] > 0x7e))
			return i + 1 == n ? "unterminated quote in the local part"
					  : "backslash before a character it cannot quote";
		if (p[i] == '\\')
			k = 2;
		else if (p[i] >= 0x80 && (k = util_utf8_char(p + i, n - i)) == 0)
			return "not UTF-8";
		i += k;
	}
	if (i >= n)
		return "unterminated quote in the local part";
	*len = i + 1;
	return NULL;
}

/* [192.0.2.1] or [IPv6:2001:db8::1]: the n octets at p, p[0] is '['. */
static inline const char *util_addr_literal(const unsigned char *p, size_t n)
{
	char text[64];
	unsigned char bin[16];
	size_t in;
	bool v6;

	if (n < 2 || p[n - 1] != ']')
		return "address literal without its closing ]";
	in = n - 2;
	v6 = in >= 5 && strncasecmp((const char *)p + 1, "IPv6:", 5) == 0;
	if (v6) {
		p += 5;
		in -= 5;
	}
	if (in == 0 || in >= sizeof(text))
		return v6 ? "not an IPv6 address in [IPv6:...]" : "not an IPv4 address in [...]";
	memcpy(text, p + 1, in);
	text[in] = '\0';
	if (inet_pton(v6 ? AF_INET6 : AF_INET, text, bin) == 1)
		return NULL;
	if (v6)
		return "not an IPv6 address in [IPv6:...]";
	return strchr(text, ':') ? "an IPv6 address literal needs its tag: [IPv6:...]"
				 : "not an IPv4 address in [...]";
}

/* One label of a domain (n > 0 octets). */
static inline const char *util_addr_label(const unsigned char *p, size_t n)
{
	if (n > UTIL_LABEL_MAX)
		return "domain label longer than 63 octets";
	if (p[0] == '-' || p[n - 1] == '-')
		return "'-' at the start or the end of a domain label";
	for (size_t i = 0; i < n;) {
		size_t k = 1;

		if (p[i] >= 0x80 && (k = util_utf8_char(p + i, n - i)) == 0)
			return "not UTF-8";
		if (p[i] < 0x80 && !util_addr_alnum(p[i]) && p[i] != '-')
			return "character not allowed in the domain (letters, digits, '-' and "
			       "dots)";
		i += k;
	}
	return NULL;
}

/* The domain (n > 0 octets, no '@'). */
static inline const char *util_addr_domain(const unsigned char *p, size_t n)
{
	size_t start = 0;

	if (p[0] == '[')
		return util_addr_literal(p, n);
	for (size_t i = 0; i <= n; i++) {
		const char *why;

		if (i < n && p[i] != '.')
			continue;
		if (i < n && (why = util_addr_dot(p, i, n, "dot at the start of the domain",
						  "dot at the end of the domain",
						  "two dots in a row in the domain")))
			return why;
		if ((why = util_addr_label(p + start, i - start)))
			return why;
		start = i + 1;
	}
	return NULL;
}

/* NULL when the len octets at s are a valid address (above), else what
 * is wrong in a few words, a constant string: "local part longer than 64
 * octets", "no domain after the @", "two @ (...)".  Callers print it after
 * the address, e.g. `invalid email address "a@" (no domain after the @)`. */
static inline const char *util_address_check(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *at;
	size_t local = 0;
	const char *why;

	if (len == 0)
		return "empty";
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '\0')
			return "NUL in the address";
		if (p[i] == '\r' || p[i] == '\n')
			return "CR or LF in the address";
		if (p[i] < 0x20 || p[i] == 0x7f)
			return "control character in the address";
	}
	if (len > UTIL_ADDRESS_MAX)
		return "longer than 254 octets";
	if (p[0] == '"' && (why = util_addr_quoted(p, len, &local)))
		return why;
	if (memchr(p + local, '<', len - local) || memchr(p + local, '>', len - local))
		return "<> around or in the address (give it bare: name@domain)";
	at = memchr(p + local, '@', len - local);
	if (at == NULL)
		return local && local < len ? "text after the closing quote of the local part"
					    : "no @ (expected name@domain)";
	if (local && p + local != at)
		return "text after the closing quote of the local part";
	local = (size_t)(at - p);
	if (local == 0)
		return "no local part before the @";
	if (local > UTIL_LOCAL_PART_MAX)
		return "local part longer than 64 octets";
	if (at + 1 == p + len)
		return "no domain after the @";
	if (memchr(at + 1, '@', len - local - 1))
		return "two @ (an @ in the local part must be quoted: \"a@b\"@domain)";
	if (p[0] != '"' && (why = util_addr_dot_string(p, local)))
		return why;
	return util_addr_domain(at + 1, len - local - 1);
}

#endif
