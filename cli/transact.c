/*
 * cli/transact.c: the configuration file under the modes.
 *
 * Before each command the file is read again when it changed.  A change
 * made at once (the shell, a command from argv) is a read-modify-save under
 * the file's lock.  A batch (`configure`, the configuration lines of a
 * script) applies its lines to its view as they come, to find errors, and
 * keeps them; saving takes the lock, reads the file again if someone saved
 * meanwhile, applies the lines to it again and saves.  Nothing anyone saved
 * is ever overwritten unseen.
 */
#include "cli/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

/* ---- reading the file ----------------------------------------------------- */

static int load_into(struct cli *cli, struct conf **out, struct conf_stamp *stamp,
		     struct conf_err *err)
{
	struct conf *c = conf_new();
	enum conf_status st;

	if (!c) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return EX_OSERR;
	}
	if (access(cli->config_path, F_OK) == 0 && access(cli->config_path, R_OK) != 0) {
		int e = errno;

		snprintf(err->file, sizeof(err->file), "%s", cli->config_path);
		err->line = err->column = 0;
		snprintf(err->msg, sizeof(err->msg), "%s", strerror(e));
		conf_free(c);
		return e == EACCES ? EX_NOPERM : EX_IOERR;
	}
	st = conf_load_stamped(c, cli->config_path, stamp, err);
	if (st != CONF_OK) {
		conf_free(c);
		return st == CONF_EIO ? EX_IOERR : st == CONF_ENOMEM ? EX_OSERR : EX_CONFIG;
	}
	*out = c;
	return EX_OK;
}

int cli_load(struct cli *cli)
{
	struct conf_err err = {0};
	char line[1024];
	int rc = load_into(cli, &cli->conf, &cli->stamp, &err);

	if (rc != EX_OK) {
		conf_err_format(&err, line, sizeof(line));
		fprintf(cli->err, "logmail: %s\n", line);
	}
	return rc;
}

/* Read the file again into cli->conf. */
static int reload(struct run *r)
{
	struct conf_err err = {0};
	struct conf *fresh = NULL;
	struct conf_stamp stamp;
	char line[1024];
	int rc = load_into(r->cli, &fresh, &stamp, &err);

	if (rc != EX_OK) {
		conf_err_format(&err, line, sizeof(line));
		cli_say(r, "%% Error: %s", line);
		return rc;
	}
	conf_free(r->cli->conf);
	r->cli->conf = fresh;
	r->cli->stamp = stamp;
	return EX_OK;
}

/* Before a command: the file as it is now (a batch keeps its own view). */
int cli_refresh(struct run *r)
{
	if (r->npending || !conf_changed(r->cli->config_path, &r->cli->stamp))
		return EX_OK;
	return reload(r);
}

/* ---- changing the file ----------------------------------------------------- */

/* The configuration's directory (and so the key file's) must exist before
 * a password is encrypted or the file saved. */
static int ensure_dir(struct run *r)
{
	char *dir = strdup(r->cli->config_path), *slash;
	int rc = EX_OK;

	if (!dir)
		return EX_OSERR;
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
			int e = errno;

			cli_say(r, "cannot create %s: %s", dir, strerror(e));
			rc = e == EACCES || e == EPERM ? EX_NOPERM : EX_CANTCREAT;
		}
	}
	free(dir);
	return rc;
}

/* A password 8 typed (or pasted from a switch) must work on this host. */
static enum conf_status check_password(const struct conf *before, const struct conf *c,
				       struct conf_err *err)
{
	char buf[1025];
	struct conf_err ignored;
	enum conf_status st;

	if (c->auth == CONF_AUTH_NONE || !c->password8 ||
	    (before->password8 && strcmp(before->password8, c->password8) == 0))
		return CONF_OK;
	st = conf_password(c, buf, sizeof(buf), &ignored);
	explicit_bzero(buf, sizeof(buf));
	if (st == CONF_OK)
		return CONF_OK;
	err->column = 0;
	snprintf(err->msg, sizeof(err->msg),
		 "this password 8 cannot be decrypted with this host's key (%s): it was "
		 "encrypted elsewhere; enter the password in clear (password PASSWORD) and "
		 "logmail stores it encrypted",
		 c->key_path ? c->key_path : "none");
	return CONF_ESECRET;
}

/* One configuration line applied to c, all or nothing. */
static enum conf_status apply(struct run *r, struct conf *c, const char *text, unsigned line,
			      struct conf_err *err)
{
	struct conf *copy = conf_dup(c);
	enum conf_status st;

	if (!copy) {
		memset(err, 0, sizeof(*err));
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return CONF_ENOMEM;
	}
	st = conf_exec(copy, text, r->file ? r->file : "<command>", line, err);
	if (st == CONF_OK)
		st = check_password(c, copy, err);
	if (st == CONF_OK) { /* swap: c gets the new, copy the old to free */
		struct conf old = *c;

		*c = *copy;
		*copy = old;
	}
	conf_free(copy);
	return st;
}

static int save_failed(struct run *r, enum conf_status st, struct conf_err *err)
{
	if (!err->file[0])
		snprintf(err->file, sizeof(err->file), "%s", r->cli->config_path);
	err->line = err->column = 0;
	cli_report_conf(r, st, err, NULL, 0);
	return st == CONF_EIO ? EX_CANTCREAT : cli_conf_exit(st);
}

void cli_drop_pending(struct run *r)
{
	for (size_t i = 0; i < r->npending; i++) {
		explicit_bzero(r->pending[i].text, strlen(r->pending[i].text));
		free(r->pending[i].text);
	}
	free(r->pending);
	r->pending = NULL;
	r->npending = 0;
}

/* Under the lock: the file as it is now, the pending lines applied again
 * when it changed since the batch's view was read. */
static int replay(struct run *r)
{
	struct conf_err err = {0};
	enum conf_status st = CONF_OK;
	unsigned keep = r->line;
	int rc;

	if (!conf_changed(r->cli->config_path, &r->cli->stamp))
		return EX_OK;
	rc = reload(r);
	for (size_t i = 0; rc == EX_OK && i < r->npending; i++) {
		st = apply(r, r->cli->conf, r->pending[i].text, r->pending[i].line, &err);
		if (st == CONF_OK)
			continue;
		r->line = r->pending[i].line;
		cli_say(r,
			"the configuration file changed meanwhile and this line no longer applies "
			"to it; nothing saved:");
		cli_report_conf(r, st, &err, NULL, 0);
		r->line = keep;
		rc = cli_conf_exit(st);
	}
	return rc;
}

/* Save the batch's pending lines (a read-modify-save under the lock). */
int cli_save(struct run *r)
{
	struct conf_err err = {0};
	enum conf_status st;
	int lock, rc;

	if (!r->npending)
		return EX_OK;
	st = conf_lock(r->cli->config_path, &lock, &err);
	if (st != CONF_OK) {
		cli_drop_pending(r);
		return save_failed(r, st, &err);
	}
	rc = replay(r);
	if (rc == EX_OK) {
		st = conf_save_stamped(r->cli->conf, r->cli->config_path, &r->cli->stamp, &err);
		if (st != CONF_OK)
			rc = save_failed(r, st, &err);
	}
	conf_unlock(lock);
	cli_drop_pending(r);
	if (rc != EX_OK)
		reload(r); /* the view goes back to the file */
	return rc;
}

/* One configuration line (as typed; columns count from text's start):
 * applied to the view, kept, and saved at once unless in a batch. */
int cli_config_line(struct run *r, const char *text, unsigned offset)
{
	struct conf_err err = {0};
	struct pending *v;
	enum conf_status st;
	int rc = ensure_dir(r);

	if (rc != EX_OK)
		return rc;
	st = apply(r, r->cli->conf, text, r->file ? r->line : 1, &err);
	if (st != CONF_OK) {
		cli_report_conf(r, st, &err, text, offset);
		return cli_conf_exit(st);
	}
	v = realloc(r->pending, (r->npending + 1) * sizeof(*v));
	if (v)
		r->pending = v;
	if (!v || !(v[r->npending].text = strdup(text))) {
		cli_say(r, "%% out of memory");
		return EX_OSERR;
	}
	v[r->npending++].line = r->file ? r->line : 1;
	return r->batch ? EX_OK : cli_save(r);
}
