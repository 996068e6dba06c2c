/*
 * cli/show_log.c: `show log config`: the `Email ADDR:` blocks of the loaded
 * configuration, with the statistics the module publishes in <spool>/stats
 * (engine/engine.h).  Without that file every count is zero; an unreadable
 * one is reported on cli->err and treated the same way.
 *
 * The layout is the one of the AlliedWare Plus feature guide (Mail (SMTP)),
 * each target's statistics line as the guide prints it, and logmail's own
 * counts on a line of their own after it:
 *
 *   Email admin@example.com:
 *   Time offset .... +0:00
 *   Offset type .... Local
 *   Digest window .. 30 s               <- logmail's digest settings, same style
 *   Max messages ... 100
 *   Max bytes ...... 65536
 *   Max interval ... 3600 s             (or: no pacing)
 *   Fold repeats ... on                 (or: off)
 *   Urgent level ... critical           (or: none)
 *   Rate limit ..... 60 per hour        (or: unlimited)
 *   Subject ........ "%N: log messages" (or: default)
 *   Filters:
 *     1 Level ........ emergencies
 *       Program ...... any
 *       Facility ..... any
 *       Host ......... web*             <- only for a filter with `host H`
 *       Message text . any
 *     2 Logcheck ..... server, rules in /etc/logcheck   <- `logcheck LEVEL [rules DIR]`
 *       cracking.d ............ 6 files, 9 rules  (the directories of the level)
 *       ...
 *       error: DIR/ignore.d.server/local-x:3: does not compile: unmatched ( or \(; not loaded
 *       note: DIR/ignore.d.server/kernel:1: run by PCRE2: Vectorscan says: ...
 *   Exclude filters:                    <- only when the recipient has some
 *     1 Level ........ any
 *       Program ...... cron
 *       ...
 *     Statistics ..... 1327 messages received, 821 accepted by filter (2016 Oct 11 10:30:00)
 *     Mailed ......... 795 messages (last mail 2016 Oct 11 11:02:40)
 *
 * "messages received" is every message the module was given (each once,
 * however many recipients: the same number in every target, as on the
 * switch); the date is when the target's counting started (it carries over
 * restarts).  "Mailed" counts the messages its mails showed, a folded line
 * all it stands for; "last mail" is when its last mail was made.  A
 * recipient without filters shows `  (none: no messages will be sent)`
 * under Filters.  Without a stats file every count is zero, without dates.
 * Dates are in local time, the month's name in English whatever the locale.
 * The logcheck rules are read (not compiled) to count them and to list the
 * ones that are left out or run by PCRE2.
 */
#include "cli/cli.h"
#include "engine/engine.h"
#include "filters/filter.h"
#include "smtp/smtp.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#define LABEL_WIDTH 16 /* "Time offset ...." */

static void label(FILE *out, const char *name)
{
	int dots = LABEL_WIDTH - (int)strlen(name) - 1;

	fprintf(out, "%s ", name);
	for (int i = 0; i < (dots < 2 ? 2 : dots); i++)
		fputc('.', out);
	fputc(' ', out);
}

static void show_offset(FILE *out, const struct conf_recipient *r)
{
	int m = r->offset_min < 0 ? -r->offset_min : r->offset_min;

	label(out, "Time offset");
	fprintf(out, "%c%d:%02d\n", r->offset_min < 0 ? '-' : '+', m / 60, m % 60);
	label(out, "Offset type");
	fprintf(out, "%s\n", r->time_type == CONF_TIME_UTC ? "UTC" : "Local");
}

static void show_digest(FILE *out, const struct conf_digest *d)
{
	const char *urgent = conf_level_name(d->urgent_level);

	label(out, "Digest window");
	fprintf(out, "%u s\n", d->window_sec);
	label(out, "Max messages");
	fprintf(out, "%u\n", d->max_messages);
	label(out, "Max bytes");
	fprintf(out, "%u\n", d->max_bytes);
	label(out, "Max interval");
	if (d->max_interval_sec)
		fprintf(out, "%u s\n", d->max_interval_sec);
	else
		fprintf(out, "no pacing\n");
	label(out, "Fold repeats");
	fprintf(out, "%s\n", d->fold ? "on" : "off");
	label(out, "Urgent level");
	fprintf(out, "%s\n", d->urgent_level < 0 || !urgent ? "none" : urgent);
	label(out, "Rate limit");
	if (d->rate_per_hour)
		fprintf(out, "%u per hour\n", d->rate_per_hour);
	else
		fprintf(out, "unlimited\n");
	label(out, "Subject");
	if (d->subject)
		conf_write_quoted(out, d->subject);
	else
		fputs("default", out);
	fputc('\n', out);
}

/* A label under "Filters:" (prefix "  1 " or "    ", then the name) with
 * dots so that every value starts in the same column, as "Message text . "
 * does. */
#define FILTER_VALUE_COL 19

static void filter_label(FILE *out, const char *prefix, const char *name)
{
	int dots = FILTER_VALUE_COL - (int)(strlen(prefix) + strlen(name)) - 2;

	fprintf(out, "%s%s ", prefix, name);
	for (int i = 0; i < (dots < 1 ? 1 : dots); i++)
		fputc('.', out);
	fputc(' ', out);
}

static void show_filter(FILE *out, size_t n, const struct conf_filter *f)
{
	const char *level = conf_level_name(f->level);
	const char *fac = conf_facility_name(f->facility);
	char num[32];

	snprintf(num, sizeof(num), "  %zu ", n);
	filter_label(out, num, "Level");
	fprintf(out, "%s\n", level ? level : "?");
	filter_label(out, "    ", "Program");
	fprintf(out, "%s\n", f->program ? f->program : "any");
	filter_label(out, "    ", "Facility");
	fprintf(out, "%s\n", fac ? fac : "?");
	if (f->host) { /* not in the AWP layout: shown only when used */
		filter_label(out, "    ", "Host");
		fprintf(out, "%s\n", f->host);
	}
	filter_label(out, "    ", "Message text");
	if (!f->msgtext) {
		fputs("any", out);
	} else {
		if (f->msgtext_regex)
			fputs("regex ", out);
		conf_write_quoted(out, f->msgtext);
	}
	fputc('\n', out);
}

/* The logcheck filter, as its rules directory is now. */
static void show_logcheck(FILE *out, size_t n, const struct conf_recipient *r)
{
	const char *dir = r->logcheck_rules ? r->logcheck_rules : LOGCHECK_DEFAULT_DIR;
	struct logcheck_report rep;
	struct conf_err err = {0};

	fprintf(out, "  %zu Logcheck ..... %s, rules in %s\n", n, conf_logcheck_name(r->logcheck),
		dir);
	if (logcheck_load(dir, r->logcheck, LOGCHECK_NO_COMPILE, NULL, &rep, &err) < 0) {
		fprintf(out, "    error: %s\n", err.msg);
		return;
	}
	for (int d = 0; d < LOGCHECK_N_DIRS; d++) {
		int dots = 22 - (int)strlen(logcheck_dir_name(d));

		if (!rep.used[d])
			continue;
		fprintf(out, "    %s %.*s ", logcheck_dir_name(d), dots < 2 ? 2 : dots,
			"......................");
		if (rep.present[d])
			fprintf(out, "%u files, %u rules\n", rep.files[d], rep.rules[d]);
		else
			fputs("missing\n", out);
	}
	for (size_t i = 0; i < rep.n_notes; i++) {
		const struct logcheck_note *nt = &rep.notes[i];
		const char *kind = nt->kind == LOGCHECK_NOTE_ERROR ? "error" : "note";

		if (nt->line)
			fprintf(out, "    %s: %s:%u: %s\n", kind, nt->file, nt->line, nt->msg);
		else
			fprintf(out, "    %s: %s: %s\n", kind, nt->file, nt->msg);
	}
	logcheck_report_free(&rep);
}

/* The guide's "2016 Oct 11 10:36:16", local time; English month names
 * whatever the locale, as on the switch. */
static void date(char *out, size_t size, time_t t)
{
	struct tm tm;

	out[0] = '\0';
	if (localtime_r(&t, &tm))
		snprintf(out, size, "%04d %s %02d %02d:%02d:%02d", tm.tm_year + 1900,
			 util_month((unsigned)tm.tm_mon), tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec);
}

/* The guide's line, then logmail's own counts on a line of their own. */
static void show_stats(FILE *out, const struct filter_stats_table *t, const struct filter_stats *st)
{
	unsigned long long received = t ? (unsigned long long)t->received.received : 0, mailed;
	time_t since = st && st->since > 0 ? st->since : t ? t->received.since : 0;
	char when[64];

	fprintf(out, "  Statistics ..... %llu messages received, %llu accepted by filter", received,
		st ? (unsigned long long)st->accepted : 0ull);
	if (since > 0) {
		date(when, sizeof(when), since);
		fprintf(out, " (%s)", when);
	}
	mailed = st ? (unsigned long long)st->mailed : 0ull;
	fprintf(out, "\n  Mailed ......... %llu message%s", mailed, mailed == 1 ? "" : "s");
	if (st && st->last_mail > 0) {
		date(when, sizeof(when), st->last_mail);
		fprintf(out, " (last mail %s)", when);
	}
	fputc('\n', out);
}

static void show_recipient(FILE *out, const struct conf_recipient *r,
			   const struct filter_stats_table *t)
{
	fprintf(out, "Email %s:\n", r->address);
	show_offset(out, r);
	show_digest(out, &r->digest);
	fputs("Filters:\n", out);
	if (r->n_filters == 0 && r->logcheck == CONF_LOGCHECK_NONE)
		fputs("  (none: no messages will be sent)\n", out);
	for (size_t i = 0; i < r->n_filters; i++)
		show_filter(out, i + 1, &r->filters[i]);
	if (r->logcheck != CONF_LOGCHECK_NONE)
		show_logcheck(out, r->n_filters + 1, r);
	if (r->n_excludes)
		fputs("Exclude filters:\n", out);
	for (size_t i = 0; i < r->n_excludes; i++)
		show_filter(out, i + 1, &r->excludes[i]);
	show_stats(out, t, filter_stats_lookup(t, r->address));
}

int cli_show_log_config(const struct conf *c, const struct filter_stats_table *t, FILE *out)
{
	for (size_t i = 0; i < c->n_recipients; i++)
		show_recipient(out, &c->recipients[i], t);
	return ferror(out) ? -1 : 0;
}

int cmd_show_log_config(struct cli *cli, const struct conf_args *a)
{
	struct filter_stats_table t = {0};
	struct conf_err err = {0};
	enum filter_status st;
	char *path = NULL;
	int rc;

	(void)a;
	if (!cli->conf) {
		fprintf(cli->err, "%% Error: no configuration loaded\n");
		return EX_SOFTWARE;
	}
	if (cli->spool_dir && asprintf(&path, "%s/%s", cli->spool_dir, SPOOL_NAME_STATS) < 0)
		path = NULL;
	st = path ? filter_stats_load(path, &t, &err) : FILTER_ENOENT;
	if (st != FILTER_OK && st != FILTER_ENOENT) {
		char msg[1024];

		conf_err_format(&err, msg, sizeof(msg));
		fprintf(cli->err, "%% Warning: statistics unavailable: %s\n", msg);
	}
	rc = cli_show_log_config(cli->conf, &t, cli->out);
	filter_stats_table_free(&t);
	free(path);
	return rc == 0 ? EX_OK : EX_IOERR;
}
