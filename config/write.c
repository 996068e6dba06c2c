/*
 * config/write.c: the configuration back as commands (`show running-config`)
 * and saved atomically.  Every line printed here reads back through
 * parse.c to the same value: conf_load(conf_write(c)) == c.  A value that
 * could be read as a keyword (or an abbreviation of one) is quoted.
 */
#include "config/internal.h"
#include "util/replace.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const tls_names[] = {"", "starttls", "smtps"};
static const char *const auth_names[] = {"", "crammd5", "login", "plain", "xoauth2", "oauthbearer"};

void conf_write_quoted(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

/* A value as one word: quoted when it would not read back as itself. */
static void put_word(FILE *out, const char *s)
{
	if (s[0] == '\0' || strpbrk(s, " \t\"?|") || conf_is_keyword_prefix(s))
		conf_write_quoted(out, s);
	else
		fputs(s, out);
}

static void write_oauth(const struct conf_oauth *o, FILE *out)
{
	if (!o->token_url)
		return;
	fputs("mail smtpserver oauth token-url ", out);
	put_word(out, o->token_url);
	fputs(" client-id ", out);
	put_word(out, o->client_id);
	if (o->secret8)
		fprintf(out, " client-secret 8 %s", o->secret8);
	if (o->scope) {
		fputs(" scope ", out);
		conf_write_quoted(out, o->scope);
	}
	if (o->refresh8)
		fprintf(out, " refresh-token 8 %s", o->refresh8);
	if (o->ca_file) {
		fputs(" ca-file ", out);
		put_word(out, o->ca_file);
	}
	fputc('\n', out);
}

static void write_mail(const struct conf *c, FILE *out)
{
	if (c->server) {
		fputs("mail smtpserver ", out);
		put_word(out, c->server);
		fputc('\n', out);
	}
	if (c->auth != CONF_AUTH_NONE && c->username && c->password8) {
		fprintf(out, "mail smtpserver authentication %s username ", auth_names[c->auth]);
		put_word(out, c->username);
		fprintf(out, " password 8 %s\n", c->password8);
	}
	if ((c->auth == CONF_AUTH_XOAUTH2 || c->auth == CONF_AUTH_OAUTHBEARER) && c->username) {
		fprintf(out, "mail smtpserver authentication %s username ", auth_names[c->auth]);
		put_word(out, c->username);
		if (c->token_command) {
			fputs(" token-command ", out);
			conf_write_quoted(out, c->token_command);
		}
		fputc('\n', out);
	}
	write_oauth(&c->oauth, out);
	if (c->port)
		fprintf(out, "mail smtpserver port %u\n", c->port);
	if (c->tls != CONF_TLS_NONE)
		fprintf(out, "mail smtpserver tls %s\n", tls_names[c->tls]);
	if (c->tls_ca_file) {
		fputs("mail smtpserver tls ca-file ", out);
		put_word(out, c->tls_ca_file);
		fputc('\n', out);
	}
	if (!c->tls_verify)
		fputs("no mail smtpserver tls verify\n", out);
	if (c->auth_cleartext)
		fputs("mail smtpserver authentication allow-cleartext\n", out);
	if (c->timeout_sec)
		fprintf(out, "mail smtpserver timeout %u\n", c->timeout_sec);
	if (c->helo)
		fprintf(out, "mail smtpserver helo %s\n", c->helo);
	if (c->from) {
		fputs("mail from ", out);
		put_word(out, c->from);
		fputc('\n', out);
	}
	if (c->serial) {
		fputs("mail serial-number ", out);
		put_word(out, c->serial);
		fputc('\n', out);
	}
}

static void log_email(FILE *out, const char *addr, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "log email ADDRESS" and the rest (fmt): an address with a blank or a
 * quote (a quoted local part, "john doe"@example.com) as one quoted word. */
static void log_email(FILE *out, const char *addr, const char *fmt, ...)
{
	va_list ap;

	fputs("log email ", out);
	put_word(out, addr);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
}

static void write_filter(const char *addr, const char *excl, const struct conf_filter *f, FILE *out)
{
	log_email(out, addr, "%s", excl);
	if (f->level != CONF_LEVEL_ANY)
		fprintf(out, " level %s", conf_level_name(f->level));
	if (f->program) {
		fputs(" program ", out);
		put_word(out, f->program);
	}
	if (f->facility != CONF_FACILITY_ANY)
		fprintf(out, " facility %s", conf_facility_name(f->facility));
	if (f->host) {
		fputs(" host ", out);
		put_word(out, f->host);
	}
	if (f->msgtext) {
		fputs(f->msgtext_regex ? " msgtext regex " : " msgtext ", out);
		conf_write_quoted(out, f->msgtext);
	}
	fputc('\n', out);
}

/* Does r print a line that creates it?  Only `no log email A urgent` does
 * not; a recipient with nothing else needs a bare `log email A`. */
static bool has_creating_line(const struct conf_recipient *r)
{
	struct conf_recipient plain = *r;

	plain.digest.urgent_level = CONF_DIGEST_URGENT;
	return !conf_recipient_is_default(&plain);
}

static void write_settings(const struct conf_recipient *r, FILE *out)
{
	const struct conf_digest *d = &r->digest;
	const char *a = r->address;
	int off = r->offset_min < 0 ? -r->offset_min : r->offset_min;

	if (r->time_type != CONF_TIME_LOCAL || r->offset_min != 0)
		log_email(out, a, " time %s %c%d:%02d\n",
			  r->time_type == CONF_TIME_UTC ? "utc" : "local",
			  r->offset_min < 0 ? '-' : '+', off / 60, off % 60);
	if (d->window_sec != CONF_DIGEST_WINDOW)
		log_email(out, a, " digest window %u\n", d->window_sec);
	if (d->max_messages != CONF_DIGEST_MSGS)
		log_email(out, a, " digest max-messages %u\n", d->max_messages);
	if (d->max_bytes != CONF_DIGEST_BYTES)
		log_email(out, a, " digest max-bytes %u\n", d->max_bytes);
	if (d->max_interval_sec != CONF_DIGEST_MAX_INTERVAL)
		log_email(out, a, " digest max-interval %u\n", d->max_interval_sec);
	if (!d->fold) /* on is the default: running-config prints only `off` */
		log_email(out, a, " digest fold off\n");
	if (d->urgent_level != CONF_DIGEST_URGENT && d->urgent_level != CONF_LEVEL_ANY)
		log_email(out, a, " urgent level %s\n", conf_level_name(d->urgent_level));
	if (d->rate_per_hour != CONF_DIGEST_RATE)
		log_email(out, a, " rate-limit %u\n", d->rate_per_hour);
	if (d->subject) {
		log_email(out, a, " subject ");
		conf_write_quoted(out, d->subject);
		fputc('\n', out);
	}
	if (r->logcheck != CONF_LOGCHECK_NONE) {
		log_email(out, a, " logcheck %s", conf_logcheck_name(r->logcheck));
		if (r->logcheck_rules) {
			fputs(" rules ", out);
			put_word(out, r->logcheck_rules);
		}
		fputc('\n', out);
	}
	/* Last: it needs the recipient to exist (see has_creating_line). */
	if (d->urgent_level == CONF_LEVEL_ANY) {
		fputs("no ", out);
		log_email(out, a, " urgent\n");
	}
}

static void write_recipient(const struct conf_recipient *r, FILE *out)
{
	if (!has_creating_line(r))
		log_email(out, r->address, "\n");
	for (size_t i = 0; i < r->n_filters; i++)
		write_filter(r->address, "", &r->filters[i], out);
	for (size_t i = 0; i < r->n_excludes; i++)
		write_filter(r->address, " exclude", &r->excludes[i], out);
	write_settings(r, out);
}

int conf_write(const struct conf *c, FILE *out)
{
	write_mail(c, out);
	for (size_t i = 0; i < c->n_recipients; i++)
		write_recipient(&c->recipients[i], out);
	return ferror(out) ? -1 : 0;
}

/* ---- conf_save ----------------------------------------------------------------- */

/* conf_write with the file's comment blocks (struct conf_note) before the
 * lines they stood before, and those whose line is gone at the end. */
static int conf_write_noted(const struct conf *c, FILE *out)
{
	char *text = NULL, *line, *nl;
	size_t len = 0;
	bool *used = calloc(c->n_notes + 1, sizeof(*used));
	FILE *f = open_memstream(&text, &len);
	int rc = f && used ? conf_write(c, f) : -1;

	if (f && fclose(f) != 0)
		rc = -1;
	for (line = text; rc == 0 && line && *line; line = nl + 1) {
		nl = strchr(line, '\n'); /* conf_write ends every line */
		*nl = '\0';
		for (size_t i = 0; i < c->n_notes; i++)
			if (!used[i] && c->notes[i].anchor && strcmp(c->notes[i].anchor, line) == 0) {
				fputs(c->notes[i].text, out);
				used[i] = true;
			}
		fprintf(out, "%s\n", line);
	}
	for (size_t i = 0; rc == 0 && i < c->n_notes; i++)
		if (!used[i])
			fputs(c->notes[i].text, out);
	free(text);
	free(used);
	return rc == 0 && !ferror(out) ? 0 : -1;
}

/* Atomically (util/replace.h), mode 0600 (it may hold a password); a
 * symbolic link is saved through to its final target and stays a link. */
enum conf_status conf_save(const struct conf *c, const char *path, struct conf_err *err)
{
	struct conf_err dummy;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	err = err ? err : &dummy;
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", path);
	f = open_memstream(&text, &len);
	rc = f ? conf_write_noted(c, f) : -1;
	if (f && fclose(f) != 0)
		rc = -1;
	if (rc < 0) {
		free(text);
		conf_err_set(err, "out of memory");
		return CONF_ENOMEM;
	}
	rc = util_replace_write(AT_FDCWD, path, 0600, UTIL_REPLACE_FOLLOW, text, len, err->msg,
				sizeof(err->msg));
	free(text);
	return rc < 0 ? CONF_EIO : CONF_OK;
}
