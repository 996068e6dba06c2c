/*
 * config/load.c: a configuration file loaded (conf_load): it must be one
 * only its reader or root can change, and private when it holds a
 * password; its lines run against one copy of the configuration, all or
 * nothing, and its comment blocks are kept with the command they stand
 * before, so that `write memory` keeps them.
 */
#include "config/internal.h"
#include "util/trust.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* logmail.key in the directory of path, made absolute when it can be (the
 * CLI or rsyslogd may change directory later). */
static int default_key_path(struct conf *c, const char *path)
{
	char dir[PATH_MAX], *d, *abs, key[PATH_MAX + sizeof(CONF_KEY_NAME) + 1];

	if (c->key_path)
		return 0;
	snprintf(dir, sizeof(dir), "%s", path);
	d = dirname(dir);
	abs = realpath(d, NULL);
	snprintf(key, sizeof(key), "%s/%s", abs ? abs : d, CONF_KEY_NAME);
	free(abs);
	return conf_set_key_path(c, key);
}

/* line (a command) alone, as `show running-config` would print it: its
 * last line there.  NULL when it does not stand alone (a password to
 * encrypt, a filter to remove) or out of memory. */
static char *canonical(const char *line)
{
	struct conf *one = conf_new();
	char *text = NULL, *last, *out = NULL;
	size_t len = 0;
	FILE *f;

	if (one && conf_exec(one, line, "", 0, NULL) == CONF_OK &&
	    (f = open_memstream(&text, &len)) != NULL) {
		int rc = conf_write(one, f);

		if (fclose(f) == 0 && rc == 0 && len > 0) {
			text[len - 1] = '\0';
			last = strrchr(text, '\n');
			out = strdup(last ? last + 1 : text);
		}
	}
	free(text);
	conf_free(one);
	return out;
}

/* The comment block being read: its lines, and whether one is a comment
 * (blank lines alone are not kept). */
struct block {
	char *text;
	size_t len;
	bool comment;
};

static int block_add(struct block *b, const char *line)
{
	size_t n = strlen(line);
	char *v = realloc(b->text, b->len + n + 2);

	if (!v)
		return -1;
	b->text = v;
	memcpy(b->text + b->len, line, n);
	b->len += n;
	if (n == 0 || line[n - 1] != '\n')
		b->text[b->len++] = '\n';
	b->text[b->len] = '\0';
	b->comment = b->comment || line[strspn(line, " \t")] == '!';
	return 0;
}

/* The block ends before line (NULL: at the end of the file): note it. */
static enum conf_status block_end(struct conf *c, struct block *b, const char *line,
				  struct conf_err *err)
{
	char *anchor = b->comment && line ? canonical(line) : NULL;
	int rc = b->comment ? conf_note_add(c, b->text, anchor) : 0;

	free(anchor);
	free(b->text);
	*b = (struct block){0};
	if (rc < 0)
		conf_err_set(err, "out of memory");
	return rc < 0 ? CONF_ENOMEM : CONF_OK;
}

static enum conf_status load_lines(struct conf *c, FILE *f, struct conf_err *err,
				   bool *saw_password)
{
	struct block b = {0};
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	enum conf_status st = CONF_OK;

	conf_notes_clear(c);
	while (st == CONF_OK && (len = getline(&line, &cap, f)) >= 0) {
		err->line++;
		if ((size_t)len != strlen(line)) {
			err->column = (unsigned)strlen(line) + 1;
			conf_err_set(err, "NUL byte in line");
			st = CONF_ESYNTAX;
		} else if (conf_line_trivial(line)) {
			st = block_add(&b, line) < 0 ? CONF_ENOMEM : CONF_OK;
			if (st != CONF_OK)
				conf_err_set(err, "out of memory");
		} else {
			st = block_end(c, &b, line, err);
			if (st == CONF_OK)
				st = conf_exec_in_place(c, line, err, saw_password);
		}
		explicit_bzero(line, cap);
	}
	if (st == CONF_OK && ferror(f)) {
		err->column = 0;
		conf_err_set(err, "read error: %s", strerror(errno));
		st = CONF_EIO;
	}
	if (st == CONF_OK)
		st = block_end(c, &b, NULL, err);
	free(b.text);
	free(line);
	return st;
}

/* A file that holds a password must be private to its owner (as msmtp). */
static enum conf_status check_private(const struct stat *st, struct conf_err *err)
{
	if (st->st_mode & 077) {
		err->line = err->column = 0;
		conf_err_set(err,
			     "contains a password and therefore must not be accessible by group or "
			     "others (mode %04o); chmod 600 it",
			     (unsigned)(st->st_mode & 07777));
		return CONF_ESECRET;
	}
	return CONF_OK;
}

/* Any configuration, with a password or not, must be one that only the
 * user reading it or root can change (util/trust.h), as Postfix and msmtp
 * require: it names the server, the sender and who gets which log lines. */
static enum conf_status check_trusted(const char *path, const struct stat *st,
				      struct conf_err *err)
{
	char why[sizeof(err->msg) - 16];

	if (util_trusted(st, path, why, sizeof(why)))
		return CONF_OK;
	err->line = err->column = 0;
	conf_err_set(err, "the file is %s", why);
	return CONF_ESECRET;
}

enum conf_status conf_load_stamped(struct conf *c, const char *path, struct conf_stamp *stamp,
				   struct conf_err *err)
{
	struct conf_err dummy;
	struct conf *copy = NULL;
	bool saw_password = false;
	enum conf_status st;
	struct stat sb;
	FILE *f;

	err = err ? err : &dummy;
	conf_err_start(err, path, 0);
	if (stamp)
		memset(stamp, 0, sizeof(*stamp));
	copy = conf_dup(c);
	if (!copy || default_key_path(copy, path) < 0) {
		conf_free(copy);
		conf_err_set(err, "out of memory");
		return CONF_ENOMEM;
	}
	f = fopen(path, "re");
	if (!f && errno == ENOENT) {
		conf_replace(c, copy);
		return CONF_OK;
	}
	if (!f || fstat(fileno(f), &sb) < 0) {
		conf_err_set(err, "%s", strerror(errno));
		if (f)
			fclose(f);
		conf_free(copy);
		return CONF_EIO;
	}
	st = check_trusted(path, &sb, err);
	if (st == CONF_OK)
		st = load_lines(copy, f, err, &saw_password);
	if (st == CONF_OK && saw_password)
		st = check_private(&sb, err);
	fclose(f);
	if (st != CONF_OK) {
		conf_free(copy);
		return st;
	}
	memset(err, 0, sizeof(*err));
	conf_replace(c, copy);
	if (stamp)
		conf_stamp_of(stamp, &sb);
	return CONF_OK;
}

enum conf_status conf_load(struct conf *c, const char *path, struct conf_err *err)
{
	return conf_load_stamped(c, path, NULL, err);
}
