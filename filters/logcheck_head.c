/*
 * filters/logcheck_head.c: the syslog header of a line, parsed in C, and
 * the token after it (lc_head_parse, lc_token_len).
 *
 * The syslog header, in C
 * -----------------------
 * Almost every rule starts with one of a few spellings of the header,
 *
 *   ^(\w{3} [ :[:digit:]]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ REST
 *
 * (see lc_headers[]).  Where the header matches a line it ends at one
 * place only: the first alternative is 15 bytes with a blank at [3], the
 * second 32 bytes without, and the host name cannot hold a blank, so it
 * runs to the first blank after it.  So "the rule matches" is "the header
 * matches (lc_head_parse, a few byte comparisons) and ^REST matches the text
 * after the host name".  REST is matched on its own only when that says
 * the same thing: no `|` outside a group (the alternation would take the
 * header with it), no anchor to the start of the text and no
 * back-reference (its group numbers would move), and it does not start
 * with a quantifier (which would apply to the header's last blank).  A rule
 * with an anchor or a back-reference is matched whole, but still filed by
 * its program (logcheck_prefix.c); rules with no known header match whole
 * lines.
 */
#include "filters/logcheck-internal.h"

const struct header lc_headers[LC_N_HEADERS] = {
    {"^(\\w{3} [ :[:digit:]]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ ", false, true},
    {"^(\\w{3} [ :0-9]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ ", false, true},
    {"^([[:alpha:]]{3} [ :[:digit:]]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ ", true, true},
    {"^([[:alpha:]]{3} [ :0-9]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ ", true, true},
    {"^\\w{3} [ :[:digit:]]{11} [._[:alnum:]-]+ ", false, false},
    {"^\\w{3} [ :0-9]{11} [._[:alnum:]-]+ ", false, false},
    {"^[[:alpha:]]{3} [ :[:digit:]]{11} [._[:alnum:]-]+ ", true, false},
    {"^[[:alpha:]]{3} [ :0-9]{11} [._[:alnum:]-]+ ", true, false},
};

/* The bytes of `[ :[:digit:]]{11}` and of `[0-9T:.+-]{32}`. */
static bool trad_time_char(unsigned char c)
{
	return is_digit(c) || c == ' ' || c == ':';
}

static bool rfc_time_char(unsigned char c)
{
	return is_digit(c) || c == 'T' || c == ':' || c == '.' || c == '+' || c == '-';
}

static bool all_are(const char *s, size_t n, bool (*is)(unsigned char c))
{
	for (size_t i = 0; i < n; i++)
		if (!is((unsigned char)s[i]))
			return false;
	return true;
}

static bool host_char(unsigned char c)
{
	return is_alpha(c) || is_digit(c) || c == '.' || c == '_' || c == '-';
}

bool lc_head_parse(const char *s, size_t n, size_t *rest, unsigned *accept)
{
	size_t i, j;

	*accept = 0;
	if (n > 15 && s[3] == ' ' && all_are(s + 4, 11, trad_time_char)) {
		bool w = is_word(s[0]) && is_word(s[1]) && is_word(s[2]);
		bool a = is_alpha(s[0]) && is_alpha(s[1]) && is_alpha(s[2]);

		*accept = (w ? 1u << 1 | 1u << 2 : 0) | (a ? 1u << 3 | 1u << 4 : 0);
		i = 15;
	} else if (n > 32 && all_are(s, 32, rfc_time_char)) {
		*accept = 1u << 1 | 1u << 3;
		i = 32;
	} else {
		return false;
	}
	if (!*accept || s[i] != ' ')
		return false;
	for (j = i + 1; j < n && host_char((unsigned char)s[j]); j++)
		;
	if (j == i + 1 || j >= n || s[j] != ' ')
		return false;
	*rest = j + 1;
	return true;
}

/* A line's token is not its program name (syslog_tag_split in
 * util/syslog_line.h, which the module, `test filters` and the engine use):
 * it files rules, not messages.  It is cut from the literal start of a
 * rule's REST as well as from lines, so it ends where logcheck's rules
 * make a program name end: at '[', ':', a blank, and '(' (a group opens
 * there: "su(\[[0-9]+\])?:"), but not at '/', which rules spell inside
 * the program ("postfix/smtpd\[", "(/USR/SBIN/)?CRON\[").  A line and the
 * rules that can match it get the same token, which is all the filing
 * needs. */
bool lc_token_end(char c)
{
	return c == '[' || c == ':' || c == ' ' || c == '(';
}

size_t lc_token_len(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && !lc_token_end(s[i]))
		i++;
	return i;
}
