/*
 * config/parse.c: the configuration commands, each declared once in
 * conf_commands below (the AlliedWare Plus notation of conf.h, one help
 * line per word) with the handler that changes the configuration.  The
 * command tree (cmdtree.c) matches a line against the declarations; the
 * handler gets the words it bound (conf_arg) and does what the grammar
 * cannot: check a regular expression, find a recipient, refuse a change
 * in the wrong state.
 *
 * To add a configuration command: one line in conf_commands, a handler
 * here (a `log email` one in parse_log.c, declared in parse.h), a line in write_* of write.c so that `show running-config` prints
 * it, and the command in logmail.conf(5) and logmail(1) (a test compares
 * that list with this table).  E.g. `mail smtpserver helo NAME` is
 *
 *   {{"mail smtpserver helo WORD$name", H_MAIL H_SERVER "The name ... EHLO\n"
 *     "A domain, or an address literal ...\n", 0}, cmd_helo},
 *
 * with cmd_helo reading W(x, "name"); a choice of keywords such as
 * `digest fold {on|off}` gives each of its words a help line.
 *
 * Words are separated by blanks; "double quotes" make one word of text
 * with blanks, \" and \\ inside them a quote and a backslash.  A quoted
 * word is never a keyword.  `!` as the first non-blank character makes a
 * comment line.  Keywords may be abbreviated as on the switch.
 *
 * All-or-nothing: conf_exec works on a copy and swaps it in on success;
 * conf_load (load.c) runs the whole file against one copy.
 */
#include "config/parse.h"

#include <stdlib.h>
#include <string.h>

typedef enum conf_status (*cmd_fn)(struct ctx *x);

struct conf_command {
	struct conf_cmd cmd;
	cmd_fn fn;
};

/* ---- mail smtpserver ---------------------------------------------------------- */

static const char auth_exists[] = "% Error: authentication configuration still exists";

static enum conf_status cmd_server(struct ctx *x)
{
	const struct conf_word *s = W(x, "server");

	if (x->c->auth != CONF_AUTH_NONE && x->c->server && strcmp(x->c->server, s->text))
		return fail(x, CONF_ESTATE, s->col, "%s", auth_exists);
	return set_str(x, &x->c->server, s->text);
}

static enum conf_status cmd_no_server(struct ctx *x)
{
	if (x->c->auth != CONF_AUTH_NONE && x->c->server)
		return fail(x, CONF_ESTATE, x->l->w[0].col, "%s", auth_exists);
	return set_str(x, &x->c->server, NULL);
}

static enum conf_status cmd_port(struct ctx *x)
{
	x->c->port = number(x, "port");
	return CONF_OK;
}

static enum conf_status cmd_no_port(struct ctx *x)
{
	x->c->port = 0;
	return CONF_OK;
}

static enum conf_status cmd_tls(struct ctx *x)
{
	x->c->tls = W(x, "smtps") ? CONF_TLS_SMTPS : CONF_TLS_STARTTLS;
	return CONF_OK;
}

static enum conf_status cmd_no_tls(struct ctx *x)
{
	x->c->tls = CONF_TLS_NONE;
	return CONF_OK;
}

static enum conf_status cmd_ca_file(struct ctx *x)
{
	enum conf_status st = nonempty(x, W(x, "file"), "a file name");

	return st != CONF_OK ? st : set_str(x, &x->c->tls_ca_file, W(x, "file")->text);
}

static enum conf_status cmd_no_ca_file(struct ctx *x)
{
	return set_str(x, &x->c->tls_ca_file, NULL);
}

static enum conf_status cmd_verify(struct ctx *x)
{
	x->c->tls_verify = true;
	return CONF_OK;
}

static enum conf_status cmd_no_verify(struct ctx *x)
{
	x->c->tls_verify = false;
	return CONF_OK;
}

static enum conf_status cmd_cleartext(struct ctx *x)
{
	x->c->auth_cleartext = true;
	return CONF_OK;
}

static enum conf_status cmd_no_cleartext(struct ctx *x)
{
	x->c->auth_cleartext = false;
	return CONF_OK;
}

static enum conf_status cmd_timeout(struct ctx *x)
{
	x->c->timeout_sec = number(x, "sec");
	return CONF_OK;
}

static enum conf_status cmd_no_timeout(struct ctx *x)
{
	x->c->timeout_sec = 0;
	return CONF_OK;
}

/* `mail smtpserver helo NAME`: a domain (RFC 5321 4.1.2: letters, digits,
 * hyphens, dots between non-empty labels) or an address literal such as
 * [192.0.2.1] or [IPv6:2001:db8::1]; it goes into EHLO and Message-IDs. */
static bool helo_ok(const char *s)
{
	size_t n = strlen(s), skip;

	if (n == 0 || n > 253)
		return false;
	if (s[0] == '[') {
		skip = strncmp(s, "[IPv6:", 6) == 0 ? 6 : 1;
		return n > skip + 1 && s[n - 1] == ']' &&
		       strspn(s + skip, "0123456789abcdefABCDEF.:") == n - skip - 1;
	}
	if (s[0] == '.' || s[0] == '-' || s[n - 1] == '.' || strstr(s, ".."))
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") == n;
}

static enum conf_status cmd_helo(struct ctx *x)
{
	const struct conf_word *w = W(x, "name");

	if (!helo_ok(w->text))
		return fail(x, CONF_ESYNTAX, w->col,
			    "invalid HELO name \"%.100s\" (expected a domain such as "
			    "host.example.com or an address literal such as [192.0.2.1])",
			    w->text);
	return set_str(x, &x->c->helo, w->text);
}

static enum conf_status cmd_no_helo(struct ctx *x)
{
	return set_str(x, &x->c->helo, NULL);
}

/* The secret word `name`: after the word `eight` (`password 8 B`) already
 * encrypted, else plain, to encrypt (`password P`); *b64 gets the stored
 * form, or stays NULL when the word is absent.  Never echoes the value. */
static enum conf_status stored_secret(struct ctx *x, const char *name, const char *eight,
				      const char *noun, char **b64)
{
	const struct conf_word *w = W(x, name);
	enum conf_status st;

	*b64 = NULL;
	if (!w)
		return CONF_OK;
	if (W(x, eight)) {
		if (!conf_secret_valid(w->text))
			return fail(x, CONF_ESYNTAX, w->col,
				    "expected an encrypted %s (base64) after \"8\"", noun);
		*b64 = strdup(w->text);
		return *b64 ? CONF_OK : nomem(x);
	}
	st = conf_secret_encrypt(x->c->key_path, w->text, b64, x->err);
	if (st != CONF_OK)
		x->err->column = w->col;
	return st;
}

static enum conf_status cmd_auth(struct ctx *x)
{
	enum conf_auth method = W(x, "crammd5") ? CONF_AUTH_CRAMMD5
				: W(x, "login") ? CONF_AUTH_LOGIN
						: CONF_AUTH_PLAIN;
	enum conf_status st;
	char *b64 = NULL;

	if ((st = nonempty(x, W(x, "user"), "a user name")) != CONF_OK ||
	    (st = stored_secret(x, "password", "8", "password", &b64)) != CONF_OK)
		return st;
	if ((st = set_str(x, &x->c->username, W(x, "user")->text)) != CONF_OK) {
		free(b64);
		return st;
	}
	free(x->c->password8);
	x->c->password8 = b64;
	x->c->auth = method;
	return set_str(x, &x->c->token_command, NULL);
}

/* `... {xoauth2|oauthbearer} username U token-command "CMD"`: the token is
 * not configuration, so there is nothing to encrypt; the command runs at
 * delivery (smtp/oauth.c). */
static enum conf_status cmd_auth_oauth(struct ctx *x)
{
	const struct conf_word *cmd = W(x, "command");
	enum conf_status st;

	if ((st = nonempty(x, W(x, "user"), "a user name")) != CONF_OK ||
	    (st = nonempty(x, cmd, "a command")) != CONF_OK ||
	    (st = set_str(x, &x->c->token_command, cmd ? cmd->text : NULL)) != CONF_OK ||
	    (st = set_str(x, &x->c->username, W(x, "user")->text)) != CONF_OK)
		return st;
	x->c->auth = W(x, "xoauth2") ? CONF_AUTH_XOAUTH2 : CONF_AUTH_OAUTHBEARER;
	return set_str(x, &x->c->password8, NULL);
}

/* `mail smtpserver oauth ...`: the whole block is replaced.  The token URL
 * is HTTPS: the client secret and refresh token go there. */
static enum conf_status cmd_oauth(struct ctx *x)
{
	const struct conf_word *url = W(x, "url"), *scope = W(x, "scope"), *ca = W(x, "cafile");
	struct conf_oauth o = {0};
	enum conf_status st;

	if (strncasecmp(url->text, "https://", 8) != 0 || !url->text[8])
		return fail(x, CONF_ESYNTAX, url->col,
			    "expected an https:// URL for the token endpoint, got \"%.100s\"",
			    url->text);
	if ((st = nonempty(x, W(x, "client"), "a client ID")) != CONF_OK ||
	    (st = nonempty(x, ca, "a file name")) != CONF_OK)
		return st;
	if ((st = stored_secret(x, "secret", "secret8", "secret", &o.secret8)) != CONF_OK ||
	    (st = stored_secret(x, "refresh", "refresh8", "secret", &o.refresh8)) != CONF_OK ||
	    (st = set_str(x, &o.token_url, url->text)) != CONF_OK ||
	    (st = set_str(x, &o.client_id, W(x, "client")->text)) != CONF_OK ||
	    (st = set_str(x, &o.scope, scope && *scope->text ? scope->text : NULL)) != CONF_OK ||
	    (st = set_str(x, &o.ca_file, ca ? ca->text : NULL)) != CONF_OK) {
		conf_oauth_clear(&o);
		return st;
	}
	conf_oauth_clear(&x->c->oauth);
	x->c->oauth = o;
	return CONF_OK;
}

static enum conf_status cmd_no_oauth(struct ctx *x)
{
	conf_oauth_clear(&x->c->oauth);
	return CONF_OK;
}

static enum conf_status cmd_no_auth(struct ctx *x)
{
	x->c->auth = CONF_AUTH_NONE;
	set_str(x, &x->c->username, NULL);
	set_str(x, &x->c->token_command, NULL);
	return set_str(x, &x->c->password8, NULL);
}

/* ---- mail from, mail serial-number ------------------------------------------- */

static enum conf_status cmd_from(struct ctx *x)
{
	return set_str(x, &x->c->from, W(x, "from")->text);
}

static enum conf_status cmd_no_from(struct ctx *x)
{
	return set_str(x, &x->c->from, NULL);
}

static enum conf_status cmd_serial(struct ctx *x)
{
	enum conf_status st = nonempty(x, W(x, "serial"), "a serial number");

	return st != CONF_OK ? st : set_str(x, &x->c->serial, W(x, "serial")->text);
}

static enum conf_status cmd_no_serial(struct ctx *x)
{
	return set_str(x, &x->c->serial, NULL);
}

/* ---- the command table ------------------------------------------------------------- */

/* Help lines of words that many commands share. */
#define H_NO      "Negate a command or set its defaults\n"
#define H_MAIL    "Mail (SMTP) client\n"
#define H_SERVER  "The SMTP server mail is sent to\n"
#define H_TLS     "TLS for the connection to the SMTP server\n"
#define H_AUTH    "Authentication on the SMTP server (SMTP AUTH)\n"
#define H_LOG     "Logging\n"
#define H_EMAIL   "Send log messages by email\n"
#define H_ADDRESS "The email address of the recipient\n"
#define H_DIGEST  "How messages gather into digests\n"
#define H_DEFAULT "Set a command to its defaults\n"

/* A filter's criteria: `[level L] [program P] [facility F] [host H]
 * [msgtext [regex] T]`. */
#define CRITERIA                                                                                   \
	"[level LEVEL$level] [program WORD$program] [facility FACILITY$facility] "                 \
	"[host WORD$host] [msgtext [regex] LINE$text]"
#define H_CRITERIA                                                                                 \
	"This level or more severe\n"                                                              \
	"Severity level\n"                                                                         \
	"Messages of this program\n"                                                               \
	"Program name (rsyslog's programname)\n"                                                   \
	"Messages of this facility\n"                                                              \
	"Syslog facility\n"                                                                        \
	"Messages from this host (rsyslog's hostname)\n"                                           \
	"Host name, or a glob such as web* (case-insensitive)\n"                                   \
	"Messages that contain this text\n"                                                        \
	"The text is a regular expression (PCRE2)\n"                                               \
	"The text (quote it when it has blanks)\n"

#define LOGCHECK_LEVEL "{workstation|server|paranoid}"
#define H_LOGCHECK     "What logcheck would report, in its sections\n"
#define H_LOGCHECK_LEVEL                                                                           \
	"ignore.d.workstation, .server and .paranoid apply\n"                                      \
	"ignore.d.server and .paranoid apply\n"                                                    \
	"ignore.d.paranoid applies\n"
#define H_LOGCHECK_RULES                                                                           \
	"Another rules directory than /etc/logcheck\n"                                             \
	"The directory (an absolute path)\n"

static const struct conf_command commands[] = {
    {{"mail smtpserver HOST$server", H_MAIL H_SERVER "IP address or host name of the SMTP server\n",
      0},
     cmd_server},
    {{"mail smtpserver port <1-65535>$port",
      H_MAIL H_SERVER "The port of the SMTP server\n"
		      "Port number\n",
      0},
     cmd_port},
    {{"mail smtpserver tls {starttls|smtps}",
      H_MAIL H_SERVER H_TLS "STARTTLS: a plain connection upgraded to TLS (RFC 3207)\n"
			    "SMTPS: TLS from the start (RFC 8314)\n",
      0},
     cmd_tls},
    {{"mail smtpserver tls ca-file FILE$file",
      H_MAIL H_SERVER H_TLS "Trust this CA file instead of the system store\n"
			    "File of PEM certificates\n",
      0},
     cmd_ca_file},
    {{"mail smtpserver tls verify",
      H_MAIL H_SERVER H_TLS "Verify the server's certificate and name (the default)\n", 0},
     cmd_verify},
    {{"mail smtpserver authentication {crammd5|login|plain} username WORD$user password [8] "
      "PASSWORD$password",
      H_MAIL H_SERVER H_AUTH "CRAM-MD5: a challenge, the password is never sent\n"
			     "LOGIN: user name and password in base64\n"
			     "PLAIN: user name and password in base64\n"
			     "The user name registered on the SMTP server\n"
			     "User name\n"
			     "The password registered on the SMTP server\n"
			     "The password that follows is encrypted (as show running-config "
			     "prints it)\n"
			     "Password\n",
      0},
     cmd_auth},
    {{"mail smtpserver authentication {xoauth2|oauthbearer} username WORD$user [token-command "
      "LINE$command]",
      H_MAIL H_SERVER H_AUTH "XOAUTH2: an OAuth 2.0 access token (Microsoft 365, Gmail)\n"
			     "OAUTHBEARER: an OAuth 2.0 access token (RFC 7628)\n"
			     "The user name registered on the SMTP server\n"
			     "User name (the mailbox's address)\n"
			     "A command that prints the access token (run by /bin/sh); "
			     "without it, mail smtpserver oauth\n"
			     "The command (quote it when it has blanks)\n",
      0},
     cmd_auth_oauth},
    {{"mail smtpserver oauth token-url WORD$url client-id WORD$client [client-secret [8$secret8] "
      "SECRET$secret] [scope LINE$scope] [refresh-token [8$refresh8] SECRET$refresh] "
      "[ca-file FILE$cafile]",
      H_MAIL H_SERVER "OAuth 2.0 access tokens from a token endpoint\n"
		      "The token endpoint\n"
		      "URL (https://)\n"
		      "The application's client ID\n"
		      "Client ID\n"
		      "The application's client secret\n"
		      "The secret that follows is encrypted (as show running-config prints "
		      "it)\n"
		      "Client secret\n"
		      "The scope asked for\n"
		      "Scope, e.g. https://outlook.office365.com/.default\n"
		      "A refresh token: the refresh-token grant (else client credentials)\n"
		      "The token that follows is encrypted (as show running-config prints "
		      "it)\n"
		      "Refresh token\n"
		      "Trust this CA file for the endpoint instead of the system store\n"
		      "File of PEM certificates\n",
      0},
     cmd_oauth},
    {{"mail smtpserver authentication allow-cleartext",
      H_MAIL H_SERVER H_AUTH "Allow AUTH without TLS when the server offers no STARTTLS\n", 0},
     cmd_cleartext},
    {{"mail smtpserver timeout <1-3600>$sec",
      H_MAIL H_SERVER "Limit every wait for the server\n"
		      "Timeout in seconds\n",
      0},
     cmd_timeout},
    {{"mail smtpserver helo WORD$name",
      H_MAIL H_SERVER "The name this host gives in EHLO and Message-IDs\n"
		      "A domain, or an address literal such as [192.0.2.1]\n",
      0},
     cmd_helo},
    {{"mail from ADDRESS$from",
      H_MAIL "The sender's email address\n"
	     "Email address\n",
      0},
     cmd_from},
    {{"mail serial-number WORD$serial",
      H_MAIL "The serial number %S stands for\n"
	     "Serial number\n",
      0},
     cmd_serial},
    {{"log email ADDRESS$addr " CRITERIA, H_LOG H_EMAIL H_ADDRESS H_CRITERIA, 0}, conf_cmd_log_email},
    {{"log email ADDRESS$addr exclude " CRITERIA,
      H_LOG H_EMAIL H_ADDRESS "Never send messages that match this filter\n" H_CRITERIA, 0},
     conf_cmd_log_exclude},
    {{"log email ADDRESS$addr time {local|utc} [OFFSET$offset]",
      H_LOG H_EMAIL H_ADDRESS "The time shown in the recipient's mails\n"
			      "Local time\n"
			      "UTC\n"
			      "Offset [+|-]H[:MM]\n",
      0},
     conf_cmd_time},
    {{"log email ADDRESS$addr digest window <1-86400>$n",
      H_LOG H_EMAIL H_ADDRESS H_DIGEST "Time after the first message\n"
				       "Window in seconds\n",
      0},
     conf_cmd_number},
    {{"log email ADDRESS$addr digest max-messages <1-100000>$n",
      H_LOG H_EMAIL H_ADDRESS H_DIGEST "Messages in one digest at most\n"
				       "Number of messages\n",
      0},
     conf_cmd_number},
    {{"log email ADDRESS$addr digest max-bytes <1024-10485760>$n",
      H_LOG H_EMAIL H_ADDRESS H_DIGEST "Size of one digest at most\n"
				       "Number of bytes\n",
      0},
     conf_cmd_number},
    {{"log email ADDRESS$addr digest max-interval <0-86400>$n",
      H_LOG H_EMAIL H_ADDRESS H_DIGEST "Longest wait between the mails of a storm\n"
				       "Time in seconds (0: no pacing)\n",
      0},
     conf_cmd_number},
    {{"log email ADDRESS$addr digest fold {on|off}",
      H_LOG H_EMAIL H_ADDRESS H_DIGEST "Lines that differ only in numbers, addresses, ids and "
				       "quoted text\n"
				       "Fold them into one line with a count (the default)\n"
				       "One line per message\n",
      0},
     conf_cmd_fold},
    {{"log email ADDRESS$addr urgent level LEVEL$level",
      H_LOG H_EMAIL H_ADDRESS "Send messages this severe at once\n"
			      "This level or more severe\n"
			      "Severity level\n",
      0},
     conf_cmd_urgent},
    {{"log email ADDRESS$addr rate-limit <0-100000>$n",
      H_LOG H_EMAIL H_ADDRESS "Mails per hour at most; the rest is counted\n"
			      "Number of mails per hour\n",
      0},
     conf_cmd_number},
    {{"log email ADDRESS$addr subject LINE$subject",
      H_LOG H_EMAIL H_ADDRESS "Subject of the digests (%N %S %T %D %L %U %C %E)\n"
			      "Subject\n",
      0},
     conf_cmd_subject},
    {{"log email ADDRESS$addr logcheck " LOGCHECK_LEVEL " [rules FILE$dir]",
      H_LOG H_EMAIL H_ADDRESS H_LOGCHECK H_LOGCHECK_LEVEL H_LOGCHECK_RULES, 0},
     conf_cmd_logcheck},
    {{"default log email ADDRESS$addr", H_DEFAULT H_LOG H_EMAIL H_ADDRESS, 0},
     conf_cmd_default_log_email},
    {{"default log email ADDRESS$addr logcheck",
      H_DEFAULT H_LOG H_EMAIL H_ADDRESS "No logcheck filter (the default)\n", 0},
     conf_cmd_default_logcheck},
    {{"no mail smtpserver", H_NO H_MAIL H_SERVER, 0}, cmd_no_server},
    {{"no mail smtpserver port", H_NO H_MAIL H_SERVER "Back to 25, 587 or 465 by TLS mode\n", 0},
     cmd_no_port},
    {{"no mail smtpserver tls", H_NO H_MAIL H_SERVER "No TLS\n", 0}, cmd_no_tls},
    {{"no mail smtpserver tls ca-file", H_NO H_MAIL H_SERVER H_TLS "Use the system store\n", 0},
     cmd_no_ca_file},
    {{"no mail smtpserver tls verify",
      H_NO H_MAIL H_SERVER H_TLS "Do not verify the server's certificate\n", 0},
     cmd_no_verify},
    {{"no mail smtpserver authentication", H_NO H_MAIL H_SERVER H_AUTH, 0}, cmd_no_auth},
    {{"no mail smtpserver oauth",
      H_NO H_MAIL H_SERVER "OAuth 2.0 access tokens from a token endpoint\n", 0},
     cmd_no_oauth},
    {{"no mail smtpserver authentication allow-cleartext",
      H_NO H_MAIL H_SERVER H_AUTH "Never send a password without TLS\n", 0},
     cmd_no_cleartext},
    {{"no mail smtpserver timeout", H_NO H_MAIL H_SERVER "Back to the RFC 5321 timeouts\n", 0},
     cmd_no_timeout},
    {{"no mail smtpserver helo", H_NO H_MAIL H_SERVER "Back to the host's own name\n", 0},
     cmd_no_helo},
    {{"no mail from", H_NO H_MAIL "The sender's email address\n", 0}, cmd_no_from},
    {{"no mail serial-number", H_NO H_MAIL "Back to the DMI serial or the machine-id\n", 0},
     cmd_no_serial},
    {{"no log email ADDRESS$addr " CRITERIA, H_NO H_LOG H_EMAIL H_ADDRESS H_CRITERIA, 0},
     conf_cmd_no_log_email},
    {{"no log email ADDRESS$addr exclude " CRITERIA,
      H_NO H_LOG H_EMAIL H_ADDRESS "An exclude filter\n" H_CRITERIA, 0},
     conf_cmd_no_log_exclude},
    {{"no log email ADDRESS$addr {time|digest {window|max-messages|max-bytes|max-interval|fold}|"
      "urgent|rate-limit|subject}",
      H_NO H_LOG H_EMAIL H_ADDRESS "Local time, no offset\n" H_DIGEST "Back to 30 seconds\n"
				   "Back to 100 messages\n"
				   "Back to 65536 bytes\n"
				   "Back to 3600 seconds\n"
				   "Back to folding repeated lines (on)\n"
				   "Nothing is urgent: every message waits for its digest\n"
				   "Back to 20 mails an hour\n"
				   "Back to the default subject\n",
      0},
     conf_cmd_no_setting},
    {{"no log email ADDRESS$addr logcheck [" LOGCHECK_LEVEL " [rules FILE$dir]]",
      H_NO H_LOG H_EMAIL H_ADDRESS H_LOGCHECK H_LOGCHECK_LEVEL H_LOGCHECK_RULES, 0},
     conf_cmd_no_logcheck},
};

const struct conf_table conf_commands = CONF_TABLE(commands);

/* ---- entry points --------------------------------------------------------------- */

void conf_err_start(struct conf_err *err, const char *file, unsigned lineno)
{
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
	err->line = lineno;
}

/* Run line against c in place; c may be half changed on error (callers
 * work on a copy).  *saw_password: the line gave a password. */
enum conf_status conf_exec_in_place(struct conf *c, const char *line, struct conf_err *err,
				    bool *saw_password)
{
	struct conf_line l;
	struct conf_match *m = NULL;
	struct ctx x = {.c = c, .l = &l, .err = err};
	enum conf_status st = conf_line_split(&l, line, false, err);

	if (st == CONF_OK && l.n > 0) {
		m = malloc(sizeof(*m));
		if (!m)
			st = nomem(&x);
	}
	if (m) {
		conf_match(&conf_commands, 1, &l, l.n, m);
		if (m->kind == CONF_MATCH_OK) {
			const struct conf_command *cmd = &commands[m->index];

			x.a = &m->args;
			*saw_password |= m->secret;
			st = cmd->fn(&x);
		} else {
			err->kind = (int)m->kind;
			st = fail(&x, CONF_ESYNTAX, m->col, "%s", m->msg);
		}
	}
	free(m);
	conf_line_free(&l);
	return st;
}

/* Comments and blank lines need no copy of the configuration. */
bool conf_line_trivial(const char *line)
{
	line += strspn(line, " \t");
	return *line == '\0' || *line == '!' || *line == '\n' || *line == '\r';
}

enum conf_status conf_exec(struct conf *c, const char *line, const char *file, unsigned lineno,
			   struct conf_err *err)
{
	struct conf_err dummy;
	struct conf *copy;
	enum conf_status st;
	bool saw_password = false;

	err = err ? err : &dummy;
	conf_err_start(err, file, lineno);
	if (!line || conf_line_trivial(line))
		return CONF_OK;
	copy = conf_dup(c);
	if (!copy) {
		conf_err_set(err, "out of memory");
		return CONF_ENOMEM;
	}
	st = conf_exec_in_place(copy, line, err, &saw_password);
	if (st == CONF_OK)
		conf_replace(c, copy);
	else
		conf_free(copy);
	return st;
}
