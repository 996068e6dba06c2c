/*
 * tests/unit/test_spool.c: the spool (smtp/spool.c) and its delivery run
 * (smtp/spool_deliver.c) against a scripted stand-in for the SMTP client, so
 * every outcome of a session can be forced.  The real client is tested
 * against real servers by tests/integration/mail-*.sh.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "smtp/spool-internal.h"
#include "util/util.h"

/* ---- the stand-in client ------------------------------------------------ */

struct reply {
	enum smtp_status st;
	int code;
	const char *msg;
	bool auth_refused;
};

static struct reply open_replies[4]; /* for each smtp_open, in order */
static struct reply send_replies[16];
static unsigned n_sends;       /* smtp_send calls so far */
static char sent_to[16][64];   /* recipients, in order */
static char sent_msg[16][512]; /* messages, in order */
static unsigned n_opens, n_closes;

struct smtp_client {
	int dummy;
};

enum smtp_status smtp_compose(const struct smtp_message *m, char **out, size_t *len,
			      struct smtp_err *err)
{
	(void)err;
	*len = (size_t)asprintf(out, "Message-ID: <%s>\r\nTo: <%s>\r\nSubject: %s\r\n\r\n%s",
				m->message_id, m->to, m->subject ? m->subject : "", m->body);
	return SMTP_OK;
}

static enum smtp_status give(const struct reply *r, struct smtp_err *err)
{
	err->code = r->code;
	err->auth_refused = r->auth_refused;
	snprintf(err->msg, sizeof(err->msg), "%s", r->msg ? r->msg : "");
	return r->st;
}

enum smtp_status smtp_open(struct smtp_client **out, const struct smtp_params *p,
			   struct smtp_err *err)
{
	static struct smtp_client c;

	const struct reply *r = &open_replies[n_opens++];

	(void)p;
	cr_assert_lt(n_opens, 4);
	*out = r->st == SMTP_OK ? &c : NULL;
	return give(r, err);
}

const char *smtp_peer(const struct smtp_client *c)
{
	(void)c;
	return n_opens == 1 ? "2001:db8::25" : "192.0.2.25";
}

void smtp_tls_describe(const struct smtp_client *c, char *buf, size_t size)
{
	(void)c;
	snprintf(buf, size, "%s", n_opens == 1 ? "none" : "STARTTLS verified, TLSv1.3 TLS_AES_256_GCM_SHA384");
}

enum smtp_status smtp_send(struct smtp_client *c, const char *from, const char *to, const char *msg,
			   size_t len, struct smtp_err *err)
{
	unsigned i = n_sends++;

	(void)c;
	(void)from;
	cr_assert_lt(i, 16);
	snprintf(sent_to[i], sizeof(sent_to[i]), "%s", to);
	snprintf(sent_msg[i], sizeof(sent_msg[i]), "%.*s", (int)len, msg);
	return give(&send_replies[i], err);
}

void smtp_close(struct smtp_client *c)
{
	if (c)
		n_closes++;
}

/* ---- fixtures ----------------------------------------------------------- */

static char dir[64];
static struct spool *sp;
static const struct smtp_params params = {.host = "127.0.0.1"};

static void setup(void)
{
	struct smtp_err err = {0};

	snprintf(dir, sizeof(dir), "/tmp/test_spool.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(spool_open(&sp, dir, &err), SMTP_OK, "%s", err.msg);
}

static void teardown(void)
{
	char cmd[128];

	spool_close(sp);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

static void submit(const char *to, const char *subject, char id[SPOOL_ID_MAX])
{
	struct smtp_message m = {
	    .from = "me@example.com", .to = to, .subject = subject, .body = "hello\n"};
	struct smtp_err err = {0};

	cr_assert_eq(spool_submit(sp, &m, id, &err), SMTP_OK, "%s", err.msg);
}

struct listing {
	unsigned n;
	char id[64][SPOOL_ID_MAX];
	char to[64][64];
	char subject[64][64];
	char message_id[64][96];
	unsigned attempts[64];
	time_t next_try[64];
	char last_error[64][128];
};

static int collect(void *arg, const struct spool_entry *e)
{
	struct listing *l = arg;
	unsigned i = l->n++;

	if (i == 64) { /* full: the first 64 only */
		l->n = 64;
		return 1;
	}
	memcpy(l->id[i], e->id, SPOOL_ID_MAX);
	snprintf(l->to[i], sizeof(l->to[i]), "%s", e->to);
	snprintf(l->subject[i], sizeof(l->subject[i]), "%s", e->subject);
	snprintf(l->message_id[i], sizeof(l->message_id[i]), "%s", e->message_id);
	snprintf(l->last_error[i], sizeof(l->last_error[i]), "%s", e->last_error);
	l->attempts[i] = e->attempts;
	l->next_try[i] = e->next_try;
	return 0;
}

static void list(struct listing *l)
{
	struct smtp_err err = {0};

	memset(l, 0, sizeof(*l));
	cr_assert_eq(spool_list(sp, collect, l, &err), SMTP_OK, "%s", err.msg);
}

static bool exists(const char *fmt, const char *id)
{
	char path[256], rel[128];

	snprintf(rel, sizeof(rel), fmt, id);
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return access(path, F_OK) == 0;
}

static void slurp(const char *fmt, const char *id, char *buf, size_t size)
{
	char path[256], rel[128];
	FILE *f;
	size_t n;

	snprintf(rel, sizeof(rel), fmt, id);
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "r");
	cr_assert_not_null(f, "%s", path);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
}

static void put(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	fclose(f);
}

static enum smtp_status deliver(bool force, const char *only, struct spool_run *run,
				struct smtp_err *err)
{
	memset(err, 0, sizeof(*err));
	return spool_deliver(sp, &params, force, only, run, err);
}

TestSuite(spool, .init = setup, .fini = teardown);

/* ---- queue ---------------------------------------------------------------- */

Test(spool, submit_list_delete)
{
	struct smtp_err err = {0};
	struct listing l;
	char a[SPOOL_ID_MAX], b[SPOOL_ID_MAX], c[SPOOL_ID_MAX], host[256], want[320];

	submit("a@example.com", "first", a);
	submit("b@example.com", "zweite \xc3\xbc", b);
	submit("c@example.com", "", c);
	list(&l);
	cr_assert_eq(l.n, 3);
	cr_assert_str_eq(l.id[0], a);
	cr_assert_str_eq(l.id[1], b);
	cr_assert_str_eq(l.id[2], c);
	cr_assert_str_eq(l.to[1], "b@example.com");
	cr_assert_str_eq(l.subject[1], "zweite \xc3\xbc");
	cr_assert_str_eq(l.subject[2], "");
	gethostname(host, sizeof(host));
	snprintf(want, sizeof(want), "%s@%s", a, host);
	cr_assert_str_eq(l.message_id[0], want);
	cr_assert_eq(l.attempts[0], 0);
	cr_assert_str_eq(l.last_error[0], "");

	cr_assert_eq(spool_delete(sp, b, &err), SMTP_OK, "%s", err.msg);
	list(&l);
	cr_assert_eq(l.n, 2);
	cr_assert_str_eq(l.id[1], c);

	cr_assert_eq(spool_delete(sp, b, &err), SMTP_ENOENT);
	snprintf(want, sizeof(want), "no mail with mail-id %s in the queue", b);
	cr_assert_str_eq(err.msg, want);
	cr_assert_eq(spool_delete(sp, "../lock", &err), SMTP_ENOENT);

	cr_assert_eq(spool_delete_all(sp, &err), SMTP_OK, "%s", err.msg);
	list(&l);
	cr_assert_eq(l.n, 0);
}

Test(spool, message_id_is_in_the_stored_message)
{
	char id[SPOOL_ID_MAX], buf[2048], host[256], want[400];

	submit("a@example.com", "s", id);
	slurp("queue/%s", id, buf, sizeof(buf));
	gethostname(host, sizeof(host));
	snprintf(want, sizeof(want), "\nMessage-Id: %s@%s\n", id, host);
	cr_assert_not_null(strstr(buf, want), "%s", buf);
	snprintf(want, sizeof(want), "\n\nMessage-ID: <%s@%s>\r\n", id, host);
	cr_assert_not_null(strstr(buf, want), "%s", buf);
	cr_assert_eq(strncmp(buf, "Version: 1\nId: ", 15), 0, "%s", buf);
}

Test(spool, ids_unique_under_many_submits)
{
	enum { N = 300 };
	static char ids[N][SPOOL_ID_MAX];
	char pattern[64], q[128];
	unsigned count = 0;
	struct dirent *de;
	regex_t re;
	DIR *d;

	snprintf(pattern, sizeof(pattern), "^[0-9]{14}\\.%u(\\.[0-9]+)?$", (unsigned)getpid());
	cr_assert_eq(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
	for (int i = 0; i < N; i++) {
		submit("a@example.com", "many", ids[i]);
		cr_assert_eq(regexec(&re, ids[i], 0, NULL, 0), 0, "%s", ids[i]);
		for (int j = 0; j < i; j++)
			cr_assert_str_neq(ids[i], ids[j]);
	}
	regfree(&re);
	/* Same second, same pid: the suffixes count up from .1. */
	cr_assert(strstr(ids[1], ".1") != NULL || strncmp(ids[0], ids[1], 14) != 0, "%s %s", ids[0],
		  ids[1]);
	snprintf(q, sizeof(q), "%s/queue", dir);
	d = opendir(q);
	cr_assert_not_null(d);
	while ((de = readdir(d)) != NULL)
		count += de->d_name[0] != '.';
	closedir(d);
	cr_assert_eq(count, N);
}

/* A mail the spool can never send is not lost: it goes to failed/ with the
 * reason (shown by spool_list_failed, as `show mail` does), never through
 * queue/, and counts as failed until `clear counter mail`. */
Test(spool, unsendable_mail_kept_in_failed_with_its_reason)
{
	char longer[300];
	struct smtp_message m = {.from = "me@example.com",
				 .to = "a@example.com",
				 .subject = "x\r\nBcc: evil@example.com",
				 .body = "the body\n"};
	struct smtp_err err = {0};
	struct spool_counters c;
	char id[3][SPOOL_ID_MAX], buf[1024];
	struct listing l;

	cr_assert_eq(spool_submit(sp, &m, id[0], &err), SMTP_EPERM);
	cr_assert_str_eq(err.msg, "the subject contains a line break (CR or LF)");
	m.subject = "ok";
	m.to = "a@example.com\nRCPT TO:<b@example.com>";
	cr_assert_eq(spool_submit(sp, &m, id[1], &err), SMTP_EPERM);
	cr_assert_str_eq(err.msg, "the recipient address is not valid (CR or LF in the address)");
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	memcpy(longer + sizeof(longer) - 13, "@example.com", 13);
	m.to = "admin@example.com";
	m.from = longer;
	cr_assert_eq(spool_submit(sp, &m, id[2], &err), SMTP_EPERM);
	cr_assert_str_eq(err.msg, "the sender address is not valid (longer than 254 octets)");

	list(&l);
	cr_assert_eq(l.n, 0, "nothing queued");
	memset(&l, 0, sizeof(l));
	cr_assert_eq(spool_list_failed(sp, collect, &l, &err), SMTP_OK, "%s", err.msg);
	cr_assert_eq(l.n, 3);
	cr_assert_str_eq(l.id[0], id[0]);
	cr_assert_str_eq(l.subject[0], "x  Bcc: evil@example.com", "on one line");
	cr_assert_str_eq(l.last_error[0], "the subject contains a line break (CR or LF)");
	cr_assert_str_eq(l.id[1], id[1]);
	cr_assert_str_eq(l.to[1], "a@example.com RCPT TO:<b@example.com>");
	cr_assert_str_eq(l.last_error[1],
			 "the recipient address is not valid (CR or LF in the address)");
	cr_assert_str_eq(l.id[2], id[2]);
	cr_assert_str_eq(l.to[2], "admin@example.com");
	cr_assert_str_eq(l.last_error[2], "the sender address is not valid (longer than 254 octets)");
	slurp("failed/%s", id[2], buf, sizeof(buf));
	cr_assert_not_null(strstr(buf, "\nFrom: xxxxxxxx"), "%s", buf);
	cr_assert_not_null(strstr(buf, "\n\nthe body\n"), "the body as given: %s", buf);
	slurp("failed/%s.reason", id[2], buf, sizeof(buf));
	cr_assert_str_eq(buf, "the sender address is not valid (longer than 254 octets)\n");

	cr_assert_eq(spool_counters(sp, &c, &err), SMTP_OK);
	cr_assert_eq(c.failed, 3);
	cr_assert_eq(c.sent, 0);
	cr_assert_eq(spool_counters_clear(sp, &err), SMTP_OK, "%s", err.msg);
	cr_assert_eq(spool_counters(sp, &c, &err), SMTP_OK);
	cr_assert_eq(c.failed, 0);
}

/* A delivery run adds its own fails to those of submission. */
Test(spool, refused_and_delivery_fails_add_up)
{
	struct smtp_message m = {.from = "me@example.com", .to = "a@", .subject = "s", .body = "b"};
	struct spool_counters c;
	struct spool_run run;
	struct smtp_err err = {0};
	char id[SPOOL_ID_MAX];

	cr_assert_eq(spool_submit(sp, &m, id, &err), SMTP_EPERM);
	cr_assert_str_eq(err.msg, "the recipient address is not valid (no domain after the @)");
	submit("b@example.com", "2", id);
	send_replies[0] = (struct reply){SMTP_EPERM, 550, "RCPT TO: 550 5.1.1 unknown user", false};
	cr_assert_eq(deliver(false, NULL, &run, &err), SMTP_EPERM);
	cr_assert_eq(n_sends, 1, "the refused mail is never sent");
	cr_assert_eq(spool_counters(sp, &c, &err), SMTP_OK);
	cr_assert_eq(c.failed, 2);
}

/* ---- batches --------------------------------------------------------------- */

/* Names in DIR/sub (without . and ..), sorted, one a line, into out. */
static unsigned names_in(const char *sub, char *out, size_t size)
{
	char path[128], line[300];
	struct dirent **v;
	int n;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	n = scandir(path, &v, NULL, versionsort);
	cr_assert_geq(n, 0, "%s", path);
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (strcmp(v[i]->d_name, ".") && strcmp(v[i]->d_name, "..")) {
			snprintf(line, sizeof(line), "%s\n", v[i]->d_name);
			strncat(out, line, size - strlen(out) - 1);
		}
		free(v[i]);
	}
	free(v);
	return (unsigned)strlen(out);
}

/* Every file in queue/ parses, carries its own name as Id, and nothing
 * else is there: *n receives how many. */
static void queue_parses(size_t *n)
{
	struct spool_set set;
	struct smtp_err err = {0};
	unsigned corrupt = 0;
	char names[8192];
	size_t lines = 0;

	/* quarantine: a file that does not parse would go to failed/ */
	cr_assert_eq(spool_scan(sp, true, &set, &corrupt, &err), SMTP_OK, "%s", err.msg);
	cr_assert_eq(corrupt, 0);
	names_in("queue", names, sizeof(names));
	for (const char *p = names; *p; p++)
		lines += *p == '\n';
	cr_assert_eq(set.n, lines, "queue/ holds %zu files, %zu parse", lines, set.n);
	*n = set.n;
	spool_set_free(&set);
}

Test(spool, batch_queues_every_mail_with_its_own_id)
{
	enum { N = 130 }; /* more than one chunk of 64 */
	static struct smtp_message m[N];
	static const struct smtp_message *mp[N];
	static char to[N][32], subj[N][32], ids[N][SPOOL_ID_MAX];
	static enum smtp_status status[N];
	struct smtp_err err = {0};
	struct listing l;
	char buf[1024], want[128], tmp[64];
	size_t n;

	for (int i = 0; i < N; i++) {
		snprintf(to[i], sizeof(to[i]), "r%d@example.com", i);
		snprintf(subj[i], sizeof(subj[i]), "mail %d", i);
		m[i] = (struct smtp_message){
		    .from = "me@example.com", .to = to[i], .subject = subj[i], .body = "b\n"};
		mp[i] = &m[i];
		status[i] = SMTP_ETEMP; /* must be overwritten */
	}
	cr_assert_eq(spool_submit_batch(sp, mp, N, ids, status, &err), SMTP_OK, "%s", err.msg);
	for (int i = 0; i < N; i++) {
		cr_assert_eq(status[i], SMTP_OK, "mail %d", i);
		cr_assert_neq(ids[i][0], '\0');
		for (int j = 0; j < i; j++)
			cr_assert_str_neq(ids[i], ids[j]);
		/* ids[i] names mail i */
		slurp("queue/%s", ids[i], buf, sizeof(buf));
		snprintf(want, sizeof(want), "\nTo: %s\nSubject: %s\n", to[i], subj[i]);
		cr_assert_not_null(strstr(buf, want), "%s", buf);
	}
	queue_parses(&n);
	cr_assert_eq(n, N);
	list(&l);
	cr_assert_eq(l.n, 64, "the listing keeps the first 64");
	for (unsigned i = 0; i < l.n; i++)
		cr_assert_str_eq(l.id[i], ids[i], "queued in the order given");
	cr_assert_eq(names_in("tmp", tmp, sizeof(tmp)), 0, "tmp/ is empty: %s", tmp);

	/* An empty batch is no error. */
	cr_assert_eq(spool_submit_batch(sp, mp, 0, ids, status, &err), SMTP_OK);
}

Test(spool, batch_bad_mail_fails_alone)
{
	struct smtp_message m[5] = {
	    {.from = "me@example.com", .to = "a@example.com", .subject = "good 1", .body = "1\n"},
	    {.from = "me@example.com",
	     .to = "b@example.com",
	     .subject = "x\r\nBcc: e@example.com",
	     .body = "2\n"},
	    {.from = "me@example.com", .to = "c@example.com", .subject = "good 3", .body = "3\n"},
	    {.from = "me@example.com",
	     .to = "d@example.com\nRCPT TO:<e@example.com>",
	     .subject = "s",
	     .body = "4\n"},
	    {.from = "me@example.com", .to = "", .subject = "no recipient", .body = "5\n"},
	};
	const struct smtp_message *mp[5] = {&m[0], &m[1], &m[2], &m[3], &m[4]};
	enum smtp_status status[5];
	char ids[5][SPOOL_ID_MAX], tmp[64];
	struct smtp_err err = {0};
	struct listing l;
	size_t n;

	memset(ids, 'x', sizeof(ids));
	cr_assert_eq(spool_submit_batch(sp, mp, 5, ids, status, &err), SMTP_EPERM);
	cr_assert_str_eq(err.msg, "the subject contains a line break (CR or LF)",
			 "the first failure is reported");
	cr_assert_eq(status[0], SMTP_OK);
	cr_assert_eq(status[1], SMTP_EPERM);
	cr_assert_eq(status[2], SMTP_OK);
	cr_assert_eq(status[3], SMTP_EPERM);
	cr_assert_eq(status[4], SMTP_EPERM);
	cr_assert(exists("failed/%s", ids[1]));
	cr_assert(exists("failed/%s", ids[3]));
	cr_assert(exists("failed/%s", ids[4]));
	queue_parses(&n);
	cr_assert_eq(n, 2);
	list(&l);
	cr_assert_str_eq(l.id[0], ids[0]);
	cr_assert_str_eq(l.to[0], "a@example.com");
	cr_assert_str_eq(l.id[1], ids[2]);
	cr_assert_str_eq(l.to[1], "c@example.com");
	cr_assert_eq(names_in("tmp", tmp, sizeof(tmp)), 0, "tmp/ is empty: %s", tmp);
}

/* Submit the batch with files limited to limit octets (RLIMIT_FSIZE: a
 * write past it fails with EFBIG, even for root), SIGXFSZ ignored. */
static enum smtp_status submit_limited(rlim_t limit, const struct smtp_message *const *mp, size_t n,
				       char (*ids)[SPOOL_ID_MAX], enum smtp_status *status,
				       struct smtp_err *err)
{
	struct rlimit old, lim;
	void (*oldsig)(int) = signal(SIGXFSZ, SIG_IGN);
	enum smtp_status st;

	cr_assert_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = limit;
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	st = spool_submit_batch(sp, mp, n, ids, status, err);
	/* Restored before any assertion writes to the test's log. */
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, oldsig);
	return st;
}

Test(spool, batch_write_failure_leaves_no_half_mail)
{
	enum { BIG = 32 << 10 };
	char *big = malloc(BIG + 1), ids[4][SPOOL_ID_MAX], tmp[256], queue[256];
	struct smtp_message m[4];
	const struct smtp_message *mp[4] = {&m[0], &m[1], &m[2], &m[3]};
	enum smtp_status status[4];
	struct smtp_err err = {0};
	struct listing l;
	size_t n;

	cr_assert_not_null(big);
	memset(big, 'y', BIG);
	big[BIG] = '\0';
	for (int i = 0; i < 4; i++)
		m[i] = (struct smtp_message){.from = "me@example.com",
					     .to = "a@example.com",
					     .subject = "s",
					     .body = "small\n"};
	m[1].body = big;
	m[1].to = "big@example.com";

	/* One mail too large for the limit: it alone fails, half-written
	 * nowhere; the others are whole in queue/. */
	cr_assert_eq(submit_limited(16 << 10, mp, 4, ids, status, &err), SMTP_EIO);
	cr_assert_eq(strncmp(err.msg, "spool: cannot write tmp/", 24), 0, "%s", err.msg);
	cr_assert_not_null(strstr(err.msg, strerror(EFBIG)), "%s", err.msg);
	cr_assert_eq(status[0], SMTP_OK);
	cr_assert_eq(status[1], SMTP_EIO);
	cr_assert_eq(status[2], SMTP_OK);
	cr_assert_eq(status[3], SMTP_OK);
	cr_assert_str_eq(ids[1], "");
	queue_parses(&n);
	cr_assert_eq(n, 3);
	list(&l);
	for (unsigned i = 0; i < l.n; i++)
		cr_assert_str_neq(l.to[i], "big@example.com");
	cr_assert_eq(names_in("tmp", tmp, sizeof(tmp)), 0, "tmp/ is empty: %s", tmp);

	/* Every mail too large: the batch fails, queue/ is as it was. */
	names_in("queue", queue, sizeof(queue));
	for (int i = 0; i < 4; i++)
		m[i].body = big;
	cr_assert_eq(submit_limited(16 << 10, mp, 4, ids, status, &err), SMTP_EIO);
	for (int i = 0; i < 4; i++) {
		cr_assert_eq(status[i], SMTP_EIO);
		cr_assert_str_eq(ids[i], "");
	}
	names_in("queue", tmp, sizeof(tmp));
	cr_assert_str_eq(tmp, queue, "queue/ unchanged");
	cr_assert_eq(names_in("tmp", tmp, sizeof(tmp)), 0, "tmp/ is empty: %s", tmp);
	free(big);
}

Test(spool, file_left_in_tmp_is_not_listed)
{
	char id[SPOOL_ID_MAX], buf[2048], rel[64];
	struct listing l;

	submit("a@example.com", "s", id);
	slurp("queue/%s", id, buf, sizeof(buf));
	/* A crash after writing, before the rename: */
	snprintf(rel, sizeof(rel), "tmp/20200101000000.1");
	put(rel, buf);
	put("tmp/.1.2.3", "Version: 1\n");
	list(&l);
	cr_assert_eq(l.n, 1);
	cr_assert_str_eq(l.id[0], id);
}

Test(spool, corrupt_file_moved_aside)
{
	struct spool_run run;
	struct smtp_err err;
	struct listing l;
	struct spool_counters c;
	char id[SPOOL_ID_MAX], buf[512];

	put("queue/20200101000000.42", "this is not a spool file");
	submit("a@example.com", "s", id);
	list(&l);
	cr_assert_eq(l.n, 1, "list skips it");
	cr_assert_str_eq(l.id[0], id);
	cr_assert_eq(deliver(false, NULL, &run, &err), SMTP_OK, "%s", err.msg);
	cr_assert_eq(run.sent, 1);
	cr_assert_eq(run.failed, 1);
	cr_assert(!exists("queue/%s", "20200101000000.42"));
	cr_assert(exists("failed/%s", "20200101000000.42"));
	slurp("failed/%s.reason", "20200101000000.42", buf, sizeof(buf));
	cr_assert_eq(strncmp(buf, "corrupt spool file: ", 20), 0, "%s", buf);
	slurp("failed/%s", "20200101000000.42", buf, sizeof(buf));
	cr_assert_str_eq(buf, "this is not a spool file", "kept as it was");
	cr_assert_eq(spool_counters(sp, &c, &err), SMTP_OK);
	cr_assert_eq(c.sent, 1);
	cr_assert_eq(c.failed, 1);
}

Test(spool, counters_persist_across_close_open)
{
	struct spool_counters c;
	struct spool_run run;
	struct smtp_err err;
	char id[SPOOL_ID_MAX];

	cr_assert_eq(spool_counters(sp, &c, &err), SMTP_OK);
	cr_assert_eq(c.sent + c.failed, 0);
	submit("a@example.com", "1", id);
	submit("b@example.com", "2", id);
	submit("c@example.com", "3", id);
	send_replies[1] = (struct reply){SMTP_EPERM, 550, "RCPT TO: 550 5.1.1 unknown user", false};
	cr_assert_eq(deliver(false, NULL, &run, &err), SMTP_EPERM);
	cr_assert_str_eq(err.msg, "RCPT TO: 550 5.1.1 unknown user");
	cr_assert_eq(run.sent, 2);
	cr_assert_eq(run.failed, 1);
	spool_close(sp);
	cr_assert_eq(spool_open(&sp, dir, &err), SMTP_OK);
	cr_assert_eq(spool_counters(sp, &c, &err), SMTP_OK);
	cr_assert_eq(c.sent, 2);
	cr_assert_eq(c.failed, 1);
}

Test(spool, debug_flag_persists)
{
	struct smtp_err err;

	cr_assert(!spool_debug(sp));
	cr_assert_eq(spool_set_debug(sp, true, &err), SMTP_OK);
	spool_close(sp);
	cr_assert_eq(spool_open(&sp, dir, &err), SMTP_OK);
	cr_assert(spool_debug(sp));
	cr_assert_eq(spool_set_debug(sp, false, &err), SMTP_OK);
	cr_assert_eq(spool_set_debug(sp, false, &err), SMTP_OK);
	cr_assert(!spool_debug(sp));
}

/* ---- delivery ------------------------------------------------------------- */

Test(spool, one_session_oldest_first)
{
	struct spool_run run;
	struct smtp_err err;
	struct listing l;
	char a[SPOOL_ID_MAX], b[SPOOL_ID_MAX];

	submit("a@example.com", "1", a);
	submit("b@example.com", "2", b);
	cr_assert_eq(deliver(false, NULL, &run, &err), SMTP_OK, "%s", err.msg);
	cr_assert_eq(n_opens, 1);
	cr_assert_eq(n_closes, 1);
	cr_assert_eq(n_sends, 2);
	cr_assert_str_eq(sent_to[0], "a@example.com");
	cr_assert_str_eq(sent_to[1], "b@example.com");
	cr_assert_not_null(strstr(sent_msg[0], a));
	cr_assert_eq(run.sent, 2);
	list(&l);
	cr_assert_eq(l.n, 0);
	/* Nothing left: no session at all. */
	cr_assert_eq(deliver(true, NULL, &run, &err), SMTP_OK);
	cr_assert_eq(n_opens, 1);
}

Test(spool, temporary_failure_defers_with_backoff)
{
	struct spool_run run;
	struct smtp_err err;
	struct listing l;
	char a[SPOOL_ID_MAX], b[SPOOL_ID_MAX], msg1[512];
	time_t t0 = time(NULL);

	submit("a@example.com", "1", a);
	submit("b@example.com", "2", b);
	send_replies[0] = (struct reply){SMTP_ETEMP, 451, "RCPT TO: 451 4.3.0 try later", false};
	cr_assert_eq(deliver(false, NULL, &run, &err), SMTP_ETEMP);
	cr_assert_str_eq(err.msg, "RCPT TO: 451 4.3.0 try later");
	cr_assert_eq(run.deferred, 1);
	cr_assert_eq(run.sent, 1, "a 4xx reply does not end the session");
	list(&l);
	cr_assert_eq(l.n, 1);
	cr_assert_str_eq(l.id[0], a);
	cr_assert_eq(l.attempts[0], 1);
	cr_assert_str_eq(l.last_error[0], "RCPT TO: 451 4.3.0 try later");
	cr_assert_geq(l.next_try[0], t0 + 60);
	cr_assert_leq(l.next_try[0], time(NULL) + 60);
	memcpy(msg1, sent_msg[0], sizeof(msg1));

	/* Not due yet: no session. */
	cr_assert_eq(deliver(false, NULL, &run, &err), SMTP_OK);
	cr_assert_eq(n_opens, 1);
	cr_assert_eq(run.sent + run.deferred + run.failed, 0);

	/* flush: force, and the redelivery carries the same message. */
	send_replies[2] = (struct reply){SMTP_OK, 250, "", false};
	cr_assert_eq(deliver(true, NULL, &run, &err), SMTP_OK, "%s", err.msg);
	cr_assert_eq(run.sent, 1);
	cr_assert_str_eq(sent_msg[2], msg1);
	list(&l);
	cr_assert_eq(l.n, 0);
}

/* The state file of an earlier release has no TLS line: not known, and
 * the next session's replaces the file with both lines. */
Test(spool, state_without_tls_line)
{
	struct spool_state state = {"192.0.2.7", "none"};
	struct smtp_err err;
	char path[128], *text = NULL;
	size_t len;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, SPOOL_NAME_STATE);
	cr_assert_not_null(f = fopen(path, "w"));
	fputs("Server-Address: 192.0.2.25\n", f);
	fclose(f);
	cr_assert_eq(spool_state(sp, &state, &err), SMTP_OK);
	cr_assert_str_eq(state.server_address, "192.0.2.25");
	cr_assert_str_eq(state.tls, "", "not known");
	state = (struct spool_state){"192.0.2.25", "none"};
	cr_assert_eq(spool_state_save(sp, &state, &err), SMTP_OK, "%s", err.msg);
	cr_assert_eq(util_read_file(AT_FDCWD, path, 4096, &text, &len), 0);
	cr_assert_str_eq(text, "Server-Address: 192.0.2.25\nTLS: none\n");
	free(text);
}

/* The session dies in the second mail: that mail is deferred (the server
 * may have it or not), a second session takes the rest. */
Test(spool, dead_session_reconnects_once)
{
	struct spool_run run;
	struct smtp_err err;
	struct listing l;
	struct spool_state state;
	char id[4][SPOOL_ID_MAX];

	submit("a@example.com", "1", id[0]);
	submit("b@example.com", "2", id[1]);
	submit("c@example.com", "3", id[2]);
	submit("d@example.com", "4", id[3]);
	send_replies[1] =
	    (struct reply){SMTP_ETEMP, 0, "end of data: connection reset by peer", false};
	cr_assert_eq(deliver(false, NULL, &run, &err), SMTP_ETEMP);
	cr_assert_eq(n_opens, 2);
	cr_assert_eq(n_closes, 2);
	cr_assert_eq(run.sessions, 2);
	cr_assert_eq(n_sends, 4);
	cr_assert_str_eq(sent_to[2], "c@example.com", "the rest on the new session");
	cr_assert_eq(run.sent, 3);
	cr_assert_eq(run.deferred, 1);
	list(&l);
	cr_assert_eq(l.n, 1);
	cr_assert_str_eq(l.id[0], id[1], "the mail in flight is kept");
	cr_assert_str_eq(l.last_error[0], "end of data: connection reset by peer");
	cr_assert_eq(spool_state(sp, &state, &err), SMTP_OK);
	cr_assert_str_eq(state.server_address, "192.0.2.25", "the address used last");
	cr_assert_str_eq(state.tls, "STARTTLS verified, TLSv1.3 TLS_AES_256_GCM_SHA384",
			 "how the last session was protected");
}

/* A 421 in a mail ends the session like a reset; the second session dies
 * too: no third one, the rest waits for the back-off. */
Test(spool, dead_session_twice_defers_the_rest)
{
	struct spool_run run;
	struct smtp_err err;
	struct listing l;
	char id[SPOOL_ID_MAX];

	for (int i = 0; i < 5; i++)
		submit("a@example.com", "x", id);
	send_replies[1] = (struct reply){SMTP_ETEMP, 421, "RCPT TO: 421 4.4.2 closing", false};
	send_replies[3] =
	    (struct reply){SMTP_ETEMP, 0, "MAIL FROM: connection closed by the server", false};
	cr_assert_eq(deliver(false, NULL, &run, &err), SMTP_ETEMP);
	cr_assert_eq(n_opens, 2, "one reconnect per run");
	cr_assert_eq(n_sends, 4);
	cr_assert_eq(run.sent, 2);
	cr_assert_eq(run.deferred, 3);
	list(&l);
	cr_assert_eq(l.n, 3);
	cr_assert_str_eq(l.last_error[0], "RCPT TO: 421 4.4.2 closing");
	cr_assert_str_eq(l.last_error[2], "MAIL FROM: connection closed by the server");
	cr_assert_eq(l.attempts[2], 1, "not tried, deferred");
}

/* The second session cannot be opened: the rest is deferred with why. */
Test(spool, reconnect_refused_defers_the_rest)
{
	struct spool_run run;
	struct smtp_err err;
	struct listing l;
	char id[SPOOL_ID_MAX];

	for (int i = 0; i < 3; i++)
		submit("a@example.com", "x", id);
	send_replies[0] =
	    (struct reply){SMTP_ETEMP, 0, "DATA: no reply from the server within 2 s", false};
	open_replies[1] = (struct reply){SMTP_ETEMP, 0, "connect: cannot connect: refused", false};
	cr_assert_eq(deliver(false, NULL, &run, &err), SMTP_ETEMP);
	cr_assert_eq(n_opens, 2);
	cr_assert_eq(n_sends, 1);
	cr_assert_eq(run.deferred, 3);
	list(&l);
	cr_assert_str_eq(l.last_error[1], "connect: cannot connect: refused");
}

/* 452 to one RCPT defers that mail only; the session goes on. */
Test(spool, rcpt_452_defers_that_mail_only)
{
	struct spool_run run;
	struct smtp_err err;
	struct listing l;
	char id[3][SPOOL_ID_MAX];

	for (int i = 0; i < 3; i++)
		submit("a@example.com", "x", id[i]);
	send_replies[1] =
	    (struct reply){SMTP_ETEMP, 452, "RCPT TO: 452 4.5.3 Too many recipients", false};
	cr_assert_eq(deliver(false, NULL, &run, &err), SMTP_ETEMP);
	cr_assert_eq(n_opens, 1);
	cr_assert_eq(run.sent, 2);
	list(&l);
	cr_assert_eq(l.n, 1);
	cr_assert_str_eq(l.id[0], id[1]);
}

Test(spool, open_failure_defers_everything)
{
	struct spool_run run;
	struct smtp_err err;
	struct listing l;
	struct spool_counters c;
	char id[SPOOL_ID_MAX];

	submit("a@example.com", "1", id);
	submit("b@example.com", "2", id);
	open_replies[0] =
	    (struct reply){SMTP_ETEMP, 421, "greeting: 421 4.3.2 service not available", false};
	cr_assert_eq(deliver(false, NULL, &run, &err), SMTP_ETEMP);
	cr_assert_str_eq(err.msg, "greeting: 421 4.3.2 service not available");
	cr_assert_eq(run.deferred, 2);
	cr_assert_eq(n_sends, 0);
	list(&l);
	cr_assert_eq(l.n, 2);
	cr_assert_eq(l.attempts[0], 1);
	cr_assert_eq(l.attempts[1], 1);

	/* A refused AUTH (5xx) is the configuration's fault: still deferred. */
	open_replies[1] = (struct reply){SMTP_EPERM, 535, "AUTH: 535 5.7.8 bad credentials", true};
	cr_assert_eq(deliver(true, NULL, &run, &err), SMTP_ETEMP);
	cr_assert_eq(run.auth_failed, 1);
	list(&l);
	cr_assert_eq(l.n, 2);
	cr_assert_eq(l.attempts[0], 2);
	cr_assert_str_eq(l.last_error[0], "AUTH: 535 5.7.8 bad credentials");
	cr_assert_geq(l.next_try[0], time(NULL) + 110);
	cr_assert_eq(spool_counters(sp, &c, &err), SMTP_OK);
	cr_assert_eq(c.sent + c.failed, 0);
	cr_assert_eq(c.auth_failed, 1, "the refused AUTH is counted, once per session");

	/* The password is fixed: the queue goes out, the count stays. */
	open_replies[2] = (struct reply){SMTP_OK, 0, "", false};
	cr_assert_eq(deliver(true, NULL, &run, &err), SMTP_OK, "%s", err.msg);
	cr_assert_eq(run.sent, 2);
	cr_assert_eq(spool_counters(sp, &c, &err), SMTP_OK);
	cr_assert_eq(c.sent, 2);
	cr_assert_eq(c.auth_failed, 1);
}

Test(spool, permanent_failure_moves_to_failed)
{
	struct spool_run run;
	struct smtp_err err;
	char id[SPOOL_ID_MAX], buf[512];

	submit("a@example.com", "1", id);
	send_replies[0] = (struct reply){SMTP_EPERM, 554, "DATA: 554 5.6.0 rejected", false};
	cr_assert_eq(deliver(false, id, &run, &err), SMTP_EPERM);
	cr_assert_str_eq(err.msg, "DATA: 554 5.6.0 rejected");
	cr_assert_eq(run.failed, 1);
	cr_assert(!exists("queue/%s", id));
	cr_assert(exists("failed/%s", id));
	slurp("failed/%s.reason", id, buf, sizeof(buf));
	cr_assert_str_eq(buf, "DATA: 554 5.6.0 rejected\n");
}

Test(spool, only_delivers_that_mail)
{
	struct spool_run run;
	struct smtp_err err;
	struct listing l;
	char a[SPOOL_ID_MAX], b[SPOOL_ID_MAX];

	submit("a@example.com", "1", a);
	submit("b@example.com", "2", b);
	cr_assert_eq(deliver(false, b, &run, &err), SMTP_OK, "%s", err.msg);
	cr_assert_eq(n_sends, 1);
	cr_assert_str_eq(sent_to[0], "b@example.com");
	list(&l);
	cr_assert_eq(l.n, 1);
	cr_assert_str_eq(l.id[0], a);
	cr_assert_eq(deliver(false, b, &run, &err), SMTP_ENOENT);
}

Test(spool, expired_mail_fails)
{
	struct spool_run run;
	struct smtp_err err;
	char buf[512], text[1024];

	snprintf(text, sizeof(text),
		 "Version: 1\nId: 20200101000000.7\nFrom: me@example.com\nTo: a@example.com\n"
		 "Subject: old\nMessage-Id: 20200101000000.7@h\nQueued: %ld\nAttempts: 9\n"
		 "Next-Try: 0\nLast-Error: greeting: 421 busy\n\nSubject: old\r\n\r\nx\r\n",
		 (long)(time(NULL) - SPOOL_EXPIRE_SEC - 1));
	put("queue/20200101000000.7", text);
	cr_assert_eq(deliver(false, NULL, &run, &err), SMTP_EPERM);
	cr_assert_eq(n_opens, 0);
	cr_assert_eq(run.failed, 1);
	slurp("failed/%s.reason", "20200101000000.7", buf, sizeof(buf));
	cr_assert_str_eq(buf, "expired after 9 attempts: greeting: 421 busy\n");
}

/* A file in queue/ with an address the spool would not have taken (put
 * there by hand, or by another program) fails with the verdict, unsent. */
Test(spool, queued_mail_with_a_bad_address_fails_unsent)
{
	struct spool_run run;
	struct smtp_err err;
	char buf[512], text[1024], id[SPOOL_ID_MAX];

	snprintf(text, sizeof(text),
		 "Version: 1\nId: 20200101000000.8\nFrom: me@example.com\nTo: a@b@example.com\n"
		 "Subject: s\nMessage-Id: 20200101000000.8@h\nQueued: %ld\nAttempts: 0\n"
		 "Next-Try: 0\nLast-Error: \n\nSubject: s\r\n\r\nx\r\n",
		 (long)time(NULL));
	put("queue/20200101000000.8", text);
	submit("good@example.com", "fine", id);
	cr_assert_eq(deliver(false, NULL, &run, &err), SMTP_EPERM);
	cr_assert_eq(n_sends, 1, "only the good one is sent");
	cr_assert_str_eq(sent_to[0], "good@example.com");
	cr_assert_eq(run.failed, 1);
	cr_assert_eq(run.sent, 1);
	slurp("failed/%s.reason", "20200101000000.8", buf, sizeof(buf));
	cr_assert_str_eq(buf, "the recipient address is not valid (two @ (an @ in the local part "
			      "must be quoted: \"a@b\"@domain))\n");
}

Test(spool, busy_when_another_process_delivers)
{
	struct spool_run run;
	struct smtp_err err;
	char path[128], id[SPOOL_ID_MAX];
	int fd;

	submit("a@example.com", "1", id);
	snprintf(path, sizeof(path), "%s/lock", dir);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(flock(fd, LOCK_EX | LOCK_NB), 0);
	cr_assert_eq(deliver(true, NULL, &run, &err), SMTP_EBUSY);
	cr_assert_eq(n_opens, 0);
	close(fd);
	cr_assert_eq(deliver(true, NULL, &run, &err), SMTP_OK);
	cr_assert_eq(run.sent, 1);
}

Test(spool, update_does_not_resurrect_a_deleted_mail)
{
	struct spool_set set;
	struct smtp_err err;
	char id[SPOOL_ID_MAX];
	struct listing l;

	submit("a@example.com", "1", id);
	cr_assert_eq(spool_scan(sp, false, &set, NULL, &err), SMTP_OK);
	cr_assert_eq(set.n, 1);
	cr_assert_eq(spool_delete(sp, id, &err), SMTP_OK);
	set.v[0].attempts = 3;
	cr_assert_eq(spool_mail_update(sp, &set.v[0], &err), SMTP_ENOENT);
	spool_set_free(&set);
	list(&l);
	cr_assert_eq(l.n, 0);
}

Test(spool, backoff_doubles_up_to_an_hour)
{
	cr_assert_eq(spool_backoff(1), 60);
	cr_assert_eq(spool_backoff(2), 120);
	cr_assert_eq(spool_backoff(3), 240);
	cr_assert_eq(spool_backoff(6), 1920);
	cr_assert_eq(spool_backoff(7), 3600);
	cr_assert_eq(spool_backoff(1000), 3600);
}

Test(spool, parse_rejects_bad_files)
{
	struct spool_mail m;
	char why[200];
	const char *bad[] = {
	    "",
	    "Version: 1\nId: x\n",
	    "Version: 2\nId: x\nFrom: a\nTo: b\nMessage-Id: m\nQueued: 1\n\nbody",
	    "Version: 1\nId: x\nFrom: a\nTo: b\nMessage-Id: m\n\nbody",
	    "Version: 1\nId: ../x\nFrom: a\nTo: b\nMessage-Id: m\nQueued: 1\n\nbody",
	    "Version: 1\nId: x\nFrom: a\nTo: b\nMessage-Id: m\nQueued: -1\n\nbody",
	    "Version: 1\nbroken line\n\nbody",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *buf = strdup(bad[i]);

		cr_assert_not(spool_mail_parse(&m, buf, strlen(buf), why, sizeof(why)), "%zu", i);
		spool_mail_free(&m);
	}
}
