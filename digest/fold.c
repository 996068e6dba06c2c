/*
 * digest/fold.c: the patterns of the not-shown summary (digest/summary.c):
 * a line with its variable parts as placeholders, known by a hash.  (The
 * lines of a digest are folded by event kind, digest/kinds.c; these rules
 * are what the summary, which stores no line, still needs.)
 *
 * The variable parts of a message's tag and text (never of the host or the
 * severity, which are compared whole) are, where a word starts (the
 * octet before is not a letter, digit, '_' or part of a UTF-8 character):
 *
 *   <ip>   an IPv4 address (four numbers 0-255 joined by dots, without
 *          leading zeros) or an IPv6 address as inet_pton(3) reads it
 *          ("203.0.113.7", "2001:db8::1", "::ffff:10.0.0.1"); a port after
 *          a colon is a number of its own
 *   <mac>  six pairs of hex digits joined by ':' or '-'
 *   <hex>  0x and hex digits; a UUID (8-4-4-4-12 hex digits); a run of at
 *          least DIGEST_HEX_MIN hex digits with both a digit and a letter
 *          ("5f3c2a9b", "a3e1b2c4d5")
 *   <n>    a number: digits, with dots between digits ("42", "0.25",
 *          "1.22.1"); ports, pids, sizes and counters are numbers
 * (a MAC is tried before an IPv6 address: six pairs of hex digits are
 * never read as one).
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

#define DIGEST_HEX_MIN 8

/* The classes of an octet, looked up rather than compared: every octet
 * of every line of a storm is classified. */
enum {
	C_WORD = 1,  /* ASCII letter or digit, '_', or an octet of a UTF-8 character */
	C_HEX = 2,   /* hex digit */
	C_DIGIT = 4, /* decimal digit */
	C_IP6 = 8,   /* hex digit, ':' or '.' */
};

#define RANGE(a, b, v) [a... b] = (v)
static const unsigned char class_of[256] = {
    RANGE('0', '9', C_WORD | C_HEX | C_DIGIT | C_IP6),
    RANGE('a', 'f', C_WORD | C_HEX | C_IP6),
    RANGE('A', 'F', C_WORD | C_HEX | C_IP6),
    RANGE('g', 'z', C_WORD),
    RANGE('G', 'Z', C_WORD),
    ['_'] = C_WORD,
    [':'] = C_IP6,
    ['.'] = C_IP6,
    RANGE(0x80, 0xFF, C_WORD),
};

static bool is_digit(unsigned char c)
{
	return class_of[c] & C_DIGIT;
}

static bool is_hex(unsigned char c)
{
	return class_of[c] & C_HEX;
}

static bool is_word(unsigned char c)
{
	return class_of[c] & C_WORD;
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
	return class_of[c] & C_IP6;
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

/* Four decimal numbers 0-255 joined by dots, as inet_pton(3) reads them
 * (no leading zeros), a word ending after it (a trailing dot ends a
 * sentence). */
static size_t ip4_at(const unsigned char *s, size_t n, size_t i)
{
	size_t j = i;

	for (int group = 0; group < 4; group++) {
		size_t d = run_of(s, n, j, is_digit);
		unsigned v = 0;

		if (group > 0) {
			if (j >= n || s[j] != '.')
				return 0;
			d = run_of(s, n, ++j, is_digit);
		}
		if (d == 0 || d > 3 || (d > 1 && s[j] == '0'))
			return 0;
		for (size_t k = 0; k < d; k++)
			v = v * 10 + (unsigned)(s[j + k] - '0');
		if (v > 255)
			return 0;
		j += d;
	}
	return ends_word(s, n, j) && !(j + 1 < n && s[j] == '.' && is_digit(s[j + 1])) ? j - i : 0;
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
	size_t len, close, hex;
	unsigned char c = s[i], next;

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
	/* the common cases first, without trying every kind: a word, and a
	 * plain number (an address, a MAC or a UUID goes on with ':', '-' or
	 * '.', a hex id is a long hex run or starts with 0x) */
	hex = run_of(s, n, i, is_hex);
	next = i + hex < n ? s[i + hex] : ' ';
	if (next != ':' && next != '-' && next != '.' && hex < DIGEST_HEX_MIN &&
	    !(hex == 1 && c == '0' && (next == 'x' || next == 'X'))) {
		if (!is_digit(c) || run_of(s, n, i, is_digit) != hex || is_word(next))
			return 0;
		len = number_at(s, n, i);
		if (len == 0)
			return 0;
		*v = (struct digest_var_span){(uint16_t)i, (uint16_t)len, DIGEST_VAR_NUM};
		return len;
	}
	/* each kind only where its shape can start */
	if (hex == 2 && (next == ':' || next == '-') && (len = mac_at(s, n, i)) > 0) {
		v->kind = DIGEST_VAR_MAC;
	} else if ((next == ':' || c == ':') && (len = ip6_at(s, n, i)) > 0) {
		v->kind = DIGEST_VAR_IP;
	} else if ((hex == 8 && next == '-' && (len = uuid_at(s, n, i)) > 0) ||
		   (len = hex_at(s, n, i)) > 0) {
		v->kind = DIGEST_VAR_HEX;
	} else if (is_digit(c) && next == '.' && (len = ip4_at(s, n, i)) > 0) {
		v->kind = DIGEST_VAR_IP;
	} else if (is_digit(c) && (len = number_at(s, n, i)) > 0) {
		v->kind = DIGEST_VAR_NUM;
	} else {
		return 0;
	}
	v->len = (uint16_t)len;
	return len;
}

/* The hash of a line's constant parts: 8 octets at a time (FNV-1a, an
 * octet at a time, is a chain of one multiplication per octet, and every
 * line of a storm is hashed).  Equal lines hash alike; lines of equal hash
 * are compared whole. */
static uint64_t mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x9E3779B97F4A7C15ull;
	return h ^ (h >> 29);
}

static uint64_t hash_more(uint64_t h, const unsigned char *p, size_t n)
{
	uint64_t w;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = mix(h, w);
	}
	if (n > 0) {
		w = (uint64_t)n << 56;
		memcpy(&w, p, n); /* the low n octets: n < 8 leaves the length byte */
		h = mix(h, w);
	}
	return h;
}

void digest_fold_scan(const char *rest, size_t len, size_t text, struct digest_fold *f)
{
	const unsigned char *s = (const unsigned char *)rest;
	uint64_t h = 0x243F6A8885A308D3ull;
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
		h = hash_more(h, s + done, v->off - done);
		h = mix(h, 0xFF00u + v->kind);
		done = (size_t)v->off + v->len;
		f->n++;
		i += step;
	}
	h = hash_more(h, s + done, len - done);
	f->hash = h;
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
