/*
 * Unit tests of the message composer: headers, RFC 2047 subjects, folding,
 * body wrapping, CR/LF refusal, dot-stuffing and the subject substitutions.
 * Times are fixed and TZ is UTC.
 */
#include <criterion/criterion.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtp/smtp-internal.h"

#define T_2018 1523331901 /* 2018-04-10T03:45:01Z, a Tuesday */

static void utc(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
}

TestSuite(compose, .init = utc);
TestSuite(subst, .init = utc);
TestSuite(downgrade);

static char *compose_ok(const struct smtp_message *m, size_t *len)
{
	struct smtp_err err = {0};
	char *out = NULL;

	cr_assert_eq(smtp_compose(m, &out, len, &err), SMTP_OK, "%s", err.msg);
	cr_assert_eq(strlen(out), *len);
	return out;
}

Test(compose, ascii_message_exact)
{
	struct smtp_message m = {.from = "switch@example.com",
				 .to = "admin@example.com",
				 .subject = "The LAN interface is down",
				 .body = "line one\nline two\n",
				 .message_id = "20180410034501.16737@top",
				 .date = T_2018};
	size_t len;
	char *out = compose_ok(&m, &len);

	cr_assert_str_eq(out, "Date: Tue, 10 Apr 2018 03:45:01 +0000\r\n"
			      "From: <switch@example.com>\r\n"
			      "To: <admin@example.com>\r\n"
			      "Subject: The LAN interface is down\r\n"
			      "Message-ID: <20180410034501.16737@top>\r\n"
			      "MIME-Version: 1.0\r\n"
			      "Content-Type: text/plain; charset=UTF-8\r\n"
			      "Content-Transfer-Encoding: 7bit\r\n"
			      "\r\n"
			      "line one\r\nline two\r\n");
	free(out);
}

Test(compose, utf8_body_is_8bit_and_crlf_kept)
{
	struct smtp_message m = {.from = "a@b",
				 .to = "c@d",
				 .subject = "x",
				 .body = "gr\xc3\xbc\xc3\x9f\r\nzwei",
				 .message_id = "1@h",
				 .date = T_2018};
	size_t len;
	char *out = compose_ok(&m, &len);

	cr_assert(
	    strstr(out, "Content-Transfer-Encoding: 8bit\r\n\r\ngr\xc3\xbc\xc3\x9f\r\nzwei\r\n"));
	free(out);
}

/* ---- 8BITMIME not offered: the body as quoted-printable ------------------ */

static char *downgrade(const char *msg, size_t *len)
{
	char *out = NULL;

	cr_assert_eq(smtp_downgrade_body(msg, strlen(msg), &out, len), SMTP_OK);
	cr_assert_eq(strlen(out), *len);
	return out;
}

/* A plain RFC 2045 6.7 decoder, for the round trip. */
static size_t qp_decode(const char *s, char *out)
{
	size_t o = 0;

	while (*s) {
		if (s[0] == '=' && s[1] == '\r' && s[2] == '\n') {
			s += 3;
		} else if (s[0] == '=') {
			char hex[3] = {s[1], s[2], 0};

			cr_assert(strspn(hex, "0123456789ABCDEF") == 2, "bad escape =%s", hex);
			out[o++] = (char)strtol(hex, NULL, 16);
			s += 3;
		} else {
			out[o++] = *s++;
		}
	}
	out[o] = '\0';
	return o;
}

/* Every line of s (CRLF separated) is at most max octets, all ASCII. */
static void assert_qp_lines(const char *s, size_t max)
{
	for (const char *l = s; *l;) {
		const char *e = strstr(l, "\r\n");
		size_t n = e ? (size_t)(e - l) : strlen(l);

		cr_assert_leq(n, max, "line of %zu octets: %.*s", n, (int)n, l);
		l += n + (e ? 2 : 0);
	}
	cr_assert_not(smtp_has_8bit(s, strlen(s)));
}

#define HDRS_8BIT                                                                                  \
	"From: <a@b>\r\nSubject: x\r\nMIME-Version: 1.0\r\n"                                       \
	"Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
#define HDRS_QP                                                                                    \
	"From: <a@b>\r\nSubject: x\r\nMIME-Version: 1.0\r\n"                                       \
	"Content-Type: text/plain; charset=UTF-8\r\n"                                              \
	"Content-Transfer-Encoding: quoted-printable\r\n\r\n"

Test(downgrade, utf8_body_exact)
{
	size_t len;
	char *out = downgrade(HDRS_8BIT "Gr\xc3\xbc\xc3\x9f"
					"e = 1\r\ntrailing blank \r\ntab\t\r\n.dot\r\n",
			      &len);

	cr_assert_str_eq(out, HDRS_QP "Gr=C3=BC=C3=9Fe =3D 1\r\ntrailing blank=20\r\ntab=09\r\n"
				      ".dot\r\n");
	free(out);
}

Test(downgrade, long_lines_soft_broken_and_round_trip)
{
	char body[4096], msg[8192], decoded[8192];
	size_t len, n = 0;
	char *out;

	/* 990 octets of mixed text on one line, a lone LF and a lone CR, blanks
	 * before a soft break, then a last line without CRLF. */
	for (int i = 0; i < 330; i++) {
		body[n++] = (char)0xc3;
		body[n++] = (char)0xa4;
		body[n++] = i % 7 == 0 ? ' ' : '=';
	}
	memcpy(body + n, "\r\nlone\nlf and\rcr\r\n", 18);
	n += 18;
	memset(body + n, ' ', 80);
	n += 80;
	memcpy(body + n, "x\r\nend", 7);
	n += 6;
	body[n] = '\0';
	snprintf(msg, sizeof(msg), "%s%s", HDRS_8BIT, body);
	out = downgrade(msg, &len);
	cr_assert(strncmp(out, HDRS_QP, strlen(HDRS_QP)) == 0);
	assert_qp_lines(out, 76);
	cr_assert_eq(qp_decode(out + strlen(HDRS_QP), decoded), n);
	cr_assert(memcmp(decoded, body, n) == 0, "the decoded body differs");
	free(out);
}

Test(downgrade, ascii_body_becomes_7bit)
{
	size_t len;
	char *out = downgrade(HDRS_8BIT "plain text\r\n", &len);

	cr_assert_str_eq(out, "From: <a@b>\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
			      "Content-Type: text/plain; charset=UTF-8\r\n"
			      "Content-Transfer-Encoding: 7bit\r\n\r\nplain text\r\n");
	free(out);
}

/* No Content-Transfer-Encoding header (or a folded one): one is written. */
Test(downgrade, header_added_or_replaced_when_folded)
{
	size_t len;
	char *out = downgrade("Subject: x\r\n\r\n\xc3\xa4\r\n", &len);

	cr_assert_str_eq(out, "Subject: x\r\nContent-Transfer-Encoding: quoted-printable\r\n"
			      "\r\n=C3=A4\r\n");
	free(out);
	out = downgrade("content-transfer-encoding:\r\n 8bit\r\nSubject: x\r\n\r\n\xc3\xa4\r\n",
			&len);
	cr_assert_str_eq(out, "Content-Transfer-Encoding: quoted-printable\r\nSubject: x\r\n"
			      "\r\n=C3=A4\r\n");
	free(out);
}

/* What smtp_compose wrote, downgraded, decodes to the composed body. */
Test(downgrade, composed_message)
{
	struct smtp_message m = {.from = "a@b",
				 .to = "c@d",
				 .subject = "St\xc3\xb6rung",
				 .body = "Gr\xc3\xbc\xc3\x9f"
					 "e\n",
				 .message_id = "1@h",
				 .date = T_2018};
	size_t len, qlen;
	char *msg = compose_ok(&m, &len), *out = NULL;

	cr_assert_eq(smtp_downgrade_body(msg, len, &out, &qlen), SMTP_OK);
	cr_assert(strstr(out, "Subject: =?UTF-8?B?U3TDtnJ1bmc=?=\r\n"));
	cr_assert(strstr(out, "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
			      "Gr=C3=BC=C3=9Fe\r\n"));
	cr_assert_null(strstr(out, "8bit"));
	assert_qp_lines(out, 998);
	free(msg);
	free(out);
}

Test(compose, refuses_line_breaks)
{
	struct smtp_message m = {
	    .from = "a@b", .to = "c@d", .subject = "hi\r\nBcc: x@y", .body = "", .date = T_2018};
	struct smtp_err err = {0};
	char *out = (char *)1;
	size_t len = 1;

	cr_assert_eq(smtp_compose(&m, &out, &len, &err), SMTP_EINVAL);
	cr_assert_null(out);
	cr_assert_str_eq(err.msg, "the subject contains a line break (CR or LF), refused");
	m.subject = "ok";
	m.to = "c@d\nBcc: x@y";
	cr_assert_eq(smtp_compose(&m, &out, &len, &err), SMTP_EINVAL);
	cr_assert(strstr(err.msg, "recipient address"));
	m.to = "c@d";
	m.from = "a@b\r";
	cr_assert_eq(smtp_compose(&m, &out, &len, &err), SMTP_EINVAL);
	cr_assert(strstr(err.msg, "sender address"));
}

Test(compose, refuses_overlong_address)
{
	char addr[300];
	struct smtp_message m = {
	    .from = "a@b", .to = addr, .subject = "s", .body = "", .date = T_2018};
	struct smtp_err err = {0};
	char *out = NULL;
	size_t len = 0;

	memset(addr, 'x', sizeof(addr) - 1);
	addr[sizeof(addr) - 1] = '\0';
	addr[10] = '@';
	for (size_t i = 50; i < sizeof(addr) - 1; i += 50)
		addr[i] = '.'; /* labels of at most 63 octets */
	addr[254] = '\0'; /* 254 octets: the longest path RFC 5321 allows */
	cr_assert_eq(smtp_compose(&m, &out, &len, &err), SMTP_OK);
	free(out);
	addr[254] = 'x';
	addr[255] = '\0';
	cr_assert_eq(smtp_compose(&m, &out, &len, &err), SMTP_EINVAL);
	cr_assert_str_eq(err.msg,
			 "the recipient address is not valid (longer than 254 octets), refused");
	/* the verdict of util/address.h, as at every other entry point */
	m.to = "a@";
	cr_assert_eq(smtp_compose(&m, &out, &len, &err), SMTP_EINVAL);
	cr_assert_str_eq(err.msg, "the recipient address is not valid (no domain after the @), refused");
	m.to = "c@d";
	m.from = "a@b@example.com";
	cr_assert_eq(smtp_compose(&m, &out, &len, &err), SMTP_EINVAL);
	cr_assert(strstr(err.msg, "the sender address is not valid (two @"), "%s", err.msg);
}

Test(compose, long_body_lines_wrapped)
{
	char *body = malloc(3001);
	struct smtp_message m = {.from = "a@b", .to = "c@d", .subject = "x", .date = T_2018};
	size_t len, i;
	char *out, *p;

	memset(body, 'a', 3000);
	body[3000] = '\0';
	m.body = body;
	out = compose_ok(&m, &len);
	p = strstr(out, "\r\n\r\n") + 4;
	/* Every line at most 998 octets, nothing lost. */
	size_t total = 0;
	while (*p) {
		size_t n = strcspn(p, "\r");
		cr_assert_leq(n, 998);
		for (i = 0; i < n; i++)
			cr_assert_eq(p[i], 'a');
		total += n;
		p += n;
		cr_assert_eq(strncmp(p, "\r\n", 2), 0);
		p += 2;
	}
	cr_assert_eq(total, 3000);
	free(out);
	free(body);
}

Test(compose, wrap_never_splits_utf8)
{
	char body[2100];
	struct smtp_message m = {.from = "a@b", .to = "c@d", .subject = "x", .date = T_2018};
	size_t len, o = 0;
	char *out, *p;

	body[o++] = 'x';
	while (o + 2 < sizeof(body)) {
		body[o++] = '\xc3';
		body[o++] = '\xa9';
	}
	body[o] = '\0';
	m.body = body;
	out = compose_ok(&m, &len);
	for (p = strstr(out, "\r\n\r\n") + 4; *p; p++)
		if (*p == '\n')
			cr_assert_neq((unsigned char)p[1], 0xa9, "wrapped inside a character");
	free(out);
}

/* Decode every encoded word of a Subject header back to UTF-8. */
static void decode_subject(const char *h, char *out)
{
	const char *p = h;
	size_t o = 0;

	while ((p = strstr(p, "=?UTF-8?B?")) != NULL) {
		const char *e = strstr(p + 10, "?=");
		char b64[100];
		int n;

		cr_assert_not_null(e);
		cr_assert_leq(e + 2 - p, 75, "encoded word longer than 75");
		snprintf(b64, sizeof(b64), "%.*s", (int)(e - p - 10), p + 10);
		n = smtp_b64_decode(b64, (unsigned char *)out + o, 200);
		cr_assert_geq(n, 0);
		/* Each word holds whole characters. */
		cr_assert_neq((unsigned char)out[o] & 0xc0, 0x80);
		o += (size_t)n;
		p = e + 2;
	}
	out[o] = '\0';
}

static void assert_lines_within(const char *h, size_t max)
{
	while (*h) {
		size_t n = strcspn(h, "\r");

		cr_assert_leq(n, max, "header line of %zu octets: %.*s", n, (int)n, h);
		h += n;
		if (*h)
			h += 2;
	}
}

Test(subject, rfc2047_short)
{
	char h[512];

	cr_assert_gt(smtp_subject_header("St\xc3\xb6rung", h, sizeof(h)), 0);
	cr_assert_str_eq(h, "Subject: =?UTF-8?B?U3TDtnJ1bmc=?=\r\n");
}

Test(subject, rfc2047_long_folded)
{
	const char *s = "Schnittstelle port1.0.1 ist ausgefallen \xe2\x80\x93 bitte pr\xc3\xbc"
			"fen, \xc3\xbc"
			"berall \xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac und "
			"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e";
	char h[1024], back[1024];

	cr_assert_gt(smtp_subject_header(s, h, sizeof(h)), 0);
	cr_assert(strstr(h, "\r\n =?UTF-8?B?"), "not folded: %s", h);
	assert_lines_within(h, 78);
	decode_subject(h, back);
	cr_assert_str_eq(back, s);
}

Test(subject, ascii_folded_at_78)
{
	char s[400], h[1024], back[1024];
	size_t o = 0;

	for (int i = 0; i < 40; i++)
		o += (size_t)snprintf(s + o, sizeof(s) - o, "%sword%02d", i ? " " : "", i);
	cr_assert_gt(smtp_subject_header(s, h, sizeof(h)), 0);
	cr_assert(strncmp(h, "Subject: word00 word01", 22) == 0);
	assert_lines_within(h, 78);
	/* Unfolding (removing CRLF before WSP) gives the subject back. */
	o = 0;
	for (const char *p = h + 9; *p; p++)
		if (*p != '\r' && *p != '\n')
			back[o++] = *p;
	back[o] = '\0';
	cr_assert_str_eq(back, s);
	cr_assert_str_eq(h + strlen(h) - 2, "\r\n");
}

/* A fuzzer found a continuation line of blanks alone (obsolete syntax). */
Test(subject, ascii_never_folds_before_trailing_blanks)
{
	char s[200], h[1024];

	memset(s, 'a', 70);
	memset(s + 70, ' ', 60);
	s[130] = '\0';
	cr_assert_gt(smtp_subject_header(s, h, sizeof(h)), 0);
	for (const char *l = strstr(h, "\r\n"); l && l[2]; l = strstr(l + 2, "\r\n"))
		cr_assert(strspn(l + 2, " \t") < strcspn(l + 2, "\r"), "blank line in %s", h);
	cr_assert_eq(strlen(h), 9 + 130 + 2);
}

Test(subject, ascii_short_untouched)
{
	char h[200];

	smtp_subject_header("hello world", h, sizeof(h));
	cr_assert_str_eq(h, "Subject: hello world\r\n");
}

Test(dot, stuffing)
{
	const char *in = ".hidden\r\nok\r\n..two\r\n.\r\nlast";
	char *out;
	size_t len;

	cr_assert_eq(smtp_dot_stuff(in, strlen(in), &out, &len), SMTP_OK);
	cr_assert(memcmp(out, "..hidden\r\nok\r\n...two\r\n..\r\nlast\r\n.\r\n", len) == 0, "%.*s",
		  (int)len, out);
	cr_assert_eq(len, strlen("..hidden\r\nok\r\n...two\r\n..\r\nlast\r\n.\r\n"));
	free(out);
}

Test(dot, bare_lf_and_cr_become_crlf)
{
	const char *in = "a\nb\rc\r\n";
	char *out;
	size_t len;

	cr_assert_eq(smtp_dot_stuff(in, strlen(in), &out, &len), SMTP_OK);
	cr_assert_eq(len, strlen("a\r\nb\r\nc\r\n.\r\n"));
	cr_assert(memcmp(out, "a\r\nb\r\nc\r\n.\r\n", len) == 0);
	free(out);
}

Test(dot, empty_message)
{
	char *out;
	size_t len;

	cr_assert_eq(smtp_dot_stuff("", 0, &out, &len), SMTP_OK);
	cr_assert_eq(len, 3);
	cr_assert(memcmp(out, ".\r\n", 3) == 0);
	free(out);
}

Test(date, rfc5322_with_zone)
{
	char d[64];

	setenv("TZ", "UTC", 1);
	tzset();
	smtp_rfc5322_date(T_2018, d, sizeof(d));
	cr_assert_str_eq(d, "Tue, 10 Apr 2018 03:45:01 +0000");
	setenv("TZ", "NZST-12", 1);
	tzset();
	smtp_rfc5322_date(T_2018, d, sizeof(d));
	cr_assert_str_eq(d, "Tue, 10 Apr 2018 15:45:01 +1200");
	setenv("TZ", "UTC", 1);
	tzset();
}

/* Under a French locale strftime's %a %b say "mar." and "avril": an RFC
 * 5322 date must not.  Skipped when fr_FR.UTF-8 is not installed
 * (scripts/setup makes it). */
Test(date, english_whatever_the_locale)
{
	char d[64];

	if (setlocale(LC_ALL, "fr_FR.UTF-8") == NULL)
		cr_skip_test("the fr_FR.UTF-8 locale is not installed (scripts/setup)");
	setenv("TZ", "UTC", 1);
	tzset();
	smtp_rfc5322_date(T_2018, d, sizeof(d));
	setlocale(LC_ALL, "C");
	cr_assert_str_eq(d, "Tue, 10 Apr 2018 03:45:01 +0000");
}

Test(subst, all_parameters)
{
	struct smtp_subst s = {.hostname = "top", .serial = "A05049G154200043", .now = T_2018};
	char out[256];

	smtp_subject_expand("Sending email from Hostname:%N Serial Number:%S Date:%T", &s, out,
			    sizeof(out));
	cr_assert_str_eq(out, "Sending email from Hostname:top Serial Number:A05049G154200043 "
			      "Date:2018-04-10T03:45:01+0000");
	smtp_subject_expand("%D|%L|%U|%N%N|100%%|%x|%", &s, out, sizeof(out));
	cr_assert_str_eq(out, "2018-04-10T03:45:01+0000|2018-04-10T03:45:01+0000|"
			      "2018-04-10T03:45:01+0000|toptop|100%|%x|%");
}

Test(subst, local_vs_utc)
{
	struct smtp_subst s = {.hostname = "h", .serial = "s", .now = T_2018};
	char out[128];

	setenv("TZ", "NZST-12", 1);
	tzset();
	smtp_subject_expand("%T %U", &s, out, sizeof(out));
	cr_assert_str_eq(out, "2018-04-10T15:45:01+1200 2018-04-10T03:45:01+0000");
	setenv("TZ", "UTC", 1);
	tzset();
}

Test(subst, truncates)
{
	struct smtp_subst s = {.hostname = "hostname", .serial = "s", .now = T_2018};
	char out[8];

	smtp_subject_expand("ab%Ncd", &s, out, sizeof(out));
	cr_assert_str_eq(out, "abhostn");
}

Test(subst, defaults)
{
	struct smtp_subst s;

	smtp_subst_default(&s, "SERIAL1");
	cr_assert_str_eq(s.serial, "SERIAL1");
	cr_assert_gt(strlen(s.hostname), 0);
	cr_assert_gt(s.now, T_2018);
}
