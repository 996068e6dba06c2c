/*
 * digest/fold.c: which lines of a digest are "the same message": lines
 * that differ only in their variable parts.
 *
 * The variable parts of a message text (never of the host, the program or
 * the severity, which are compared whole) are, where a word starts (the
 * octet before is not a letter, digit, '_' or part of a UTF-8 character):
 *
 *   <ip>   an IPv4 or IPv6 address, as inet_pton(3) reads it
 *          ("203.0.113.7", "2001:db8::1", "::ffff:10.0.0.1"); a port after
 *          a colon is a number of its own
 *   <mac>  six pairs of hex digits joined by ':' or '-'
 *   <hex>  0x and hex digits; a UUID (8-4-4-4-12 hex digits); a run of at
 *          least DIGEST_HEX_MIN hex digits with both a digit and a letter
 *          ("5f3c2a9b", "a3e1b2c4d5")
 *   <n>    a number: digits, with dots between digits ("42", "0.25",
 *          "1.22.1"); ports, pids, sizes and counters are numbers
 *   <str>  what is between a pair of quotes, "..." or '...', the opening
 *          one at the start of a word and the closing one at its end
 *
 * and nothing else: a word that is digits followed by letters ("10ms",
 * "sda1", "user17", "x86") is constant, and so is "#011", the escape of a
 * control character.  Two lines fold into one when their host, program,
 * severity and the text around the variable parts are the same octets and
 * their variable parts are of the same kinds in the same order: different
 * messages are never merged.  A line's first DIGEST_FOLD_VARS variable
 * parts are variable; any later ones count as constant text.
 *
 * This works on rendered lines (digest_format_line: control characters and
 * invalid UTF-8 already escaped, at most 998 octets), from the host on:
 * the time before it is never compared.
 */
#include <arpa/inet.h>
#include <string.h>

#include "digest/internal.h"
#include "util/util.h"

#define DIGEST_HEX_MIN 8

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Part of a word: an ASCII letter or digit, '_', or an octet of a UTF-8
 * character (so "é5" stays one word). */
static bool is_word(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       c >= 0x80;
}

/* Does a word end at s[i] (the end, or no word octet there)? */
static bool ends_word(const unsigned char *s, size_t n, size_t i)
{
	return i >= n || !is_word(s[i]);
}

static size_t run_of(const unsigned char *s, size_t n, size_t i, bool (*in)(unsigned char))
{
	size_t j = i;

	while (j < n && in(s[j]))
		j++;
	return j - i;
}

static bool is_ip6_char(unsigned char c)
{
	return is_hex(c) || c == ':' || c == '.';
}

static bool is_ip4_char(unsigned char c)
{
	return is_digit(c) || c == '.';
}

/* s[0..len) as an address of family af, a word ending after it. */
static bool address(int af, const unsigned char *s, size_t n, size_t i, size_t len)
{
	char tmp[INET6_ADDRSTRLEN + 1];
	unsigned char bin[16];

	if (len == 0 || len >= sizeof(tmp) || !ends_word(s, n, i + len))
		return false;
	memcpy(tmp, s + i, len);
	tmp[len] = '\0';
	return inet_pton(af, tmp, bin) == 1;
}

/* An IPv6 address at s[i]: a run of hex digits, ':' and '.' with at least
 * two colons, or that run without a trailing '.' or ':' (the end of a
 * sentence, "from fe80::1: bad"). */
static size_t ip6_at(const unsigned char *s, size_t n, size_t i)
{
	size_t len = run_of(s, n, i, is_ip6_char), colons = 0;

	for (size_t k = 0; k < len; k++)
		colons += s[i + k] == ':';
	if (colons < 2)
		return 0;
	if (address(AF_INET6, s, n, i, len))
		return len;
	if (s[i + len - 1] == '.' || s[i + len - 1] == ':')
		if (address(AF_INET6, s, n, i, len - 1))
			return len - 1;
	return 0;
}

static size_t ip4_at(const unsigned char *s, size_t n, size_t i)
{
	size_t len = run_of(s, n, i, is_ip4_char);

	while (len > 0 && s[i + len - 1] == '.')
		len--;
	return address(AF_INET, s, n, i, len) ? len : 0;
}

/* Hex digit groups of the given lengths joined by sep (or by ':' or '-'
 * when sep is 0: the first separator decides). */
static size_t groups_at(const unsigned char *s, size_t n, size_t i, const unsigned *len,
			size_t ngroups, unsigned char sep)
{
	size_t j = i;

	for (size_t g = 0; g < ngroups; g++) {
		if (g > 0) {
			if (j >= n || (sep ? s[j] != sep : s[j] != ':' && s[j] != '-'))
				return 0;
			sep = s[j++];
		}
		for (unsigned k = 0; k < len[g]; k++, j++)
			if (j >= n || !is_hex(s[j]))
				return 0;
	}
	return ends_word(s, n, j) ? j - i : 0;
}

static size_t mac_at(const unsigned char *s, size_t n, size_t i)
{
	static const unsigned len[] = {2, 2, 2, 2, 2, 2};

	return groups_at(s, n, i, len, 6, 0);
}

static size_t uuid_at(const unsigned char *s, size_t n, size_t i)
{
	static const unsigned len[] = {8, 4, 4, 4, 12};

	return groups_at(s, n, i, len, 5, '-');
}

/* "0x1f", or a long run of hex digits with a digit and a letter. */
static size_t hex_at(const unsigned char *s, size_t n, size_t i)
{
	size_t len;
	bool digit = false, letter = false;

	if (s[i] == '0' && i + 2 < n && (s[i + 1] == 'x' || s[i + 1] == 'X') && is_hex(s[i + 2])) {
		len = 2 + run_of(s, n, i + 2, is_hex);
		return ends_word(s, n, i + len) ? len : 0;
	}
	len = run_of(s, n, i, is_hex);
	if (len < DIGEST_HEX_MIN || !ends_word(s, n, i + len))
		return 0;
	for (size_t k = 0; k < len; k++)
		*(is_digit(s[i + k]) ? &digit : &letter) = true;
	return digit && letter ? len : 0;
}

/* Digits, with dots between digits; not "#ooo" (an escaped control
 * character, rendered as '#' and three octal digits). */
static size_t number_at(const unsigned char *s, size_t n, size_t i)
{
	size_t len = run_of(s, n, i, is_digit);

	while (i + len + 1 < n && s[i + len] == '.' && is_digit(s[i + len + 1]))
		len += 1 + run_of(s, n, i + len + 1, is_digit);
	if (!ends_word(s, n, i + len))
		return 0;
	if (len == 3 && i > 0 && s[i - 1] == '#' && s[i] <= '7' && s[i + 1] <= '7' &&
	    s[i + 2] <= '7')
		return 0;
	return len;
}

/* A quoted text at s[i] (a quote): its closing quote, at the end of a
 * word, on the same line.  Returns the offset of the closing quote, 0 when
 * none. */
static size_t quoted_at(const unsigned char *s, size_t n, size_t i)
{
	for (size_t j = i + 1; j < n; j++)
		if (s[j] == s[i] && ends_word(s, n, j + 1))
			return j;
	return 0;
}

/* The variable part that starts at s[i] (a word starts there): its kind
 * and span (*off, *len); returns how far the scan moves on (0: none
 * here). */
static size_t var_at(const unsigned char *s, size_t n, size_t i, struct digest_var_span *v)
{
	size_t len, close;
	unsigned char c = s[i];

	v->off = (uint16_t)i;
	if (c == '"' || c == '\'') {
		if ((close = quoted_at(s, n, i)) == 0)
			return 0;
		*v = (struct digest_var_span){(uint16_t)(i + 1), (uint16_t)(close - i - 1),
					      DIGEST_VAR_STR};
		return close + 1 - i;
	}
	if (!is_hex(c) && c != ':')
		return 0;
	if ((len = ip6_at(s, n, i)) > 0)
		v->kind = DIGEST_VAR_IP;
	else if ((len = mac_at(s, n, i)) > 0)
		v->kind = DIGEST_VAR_MAC;
	else if ((len = uuid_at(s, n, i)) > 0 || (len = hex_at(s, n, i)) > 0)
		v->kind = DIGEST_VAR_HEX;
	else if (is_digit(c) && (len = ip4_at(s, n, i)) > 0)
		v->kind = DIGEST_VAR_IP;
	else if (is_digit(c) && (len = number_at(s, n, i)) > 0)
		v->kind = DIGEST_VAR_NUM;
	else
		return 0;
	v->len = (uint16_t)len;
	return len;
}

static uint32_t hash_var(uint32_t h, unsigned kind)
{
	unsigned char mark[2] = {0, (unsigned char)kind + 1};

	return util_hash_more(h, mark, sizeof(mark));
}

void digest_fold_scan(const char *rest, size_t len, size_t text, struct digest_fold *f)
{
	const unsigned char *s = (const unsigned char *)rest;
	uint32_t h = UTIL_HASH_INIT;
	size_t i = text, done = 0, step;

	f->n = 0;
	while (i < len && f->n < DIGEST_FOLD_VARS) {
		struct digest_var_span *v = &f->v[f->n];

		if (i > text && is_word(s[i - 1])) {
			i++;
			continue;
		}
		if ((step = var_at(s, len, i, v)) == 0) {
			i += is_word(s[i]) ? run_of(s, len, i, is_word) : 1;
			continue;
		}
		h = util_hash_more(h, s + done, v->off - done);
		h = hash_var(h, v->kind);
		done = (size_t)v->off + v->len;
		f->n++;
		i += step;
	}
	f->hash = util_hash_more(h, s + done, len - done);
}

bool digest_fold_same(const struct digest_fold_view *a, const struct digest_fold_view *b)
{
	size_t pa = 0, pb = 0;

	if (a->n != b->n)
		return false;
	for (unsigned k = 0; k < a->n; k++) {
		const struct digest_var_span *va = &a->v[k], *vb = &b->v[k];

		if (va->kind != vb->kind || va->off - pa != vb->off - pb ||
		    memcmp(a->s + pa, b->s + pb, va->off - pa) != 0)
			return false;
		pa = (size_t)va->off + va->len;
		pb = (size_t)vb->off + vb->len;
	}
	return a->len - pa == b->len - pb && memcmp(a->s + pa, b->s + pb, a->len - pa) == 0;
}

uint32_t digest_fold_differ(const struct digest_fold_view *a, const struct digest_fold_view *b)
{
	uint32_t bits = 0;

	for (unsigned k = 0; k < a->n && k < b->n; k++) {
		const struct digest_var_span *va = &a->v[k], *vb = &b->v[k];

		if (va->len != vb->len || memcmp(a->s + va->off, b->s + vb->off, va->len) != 0)
			bits |= 1u << k;
	}
	return bits;
}

const char *digest_var_placeholder(unsigned kind)
{
	static const char *const names[] = {
	    [DIGEST_VAR_NUM] = "<n>",   [DIGEST_VAR_IP] = "<ip>",   [DIGEST_VAR_HEX] = "<hex>",
	    [DIGEST_VAR_MAC] = "<mac>", [DIGEST_VAR_STR] = "<str>",
	};

	return kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "<?>";
}
