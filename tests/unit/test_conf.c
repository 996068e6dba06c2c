/*
 * tests/unit/test_conf.c: the configuration grammar, writer, password 8
 * and files (config/).
 */
#include "config/conf.h"

#include <criterion/criterion.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];
static char key_path[128];
static struct conf *c;
static struct conf_err err;

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_conf.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(key_path, sizeof(key_path), "%s/logmail.key", dir);
	c = conf_new();
	cr_assert_not_null(c);
	cr_assert_eq(conf_set_key_path(c, key_path), 0);
}

static void teardown(void)
{
	char cmd[128];

	conf_free(c);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(conf, .init = setup, .fini = teardown);

static void ok(const char *line)
{
	enum conf_status st = conf_exec(c, line, NULL, 1, &err);

	cr_assert_eq(st, CONF_OK, "\"%s\" failed (%d): %s (col %u)", line, st, err.msg, err.column);
}

/* The line fails with st, at column col, with exactly msg. */
static void bad(const char *line, enum conf_status st, unsigned col, const char *msg)
{
	struct conf *before = conf_dup(c);
	enum conf_status got = conf_exec(c, line, NULL, 7, &err);

	cr_assert_eq(got, st, "\"%s\": status %d, expected %d (%s)", line, got, st, err.msg);
	cr_assert_str_eq(err.msg, msg, "\"%s\"", line);
	cr_assert_eq(err.column, col, "\"%s\": column %u, expected %u", line, err.column, col);
	cr_assert_eq(err.line, 7);
	cr_assert(conf_equal(before, c), "\"%s\" changed the configuration on error", line);
	conf_free(before);
}

/* conf_write's output, malloc'd. */
static char *written(const struct conf *cf)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	cr_assert_eq(conf_write(cf, f), 0);
	fclose(f);
	return buf;
}

static void expect_written(const char *text)
{
	char *got = written(c);

	cr_assert_str_eq(got, text);
	free(got);
}

/* Feed every line of text to a fresh conf (same key file). */
static struct conf *parse_text(const char *text)
{
	struct conf *d = conf_new();
	char *copy = strdup(text), *save = NULL;

	conf_set_key_path(d, key_path);
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		enum conf_status st = conf_exec(d, l, "<text>", 1, &err);
		cr_assert_eq(st, CONF_OK, "\"%s\": %s", l, err.msg);
	}
	free(copy);
	return d;
}

/* The writer's output parses back to the same configuration. */
static void assert_round_trip(void)
{
	char *text = written(c);
	struct conf *back = parse_text(text);
	char *again = written(back);

	cr_assert(conf_equal(c, back), "round trip differs:\n%s\n---\n%s", text, again);
	cr_assert_str_eq(text, again);
	free(text);
	free(again);
	conf_free(back);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 65536);

	cr_assert_not_null(f, "%s", path);
	fread(buf, 1, 65535, f);
	fclose(f);
	return buf;
}

static bool file_contains(const char *path, const char *needle, size_t len)
{
	FILE *f = fopen(path, "r");
	char buf[65536];
	size_t n;

	cr_assert_not_null(f, "%s", path);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return memmem(buf, n, needle, len) != NULL;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	fchmod(fd, mode);
	close(fd);
}

static unsigned file_mode(const char *path)
{
	struct stat st;

	cr_assert_eq(stat(path, &st), 0, "%s", path);
	return st.st_mode & 07777;
}

/* conf_exec swaps in a new copy: never keep a recipient pointer across it. */
#define R(a) conf_recipient_find(c, a)

/* A valid password 8 value (32 bytes: the AWP feature guide's example). */
#define GUIDE_P8 "xKnq11ClOgquJxt91cz04tCVBChLjkTPze+nk25MaxM="

/* ---- mail smtpserver ------------------------------------------------------- */

Test(conf, server_and_no)
{
	ok("mail smtpserver smtp.example.com");
	cr_assert_str_eq(c->server, "smtp.example.com");
	ok("mail smtpserver 192.0.2.1");
	cr_assert_str_eq(c->server, "192.0.2.1");
	ok("no mail smtpserver");
	cr_assert_null(c->server);
	bad("mail smtpserver", CONF_ESYNTAX, 16, "expected a value after \"smtpserver\"");
	bad("mail smtpserver a<b", CONF_ESYNTAX, 17,
	    "invalid server name \"a<b\" (no blanks, quotes or <>)");
	bad("mail smtpserver \"a b\"", CONF_ESYNTAX, 17,
	    "invalid server name \"a b\" (no blanks, quotes or <>)");
	bad("mail smtpserver x y", CONF_ESYNTAX, 19, "unexpected word \"y\"");
}

Test(conf, auth_still_exists)
{
	ok("mail smtpserver smtp.example.com");
	ok("mail smtpserver authentication login username u password 8 " GUIDE_P8);
	bad("mail smtpserver other.example.com", CONF_ESTATE, 17,
	    "% Error: authentication configuration still exists");
	bad("no mail smtpserver", CONF_ESTATE, 1,
	    "% Error: authentication configuration still exists");
	ok("mail smtpserver smtp.example.com"); /* the same server again is fine */
	ok("no mail smtpserver authentication");
	cr_assert_eq(c->auth, CONF_AUTH_NONE);
	cr_assert_null(c->username);
	cr_assert_null(c->password8);
	ok("mail smtpserver other.example.com");
	ok("no mail smtpserver");
}

Test(conf, port)
{
	cr_assert_eq(conf_effective_port(c), 25);
	ok("mail smtpserver port 587");
	cr_assert_eq(c->port, 587);
	ok("mail smtpserver port 1");
	ok("mail smtpserver port 65535");
	cr_assert_eq(conf_effective_port(c), 65535);
	bad("mail smtpserver port 70000", CONF_ESYNTAX, 22,
	    "expected a port number 1-65535, got \"70000\"");
	bad("mail smtpserver port 0", CONF_ESYNTAX, 22,
	    "expected a port number 1-65535, got \"0\"");
	bad("mail smtpserver port -1", CONF_ESYNTAX, 22,
	    "expected a port number 1-65535, got \"-1\"");
	bad("mail smtpserver port 25x", CONF_ESYNTAX, 22,
	    "expected a port number 1-65535, got \"25x\"");
	bad("mail smtpserver port", CONF_ESYNTAX, 21, "expected a value after \"port\"");
	ok("no mail smtpserver port");
	cr_assert_eq(c->port, 0);
}

Test(conf, tls)
{
	ok("mail smtpserver tls starttls");
	cr_assert_eq(c->tls, CONF_TLS_STARTTLS);
	cr_assert_eq(conf_effective_port(c), 587);
	ok("mail smtpserver tls smtps");
	cr_assert_eq(c->tls, CONF_TLS_SMTPS);
	cr_assert_eq(conf_effective_port(c), 465);
	bad("mail smtpserver tls ssl", CONF_ESYNTAX, 21,
	    "unknown word \"ssl\" (expected starttls, smtps, ca-file or verify)");
	ok("no mail smtpserver tls");
	cr_assert_eq(c->tls, CONF_TLS_NONE);
	cr_assert_eq(conf_effective_port(c), 25);

	cr_assert(c->tls_verify);
	ok("no mail smtpserver tls verify");
	cr_assert_not(c->tls_verify);
	ok("mail smtpserver tls verify");
	cr_assert(c->tls_verify);

	bad("mail smtpserver tls ca-file /etc/ssl/my ca.pem", CONF_ESYNTAX, 41,
	    "unexpected word \"ca.pem\"");
	ok("mail smtpserver tls ca-file \"/etc/ssl/my ca.pem\"");
	cr_assert_str_eq(c->tls_ca_file, "/etc/ssl/my ca.pem");
	ok("no mail smtpserver tls ca-file");
	cr_assert_null(c->tls_ca_file);
}

Test(conf, cleartext_and_timeout)
{
	ok("mail smtpserver authentication allow-cleartext");
	cr_assert(c->auth_cleartext);
	ok("no mail smtpserver authentication allow-cleartext");
	cr_assert_not(c->auth_cleartext);
	ok("mail smtpserver timeout 3600");
	cr_assert_eq(c->timeout_sec, 3600);
	bad("mail smtpserver timeout 3601", CONF_ESYNTAX, 25,
	    "expected a timeout in seconds 1-3600, got \"3601\"");
	ok("no mail smtpserver timeout");
	cr_assert_eq(c->timeout_sec, 0);
}

Test(conf, helo)
{
	ok("mail smtpserver helo switch1.example.com");
	cr_assert_str_eq(c->helo, "switch1.example.com");
	ok("mail smtpserver helo [192.0.2.1]");
	cr_assert_str_eq(c->helo, "[192.0.2.1]");
	ok("mail smtpserver helo [IPv6:2001:db8::1]");
	cr_assert_str_eq(c->helo, "[IPv6:2001:db8::1]");
	ok("mail smtpserver helo vm");
	bad("mail smtpserver helo \"a b\"", CONF_ESYNTAX, 22,
	    "invalid HELO name \"a b\" (expected a domain such as host.example.com or an address "
	    "literal such as [192.0.2.1])");
	bad("mail smtpserver helo host..example", CONF_ESYNTAX, 22,
	    "invalid HELO name \"host..example\" (expected a domain such as host.example.com or "
	    "an address literal such as [192.0.2.1])");
	bad("mail smtpserver helo [192.0.2.1", CONF_ESYNTAX, 22,
	    "invalid HELO name \"[192.0.2.1\" (expected a domain such as host.example.com or an "
	    "address literal such as [192.0.2.1])");
	bad("mail smtpserver helo []", CONF_ESYNTAX, 22,
	    "invalid HELO name \"[]\" (expected a domain such as host.example.com or an address "
	    "literal such as [192.0.2.1])");
	bad("mail smtpserver helo", CONF_ESYNTAX, 21, "expected a value after \"helo\"");
	ok("no mail smtpserver helo");
	cr_assert_null(c->helo);
}

Test(conf, authentication)
{
	ok("mail smtpserver authentication crammd5 username bob password 8 " GUIDE_P8);
	cr_assert_eq(c->auth, CONF_AUTH_CRAMMD5);
	cr_assert_str_eq(c->username, "bob");
	cr_assert_str_eq(c->password8, GUIDE_P8);
	ok("mail smtpserver authentication plain username bob password secret");
	cr_assert_eq(c->auth, CONF_AUTH_PLAIN);
	cr_assert_str_neq(c->password8, "secret");
	cr_assert_null(strstr(c->password8, "secret"));
	cr_assert_eq(file_mode(key_path), 0600);

	bad("mail smtpserver authentication md5 username bob password x", CONF_ESYNTAX, 32,
	    "unknown word \"md5\" (expected crammd5, login, plain, xoauth2, oauthbearer or "
	    "allow-cleartext)");
	bad("mail smtpserver authentication login usr bob password x", CONF_ESYNTAX, 38,
	    "unknown word \"usr\" (expected username)");
	bad("mail smtpserver authentication login username bob", CONF_ESYNTAX, 50,
	    "expected password after \"bob\"");
	bad("mail smtpserver authentication login username bob password", CONF_ESYNTAX, 59,
	    "expected a value after \"password\"");
	bad("mail smtpserver authentication login username bob password 8 abc", CONF_ESYNTAX, 62,
	    "expected an encrypted password (base64) after \"8\"");
	bad("mail smtpserver authentication login username bob password my secret", CONF_ESYNTAX,
	    63, "unexpected word after the password (quote a password that contains blanks)");
	bad("mail smtpserver authentication", CONF_ESYNTAX, 31,
	    "expected crammd5, login, plain, xoauth2, oauthbearer or allow-cleartext after "
	    "\"authentication\"");
}

/* OAuth 2.0: a command gives the token; nothing secret is stored. */
Test(conf, authentication_token_command)
{
	ok("mail smtpserver authentication plain username bob password secret");
	ok("mail smtpserver authentication xoauth2 username bob@example.com token-command "
	   "\"oauth2l fetch --scope \\\"https://mail.google.com/\\\"\"");
	cr_assert_eq(c->auth, CONF_AUTH_XOAUTH2);
	cr_assert_str_eq(c->username, "bob@example.com");
	cr_assert_str_eq(c->token_command, "oauth2l fetch --scope \"https://mail.google.com/\"");
	cr_assert_null(c->password8);
	expect_written("mail smtpserver authentication xoauth2 username bob@example.com "
		       "token-command \"oauth2l fetch --scope \\\"https://mail.google.com/\\\"\"\n");
	assert_round_trip();
	ok("mail smtpserver authentication oauthbearer username bob token-command cat");
	cr_assert_eq(c->auth, CONF_AUTH_OAUTHBEARER);
	expect_written("mail smtpserver authentication oauthbearer username bob token-command "
		       "\"cat\"\n");
	/* A password method replaces the command, and `no` removes both. */
	ok("mail smtpserver authentication login username bob password secret");
	cr_assert_null(c->token_command);
	ok("mail smtpserver authentication xoauth2 username bob token-command cat");
	ok("no mail smtpserver authentication");
	cr_assert_eq(c->auth, CONF_AUTH_NONE);
	cr_assert_null(c->token_command);
	bad("mail smtpserver authentication xoauth2 username bob token-command \"\"", CONF_ESYNTAX,
	    67, "expected a command, got an empty string");
	bad("mail smtpserver authentication xoauth2 username bob password x", CONF_ESYNTAX, 53,
	    "unknown word \"password\" (expected token-command)");
	/* Without a command the token comes from `mail smtpserver oauth`. */
	ok("mail smtpserver authentication xoauth2 username bob");
	cr_assert_null(c->token_command);
	expect_written("mail smtpserver authentication xoauth2 username bob\n");
}

/* The built-in grants: secrets encrypted as password 8 is, never written in
 * clear; the whole block replaced by each command. */
Test(conf, oauth_grant)
{
	char buf[256], *text;

	ok("mail smtpserver oauth token-url https://login.example.com/token client-id app-1 "
	   "client-secret Cl1ent-S3cret scope \"https://outlook.office365.com/.default\" "
	   "refresh-token R3fresh.Tok ca-file /etc/ca.pem");
	cr_assert_str_eq(c->oauth.token_url, "https://login.example.com/token");
	cr_assert_str_eq(c->oauth.client_id, "app-1");
	cr_assert_str_eq(c->oauth.scope, "https://outlook.office365.com/.default");
	cr_assert_str_eq(c->oauth.ca_file, "/etc/ca.pem");
	cr_assert_eq(conf_secret_decrypt(c, c->oauth.secret8, buf, sizeof(buf), &err), CONF_OK);
	cr_assert_str_eq(buf, "Cl1ent-S3cret");
	cr_assert_eq(conf_secret_decrypt(c, c->oauth.refresh8, buf, sizeof(buf), &err), CONF_OK);
	cr_assert_str_eq(buf, "R3fresh.Tok");
	text = written(c);
	cr_assert_null(strstr(text, "Cl1ent-S3cret"));
	cr_assert_null(strstr(text, "R3fresh.Tok"));
	cr_assert(strstr(text, " client-secret 8 "));
	cr_assert(strstr(text, " refresh-token 8 "));
	free(text);
	assert_round_trip();
	ok("mail smtpserver oauth token-url https://oauth2.googleapis.com/token client-id g");
	cr_assert_null(c->oauth.secret8);
	cr_assert_null(c->oauth.refresh8);
	expect_written("mail smtpserver oauth token-url https://oauth2.googleapis.com/token "
		       "client-id g\n");
	ok("no mail smtpserver oauth");
	cr_assert_null(c->oauth.token_url);
	expect_written("");
	bad("mail smtpserver oauth token-url http://login.example.com/token client-id a",
	    CONF_ESYNTAX, 33,
	    "expected an https:// URL for the token endpoint, got \"http://login.example.com/token\"");
	bad("mail smtpserver oauth token-url https://x client-id a refresh-token 8 nope",
	    CONF_ESYNTAX, 71, "expected an encrypted secret (base64) after \"8\"");
}

Test(conf, password_never_in_errors)
{
	conf_set_key_path(c, NULL);
	bad("mail smtpserver authentication login username bob password hunter2", CONF_ESECRET, 60,
	    "no key file for password 8: load a configuration file or set the key path first");
	cr_assert_null(strstr(err.msg, "hunter2"));
	bad("mail smtpserver authentication login username bob password hunter2 x", CONF_ESYNTAX,
	    68, "unexpected word after the password (quote a password that contains blanks)");
	cr_assert_null(strstr(err.msg, "hunter2"));
}

Test(conf, key_file_refused_when_readable)
{
	char buf[256];

	ok("mail smtpserver authentication login username bob password secret");
	cr_assert_eq(chmod(key_path, 0640), 0);
	snprintf(buf, sizeof(buf), "key file %s must", key_path);
	cr_assert_eq(conf_exec(c, "mail smtpserver authentication login username bob password x",
			       NULL, 1, &err),
		     CONF_ESECRET);
	cr_assert(strncmp(err.msg, buf, strlen(buf)) == 0, "%s", err.msg);
	cr_assert_eq(conf_password(c, buf, sizeof(buf), &err), CONF_ESECRET);
}

/* A key file another user owns is refused like a configuration file. */
Test(conf, key_file_refused_when_owned_by_another_user)
{
	char buf[256];

	if (geteuid() != 0)
		cr_skip_test("needs root to give the key away");
	ok("mail smtpserver authentication login username bob password secret");
	cr_assert_eq(chown(key_path, 65534, 65534), 0);
	cr_assert_eq(conf_password(c, buf, sizeof(buf), &err), CONF_ESECRET);
	snprintf(buf, sizeof(buf), "key file %s is owned by nobody with mode 0600: not trusted",
		 key_path);
	cr_assert(strncmp(err.msg, buf, strlen(buf)) == 0, "%s", err.msg);
	cr_assert_eq(chown(key_path, 0, 0), 0);
	cr_assert_eq(conf_password(c, buf, sizeof(buf), &err), CONF_OK, "%s", err.msg);
}

Test(conf, password_decrypts)
{
	char buf[64];
	char *first;

	ok("mail smtpserver authentication login username bob password \"pa ss\\\"w\\\\d\"");
	cr_assert_eq(conf_password(c, buf, sizeof(buf), &err), CONF_OK, "%s", err.msg);
	cr_assert_str_eq(buf, "pa ss\"w\\d");
	first = strdup(c->password8);
	ok("mail smtpserver authentication login username bob password \"pa ss\\\"w\\\\d\"");
	cr_assert_str_neq(first, c->password8, "a fresh nonce each time");
	free(first);
	cr_assert_eq(conf_password(c, buf, 4, &err), CONF_ESECRET);
	/* a value that is valid base64 but not ours */
	ok("mail smtpserver authentication login username bob password 8 " GUIDE_P8);
	cr_assert_eq(conf_password(c, buf, sizeof(buf), &err), CONF_ESECRET);
}

Test(conf, from_and_serial)
{
	ok("mail from example@example.com");
	cr_assert_str_eq(c->from, "example@example.com");
	bad("mail from example.com", CONF_ESYNTAX, 11,
	    "invalid email address \"example.com\" (no @ (expected name@domain))");
	bad("mail from a@b@c", CONF_ESYNTAX, 11,
	    "invalid email address \"a@b@c\" (two @ (an @ in the local part must be quoted: "
	    "\"a@b\"@domain))");
	bad("mail from @b", CONF_ESYNTAX, 11,
	    "invalid email address \"@b\" (no local part before the @)");
	bad("mail from a@", CONF_ESYNTAX, 11,
	    "invalid email address \"a@\" (no domain after the @)");
	bad("mail from <a@b>", CONF_ESYNTAX, 11,
	    "invalid email address \"<a@b>\" (<> around or in the address (give it bare: "
	    "name@domain))");
	/* RFC 5321 lengths: the whole at most 254 octets, the local part 64 */
	bad("mail from "
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "@example.com",
	    CONF_ESYNTAX, 11,
	    "invalid email address "
	    "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxx...\" (longer than 254 octets)");
	bad("mail from xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx@example.com",
	    CONF_ESYNTAX, 11,
	    "invalid email address "
	    "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx@example.com\" (local "
	    "part longer than 64 octets)");
	/* a quoted local part is written back as one quoted word */
	ok("mail from \"\\\"john doe\\\"@example.com\"");
	cr_assert_str_eq(c->from, "\"john doe\"@example.com");
	ok("log email \"\\\"john doe\\\"@example.com\" level errors");
	ok("log email \"\\\"john doe\\\"@example.com\" rate-limit 5");
	expect_written("mail from \"\\\"john doe\\\"@example.com\"\n"
		       "log email \"\\\"john doe\\\"@example.com\" level errors\n"
		       "log email \"\\\"john doe\\\"@example.com\" rate-limit 5\n");
	ok("no log email \"\\\"john doe\\\"@example.com\"");
	ok("no mail from");
	cr_assert_null(c->from);
	ok("mail serial-number A05049G154200043");
	cr_assert_str_eq(c->serial, "A05049G154200043");
	ok("no mail serial-number");
	cr_assert_null(c->serial);
}

/* ---- log email ---------------------------------------------------------------- */

Test(conf, log_email_recipient)
{
	const struct conf_recipient *r;

	ok("log email admin@example.com");
	r = conf_recipient_find(c, "admin@example.com");
	cr_assert_not_null(r);
	cr_assert_eq(r->n_filters, 0);
	cr_assert_eq(r->digest.window_sec, 30);
	cr_assert_eq(r->digest.max_messages, 100);
	cr_assert_eq(r->digest.max_bytes, 65536);
	cr_assert_eq(r->digest.urgent_level, CONF_LEVEL_CRITICAL);
	cr_assert_eq(r->digest.rate_per_hour, 20);
	cr_assert_null(r->digest.subject);
	cr_assert_eq(r->time_type, CONF_TIME_LOCAL);
	cr_assert_eq(r->offset_min, 0);
	ok("no log email admin@example.com");
	cr_assert_null(conf_recipient_find(c, "admin@example.com"));
	bad("no log email admin@example.com", CONF_ENOTFOUND, 14,
	    "no email log target \"admin@example.com\"");
	bad("log email admin", CONF_ESYNTAX, 11,
	    "invalid email address \"admin\" (no @ (expected name@domain))");
	bad("log email", CONF_ESYNTAX, 10, "expected an email address after \"email\"");
}

Test(conf, log_email_filters)
{
	ok("log email admin@example.com msgtext \"Pool exhausted\"");
	ok("log email admin@example.com level informational");
	ok("log email admin@example.com facility daemon msgtext regex \"^a+\" level notifications "
	   "program dhcp");
	ok("log email admin@example.com level informational"); /* identical: no-op */
	cr_assert_eq(R("admin@example.com")->n_filters, 3);
	cr_assert_str_eq(R("admin@example.com")->filters[0].msgtext, "Pool exhausted");
	cr_assert_not(R("admin@example.com")->filters[0].msgtext_regex);
	cr_assert_eq(R("admin@example.com")->filters[0].level, CONF_LEVEL_ANY);
	cr_assert_eq(R("admin@example.com")->filters[1].level, CONF_LEVEL_INFORMATIONAL);
	cr_assert_eq(R("admin@example.com")->filters[2].level, CONF_LEVEL_NOTICES);
	cr_assert_eq(R("admin@example.com")->filters[2].facility, 3);
	cr_assert_str_eq(R("admin@example.com")->filters[2].program, "dhcp");
	cr_assert_str_eq(R("admin@example.com")->filters[2].msgtext, "^a+");
	cr_assert(R("admin@example.com")->filters[2].msgtext_regex);

	ok("log email admin@example.com exclude program cron");
	ok("log email admin@example.com exclude program cron");
	cr_assert_eq(R("admin@example.com")->n_excludes, 1);
	cr_assert_str_eq(R("admin@example.com")->excludes[0].program, "cron");

	ok("no log email admin@example.com level informational");
	cr_assert_eq(R("admin@example.com")->n_filters, 2);
	bad("no log email admin@example.com level informational", CONF_ENOTFOUND, 32,
	    "no such filter for admin@example.com");
	bad("no log email admin@example.com exclude program crond", CONF_ENOTFOUND, 40,
	    "no such exclude filter for admin@example.com");
	ok("no log email admin@example.com program dhcp level notices msgtext regex \"^a+\" "
	   "facility daemon");
	ok("no log email admin@example.com exclude program cron");
	cr_assert_eq(R("admin@example.com")->n_filters, 1);
	cr_assert_eq(R("admin@example.com")->n_excludes, 0);

	ok("log email admin@example.com time utc +2:00");
	ok("log email admin@example.com level errors");
	ok("default log email admin@example.com");
	cr_assert_eq(R("admin@example.com")->n_filters, 0);
	cr_assert_eq(R("admin@example.com")->time_type, CONF_TIME_LOCAL);
}

Test(conf, log_email_filter_errors)
{
	const char *a = "log email admin@example.com";

	(void)a;
	bad("log email a@b level errrors", CONF_ESYNTAX, 21,
	    "unknown level \"errrors\" (expected emergencies, alerts, critical, errors, warnings, "
	    "notices, informational, debugging or 0-7)");
	bad("log email a@b facility local8", CONF_ESYNTAX, 24,
	    "unknown facility \"local8\" (expected kern, user, mail, daemon, auth, syslog, lpr, "
	    "news, uucp, cron, authpriv, ftp or local0-local7)");
	bad("log email a@b level errors level debugging", CONF_ESYNTAX, 28,
	    "\"level\" given twice");
	bad("log email a@b levle errors", CONF_ESYNTAX, 15,
	    "unknown word \"levle\" (expected level, program, facility, host, msgtext, exclude, time, "
	    "digest, urgent, rate-limit, subject or logcheck)");
	bad("log email a@b program", CONF_ESYNTAX, 22, "expected a value after \"program\"");
	bad("log email a@b exclude", CONF_ESYNTAX, 22,
	    "expected a filter: level, program, facility, host or msgtext");
	bad("log email a@b msgtext \"\"", CONF_ESYNTAX, 23,
	    "expected a message text, got an empty string");
	bad("log email a@b msgtext regex \"a(b\"", CONF_ESYNTAX, 33,
	    "bad regular expression: missing closing parenthesis");
	bad("log email a@b msgtext regex \"\\\"x\\\"[\"", CONF_ESYNTAX, 36,
	    "bad regular expression: missing terminating ] for character class");
	bad("log email a@b msgtext regex \"a)\"", CONF_ESYNTAX, 31,
	    "bad regular expression: unmatched closing parenthesis");
	cr_assert_null(conf_recipient_find(c, "a@b"), "nothing is created on error");
}

/* `host H`: a name or a glob, in lower case; one criterion among the others. */
Test(conf, log_email_host)
{
	const struct conf_recipient *r;

	ok("log email ops@example.com host Edge1.Example.COM");
	ok("log email ops@example.com level errors host web*");
	ok("log email ops@example.com exclude host db[12] program cron");
	ok("log email ops@example.com host edge1.example.com"); /* the same: no-op */
	r = R("ops@example.com");
	cr_assert_eq(r->n_filters, 2);
	cr_assert_str_eq(r->filters[0].host, "edge1.example.com");
	cr_assert_eq(r->filters[0].level, CONF_LEVEL_ANY);
	cr_assert_str_eq(r->filters[1].host, "web*");
	cr_assert_eq(r->filters[1].level, CONF_LEVEL_ERRORS);
	cr_assert_str_eq(r->excludes[0].host, "db[12]");
	cr_assert_str_eq(r->excludes[0].program, "cron");
	expect_written("log email ops@example.com host edge1.example.com\n"
		       "log email ops@example.com level errors host web*\n"
		       "log email ops@example.com exclude program cron host db[12]\n");
	assert_round_trip();

	ok("no log email ops@example.com host WEB* level errors");
	cr_assert_eq(R("ops@example.com")->n_filters, 1);
	bad("no log email ops@example.com host web*", CONF_ENOTFOUND, 30,
	    "no such filter for ops@example.com");
	bad("log email a@b host", CONF_ESYNTAX, 19, "expected a value after \"host\"");
	bad("log email a@b host \"\"", CONF_ESYNTAX, 20,
	    "expected a host name or glob, got an empty string");
	bad("log email a@b host \"web 1\"", CONF_ESYNTAX, 20,
	    "invalid host \"web 1\" (no blanks or control characters)");
	bad("log email a@b host a host b", CONF_ESYNTAX, 22, "\"host\" given twice");
}

Test(conf, log_email_time)
{
	ok("log email a@b time utc +2:00");
	cr_assert_eq(R("a@b")->time_type, CONF_TIME_UTC);
	cr_assert_eq(R("a@b")->offset_min, 120);
	ok("log email a@b time local -5:30");
	cr_assert_eq(R("a@b")->time_type, CONF_TIME_LOCAL);
	cr_assert_eq(R("a@b")->offset_min, -330);
	ok("log email a@b time utc 23:59");
	cr_assert_eq(R("a@b")->offset_min, 1439);
	ok("log email a@b time utc");
	cr_assert_eq(R("a@b")->offset_min, 0);
	ok("log email a@b time local 3");
	cr_assert_eq(R("a@b")->offset_min, 180);
	bad("log email a@b time utc +24:00", CONF_ESYNTAX, 24,
	    "expected a time offset [+|-]H[:MM] under 24 hours, got \"+24:00\"");
	bad("log email a@b time utc +2:60", CONF_ESYNTAX, 24,
	    "expected a time offset [+|-]H[:MM] under 24 hours, got \"+2:60\"");
	bad("log email a@b time gmt", CONF_ESYNTAX, 20,
	    "unknown word \"gmt\" (expected local or utc)");
	ok("no log email a@b time");
	cr_assert_eq(R("a@b")->time_type, CONF_TIME_LOCAL);
	cr_assert_eq(R("a@b")->offset_min, 0);
}

Test(conf, log_email_digest)
{
	ok("log email a@b digest window 86400");
	ok("log email a@b digest max-messages 100000");
	ok("log email a@b digest max-bytes 1024");
	cr_assert_eq(R("a@b")->digest.max_interval_sec, 3600, "max-interval: 3600 by default");
	ok("log email a@b digest max-interval 0");
	cr_assert_eq(R("a@b")->digest.max_interval_sec, 0, "0: no pacing");
	expect_written("log email a@b digest window 86400\n"
		       "log email a@b digest max-messages 100000\n"
		       "log email a@b digest max-bytes 1024\n"
		       "log email a@b digest max-interval 0\n");
	ok("log email a@b digest max-interval 86400");
	cr_assert_eq(R("a@b")->digest.max_interval_sec, 86400);
	ok("log email a@b urgent level errors");
	ok("log email a@b rate-limit 0");
	ok("log email a@b subject \"Log from %N (%S)\"");
	cr_assert(R("a@b")->digest.fold, "folding is on by default");
	ok("log email a@b digest fold off");
	cr_assert_not(R("a@b")->digest.fold);
	cr_assert_eq(R("a@b")->digest.window_sec, 86400);
	cr_assert_eq(R("a@b")->digest.max_messages, 100000);
	cr_assert_eq(R("a@b")->digest.max_bytes, 1024);
	cr_assert_eq(R("a@b")->digest.urgent_level, CONF_LEVEL_ERRORS);
	cr_assert_eq(R("a@b")->digest.rate_per_hour, 0);
	cr_assert_str_eq(R("a@b")->digest.subject, "Log from %N (%S)");
	bad("log email a@b digest window 0", CONF_ESYNTAX, 29,
	    "expected a window in seconds 1-86400, got \"0\"");
	bad("log email a@b digest max-bytes 1023", CONF_ESYNTAX, 32,
	    "expected a number of bytes 1024-10485760, got \"1023\"");
	bad("log email a@b digest max-messages 100001", CONF_ESYNTAX, 35,
	    "expected a number of messages 1-100000, got \"100001\"");
	bad("log email a@b rate-limit 100001", CONF_ESYNTAX, 26,
	    "expected a number of mails per hour 0-100000, got \"100001\"");
	bad("log email a@b digest size 3", CONF_ESYNTAX, 22,
	    "unknown word \"size\" (expected window, max-messages, max-bytes, max-interval or "
	    "fold)");
	bad("log email a@b digest max-interval 86401", CONF_ESYNTAX, 35,
	    "expected a time in seconds (0: no pacing) 0-86400, got \"86401\"");
	bad("log email a@b digest fold maybe", CONF_ESYNTAX, 27,
	    "unknown word \"maybe\" (expected on or off)");
	ok("log email a@b digest fold on");
	cr_assert(R("a@b")->digest.fold);
	ok("log email a@b digest fold off");
	bad("log email a@b urgent errors", CONF_ESYNTAX, 22,
	    "unknown word \"errors\" (expected level)");

	ok("no log email a@b digest window");
	ok("no log email a@b digest max-messages");
	ok("no log email a@b digest max-bytes");
	ok("no log email a@b digest max-interval");
	ok("no log email a@b rate-limit");
	ok("no log email a@b subject");
	cr_assert_not(R("a@b")->digest.fold);
	ok("no log email a@b digest fold");
	cr_assert(R("a@b")->digest.fold, "no ... digest fold: back to the default, on");
	cr_assert_eq(R("a@b")->digest.window_sec, 30);
	cr_assert_eq(R("a@b")->digest.max_messages, 100);
	cr_assert_eq(R("a@b")->digest.max_bytes, 65536);
	cr_assert_eq(R("a@b")->digest.max_interval_sec, 3600);
	cr_assert_eq(R("a@b")->digest.rate_per_hour, 20);
	cr_assert_null(R("a@b")->digest.subject);
	ok("no log email a@b urgent");
	cr_assert_eq(R("a@b")->digest.urgent_level, CONF_LEVEL_ANY);
	ok("default log email a@b");
	cr_assert_eq(R("a@b")->digest.urgent_level, CONF_LEVEL_CRITICAL);
}

Test(conf, log_email_logcheck)
{
	ok("log email a@b logcheck server");
	cr_assert_eq(R("a@b")->logcheck, CONF_LOGCHECK_SERVER);
	cr_assert_null(R("a@b")->logcheck_rules);
	expect_written("log email a@b logcheck server\n");
	ok("log email a@b level errors");
	ok("log email a@b logcheck workstation rules \"/srv/log check\""); /* replaces it */
	cr_assert_eq(R("a@b")->logcheck, CONF_LOGCHECK_WORKSTATION);
	cr_assert_str_eq(R("a@b")->logcheck_rules, "/srv/log check");
	expect_written("log email a@b level errors\n"
		       "log email a@b logcheck workstation rules \"/srv/log check\"\n");
	assert_round_trip();
	ok("log email b@b logcheck paranoid rules /etc/logcheck");
	expect_written("log email a@b level errors\n"
		       "log email a@b logcheck workstation rules \"/srv/log check\"\n"
		       "log email b@b logcheck paranoid rules /etc/logcheck\n");
	assert_round_trip();

	bad("log email a@b logcheck", CONF_ESYNTAX, 23,
	    "expected workstation, server or paranoid after \"logcheck\"");
	bad("log email a@b logcheck desktop", CONF_ESYNTAX, 24,
	    "unknown word \"desktop\" (expected workstation, server or paranoid)");
	bad("log email a@b logcheck \"server\"", CONF_ESYNTAX, 24,
	    "unknown word \"server\" (expected workstation, server or paranoid)");
	bad("log email a@b logcheck server rules", CONF_ESYNTAX, 36,
	    "expected a value after \"rules\"");
	bad("log email a@b logcheck server rules etc/logcheck", CONF_ESYNTAX, 37,
	    "expected an absolute directory after \"rules\", got \"etc/logcheck\"");
	bad("log email a@b logcheck server dir /x", CONF_ESYNTAX, 31,
	    "unknown word \"dir\" (expected rules)");
	bad("log email a@b logcheck server rules /x /y", CONF_ESYNTAX, 40,
	    "unexpected word \"/y\"");
	bad("log email a@b exclude logcheck server", CONF_ESYNTAX, 23,
	    "unknown word \"logcheck\" (expected level, program, facility, host or msgtext)");

	bad("no log email a@b logcheck server", CONF_ENOTFOUND, 27,
	    "no such logcheck filter for a@b");
	bad("no log email a@b logcheck workstation rules /srv", CONF_ENOTFOUND, 27,
	    "no such logcheck filter for a@b");
	ok("no log email a@b logcheck workstation");
	cr_assert_eq(R("a@b")->logcheck, CONF_LOGCHECK_NONE);
	cr_assert_null(R("a@b")->logcheck_rules);
	bad("no log email a@b logcheck", CONF_ENOTFOUND, 26, "no such logcheck filter for a@b");
	ok("no log email b@b logcheck paranoid rules /etc/logcheck");
	ok("log email b@b logcheck server");
	ok("no log email b@b logcheck");
	ok("log email b@b logcheck server");
	bad("default log email b@b logcheck server", CONF_ESYNTAX, 32,
	    "unexpected word \"server\"");
	ok("default log email b@b logcheck");
	cr_assert_eq(R("b@b")->logcheck, CONF_LOGCHECK_NONE);
	expect_written("log email a@b level errors\nlog email b@b\n");
	ok("log email c@b logcheck paranoid");
	ok("default log email c@b");
	cr_assert_eq(R("c@b")->logcheck, CONF_LOGCHECK_NONE);
}

/* ---- tokenizer and dispatch errors ---------------------------------------------------- */

/* Keywords abbreviated as on the switch; the level words of the AWP
 * displays and syslog's are aliases. */
Test(conf, abbreviations_and_level_words)
{
	static const struct {
		const char *word;
		int level;
	} words[] = {
	    {"error", 3},  {"err", 3},       {"warning", 4}, {"notice", 5}, {"notifications", 5},
	    {"info", 6},   {"debug", 7},     {"emerg", 0},   {"crit", 2},   {"alert", 1},
	    {"inform", 6}, {"debugging", 7}, {"4", 4},
	};
	char line[128];

	ok("mail smtp smtp.example.com");
	cr_assert_str_eq(c->server, "smtp.example.com");
	ok("mail smtpserver po 587");
	cr_assert_eq(c->port, 587);
	ok("mail smtpserver tls st");
	cr_assert_eq(c->tls, CONF_TLS_STARTTLS);
	ok("log email a@b lev err prog dhcp fac daemon");
	cr_assert_eq(R("a@b")->filters[0].level, CONF_LEVEL_ERRORS);
	cr_assert_str_eq(R("a@b")->filters[0].program, "dhcp");
	cr_assert_eq(R("a@b")->filters[0].facility, 3);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		snprintf(line, sizeof(line), "log email w@b urgent level %s", words[i].word);
		ok(line);
		cr_assert_eq(R("w@b")->digest.urgent_level, words[i].level, "%s", words[i].word);
	}
	bad("log email a@b level e", CONF_ESYNTAX, 21,
	    "unknown level \"e\" (expected emergencies, alerts, critical, errors, warnings, "
	    "notices, informational, debugging or 0-7)");
	bad("mail s x", CONF_ESYNTAX, 6, "ambiguous word \"s\"");
}

/* A value that reads as a keyword (or its abbreviation) is written quoted. */
Test(conf, values_like_keywords_are_quoted)
{
	ok("mail smtpserver \"po\"");
	cr_assert_str_eq(c->server, "po");
	ok("log email a@b program \"level\" msgtext \"x|y?\"");
	ok("mail serial-number \"8\"");
	expect_written("mail smtpserver \"po\"\n"
		       "mail serial-number \"8\"\n"
		       "log email a@b program \"level\" msgtext \"x|y?\"\n");
	assert_round_trip();
}

Test(conf, syntax_errors)
{
	bad("mial smtpserver x", CONF_ESYNTAX, 1, "unknown command \"mial\"");
	bad("  mail smtpserver port", CONF_ESYNTAX, 23, "expected a value after \"port\"");
	bad("log email a@b msgtext \"abc", CONF_ESYNTAX, 23, "unterminated quote");
	bad("log email a@b msgtext \"abc\"d", CONF_ESYNTAX, 28,
	    "expected a blank after the closing quote");
	bad("log email a@b msgtext ab\"c", CONF_ESYNTAX, 25, "unexpected quote inside a word");
	bad("mail smtpx x", CONF_ESYNTAX, 6,
	    "unknown word \"smtpx\" (expected smtpserver, from or serial-number)");
	bad("no mail", CONF_ESYNTAX, 8,
	    "expected smtpserver, from or serial-number after \"mail\"");
	bad("Mail from a@b", CONF_ESYNTAX, 1, "unknown command \"Mail\"");
	bad("\"mail\" from a@b", CONF_ESYNTAX, 1, "unknown command \"mail\"");
	bad("mail from a@b\x01", CONF_ESYNTAX, 14, "control character in line");
	bad("no mail smtpserver tls verify now", CONF_ESYNTAX, 31, "unexpected word \"now\"");
	ok("");
	ok("   ");
	ok("! a comment \"with an open quote");
	ok("  ! indented comment");
	ok("mail from a@b\n");
	cr_assert_str_eq(c->from, "a@b");
	ok("mail from a@c\r\n");
	cr_assert_str_eq(c->from, "a@c");
}

Test(conf, err_format)
{
	char buf[600];

	bad("mail smtpserver port 70000", CONF_ESYNTAX, 22,
	    "expected a port number 1-65535, got \"70000\"");
	conf_err_format(&err, buf, sizeof(buf));
	cr_assert_str_eq(buf, "<command>:7:22: expected a port number 1-65535, got \"70000\"");
	cr_assert_eq(conf_exec(c, "mial", "/etc/logmail/logmail.conf", 3, &err), CONF_ESYNTAX);
	conf_err_format(&err, buf, sizeof(buf));
	cr_assert_str_eq(buf, "/etc/logmail/logmail.conf:3:1: unknown command \"mial\"");
}

Test(conf, names)
{
	cr_assert_str_eq(conf_level_name(0), "emergencies");
	cr_assert_str_eq(conf_level_name(7), "debugging");
	cr_assert_str_eq(conf_level_name(CONF_LEVEL_ANY), "any");
	cr_assert_null(conf_level_name(8));
	cr_assert_eq(conf_level_parse("notifications"), 5);
	cr_assert_eq(conf_level_parse("notices"), 5);
	cr_assert_eq(conf_level_parse("3"), 3);
	cr_assert_eq(conf_level_parse("8"), -1);
	cr_assert_eq(conf_level_parse("Errors"), -1);
	cr_assert_eq(conf_facility_parse("local0"), 16);
	cr_assert_eq(conf_facility_parse("local7"), 23);
	cr_assert_eq(conf_facility_parse("authpriv"), 10);
	cr_assert_eq(conf_facility_parse("ftp"), 11);
	cr_assert_eq(conf_facility_parse("ntp"), -1);
	cr_assert_eq(conf_facility_parse("DAEMON"), 3, "facility names in any case");
	cr_assert_eq(conf_facility_parse("Local7"), 23);
	cr_assert_eq(conf_facility_parse("AUTHP"), 10, "and their prefixes");
	cr_assert_str_eq(conf_facility_name(0), "kern");
	cr_assert_null(conf_facility_name(12));
	cr_assert_str_eq(conf_facility_name(CONF_FACILITY_ANY), "any");
}

/* ---- writer ---------------------------------------------------------------------------- */

Test(conf, writer_guide_smtp_example)
{
	ok("mail smtpserver 192.0.2.1");
	ok("mail smtpserver authentication plain username example3 password 8 " GUIDE_P8);
	ok("mail smtpserver port 587");
	ok("mail from example@example.com");
	expect_written("mail smtpserver 192.0.2.1\n"
		       "mail smtpserver authentication plain username example3 password 8 " GUIDE_P8
		       "\n"
		       "mail smtpserver port 587\n"
		       "mail from example@example.com\n");
	assert_round_trip();
}

Test(conf, writer_guide_log_examples)
{
	ok("log email admin@example.com msgtext \"Pool exhausted\"");
	ok("log email admin@example.com level informational");
	expect_written("log email admin@example.com msgtext \"Pool exhausted\"\n"
		       "log email admin@example.com level informational\n");
	ok("no log email admin@example.com level informational");
	expect_written("log email admin@example.com msgtext \"Pool exhausted\"\n");
	ok("no log email admin@example.com");
	expect_written("");
}

Test(conf, writer_design_example)
{
	const char *text =
	    "mail smtpserver smtp.example.com\n"
	    "mail smtpserver authentication login username example password 8 " GUIDE_P8 "\n"
	    "mail smtpserver port 587\n"
	    "mail smtpserver tls starttls\n"
	    "mail from example@example.com\n"
	    "log email admin@example.com level errors\n"
	    "log email admin@example.com program dhcp msgtext \"pool exhausted\"\n"
	    "log email admin@example.com exclude program cron\n"
	    "log email admin@example.com time utc +2:00\n";
	struct conf *d = parse_text(text);

	conf_free(c);
	c = d;
	expect_written(text);
}

static const char *const full_lines[] = {
    "mail smtpserver smtp.example.com",
    "mail smtpserver authentication crammd5 username \"my user\" password 8 " GUIDE_P8,
    "mail smtpserver port 2525",
    "mail smtpserver tls smtps",
    "mail smtpserver tls ca-file \"/etc/ssl/my ca.pem\"",
    "no mail smtpserver tls verify",
    "mail smtpserver authentication allow-cleartext",
    "mail smtpserver timeout 60",
    "mail smtpserver helo switch1.example.com",
    "mail from logger@example.com",
    "mail serial-number A05049G154200043",
    "log email bare@example.com",
    "log email ops@example.com level warnings program \"level\" facility local3 msgtext "
    "\"say \\\"hi\\\" c:\\\\dir\"",
    "log email ops@example.com msgtext regex \"^\\\\d+ \\\"q\\\" (a|b)\"",
    "log email ops@example.com facility kern",
    "log email ops@example.com level errors host web* msgtext \"down\"",
    "log email ops@example.com program sshd host edge1.example.com",
    "log email ops@example.com exclude host db[12]",
    "log email ops@example.com exclude level debugging",
    "log email ops@example.com exclude msgtext \"noise\"",
    "log email ops@example.com time local -5:30",
    "log email ops@example.com digest window 120",
    "log email ops@example.com digest max-messages 10",
    "log email ops@example.com digest max-bytes 2048",
    "log email ops@example.com digest max-interval 600",
    "log email ops@example.com digest fold off",
    "log email ops@example.com urgent level alerts",
    "log email ops@example.com rate-limit 0",
    "log email ops@example.com subject \"%N: \\\"logs\\\" at %U\"",
    "log email ops@example.com logcheck workstation rules \"/srv/my rules\"",
    "log email ops2@example.com rate-limit 5",
    "log email ops2@example.com logcheck server",
    "no log email ops2@example.com urgent",
    "log email quiet@example.com",
    "no log email quiet@example.com urgent",
    "log email zone@example.com time utc +0:00",
};

/* Every line comes back exactly, in the writer's order (full_lines is in it). */
Test(conf, writer_full_round_trip)
{
	char expected[4096] = "";
	const struct conf_recipient *r;

	for (size_t i = 0; i < sizeof(full_lines) / sizeof(full_lines[0]); i++) {
		ok(full_lines[i]);
		strcat(expected, full_lines[i]);
		strcat(expected, "\n");
	}
	r = conf_recipient_find(c, "ops@example.com");
	cr_assert_str_eq(r->filters[0].msgtext, "say \"hi\" c:\\dir");
	cr_assert_str_eq(r->filters[0].program, "level");
	cr_assert_str_eq(r->filters[1].msgtext, "^\\d+ \"q\" (a|b)");
	cr_assert_str_eq(c->username, "my user");
	expect_written(expected);
	assert_round_trip();
}

/* A regex backslash need not be doubled; the writer doubles it, both read back. */
Test(conf, regex_backslash)
{
	ok("log email a@b msgtext regex \"\\d+\"");
	cr_assert_str_eq(conf_recipient_find(c, "a@b")->filters[0].msgtext, "\\d+");
	expect_written("log email a@b msgtext regex \"\\\\d+\"\n");
	assert_round_trip();
}

/* ---- files ----------------------------------------------------------------------------- */

Test(conf, save_load_password_round_trip)
{
	char path[160], key[160], buf[128];
	struct conf *loaded = conf_new();
	const char *prefix;
	char *text;

	snprintf(path, sizeof(path), "%s/logmail.conf", dir);
	conf_set_key_path(c, NULL);
	/* conf_load of a missing file: empty, and the key goes beside it */
	cr_assert_eq(conf_load(c, path, &err), CONF_OK, "%s", err.msg);
	cr_assert_str_eq(c->key_path, key_path);
	ok("mail smtpserver smtp.example.com");
	ok("mail smtpserver authentication login username example password \"Sup3r\\\"Secret\"");
	ok("log email admin@example.com msgtext \"quote \\\" and \\\\ backslash\"");
	cr_assert_eq(conf_save(c, path, &err), CONF_OK, "%s", err.msg);
	cr_assert_eq(file_mode(path), 0600);
	cr_assert_eq(file_mode(key_path), 0600);
	cr_assert_not(file_contains(path, "Sup3r", 5));
	cr_assert_not(file_contains(key_path, "Sup3r", 5));
	text = slurp(path);
	prefix = "mail smtpserver smtp.example.com\n"
		 "mail smtpserver authentication login username example password 8 ";
	cr_assert_eq(strncmp(text, prefix, strlen(prefix)), 0, "%s", text);
	free(text);

	cr_assert_eq(conf_load(loaded, path, &err), CONF_OK, "%s", err.msg);
	cr_assert(conf_equal(c, loaded));
	snprintf(key, sizeof(key), "%s", loaded->key_path);
	cr_assert_str_eq(key, key_path);
	cr_assert_eq(conf_password(loaded, buf, sizeof(buf), &err), CONF_OK, "%s", err.msg);
	cr_assert_str_eq(buf, "Sup3r\"Secret");
	conf_free(loaded);

	/* saving again replaces the file atomically and leaves no temporary */
	ok("mail smtpserver port 587");
	cr_assert_eq(conf_save(c, path, &err), CONF_OK, "%s", err.msg);
	snprintf(buf, sizeof(buf), "ls -A '%s' | wc -l | grep -qx 2", dir);
	cr_assert_eq(system(buf), 0, "only the file and the key remain");
}

Test(conf, load_errors)
{
	char path[160], buf[700];
	char *before;

	snprintf(path, sizeof(path), "%s/bad.conf", dir);
	ok("mail from keep@example.com");
	write_file(path,
		   "! logmail\n"
		   "mail smtpserver smtp.example.com\n"
		   "\n"
		   "log email admin@example.com level errrors\n"
		   "mail from other@example.com\n",
		   0600);
	before = written(c);
	cr_assert_eq(conf_load(c, path, &err), CONF_ESYNTAX);
	cr_assert_eq(err.line, 4);
	cr_assert_eq(err.column, 35);
	conf_err_format(&err, buf, sizeof(buf));
	cr_assert_not_null(strstr(buf, "/bad.conf:4:35: unknown level \"errrors\" (expected "
				       "emergencies, alerts"),
			   "%s", buf);
	expect_written(before); /* unchanged, nothing of lines 1-3 applied */
	free(before);
}

Test(conf, load_refuses_readable_file_with_password)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/open.conf", dir);
	write_file(path,
		   "mail smtpserver smtp.example.com\n"
		   "mail smtpserver authentication login username u password 8 " GUIDE_P8 "\n",
		   0644);
	cr_assert_eq(conf_load(c, path, &err), CONF_ESECRET);
	cr_assert_str_eq(err.msg, "contains a password and therefore must not be accessible by "
				  "group or others (mode 0644); chmod 600 it");
	cr_assert_null(c->server);
	cr_assert_eq(chmod(path, 0600), 0);
	cr_assert_eq(conf_load(c, path, &err), CONF_OK, "%s", err.msg);
	cr_assert_str_eq(c->password8, GUIDE_P8);

	/* without a password, a readable file is fine */
	write_file(path, "mail from a@b\n", 0644);
	cr_assert_eq(conf_load(c, path, &err), CONF_OK, "%s", err.msg);
}

Test(conf, exec_is_all_or_nothing)
{
	ok("log email a@b level errors");
	/* the recipient would be created before the bad level is seen */
	bad("log email new@b level nope", CONF_ESYNTAX, 23,
	    "unknown level \"nope\" (expected emergencies, alerts, critical, errors, warnings, "
	    "notices, informational, debugging or 0-7)");
	cr_assert_null(conf_recipient_find(c, "new@b"));
}

Test(conf, dup_equal_free)
{
	struct conf *d;

	for (size_t i = 0; i < sizeof(full_lines) / sizeof(full_lines[0]); i++)
		ok(full_lines[i]);
	d = conf_dup(c);
	cr_assert(conf_equal(c, d));
	ok("log email ops@example.com rate-limit 5");
	cr_assert_not(conf_equal(c, d));
	conf_free(d);
	conf_free(NULL);
}

/* Any file, password or not, that another user could change is refused,
 * with its name, owner, mode and the fix; root's and our own are used. */
Test(conf, load_refuses_a_file_another_user_could_change)
{
	char path[160], buf[900];

	snprintf(path, sizeof(path), "%s/plain.conf", dir);
	write_file(path, "mail smtpserver smtp.example.com\n", 0666);
	cr_assert_eq(conf_load(c, path, &err), CONF_ESECRET);
	conf_err_format(&err, buf, sizeof(buf));
	cr_assert_not_null(strstr(buf, "/plain.conf: the file is owned by "), "%s", buf);
	cr_assert_not_null(strstr(buf, " with mode 0666: not trusted"), "%s", buf);
	cr_assert_not_null(strstr(buf, "; chmod go-w "), "%s", buf);
	cr_assert_null(c->server);
	cr_assert_eq(chmod(path, 0664), 0); /* group write alone */
	cr_assert_eq(conf_load(c, path, &err), CONF_ESECRET);
	cr_assert_eq(chmod(path, 0644), 0); /* readable by all, no password: fine */
	cr_assert_eq(conf_load(c, path, &err), CONF_OK, "%s", err.msg);
	cr_assert_str_eq(c->server, "smtp.example.com");
	if (geteuid() == 0) { /* root can give the file away */
		cr_assert_eq(chown(path, 65534, 65534), 0);
		cr_assert_eq(conf_load(c, path, &err), CONF_ESECRET);
		conf_err_format(&err, buf, sizeof(buf));
		cr_assert_not_null(strstr(buf, "the file is owned by nobody with mode 0644"), "%s",
				   buf);
		cr_assert_not_null(strstr(buf, "; chown root "), "%s", buf);
	}
}

/* A symbolic link to the configuration stays one after a save; its target
 * gets the content; a dangling link is refused and left as it was. */
Test(conf, save_writes_through_a_symbolic_link)
{
	char real[160], link[160], target[200];
	struct stat st;
	ssize_t n;

	snprintf(real, sizeof(real), "%s/real.conf", dir);
	snprintf(link, sizeof(link), "%s/logmail.conf", dir);
	write_file(real, "mail smtpserver old.example.com\n", 0600);
	cr_assert_eq(symlink("real.conf", link), 0);
	ok("mail smtpserver new.example.com");
	cr_assert_eq(conf_save(c, link, &err), CONF_OK, "%s", err.msg);
	cr_assert_eq(lstat(link, &st), 0);
	cr_assert(S_ISLNK(st.st_mode), "the link stays a link");
	n = readlink(link, target, sizeof(target) - 1);
	cr_assert_eq(n, (ssize_t)strlen("real.conf"));
	cr_assert(file_contains(real, "mail smtpserver new.example.com\n", 32));
	cr_assert_eq(file_mode(real), 0600);
	cr_assert_eq(unlink(real), 0);
	cr_assert_eq(conf_save(c, link, &err), CONF_EIO);
	cr_assert_not_null(strstr(err.msg, "is a symbolic link to "), "%s", err.msg);
	cr_assert_not_null(strstr(err.msg, "real.conf, which does not exist; nothing saved"), "%s",
			   err.msg);
	cr_assert_eq(access(real, F_OK), -1);
}

Test(conf, io_errors)
{
	char path[160], buf[700];

	snprintf(path, sizeof(path), "%s/missing/logmail.conf", dir);
	cr_assert_eq(conf_save(c, path, &err), CONF_EIO);
	cr_assert_str_eq(err.msg, "cannot create a temporary file: No such file or directory");
	conf_err_format(&err, buf, sizeof(buf));
	cr_assert_not_null(strstr(buf, "/missing/logmail.conf: cannot create a temporary file"));
	cr_assert_eq(conf_load(c, dir, &err), CONF_EIO); /* a directory */
	cr_assert_str_eq(err.msg, "read error: Is a directory");
}

Test(conf, default_resets_everything)
{
	ok("log email a@b level errors");
	ok("log email a@b exclude program cron");
	ok("log email a@b time utc -1");
	ok("log email a@b digest window 5");
	ok("log email a@b subject \"x\"");
	ok("no log email a@b urgent");
	ok("log email a@b logcheck server rules /srv/rules");
	ok("default log email a@b");
	expect_written("log email a@b\n");
	ok("default log email new@b"); /* creates it, already at the defaults */
	expect_written("log email a@b\nlog email new@b\n");
}

/* ---- one file, many editors ------------------------------------------------------- */

Test(conf, stamp_tells_a_changed_file)
{
	char path[256];
	struct conf_stamp st;

	snprintf(path, sizeof(path), "%s/logmail.conf", dir);
	cr_assert_eq(conf_load_stamped(c, path, &st, &err), CONF_OK, "%s", err.msg);
	cr_assert_not(st.exists);
	cr_assert_not(conf_changed(path, &st));
	write_file(path, "mail from a@b\n", 0600);
	cr_assert(conf_changed(path, &st), "a file that appeared");
	cr_assert_eq(conf_load_stamped(c, path, &st, &err), CONF_OK, "%s", err.msg);
	cr_assert(st.exists);
	cr_assert_not(conf_changed(path, &st));
	write_file(path, "mail from a@c\n", 0600); /* same size, in place */
	cr_assert(conf_changed(path, &st), "written in place");
	cr_assert_eq(conf_load_stamped(c, path, &st, &err), CONF_OK, "%s", err.msg);
	cr_assert_eq(unlink(path), 0);
	cr_assert(conf_changed(path, &st), "removed");
}

/* A save is refused when the file is no longer the one that was read. */
Test(conf, save_refused_when_the_file_changed)
{
	char path[256];
	struct conf_stamp st;
	int lock = -1;

	snprintf(path, sizeof(path), "%s/logmail.conf", dir);
	write_file(path, "mail from a@b\n", 0600);
	cr_assert_eq(conf_load_stamped(c, path, &st, &err), CONF_OK, "%s", err.msg);
	ok("mail smtpserver smtp.example.com");
	write_file(path, "mail from someone@else\n", 0600);
	cr_assert_eq(conf_lock(path, &lock, &err), CONF_OK, "%s", err.msg);
	cr_assert_eq(conf_save_stamped(c, path, &st, &err), CONF_ECHANGED);
	cr_assert_str_eq(err.msg, "changed since it was read (by another logmail or an editor): "
				  "nothing saved; give the command again");
	cr_assert_str_eq(slurp(path), "mail from someone@else\n");
	cr_assert_eq(conf_load_stamped(c, path, &st, &err), CONF_OK, "%s", err.msg);
	ok("mail smtpserver smtp.example.com");
	cr_assert_eq(conf_save_stamped(c, path, &st, &err), CONF_OK, "%s", err.msg);
	cr_assert_not(conf_changed(path, &st), "the stamp is the file written");
	conf_unlock(lock);
	cr_assert_eq(file_mode(path), 0600);
	snprintf(path + strlen(path), sizeof(path) - strlen(path), ".lock");
	cr_assert_eq(file_mode(path), 0600);
}

/* A save keeps the file's `!` comments where they stood: before the line
 * they were written above (in any spelling of it), at the end when that
 * line is gone; blank lines alone are not kept. */
Test(conf, save_keeps_comments_where_they_stood)
{
	char path[160];
	char *text;

	snprintf(path, sizeof(path), "%s/logmail.conf", dir);
	write_file(path,
		   "! logmail.conf: the site's alerts\n"
		   "! (edited with logmail configure)\n"
		   "mail smtp mx.example.com\n"
		   "\n"
		   "! the on-call team\n"
		   "log email oncall@example.com level crit\n"
		   "\n"
		   "! storage, until the new array is in\n"
		   "log email disk@example.com msgtext \"I/O error\"\n"
		   "! the end\n",
		   0600);
	cr_assert_eq(conf_load(c, path, &err), CONF_OK, "%s", err.msg);
	ok("mail from alerts@example.com");
	ok("no log email disk@example.com");
	cr_assert_eq(conf_save(c, path, &err), CONF_OK, "%s", err.msg);
	text = slurp(path);
	cr_assert_str_eq(text, "! logmail.conf: the site's alerts\n"
			       "! (edited with logmail configure)\n"
			       "mail smtpserver mx.example.com\n"
			       "mail from alerts@example.com\n"
			       "\n"
			       "! the on-call team\n"
			       "log email oncall@example.com level critical\n"
			       "\n"
			       "! storage, until the new array is in\n"
			       "! the end\n");
	free(text);
	/* and again, read back: nothing doubles */
	cr_assert_eq(conf_load(c, path, &err), CONF_OK, "%s", err.msg);
	cr_assert_eq(conf_save(c, path, &err), CONF_OK, "%s", err.msg);
	text = slurp(path);
	cr_assert_eq(strstr(strstr(text, "! the on-call team") + 1, "! the on-call team"), NULL);
	cr_assert_not_null(strstr(text, "! storage, until the new array is in\n! the end\n"), "%s",
			   text);
	free(text);
}
