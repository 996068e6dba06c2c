/*
 * engine/stats.c: the stats file (format in engine/engine.h).
 *
 * The module writes it (filter_stats_save), `show log config` reads it
 * (filter_stats_load).  Writing goes to a temporary file in the same
 * directory, fsync, rename, so a reader never sees half a file.
 *
 * Built on filters/filter.h's counters (filter_stats_get, filter_stats_set);
 * the filter engine itself knows nothing of this file: the engine, which
 * saves it, and `show log config`, which reads it, do.
 */
#include "engine/engine.h"
#include "util/replace.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATS_MAGIC    "logmail-stats 2"
#define STATS_MAGIC_V1 "logmail-stats 1"

static void err_set(struct conf_err *err, const char *path, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void err_set(struct conf_err *err, const char *path, unsigned line, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", path);
	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

static int stats_write(const struct filter_set *set, FILE *f)
{
	struct filter_received rcv;

	filter_stats_received(set, &rcv);
	fprintf(f, "%s\nreceived %" PRIu64 " %lld\n", STATS_MAGIC, rcv.received,
		(long long)rcv.since);
	for (size_t r = 0; r < filter_set_recipients(set); r++) {
		struct filter_stats st;

		filter_stats_get(set, r, &st);
		fprintf(f, "%s %" PRIu64 " %" PRIu64 " %lld %lld\n", filter_set_address(set, r),
			st.accepted, st.mailed, (long long)st.since, (long long)st.last_mail);
	}
	return ferror(f) ? -1 : 0;
}

/* Replaced atomically (util/replace.h), mode 0644: counters are not secret
 * and the CLI may read them.  A symbolic link planted at path is replaced,
 * never followed. */
enum filter_status filter_stats_save(const struct filter_set *set, const char *path,
				     struct conf_err *err)
{
	char *text = NULL, why[sizeof(err->msg)];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int rc = f ? stats_write(set, f) : -1;

	if (f && fclose(f) != 0)
		rc = -1;
	if (rc < 0) {
		free(text);
		err_set(err, path, 0, "out of memory");
		return FILTER_ENOMEM;
	}
	rc = util_replace_write(AT_FDCWD, path, 0644, 0, text, len, why, sizeof(why));
	free(text);
	if (rc < 0) {
		err_set(err, path, 0, "cannot write statistics: %s", why);
		return FILTER_EIO;
	}
	return FILTER_OK;
}

/* The n numbers that end line into v[0..n), cut off the line: what stays
 * is its start, the address.  false when they are not there. */
static bool trailing_numbers(char *line, unsigned long long *v, int n)
{
	for (int k = n - 1; k >= 0; k--) {
		char *blank = strrchr(line, ' '), *end;

		if (blank == NULL || blank == line || !isdigit((unsigned char)blank[1]))
			return false;
		errno = 0;
		v[k] = strtoull(blank + 1, &end, 10);
		if (*end != '\0' || errno != 0)
			return false;
		*blank = '\0';
	}
	return true;
}

/* One recipient's line of a version 2 file, or (v1) of a version 1 file,
 * whose first received count is the set's.  The numbers are read from the
 * end of the line and the address is all before them: it may be as long
 * as any, and a quoted local part ("john doe"@example.com) holds blanks. */
static enum filter_status stats_line(struct filter_stats_table *t, char *line, bool v1)
{
	unsigned long long n[4]; /* v1: received accepted mailed since */
	struct filter_stats_entry *v;

	if (!trailing_numbers(line, n, 4))
		return FILTER_EFORMAT;
	if (v1 && t->n == 0)
		t->received = (struct filter_received){n[0], (time_t)n[3]};
	v = realloc(t->entries, (t->n + 1) * sizeof(*v));
	if (!v)
		return FILTER_ENOMEM;
	t->entries = v;
	v[t->n].address = strdup(line);
	if (!v[t->n].address)
		return FILTER_ENOMEM;
	v[t->n].stats = v1 ? (struct filter_stats){n[1], n[2], (time_t)n[3], 0}
			   : (struct filter_stats){n[0], n[1], (time_t)n[2], (time_t)n[3]};
	t->n++;
	return FILTER_OK;
}

/* "received N SINCE" of a version 2 file. */
static enum filter_status received_line(struct filter_stats_table *t, const char *line)
{
	unsigned long long rec;
	long long since;

	if (sscanf(line, "received %llu %lld", &rec, &since) != 2)
		return FILTER_EFORMAT;
	t->received = (struct filter_received){rec, (time_t)since};
	return FILTER_OK;
}

enum filter_status filter_stats_load(const char *path, struct filter_stats_table *t,
				     struct conf_err *err)
{
	enum filter_status st = FILTER_OK;
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	bool v1 = false;
	int fd;

	memset(t, 0, sizeof(*t));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW); /* a link in the spool: refused */
	f = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		err_set(err, path, 0, "cannot read statistics: %s", strerror(errno));
		return errno == ENOENT ? FILTER_ENOENT : FILTER_EIO;
	}
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (lineno == 1) {
			v1 = strcmp(line, STATS_MAGIC_V1) == 0;
			st = v1 || strcmp(line, STATS_MAGIC) == 0 ? FILTER_OK : FILTER_EFORMAT;
		} else if (lineno == 2 && !v1) {
			st = received_line(t, line);
		} else if (line[0] != '\0' && line[0] != '#') {
			st = stats_line(t, line, v1);
		}
		if (st != FILTER_OK)
			break;
	}
	if (st == FILTER_OK && lineno < (v1 ? 1u : 2u))
		st = FILTER_EFORMAT;
	if (st == FILTER_OK && ferror(f))
		st = FILTER_EIO;
	if (st != FILTER_OK) {
		err_set(err, path, lineno,
			st == FILTER_EFORMAT ? "not a logmail statistics file"
					     : "cannot read statistics");
		filter_stats_table_free(t);
	}
	free(line);
	fclose(f);
	return st;
}

void filter_stats_table_free(struct filter_stats_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->entries[i].address);
	free(t->entries);
	*t = (struct filter_stats_table){0};
}

const struct filter_stats *filter_stats_lookup(const struct filter_stats_table *t,
					       const char *address)
{
	for (size_t i = 0; t && address && i < t->n; i++)
		if (strcmp(t->entries[i].address, address) == 0)
			return &t->entries[i].stats;
	return NULL;
}

void filter_stats_restore(struct filter_set *set, const struct filter_stats_table *t)
{
	if (t && t->received.since > 0)
		filter_stats_set_received(set, &t->received);
	for (size_t r = 0; t && r < filter_set_recipients(set); r++) {
		const struct filter_stats *st = filter_stats_lookup(t, filter_set_address(set, r));

		if (st)
			filter_stats_set(set, r, st);
	}
}
