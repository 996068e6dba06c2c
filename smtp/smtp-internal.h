/*
 * smtp/smtp-internal.h: the pure pieces of the SMTP client, private to smtp/
 * and its unit tests.  Nothing here touches a socket, a clock or a file:
 *   - the reply parser (fed bytes as they arrive, one reply at a time),
 *   - the EHLO capability parser,
 *   - the dialogue: states, one setter, and smtp_dlg_next() which takes a
 *     parsed reply and says what to do next,
 *   - SASL message builders (RFC 4616 PLAIN, LOGIN, RFC 2195 CRAM-MD5,
 *     Google's XOAUTH2, RFC 7628 OAUTHBEARER and its error challenge),
 *   - dot-stuffing and the header encoders used by smtp_compose.
 */
#ifndef LOGMAIL_SMTP_INTERNAL_H
#define LOGMAIL_SMTP_INTERNAL_H

#include "smtp/smtp.h"

/* ---- Replies ------------------------------------------------------------ */

#define SMTP_LINE_MAX  512  /* RFC 5321 4.5.3.1.5, CRLF included */
#define SMTP_REPLY_MAX 2048 /* text kept from one (multi-line) reply */
#define SMTP_AUTH_LINE_MAX 12288 /* RFC 4954 4: the longest AUTH command line */

/* One complete reply.  text holds its lines as received (code included,
 * CRLF stripped), separated by '\n'; lines longer than SMTP_LINE_MAX and
 * text beyond SMTP_REPLY_MAX are truncated, not refused. */
struct smtp_reply {
	int code;
	unsigned nlines;
	size_t len;
	char text[SMTP_REPLY_MAX];
};

struct smtp_rparser {
	struct smtp_reply r;
	char line[SMTP_LINE_MAX + 1];
	size_t linelen;   /* octets kept of the current line */
	size_t linetotal; /* octets seen of the current line */
};

enum smtp_rp_status {
	SMTP_RP_MORE = 0, /* every byte consumed, the reply is not complete */
	SMTP_RP_DONE,     /* a complete reply is in p->r */
	SMTP_RP_BAD,      /* not an SMTP reply line (p->r.text says what came) */
};

void smtp_rparser_init(struct smtp_rparser *p);

/* Feed len bytes.  *used receives how many were consumed: after DONE the
 * rest belongs to the next reply (pipelining), so feed it again after
 * smtp_rparser_init. */
enum smtp_rp_status smtp_rparser_feed(struct smtp_rparser *p, const char *buf, size_t len,
				      size_t *used);

/* One line: "550 5.1.1 unknown user", continuation lines appended after a
 * space without their "550-" and without the first line's enhanced status
 * code when they repeat it; control characters become blanks. */
void smtp_reply_summary(const struct smtp_reply *r, char *out, size_t size);

/* The length of the RFC 3463 enhanced status code ("5.1.1") that s starts
 * with, of the class of reply code (5 for 550), followed by a blank or the
 * end; 0 when there is none. */
size_t smtp_enhanced_code(const char *s, int code);

/* ---- Capabilities ------------------------------------------------------- */

enum {
	SMTP_MECH_PLAIN = 1 << 0,
	SMTP_MECH_LOGIN = 1 << 1,
	SMTP_MECH_CRAMMD5 = 1 << 2,
	SMTP_MECH_XOAUTH2 = 1 << 3,
	SMTP_MECH_OAUTHBEARER = 1 << 4,
};

struct smtp_caps {
	bool esmtp, pipelining, starttls, size, eightbitmime, smtputf8;
	unsigned long size_max; /* 0: no limit announced */
	unsigned auth;          /* SMTP_MECH_* bits */
	char auth_list[128];    /* every mechanism the server named, for messages */
};

/* Fill c from an EHLO reply (c is cleared first). */
void smtp_caps_parse(struct smtp_caps *c, const struct smtp_reply *r);

/* ---- The dialogue ------------------------------------------------------- */

enum smtp_state {
	SMTP_ST_CONNECT,
	SMTP_ST_GREETING,
	SMTP_ST_EHLO,
	SMTP_ST_HELO,
	SMTP_ST_STARTTLS,
	SMTP_ST_AUTH,
	SMTP_ST_READY,
	SMTP_ST_RSET,
	SMTP_ST_MAIL,
	SMTP_ST_RCPT,
	SMTP_ST_DATA,
	SMTP_ST_DOT,
	SMTP_ST_QUIT,
	SMTP_ST_DEAD,
	SMTP_ST_COUNT
};

/* What the driver does next. */
enum smtp_action {
	SMTP_ACT_EHLO,      /* send EHLO */
	SMTP_ACT_HELO,      /* send HELO */
	SMTP_ACT_STARTTLS,  /* send STARTTLS */
	SMTP_ACT_TLS,       /* handshake, forget caps, then EHLO again */
	SMTP_ACT_AUTH,      /* send AUTH <mech> [initial response] */
	SMTP_ACT_AUTH_STEP, /* answer the 334 challenge in the reply */
	SMTP_ACT_READY,     /* the session can send mail */
	SMTP_ACT_MAIL,      /* send MAIL FROM (after RSET) */
	SMTP_ACT_RCPT,      /* send RCPT TO */
	SMTP_ACT_DATA,      /* send DATA */
	SMTP_ACT_WAIT,      /* already sent (pipelined): read the next reply */
	SMTP_ACT_BODY,      /* send the dot-stuffed message */
	SMTP_ACT_SENT,      /* the message was accepted */
	SMTP_ACT_CLOSE,     /* QUIT answered */
	SMTP_ACT_FAIL,      /* err filled; status in d->status */
};

struct smtp_dlg {
	enum smtp_state state;
	struct smtp_caps caps;
	enum smtp_tls tls;
	enum smtp_auth auth;
	bool auth_cleartext;
	bool tls_active;   /* the connection is encrypted now */
	bool tls_verified; /* ...and the server's certificate and name were verified */
	bool tls_declined; /* opportunistic STARTTLS (tls unset) refused: go on in clear */
	bool authed;
	bool pipelined; /* the current MAIL/RCPT/DATA went out in one write */
	unsigned auth_step;
	/* XOAUTH2, OAUTHBEARER: the error the server sent in a 334 before its
	 * final refusal (RFC 7628 3.2.2), as smtp_oauth_error put it; "" */
	char auth_detail[200];
	enum smtp_status status; /* after SMTP_ACT_FAIL */
};

extern const char *const smtp_state_names[SMTP_ST_COUNT];

/* The only way to change the dialogue's state. */
void smtp_dlg_set_state(struct smtp_dlg *d, enum smtp_state s);

/* Given the reply r to what was sent in d->state, decide the next action,
 * moving d to its next state.  On SMTP_ACT_FAIL err->msg names the stage and
 * the reply (or the local refusal) and d->status holds ETEMP or EPERM. */
enum smtp_action smtp_dlg_next(struct smtp_dlg *d, const struct smtp_reply *r,
			       struct smtp_err *err);

/* After EHLO/HELO succeeded: STARTTLS, AUTH or READY (or FAIL when the
 * configuration cannot be met by this server). */
enum smtp_action smtp_dlg_after_hello(struct smtp_dlg *d, struct smtp_err *err);

const char *smtp_auth_name(enum smtp_auth a);

/* true for XOAUTH2 and OAUTHBEARER, whose credential is an access token. */
bool smtp_auth_oauth(enum smtp_auth a);

/* true for a mechanism that never sends the password itself (CRAM-MD5):
 * allowed on an unencrypted connection without auth_cleartext. */
bool smtp_auth_challenge_response(enum smtp_auth a);

/* How one message goes to a server with capabilities k. */
struct smtp_plan {
	bool smtputf8;      /* an address is not ASCII: MAIL FROM ... SMTPUTF8 */
	bool body_8bitmime; /* 8-bit octets, offered 8BITMIME: BODY=8BITMIME */
	bool downgrade;     /* 8-bit octets, no 8BITMIME: re-encode the body
			     * (smtp_downgrade_body) before sending */
};

/* Decide plan for sending msg from -> to: SMTP_EINVAL for a missing or bad
 * address, SMTP_EPERM (err says which address) for a non-ASCII address to
 * a server without SMTPUTF8, which is then not sent at all. */
enum smtp_status smtp_plan_message(const struct smtp_caps *k, const char *from, const char *to,
				   const char *msg, size_t len, struct smtp_plan *plan,
				   struct smtp_err *err);

/* ---- This host's name (host.c) ------------------------------------------ */

struct sockaddr;

/* A name with a dot, not all digits, not "localhost.localdomain". */
bool smtp_is_fqdn(const char *name);

/* RFC 5321 4.1.3: "[192.0.2.1]" or "[IPv6:2001:db8::1]" (a v4-mapped IPv6
 * address as IPv4).  Returns the length, or -1 for another family or when
 * out is too small. */
int smtp_address_literal(const struct sockaddr *sa, char *out, size_t size);

/* ---- SASL --------------------------------------------------------------- */

/* Base64 of src into out (NUL-terminated); -1 when out is too small. */
int smtp_b64_encode(const void *src, size_t len, char *out, size_t size);
/* Decode NUL-terminated base64; returns the length or -1. */
int smtp_b64_decode(const char *src, unsigned char *out, size_t size);

/* RFC 4616: base64("\0user\0pass"). */
int smtp_sasl_plain(const char *user, const char *pass, char *out, size_t size);
/* RFC 2195: "user hex(HMAC-MD5(secret, challenge))" (not base64). */
int smtp_cram_md5(const char *user, const char *secret, const char *challenge, char *out,
		  size_t size);
/* The AUTH CRAM-MD5 answer: challenge_b64 as sent after "334 ", answer in
 * base64. */
int smtp_sasl_cram_md5(const char *user, const char *secret, const char *challenge_b64, char *out,
		       size_t size);

/* Google's XOAUTH2 initial response:
 * base64("user=" USER "\1auth=Bearer " TOKEN "\1\1"). */
int smtp_sasl_xoauth2(const char *user, const char *token, char *out, size_t size);
/* RFC 7628 3.1 OAUTHBEARER initial response: base64("n,a=" USER ","
 * "\1host=" HOST "\1port=" PORT "\1auth=Bearer " TOKEN "\1\1"), with ','
 * and '=' in USER as "=2C" and "=3D" (RFC 5801 saslname); without host= and
 * port= when host is NULL.  -1 when out is too small or the token holds a
 * character RFC 6750's b64token does not allow (it would end the field). */
int smtp_sasl_oauthbearer(const char *user, const char *host, unsigned port, const char *token,
			  char *out, size_t size);
/* The client's answer to the error challenge of RFC 7628 3.2.2, after which
 * the server sends its final refusal: "AQ==" (base64 of %x01) for
 * OAUTHBEARER, an empty line for XOAUTH2 as Google's description says. */
const char *smtp_sasl_oauth_abort(enum smtp_auth a);
/* The error challenge (base64 of a JSON object, RFC 7628 3.2.2) in one line
 * of out: its "status" ("invalid_token", or Google's "401" as "status 401"),
 * then "(scope S)" when it names one.  Returns the length, or -1 (out "")
 * when it is not such an object. */
int smtp_oauth_error(const char *challenge_b64, char *out, size_t size);

/* ---- Message helpers ---------------------------------------------------- */

/* Dot-stuff msg (RFC 5321 4.5.2), make every line end in CRLF and append
 * ".\r\n".  *out is malloc'd and NUL-terminated (NULL on ENOMEM). */
enum smtp_status smtp_dot_stuff(const char *msg, size_t len, char **out, size_t *outlen);

/* true when s has a CR or LF. */
bool smtp_has_crlf(const char *s);

/* true when s[0..len) has an octet above 127. */
bool smtp_has_8bit(const char *s, size_t len);

/* For a server without 8BITMIME (RFC 6152): msg (a composed message, CRLF)
 * with its body re-encoded as quoted-printable (RFC 2045 6.7; CRLF stays a
 * line break, lines of at most 76 octets) and its Content-Transfer-Encoding
 * header saying so; a body that is ASCII already is kept and labelled 7bit.
 * Headers are kept as they are (smtp_compose encodes the subject).  *out is
 * malloc'd and NUL-terminated; SMTP_ENOMEM or SMTP_OK. */
enum smtp_status smtp_downgrade_body(const char *msg, size_t len, char **out, size_t *outlen);

/* Append "Subject: ..." (folded, RFC 2047 when not printable ASCII) and CRLF
 * to out (size bytes).  Returns the length written or -1 when too small. */
int smtp_subject_header(const char *subject, char *out, size_t size);

#endif
