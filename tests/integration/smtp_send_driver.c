/*
 * tests/integration/smtp_send_driver.c: compose and send mail with the
 * smtp/ library, every setting from the command line.  For the smtp-*.sh
 * integration tests.
 *
 * Prints "sent N" on success, else one line "TEMPORARY: msg",
 * "PERMANENT: msg" or "INVALID: msg" on stdout, exiting 0, 75, 69 or 65.
 * --transcript writes the dialogue to stderr as "C: line" / "S: line".
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "smtp/smtp.h"

static void transcript(void *arg, char dir, const char *line)
{
	(void)arg;
	fprintf(stderr, "%c: %s\n", dir, line);
}

static int report(enum smtp_status st, const struct smtp_err *err)
{
	switch (st) {
	case SMTP_OK:
		return 0;
	case SMTP_ETEMP:
		printf("TEMPORARY: %s\n", err->msg);
		return 75;
	case SMTP_EPERM:
		printf("PERMANENT: %s\n", err->msg);
		return 69;
	case SMTP_EINVAL:
		printf("INVALID: %s\n", err->msg);
		return 65;
	default:
		printf("ERROR %d: %s\n", (int)st, err->msg);
		return 70;
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: smtp_send_driver --host H [--port N] [--tls none|starttls|smtps]\n"
			"  [--no-verify] [--ca-file F] [--auth none|plain|login|cram-md5]\n"
			"  [--user U] [--password P] [--auth-cleartext] [--timeout S]\n"
			"  --from A --to A [--subject S] [--body TEXT] [--message-id ID]\n"
			"  [--date EPOCH] [--count N] [--helo NAME] [--transcript]\n");
	exit(2);
}

static enum smtp_tls parse_tls(const char *s)
{
	if (strcmp(s, "starttls") == 0)
		return SMTP_TLS_STARTTLS;
	if (strcmp(s, "smtps") == 0)
		return SMTP_TLS_SMTPS;
	if (strcmp(s, "none") != 0)
		usage();
	return SMTP_TLS_NONE;
}

static enum smtp_auth parse_auth(const char *s)
{
	if (strcmp(s, "plain") == 0)
		return SMTP_AUTH_PLAIN;
	if (strcmp(s, "login") == 0)
		return SMTP_AUTH_LOGIN;
	if (strcmp(s, "cram-md5") == 0)
		return SMTP_AUTH_CRAMMD5;
	if (strcmp(s, "none") != 0)
		usage();
	return SMTP_AUTH_NONE;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"host", 1, 0, 'h'},
					     {"port", 1, 0, 'p'},
					     {"tls", 1, 0, 't'},
					     {"no-verify", 0, 0, 'V'},
					     {"ca-file", 1, 0, 'c'},
					     {"auth", 1, 0, 'a'},
					     {"user", 1, 0, 'u'},
					     {"password", 1, 0, 'P'},
					     {"auth-cleartext", 0, 0, 'C'},
					     {"timeout", 1, 0, 'T'},
					     {"from", 1, 0, 'f'},
					     {"to", 1, 0, 'r'},
					     {"subject", 1, 0, 's'},
					     {"body", 1, 0, 'b'},
					     {"message-id", 1, 0, 'm'},
					     {"date", 1, 0, 'd'},
					     {"count", 1, 0, 'n'},
					     {"helo", 1, 0, 'H'},
					     {"transcript", 0, 0, 'x'},
					     {0, 0, 0, 0}};
	struct smtp_params p = {.tls_verify = true};
	struct smtp_message m = {.subject = "", .body = "", .date = time(NULL)};
	struct smtp_client *c = NULL;
	struct smtp_err err = {0};
	enum smtp_status st;
	unsigned count = 1;
	char *msg = NULL;
	size_t len = 0;
	int o;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'h':
			p.host = optarg;
			break;
		case 'p':
			p.port = (unsigned)atoi(optarg);
			break;
		case 't':
			p.tls = parse_tls(optarg);
			break;
		case 'V':
			p.tls_verify = false;
			break;
		case 'c':
			p.ca_file = optarg;
			break;
		case 'a':
			p.auth = parse_auth(optarg);
			break;
		case 'u':
			p.username = optarg;
			break;
		case 'P':
			p.password = optarg;
			break;
		case 'C':
			p.auth_cleartext = true;
			break;
		case 'T':
			p.timeout_sec = (unsigned)atoi(optarg);
			break;
		case 'f':
			m.from = optarg;
			break;
		case 'r':
			m.to = optarg;
			break;
		case 's':
			m.subject = optarg;
			break;
		case 'b':
			m.body = optarg;
			break;
		case 'm':
			m.message_id = optarg;
			break;
		case 'd':
			m.date = (time_t)atoll(optarg);
			break;
		case 'n':
			count = (unsigned)atoi(optarg);
			break;
		case 'H':
			p.helo_name = optarg;
			break;
		case 'x':
			p.transcript = transcript;
			break;
		default:
			usage();
		}
	}
	if (!p.host || !m.from || !m.to)
		usage();
	st = smtp_compose(&m, &msg, &len, &err);
	if (st == SMTP_OK)
		st = smtp_open(&c, &p, &err);
	for (unsigned i = 0; st == SMTP_OK && i < count; i++)
		st = smtp_send(c, m.from, m.to, msg, len, &err);
	smtp_close(c);
	free(msg);
	if (st == SMTP_OK)
		printf("sent %u\n", count);
	return report(st, &err);
}
