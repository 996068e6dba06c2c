/*
 * tests/fuzz/fuzz_reply.c: libFuzzer target for the SMTP reply parser, the
 * EHLO capability parser and the dialogue that consumes their replies.
 *
 * Input: byte 0 picks the client's configuration (TLS mode, AUTH mechanism,
 * allow-cleartext) and seeds the chunking; the rest is what a hostile or
 * broken server sends.  The bytes are fed to smtp_rparser_feed twice: in
 * one piece, and in pseudo-random chunks (1 octet up to the whole rest), as
 * replies split across reads arrive.  Checks:
 *   - both feedings yield the same replies (the parser is incremental);
 *   - every reply is well-formed: code 200..599, text NUL-terminated within
 *     SMTP_REPLY_MAX, at least one line, every byte consumed accounted for;
 *   - the dialogue, driven as client.c drives it, never sends AUTH PLAIN or
 *     LOGIN on a connection that is not encrypted unless allow-cleartext is
 *     set (CRAM-MD5 sends no password and may), never
 *     reports READY without TLS when STARTTLS is required, and every
 *     failure leaves a one-line message and a status of ETEMP or EPERM.
 * A broken invariant traps (__builtin_trap), so libFuzzer keeps the input.
 */
#include "smtp/smtp-internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REPLIES 64 /* compared between the two feedings */

struct parsed {
	enum smtp_rp_status st;
	int code;
	unsigned nlines;
	size_t len;
	char text[SMTP_REPLY_MAX];
};

struct run {
	struct parsed r[MAX_REPLIES];
	size_t n;
	size_t consumed;
};

/* A broken invariant names itself on stderr, then traps. */
#define check(ok) ((ok) ? (void)0 : broken(__LINE__, #ok))

static void broken(int line, const char *what)
{
	fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, line, what);
	__builtin_trap();
}

static void check_reply(const struct smtp_reply *r, enum smtp_rp_status st)
{
	char sum[SMTP_REPLY_MAX + 16];

	check(r->len < SMTP_REPLY_MAX);
	check(r->text[r->len] == '\0');
	if (st == SMTP_RP_DONE) {
		check(r->code >= 200 && r->code <= 599);
		check(r->nlines >= 1);
		check(r->len >= 3);
	} else {
		check(r->code == 0);
	}
	smtp_reply_summary(r, sum, sizeof(sum));
	check(strlen(sum) < sizeof(sum));
	smtp_reply_summary(r, sum, 8); /* a short buffer truncates, never overflows */
	check(strlen(sum) < 8);
}

static void keep(struct run *run, const struct smtp_rparser *p, enum smtp_rp_status st)
{
	struct parsed *k;

	if (run->n >= MAX_REPLIES)
		return;
	k = &run->r[run->n++];
	k->st = st;
	k->code = p->r.code;
	k->nlines = p->r.nlines;
	k->len = p->r.len;
	memcpy(k->text, p->r.text, p->r.len + 1);
}

/* xorshift32: chunk sizes from the seed byte, reproducible per input. */
static uint32_t next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static size_t chunk_size(uint32_t *s, size_t left)
{
	uint32_t v = next_rand(s);
	size_t n;

	switch (v & 3) {
	case 0:
		n = 1;
		break;
	case 1:
		n = (v >> 8) % 8 + 1;
		break;
	case 2:
		n = (v >> 8) % 600 + 1;
		break;
	default:
		n = left;
		break;
	}
	return n < left ? n : left;
}

/* Feed buf in chunks (whole when seed is 0); record every reply. */
static void parse_all(const char *buf, size_t len, uint32_t seed, struct run *run)
{
	struct smtp_rparser p;
	size_t off = 0;

	run->n = 0;
	smtp_rparser_init(&p);
	while (off < len) {
		size_t n = seed ? chunk_size(&seed, len - off) : len - off;
		size_t pos = 0;

		while (pos < n) {
			size_t used = 0;
			enum smtp_rp_status st =
			    smtp_rparser_feed(&p, buf + off + pos, n - pos, &used);

			check(used <= n - pos);
			if (st == SMTP_RP_MORE) {
				check(used == n - pos);
			} else {
				check(used >= 1);
				check_reply(&p.r, st);
				keep(run, &p, st);
				smtp_rparser_init(&p);
			}
			pos += used;
		}
		off += n;
	}
	run->consumed = off;
}

static void compare(const struct run *a, const struct run *b)
{
	check(a->n == b->n);
	check(a->consumed == b->consumed);
	for (size_t i = 0; i < a->n; i++) {
		check(a->r[i].st == b->r[i].st);
		check(a->r[i].code == b->r[i].code);
		check(a->r[i].nlines == b->r[i].nlines);
		check(a->r[i].len == b->r[i].len);
		check(memcmp(a->r[i].text, b->r[i].text, a->r[i].len) == 0);
	}
}

/* ---- the dialogue, driven the way client.c drives it ---------------------- */

static void check_err(const struct smtp_dlg *d, const struct smtp_err *err)
{
	size_t n = strnlen(err->msg, sizeof(err->msg));

	check(n < sizeof(err->msg));
	check(memchr(err->msg, '\n', n) == NULL);
	check(d->status == SMTP_ETEMP || d->status == SMTP_EPERM);
	check(d->state == SMTP_ST_READY || d->state == SMTP_ST_DEAD);
}

static void new_session(struct smtp_dlg *d, uint8_t cfg)
{
	memset(d, 0, sizeof(*d));
	d->tls = (enum smtp_tls)(cfg % 3);
	d->auth = (enum smtp_auth)((cfg >> 2) % 4);
	d->auth_cleartext = (cfg >> 4) & 1;
	d->tls_active = d->tls == SMTP_TLS_SMTPS;
	smtp_dlg_set_state(d, SMTP_ST_GREETING);
}

/* One reply to the dialogue; returns false when the session is over. */
static bool drive(struct smtp_dlg *d, const struct smtp_reply *r, bool *opened)
{
	struct smtp_err err;
	enum smtp_action a;

	memset(&err, 0, sizeof(err));
	a = smtp_dlg_next(d, r, &err);
	check(d->state < SMTP_ST_COUNT);
	switch (a) {
	case SMTP_ACT_AUTH:
	case SMTP_ACT_AUTH_STEP:
		/* The security contract: no password in the clear (CRAM-MD5
		 * sends none, only a keyed hash of the challenge). */
		check(d->tls_active || d->auth_cleartext || smtp_auth_challenge_response(d->auth));
		check(d->auth != SMTP_AUTH_NONE);
		check(!*opened);
		return true;
	case SMTP_ACT_READY:
		check(!*opened);
		check(d->tls != SMTP_TLS_STARTTLS || d->tls_active);
		check(d->auth == SMTP_AUTH_NONE || d->authed);
		*opened = true;
		/* smtp_send: MAIL first, pipelined when the server said so. */
		d->pipelined = d->caps.pipelining;
		smtp_dlg_set_state(d, SMTP_ST_MAIL);
		return true;
	case SMTP_ACT_SENT:
		check(*opened);
		smtp_dlg_set_state(d, SMTP_ST_RSET); /* the next mail */
		return true;
	case SMTP_ACT_FAIL:
		check_err(d, &err);
		if (d->state == SMTP_ST_DEAD || !*opened)
			return false;
		smtp_dlg_set_state(d, SMTP_ST_RSET);
		return true;
	case SMTP_ACT_CLOSE:
		return false;
	default:
		return true;
	}
}

static void run_dialogue(const struct run *run, uint8_t cfg)
{
	struct smtp_dlg d;
	bool opened = false;
	struct smtp_reply r;

	new_session(&d, cfg);
	for (size_t i = 0; i < run->n; i++) {
		if (run->r[i].st != SMTP_RP_DONE)
			return; /* client.c drops the connection on a malformed reply */
		r.code = run->r[i].code;
		r.nlines = run->r[i].nlines;
		r.len = run->r[i].len;
		memcpy(r.text, run->r[i].text, r.len + 1);
		if (!drive(&d, &r, &opened)) {
			new_session(&d, cfg);
			opened = false;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run whole, chunked; /* large: not on the stack */
	const char *buf;
	uint32_t seed;

	if (size < 1)
		return 0;
	seed = 0x9e3779b9u ^ ((uint32_t)data[0] << 8) ^ (uint32_t)size;
	buf = (const char *)data + 1;
	parse_all(buf, size - 1, 0, &whole);
	parse_all(buf, size - 1, seed ? seed : 1, &chunked);
	compare(&whole, &chunked);
	run_dialogue(&whole, data[0]);
	return 0;
}
