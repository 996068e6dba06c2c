/*
 * smtp/message.c: RFC 5322 message composition and RFC 5321 dot-stuffing.
 *
 * Headers: Date, From, To, Subject, Message-ID, MIME-Version, Content-Type,
 * Content-Transfer-Encoding.  A subject that is not printable ASCII becomes
 * RFC 2047 "B" encoded words, each whole UTF-8 characters and short enough
 * that every header line stays within 78 octets.  Body lines are CRLF and
 * at most 998 octets (longer ones are wrapped, on a UTF-8 boundary).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "smtp/smtp-internal.h"
#include "util/address.h"
#include "util/util.h"

#define LINE_SOFT 78
#define LINE_HARD 998
#define EW_CHUNK  42 /* raw octets per encoded word: 12 + 56 = 68 chars */

bool smtp_has_crlf(const char *s)
{
	return strpbrk(s, "\r\n") != NULL;
}

static bool needs_encoding(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return true;
	return false;
}

bool smtp_has_8bit(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] & 0x80)
			return true;
	return false;
}

/* Bytes of s (at most max) that end on a UTF-8 character boundary. */
static size_t utf8_cut(const char *s, size_t avail, size_t max)
{
	size_t n = avail < max ? avail : max;

	if (n == avail)
		return n;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n > 0 ? n : (avail < max ? avail : max);
}

static int subject_encoded(const char *s, char *out, size_t size)
{
	size_t o = 0, len = strlen(s);
	int n;

	n = snprintf(out, size, "Subject:");
	if (n < 0 || (size_t)n >= size)
		return -1;
	o = (size_t)n;
	while (len > 0) {
		size_t take = utf8_cut(s, len, EW_CHUNK);
		char b64[80];

		if (smtp_b64_encode(s, take, b64, sizeof(b64)) < 0)
			return -1;
		n = snprintf(out + o, size - o, "%s=?UTF-8?B?%s?=", o > 8 ? "\r\n " : " ", b64);
		if (n < 0 || (size_t)n >= size - o)
			return -1;
		o += (size_t)n;
		s += take;
		len -= take;
	}
	if (o + 3 > size)
		return -1;
	memcpy(out + o, "\r\n", 3);
	return (int)(o + 2);
}

/* The next unit of a plain subject: a run of blanks and the word after it. */
static size_t unit_len(const char *s, size_t *blanks)
{
	*blanks = strspn(s, " \t");
	return *blanks + strcspn(s + *blanks, " \t");
}

/* Plain ASCII: fold before a blank when the line would pass 78 octets, but
 * only before a blank that a word follows: a continuation line of blanks
 * alone is obsolete syntax (RFC 5322 section 4.2) that some parsers take
 * for the end of the header. */
static int subject_plain(const char *s, char *out, size_t size)
{
	size_t o, linestart = 0, len = strlen(s);

	if (size < len * 3 + 16)
		return -1;
	o = (size_t)snprintf(out, size, "Subject: ");
	while (*s) {
		size_t blanks, unit = unit_len(s, &blanks);

		if (blanks > 0 && unit > blanks && o - linestart + unit > LINE_SOFT &&
		    o - linestart > 9) {
			memcpy(out + o, "\r\n", 2);
			o += 2;
			linestart = o;
		}
		memcpy(out + o, s, unit);
		o += unit;
		s += unit;
	}
	memcpy(out + o, "\r\n", 3);
	return (int)(o + 2);
}

/* True when some unit cannot be folded into a line of at most 998 octets:
 * then the subject is sent as encoded words, which fold anywhere. */
static bool word_too_long(const char *s)
{
	while (*s) {
		size_t blanks, unit = unit_len(s, &blanks);

		if (unit > LINE_HARD - 12)
			return true;
		s += unit;
	}
	return false;
}

int smtp_subject_header(const char *subject, char *out, size_t size)
{
	if (needs_encoding(subject) || word_too_long(subject))
		return subject_encoded(subject, out, size);
	return subject_plain(subject, out, size);
}

void smtp_rfc5322_date(time_t t, char *out, size_t size)
{
	struct tm tm;

	localtime_r(&t, &tm);
	util_rfc5322_date(&tm, out, size);
}

/* Body: CRLF line ends, lines wrapped at 998 octets, a final CRLF. */
static char *body_render(const char *b, size_t *outlen)
{
	size_t len = strlen(b);
	/* Worst case: every octet a lone CR/LF (2x), plus wraps and the end. */
	char *out = malloc(2 * len + 2 * (len / LINE_HARD) + 3);
	size_t o = 0, col = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		char c = b[i];

		if (c == '\r' || c == '\n') {
			if (c == '\r' && i + 1 < len && b[i + 1] == '\n')
				i++;
			out[o++] = '\r';
			out[o++] = '\n';
			col = 0;
			continue;
		}
		if (col >= LINE_HARD ||
		    (col >= LINE_HARD - 3 && ((unsigned char)c & 0xc0) == 0xc0)) {
			/* Wrap, never inside a UTF-8 sequence (they are at most 4). */
			out[o++] = '\r';
			out[o++] = '\n';
			col = 0;
		}
		out[o++] = c;
		col++;
	}
	if (o > 0 && out[o - 1] != '\n') {
		out[o++] = '\r';
		out[o++] = '\n';
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

static int check_header(const char *what, const char *v, struct smtp_err *err)
{
	if (!v) {
		err->code = 0;
		snprintf(err->msg, sizeof(err->msg), "no %s given", what);
		return -1;
	}
	if (smtp_has_crlf(v)) {
		err->code = 0;
		snprintf(err->msg, sizeof(err->msg),
			 "the %s contains a line break (CR or LF), refused", what);
		return -1;
	}
	return 0;
}

/* The one check of an address (util/address.h): "the recipient address
 * is not valid (no domain after the @), refused". */
static int check_address(const char *what, const char *v, struct smtp_err *err)
{
	const char *why;

	if (!v) {
		err->code = 0;
		snprintf(err->msg, sizeof(err->msg), "no %s given", what);
		return -1;
	}
	why = util_address_check(v, strlen(v));
	if (why) {
		err->code = 0;
		snprintf(err->msg, sizeof(err->msg), "the %s is not valid (%s), refused", what, why);
		return -1;
	}
	return 0;
}

static void make_message_id(char *out, size_t size)
{
	unsigned char r[6] = {0};
	char host[256];

	RAND_bytes(r, sizeof(r));
	smtp_local_domain(NULL, host, sizeof(host));
	snprintf(out, size, "%ld.%ld.%02x%02x%02x%02x%02x%02x@%s", (long)time(NULL), (long)getpid(),
		 r[0], r[1], r[2], r[3], r[4], r[5], host);
}

enum smtp_status smtp_compose(const struct smtp_message *m, char **out, size_t *len,
			      struct smtp_err *err)
{
	char date[64], mid[512], *subj = NULL, *body = NULL, *msg = NULL;
	const char *subject = m->subject ? m->subject : "";
	size_t subjsize = strlen(subject) * 4 + 64, bodylen = 0, size;
	enum smtp_status st = SMTP_ENOMEM;
	int n;

	*out = NULL;
	*len = 0;
	if (check_address("sender address", m->from, err) < 0 ||
	    check_address("recipient address", m->to, err) < 0 ||
	    check_header("subject", subject, err) < 0 ||
	    (m->message_id && check_header("Message-ID", m->message_id, err) < 0))
		return SMTP_EINVAL;
	subj = malloc(subjsize);
	body = body_render(m->body ? m->body : "", &bodylen);
	if (!subj || !body)
		goto fail;
	if (smtp_subject_header(subject, subj, subjsize) < 0)
		goto fail;
	if (m->message_id && *m->message_id)
		snprintf(mid, sizeof(mid), "%s", m->message_id);
	else
		make_message_id(mid, sizeof(mid));
	smtp_rfc5322_date(m->date ? m->date : time(NULL), date, sizeof(date));
	size = strlen(m->from) + strlen(m->to) + strlen(subj) + strlen(mid) + bodylen + 512;
	msg = malloc(size);
	if (!msg)
		goto fail;
	n = snprintf(msg, size,
		     "Date: %s\r\nFrom: <%s>\r\nTo: <%s>\r\n%sMessage-ID: <%s>\r\n"
		     "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
		     "Content-Transfer-Encoding: %s\r\n\r\n%s",
		     date, m->from, m->to, subj, mid,
		     smtp_has_8bit(body, bodylen) ? "8bit" : "7bit", body);
	if (n < 0 || (size_t)n >= size)
		goto fail;
	*out = msg;
	*len = (size_t)n;
	msg = NULL;
	st = SMTP_OK;
fail:
	if (st != SMTP_OK) {
		err->code = 0;
		snprintf(err->msg, sizeof(err->msg), "out of memory composing the message");
	}
	free(msg);
	free(subj);
	free(body);
	return st;
}

enum smtp_status smtp_dot_stuff(const char *msg, size_t len, char **out, size_t *outlen)
{
	/* Worst case: each octet a "." at a line start or a bare LF. */
	char *o = malloc(2 * len + 6);
	size_t n = 0;
	bool bol = true;

	*out = NULL;
	*outlen = 0;
	if (!o)
		return SMTP_ENOMEM;
	for (size_t i = 0; i < len; i++) {
		char c = msg[i];

		if (bol && c == '.')
			o[n++] = '.';
		bol = false;
		if (c == '\n') {
			if (n == 0 || o[n - 1] != '\r')
				o[n++] = '\r';
			bol = true;
		} else if (c == '\r' && !(i + 1 < len && msg[i + 1] == '\n')) {
			/* A bare CR becomes a line end too: never send one alone. */
			o[n++] = '\r';
			c = '\n';
			bol = true;
		}
		o[n++] = c;
	}
	if (!bol) {
		o[n++] = '\r';
		o[n++] = '\n';
	}
	memcpy(o + n, ".\r\n", 4); /* NUL-terminated too, for convenience */
	n += 3;
	*out = o;
	*outlen = n;
	return SMTP_OK;
}

/* ---- 8BITMIME not offered: quoted-printable -------------------------------- */

#define QP_LINE 76
#define CTE     "Content-Transfer-Encoding:"

/* Where the body starts: after the first empty line (CRLF CRLF); len when
 * there is none (all header). */
static size_t body_start(const char *msg, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++)
		if (msg[i] == '\n' && (msg[i + 1] == '\n' ||
				       (msg[i + 1] == '\r' && i + 2 < len && msg[i + 2] == '\n')))
			return i + (msg[i + 1] == '\n' ? 2 : 3);
	return len;
}

/* The header block with its Content-Transfer-Encoding (folded lines too)
 * replaced by "Content-Transfer-Encoding: cte", or that line added at the
 * end when there was none.  hdr ends with the empty line. */
static void put_headers(FILE *f, const char *hdr, size_t n, const char *cte)
{
	bool skipping = false, done = false;
	size_t i = 0;

	while (i < n) {
		const char *eol = memchr(hdr + i, '\n', n - i);
		size_t l = eol ? (size_t)(eol - (hdr + i)) + 1 : n - i;
		const char *line = hdr + i;

		if (l <= 2 && (line[0] == '\r' || line[0] == '\n')) { /* the empty line */
			if (!done)
				fprintf(f, CTE " %s\r\n", cte);
			fwrite(line, 1, l, f);
			return;
		}
		if (line[0] != ' ' && line[0] != '\t')
			skipping = l >= sizeof(CTE) - 1 && !strncasecmp(line, CTE, sizeof(CTE) - 1);
		if (skipping && !done && line[0] != ' ' && line[0] != '\t') {
			fprintf(f, CTE " %s\r\n", cte);
			done = true;
		}
		if (!skipping)
			fwrite(line, 1, l, f);
		i += l;
	}
}

/* RFC 2045 6.7: printable ASCII but "=" as itself, a blank as itself unless
 * it ends a line, everything else "=XX"; soft breaks ("=" CRLF) keep every
 * line within 76 octets; only CRLF is a line break (a lone CR or LF is
 * encoded, so decoding gives back the very octets). */
static void put_qp(FILE *f, const unsigned char *b, size_t n)
{
	unsigned col = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = b[i];
		bool eol = c == '\r' && i + 1 < n && b[i + 1] == '\n';
		bool before_eol = i + 1 == n || (b[i + 1] == '\r' && i + 2 < n && b[i + 2] == '\n');
		bool plain =
		    (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !before_eol);
		unsigned need = plain ? 1 : 3;

		if (eol) {
			fputs("\r\n", f);
			col = 0;
			i++;
			continue;
		}
		if (col + need > QP_LINE - 1) {
			fputs("=\r\n", f);
			col = 0;
		}
		if (plain)
			fputc(c, f);
		else
			fprintf(f, "=%02X", c);
		col += need;
	}
}

enum smtp_status smtp_downgrade_body(const char *msg, size_t len, char **out, size_t *outlen)
{
	size_t start = body_start(msg, len);
	bool ascii = !smtp_has_8bit(msg + start, len - start);
	FILE *f;

	*out = NULL;
	*outlen = 0;
	f = open_memstream(out, outlen);
	if (!f)
		return SMTP_ENOMEM;
	put_headers(f, msg, start, ascii ? "7bit" : "quoted-printable");
	if (ascii)
		fwrite(msg + start, 1, len - start, f);
	else
		put_qp(f, (const unsigned char *)msg + start, len - start);
	if (fclose(f) != 0) {
		free(*out);
		*out = NULL;
		*outlen = 0;
		return SMTP_ENOMEM;
	}
	return SMTP_OK;
}
