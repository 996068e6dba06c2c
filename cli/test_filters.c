/*
 * cli/test_filters.c: `logmail test filters FILE`: the configuration's
 * `log email` targets against a log file, nothing sent.
 *
 * Each line of FILE (- for standard input) in the traditional syslog file
 * format, as rsyslog writes /var/log/syslog:
 *
 *   [<PRI>]Nov 30 12:00:01 web1 sshd[123]: Failed password for root
 *   [<PRI>]2026-11-30T12:00:01.123456+01:00 web1 sshd[123]: Failed ...
 *
 * (the second is Debian 12's default; cli/log_line.c parses them) goes
 * through the same engine as the
 * rsyslog module, in a dry run (engine/engine.h): no spool, no journal, no
 * thread; the lines' own times drive the digests' windows, caps and rate
 * limits, and what is left is flushed at the end of the input.  Printed:
 * per recipient, the mails those lines would produce, then per recipient
 * how many lines matched.  A line that does not parse is reported on
 * standard error with its number and skipped.
 *
 * Such lines carry no priority unless they start with an RFC 3164 <PRI>:
 * without one, severity and facility are unknown (-1), which only filters
 * without a level and a facility match; a warning says so when the
 * configuration has such filters.  The year of a traditional time is the
 * current one, or the previous when that would put the line more than a
 * day in the future.  The program name is the tag up to '[', ':' or '/'
 * (rsyslog's programname).
 */
#include "cli/cli.h"
#include "config/conf.h"
#include "engine/engine.h"
#include "smtp/smtp.h"
#include "util/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sysexits.h>
#include <time.h>

/* ---- the mails ------------------------------------------------------------- */

struct mail {
	size_t recipient;
	char *to, *subject, *body;
	enum digest_reason reason;
	time_t date;
};

struct run {
	struct cli *cli;
	struct mail *mails;
	size_t n_mails, cap_mails;
	bool nomem;
};

/* engine_digest_fn: keep the mail, to be printed per recipient at the end. */
static void keep_mail(void *arg, const struct digest_mail *m)
{
	struct run *r = arg;
	struct mail *v;

	if (!util_reserve((void **)&r->mails, &r->cap_mails, r->n_mails + 1, sizeof(*r->mails),
			  16)) {
		r->nomem = true;
		return;
	}
	v = &r->mails[r->n_mails];
	*v = (struct mail){.recipient = m->recipient,
			   .to = strdup(m->to),
			   .subject = strdup(m->subject),
			   .body = strndup(m->body, m->body_len),
			   .reason = m->reason,
			   .date = m->now};
	if (v->to == NULL || v->subject == NULL || v->body == NULL) {
		free(v->to);
		free(v->subject);
		free(v->body);
		r->nomem = true;
		return;
	}
	r->n_mails++;
}

static void say_log(void *arg, int level, enum engine_fault fault, const char *msg)
{
	struct cli *cli = arg;

	(void)fault;
	fprintf(cli->err, "logmail: %s%s\n", level <= LOG_ERR ? "" : "note: ", msg);
}

static void print_mails(struct run *r, size_t recipient)
{
	static const char *const why[] = {[DIGEST_REASON_WINDOW] = "window",
					  [DIGEST_REASON_FULL] = "full",
					  [DIGEST_REASON_URGENT] = "urgent",
					  [DIGEST_REASON_FLUSH] = "end of input",
					  [DIGEST_REASON_PACED] = "paced",
					  [DIGEST_REASON_NEW] = "new kind"};
	char date[64];

	for (size_t i = 0; i < r->n_mails; i++) {
		struct mail *m = &r->mails[i];

		if (m->recipient != recipient)
			continue;
		smtp_rfc5322_date(m->date, date, sizeof(date));
		fprintf(r->cli->out, "To: %s\nSubject: %s\nDate: %s\nClosed: %s\n\n%s\n", m->to,
			m->subject, date, why[m->reason], m->body);
	}
}

static void free_mails(struct run *r)
{
	for (size_t i = 0; i < r->n_mails; i++) {
		free(r->mails[i].to);
		free(r->mails[i].subject);
		free(r->mails[i].body);
	}
	free(r->mails);
}

/* ---- the command ------------------------------------------------------------ */

/* The recipients with a filter or exclude a line without <PRI> can never
 * satisfy (a level or a facility), listed into buf; how many. */
static size_t priority_filters(const struct conf *c, char *buf, size_t size)
{
	size_t n = 0, used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < c->n_recipients; i++) {
		const struct conf_recipient *r = &c->recipients[i];
		bool has = false;

		for (size_t k = 0; k < r->n_filters; k++)
			has = has || r->filters[k].level != CONF_LEVEL_ANY ||
			      r->filters[k].facility != CONF_FACILITY_ANY;
		for (size_t k = 0; k < r->n_excludes; k++)
			has = has || r->excludes[k].level != CONF_LEVEL_ANY ||
			      r->excludes[k].facility != CONF_FACILITY_ANY;
		if (has && used < size)
			used += (size_t)snprintf(buf + used, size - used, "%s%s", n ? ", " : "",
						 r->address);
		n += has;
	}
	return n;
}

struct counts {
	unsigned long read, parsed, skipped, no_pri;
};

/* Every line of in through the engine. */
static int feed(struct cli *cli, FILE *in, const char *name, struct engine *e,
		struct engine_worker *w, struct counts *k)
{
	time_t ref = time(NULL), now = 0;
	char program[256];
	struct engine_msg m;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	bool has_pri;
	int rc = EX_OK;

	while ((len = getline(&line, &cap, in)) >= 0) {
		k->read++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0)
			continue;
		if (!cli_parse_log_line(line, ref, &m, &has_pri, program, sizeof(program))) {
			fprintf(cli->err,
				"logmail: %s:%lu: not a syslog line (expected \"[<PRI>]Mmm dd "
				"hh:mm:ss HOST TAG: TEXT\" or an RFC 3339 time), skipped\n",
				name, k->read);
			k->skipped++;
			continue;
		}
		k->parsed++;
		k->no_pri += !has_pri;
		if (m.ts > now) /* the clock never runs back */
			now = m.ts;
		engine_tick(e, now);
		if (engine_accept(w, &m, 1, now) != ENGINE_OK) {
			fprintf(cli->err, "logmail: out of memory\n");
			rc = EX_OSERR;
			break;
		}
	}
	if (rc == EX_OK && ferror(in)) {
		fprintf(cli->err, "logmail: cannot read %s: %s\n", name, strerror(errno));
		rc = EX_IOERR;
	}
	free(line);
	return rc;
}

/* Each recipient's counters, taken before engine_stop (which ends the
 * configuration); NULL on ENOMEM. */
static struct engine_recipient_counters *matched(struct engine *e, size_t *n)
{
	struct engine_recipient_counters *v;

	*n = engine_recipients(e);
	v = calloc(*n ? *n : 1, sizeof(*v));
	for (size_t i = 0; v != NULL && i < *n; i++)
		(void)engine_recipient_counters(e, i, &v[i]);
	return v;
}

static void print_counts(struct cli *cli, const struct engine_recipient_counters *v, size_t n,
			 const struct counts *k)
{
	size_t width = 0;

	for (size_t i = 0; i < n; i++)
		if (strlen(v[i].address) > width)
			width = strlen(v[i].address);
	fprintf(cli->out, "Lines matched, per recipient (%lu lines parsed, %lu skipped):\n",
		k->parsed, k->skipped);
	if (n == 0)
		fprintf(cli->out, "  (no `log email` target in the configuration)\n");
	for (size_t i = 0; i < n; i++)
		fprintf(cli->out, "  %-*s  %lu\n", (int)width, v[i].address,
			(unsigned long)v[i].accepted);
}

int cmd_test_filters(struct cli *cli, const struct conf_args *a)
{
	struct run r = {.cli = cli};
	struct engine_params p = {.config_path = cli->config_path,
				  .dry_run = keep_mail,
				  .dry_run_arg = &r,
				  .log = say_log,
				  .log_arg = cli};
	const char *name = conf_arg(a, "file")->text;
	struct engine_recipient_counters *counts;
	struct counts k = {0};
	struct engine_worker *w;
	size_t n;
	struct conf_err err;
	struct engine *e;
	char who[512], msg[1024];
	FILE *in;
	int rc;

	if (engine_new(&e, &p, &err) != ENGINE_OK) {
		conf_err_format(&err, msg, sizeof(msg));
		fprintf(cli->err, "logmail: %s\n", msg);
		return EX_CONFIG;
	}
	in = strcmp(name, "-") == 0 ? stdin : fopen(name, "re");
	if (in == NULL) {
		fprintf(cli->err, "logmail: cannot read %s: %s\n", name, strerror(errno));
		engine_free(e);
		return EX_NOINPUT;
	}
	w = engine_worker_new(e);
	if (w == NULL) {
		fprintf(cli->err, "logmail: out of memory\n");
		if (in != stdin)
			fclose(in);
		engine_free(e);
		return EX_OSERR;
	}
	rc = feed(cli, in, strcmp(name, "-") == 0 ? "<stdin>" : name, e, w, &k);
	if (in != stdin)
		fclose(in);
	if (k.no_pri > 0 && cli->conf != NULL && priority_filters(cli->conf, who, sizeof(who)) > 0)
		fprintf(cli->err,
			"logmail: warning: %lu lines carry no <PRI>, so no level or facility: "
			"filters with a level or a facility never match them (%s)\n",
			k.no_pri, who);
	counts = matched(e, &n);
	engine_stop(e); /* the digests still open, at the last line's time */
	if (counts == NULL || r.nomem) {
		fprintf(cli->err, "logmail: out of memory\n");
		rc = EX_OSERR;
	} else {
		for (size_t i = 0; i < n; i++)
			print_mails(&r, i);
		print_counts(cli, counts, n, &k);
	}
	free(counts);
	free_mails(&r);
	engine_worker_free(w);
	engine_free(e);
	if (fflush(cli->out) != 0 && rc == EX_OK)
		rc = EX_IOERR;
	return rc;
}
