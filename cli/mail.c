/*
 * cli/mail.c: the mail commands of the logmail front end: `mail`,
 * `show mail`, `show counter mail`, `clear counter mail`, `delete mail`,
 * `debug mail`, `flush`, and the spool they share (cli_spool).  Where
 * `debug mail` lines go is cli/monitor.c's.
 *
 * Output follows the AlliedWare Plus feature guide: `Sending <mail-id>...
 * ok.`, `Mail Settings` with labels padded to 36 columns, `Mails Sent .....
 * N`, and `debug mail` lines such as `Recipient accepted [ADDR]`.  Errors
 * are one `% Error: ...` line on cli->err and a sysexits.h code.
 */
#include "cli/cli.h"
#include "config/conf.h"
#include "engine/oauth.h"
#include "engine/params.h"
#include "smtp/smtp.h"
#include "util/address.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#define MAIL_BODY_MAX (16u << 20) /* a larger body is refused */
#define LABEL_WIDTH   36          /* "State<pad>: Alive" as `show mail` prints it */

/* The spool, opened on first use; NULL (with a message on cli->err) when it
 * cannot be opened. */
static struct spool *cli_spool(struct cli *cli)
{
	struct smtp_err err = {0};

	if (cli->spool)
		return cli->spool;
	if (spool_open(&cli->spool, cli->spool_dir, &err) != SMTP_OK) {
		fprintf(cli->err, "%% Error: %s\n", err.msg);
		cli->spool = NULL;
	}
	return cli->spool;
}

/* ---- delivery parameters -------------------------------------------------- */

/* Both are needed before anything is queued. */
static int need_server(struct cli *cli)
{
	const struct conf *c = cli->conf;

	if (!c || !c->server) {
		fprintf(cli->err, "%% Error: no SMTP server configured (mail smtpserver)\n");
		return EX_CONFIG;
	}
	if (!c->from) {
		fprintf(cli->err, "%% Error: no sender address configured (mail from)\n");
		return EX_CONFIG;
	}
	return EX_OK;
}

/* ---- debug mail ------------------------------------------------------------ */

/* The guide's lines.  Its client sends one mail per connection and says
 * "Mail sent for ADDR. Closing connection" in one line: a "Mail sent" is
 * held until the next line shows whether the connection closes. */
struct events {
	struct cli *cli;
	char held[600];
};

static void event(void *arg, const char *line)
{
	struct events *e = arg;
	char joined[sizeof(e->held) + 32];

	if (e->held[0] && strcmp(line, "Closing connection") == 0) {
		snprintf(joined, sizeof(joined), "%s. Closing connection", e->held);
		cli_debug_line(e->cli, LOG_INFO, joined);
		e->held[0] = '\0';
		return;
	}
	if (e->held[0]) {
		cli_debug_line(e->cli, LOG_INFO, e->held);
		e->held[0] = '\0';
	}
	if (strncmp(line, "Mail sent for ", 14) == 0)
		snprintf(e->held, sizeof(e->held), "%s", line);
	else
		cli_debug_line(e->cli, LOG_INFO, line);
}

static void events_end(struct events *e)
{
	if (e->held[0])
		cli_debug_line(e->cli, LOG_INFO, e->held);
	e->held[0] = '\0';
}

/* `debug mail detail`: each line of the dialogue. */
static void transcript(void *arg, char dir, const char *line)
{
	struct events *e = arg;
	char text[2100];

	snprintf(text, sizeof(text), "%c: %s", dir, line);
	cli_debug_line(e->cli, LOG_DEBUG, text);
}

/* What one delivery needs besides the configuration. */
struct delivery {
	struct smtp_params p;
	struct events ev;
	char pw[512];              /* the decrypted password, wiped by delivery_end */
	struct engine_oauth oauth; /* XOAUTH2, OAUTHBEARER: the token source */
	char why[600];             /* when the password cannot be used: why */
	bool syslog;
};

/* smtp_params.cancelled: Ctrl-C in the shell gives up the delivery (the
 * mail stays queued) instead of waiting for the server's timeout. */
static bool user_interrupted(void *arg)
{
	(void)arg;
	return cli_interrupted();
}

/* How long `mail` waits for a silent server when `mail smtpserver timeout`
 * is not set: someone is waiting at the prompt, and the mail is queued
 * (and retried) anyway.  flush and the module keep RFC 5321's values.
 * $LOGMAIL_MAIL_TIMEOUT (1-3600 seconds) replaces the 30 s (logmail(1)),
 * so that a test of the silent server need not wait them out; any other
 * value is ignored. */
#define MAIL_TIMEOUT_SEC 30
#define MAIL_TIMEOUT_ENV "LOGMAIL_MAIL_TIMEOUT"

static unsigned mail_timeout(void)
{
	const char *s = getenv(MAIL_TIMEOUT_ENV);
	char *end;
	unsigned long v;

	if (!s || *s < '1' || *s > '9')
		return MAIL_TIMEOUT_SEC;
	v = strtoul(s, &end, 10);
	return *end || v > 3600 ? MAIL_TIMEOUT_SEC : (unsigned)v;
}

/* Fill d->p from the configuration; timeout (seconds, 0: RFC 5321's) caps
 * every wait when the configuration sets none.  EX_OK, or EX_CONFIG with
 * d->why when the password cannot be decrypted (nothing can be sent). */
static int delivery_start(struct cli *cli, struct delivery *d, unsigned timeout)
{
	const struct conf *c = cli->conf;
	struct smtp_params *p = &d->p;
	enum spool_debug level = spool_debug_level(cli->spool);

	memset(d, 0, sizeof(*d));
	engine_smtp_params(c, p);
	p->timeout_sec = c->timeout_sec ? c->timeout_sec : timeout;
	p->cancelled = user_interrupted;
	if (level != SPOOL_DEBUG_OFF) {
		openlog("logmail", LOG_PID, LOG_MAIL);
		d->syslog = true;
		d->ev.cli = cli;
		p->event = event;
		p->event_arg = &d->ev;
		if (level == SPOOL_DEBUG_DETAIL) {
			p->transcript = transcript;
			p->transcript_arg = &d->ev;
		}
	}
	if (p->auth == SMTP_AUTH_XOAUTH2 || p->auth == SMTP_AUTH_OAUTHBEARER) {
		if (engine_oauth_params(&d->oauth, c, cli->config_path, cli->spool, p, d->why,
					sizeof(d->why)) < 0)
			return EX_CONFIG;
	} else if (p->auth != SMTP_AUTH_NONE) {
		struct conf_err err = {0};

		if (conf_password(c, d->pw, sizeof(d->pw), &err) != CONF_OK) {
			explicit_bzero(d->pw, sizeof(d->pw));
			snprintf(d->why, sizeof(d->why), "cannot use the SMTP password: %s",
				 err.msg);
			return EX_CONFIG;
		}
		p->password = d->pw;
	}
	return EX_OK;
}

static void delivery_end(struct delivery *d)
{
	explicit_bzero(d->pw, sizeof(d->pw));
	engine_oauth_clear(&d->oauth);
	events_end(&d->ev);
	if (d->syslog)
		closelog();
}

/* ---- mail ------------------------------------------------------------------ */

struct mail_args {
	const char *to, *subject, *file;
	char *to_buf, *subject_buf; /* read at the prompts */
};

static const char *text_of(const struct conf_args *a, const char *name)
{
	const struct conf_word *w = conf_arg(a, name);

	return w ? w->text : NULL;
}

/* Show the prompt, read one line.  Off a terminal the answer is echoed, so
 * the output reads as the guide's transcripts do.  NULL at end of input or
 * when Ctrl-C abandoned it. */
static char *prompt(struct cli *cli, const char *label)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	fprintf(cli->out, "%s", label);
	fflush(cli->out);
	n = getline(&line, &cap, cli->in);
	if (n < 0) {
		clearerr(cli->in); /* a CTRL-d here must not end the shell */
		free(line);
		if (!cli_interrupted())
			fputc('\n', cli->out);
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (!cli->interactive)
		fprintf(cli->out, "%s\n", line);
	return line;
}

/* Read f to its end into a malloc'd string. */
static int read_body(struct cli *cli, FILE *f, const char *name, char **out)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;

	for (;;) {
		size_t n;

		if (cap - len < 4096) {
			char *nbuf;

			cap = cap ? cap * 2 : 8192;
			nbuf = realloc(buf, cap + 1);
			if (!nbuf) {
				free(buf);
				fprintf(cli->err, "%% Error: out of memory\n");
				return EX_OSERR;
			}
			buf = nbuf;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (len > MAIL_BODY_MAX) {
			free(buf);
			fprintf(cli->err, "%% Error: %s: the message is larger than %u bytes\n",
				name, MAIL_BODY_MAX);
			return EX_DATAERR;
		}
		if (n == 0 || feof(f) || ferror(f)) /* a tty may not keep EOF sticky */
			break;
	}
	if (ferror(f) && cli_interrupted()) {
		free(buf);
		return EX_OK; /* abandoned: the caller checks */
	}
	if (ferror(f)) {
		free(buf);
		fprintf(cli->err, "%% Error: %s: %s\n", name, strerror(errno));
		return EX_IOERR;
	}
	buf[len] = '\0';
	if (strlen(buf) != len) {
		free(buf);
		fprintf(cli->err, "%% Error: %s: the message holds a NUL byte\n", name);
		return EX_DATAERR;
	}
	*out = buf;
	return EX_OK;
}

static int body_from_file(struct cli *cli, const char *path, char **out)
{
	FILE *f = fopen(path, "r");
	int rc;

	if (!f) {
		int e = errno;

		fprintf(cli->err, "%% Error: %s: %s\n", path, strerror(e));
		return e == ENOENT ? EX_NOINPUT : e == EACCES ? EX_NOPERM : EX_IOERR;
	}
	rc = read_body(cli, f, path, out);
	fclose(f);
	return rc;
}

/* Ask for what the command line did not give. */
static int ask(struct cli *cli, struct mail_args *a, bool *prompted)
{
	*prompted = false;
	if (!a->to) {
		a->to = a->to_buf = prompt(cli, "To: ");
		*prompted = true;
		if (!a->to && cli_interrupted())
			return EX_OK;
		if (!a->to) {
			fprintf(cli->err, "%% Error: mail: no recipient given\n");
			return EX_USAGE;
		}
	}
	if (!a->subject) {
		a->subject = a->subject_buf = prompt(cli, "Subject: ");
		*prompted = true;
		if (!a->subject)
			a->subject = "";
	}
	return EX_OK;
}

/* s with control characters shown as '?': what a user typed may hold a
 * line break or an escape sequence that must not reach the terminal.  At
 * most max octets, then "..." (as the configuration's errors show them). */
static void put_visible(FILE *out, const char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i] && i < max; i++)
		fputc((unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i], out);
	if (s[i])
		fputs("...", out);
}

static int check_input(struct cli *cli, const char *to, const char *subject)
{
	const char *why = util_address_check(to, strlen(to));

	if (why) {
		fprintf(cli->err, "%% Error: mail: invalid recipient address \"");
		put_visible(cli->err, to, 100);
		fprintf(cli->err, "\" (%s)\n", why);
		return EX_DATAERR;
	}
	if (strpbrk(subject, "\r\n")) {
		fprintf(cli->err, "%% Error: mail: the subject must not contain CR or LF\n");
		return EX_DATAERR;
	}
	return EX_OK;
}

/* A refused AUTH is logged once per run (the mails stay queued and are
 * retried: a fixed password delivers them). */
static void log_auth_refused(struct cli *cli, const struct spool_run *run,
			     const struct smtp_err *err)
{
	if (run->auth_failed == 0)
		return;
	openlog("logmail", LOG_PID, LOG_MAIL);
	syslog(LOG_MAIL | LOG_WARNING, "authentication to %s refused (%s): %u mails stay queued",
	       cli->conf->server, err->msg, run->deferred);
	closelog();
}

/* `Sending ID...` then deliver it at once and finish the line. */
static int send_now(struct cli *cli, const struct smtp_params *p, const char *id)
{
	struct smtp_err err = {0};
	struct spool_run run;
	enum smtp_status st;

	fprintf(cli->out, "Sending %s...", id);
	fflush(cli->out);
	st = spool_deliver(cli->spool, p, false, id, &run, &err);
	log_auth_refused(cli, &run, &err);
	switch (st) {
	case SMTP_OK:
		fprintf(cli->out, " ok.\n");
		return EX_OK;
	case SMTP_EPERM:
		fprintf(cli->out, " failed: %s\n", err.msg);
		return EX_UNAVAILABLE;
	case SMTP_ENOENT: /* delivered or deleted by someone else meanwhile */
		fprintf(cli->out, " gone: %s\n", err.msg);
		return EX_TEMPFAIL;
	case SMTP_EIO:
	case SMTP_ENOMEM:
		fprintf(cli->out, " queued: %s\n", err.msg);
		return EX_IOERR;
	default:
		fprintf(cli->out, " queued: %s\n", err.msg);
		return EX_TEMPFAIL;
	}
}

/* A mail that cannot be sent now (the password does not decrypt) is
 * queued all the same, with the reason: `flush` sends it once fixed. */
static int queue_only(struct cli *cli, const char *id, const char *why)
{
	struct smtp_err err = {0};

	spool_note(cli->spool, id, why, &err);
	fprintf(cli->out, "Sending %s... queued: %s\n", id, why);
	return EX_TEMPFAIL;
}

static int submit_and_send(struct cli *cli, const char *to, const char *subject, const char *body)
{
	struct smtp_message m = {.from = cli->conf->from,
				 .to = to,
				 .subject = subject,
				 .body = body,
				 .domain = cli->conf->helo};
	struct delivery *d = malloc(sizeof(*d));
	struct smtp_err err = {0};
	char id[SPOOL_ID_MAX];
	enum smtp_status st;
	int rc;

	if (!d) {
		fprintf(cli->err, "%% Error: out of memory\n");
		return EX_OSERR;
	}
	rc = delivery_start(cli, d, mail_timeout());
	st = spool_submit(cli->spool, &m, id, &err);
	if (st == SMTP_EPERM) { /* check_input let through what composing refused */
		fprintf(cli->err, "%% Error: mail %s not sent, kept in failed mail: %s\n", id,
			err.msg);
		rc = EX_DATAERR;
	} else if (st != SMTP_OK) {
		fprintf(cli->err, "%% Error: mail not queued: %s\n", err.msg);
		rc = st == SMTP_ENOMEM ? EX_OSERR : EX_IOERR;
	} else if (rc != EX_OK) {
		rc = queue_only(cli, id, d->why);
	} else {
		rc = send_now(cli, &d->p, id);
	}
	delivery_end(d);
	free(d);
	return rc;
}

int cmd_mail(struct cli *cli, const struct conf_args *args)
{
	struct mail_args a = {.to = text_of(args, "to"),
			      .subject = text_of(args, "subject"),
			      .file = text_of(args, "file")};
	struct smtp_subst subst;
	char subject[1024];
	char *body = NULL;
	bool prompted;
	int rc;

	rc = need_server(cli);
	if (rc == EX_OK && !cli_spool(cli))
		rc = EX_CANTCREAT;
	if (rc == EX_OK)
		rc = ask(cli, &a, &prompted);
	if (rc != EX_OK || cli_interrupted())
		goto out;
	rc = check_input(cli, a.to, a.subject);
	if (rc != EX_OK)
		goto out;
	if (a.file) {
		rc = body_from_file(cli, a.file, &body);
	} else {
		if (prompted || cli->interactive)
			fprintf(cli->out, "\nType the message below and finish with a CTRL-d\n");
		fflush(cli->out);
		rc = read_body(cli, cli->in, "<input>", &body);
		clearerr(cli->in); /* the CTRL-d ended the message, not the shell */
	}
	if (rc != EX_OK || !body) /* !body: Ctrl-C abandoned it */
		goto out;
	smtp_subst_default(&subst, cli->conf->serial);
	smtp_subject_expand(a.subject, &subst, subject, sizeof(subject));
	rc = submit_and_send(cli, a.to, subject, body);
out:
	free(body);
	free(a.to_buf);
	free(a.subject_buf);
	return rc;
}

/* ---- show mail ------------------------------------------------------------- */

static void field(FILE *out, const char *label, const char *value)
{
	fprintf(out, "%-*s: %s\n", LABEL_WIDTH, label, value);
}

static const char *auth_name(enum conf_auth a)
{
	switch (a) {
	case CONF_AUTH_CRAMMD5:
		return "crammd5";
	case CONF_AUTH_LOGIN:
		return "login";
	case CONF_AUTH_PLAIN:
		return "plain";
	case CONF_AUTH_XOAUTH2:
		return "xoauth2";
	case CONF_AUTH_OAUTHBEARER:
		return "oauthbearer";
	default:
		return "none";
	}
}

static const char *tls_name(enum conf_tls t)
{
	switch (t) {
	case CONF_TLS_STARTTLS:
		return "STARTTLS";
	case CONF_TLS_SMTPS:
		return "SMTPS";
	default:
		return "None";
	}
}

static void show_settings(struct cli *cli)
{
	const struct conf *c = cli->conf;
	struct spool_state state;
	struct smtp_err err;
	char port[16];

	/* The guide's lines, State to Debug, as the guide prints them; logmail's
	 * own (what the last session used) come after them. */
	fprintf(cli->out, "Mail Settings\n-----\n");
	field(cli->out, "State", "Alive");
	field(cli->out, "SMTP Server", c->server ? c->server : "(none)");
	field(cli->out, "Host Name", c->from ? c->from : "(none)");
	if (c->auth != CONF_AUTH_NONE) {
		field(cli->out, "Authentication", auth_name(c->auth));
		field(cli->out, "Username", c->username ? c->username : "");
	}
	snprintf(port, sizeof(port), "%u", conf_effective_port(c));
	field(cli->out, "Port", port);
	field(cli->out, "Use TLS", tls_name(c->tls));
	field(cli->out, "Debug", spool_debug(cli->spool) ? "Enabled" : "Disabled");
	if (spool_state(cli->spool, &state, &err) == SMTP_OK && state.server_address[0]) {
		field(cli->out, "Server Address (last used)", state.server_address);
		if (state.tls[0])
			field(cli->out, "TLS (last used)", state.tls);
	}
	/* Without `tls` the client upgrades with STARTTLS before AUTH when the
	 * server offers it, and refuses AUTH otherwise unless allowed. */
	if (c->auth == CONF_AUTH_NONE || c->tls != CONF_TLS_NONE)
		return;
	if (c->auth == CONF_AUTH_CRAMMD5)
		fprintf(cli->out, "%% Note: no TLS configured: CRAM-MD5 sends no password, only "
				  "a keyed hash of the server's challenge; STARTTLS is used when "
				  "offered\n");
	else if (c->auth_cleartext)
		fprintf(cli->out, "%% Warning: authentication allow-cleartext: the password is "
				  "sent unencrypted when the server offers no STARTTLS\n");
	else
		fprintf(cli->out,
			"%% Note: no TLS configured: the %s is sent only after "
			"STARTTLS; a server that does not offer it gets no %s\n",
			c->token_command ? "access token" : "password",
			c->token_command ? "token" : "password");
}

struct show {
	FILE *out;
	unsigned n;
	bool failed; /* listing failed/: the heading comes with the first */
};

static int show_one(void *arg, const struct spool_entry *e)
{
	struct show *s = arg;

	if (s->failed && s->n == 0)
		fprintf(s->out, "\nFailed Messages\n-----\n");
	if (s->n++)
		fputc('\n', s->out);
	field(s->out, "To", e->to);
	field(s->out, "Subject", e->subject);
	field(s->out, "Message-ID", e->id);
	if (s->failed) {
		field(s->out, "Reason", e->last_error);
	} else if (e->last_error[0]) {
		char line[sizeof(((struct smtp_err *)0)->msg) + 48];

		if (e->attempts > 0)
			snprintf(line, sizeof(line), "%s (%u attempt%s)", e->last_error,
				 e->attempts, e->attempts == 1 ? "" : "s");
		else
			snprintf(line, sizeof(line), "%s", e->last_error);
		field(s->out, "Last Error", line);
	}
	return 0;
}

int cmd_show_mail(struct cli *cli, const struct conf_args *a)
{
	struct show s = {.out = cli->out}, f = {.out = cli->out, .failed = true};
	struct smtp_err err = {0};

	(void)a;
	if (!cli_spool(cli))
		return EX_CANTCREAT;
	show_settings(cli);
	fprintf(cli->out, "\nMessages\n-----\n");
	if (spool_list(cli->spool, show_one, &s, &err) != SMTP_OK ||
	    spool_list_failed(cli->spool, show_one, &f, &err) != SMTP_OK) {
		fprintf(cli->err, "%% Error: cannot read the queue: %s\n", err.msg);
		return EX_IOERR;
	}
	return EX_OK;
}

int cmd_show_counter_mail(struct cli *cli, const struct conf_args *a)
{
	struct spool_counters c;
	struct smtp_err err = {0};

	(void)a;
	if (!cli_spool(cli))
		return EX_CANTCREAT;
	if (spool_counters(cli->spool, &c, &err) != SMTP_OK) {
		fprintf(cli->err, "%% Error: cannot read the counters: %s\n", err.msg);
		return EX_IOERR;
	}
	fprintf(cli->out,
		"Mail Client (SMTP) counters\n"
		"Mails Sent           ..... %lu\n"
		"Mails Sent Fails     ..... %lu\n"
		"Authentication Fails ..... %lu\n",
		c.sent, c.failed, c.auth_failed);
	return EX_OK;
}

int cmd_clear_counter_mail(struct cli *cli, const struct conf_args *a)
{
	struct smtp_err err = {0};
	enum smtp_status st;

	(void)a;
	if (!cli_spool(cli))
		return EX_CANTCREAT;
	st = spool_counters_clear(cli->spool, &err);
	if (st == SMTP_OK)
		return EX_OK;
	fprintf(cli->err, "%% Error: %s%s\n", err.msg,
		st == SMTP_EBUSY ? "; try again when it is done" : "");
	return st == SMTP_EBUSY ? EX_TEMPFAIL : EX_IOERR;
}

/* ---- delete / debug / flush ------------------------------------------------ */

/* delete mail {mail-id ID | all | ID}: queued mails, and failed ones. */
int cmd_delete_mail(struct cli *cli, const struct conf_args *a)
{
	struct smtp_err err = {0};
	enum smtp_status st;

	if (!cli_spool(cli))
		return EX_CANTCREAT;
	if (conf_arg(a, "all"))
		st = spool_delete_all(cli->spool, &err);
	else
		st = spool_delete(cli->spool, conf_arg(a, "id")->text, &err);
	if (st == SMTP_OK)
		return EX_OK;
	fprintf(cli->err, "%% Error: %s\n", err.msg);
	return st == SMTP_ENOENT ? EX_DATAERR : EX_IOERR;
}

static int set_debug(struct cli *cli, enum spool_debug level)
{
	struct smtp_err err = {0};

	if (!cli_spool(cli))
		return EX_CANTCREAT;
	if (spool_set_debug_level(cli->spool, level, &err) != SMTP_OK) {
		fprintf(cli->err, "%% Error: %s\n", err.msg);
		return EX_IOERR;
	}
	return EX_OK;
}

/* debug mail [detail] */
int cmd_debug_mail(struct cli *cli, const struct conf_args *a)
{
	return set_debug(cli, conf_arg(a, "detail") ? SPOOL_DEBUG_DETAIL : SPOOL_DEBUG_ON);
}

/* no debug mail | undebug mail | undebug all */
int cmd_undebug_mail(struct cli *cli, const struct conf_args *a)
{
	(void)a;
	return set_debug(cli, SPOOL_DEBUG_OFF);
}

/* show debugging [mail]: what `debug mail [detail]` turned on, as the
 * switch shows each protocol's debugging ("... debugging is on"). */
int cmd_show_debugging(struct cli *cli, const struct conf_args *a)
{
	enum spool_debug level;

	(void)a;
	if (!cli_spool(cli))
		return EX_CANTCREAT;
	level = spool_debug_level(cli->spool);
	fprintf(cli->out,
		"Mail (SMTP) debugging status:\n"
		"  Mail debugging is %s\n"
		"  Mail detail (SMTP dialogue) debugging is %s\n",
		level != SPOOL_DEBUG_OFF ? "on" : "off",
		level == SPOOL_DEBUG_DETAIL ? "on" : "off");
	return EX_OK;
}

static int count_entry(void *arg, const struct spool_entry *e)
{
	(void)e;
	(*(unsigned *)arg)++;
	return 0;
}

/* `flush due` with nothing queued has nothing to do, configured or not. */
static bool queue_empty(struct cli *cli)
{
	struct smtp_err err = {0};
	unsigned n = 0;

	return spool_list(cli->spool, count_entry, &n, &err) == SMTP_OK && n == 0;
}

/* flush: deliver everything queued now, retry times notwithstanding.
 * flush due: deliver what is due, quietly; what logmail-flush.service runs
 * every minute.  It prints the summary only when it tried a mail, and exits
 * 0 saying nothing when the queue is empty (configured or not) or when
 * another process (omlogmail) holds the delivery lock: that process
 * delivers what is due itself.  With mail queued and no server or sender
 * configured it says so in one line and exits 0: the unit did its job, the
 * mails wait for the configuration. */
int cmd_flush(struct cli *cli, const struct conf_args *a)
{
	bool due = conf_arg(a, "due") != NULL;
	struct spool_run run = {0};
	struct smtp_err err = {0};
	struct delivery *d;
	enum smtp_status st;
	int rc;

	if (due && (!cli_spool(cli) || queue_empty(cli)))
		return cli->spool ? EX_OK : EX_CANTCREAT;
	if (due && (!cli->conf || !cli->conf->server || !cli->conf->from)) {
		/* the timer's run is not a failure of its unit: the mails wait */
		fprintf(cli->out, "mails stay queued: no %s configured\n",
			cli->conf && cli->conf->server ? "mail from" : "mail smtpserver");
		return EX_OK;
	}
	rc = need_server(cli);
	if (rc != EX_OK)
		return rc;
	if (!cli_spool(cli))
		return EX_CANTCREAT;
	d = malloc(sizeof(*d));
	if (!d) {
		fprintf(cli->err, "%% Error: out of memory\n");
		return EX_OSERR;
	}
	rc = delivery_start(cli, d, 0);
	if (rc != EX_OK) {
		fprintf(cli->err, "%% Error: %s\n", d->why);
		delivery_end(d);
		free(d);
		return rc;
	}
	st = spool_deliver(cli->spool, &d->p, !due, NULL, &run, &err);
	delivery_end(d);
	free(d);
	log_auth_refused(cli, &run, &err);
	if (st == SMTP_EBUSY && due)
		return EX_OK;
	if (st == SMTP_EBUSY) {
		fprintf(cli->err, "%% Error: another process is delivering the queue; try again "
				  "later\n");
		return EX_TEMPFAIL;
	}
	if (!due || run.sent + run.deferred + run.failed > 0)
		fprintf(cli->out, "%u sent, %u deferred, %u failed\n", run.sent, run.deferred,
			run.failed);
	switch (st) {
	case SMTP_OK:
		return EX_OK;
	case SMTP_ETEMP:
		fprintf(cli->err, "%% Warning: %s\n", err.msg);
		return EX_TEMPFAIL;
	case SMTP_EPERM:
		fprintf(cli->err, "%% Warning: %s\n", err.msg);
		return EX_UNAVAILABLE;
	default:
		fprintf(cli->err, "%% Error: %s\n", err.msg);
		return EX_IOERR;
	}
}
