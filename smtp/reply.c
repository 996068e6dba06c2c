/*
 * smtp/reply.c: the SMTP reply parser and the EHLO capability parser.
 * Pure: bytes in, struct smtp_reply out.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "smtp/smtp-internal.h"

void smtp_rparser_init(struct smtp_rparser *p)
{
	p->r.code = 0;
	p->r.nlines = 0;
	p->r.len = 0;
	p->r.text[0] = '\0';
	p->linelen = 0;
	p->linetotal = 0;
}

static void reply_append(struct smtp_reply *r, const char *s, size_t n)
{
	size_t room = sizeof(r->text) - 1 - r->len;

	if (r->nlines > 0 && room > 0) {
		r->text[r->len++] = '\n';
		room--;
	}
	if (n > room)
		n = room;
	memcpy(r->text + r->len, s, n);
	r->len += n;
	r->text[r->len] = '\0';
}

/* One complete line (CR/LF stripped).  Returns DONE for the last line of a
 * reply, MORE for a continuation line, BAD for anything else. */
static enum smtp_rp_status rparser_line(struct smtp_rparser *p)
{
	const char *l = p->line;
	int code;

	if (p->linelen < 3 || !isdigit((unsigned char)l[0]) || !isdigit((unsigned char)l[1]) ||
	    !isdigit((unsigned char)l[2]) || l[0] < '2' || l[0] > '5' ||
	    (p->linelen > 3 && l[3] != ' ' && l[3] != '-'))
		goto bad;
	code = (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0');
	if (p->r.nlines > 0 && code != p->r.code)
		goto bad;
	p->r.code = code;
	reply_append(&p->r, l, p->linelen);
	p->r.nlines++;
	return (p->linelen > 3 && l[3] == '-') ? SMTP_RP_MORE : SMTP_RP_DONE;
bad:
	p->r.len = 0;
	p->r.nlines = 0;
	reply_append(&p->r, l, p->linelen);
	p->r.code = 0;
	return SMTP_RP_BAD;
}

enum smtp_rp_status smtp_rparser_feed(struct smtp_rparser *p, const char *buf, size_t len,
				      size_t *used)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char ch = buf[i];
		enum smtp_rp_status st;

		if (ch != '\n') {
			/* Keep what fits; a CR is dropped only at the end. */
			if (p->linelen < SMTP_LINE_MAX)
				p->line[p->linelen++] = ch;
			p->linetotal++;
			continue;
		}
		if (p->linelen > 0 && p->line[p->linelen - 1] == '\r' && p->linetotal == p->linelen)
			p->linelen--;
		p->line[p->linelen] = '\0';
		st = rparser_line(p);
		p->linelen = 0;
		p->linetotal = 0;
		if (st != SMTP_RP_MORE) {
			*used = i + 1;
			return st;
		}
	}
	*used = len;
	return SMTP_RP_MORE;
}

size_t smtp_enhanced_code(const char *s, int code)
{
	size_t n = 0;

	/* RFC 3463: class "." subject "." detail, the class that of the reply. */
	if (s[0] != '0' + code / 100 || (s[0] != '2' && s[0] != '4' && s[0] != '5'))
		return 0;
	n = 1;
	for (int part = 0; part < 2; part++) {
		size_t digits;

		if (s[n] != '.')
			return 0;
		digits = strspn(s + n + 1, "0123456789");
		if (digits < 1 || digits > 3)
			return 0;
		n += 1 + digits;
	}
	return s[n] == ' ' || s[n] == '\0' ? n : 0;
}

void smtp_reply_summary(const struct smtp_reply *r, char *out, size_t size)
{
	size_t o = 0, elen = 0;
	const char *s = r->text, *ecode = NULL;
	bool first = true;

	if (size == 0)
		return;
	while (*s && o + 1 < size) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);
		const char *line = s;

		if (!first) {
			/* Continuation: drop "550-" and a repeated "5.1.1 ", join
			 * with a space. */
			if (n >= 4) {
				s += 4;
				n -= 4;
			}
			if (ecode && n > elen && !strncmp(s, ecode, elen) && s[elen] == ' ') {
				s += elen + 1;
				n -= elen + 1;
			}
			out[o++] = ' ';
		} else if (n > 4) {
			ecode = line + 4;
			elen = smtp_enhanced_code(ecode, r->code);
		}
		/* The server's text ends up on terminals and in logs: no
		 * control characters (a CR or an escape sequence) get through;
		 * "550-" of a first line reads "550 ". */
		for (; n > 0 && o + 1 < size; n--, s++)
			out[o++] = (unsigned char)*s < 0x20 || *s == 0x7f ? ' '
				   : first && s == line + 3               ? ' '
									  : *s;
		first = false;
		s = nl ? nl + 1 : s + strlen(s);
	}
	out[o] = '\0';
}

static void caps_auth_word(struct smtp_caps *c, const char *w, size_t n)
{
	size_t used = strlen(c->auth_list);

	if (n == 5 && strncasecmp(w, "PLAIN", 5) == 0)
		c->auth |= SMTP_MECH_PLAIN;
	else if (n == 5 && strncasecmp(w, "LOGIN", 5) == 0)
		c->auth |= SMTP_MECH_LOGIN;
	else if (n == 8 && strncasecmp(w, "CRAM-MD5", 8) == 0)
		c->auth |= SMTP_MECH_CRAMMD5;
	else if (n == 7 && strncasecmp(w, "XOAUTH2", 7) == 0)
		c->auth |= SMTP_MECH_XOAUTH2;
	else if (n == 11 && strncasecmp(w, "OAUTHBEARER", 11) == 0)
		c->auth |= SMTP_MECH_OAUTHBEARER;
	/* Remember each name once for "(offers: ...)". */
	for (const char *p = c->auth_list; *p;) {
		size_t l = strcspn(p, " ");

		if (l == n && strncasecmp(p, w, n) == 0)
			return;
		p += l;
		while (*p == ' ')
			p++;
	}
	if (used + n + 2 < sizeof(c->auth_list))
		snprintf(c->auth_list + used, sizeof(c->auth_list) - used, "%s%.*s",
			 used ? " " : "", (int)n, w);
}

static void caps_auth(struct smtp_caps *c, const char *s)
{
	while (*s) {
		size_t n;

		while (*s == ' ')
			s++;
		n = strcspn(s, " ");
		if (n > 0)
			caps_auth_word(c, s, n);
		s += n;
	}
}

static void caps_line(struct smtp_caps *c, const char *kw, size_t n)
{
	char buf[SMTP_LINE_MAX + 1];
	char *arg;

	if (n > SMTP_LINE_MAX)
		n = SMTP_LINE_MAX;
	memcpy(buf, kw, n);
	buf[n] = '\0';
	arg = buf + strcspn(buf, " =");
	if (*arg)
		*arg++ = '\0';
	if (strcasecmp(buf, "PIPELINING") == 0)
		c->pipelining = true;
	else if (strcasecmp(buf, "STARTTLS") == 0)
		c->starttls = true;
	else if (strcasecmp(buf, "8BITMIME") == 0)
		c->eightbitmime = true;
	else if (strcasecmp(buf, "SMTPUTF8") == 0)
		c->smtputf8 = true;
	else if (strcasecmp(buf, "SIZE") == 0) {
		c->size = true;
		c->size_max = strtoul(arg, NULL, 10);
	} else if (strcasecmp(buf, "AUTH") == 0)
		caps_auth(c, arg);
}

void smtp_caps_parse(struct smtp_caps *c, const struct smtp_reply *r)
{
	const char *s = r->text;
	bool first = true;

	memset(c, 0, sizeof(*c));
	c->esmtp = true;
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);

		/* The first line is the server's name, the rest keywords. */
		if (!first && n > 4)
			caps_line(c, s + 4, n - 4);
		first = false;
		s += n;
		if (*s == '\n')
			s++;
	}
}
