/*
 * smtp/outbox.c: the list of finished mails and the thread that spools
 * them (contract in smtp/outbox.h).
 *
 * The list is FIFO; the thread detaches up to OUTBOX_BATCH mails from its
 * head, spools them without the lock, and puts back at the head what the
 * spool refused for a local reason.  `in_flight` counts the detached mails,
 * so outbox_pending never says 0 while a batch is being written.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "smtp/outbox.h"
#include "util/util.h"

struct outbox_mail {
	struct outbox_mail *next;
	struct smtp_message m; /* the strings point into data[] */
	size_t size;           /* of data[], what counts against max_bytes */
	char data[];
};

struct outbox {
	pthread_mutex_t lock;
	pthread_cond_t work; /* to the thread: mails listed, or stop */
	pthread_cond_t room; /* to producers: the list shrank */
	struct outbox_mail *head, **tail;
	size_t n, bytes;  /* listed */
	size_t in_flight; /* detached by the thread, not yet spooled */
	size_t in_flight_bytes;
	size_t max_mails, max_bytes;
	bool stop, thread_started;
	int nice;
	pthread_t thread;
	struct spool *spool; /* used by one batch at a time */
	outbox_spooled_fn spooled;
	void *arg;
};

/* A deadline sec seconds from now on the monotonic clock the conds use. */
static struct timespec deadline_in(unsigned sec)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += sec;
	return ts;
}

static char *put_str(char **p, const char *s)
{
	char *at = *p;
	size_t len = strlen(s) + 1;

	memcpy(at, s, len);
	*p += len;
	return at;
}

static struct outbox_mail *mail_copy(const struct smtp_message *m)
{
	const char *from = m->from ? m->from : "", *to = m->to ? m->to : "";
	const char *subject = m->subject ? m->subject : "", *body = m->body ? m->body : "";
	const char *domain = m->domain ? m->domain : "";
	size_t size =
	    strlen(from) + strlen(to) + strlen(subject) + strlen(body) + strlen(domain) + 5;
	struct outbox_mail *om = malloc(sizeof(*om) + size);
	char *p;

	if (om == NULL)
		return NULL;
	p = om->data;
	om->next = NULL;
	om->size = size;
	om->m = (struct smtp_message){.date = m->date};
	om->m.from = put_str(&p, from);
	om->m.to = put_str(&p, to);
	om->m.subject = put_str(&p, subject);
	om->m.body = put_str(&p, body);
	om->m.domain = put_str(&p, domain); /* "": smtp_local_domain's */
	return om;
}

/* The bounds count the batch being written too. */
static bool has_room(const struct outbox *ob, size_t size)
{
	size_t n = ob->n + ob->in_flight, bytes = ob->bytes + ob->in_flight_bytes;

	/* an empty outbox takes any mail, however large */
	return n == 0 || (n < ob->max_mails && bytes + size <= ob->max_bytes);
}

static void list_append(struct outbox *ob, struct outbox_mail *om)
{
	*ob->tail = om;
	ob->tail = &om->next;
	ob->n++;
	ob->bytes += om->size;
}

/* Detach up to max mails from the head into v; returns how many. */
static size_t list_take(struct outbox *ob, struct outbox_mail **v, size_t max)
{
	size_t k = 0;

	while (k < max && ob->head != NULL) {
		v[k] = ob->head;
		ob->head = v[k]->next;
		ob->n--;
		ob->bytes -= v[k]->size;
		ob->in_flight_bytes += v[k]->size;
		k++;
	}
	if (ob->head == NULL)
		ob->tail = &ob->head;
	ob->in_flight += k;
	return k;
}

/* Put v[0..k) back at the head, in order. */
static void list_return(struct outbox *ob, struct outbox_mail **v, size_t k)
{
	while (k-- > 0) {
		v[k]->next = ob->head;
		if (ob->head == NULL)
			ob->tail = &v[k]->next;
		ob->head = v[k];
		ob->n++;
		ob->bytes += v[k]->size;
	}
}

/* Spool v[0..k).  The queued mails and those the spool put into failed/
 * are freed; the others are moved to the front of v.  Returns how many are
 * left in v. */
static size_t spool_some(struct outbox *ob, struct outbox_mail **v, size_t k, size_t *spooled,
			 size_t *failed, struct smtp_err *err)
{
	const struct smtp_message *msgs[OUTBOX_BATCH];
	enum smtp_status status[OUTBOX_BATCH];
	char ids[OUTBOX_BATCH][SPOOL_ID_MAX];
	size_t i, left = 0;

	for (i = 0; i < k; i++)
		msgs[i] = &v[i]->m;
	(void)spool_submit_batch(ob->spool, msgs, k, ids, status, err);
	*spooled = *failed = 0;
	for (i = 0; i < k; i++) {
		if (status[i] == SMTP_OK || status[i] == SMTP_EPERM) {
			*(status[i] == SMTP_OK ? spooled : failed) += 1;
			free(v[i]);
		} else {
			v[left++] = v[i];
		}
	}
	return left;
}

/* One batch from the head of the list.  Caller holds the lock, which is
 * released while the spool is written.  Returns how many stayed listed
 * (err says why). */
static size_t batch(struct outbox *ob, struct smtp_err *err)
{
	struct outbox_mail *v[OUTBOX_BATCH];
	size_t k, left, spooled, failed;

	k = list_take(ob, v, OUTBOX_BATCH);
	pthread_mutex_unlock(&ob->lock);
	err->msg[0] = '\0';
	left = spool_some(ob, v, k, &spooled, &failed, err);
	pthread_mutex_lock(&ob->lock);
	list_return(ob, v, left);
	ob->in_flight = 0;
	ob->in_flight_bytes = 0;
	pthread_cond_broadcast(&ob->room);
	pthread_mutex_unlock(&ob->lock);
	if (ob->spooled != NULL)
		ob->spooled(ob->arg, spooled, failed, left + failed > 0 ? err : NULL);
	pthread_mutex_lock(&ob->lock);
	return left;
}

static void *outbox_main(void *arg)
{
	struct outbox *ob = arg;
	struct smtp_err err;
	struct timespec retry;

	util_thread_nice(ob->nice);
	pthread_mutex_lock(&ob->lock);
	while (!ob->stop) {
		if (ob->n == 0) {
			pthread_cond_wait(&ob->work, &ob->lock);
			continue;
		}
		if (batch(ob, &err) > 0 && !ob->stop) {
			retry = deadline_in(OUTBOX_RETRY_SEC);
			pthread_cond_timedwait(&ob->work, &ob->lock, &retry);
		}
	}
	pthread_mutex_unlock(&ob->lock);
	return NULL;
}

static void outbox_free(struct outbox *ob)
{
	struct outbox_mail *om, *next;

	for (om = ob->head; om != NULL; om = next) {
		next = om->next;
		free(om);
	}
	spool_close(ob->spool);
	pthread_cond_destroy(&ob->room);
	pthread_cond_destroy(&ob->work);
	pthread_mutex_destroy(&ob->lock);
	free(ob);
}

static bool init_sync(struct outbox *ob)
{
	if (pthread_mutex_init(&ob->lock, NULL) != 0)
		return false;
	if (util_cond_init_monotonic(&ob->work) != 0) {
		pthread_mutex_destroy(&ob->lock);
		return false;
	}
	if (util_cond_init_monotonic(&ob->room) != 0) {
		pthread_cond_destroy(&ob->work);
		pthread_mutex_destroy(&ob->lock);
		return false;
	}
	return true;
}

enum smtp_status outbox_start(struct outbox **out, const struct outbox_params *p,
			      struct smtp_err *err)
{
	struct outbox *ob = calloc(1, sizeof(*ob));
	enum smtp_status st;
	int rc;

	*out = NULL;
	if (ob == NULL || !init_sync(ob)) {
		free(ob);
		snprintf(err->msg, sizeof(err->msg), "outbox: out of memory");
		return SMTP_ENOMEM;
	}
	ob->tail = &ob->head;
	ob->max_mails = p->max_mails ? p->max_mails : OUTBOX_MAX_MAILS;
	ob->max_bytes = p->max_bytes ? p->max_bytes : OUTBOX_MAX_BYTES;
	ob->spooled = p->spooled;
	ob->arg = p->arg;
	ob->nice = p->nice;
	st = spool_open(&ob->spool, p->spool_dir, err);
	if (st != SMTP_OK) {
		ob->spool = NULL;
		outbox_free(ob);
		return st;
	}
	rc = pthread_create(&ob->thread, NULL, outbox_main, ob);
	if (rc != 0) { /* pthread_create returns its error; errno is not set */
		snprintf(err->msg, sizeof(err->msg), "outbox: cannot start a thread: %s",
			 strerror(rc));
		outbox_free(ob);
		return SMTP_ENOMEM;
	}
	ob->thread_started = true;
	*out = ob;
	return SMTP_OK;
}

enum smtp_status outbox_put(struct outbox *ob, const struct smtp_message *m, struct smtp_err *err)
{
	struct outbox_mail *om = mail_copy(m);
	struct timespec until = deadline_in(OUTBOX_WAIT_SEC);
	int rc = 0;

	if (om == NULL) {
		snprintf(err->msg, sizeof(err->msg), "outbox: out of memory");
		return SMTP_ENOMEM;
	}
	pthread_mutex_lock(&ob->lock);
	while (!ob->stop && !has_room(ob, om->size) && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&ob->room, &ob->lock, &until);
	if (ob->stop || !has_room(ob, om->size)) {
		pthread_mutex_unlock(&ob->lock);
		free(om);
		if (ob->stop)
			snprintf(err->msg, sizeof(err->msg), "outbox: stopping");
		else
			snprintf(err->msg, sizeof(err->msg),
				 "outbox: full for %d s (the spool is not keeping up)",
				 OUTBOX_WAIT_SEC);
		return SMTP_ETEMP;
	}
	list_append(ob, om);
	pthread_cond_signal(&ob->work);
	pthread_mutex_unlock(&ob->lock);
	return SMTP_OK;
}

size_t outbox_pending(struct outbox *ob)
{
	size_t n;

	pthread_mutex_lock(&ob->lock);
	n = ob->n + ob->in_flight;
	pthread_mutex_unlock(&ob->lock);
	return n;
}

size_t outbox_stop(struct outbox *ob, struct smtp_err *err)
{
	size_t lost;

	if (ob == NULL)
		return 0;
	pthread_mutex_lock(&ob->lock);
	ob->stop = true;
	pthread_cond_broadcast(&ob->work);
	pthread_cond_broadcast(&ob->room);
	pthread_mutex_unlock(&ob->lock);
	if (ob->thread_started)
		pthread_join(ob->thread, NULL);
	/* nobody else runs now: drain on this thread, give up at the first
	 * batch the spool refuses */
	pthread_mutex_lock(&ob->lock);
	while (ob->n > 0 && batch(ob, err) == 0)
		;
	lost = ob->n;
	pthread_mutex_unlock(&ob->lock);
	outbox_free(ob);
	return lost;
}
