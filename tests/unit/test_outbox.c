/*
 * tests/unit/test_outbox.c: the outbox (smtp/outbox.h) against a real spool
 * in a temporary directory: what is put ends up queued, a spool that fails
 * keeps the mails listed until it works again, a full list makes the
 * producer wait and then refuses, and outbox_stop drains.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "smtp/outbox.h"
#include "smtp/smtp.h"

static char dir[] = "/tmp/test_outbox.XXXXXX";

static void setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)system(cmd);
}

TestSuite(outbox, .init = setup, .fini = teardown, .timeout = 30);

/* What the spooled callback saw. */
struct seen {
	pthread_mutex_t lock;
	size_t spooled, failed, errors;
	char last_err[512];
};

static void on_spooled(void *arg, size_t n, size_t failed, const struct smtp_err *err)
{
	struct seen *s = arg;

	pthread_mutex_lock(&s->lock);
	s->spooled += n;
	s->failed += failed;
	if (err != NULL) {
		s->errors++;
		snprintf(s->last_err, sizeof(s->last_err), "%s", err->msg);
	}
	pthread_mutex_unlock(&s->lock);
}

static struct outbox *start(struct seen *s, size_t max_mails)
{
	struct outbox_params p = {
	    .spool_dir = dir, .max_mails = max_mails, .spooled = on_spooled, .arg = s};
	struct smtp_err err = {0};
	struct outbox *ob;

	pthread_mutex_init(&s->lock, NULL);
	cr_assert_eq(outbox_start(&ob, &p, &err), SMTP_OK, "%s", err.msg);
	return ob;
}

static enum smtp_status put(struct outbox *ob, int i, const char *subject)
{
	char to[64], body[64];
	struct smtp_message m = {.from = "logmail@example.com",
				 .to = to,
				 .subject = subject,
				 .body = body,
				 .date = 1782907200};
	struct smtp_err err = {0};

	snprintf(to, sizeof(to), "user%d@example.com", i);
	snprintf(body, sizeof(body), "line %d\n", i);
	return outbox_put(ob, &m, &err);
}

/* Poll (bounded) until the outbox has nothing pending. */
static void wait_drained(struct outbox *ob)
{
	for (int i = 0; i < 1000 && outbox_pending(ob) > 0; i++)
		usleep(10000);
	cr_assert_eq(outbox_pending(ob), 0, "the outbox did not drain in 10 s");
}

struct listing {
	size_t n;
	char to[300][64];
};

static int list_one(void *arg, const struct spool_entry *e)
{
	struct listing *l = arg;

	if (l->n < 300)
		snprintf(l->to[l->n], 64, "%s", e->to);
	l->n++;
	return 0;
}

static struct listing *queued(void)
{
	static struct listing l;
	struct smtp_err err = {0};
	struct spool *sp;

	memset(&l, 0, sizeof(l));
	cr_assert_eq(spool_open(&sp, dir, &err), SMTP_OK, "%s", err.msg);
	cr_assert_eq(spool_list(sp, list_one, &l, &err), SMTP_OK, "%s", err.msg);
	spool_close(sp);
	return &l;
}

static bool has_to(const struct listing *l, int i)
{
	char to[64];

	snprintf(to, sizeof(to), "user%d@example.com", i);
	for (size_t k = 0; k < l->n && k < 300; k++)
		if (strcmp(l->to[k], to) == 0)
			return true;
	return false;
}

Test(outbox, every_mail_put_is_queued)
{
	struct seen s = {0};
	struct outbox *ob = start(&s, 0);
	struct smtp_err err = {0};
	struct listing *l;

	for (int i = 0; i < 150; i++) /* more than two batches */
		cr_assert_eq(put(ob, i, "digest"), SMTP_OK);
	wait_drained(ob);
	l = queued();
	cr_assert_eq(l->n, 150);
	for (int i = 0; i < 150; i++)
		cr_assert(has_to(l, i), "user%d is not queued", i);
	cr_assert_eq(s.spooled, 150);
	cr_assert_eq(s.errors, 0);
	cr_assert_eq(outbox_stop(ob, &err), 0);
}

/* Nothing put is dropped: a mail that can never be sent goes to failed/
 * with the reason, the others are queued. */
Test(outbox, an_unsendable_mail_goes_to_failed_and_is_reported_the_others_go_in)
{
	struct seen s = {0};
	struct outbox *ob = start(&s, 0);
	struct smtp_err err = {0};
	struct listing l = {0};
	struct spool *sp;

	cr_assert_eq(put(ob, 1, "fine"), SMTP_OK);
	cr_assert_eq(put(ob, 2, "bad\r\nBcc: victim@example.com"), SMTP_OK);
	cr_assert_eq(put(ob, 3, "fine"), SMTP_OK);
	wait_drained(ob);
	cr_assert_eq(outbox_stop(ob, &err), 0);
	cr_assert_eq(queued()->n, 2);
	cr_assert(has_to(queued(), 1) && has_to(queued(), 3));
	cr_assert_eq(s.failed, 1);
	cr_assert(strstr(s.last_err, "CR or LF") != NULL, "%s", s.last_err);
	cr_assert_eq(spool_open(&sp, dir, &err), SMTP_OK, "%s", err.msg);
	cr_assert_eq(spool_list_failed(sp, list_one, &l, &err), SMTP_OK, "%s", err.msg);
	spool_close(sp);
	cr_assert_eq(l.n, 1);
	cr_assert(has_to(&l, 2), "the bad one is in failed/");
}

/* Replace queue/ by a file: the spool cannot rename into it. */
static void break_queue(char *saved, size_t size)
{
	char q[300];

	snprintf(q, sizeof(q), "%s/queue", dir);
	snprintf(saved, size, "%s/queue.saved", dir);
	cr_assert_eq(rename(q, saved), 0);
	cr_assert_eq(close(open(q, O_CREAT | O_WRONLY, 0600)), 0);
}

static void mend_queue(const char *saved)
{
	char q[300];

	snprintf(q, sizeof(q), "%s/queue", dir);
	cr_assert_eq(unlink(q), 0);
	cr_assert_eq(rename(saved, q), 0);
}

Test(outbox, a_failing_spool_keeps_the_mails_and_a_full_list_refuses)
{
	struct seen s = {0};
	struct outbox *ob = start(&s, 3);
	struct smtp_err err = {0};
	char saved[300];

	break_queue(saved, sizeof(saved));
	for (int i = 0; i < 3; i++)
		cr_assert_eq(put(ob, i, "digest"), SMTP_OK);
	/* the thread keeps failing and putting them back: the list stays full */
	for (int i = 0; i < 500 && s.errors == 0; i++)
		usleep(10000);
	cr_assert_gt(s.errors, 0, "the spool's failure was not reported");
	cr_assert_eq(put(ob, 3, "digest"), SMTP_ETEMP, "a full list takes no more");
	cr_assert_eq(outbox_pending(ob), 3);
	mend_queue(saved);
	wait_drained(ob);
	cr_assert_eq(queued()->n, 3);
	cr_assert_eq(outbox_stop(ob, &err), 0);
}

Test(outbox, stop_drains_and_counts_what_it_could_not_spool)
{
	struct seen s = {0};
	struct outbox *ob = start(&s, 0);
	struct smtp_err err = {0};
	char saved[300];

	for (int i = 0; i < 5; i++)
		cr_assert_eq(put(ob, i, "digest"), SMTP_OK);
	cr_assert_eq(outbox_stop(ob, &err), 0, "%s", err.msg);
	cr_assert_eq(queued()->n, 5, "outbox_stop spooled what was listed");

	ob = start(&s, 0);
	break_queue(saved, sizeof(saved));
	for (int i = 10; i < 13; i++)
		cr_assert_eq(put(ob, i, "digest"), SMTP_OK);
	cr_assert_eq(outbox_stop(ob, &err), 3);
	cr_assert_neq(err.msg[0], '\0', "the caller learns why");
	mend_queue(saved);
	cr_assert_eq(queued()->n, 5);
}
