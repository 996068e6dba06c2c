/*
 * tests/unit/test_engine.c: the engine (engine/engine.h) without rsyslogd:
 * batches fed through engine_accept with a real spool directory and a real
 * SMTP server (tests/servers/smtpd.py on Debian's python3-aiosmtpd).
 *
 *   - reload under load: workers accept while the configuration is
 *     reloaded again and again; every message is mailed exactly once;
 *   - stop with digests pending: engine_stop flushes them into the spool
 *     and leaves the journal empty;
 *   - a journal write that fails (RLIMIT_FSIZE): the batch is taken and held
 *     in memory, and the journal's rewrite covers it once it can be written;
 *   - the server down, then up on the same port: the mail waits in the
 *     queue, and the delivery thread's retry sends it;
 *   - a crash: a child accepts batches and is killed (SIGKILL) mid-batch;
 *     the parent opens the engine on the same spool and every message the
 *     child had been told was taken comes back;
 *   - a crash after the journal was rewritten as the state of a held,
 *     rate-limited digest at its caps: what it held and what it only
 *     counted come back as they were;
 *   - a dry run: digests to a function, nothing written;
 *   - logcheck filters on a small rules tree: the digest's lines under
 *     their sections, ORed with another filter, an exclude winning, rules
 *     that cannot be read, the sections journaled across a crash, and a
 *     journal of the previous version replayed.
 *
 * Waits are bounded polls on files and counters, never fixed sleeps.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/journal.h"
#include "smtp/smtp.h"

#define PY "/usr/bin/python3"

static char dir[] = "/tmp/test_engine.XXXXXX";
static char spool[300], conf_path[300];
static pid_t smtpd_pid = -1;
static unsigned smtpd_port;
static char maildir[300];

/* ---- the log --------------------------------------------------------- */

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_text[1 << 16];
static size_t log_len;

static void on_log(void *arg, int level, enum engine_fault fault, const char *msg)
{
	(void)arg;
	(void)fault;
	pthread_mutex_lock(&log_lock);
	log_len +=
	    (size_t)snprintf(log_text + log_len, sizeof(log_text) - log_len, "%d %s\n", level, msg);
	if (log_len >= sizeof(log_text))
		log_len = sizeof(log_text) - 1;
	pthread_mutex_unlock(&log_lock);
}

static bool logged(const char *what)
{
	bool found;

	pthread_mutex_lock(&log_lock);
	found = strstr(log_text, what) != NULL;
	pthread_mutex_unlock(&log_lock);
	return found;
}

/* Poll (at most about 20 s) until cond(arg) holds. */
static bool wait_for(bool (*cond)(void *), void *arg)
{
	for (int i = 0; i < 400; i++) {
		if (cond(arg))
			return true;
		usleep(50 * 1000);
	}
	return cond(arg);
}

static bool logged_cond(void *what)
{
	return logged(what);
}

/* How many times what occurs in s. */
static size_t count_in(const char *s, const char *what)
{
	size_t n = 0;

	for (const char *p = s; (p = strstr(p, what)) != NULL; p++)
		n++;
	return n;
}

static size_t count_logged(const char *what)
{
	size_t n;

	pthread_mutex_lock(&log_lock);
	n = count_in(log_text, what);
	pthread_mutex_unlock(&log_lock);
	return n;
}

/* ---- the server -------------------------------------------------------- */

static bool file_has(void *path)
{
	struct stat st;

	return stat(path, &st) == 0 && st.st_size > 0;
}

/* smtpd.py on port (0: any) with mails in dir/NAME; sets smtpd_port. */
static void smtpd_start(const char *name, unsigned port)
{
	const char *top = getenv("top_srcdir");
	char script[512], port_file[300], port_arg[16];
	FILE *f;

	if (access(PY, X_OK) != 0 || system(PY " -c 'import aiosmtpd' 2>/dev/null") != 0)
		cr_skip_test("/usr/bin/python3 with aiosmtpd is needed (python3-aiosmtpd)");
	snprintf(script, sizeof(script), "%s/tests/servers/smtpd.py", top ? top : ".");
	snprintf(port_file, sizeof(port_file), "%s/%s.port", dir, name);
	snprintf(maildir, sizeof(maildir), "%s/%s.mail", dir, name);
	snprintf(port_arg, sizeof(port_arg), "%u", port);
	unlink(port_file);
	smtpd_pid = fork();
	cr_assert_neq(smtpd_pid, -1);
	if (smtpd_pid == 0) {
		execl(PY, PY, script, "--port-file", port_file, "--maildir", maildir, "--port",
		      port_arg, (char *)NULL);
		_exit(127);
	}
	cr_assert(wait_for(file_has, port_file), "smtpd.py did not start");
	f = fopen(port_file, "r");
	cr_assert_not_null(f);
	cr_assert_eq(fscanf(f, "%u", &smtpd_port), 1);
	fclose(f);
}

static void smtpd_stop(void)
{
	if (smtpd_pid <= 0)
		return;
	kill(smtpd_pid, SIGTERM);
	waitpid(smtpd_pid, NULL, 0);
	smtpd_pid = -1;
}

/* ---- fixture ----------------------------------------------------------- */

static void setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
	snprintf(spool, sizeof(spool), "%s/spool", dir);
	snprintf(conf_path, sizeof(conf_path), "%s/logmail.conf", dir);
	log_len = 0;
	log_text[0] = '\0';
}

static void teardown(void)
{
	char cmd[400];

	smtpd_stop();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)system(cmd);
}

TestSuite(engine, .init = setup, .fini = teardown, .timeout = 120);

/* The configuration: the server, then each line of body. */
static void write_conf(const char *body)
{
	FILE *f = fopen(conf_path, "w");

	cr_assert_not_null(f);
	fprintf(f, "mail smtpserver 127.0.0.1\nmail smtpserver port %u\n",
		smtpd_port ? smtpd_port : 25);
	fprintf(f, "mail from logmail@test.example\n%s", body);
	cr_assert_eq(fclose(f), 0);
	cr_assert_eq(chmod(conf_path, 0600), 0);
}

static struct engine *engine_open(void)
{
	struct engine_params p = {.config_path = conf_path, .spool_dir = spool, .log = on_log};
	struct conf_err err;
	struct engine *e;

	cr_assert_eq(engine_new(&e, &p, &err), ENGINE_OK, "%s:%u: %s", err.file, err.line, err.msg);
	return e;
}

/* A batch of n messages "<tag>-<first + i>" at severity err, from app. */
struct batch {
	struct engine_msg m[64];
	char text[64][48];
};

static void make_batch(struct batch *b, const char *tag, unsigned first, size_t n)
{
	cr_assert_leq(n, 64);
	for (size_t i = 0; i < n; i++) {
		snprintf(b->text[i], sizeof(b->text[i]), "%s-%u", tag, first + (unsigned)i);
		b->m[i] = (struct engine_msg){.severity = 3,
					      .facility = 3,
					      .host = "web1",
					      .program = "app",
					      .tag = "app[42]:",
					      .procid = "42",
					      .procid_len = 2,
					      .text = b->text[i]};
	}
}

/* ---- what arrived ------------------------------------------------------ */

/* Delivered mails: count, per recipient, each "<tag>-<n>" in the bodies. */
#define MAX_ID 200000

struct arrived {
	unsigned *count; /* [id]: times "<tag>-<id>" was seen for `to` */
	size_t mails;
};

static void scan_mail(const char *eml, const char *tag, struct arrived *a)
{
	FILE *f = fopen(eml, "r");
	char line[1200], want[64];
	size_t wl = (size_t)snprintf(want, sizeof(want), "err web1 app[42]: %s-", tag);

	cr_assert_not_null(f, "%s", eml);
	while (fgets(line, sizeof(line), f) != NULL) {
		char *p = strstr(line, want);
		unsigned long id;

		if (p == NULL)
			continue;
		id = strtoul(p + wl, NULL, 10);
		cr_assert_lt(id, MAX_ID);
		a->count[id]++;
	}
	fclose(f);
}

/* The mails in md addressed to `to`, scanned for tag. */
static struct arrived arrived_in(const char *md, const char *to, const char *tag)
{
	struct arrived a = {.count = calloc(MAX_ID, sizeof(unsigned))};
	DIR *d = opendir(md);
	struct dirent *de;
	char path[600], line[400], want[400];

	cr_assert_not_null(a.count);
	snprintf(want, sizeof(want), "to: %s\n", to);
	while (d != NULL && (de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		bool mine = false;
		FILE *f;

		if (len < 5 || strcmp(de->d_name + len - 4, ".env") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", md, de->d_name);
		f = fopen(path, "r");
		cr_assert_not_null(f);
		while (fgets(line, sizeof(line), f) != NULL)
			mine = mine || strcmp(line, want) == 0;
		fclose(f);
		if (!mine)
			continue;
		a.mails++;
		snprintf(path + strlen(path) - 4, 5, ".eml");
		scan_mail(path, tag, &a);
	}
	if (d != NULL)
		closedir(d);
	return a;
}

static size_t count_files(const char *path, const char *suffix)
{
	DIR *d = opendir(path);
	struct dirent *de;
	size_t n = 0, sl = strlen(suffix);

	while (d != NULL && (de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		n +=
		    de->d_name[0] != '.' && len >= sl && strcmp(de->d_name + len - sl, suffix) == 0;
	}
	if (d != NULL)
		closedir(d);
	return n;
}

static size_t queued(void)
{
	char q[400];

	snprintf(q, sizeof(q), "%s/queue", spool);
	return count_files(q, "");
}

static off_t journal_bytes(void)
{
	char path[400];
	struct stat st;

	snprintf(path, sizeof(path), "%s/" JOURNAL_DIR "/" JOURNAL_NAME, spool);
	return stat(path, &st) == 0 ? st.st_size : -1;
}

/* Send what the spool holds now (after engine_stop, which stops its
 * delivery thread): the same spool_deliver the thread runs. */
static void deliver_all(void)
{
	struct smtp_params p = {.host = "127.0.0.1", .port = smtpd_port, .timeout_sec = 20};
	struct spool_run run = {0};
	struct smtp_err err = {0};
	struct spool *sp;

	cr_assert_eq(spool_open(&sp, spool, &err), SMTP_OK, "%s", err.msg);
	cr_assert_eq(spool_deliver(sp, &p, true, NULL, &run, &err), SMTP_OK, "%s", err.msg);
	spool_close(sp);
	cr_assert_eq(queued(), 0);
}

/* ---- reload under load --------------------------------------------------- */

#define RELOADS   12
#define PER_BATCH 25

struct loader {
	struct engine *e;
	unsigned id;
	_Atomic unsigned *reloads;
	unsigned batches; /* accepted */
};

/* The counters of the recipient with that address. */
static struct engine_recipient_counters recipient_counters(struct engine *e, const char *address)
{
	struct engine_recipient_counters rc;

	for (size_t i = 0; engine_recipient_counters(e, i, &rc); i++)
		if (strcmp(rc.address, address) == 0)
			return rc;
	cr_assert_fail("no recipient %s", address);
	return rc;
}

static void *load(void *arg)
{
	struct loader *l = arg;
	struct engine_worker *w = engine_worker_new(l->e);
	struct batch b;
	char tag[8];

	snprintf(tag, sizeof(tag), "t%u", l->id);
	if (w == NULL)
		return NULL;
	/* until the reloads are done, and at least a while after the first */
	while ((atomic_load(l->reloads) < RELOADS || l->batches < 40) && l->batches < 3000) {
		make_batch(&b, tag, l->batches * PER_BATCH, PER_BATCH);
		if (engine_accept(w, b.m, PER_BATCH, time(NULL)) != ENGINE_OK)
			break;
		l->batches++;
	}
	engine_worker_free(w);
	return NULL;
}

Test(engine, reload_under_load)
{
	static const char *const confs[2] = {
	    "log email a@example.com level errors\n"
	    "log email a@example.com rate-limit 0\n"
	    "log email a@example.com digest window 1\n"
	    "log email a@example.com digest max-interval 0\n"
	    "log email a@example.com digest max-messages 100000\n"
	    "log email a@example.com digest max-bytes 10485760\n"
	    "log email a@example.com digest fold off\n",
	    "log email b@example.com level errors\n"
	    "log email b@example.com rate-limit 0\n"
	    "log email b@example.com digest max-messages 100000\n"
	    "log email b@example.com digest max-bytes 10485760\n"
	    "log email b@example.com digest fold off\n"
	    "log email a@example.com level errors\n"
	    "log email a@example.com rate-limit 0\n"
	    "log email a@example.com digest window 2\n"
	    "log email a@example.com digest max-interval 0\n"
	    "log email a@example.com digest max-messages 100000\n"
	    "log email a@example.com digest max-bytes 10000000\n"
	    "log email a@example.com digest fold off\n",
	};
	_Atomic unsigned reloads = 0;
	struct loader l[2];
	pthread_t t[2];
	struct conf_err err;
	struct engine *e;
	struct arrived a;

	smtpd_start("smtpd", 0);
	write_conf(confs[0]);
	e = engine_open();
	cr_assert_eq(engine_start(e), ENGINE_OK);
	for (unsigned i = 0; i < 2; i++) {
		l[i] = (struct loader){.e = e, .id = i, .reloads = &reloads};
		cr_assert_eq(pthread_create(&t[i], NULL, load, &l[i]), 0);
	}
	for (unsigned i = 1; i <= RELOADS; i++) {
		write_conf(confs[i % 2]);
		cr_assert_eq(engine_reload(e, &err), ENGINE_OK, "%s", err.msg);
		atomic_store(&reloads, i);
	}
	for (unsigned i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	{
		/* every message counted once, across twelve reloads mid-batch */
		struct engine_recipient_counters rc = recipient_counters(e, "a@example.com");
		unsigned sent = (l[0].batches + l[1].batches) * PER_BATCH;

		cr_assert_eq(rc.received, sent, "received %lu of %u", (unsigned long)rc.received,
			     sent);
		cr_assert_eq(rc.accepted, sent, "accepted %lu of %u", (unsigned long)rc.accepted,
			     sent);
		cr_assert_eq(rc.mailed + rc.held + rc.not_shown, sent,
			     "mailed %lu + held %lu + not shown %lu of %u", (unsigned long)rc.mailed,
			     (unsigned long)rc.held, (unsigned long)rc.not_shown, sent);
	}
	engine_free(e);
	deliver_all();
	cr_assert(logged("reloaded, 2 recipients"));
	cr_assert(logged("reloaded, 1 recipients"));
	for (unsigned i = 0; i < 2; i++) {
		char tag[8];

		cr_assert_geq(l[i].batches, 40, "worker %u stopped early", i);
		snprintf(tag, sizeof(tag), "t%u", i);
		a = arrived_in(maildir, "a@example.com", tag);
		for (unsigned k = 0; k < l[i].batches * PER_BATCH; k++)
			cr_assert_eq(a.count[k], 1, "%s-%u mailed %u times", tag, k, a.count[k]);
		for (unsigned k = l[i].batches * PER_BATCH; k < MAX_ID; k++)
			cr_assert_eq(a.count[k], 0);
		free(a.count);
		a = arrived_in(maildir, "b@example.com", tag);
		for (unsigned k = 0; k < MAX_ID; k++)
			cr_assert_leq(a.count[k], 1, "b got %s-%u twice", tag, k);
		free(a.count);
	}
	cr_assert_eq(journal_bytes(), 0, "the journal is settled at the end");
}

/* ---- a reload, then silence ------------------------------------------------ */

static bool a_digest_closed(void *arg)
{
	struct engine_counters c;

	engine_counters(arg, &c);
	return c.digests_closed >= 1;
}

/* A digest open at a reload closes when its window passes, with nothing
 * logged after the reload (rsyslog's HUP from logrotate on a quiet host),
 * and its messages are mailed once. */
Test(engine, a_reload_keeps_an_open_digest_on_time)
{
	static const char conf[] = "log email a@example.com level errors\n"
				   "log email a@example.com digest window 2\n"
				   "log email a@example.com digest fold off\n";
	struct engine_recipient_counters rc;
	struct engine_worker *w;
	struct conf_err err;
	struct engine *e;
	struct batch b;
	struct arrived a;
	time_t t0;

	smtpd_start("smtpd", 0);
	write_conf(conf);
	e = engine_open();
	cr_assert_eq(engine_start(e), ENGINE_OK);
	w = engine_worker_new(e);
	cr_assert_not_null(w);
	make_batch(&b, "q", 0, 5);
	t0 = time(NULL);
	cr_assert_eq(engine_accept(w, b.m, 5, t0), ENGINE_OK);
	write_conf("log email new@example.com level errors\n"
		   "log email a@example.com time utc +1:00\n" /* rendered again in it */
		   "log email a@example.com rate-limit 4\n" "log email a@example.com level errors\n"
		   "log email a@example.com digest window 2\n"
		   "log email a@example.com digest fold off\n");
	cr_assert_eq(engine_reload(e, &err), ENGINE_OK, "%s", err.msg);
	cr_assert(wait_for(a_digest_closed, e),
		  "the digest open at the reload was not mailed when its window passed");
	cr_assert_leq(time(NULL) - t0, 10, "mailed %ld s after its window of 2 s",
		      (long)(time(NULL) - t0));
	rc = recipient_counters(e, "a@example.com");
	cr_assert_eq(rc.received, 5);
	cr_assert_eq(rc.accepted, 5);
	cr_assert_eq(rc.mails, 1);
	engine_worker_free(w); /* the worker never came back: silence */
	engine_free(e);
	deliver_all();
	a = arrived_in(maildir, "a@example.com", "q");
	cr_assert_eq(a.mails, 1);
	for (unsigned k = 0; k < 5; k++)
		cr_assert_eq(a.count[k], 1, "q-%u mailed %u times", k, a.count[k]);
	free(a.count);
	cr_assert_eq(journal_bytes(), 0);
}

/* The file replaced (as the CLI saves it): read again within seconds,
 * without engine_reload; a broken one is logged with its line, once, and
 * the running configuration stays. */
Test(engine, a_changed_file_is_read_again)
{
	char tmp[400];
	struct engine *e;
	FILE *f;

	write_conf("log email a@example.com level errors\n");
	e = engine_open();
	cr_assert_eq(engine_start(e), ENGINE_OK);
	snprintf(tmp, sizeof(tmp), "%s.new", conf_path);
	cr_assert_not_null(f = fopen(tmp, "w"));
	fputs("log email a@example.com level errors\nlog email b@example.com level errors\n", f);
	cr_assert_eq(fclose(f), 0);
	cr_assert_eq(rename(tmp, conf_path), 0);
	cr_assert(wait_for(logged_cond, "reloaded, 2 recipients"), "%s", log_text);
	cr_assert_eq(engine_recipients(e), 2);

	cr_assert_not_null(f = fopen(tmp, "w"));
	fputs("log email a@example.com level errors\nlog email c@example.com level shouting\n", f);
	cr_assert_eq(fclose(f), 0);
	cr_assert_eq(rename(tmp, conf_path), 0);
	cr_assert(wait_for(logged_cond, "configuration not reloaded, the previous one stays in "
					 "effect: "),
		  "%s", log_text);
	cr_assert(logged("logmail.conf:2:"), "%s", log_text);
	cr_assert_eq(engine_recipients(e), 2, "the running configuration stays");
	usleep(2500 * 1000); /* the broken file is not read again and again */
	cr_assert_eq(count_logged("configuration not reloaded"), 1, "%s", log_text);
	engine_free(e);
}

/* A stats file that cannot be written is said, once. */
Test(engine, a_failed_stats_save_is_logged)
{
	char path[400];
	struct engine *e;

	write_conf("log email a@example.com level errors\n");
	e = engine_open();
	cr_assert_eq(engine_start(e), ENGINE_OK);
	snprintf(path, sizeof(path), "%s/stats", spool);
	unlink(path);
	cr_assert_eq(mkdir(path, 0700), 0); /* nothing can be renamed over it */
	engine_free(e);
	cr_assert_eq(count_logged("statistics not saved (`show log config` shows older figures): "),
		     1, "%s", log_text);
}

/* rate-limit 2 with a mail per message (each urgent): reloads in between do not start
 * a new hour. */
Test(engine, a_reload_keeps_the_rate_limit)
{
	static const char conf[] = "log email a@example.com level errors\n"
				   "log email a@example.com urgent level errors\n"
				   "log email a@example.com rate-limit 2\n";
	struct engine_counters c;
	struct engine_worker *w;
	struct conf_err err;
	struct engine *e;
	struct batch b;

	smtpd_start("smtpd", 0);
	write_conf(conf);
	e = engine_open();
	cr_assert_eq(engine_start(e), ENGINE_OK);
	w = engine_worker_new(e);
	cr_assert_not_null(w);
	for (unsigned k = 0; k < 5; k++) {
		make_batch(&b, "r", k, 1);
		cr_assert_eq(engine_accept(w, b.m, 1, time(NULL)), ENGINE_OK);
		cr_assert_eq(engine_reload(e, &err), ENGINE_OK, "%s", err.msg);
	}
	engine_counters(e, &c);
	cr_assert_eq(c.digests_closed, 2, "%lu mails within the hour, rate-limit 2",
		     (unsigned long)c.digests_closed);
	cr_assert_eq(recipient_counters(e, "a@example.com").held, 3);
	engine_worker_free(w);
	engine_free(e);
}

/* ---- stop with digests pending ------------------------------------------- */

Test(engine, stop_flushes_pending_digests_into_the_spool)
{
	struct engine_worker *w;
	struct engine_counters c;
	struct engine *e;
	struct batch b;
	struct arrived a;

	smtpd_start("smtpd", 0);
	write_conf("log email a@example.com level errors\n"
		   "log email a@example.com digest window 3600\n"
		   "log email a@example.com digest fold off\n"
		   "log email b@example.com program app msgtext \"p-1\"\n"
		   "log email b@example.com digest window 3600\n"
		   "log email b@example.com digest fold off\n");
	e = engine_open();
	cr_assert_eq(engine_start(e), ENGINE_OK);
	w = engine_worker_new(e);
	cr_assert_not_null(w);
	for (unsigned k = 0; k < 3; k++) {
		make_batch(&b, "p", k * 10, 10);
		cr_assert_eq(engine_accept(w, b.m, 10, time(NULL)), ENGINE_OK);
	}
	cr_assert_gt(journal_bytes(), 0, "journaled");
	cr_assert_eq(queued(), 0, "nothing spooled before its window");
	engine_counters(e, &c);
	cr_assert_eq(c.received, 30);
	cr_assert_eq(c.accepted, 30);
	cr_assert_eq(c.digests_closed, 0);
	cr_assert_gt(c.journal_bytes, 0);
	engine_stop(e);
	engine_counters(e, &c);
	cr_assert_eq(c.digests_closed, 2);
	cr_assert_eq(c.mails_spooled, 2);
	cr_assert_eq(queued(), 2);
	cr_assert_eq(journal_bytes(), 0, "the journal is empty: the spool has every message");
	engine_worker_free(w); /* after the engine's stop, as rsyslog may do */
	engine_free(e);
	deliver_all();
	a = arrived_in(maildir, "a@example.com", "p");
	cr_assert_eq(a.mails, 1);
	for (unsigned k = 0; k < 30; k++)
		cr_assert_eq(a.count[k], 1, "p-%u", k);
	free(a.count);
	a = arrived_in(maildir, "b@example.com", "p");
	cr_assert_eq(a.mails, 1);
	for (unsigned k = 0; k < 30; k++)
		cr_assert_eq(a.count[k], k == 1 || (k >= 10 && k < 20), "b: p-%u", k);
	free(a.count);
}

/* ---- a journal write that fails ------------------------------------------ */

static bool journal_written_again(void *arg)
{
	(void)arg;
	return logged("the journal is written again");
}

/* A journal write that fails (a full disk) does not refuse the batch: with
 * rsyslog's default action settings a refused batch is lost.  It is held in
 * memory, the journal is left alone (the spool gets the room first), and
 * once the journal can be written its rewrite covers the held messages. */
Test(engine, journal_write_failure_holds_the_batch_in_memory)
{
	struct engine_recipient_counters rc;
	struct engine_counters c;
	struct engine_worker *w;
	struct engine *e;
	struct batch b;
	struct arrived a;
	struct rlimit lim, saved;
	off_t before;

	smtpd_start("smtpd", 0);
	write_conf("log email a@example.com level errors\n"
		   "log email a@example.com digest window 3600\n"
		   "log email a@example.com digest fold off\n");
	e = engine_open();
	cr_assert_eq(engine_start(e), ENGINE_OK);
	w = engine_worker_new(e);
	make_batch(&b, "j", 0, 5);
	cr_assert_eq(engine_accept(w, b.m, 5, time(NULL)), ENGINE_OK);
	before = journal_bytes();
	cr_assert_gt(before, 0);

	/* the next batch does not fit under the file size limit: the write
	 * stops half way (EFBIG), as a full disk would */
	signal(SIGXFSZ, SIG_IGN);
	cr_assert_eq(getrlimit(RLIMIT_FSIZE, &saved), 0);
	lim = saved;
	lim.rlim_cur = (rlim_t)before + 100;
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	make_batch(&b, "j", 5, 40);
	cr_assert_eq(engine_accept(w, b.m, 40, time(NULL)), ENGINE_OK, "taken, in memory");
	cr_assert_eq(journal_bytes(), before, "the half-written records are cut off");
	cr_assert(logged("messages are held in memory (not safe from a crash)"), "%s", log_text);
	make_batch(&b, "j", 45, 1); /* it would fit: not written, the spool comes first */
	cr_assert_eq(engine_accept(w, b.m, 1, time(NULL)), ENGINE_OK);
	cr_assert_eq(journal_bytes(), before);
	cr_assert(engine_recipient_counters(e, 0, &rc));
	cr_assert_eq(rc.held, 46);
	engine_counters(e, &c);
	cr_assert_eq(c.unjournaled, 41);
	cr_assert_eq(c.batches_refused, 0);

	/* room again: the delivery thread's next pass rewrites the journal as
	 * the digest's state, which covers all 46 */
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &saved), 0);
	cr_assert(wait_for(journal_written_again, NULL), "%s", log_text);
	cr_assert(logged("the 41 messages held in memory only are safe from a crash"), "%s",
		  log_text);
	cr_assert_gt(journal_bytes(), 0);
	make_batch(&b, "j", 46, 4); /* journaled again */
	cr_assert_eq(engine_accept(w, b.m, 4, time(NULL)), ENGINE_OK);
	engine_counters(e, &c);
	cr_assert_eq(c.unjournaled, 41);
	engine_worker_free(w);
	engine_free(e);
	deliver_all();
	a = arrived_in(maildir, "a@example.com", "j");
	for (unsigned k = 0; k < 50; k++)
		cr_assert_eq(a.count[k], 1, "j-%u", k);
	free(a.count);
}

/* ---- the server down, then up -------------------------------------------- */

static bool mail_arrived(void *arg)
{
	(void)arg;
	return count_files(maildir, ".env") > 0;
}

/* The delivery thread counts a mail once its transaction is over: after
 * the server has it. */
static bool counted_sent(void *e)
{
	struct engine_counters c;

	engine_counters(e, &c);
	return c.mails_sent == 1;
}

Test(engine, server_down_then_up_on_the_same_port)
{
	struct conf_err err;
	struct engine_counters c;
	struct engine_worker *w;
	struct engine *e;
	struct batch b;
	struct arrived a;
	unsigned port;

	smtpd_start("first", 0); /* a port where nothing listens, soon */
	port = smtpd_port;
	smtpd_stop();
	write_conf("log email a@example.com level errors\n"
		   "log email a@example.com urgent level errors\n"
		   "log email a@example.com digest fold off\n");
	e = engine_open();
	cr_assert_eq(engine_start(e), ENGINE_OK);
	w = engine_worker_new(e);
	make_batch(&b, "d", 0, 1);
	cr_assert_eq(engine_accept(w, b.m, 1, time(NULL)), ENGINE_OK); /* urgent: at once */
	cr_assert(wait_for(logged_cond, "delivery to 127.0.0.1: "), "%s", log_text);
	cr_assert_eq(queued(), 1, "the mail waits in the queue");
	engine_counters(e, &c);
	cr_assert_eq(c.mails_sent, 0);

	/* back, on the same port; the queue waits SPOOL_BACKOFF_MIN_SEC before
	 * its next try, unless the administrator reloads (rsyslog's HUP) */
	smtpd_start("second", port);
	cr_assert_eq(engine_reload(e, &err), ENGINE_OK, "%s", err.msg);
	cr_assert(wait_for(mail_arrived, NULL), "not delivered after the server came back");
	cr_assert(wait_for(counted_sent, e), "delivered but not counted as sent");
	engine_counters(e, &c);
	cr_assert_eq(c.mails_failed, 0);
	engine_worker_free(w);
	engine_free(e);
	cr_assert_eq(queued(), 0);
	a = arrived_in(maildir, "a@example.com", "d");
	cr_assert_eq(a.mails, 1);
	cr_assert_eq(a.count[0], 1);
	free(a.count);
}

/* ---- a crash ------------------------------------------------------------- */

/* The child: accept batches of 10 for ever, telling the parent the number
 * of each batch engine_accept took. */
static void crash_child(int ack)
{
	struct engine_params p = {.config_path = conf_path, .spool_dir = spool};
	struct conf_err err;
	struct engine_worker *w;
	struct engine *e;
	struct batch b;

	if (engine_new(&e, &p, &err) != ENGINE_OK || engine_start(e) != ENGINE_OK ||
	    (w = engine_worker_new(e)) == NULL)
		_exit(2);
	for (unsigned k = 0; k < MAX_ID / 10; k++) {
		make_batch(&b, "c", k * 10, 10);
		if (engine_accept(w, b.m, 10, time(NULL)) != ENGINE_OK)
			_exit(3);
		if (write(ack, &k, sizeof(k)) != sizeof(k))
			_exit(4);
	}
	_exit(0);
}

Test(engine, crash_mid_batch_replays_every_journaled_message)
{
	struct engine *e;
	struct arrived a;
	unsigned k, acked = 0;
	int fds[2], status;
	pid_t child;

	smtpd_start("smtpd", 0);
	/* a's digests go out while the child runs, every second (caps bound
	 * what a mail shows, they do not send it: these are large enough to
	 * show every message); z holds c-0 until the end, so the journal is
	 * never empty */
	write_conf("log email a@example.com level errors\n"
		   "log email a@example.com rate-limit 0\n"
		   "log email a@example.com digest window 1\n"
		   "log email a@example.com digest max-interval 0\n"
		   "log email a@example.com digest max-messages 100000\n"
		   "log email a@example.com digest max-bytes 10485760\n"
		   "log email a@example.com digest fold off\n"
		   "log email z@example.com msgtext regex \"^c-0$\"\n"
		   "log email z@example.com digest window 3600\n");
	cr_assert_eq(pipe(fds), 0);
	child = fork();
	cr_assert_neq(child, -1);
	if (child == 0) {
		close(fds[0]);
		crash_child(fds[1]);
	}
	close(fds[1]);
	while (acked < 300 && read(fds[0], &k, sizeof(k)) == sizeof(k))
		acked = k + 1;
	kill(child, SIGKILL); /* in the middle of some batch */
	waitpid(child, &status, 0);
	cr_assert(WIFSIGNALED(status), "the child ended on its own: %d", status);
	while (read(fds[0], &k, sizeof(k)) == sizeof(k)) /* acks still in the pipe */
		acked = k + 1;
	close(fds[0]);
	cr_assert_gt(journal_bytes(), 0, "the crash left a journal");

	e = engine_open();
	cr_assert_eq(engine_start(e), ENGINE_OK); /* replays */
	cr_assert(logged("recovered "), "%s", log_text);
	engine_free(e);
	cr_assert_eq(journal_bytes(), 0);
	deliver_all();
	a = arrived_in(maildir, "a@example.com", "c");
	for (k = 0; k < acked * 10; k++)
		cr_assert_geq(a.count[k], 1, "c-%u lost (%u batches taken)", k, acked);
	free(a.count);
	a = arrived_in(maildir, "z@example.com", "c");
	cr_assert_geq(a.count[0], 1, "z's held message");
	free(a.count);
}

/* ---- a crash while a held digest counts what it cannot show ------------- */

/* Accept one message of text (severity err, host web1, program app). */
static void accept_text(struct engine_worker *w, const char *text)
{
	struct engine_msg m = {.severity = 3,
			       .facility = 3,
			       .ts = 1782907200,
			       .host = "web1",
			       .program = "app",
			       .text = text};

	if (engine_accept(w, &m, 1, time(NULL)) != ENGINE_OK)
		_exit(3);
}

/* Does the journal start with a state record (a rewrite ran)? */
static bool journal_rewritten(void)
{
	char path[400], head[2] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/" JOURNAL_DIR "/" JOURNAL_NAME, spool);
	f = fopen(path, "r");
	if (f == NULL)
		return false;
	if (fread(head, 1, 2, f) != 2)
		head[0] = '\0';
	fclose(f);
	return head[0] == '3' && head[1] == '\t';
}

/* The child: a mail of 3 lines (the rate limit's one an hour), then a
 * digest full (3 lines) and held, into whose third line 3000 messages fold
 * while 6000 others are only counted; the journal grows past
 * ENGINE_JOURNAL_MAX, so the delivery thread rewrites it as the digest's
 * state.  Then it tells the parent, and waits to be killed. */
/* Has the engine mailed n messages to its first recipient? */
static bool mailed(struct engine *e, uint64_t n)
{
	struct engine_recipient_counters rc;

	return engine_recipient_counters(e, 0, &rc) && rc.mailed >= n;
}

static void held_child(int ready)
{
	struct engine_params p = {.config_path = conf_path, .spool_dir = spool};
	struct conf_err err;
	struct engine_worker *w;
	struct engine *e;
	char text[96];

	if (engine_new(&e, &p, &err) != ENGINE_OK || engine_start(e) != ENGINE_OK ||
	    (w = engine_worker_new(e)) == NULL)
		_exit(2);
	accept_text(w, "disk sda failed");
	accept_text(w, "fan 2 stopped");
	accept_text(w, "link eth0 down");
	/* the hour's mail goes when the window passes (caps do not send) */
	for (int i = 0; i < 1200 && !mailed(e, 3); i++)
		usleep(50 * 1000);
	accept_text(w, "queue held back");
	accept_text(w, "spool held too");
	accept_text(w, "Connection closed by 192.0.2.1 port 1"); /* full, held */
	for (int i = 0; i < 3000; i++) {
		snprintf(text, sizeof(text), "Connection closed by 192.0.2.%d port %d", i % 250,
			 1000 + i);
		accept_text(w, text);
		snprintf(text, sizeof(text), "Invalid user u%d from 192.0.2.1", i);
		accept_text(w, text);
		snprintf(text, sizeof(text), "Connection reset by 198.51.100.%d port %d", i % 250,
			 i);
		accept_text(w, text);
	}
	for (int i = 0; i < 1200 && !journal_rewritten(); i++)
		usleep(50 * 1000);
	if (write(ready, "r", 1) != 1)
		_exit(4);
	for (;;)
		pause();
}

/* The bodies of the mails to `to` in the server's maildir, CR removed. */
static char *bodies_to(const char *to)
{
	char cmd[800], *text = malloc(1 << 20);
	size_t len = 0, got;
	FILE *p;

	cr_assert_not_null(text);
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && for f in *.env; do grep -qx 'to: %s' \"$f\" && "
		 "tr -d '\\r' < \"${f%%.env}.eml\"; done",
		 maildir, to);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	while ((got = fread(text + len, 1, (1 << 20) - 1 - len, p)) > 0)
		len += got;
	pclose(p);
	text[len] = '\0';
	return text;
}

/* Fork a child running fn(fd), and wait until it writes a byte to fd:
 * ready to be killed.  Its pid. */
static pid_t child_until_ready(void (*fn)(int))
{
	int fds[2];
	pid_t child;
	char c;

	cr_assert_eq(pipe(fds), 0);
	child = fork();
	cr_assert_neq(child, -1);
	if (child == 0) {
		close(fds[0]);
		fn(fds[1]);
	}
	close(fds[1]);
	cr_assert_eq(read(fds[0], &c, 1), 1, "the child did not get there");
	close(fds[0]);
	return child;
}

/* What a held, rate-limited digest at its caps holds and counts survives
 * kill -9, after the journal was rewritten as its state: the recovered
 * mail shows the same lines with the same counts, and counts the same
 * messages not shown, with the same summary.  (Before, the journal kept
 * the digest's newest messages, which the digest had only counted: a crash
 * mailed those instead, and lost the count.) */
Test(engine, crash_keeps_what_a_held_digest_holds_and_counts)
{
	struct engine *e;
	char *body;
	int status;
	pid_t child;

	smtpd_start("smtpd", 0);
	write_conf("log email a@example.com level errors\n"
		   "log email a@example.com digest window 1\n"
		   "log email a@example.com digest max-messages 3\n"
		   "log email a@example.com rate-limit 1\n");
	child = child_until_ready(held_child);
	cr_assert(journal_rewritten(), "the journal was rewritten as the digest's state");
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	cr_assert(WIFSIGNALED(status), "the child ended on its own: %d", status);

	e = engine_open();
	cr_assert_eq(engine_start(e), ENGINE_OK); /* replays */
	cr_assert(logged("recovered 9003 messages"), "%s", log_text);
	engine_free(e); /* the stop flushes the held digest, rate limit or not */
	cr_assert_eq(journal_bytes(), 0);
	deliver_all();
	body = bodies_to("a@example.com");
	cr_assert_not_null(strstr(body, "disk sda failed"), "the first mail (before the crash)");
	cr_assert_not_null(strstr(body,
				  "2026-07-01 12:00:00 +0000 err web1 app: queue held back\n"
				  "2026-07-01 12:00:00 +0000 err web1 app: spool held too\n"
				  "2026-07-01 12:00:00 +0000 (x3001) err web1 app: Connection "
				  "closed by <ip> port <n>\n"
				  "6000 further messages not shown (rate limit)\n"
				  "  (x3000) err web1 app: Connection reset by <ip> port <n>\n"),
			   "%s", body);
	cr_assert_not_null(strstr(body, "  by severity: 6000 err\n"
					"  by host: 6000 web1\n"
					"  by program: 6000 app\n"
					"-- \n"
					"9003 messages (3003 shown), 9003 errors or worse, most "
					"severe: err\n"),
			   "%s", body);
	cr_assert_null(strstr(strstr(body, "queue held back") + 1, "queue held back"), "in one mail, once");
	free(body);
}

/* ---- a dry run ------------------------------------------------------------ */

struct seen {
	size_t mails;
	char to[4][64];
	char body[4][4096];
};

static void on_digest(void *arg, const struct digest_mail *m)
{
	struct seen *s = arg;

	cr_assert_lt(s->mails, 4);
	snprintf(s->to[s->mails], sizeof(s->to[0]), "%s", m->to);
	snprintf(s->body[s->mails], sizeof(s->body[0]), "%s", m->body);
	s->mails++;
}

Test(engine, dry_run_writes_nothing_and_follows_the_callers_clock)
{
	struct seen s = {0};
	struct engine_params p = {.config_path = conf_path,
				  .spool_dir = spool,
				  .dry_run = on_digest,
				  .dry_run_arg = &s,
				  .log = on_log};
	struct engine_recipient_counters rc;
	struct engine_worker *w;
	struct conf_err err;
	struct engine *e;
	struct batch b;
	struct stat st;
	time_t t0 = 1782907200;

	write_conf("log email a@example.com level errors\n"
		   "log email a@example.com time utc\n"
		   "log email a@example.com digest window 60\n");
	cr_assert_eq(engine_new(&e, &p, &err), ENGINE_OK, "%s", err.msg);
	cr_assert_eq(engine_start(e), ENGINE_OK);
	w = engine_worker_new(e);
	make_batch(&b, "r", 0, 2);
	b.m[0].ts = t0;
	b.m[1].ts = t0 + 10;
	cr_assert_eq(engine_accept(w, &b.m[0], 1, t0), ENGINE_OK); /* the window opens */
	cr_assert_eq(engine_accept(w, &b.m[1], 1, t0 + 10), ENGINE_OK);
	engine_tick(e, t0 + 59);
	cr_assert_eq(s.mails, 0, "the window is still open at t0 + 59");
	engine_tick(e, t0 + 60);
	cr_assert_eq(s.mails, 1, "closed by its window, on the caller's clock");
	cr_assert_str_eq(s.to[0], "a@example.com");
	/* the two differ in a number: folded (the default) */
	cr_assert_str_eq(s.body[0],
			 "2026-07-01 12:00:00 +0000 .. 12:00:10 (x2) err web1 app[42]: r-0, r-1 (x1 each)\n"
			 "-- \n"
			 "2 messages, 2 errors or worse, most severe: err\n");
	make_batch(&b, "r", 2, 1);
	b.m[0].ts = t0 + 100;
	cr_assert_eq(engine_accept(w, b.m, 1, t0 + 100), ENGINE_OK);
	cr_assert(engine_recipient_counters(e, 0, &rc));
	cr_assert_eq(rc.accepted, 3);
	engine_stop(e);
	cr_assert_eq(s.mails, 2, "the stop flushes the last digest");
	engine_worker_free(w);
	engine_free(e);
	cr_assert_neq(stat(spool, &st), 0, "no spool made");
}

Test(engine, counter_names_match_the_struct)
{
	struct engine_counters c;

	memset(&c, 0, sizeof(c));
	c.outbox_depth = 7;
	c.received = 3;
	for (size_t i = 0; i < ENGINE_N_COUNTERS; i++) {
		uint64_t v;

		memcpy(&v, (const char *)&c + engine_counter_offsets[i], sizeof(v));
		if (strcmp(engine_counter_names[i], "outbox_depth") == 0)
			cr_assert_eq(v, 7);
		else if (strcmp(engine_counter_names[i], "received") == 0)
			cr_assert_eq(v, 3);
		else
			cr_assert_eq(v, 0, "%s", engine_counter_names[i]);
	}
}

/* ---- logcheck filters ------------------------------------------------------ */

/* A small logcheck rules tree in dir/rules: a cracking.d rule for kernel
 * attacks, a violations.d rule for sudo commands, ignore.d.server rules
 * for CRON and for myd's "value 7". */
static void write_rules(void)
{
	static const char *const files[][2] = {
	    {"cracking.d/kernel",
	     "# attacks\n^\\w{3} [ :[:digit:]]{11} [._[:alnum:]-]+ kernel: .*ATTACK\n"},
	    {"violations.d/sudo", "^\\w{3} [ :[:digit:]]{11} [._[:alnum:]-]+ sudo\\[[0-9]+\\]: "
				  ".*COMMAND=\n"},
	    {"ignore.d.server/cron",
	     "^\\w{3} [ :[:digit:]]{11} [._[:alnum:]-]+ CRON\\[[0-9]+\\]: \\(root\\) CMD\n"},
	    {"ignore.d.server/myd",
	     "^\\w{3} [ :[:digit:]]{11} [._[:alnum:]-]+ myd\\[[0-9]+\\]: value 7 ok$\n"},
	};
	static const char *const dirs[] = {"cracking.d",        "cracking.ignore.d",
					   "violations.d",      "violations.ignore.d",
					   "ignore.d.paranoid", "ignore.d.server"};
	char path[400];

	snprintf(path, sizeof(path), "%s/rules", dir);
	cr_assert_eq(mkdir(path, 0755), 0);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/rules/%s", dir, dirs[i]);
		cr_assert_eq(mkdir(path, 0755), 0, "%s", path);
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/rules/%s", dir, files[i][0]);
		cr_assert_not_null(f = fopen(path, "w"), "%s", path);
		fputs(files[i][1], f);
		cr_assert_eq(fclose(f), 0);
	}
}

/* One message at t0 + dt, severity info, from host web1. */
static struct engine_msg lc_msg(unsigned dt, const char *program, const char *tag, const char *text)
{
	return (struct engine_msg){.severity = 6,
				   .facility = 1,
				   .ts = 1782907200 + dt,
				   .host = "web1",
				   .program = program,
				   .tag = tag,
				   .text = text};
}

/* The messages of the logcheck tests: one per section, one logcheck
 * ignores, one only another filter takes, one an exclude drops. */
static size_t lc_batch(struct engine_msg *m)
{
	size_t n = 0;

	m[n++] = lc_msg(0, "myd", "myd[5]:", "value 5 ok");                /* System Events */
	m[n++] = lc_msg(1, "kernel", "kernel:", "ATTACK seen");            /* Security Alerts */
	m[n++] = lc_msg(2, "sudo", "sudo[7]:", "alice : COMMAND=/bin/sh"); /* Events */
	m[n++] = lc_msg(3, "CRON", "CRON[9]:", "(root) CMD (true)");       /* ignored */
	m[n++] = lc_msg(4, "myd", "myd[5]:", "value 7 ok");      /* ignored; program myd */
	m[n++] = lc_msg(5, "other", "other[3]:", "noisy thing"); /* excluded */
	m[n++] = lc_msg(6, "other", "other[3]:", "strange");     /* System Events */
	return n;
}

#define LC_CONF                                                                                    \
	"log email lc@example.com logcheck server rules %s/rules\n"                                \
	"log email lc@example.com program myd\n"                                                   \
	"log email lc@example.com exclude msgtext \"noisy\"\n"                                     \
	"log email lc@example.com time utc\n"                                                      \
	"log email lc@example.com digest window 3600\n"                                            \
	"log email other@example.com program CRON\n"                                               \
	"log email other@example.com time utc\n"                                                   \
	"log email other@example.com digest window 3600\n"

/* What lc@example.com gets for lc_batch: the sections as headings, highest
 * first, the line only program myd took under Other Events, and "value 5"
 * and "value 7" not folded (different sections). */
#define LC_BODY                                                                                    \
	"Security Alerts\n"                                                                        \
	"===============\n"                                                                        \
	"2026-07-01 12:00:01 +0000 info web1 kernel: ATTACK seen\n"                               \
	"\n"                                                                                       \
	"Security Events\n"                                                                        \
	"===============\n"                                                                        \
	"2026-07-01 12:00:02 +0000 info web1 sudo[7]: alice : COMMAND=/bin/sh\n"                     \
	"\n"                                                                                       \
	"System Events\n"                                                                          \
	"=============\n"                                                                          \
	"2026-07-01 12:00:00 +0000 info web1 myd[5]: value 5 ok\n"                                   \
	"2026-07-01 12:00:06 +0000 info web1 other[3]: strange\n"                                    \
	"\n"                                                                                       \
	"Other Events\n"                                                                           \
	"============\n"                                                                           \
	"2026-07-01 12:00:04 +0000 info web1 myd[5]: value 7 ok\n"                                   \
	"-- \n"                                                                                    \
	"5 messages, 0 errors or worse, most severe: info\n"

static void write_lc_conf(const char *extra)
{
	char body[2048];

	snprintf(body, sizeof(body), LC_CONF "%s", dir, extra);
	write_conf(body);
}

/* The mails of a dry run over lc_batch, flushed by the stop. */
static void lc_dry_run(struct seen *s)
{
	struct engine_params p = {
	    .config_path = conf_path, .dry_run = on_digest, .dry_run_arg = s, .log = on_log};
	struct engine_msg m[16];
	struct engine_worker *w;
	struct conf_err err;
	struct engine *e;
	size_t n = lc_batch(m);

	cr_assert_eq(engine_new(&e, &p, &err), ENGINE_OK, "%s", err.msg);
	cr_assert_not_null(w = engine_worker_new(e));
	cr_assert_eq(engine_accept(w, m, n, 1782907210), ENGINE_OK);
	engine_stop(e);
	engine_worker_free(w);
	engine_free(e);
}

static const char *body_of(const struct seen *s, const char *to)
{
	for (size_t i = 0; i < s->mails; i++)
		if (strcmp(s->to[i], to) == 0)
			return s->body[i];
	cr_assert_fail("no mail to %s", to);
	return NULL;
}

Test(engine, logcheck_sections_head_the_digest)
{
	struct seen s = {0};

	write_rules();
	write_lc_conf("");
	lc_dry_run(&s);
	cr_assert_eq(s.mails, 2);
	cr_assert_str_eq(body_of(&s, "lc@example.com"), LC_BODY);
	/* another recipient of the same lines: no sections, as ever */
	cr_assert_str_eq(body_of(&s, "other@example.com"),
			 "2026-07-01 12:00:03 +0000 info web1 CRON[9]: (root) CMD (true)\n"
			 "-- \n"
			 "1 message, 0 errors or worse, most severe: info\n");
	cr_assert(logged("rules loaded"), "%s", log_text);
}

Test(engine, logcheck_rules_that_cannot_be_read_match_nothing)
{
	struct seen s = {0};

	write_rules();
	write_lc_conf("log email bad@example.com logcheck server rules /nonexistent/logcheck\n"
		      "log email bad@example.com program kernel\n"
		      "log email bad@example.com time utc\n"
		      "log email bad@example.com digest window 3600\n");
	lc_dry_run(&s);
	cr_assert(logged("3 logcheck rules /nonexistent/logcheck: No such file or directory: the "
			 "logcheck filters on these rules match nothing"),
		  "%s", log_text);
	cr_assert_eq(s.mails, 3, "the configuration loads, the others work");
	cr_assert_str_eq(body_of(&s, "lc@example.com"), LC_BODY);
	cr_assert_str_eq(body_of(&s, "bad@example.com"),
			 "2026-07-01 12:00:01 +0000 info web1 kernel: ATTACK seen\n"
			 "-- \n"
			 "1 message, 0 errors or worse, most severe: info\n");
}

/* The child of the journal test: the batch accepted (journaled), then the
 * parent is told, and the child waits to be killed. */
static void lc_child(int ready)
{
	struct engine_params p = {.config_path = conf_path, .spool_dir = spool};
	struct engine_msg m[16];
	struct conf_err err;
	struct engine_worker *w;
	struct engine *e;
	size_t n = lc_batch(m);

	if (engine_new(&e, &p, &err) != ENGINE_OK || engine_start(e) != ENGINE_OK ||
	    (w = engine_worker_new(e)) == NULL)
		_exit(2);
	if (engine_accept(w, m, n, time(NULL)) != ENGINE_OK)
		_exit(3);
	if (write(ready, "r", 1) != 1)
		_exit(4);
	for (;;)
		pause();
}

static char *journal_text(void)
{
	char path[400], *text = calloc(1, 1 << 16);
	FILE *f;

	snprintf(path, sizeof(path), "%s/" JOURNAL_DIR "/" JOURNAL_NAME, spool);
	cr_assert_not_null(f = fopen(path, "r"));
	cr_assert_not_null(text);
	(void)fread(text, 1, (1 << 16) - 1, f);
	fclose(f);
	return text;
}

/* The sections are journaled with the lines: after kill -9, the replayed
 * digest has the same groups. */
Test(engine, logcheck_sections_survive_a_crash)
{
	struct engine *e;
	char *body, *jtext;
	int status;
	pid_t child;

	write_rules();
	smtpd_start("smtpd", 0);
	write_lc_conf("");
	child = child_until_ready(lc_child);
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	jtext = journal_text();
	/* version 5: the section and the tag as logged */
	cr_assert_not_null(strstr(jtext, "5\t3\t1\tlc@example.com\t1782907201\t6\t1\tweb1\tkernel\t"
					 "kernel:\tATTACK seen\n"),
			   "%s", jtext);
	cr_assert_not_null(strstr(jtext, "5\t0\t1\tlc@example.com\t1782907204\t"), "%s", jtext);
	free(jtext);

	e = engine_open();
	cr_assert_eq(engine_start(e), ENGINE_OK); /* replays */
	cr_assert(logged("recovered 6 messages"), "%s", log_text);
	engine_free(e);
	deliver_all();
	body = bodies_to("lc@example.com");
	cr_assert_not_null(strstr(body, LC_BODY), "%s", body);
	free(body);
}

/* A journal as the release before sections wrote it (message records of
 * versions 1 and 2, a version 3 state record with a "d1" state) replays
 * after the upgrade, beside a sectioned (version 4) record. */
Test(engine, a_journal_of_the_previous_version_replays)
{
	static const char journal[] =
	    "3\ta@example.com\td1 1782907200 0 0 0 0 1 3 1782907200 1782907200 1 0 3:app "
	    "9:old state 0: 0 0 1 1 0 3 1782907200 1782907200 5 8 15 24:web1 app[err]: old state "
	    "0 0 \n"
	    "2\t1\ta@example.com\t1782907201\t3\t3\tweb1\tapp\told v2\n"
	    "1\ta@example.com\t1782907202\t3\t3\tweb1\tapp\told v1\n"
	    "4\t3\t1\tlc@example.com\t1782907203\t6\t0\tweb1\tkernel\tATTACK replayed\n";
	char path[400], *body;
	struct engine *e;
	FILE *f;

	write_rules();
	smtpd_start("smtpd", 0);
	write_lc_conf("log email a@example.com level errors\n"
		      "log email a@example.com time utc\n");
	cr_assert_eq(mkdir(spool, 0700), 0);
	snprintf(path, sizeof(path), "%s/" JOURNAL_DIR, spool);
	cr_assert_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/" JOURNAL_DIR "/" JOURNAL_NAME, spool);
	cr_assert_not_null(f = fopen(path, "w"));
	fputs(journal, f);
	cr_assert_eq(fclose(f), 0);

	e = engine_open();
	cr_assert_eq(engine_start(e), ENGINE_OK);
	cr_assert(logged("recovered 4 messages"), "%s", log_text);
	cr_assert(!logged("malformed"), "%s", log_text);
	engine_free(e);
	deliver_all();
	body = bodies_to("a@example.com");
	/* Each line once.  (The restored digest's window has long passed: the
	 * delivery thread, already running while the journal replays, may send
	 * it before or after the next record joins it, so which lines share a
	 * mail, and so the mails' order, is not asserted.) */
	cr_assert_eq(count_in(body, "2026-07-01 12:00:00 +0000 err web1 app: old state\n"), 1,
		     "%s", body);
	cr_assert_eq(count_in(body, "2026-07-01 12:00:01 +0000 err web1 app: old v2\n"), 1, "%s",
		     body);
	cr_assert_eq(count_in(body, "2026-07-01 12:00:02 +0000 err web1 app: old v1\n"), 1, "%s",
		     body);
	free(body);
	body = bodies_to("lc@example.com");
	cr_assert_not_null(strstr(body,
				  "Security Alerts\n"
				  "===============\n"
				  "2026-07-01 12:00:03 +0000 info web1 kernel: ATTACK replayed\n"
				  "-- \n"),
			   "%s", body);
	free(body);
}

/* A reload keeps the compiled rules while no rule file changed, and reads
 * them again when one did: a new ignore rule silences its lines. */
Test(engine, a_reload_rereads_changed_logcheck_rules_only)
{
	struct seen s = {0};
	struct engine_params p = {
	    .config_path = conf_path, .dry_run = on_digest, .dry_run_arg = &s, .log = on_log};
	struct engine_msg m[16];
	struct engine_worker *w;
	struct conf_err err;
	struct engine *e;
	char path[400];
	FILE *f;

	write_rules();
	write_lc_conf("");
	lc_batch(m);
	cr_assert_eq(engine_new(&e, &p, &err), ENGINE_OK, "%s", err.msg);
	cr_assert_not_null(w = engine_worker_new(e));
	cr_assert_eq(count_logged("rules loaded"), 1);
	cr_assert_eq(engine_reload(e, &err), ENGINE_OK, "%s", err.msg);
	cr_assert_eq(count_logged("rules loaded"), 1, "unchanged: not compiled again\n%s",
		     log_text);
	cr_assert_eq(engine_accept(w, &m[6], 1, 1782907210), ENGINE_OK); /* "strange" */

	snprintf(path, sizeof(path), "%s/rules/ignore.d.server/other", dir);
	cr_assert_not_null(f = fopen(path, "w"));
	fputs("^\\w{3} [ :[:digit:]]{11} [._[:alnum:]-]+ other\\[[0-9]+\\]: strange$\n", f);
	cr_assert_eq(fclose(f), 0);
	cr_assert_eq(engine_reload(e, &err), ENGINE_OK, "%s", err.msg);
	cr_assert_eq(count_logged("rules loaded"), 2, "changed: read again\n%s", log_text);
	cr_assert_eq(engine_accept(w, &m[6], 1, 1782907220), ENGINE_OK); /* now ignored */
	cr_assert_eq(engine_accept(w, &m[1], 1, 1782907230), ENGINE_OK); /* an alert */
	engine_stop(e);
	engine_worker_free(w);
	engine_free(e);
	/* "strange" of the first generation and the alert of the second, in one
	 * digest: the reload carried it over */
	cr_assert_eq(s.mails, 1, "one digest across the reload");
	cr_assert_str_eq(s.body[0], "Security Alerts\n"
				    "===============\n"
				    "2026-07-01 12:00:01 +0000 info web1 kernel: ATTACK seen\n"
				    "\n"
				    "System Events\n"
				    "=============\n"
				    "2026-07-01 12:00:06 +0000 info web1 other[3]: strange\n"
				    "-- \n"
				    "2 messages, 0 errors or worse, most severe: info\n");
}
