/*
 * smtp/client.c: the SMTP client's I/O: connect (every address, with a
 * timeout), TLS (OpenSSL, verified by default), reading replies with
 * per-command timeouts, and writing each command, pipelined group and DATA
 * block in one write on a TCP_NODELAY socket (DESIGN.md: the Nagle stall).
 * What to send next is decided by the pure dialogue in dialogue.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "smtp/smtp-internal.h"

#define CONNECT_TIMEOUT 30
#define QUIT_TIMEOUT_MS 1000

struct smtp_client {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	struct smtp_dlg d;
	unsigned timeout_sec;
	smtp_transcript_fn transcript;
	void *transcript_arg;
	smtp_event_fn event; /* the `debug mail` lines (smtp.h) */
	void *event_arg;
	bool (*cancelled)(void *arg);
	void *cancel_arg;
	const char *user; /* borrowed from the params, for those lines */
	bool told;        /* the failure at hand has had its line */
	bool token_fresh; /* the server refused the first token: a fresh one was asked */
	bool tls_failed;  /* opportunistic STARTTLS (tls unset) failed: try the clear */
	/* A transaction was started and did not end with the server's 2xx to
	 * the data: RSET before the next.  After that 2xx the server has
	 * already reset (RFC 5321 4.1.1.4), so an RSET would only cost a round
	 * trip per mail. */
	bool txn;
	unsigned pending;            /* replies still owed for commands already sent */
	char peer[INET6_ADDRSTRLEN]; /* the server's address, numeric */
	char helo[256];              /* the EHLO/HELO argument */
	struct smtp_rparser rp;
	char in[4096];
	size_t inpos, inlen;
};

/* RFC 5321 4.5.3.2, in seconds, for the reply to what was sent in state. */
static unsigned state_timeout(const struct smtp_client *c, enum smtp_state s)
{
	unsigned t;

	switch (s) {
	case SMTP_ST_CONNECT:
		t = CONNECT_TIMEOUT;
		break;
	case SMTP_ST_DATA:
		t = 120;
		break;
	case SMTP_ST_DOT:
		t = 600;
		break;
	default: /* greeting, MAIL, RCPT and the rest: 5 minutes */
		t = 300;
		break;
	}
	if (c->timeout_sec && c->timeout_sec < t)
		t = c->timeout_sec;
	return t;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void say(struct smtp_client *c, char dir, const char *line)
{
	if (c->transcript)
		c->transcript(c->transcript_arg, dir, line);
}

static void event(struct smtp_client *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void event(struct smtp_client *c, const char *fmt, ...)
{
	char line[SMTP_REPLY_MAX];
	va_list ap;

	if (!c->event)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	c->event(c->event_arg, line);
}

/* err's message without the "AUTH: " of the stage it names, for the guide's
 * lines that name the stage themselves ("Authentication failed [fred]: 535
 * 5.7.8 ..."). */
static const char *reply_of(const struct smtp_err *err, enum smtp_state at)
{
	size_t n = strlen(smtp_state_names[at]);

	if (strncmp(err->msg, smtp_state_names[at], n) == 0 && strncmp(err->msg + n, ": ", 2) == 0)
		return err->msg + n + 2;
	return err->msg;
}

static enum smtp_status fail(struct smtp_client *c, struct smtp_err *err, enum smtp_status st,
			     const char *fmt, ...)
{
	va_list ap;

	err->code = 0;
	err->auth_refused = false;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (st == SMTP_ETEMP)
		smtp_dlg_set_state(&c->d, SMTP_ST_DEAD);
	return st;
}

static const char *stage(const struct smtp_client *c)
{
	return smtp_state_names[c->d.state];
}

/* The cancel function (smtp_params.cancelled) said to give up. */
static enum smtp_status interrupted(struct smtp_client *c, struct smtp_err *err)
{
	return fail(c, err, SMTP_ETEMP, "%s: interrupted", stage(c));
}

static const char *tls_error(void)
{
	unsigned long e = ERR_get_error();

	return e ? ERR_reason_error_string(e) ? ERR_reason_error_string(e) : "TLS error"
		 : "connection closed";
}

/* ---- Waiting and raw I/O ------------------------------------------------ */

enum { WAIT_TIMEOUT = -1, WAIT_CANCELLED = -2 };

/* 0 when fd is ready for events before deadline, else WAIT_TIMEOUT or
 * WAIT_CANCELLED (c's cancel function said so, asked before each poll and
 * after a signal). */
static int wait_fd(const struct smtp_client *c, int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = events};
		int64_t left = deadline - now_ms();
		int r;

		if (c->cancelled != NULL && c->cancelled(c->cancel_arg))
			return WAIT_CANCELLED;
		if (left <= 0)
			return WAIT_TIMEOUT;
		r = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return WAIT_TIMEOUT;
	}
}

/* SSL_write may raise SIGPIPE on a closed socket; rsyslogd ignores it but a
 * CLI may not, and a library must not change the process's handlers: block
 * it in this thread and swallow a pending one. */
static int ssl_write_nosig(SSL *ssl, const char *buf, int len)
{
	sigset_t pipe, old;
	int r;

	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe, &old);
	r = SSL_write(ssl, buf, len);
	if (r <= 0) {
		struct timespec zero = {0, 0};
		sigset_t pending;

		sigpending(&pending);
		if (sigismember(&pending, SIGPIPE) && !sigismember(&old, SIGPIPE))
			sigtimedwait(&pipe, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

/* Write all of buf; the timeout restarts whenever the peer takes data. */
static enum smtp_status write_all(struct smtp_client *c, const char *buf, size_t len,
				  unsigned timeout, struct smtp_err *err)
{
	while (len > 0) {
		short ev = POLLOUT;
		int w;
		ssize_t n;

		if (c->ssl) {
			int r, e;

			ERR_clear_error();
			r = ssl_write_nosig(c->ssl, buf, len > 0x40000000 ? 0x40000000 : (int)len);
			if (r > 0) {
				n = r;
			} else {
				e = SSL_get_error(c->ssl, r);
				if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
					return fail(c, err, SMTP_ETEMP, "%s: TLS write failed: %s",
						    stage(c), tls_error());
				ev = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
				n = 0;
			}
		} else {
			n = send(c->fd, buf, len, MSG_NOSIGNAL);
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				return fail(c, err, SMTP_ETEMP, "%s: write failed: %s", stage(c),
					    strerror(errno));
			if (n < 0)
				n = 0;
		}
		buf += n;
		len -= (size_t)n;
		if (len == 0 || n > 0)
			continue;
		w = wait_fd(c, c->fd, ev, now_ms() + (int64_t)timeout * 1000);
		if (w == WAIT_CANCELLED)
			return interrupted(c, err);
		if (w < 0)
			return fail(c, err, SMTP_ETEMP,
				    "%s: timeout after %u s writing to the server", stage(c),
				    timeout);
	}
	return SMTP_OK;
}

/* Read what is available into c->in (which the caller has emptied). */
static enum smtp_status read_some(struct smtp_client *c, int64_t deadline, unsigned timeout,
				  struct smtp_err *err)
{
	for (;;) {
		short ev = POLLIN;
		int w;
		ssize_t n;

		if (c->ssl) {
			int r, e;

			ERR_clear_error();
			r = SSL_read(c->ssl, c->in, sizeof(c->in));
			if (r > 0) {
				n = r;
			} else {
				e = SSL_get_error(c->ssl, r);
				if (e == SSL_ERROR_ZERO_RETURN ||
				    (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0))
					return fail(c, err, SMTP_ETEMP,
						    "%s: connection closed by the server",
						    stage(c));
				if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
					return fail(c, err, SMTP_ETEMP, "%s: TLS read failed: %s",
						    stage(c), tls_error());
				ev = e == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN;
				n = -1;
				errno = EAGAIN;
			}
		} else {
			n = recv(c->fd, c->in, sizeof(c->in), 0);
			if (n == 0)
				return fail(c, err, SMTP_ETEMP,
					    "%s: connection closed by the server", stage(c));
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				return fail(c, err, SMTP_ETEMP, "%s: read failed: %s", stage(c),
					    strerror(errno));
		}
		if (n > 0) {
			c->inpos = 0;
			c->inlen = (size_t)n;
			return SMTP_OK;
		}
		w = wait_fd(c, c->fd, ev, deadline);
		if (w == WAIT_CANCELLED)
			return interrupted(c, err);
		if (w < 0)
			return fail(c, err, SMTP_ETEMP, "%s: no reply from the server within %u s",
				    stage(c), timeout);
	}
}

static void transcript_reply(struct smtp_client *c, const struct smtp_reply *r)
{
	const char *s = r->text;
	char line[SMTP_REPLY_MAX];

	if (!c->transcript)
		return;
	while (*s) {
		size_t n = strcspn(s, "\n");

		/* The server's 334 challenges are shown (LOGIN's prompts, CRAM-MD5's
		 * nonce): they hold no credential; our answers are "***". */
		snprintf(line, sizeof(line), "%.*s", (int)n, s);
		say(c, 'S', line);
		s += n;
		if (*s)
			s++;
	}
}

/* Read one complete reply into *r, within the current state's timeout
 * (or timeout_ms when not 0). */
static enum smtp_status read_reply_in(struct smtp_client *c, struct smtp_reply *r, int timeout_ms,
				      struct smtp_err *err)
{
	unsigned t = state_timeout(c, c->d.state);
	int64_t deadline = now_ms() + (timeout_ms ? timeout_ms : (int64_t)t * 1000);
	enum smtp_status st;

	smtp_rparser_init(&c->rp);
	for (;;) {
		size_t used = 0;
		enum smtp_rp_status rs;

		if (c->inpos == c->inlen) {
			st = read_some(c, deadline, t, err);
			if (st != SMTP_OK)
				return st;
		}
		rs = smtp_rparser_feed(&c->rp, c->in + c->inpos, c->inlen - c->inpos, &used);
		c->inpos += used;
		if (rs == SMTP_RP_DONE)
			break;
		if (rs == SMTP_RP_BAD) {
			say(c, 'S', c->rp.r.text);
			return fail(c, err, SMTP_ETEMP,
				    "%s: malformed reply from the server: %.200s", stage(c),
				    c->rp.r.text);
		}
	}
	*r = c->rp.r;
	transcript_reply(c, r);
	if (c->pending > 0)
		c->pending--;
	return SMTP_OK;
}

static enum smtp_status read_reply(struct smtp_client *c, struct smtp_reply *r,
				   struct smtp_err *err)
{
	return read_reply_in(c, r, 0, err);
}

/* The message itself is not copied into the transcript (a digest can be
 * large and is in the spool anyway): one line says what went. */
static void transcript_body(struct smtp_client *c, size_t bodylen, const struct smtp_plan *plan)
{
	char line[120];

	snprintf(line, sizeof(line), "<message, %zu octets dot-stuffed%s>", bodylen - 3,
		 plan->downgrade ? ", body quoted-printable: the server has no 8BITMIME" : "");
	say(c, 'C', line);
	say(c, 'C', ".");
}

/* Send one command line; shown is what the transcript gets (NULL: line). */
static enum smtp_status send_cmd(struct smtp_client *c, const char *line, const char *shown,
				 struct smtp_err *err)
{
	size_t n = strlen(line);
	char buf[SMTP_AUTH_LINE_MAX + 2];
	enum smtp_status st;

	if (n + 3 > sizeof(buf))
		return fail(c, err, SMTP_EINVAL, "%s: command too long", stage(c));
	memcpy(buf, line, n);
	memcpy(buf + n, "\r\n", 2);
	say(c, 'C', shown ? shown : line);
	st = write_all(c, buf, n + 2, state_timeout(c, c->d.state), err);
	explicit_bzero(buf, sizeof(buf));
	if (st == SMTP_OK)
		c->pending++;
	return st;
}

/* ---- Connecting --------------------------------------------------------- */

static int connect_one(const struct smtp_client *c, const struct addrinfo *ai, unsigned timeout,
		       int *error)
{
	int fd, r, one = 1;
	socklen_t len = sizeof(*error);

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0) {
		*error = errno;
		return -1;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS) {
			*error = errno;
			goto fail;
		}
		r = wait_fd(c, fd, POLLOUT, now_ms() + (int64_t)timeout * 1000);
		if (r < 0) {
			*error = r == WAIT_CANCELLED ? EINTR : ETIMEDOUT;
			goto fail;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, error, &len) < 0 || *error != 0)
			goto fail;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
fail:
	close(fd);
	return -1;
}

/* Append "ADDR: why" for one address that failed to the list in out. */
static void note_attempt(char *out, size_t size, const struct addrinfo *ai, int error)
{
	char addr[INET6_ADDRSTRLEN] = "?";
	size_t n = strlen(out);

	getnameinfo(ai->ai_addr, ai->ai_addrlen, addr, sizeof(addr), NULL, 0, NI_NUMERICHOST);
	if (n + 1 < size)
		snprintf(out + n, size - n, "%s%s: %s", n ? "; " : "", addr, strerror(error));
}

/* Try each address of p->host in getaddrinfo's order (RFC 6724), until one
 * answers.  No AI_ADDRCONFIG: it hides ::1 on a host whose only IPv6
 * address is the loopback, and the RFC 6724 order already puts the
 * addresses this host cannot reach last, where they fail at once. */
static enum smtp_status connect_any(struct smtp_client *c, const struct smtp_params *p,
				    unsigned port, struct smtp_err *err)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM};
	struct addrinfo *res = NULL, *ai;
	char service[16], tried[384] = "";
	int r, error = 0;
	unsigned n = 0;

	snprintf(service, sizeof(service), "%u", port);
	r = getaddrinfo(p->host, service, &hints, &res);
	if (r != 0)
		return fail(c, err, SMTP_ETEMP, "connect: cannot resolve %s: %s", p->host,
			    r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
	for (ai = res; ai && c->fd < 0; ai = ai->ai_next, n++) {
		c->fd = connect_one(c, ai, state_timeout(c, SMTP_ST_CONNECT), &error);
		if (c->fd < 0 && error == EINTR)
			break;
		if (c->fd < 0)
			note_attempt(tried, sizeof(tried), ai, error);
		else
			getnameinfo(ai->ai_addr, ai->ai_addrlen, c->peer, sizeof(c->peer), NULL, 0,
				    NI_NUMERICHOST);
	}
	freeaddrinfo(res);
	if (c->fd >= 0)
		return SMTP_OK;
	if (error == EINTR)
		return interrupted(c, err);
	if (n == 1)
		return fail(c, err, SMTP_ETEMP, "connect: cannot connect to %s port %u: %s",
			    p->host, port, strerror(error));
	return fail(c, err, SMTP_ETEMP, "connect: cannot connect to %s port %u (%s)", p->host, port,
		    tried);
}

/* RFC 5321 4.1.4: the configured name, else this host's fully qualified
 * name, else an address literal of this end of the connection. */
static void choose_helo(struct smtp_client *c, const struct smtp_params *p)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (smtp_local_domain(p->helo_name, c->helo, sizeof(c->helo)))
		return;
	if (getsockname(c->fd, (struct sockaddr *)&ss, &len) == 0)
		smtp_address_literal((struct sockaddr *)&ss, c->helo, sizeof(c->helo));
}

const char *smtp_peer(const struct smtp_client *c)
{
	return c ? c->peer : "";
}

void smtp_tls_describe(const struct smtp_client *c, char *buf, size_t size)
{
	const SSL_CIPHER *cipher;

	if (!c || !c->ssl || !c->d.tls_active) {
		snprintf(buf, size, "none");
		return;
	}
	cipher = SSL_get_current_cipher(c->ssl);
	snprintf(buf, size, "%s %s, %s %s", c->d.tls == SMTP_TLS_SMTPS ? "implicit TLS" : "STARTTLS",
		 c->d.tls_verified ? "verified" : "unverified", SSL_get_version(c->ssl),
		 cipher ? SSL_CIPHER_get_name(cipher) : "?");
}

/* ---- TLS ---------------------------------------------------------------- */

static enum smtp_status tls_setup(struct smtp_client *c, const struct smtp_params *p, bool is_ip,
				  struct smtp_err *err)
{
	c->ctx = SSL_CTX_new(TLS_client_method());
	if (!c->ctx || !SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION))
		return fail(c, err, SMTP_ETEMP, "TLS: cannot set up OpenSSL: %s", tls_error());
	/* Verified whenever tls_verify says so; the handshake fails on an
	 * unverified server only when TLS was configured.  Opportunistic
	 * STARTTLS (tls unset) goes on and notes the result (tls_verified). */
	if (p->tls_verify) {
		if (p->tls != SMTP_TLS_NONE)
			SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
		if (p->ca_file ? !SSL_CTX_load_verify_locations(c->ctx, p->ca_file, NULL)
			       : !SSL_CTX_set_default_verify_paths(c->ctx))
			return fail(
			    c, err, SMTP_ETEMP, "TLS: cannot load the CA certificates%s%s: %s",
			    p->ca_file ? " from " : "", p->ca_file ? p->ca_file : "", tls_error());
	}
	c->ssl = SSL_new(c->ctx);
	if (!c->ssl || !SSL_set_fd(c->ssl, c->fd))
		return fail(c, err, SMTP_ETEMP, "TLS: cannot set up OpenSSL: %s", tls_error());
	if (!is_ip)
		SSL_set_tlsext_host_name(c->ssl, p->host);
	if (p->tls_verify) {
		X509_VERIFY_PARAM *vp = SSL_get0_param(c->ssl);
		int ok;

		X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(vp, p->host)
			   : X509_VERIFY_PARAM_set1_host(vp, p->host, 0);
		if (!ok)
			return fail(c, err, SMTP_ETEMP, "TLS: cannot check the name %s", p->host);
	}
	return SMTP_OK;
}

static enum smtp_status tls_start(struct smtp_client *c, const struct smtp_params *p,
				  struct smtp_err *err)
{
	struct in6_addr a6;
	bool is_ip =
	    inet_pton(AF_INET, p->host, &a6) == 1 || inet_pton(AF_INET6, p->host, &a6) == 1;
	unsigned t = state_timeout(c, SMTP_ST_GREETING);
	int64_t deadline = now_ms() + (int64_t)t * 1000;
	enum smtp_status st;

	/* Nothing read in the clear may be taken as said under TLS. */
	c->inpos = c->inlen = 0;
	st = tls_setup(c, p, is_ip, err);
	if (st != SMTP_OK)
		return st;
	for (;;) {
		int r, e;
		long v;

		ERR_clear_error();
		r = SSL_connect(c->ssl);
		if (r == 1)
			break;
		e = SSL_get_error(c->ssl, r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			int w = wait_fd(c, c->fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT,
					deadline);

			if (w == WAIT_CANCELLED)
				return interrupted(c, err);
			if (w < 0)
				return fail(c, err, SMTP_ETEMP, "TLS: handshake timeout after %u s",
					    t);
			continue;
		}
		v = SSL_get_verify_result(c->ssl);
		if (v != X509_V_OK)
			return fail(c, err, SMTP_ETEMP, "TLS: certificate of %s not accepted: %s",
				    p->host, X509_verify_cert_error_string(v));
		return fail(c, err, SMTP_ETEMP, "TLS: handshake with %s failed: %s", p->host,
			    tls_error());
	}
	c->d.tls_active = true;
	c->d.tls_verified = p->tls_verify && SSL_get_verify_result(c->ssl) == X509_V_OK &&
			    SSL_get0_peer_certificate(c->ssl) != NULL;
	event(c, "TLS session with %s (certificate %s)", p->host,
	      c->d.tls_verified ? "verified" : "not verified");
	return SMTP_OK;
}

/* ---- AUTH --------------------------------------------------------------- */

static unsigned default_port(enum smtp_tls tls)
{
	return tls == SMTP_TLS_SMTPS ? 465 : tls == SMTP_TLS_STARTTLS ? 587 : 25;
}


/* XOAUTH2, OAUTHBEARER: the access token from p->token (a fresh one when
 * the server refused the first), else the password. */
static enum smtp_status oauth_token(struct smtp_client *c, const struct smtp_params *p, char *out,
				    size_t size, struct smtp_err *err)
{
	enum smtp_status st;

	if (!p->token) {
		if (snprintf(out, size, "%s", p->password ? p->password : "") >= (int)size)
			return fail(c, err, SMTP_EPERM, "AUTH: the access token is too long");
		return SMTP_OK;
	}
	st = p->token(p->token_arg, c->token_fresh, out, size, err);
	if (st == SMTP_OK)
		return SMTP_OK;
	/* Nothing was sent: the session is in step and QUIT ends it. */
	err->code = 0;
	err->auth_refused = false;
	event(c, "Authentication failed [%s]: %s", c->user, err->msg);
	c->told = true;
	smtp_dlg_set_state(&c->d, SMTP_ST_READY);
	return st;
}

/* "AUTH XOAUTH2 <initial response>": the token goes with the command, so
 * no round trip is spent on an empty challenge. */
static enum smtp_status auth_oauth(struct smtp_client *c, const struct smtp_params *p,
				   char *line, size_t size, struct smtp_err *err)
{
	char token[SMTP_TOKEN_MAX], b64[SMTP_AUTH_LINE_MAX];
	const char *user = p->username ? p->username : "";
	const char *mech = smtp_auth_name(p->auth);
	enum smtp_status st;
	int n;

	st = oauth_token(c, p, token, sizeof(token), err);
	if (st != SMTP_OK)
		return st;
	if (p->auth == SMTP_AUTH_XOAUTH2)
		n = smtp_sasl_xoauth2(user, token, b64, sizeof(b64));
	else
		n = smtp_sasl_oauthbearer(user, p->host,
					  p->port ? p->port : default_port(p->tls), token, b64,
					  sizeof(b64));
	explicit_bzero(token, sizeof(token));
	if (n < 0)
		st = fail(c, err, SMTP_EPERM,
			  "AUTH: the access token is too long or not a bearer token "
			  "(RFC 6750 b64token)");
	else if (snprintf(line, size, "AUTH %s %s", mech, b64) >= (int)size)
		st = fail(c, err, SMTP_EPERM, "AUTH: the access token is too long");
	else {
		char shown[32];

		snprintf(shown, sizeof(shown), "AUTH %s ***", mech);
		st = send_cmd(c, line, shown, err);
	}
	explicit_bzero(b64, sizeof(b64));
	return st;
}

static enum smtp_status auth_send(struct smtp_client *c, const struct smtp_params *p,
				  const struct smtp_reply *r, struct smtp_err *err)
{
	const char *user = p->username ? p->username : "";
	const char *pass = p->password ? p->password : "";
	char line[SMTP_AUTH_LINE_MAX], b64[SMTP_LINE_MAX * 2];
	enum smtp_status st = SMTP_OK;
	int n = 0;

	line[0] = '\0';
	if (!r && smtp_auth_oauth(p->auth)) {
		st = auth_oauth(c, p, line, sizeof(line), err);
	} else if (!r) { /* the AUTH command itself */
		if (p->auth == SMTP_AUTH_PLAIN) {
			n = smtp_sasl_plain(user, pass, b64, sizeof(b64));
			if (n >= 0) {
				snprintf(line, sizeof(line), "AUTH PLAIN %s", b64);
				st = send_cmd(c, line, "AUTH PLAIN ***", err);
			}
		} else {
			snprintf(line, sizeof(line), "AUTH %s", smtp_auth_name(p->auth));
			st = send_cmd(c, line, NULL, err);
		}
	} else if (smtp_auth_oauth(p->auth) && c->d.auth_step == 1) {
		/* RFC 7628 3.2.2: answer the error so the server ends the
		 * exchange with its final reply.  Holds no secret. */
		return send_cmd(c, smtp_sasl_oauth_abort(p->auth), NULL, err);
	} else if (p->auth == SMTP_AUTH_CRAMMD5 && c->d.auth_step == 1) {
		const char *chal = r->len > 4 ? r->text + 4 : "";

		n = smtp_sasl_cram_md5(user, pass, chal, line, sizeof(line));
	} else if (p->auth == SMTP_AUTH_LOGIN) {
		const char *what = c->d.auth_step == 1 ? user : pass;

		n = smtp_b64_encode(what, strlen(what), line, sizeof(line));
	} else if (p->auth == SMTP_AUTH_PLAIN && c->d.auth_step == 1) {
		n = smtp_sasl_plain(user, pass, line, sizeof(line));
	} else {
		snprintf(line, sizeof(line), "*"); /* cancel: RFC 4954 4 */
	}
	if (r && n >= 0)
		st = send_cmd(c, line, "***", err);
	explicit_bzero(line, sizeof(line));
	explicit_bzero(b64, sizeof(b64));
	if (n < 0)
		return fail(c, err, SMTP_EPERM, "AUTH: credentials or challenge too long");
	return st;
}

/* The server refused a token that p->token gave: ask it once more for a
 * fresh one (a cached token may have been revoked or expired early) and
 * try AUTH again in the same session (RFC 4954 allows it after a failure). */
static bool retry_with_fresh_token(struct smtp_client *c, const struct smtp_params *p,
				   const struct smtp_err *err)
{
	if (!smtp_auth_oauth(p->auth) || !p->token || c->token_fresh || !err->auth_refused ||
	    c->d.status != SMTP_EPERM || c->d.state != SMTP_ST_READY)
		return false;
	c->token_fresh = true;
	return true;
}

/* ---- Opening ------------------------------------------------------------ */

static enum smtp_status send_hello(struct smtp_client *c, const char *verb, struct smtp_err *err)
{
	char line[300];

	snprintf(line, sizeof(line), "%s %s", verb, c->helo);
	return send_cmd(c, line, NULL, err);
}

/* Run the dialogue from the greeting to READY. */
static enum smtp_status open_dialogue(struct smtp_client *c, const struct smtp_params *p,
				      struct smtp_err *err)
{
	struct smtp_reply r;
	enum smtp_status st;

	smtp_dlg_set_state(&c->d, SMTP_ST_GREETING);
	for (;;) {
		bool in_auth = c->d.state == SMTP_ST_AUTH;
		enum smtp_action act;

		st = read_reply(c, &r, err);
		if (st != SMTP_OK)
			return st;
		act = smtp_dlg_next(&c->d, &r, err);
		if (in_auth && (act == SMTP_ACT_READY || act == SMTP_ACT_FAIL)) {
			if (act == SMTP_ACT_READY)
				event(c, "Authentication succeeded [%s]", c->user);
			else
				event(c, "Authentication failed [%s]: %s", c->user,
				      reply_of(err, SMTP_ST_AUTH));
			c->told = act == SMTP_ACT_FAIL;
			if (act == SMTP_ACT_FAIL && retry_with_fresh_token(c, p, err))
				act = smtp_dlg_after_hello(&c->d, err);
		}
		switch (act) {
		case SMTP_ACT_EHLO:
			st = send_hello(c, "EHLO", err);
			break;
		case SMTP_ACT_HELO:
			st = send_hello(c, "HELO", err);
			break;
		case SMTP_ACT_STARTTLS:
			st = send_cmd(c, "STARTTLS", NULL, err);
			break;
		case SMTP_ACT_TLS:
			st = tls_start(c, p, err);
			if (st == SMTP_OK)
				st = send_hello(c, "EHLO", err);
			c->tls_failed = st == SMTP_ETEMP && p->tls == SMTP_TLS_NONE;
			break;
		case SMTP_ACT_AUTH:
			st = auth_send(c, p, NULL, err);
			break;
		case SMTP_ACT_AUTH_STEP:
			st = auth_send(c, p, &r, err);
			break;
		case SMTP_ACT_READY:
			return SMTP_OK;
		case SMTP_ACT_FAIL:
			return c->d.status;
		default:
			return fail(c, err, SMTP_ETEMP, "%s: unexpected reply %d", stage(c),
				    r.code);
		}
		if (st != SMTP_OK)
			return st;
	}
}

/* Free a session's TLS and close its socket, without a word to the server
 * (no SSL_shutdown: a close_notify written to a socket the server closed
 * could raise SIGPIPE). */
static void session_drop(struct smtp_client *c)
{
	SSL_free(c->ssl);
	SSL_CTX_free(c->ctx);
	if (c->fd >= 0)
		close(c->fd);
}

/* The client's settings from p, and nothing of a session. */
static void client_init(struct smtp_client *c, const struct smtp_params *p)
{
	*c = (struct smtp_client){
	    .fd = -1,
	    .timeout_sec = p->timeout_sec,
	    .transcript = p->transcript,
	    .transcript_arg = p->transcript_arg,
	    .event = p->event,
	    .event_arg = p->event_arg,
	    .cancelled = p->cancelled,
	    .cancel_arg = p->cancel_arg,
	    .user = p->username ? p->username : "",
	};
	c->d.tls = p->tls;
	c->d.auth = p->auth;
	c->d.auth_cleartext = p->auth_cleartext;
	smtp_dlg_set_state(&c->d, SMTP_ST_CONNECT);
}

/* Connect, then greeting, EHLO, TLS and AUTH, up to the first MAIL. */
static enum smtp_status session_open(struct smtp_client *c, const struct smtp_params *p,
				     struct smtp_err *err)
{
	unsigned port = p->port ? p->port : default_port(p->tls);
	enum smtp_status st;

	event(c, "Creating connection to host (%s:%u)", p->host, port);
	st = connect_any(c, p, port, err);
	if (st == SMTP_OK)
		choose_helo(c, p);
	if (st == SMTP_OK && p->tls == SMTP_TLS_SMTPS)
		st = tls_start(c, p, err);
	if (st == SMTP_OK)
		st = open_dialogue(c, p, err);
	if (st != SMTP_OK && !c->told && !c->tls_failed) /* a retry has its own line */
		event(c, "Connection failed (%s:%u): %s", p->host, port, err->msg);
	return st;
}

/* Opportunistic STARTTLS (tls unset) that failed in the handshake or the
 * EHLO after it: a new connection without STARTTLS, as Postfix's `may`
 * does, so that a server with a broken TLS stack still gets the mail (and
 * no credentials: the dialogue sends them only over verified TLS or with
 * allow-cleartext).  Configured TLS never falls back. */
static enum smtp_status session_reopen_clear(struct smtp_client *c, const struct smtp_params *p,
					     struct smtp_err *err)
{
	event(c, "TLS failed (%s): connecting again without STARTTLS, as tls is not configured",
	      err->msg);
	session_drop(c);
	client_init(c, p);
	c->d.tls_declined = true;
	err->code = 0;
	err->msg[0] = '\0';
	return session_open(c, p, err);
}

enum smtp_status smtp_open(struct smtp_client **out, const struct smtp_params *p,
			   struct smtp_err *err)
{
	struct smtp_client *c = calloc(1, sizeof(*c));
	enum smtp_status st;

	*out = NULL;
	err->code = 0;
	err->msg[0] = '\0';
	err->auth_refused = false;
	if (!c) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return SMTP_ENOMEM;
	}
	client_init(c, p);
	if (!p->host || !*p->host) {
		st = fail(c, err, SMTP_EINVAL, "no SMTP server configured");
		goto fail;
	}
	/* The HELO name goes into a command line: nothing may end it early. */
	if (p->helo_name && strpbrk(p->helo_name, " \t\r\n")) {
		st = fail(c, err, SMTP_EINVAL, "the HELO name contains a blank or a line break");
		goto fail;
	}
	st = session_open(c, p, err);
	if (st != SMTP_OK && c->tls_failed)
		st = session_reopen_clear(c, p, err);
	if (st != SMTP_OK)
		goto fail;
	*out = c;
	return SMTP_OK;
fail:
	smtp_close(c); /* QUITs when the session is still in step */
	return st;
}

/* ---- Sending ------------------------------------------------------------ */

/* RFC 1870: a message over the server's announced SIZE is refused for good. */
static enum smtp_status check_size(struct smtp_client *c, size_t len, struct smtp_err *err)
{
	const struct smtp_caps *k = &c->d.caps;

	if (k->size && k->size_max && len > k->size_max) {
		snprintf(err->msg, sizeof(err->msg),
			 "MAIL FROM: message of %zu octets exceeds the server's limit of %lu", len,
			 k->size_max);
		return SMTP_EPERM;
	}
	return SMTP_OK;
}

/* MAIL, RCPT and DATA: one write when the server pipelines. */
static enum smtp_status send_envelope(struct smtp_client *c, const char *from, const char *to,
				      size_t len, const struct smtp_plan *plan,
				      struct smtp_err *err)
{
	const struct smtp_caps *k = &c->d.caps;
	char mail[512], rcpt[512], group[1100];
	enum smtp_status st;

	snprintf(mail, sizeof(mail), "MAIL FROM:<%s>", from);
	if (k->size)
		snprintf(mail + strlen(mail), sizeof(mail) - strlen(mail), " SIZE=%zu", len);
	if (plan->body_8bitmime)
		snprintf(mail + strlen(mail), sizeof(mail) - strlen(mail), " BODY=8BITMIME");
	if (plan->smtputf8)
		snprintf(mail + strlen(mail), sizeof(mail) - strlen(mail), " SMTPUTF8");
	snprintf(rcpt, sizeof(rcpt), "RCPT TO:<%s>", to);
	c->txn = true;
	c->d.pipelined = k->pipelining;
	smtp_dlg_set_state(&c->d, SMTP_ST_MAIL);
	if (!c->d.pipelined)
		return send_cmd(c, mail, NULL, err);
	snprintf(group, sizeof(group), "%s\r\n%s\r\nDATA\r\n", mail, rcpt);
	say(c, 'C', mail);
	say(c, 'C', rcpt);
	say(c, 'C', "DATA");
	st = write_all(c, group, strlen(group), state_timeout(c, SMTP_ST_MAIL), err);
	if (st == SMTP_OK)
		c->pending += 3;
	return st;
}

/* After a failure inside a pipelined group: read the replies still owed so
 * the session stays in step.  A 354 to DATA means the server now expects a
 * message we will not send: the session is unusable. */
static void drain(struct smtp_client *c)
{
	struct smtp_err ignored;
	struct smtp_reply r;
	enum smtp_state keep = c->d.state;

	while (c->pending > 0 && keep != SMTP_ST_DEAD) {
		smtp_dlg_set_state(&c->d, SMTP_ST_DATA);
		if (read_reply(c, &r, &ignored) != SMTP_OK)
			return;
		if (r.code == 354 || r.code == 421)
			keep = SMTP_ST_DEAD;
	}
	smtp_dlg_set_state(&c->d, keep);
}

static enum smtp_status transaction(struct smtp_client *c, const char *from, const char *to,
				    size_t len, const struct smtp_plan *plan, const char *body,
				    size_t bodylen, struct smtp_err *err)
{
	struct smtp_reply r;
	enum smtp_status st;
	char rcpt[512];

	snprintf(rcpt, sizeof(rcpt), "RCPT TO:<%s>", to);
	if (c->txn) {
		smtp_dlg_set_state(&c->d, SMTP_ST_RSET);
		st = send_cmd(c, "RSET", NULL, err);
		if (st == SMTP_OK)
			st = read_reply(c, &r, err);
		if (st != SMTP_OK)
			return st;
		if (smtp_dlg_next(&c->d, &r, err) == SMTP_ACT_FAIL)
			return c->d.status;
	}
	st = send_envelope(c, from, to, len, plan, err);
	while (st == SMTP_OK) {
		enum smtp_state was = c->d.state;
		enum smtp_action act;

		st = read_reply(c, &r, err);
		if (st != SMTP_OK)
			break;
		act = smtp_dlg_next(&c->d, &r, err);
		if (was == SMTP_ST_RCPT && act == SMTP_ACT_FAIL)
			event(c, "Recipient refused [%s]: %s", to, reply_of(err, SMTP_ST_RCPT));
		else if (was == SMTP_ST_RCPT)
			event(c, "Recipient accepted [%s]", to);
		c->told = was == SMTP_ST_RCPT && act == SMTP_ACT_FAIL;
		switch (act) {
		case SMTP_ACT_RCPT:
			st = send_cmd(c, rcpt, NULL, err);
			break;
		case SMTP_ACT_DATA:
			st = send_cmd(c, "DATA", NULL, err);
			break;
		case SMTP_ACT_WAIT:
			break;
		case SMTP_ACT_BODY:
			transcript_body(c, bodylen, plan);
			/* RFC 5321 4.5.3.2.5: 3 minutes per data block. */
			st = write_all(
			    c, body, bodylen,
			    c->timeout_sec && c->timeout_sec < 180 ? c->timeout_sec : 180, err);
			if (st == SMTP_OK)
				c->pending++;
			break;
		case SMTP_ACT_SENT:
			c->txn = false;
			return SMTP_OK;
		case SMTP_ACT_FAIL:
			drain(c);
			return c->d.status;
		default:
			return fail(c, err, SMTP_ETEMP, "%s: unexpected reply %d", stage(c),
				    r.code);
		}
	}
	return st;
}

enum smtp_status smtp_send(struct smtp_client *c, const char *from, const char *to, const char *msg,
			   size_t len, struct smtp_err *err)
{
	char *body = NULL, *qp = NULL;
	size_t bodylen = 0;
	struct smtp_plan plan;
	enum smtp_status st;

	err->code = 0;
	err->msg[0] = '\0';
	err->auth_refused = false;
	if (!c || c->d.state == SMTP_ST_DEAD || c->fd < 0) {
		snprintf(err->msg, sizeof(err->msg), "the SMTP session is closed");
		return SMTP_ETEMP;
	}
	st = smtp_plan_message(&c->d.caps, from, to, msg, len, &plan, err);
	if (st == SMTP_OK && plan.downgrade) {
		st = smtp_downgrade_body(msg, len, &qp, &len);
		msg = qp;
	}
	if (st == SMTP_OK)
		st = check_size(c, len, err);
	if (st == SMTP_OK)
		st = smtp_dot_stuff(msg, len, &body, &bodylen);
	if (st == SMTP_ENOMEM)
		snprintf(err->msg, sizeof(err->msg), "out of memory");
	if (st == SMTP_OK) {
		c->pending = 0;
		c->told = false;
		st = transaction(c, from, to, len, &plan, body, bodylen, err);
	}
	free(body);
	free(qp);
	if (st == SMTP_OK)
		event(c, "Mail sent for %s", to);
	else if (!c->told)
		event(c, "Mail not sent for %s: %s", to, err->msg);
	return st;
}

void smtp_close(struct smtp_client *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		event(c, "Closing connection");
	if (c->fd >= 0 && c->d.state != SMTP_ST_DEAD) {
		struct smtp_err ignored;
		struct smtp_reply r;

		/* Some servers answer QUIT late: do not hold the caller on it. */
		smtp_dlg_set_state(&c->d, SMTP_ST_QUIT);
		c->pending = 0;
		if (send_cmd(c, "QUIT", NULL, &ignored) == SMTP_OK)
			read_reply_in(c, &r, QUIT_TIMEOUT_MS, &ignored);
	}
	session_drop(c); /* QUIT already ended the dialogue */
	free(c);
}
