/*
 * config/write.c: the configuration back as commands (`show running-config`)
 * and saved atomically.  Every line printed here reads back through
 * parse.c to the same value: conf_load(conf_write(c)) == c.  A value that
 * could be read as a keyword (or an abbreviation of one) is quoted.
 */
#include "config/internal.h"
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
	if (c->from)
		fprintf(out, "mail from %s\n", c->from);
	if (c->serial) {
		fputs("mail serial-number ", out);
		put_word(out, c->serial);
		fputc('\n', out);
	}
}

static void write_filter(const char *addr, const char *excl, const struct conf_filter *f, FILE *out)
{
	fprintf(out, "log email %s%s", addr, excl);
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
		fprintf(out, "log email %s time %s %c%d:%02d\n", a,
			r->time_type == CONF_TIME_UTC ? "utc" : "local",
			r->offset_min < 0 ? '-' : '+', off / 60, off % 60);
	if (d->window_sec != CONF_DIGEST_WINDOW)
		fprintf(out, "log email %s digest window %u\n", a, d->window_sec);
	if (d->max_messages != CONF_DIGEST_MSGS)
		fprintf(out, "log email %s digest max-messages %u\n", a, d->max_messages);
	if (d->max_bytes != CONF_DIGEST_BYTES)
		fprintf(out, "log email %s digest max-bytes %u\n", a, d->max_bytes);
	if (!d->fold) /* on is the default: running-config prints only `off` */
		fprintf(out, "log email %s digest fold off\n", a);
	if (d->urgent_level != CONF_DIGEST_URGENT && d->urgent_level != CONF_LEVEL_ANY)
		fprintf(out, "log email %s urgent level %s\n", a, conf_level_name(d->urgent_level));
	if (d->rate_per_hour != CONF_DIGEST_RATE)
		fprintf(out, "log email %s rate-limit %u\n", a, d->rate_per_hour);
	if (d->subject) {
		fprintf(out, "log email %s subject ", a);
		conf_write_quoted(out, d->subject);
		fputc('\n', out);
	}
	if (r->logcheck != CONF_LOGCHECK_NONE) {
		fprintf(out, "log email %s logcheck %s", a, conf_logcheck_name(r->logcheck));
		if (r->logcheck_rules) {
			fputs(" rules ", out);
			put_word(out, r->logcheck_rules);
		}
		fputc('\n', out);
	}
	/* Last: it needs the recipient to exist (see has_creating_line). */
	if (d->urgent_level == CONF_LEVEL_ANY)
		fprintf(out, "no log email %s urgent\n", a);
}

static void write_recipient(const struct conf_recipient *r, FILE *out)
{
	if (!has_creating_line(r))
		fprintf(out, "log email %s\n", r->address);
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

static enum conf_status io_fail(struct conf_err *err, const char *what)
{
	conf_err_set(err, "%s: %s", what, strerror(errno));
	return CONF_EIO;
}

/* Write c into the open temporary fd and make it durable; closes fd. */
static enum conf_status write_tmp(const struct conf *c, int fd, struct conf_err *err)
{
	FILE *f;
	enum conf_status st = CONF_OK;

	if (fchmod(fd, 0600) < 0) {
		close(fd);
		return io_fail(err, "cannot chmod the temporary file");
	}
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return io_fail(err, "cannot write the temporary file");
	}
	if (conf_write(c, f) < 0 || fflush(f) != 0 || fsync(fileno(f)) < 0)
		st = io_fail(err, "cannot write the temporary file");
	if (fclose(f) != 0 && st == CONF_OK)
		st = io_fail(err, "cannot write the temporary file");
	return st;
}

enum conf_status conf_save(const struct conf *c, const char *path, struct conf_err *err)
{
	struct conf_err dummy;
	char tmp[PATH_MAX];
	enum conf_status st;
	int fd;

	err = err ? err : &dummy;
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", path);
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp)) {
		conf_err_set(err, "path too long");
		return CONF_EIO;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return io_fail(err, "cannot create a temporary file");
	st = write_tmp(c, fd, err);
	if (st == CONF_OK && rename(tmp, path) < 0)
		st = io_fail(err, "cannot rename the temporary file");
	if (st != CONF_OK) {
		unlink(tmp);
		return st;
	}
	if (util_fsync_parent(path) < 0)
		return io_fail(err, "cannot fsync the directory");
	return CONF_OK;
}
