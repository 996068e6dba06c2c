/*
 * tests/unit/test_filters.c: the filter engine, its statistics and
 * `show log config`.
 *
 * Configurations are built by hand (struct conf filled directly) so that
 * these tests depend only on conf.h's data layout, not on the parser.
 */
#include "cli/cli.h"
#include "engine/engine.h"
#include "filters/filter.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

/* ---- building configurations ---------------------------------------------- */

static struct conf *tc_new(void)
{
	struct conf *c = calloc(1, sizeof(*c));

	cr_assert_not_null(c);
	return c;
}

static size_t tc_rcpt(struct conf *c, const char *address)
{
	struct conf_recipient *r;

	c->recipients = realloc(c->recipients, (c->n_recipients + 1) * sizeof(*r));
	cr_assert_not_null(c->recipients);
	r = &c->recipients[c->n_recipients];
	memset(r, 0, sizeof(*r));
	r->address = strdup(address);
	r->digest = (struct conf_digest){CONF_DEFAULT_WINDOW_SEC,    CONF_DEFAULT_MAX_MESSAGES,
					 CONF_DEFAULT_MAX_BYTES,     CONF_DEFAULT_URGENT_LEVEL,
					 CONF_DEFAULT_RATE_PER_HOUR, NULL,
					 CONF_DEFAULT_FOLD,          CONF_DEFAULT_MAX_INTERVAL};
	return c->n_recipients++;
}

static void tc_filter(struct conf *c, size_t r, bool exclude, int level, int facility,
		      const char *program, const char *text, bool regex)
{
	struct conf_recipient *rc = &c->recipients[r];
	struct conf_filter **v = exclude ? &rc->excludes : &rc->filters;
	size_t *n = exclude ? &rc->n_excludes : &rc->n_filters;

	*v = realloc(*v, (*n + 1) * sizeof(**v));
	cr_assert_not_null(*v);
	(*v)[*n] = (struct conf_filter){.level = level,
					.facility = facility,
					.program = program ? strdup(program) : NULL,
					.msgtext = text ? strdup(text) : NULL,
					.msgtext_regex = regex};
	(*n)++;
}

/* Give the filter tc_filter added last a `host H` criterion. */
static void tc_host(struct conf *c, size_t r, bool exclude, const char *host)
{
	struct conf_recipient *rc = &c->recipients[r];
	struct conf_filter *f =
	    exclude ? &rc->excludes[rc->n_excludes - 1] : &rc->filters[rc->n_filters - 1];

	f->host = strdup(host);
}

#define ANY     CONF_LEVEL_ANY
#define FAC_ANY CONF_FACILITY_ANY
#define INC     false
#define EXC     true

static void tc_free(struct conf *c)
{
	for (size_t i = 0; i < c->n_recipients; i++) {
		struct conf_recipient *r = &c->recipients[i];

		for (size_t j = 0; j < r->n_filters; j++) {
			free(r->filters[j].program);
			free(r->filters[j].host);
			free(r->filters[j].msgtext);
		}
		for (size_t j = 0; j < r->n_excludes; j++) {
			free(r->excludes[j].program);
			free(r->excludes[j].host);
			free(r->excludes[j].msgtext);
		}
		free(r->filters);
		free(r->excludes);
		free(r->address);
		free(r->logcheck_rules);
		free(r->digest.subject);
	}
	free(c->recipients);
	free(c);
}

/* ---- matching one message ------------------------------------------------- */

struct fx {
	struct conf *c;
	struct filter_set *set;
	struct filter_worker *w;
	size_t *out;
};

static void fx_compile(struct fx *fx)
{
	struct conf_err err = {0};

	cr_assert_eq(filter_compile(fx->c, &fx->set, &err), FILTER_OK, "%s", err.msg);
	fx->w = filter_worker_new(fx->set);
	cr_assert_not_null(fx->w);
	fx->out = calloc(fx->c->n_recipients + 1, sizeof(size_t));
}

static void fx_free(struct fx *fx)
{
	filter_worker_free(fx->w);
	filter_set_free(fx->set);
	tc_free(fx->c);
	free(fx->out);
}

static struct filter_msg msg(int sev, int fac, const char *prog, const char *text)
{
	return (struct filter_msg){.severity = sev,
				   .facility = fac,
				   .program = prog,
				   .program_len = prog ? strlen(prog) : 0,
				   .text = text,
				   .text_len = text ? strlen(text) : 0};
}

static struct filter_msg msg_from(const char *host, int sev, const char *prog, const char *text)
{
	struct filter_msg m = msg(sev, 3, prog, text);

	m.host = host;
	return m;
}

/* The recipients as a string "0,2,5" from both evaluators, which must agree. */
static const char *who(struct fx *fx, struct filter_msg m)
{
	static char buf[4096];
	size_t *lin = calloc(fx->c->n_recipients + 1, sizeof(size_t));
	size_t n = filter_match(fx->set, fx->w, &m, fx->out);
	size_t nl = filter_match_linear(fx->set, fx->w, &m, lin);
	size_t len = 0;

	cr_assert_eq(n, nl, "indexed %zu recipients, linear %zu", n, nl);
	cr_assert_arr_eq(fx->out, lin, n * sizeof(size_t));
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		len += snprintf(buf + len, sizeof(buf) - len, "%s%zu", i ? "," : "", fx->out[i]);
	free(lin);
	return buf;
}

/* One recipient with one filter; does m reach it? */
static bool one(int level, int fac, const char *prog, const char *text, bool regex,
		struct filter_msg m)
{
	struct fx fx = {.c = tc_new()};
	bool got;

	tc_filter(fx.c, tc_rcpt(fx.c, "a@example.com"), INC, level, fac, prog, text, regex);
	fx_compile(&fx);
	got = strcmp(who(&fx, m), "0") == 0;
	fx_free(&fx);
	return got;
}

#define DAEMON 3
#define CRON   9
#define LOCAL0 16

Test(criteria, level)
{
	cr_assert(one(CONF_LEVEL_ERRORS, FAC_ANY, NULL, NULL, false, msg(0, DAEMON, "x", "t")));
	cr_assert(one(CONF_LEVEL_ERRORS, FAC_ANY, NULL, NULL, false, msg(3, DAEMON, "x", "t")));
	cr_assert(!one(CONF_LEVEL_ERRORS, FAC_ANY, NULL, NULL, false, msg(4, DAEMON, "x", "t")));
	cr_assert(!one(CONF_LEVEL_EMERGENCIES, FAC_ANY, NULL, NULL, false, msg(1, 0, "x", "t")));
	cr_assert(one(CONF_LEVEL_EMERGENCIES, FAC_ANY, NULL, NULL, false, msg(0, 0, "x", "t")));
	cr_assert(one(CONF_LEVEL_DEBUGGING, FAC_ANY, NULL, NULL, false, msg(7, 0, "x", "t")));
	/* out-of-range severities only reach filters without a level */
	cr_assert(!one(CONF_LEVEL_DEBUGGING, FAC_ANY, NULL, NULL, false, msg(8, 0, "x", "t")));
	cr_assert(!one(CONF_LEVEL_DEBUGGING, FAC_ANY, NULL, NULL, false, msg(-1, 0, "x", "t")));
	cr_assert(one(ANY, FAC_ANY, NULL, NULL, false, msg(8, 0, "x", "t")));
}

Test(criteria, program)
{
	cr_assert(one(ANY, FAC_ANY, "dhcpd", NULL, false, msg(6, DAEMON, "dhcpd", "t")));
	cr_assert(!one(ANY, FAC_ANY, "dhcpd", NULL, false, msg(6, DAEMON, "dhcp", "t")));
	cr_assert(!one(ANY, FAC_ANY, "dhcp", NULL, false, msg(6, DAEMON, "dhcpd", "t")));
	/* whatever the case of its letters: Debian logs cron as CRON */
	cr_assert(one(ANY, FAC_ANY, "dhcpd", NULL, false, msg(6, DAEMON, "DHCPD", "t")));
	cr_assert(one(ANY, FAC_ANY, "cron", NULL, false, msg(6, CRON, "CRON", "t")));
	cr_assert(one(ANY, FAC_ANY, "CRON", NULL, false, msg(6, CRON, "cron", "t")));
	cr_assert(!one(ANY, FAC_ANY, "cron", NULL, false, msg(6, CRON, "CRONX", "t")));
	cr_assert(!one(ANY, FAC_ANY, "dhcpd", NULL, false, msg(6, DAEMON, NULL, "t")));
	cr_assert(one(ANY, FAC_ANY, "postfix/smtpd", NULL, false, msg(6, 2, "postfix/smtpd", "t")));
	/* program_len, not NUL, ends the name */
	struct filter_msg m = {.severity = 6,
			       .facility = DAEMON,
			       .program = "sshd[123]",
			       .program_len = 4,
			       .text = "t",
			       .text_len = 1};
	cr_assert(one(ANY, FAC_ANY, "sshd", NULL, false, m));
}

Test(criteria, facility)
{
	cr_assert(one(ANY, CRON, NULL, NULL, false, msg(6, CRON, "x", "t")));
	cr_assert(!one(ANY, CRON, NULL, NULL, false, msg(6, DAEMON, "x", "t")));
	cr_assert(one(ANY, 0, NULL, NULL, false, msg(6, 0, "kernel", "t")));
	cr_assert(one(ANY, 23, NULL, NULL, false, msg(6, 23, "x", "t")));
	cr_assert(!one(ANY, 23, NULL, NULL, false, msg(6, 24, "x", "t")));
	cr_assert(one(ANY, FAC_ANY, NULL, NULL, false, msg(6, 99, "x", "t")));
}

Test(criteria, msgtext)
{
	const char *t = "DHCPDISCOVER from 00:11: pool exhausted";

	cr_assert(one(ANY, FAC_ANY, NULL, "pool exhausted", false, msg(6, 3, "d", t)));
	cr_assert(!one(ANY, FAC_ANY, NULL, "Pool exhausted", false, msg(6, 3, "d", t)));
	cr_assert(!one(ANY, FAC_ANY, NULL, "pool  exhausted", false, msg(6, 3, "d", t)));
}

Test(criteria, combined)
{
	struct fx fx = {.c = tc_new()};
	size_t r = tc_rcpt(fx.c, "a@example.com");

	tc_filter(fx.c, r, INC, CONF_LEVEL_WARNINGS, DAEMON, "dhcpd", "pool exhausted", false);
	fx_compile(&fx);
	cr_assert_str_eq(who(&fx, msg(4, DAEMON, "dhcpd", "x pool exhausted")), "0");
	cr_assert_str_eq(who(&fx, msg(5, DAEMON, "dhcpd", "x pool exhausted")), "");
	cr_assert_str_eq(who(&fx, msg(4, CRON, "dhcpd", "x pool exhausted")), "");
	cr_assert_str_eq(who(&fx, msg(4, DAEMON, "dhcp", "x pool exhausted")), "");
	cr_assert_str_eq(who(&fx, msg(4, DAEMON, "dhcpd", "x pool")), "");
	fx_free(&fx);
}

/* `host H`: a name or a glob, case-insensitive, ANDed with the rest. */
Test(criteria, host)
{
	struct fx fx = {.c = tc_new()};
	size_t edge1 = tc_rcpt(fx.c, "edge1@example.com");
	size_t web = tc_rcpt(fx.c, "web@example.com");
	size_t all = tc_rcpt(fx.c, "all@example.com");
	size_t db = tc_rcpt(fx.c, "db@example.com");

	tc_filter(fx.c, edge1, INC, ANY, FAC_ANY, NULL, NULL, false);
	tc_host(fx.c, edge1, INC, "edge1");
	tc_filter(fx.c, web, INC, CONF_LEVEL_ERRORS, FAC_ANY, NULL, "down", false);
	tc_host(fx.c, web, INC, "web*");
	tc_filter(fx.c, all, INC, ANY, FAC_ANY, NULL, NULL, false);
	tc_filter(fx.c, all, EXC, ANY, FAC_ANY, "cron", NULL, false);
	tc_host(fx.c, all, EXC, "db[12]");
	tc_filter(fx.c, db, INC, ANY, FAC_ANY, "cron", NULL, false);
	tc_host(fx.c, db, INC, "db?");
	fx_compile(&fx);
	cr_assert_str_eq(who(&fx, msg_from("edge1", 6, "x", "t")), "0,2");
	cr_assert_str_eq(who(&fx, msg_from("EDGE1", 6, "x", "t")), "0,2");
	cr_assert_str_eq(who(&fx, msg_from("edge10", 6, "x", "t")), "2");
	cr_assert_str_eq(who(&fx, msg_from("edge", 6, "x", "t")), "2");
	cr_assert_str_eq(who(&fx, msg_from("web1.example.com", 3, "x", "link down")), "1,2");
	cr_assert_str_eq(who(&fx, msg_from("Web2", 3, "x", "link down")), "1,2");
	cr_assert_str_eq(who(&fx, msg_from("web2", 4, "x", "link down")), "2", "level too low");
	cr_assert_str_eq(who(&fx, msg_from("web2", 3, "x", "link up")), "2", "no text");
	cr_assert_str_eq(who(&fx, msg_from("db1", 6, "cron", "t")), "3", "excluded from all");
	cr_assert_str_eq(who(&fx, msg_from("db3", 6, "cron", "t")), "2,3");
	cr_assert_str_eq(who(&fx, msg_from("db1", 6, "sshd", "t")), "2");
	/* a message without a host (NULL or "") meets no host criterion */
	cr_assert_str_eq(who(&fx, msg_from(NULL, 3, "cron", "link down")), "2");
	cr_assert_str_eq(who(&fx, msg_from("", 3, "cron", "link down")), "2");
	fx_free(&fx);
}

Test(criteria, any_filter_holds)
{
	struct fx fx = {.c = tc_new()};
	size_t r = tc_rcpt(fx.c, "a@example.com");

	tc_filter(fx.c, r, INC, CONF_LEVEL_ERRORS, FAC_ANY, NULL, NULL, false);
	tc_filter(fx.c, r, INC, ANY, FAC_ANY, "cron", NULL, false);
	fx_compile(&fx);
	cr_assert_str_eq(who(&fx, msg(2, 1, "x", "t")), "0");
	cr_assert_str_eq(who(&fx, msg(7, 1, "cron", "t")), "0");
	cr_assert_str_eq(who(&fx, msg(7, 1, "x", "t")), "");
	fx_free(&fx);
}

Test(excludes, win_over_includes)
{
	struct fx fx = {.c = tc_new()};
	size_t a = tc_rcpt(fx.c, "a@example.com");
	size_t b = tc_rcpt(fx.c, "b@example.com");

	tc_filter(fx.c, a, INC, CONF_LEVEL_ERRORS, FAC_ANY, NULL, NULL, false);
	tc_filter(fx.c, a, INC, ANY, FAC_ANY, "cron", NULL, false);
	tc_filter(fx.c, a, EXC, ANY, FAC_ANY, "cron", NULL, false);
	tc_filter(fx.c, a, EXC, ANY, FAC_ANY, NULL, "harmless", false);
	tc_filter(fx.c, b, INC, CONF_LEVEL_ERRORS, FAC_ANY, NULL, NULL, false);
	fx_compile(&fx);
	cr_assert_str_eq(who(&fx, msg(0, 9, "cron", "t")), "1");
	cr_assert_str_eq(who(&fx, msg(0, 9, "CRON", "t")), "1", "Debian's CRON is excluded too");
	cr_assert_str_eq(who(&fx, msg(0, 9, "crond", "t")), "0,1");
	cr_assert_str_eq(who(&fx, msg(0, 9, "x", "a harmless one")), "1");
	cr_assert_str_eq(who(&fx, msg(5, 9, "cron", "t")), "");
	fx_free(&fx);
}

Test(excludes, without_filters_no_mail)
{
	struct fx fx = {.c = tc_new()};
	size_t a = tc_rcpt(fx.c, "a@example.com");

	tc_rcpt(fx.c, "nofilters@example.com");
	tc_filter(fx.c, a, EXC, ANY, FAC_ANY, "cron", NULL, false);
	fx_compile(&fx);
	cr_assert_str_eq(who(&fx, msg(0, 0, "kernel", "panic")), "");
	cr_assert_str_eq(who(&fx, msg(0, 0, "cron", "panic")), "");
	fx_free(&fx);
}

Test(substring, edge_cases)
{
	struct filter_msg m = msg(6, 3, "p", "abcdef");

	cr_assert(one(ANY, FAC_ANY, NULL, "", false, m), "empty is in every text");
	cr_assert(one(ANY, FAC_ANY, NULL, "", false, msg(6, 3, "p", "")));
	cr_assert(one(ANY, FAC_ANY, NULL, "abc", false, m), "at the start");
	cr_assert(one(ANY, FAC_ANY, NULL, "def", false, m), "at the end");
	cr_assert(one(ANY, FAC_ANY, NULL, "abcdef", false, m), "the whole text");
	cr_assert(!one(ANY, FAC_ANY, NULL, "abcdefg", false, m), "longer than the text");
	cr_assert(!one(ANY, FAC_ANY, NULL, "x", false, msg(6, 3, "p", "")), "empty text");
	cr_assert(!one(ANY, FAC_ANY, NULL, "x", false, msg(6, 3, "p", NULL)), "no text");
	cr_assert(one(ANY, FAC_ANY, NULL, "é", false, msg(6, 3, "p", "le café brûlé")));
	cr_assert(one(ANY, FAC_ANY, NULL, "brûlé", false, msg(6, 3, "p", "le café brûlé")));
	cr_assert(!one(ANY, FAC_ANY, NULL, "É", false, msg(6, 3, "p", "le café")));
	/* text_len, not NUL, ends the text; bytes after a NUL are text */
	struct filter_msg z = {.severity = 6,
			       .facility = 3,
			       .program = "p",
			       .program_len = 1,
			       .text = "ab\0cd",
			       .text_len = 5};
	cr_assert(one(ANY, FAC_ANY, NULL, "cd", false, z));
	struct filter_msg cut = {.severity = 6,
				 .facility = 3,
				 .program = "p",
				 .program_len = 1,
				 .text = "abcdef",
				 .text_len = 3};
	cr_assert(!one(ANY, FAC_ANY, NULL, "cd", false, cut));
}

Test(regex, match)
{
	struct filter_msg m = msg(6, 3, "sshd", "Failed password for root from 10.0.0.1 port 22");

	cr_assert(one(ANY, FAC_ANY, NULL, "Failed password for \\w+", true, m));
	cr_assert(one(ANY, FAC_ANY, NULL, "^Failed", true, m));
	cr_assert(one(ANY, FAC_ANY, NULL, "port [0-9]+$", true, m));
	cr_assert(!one(ANY, FAC_ANY, NULL, "^password", true, m));
	cr_assert(!one(ANY, FAC_ANY, NULL, "failed", true, m), "case-sensitive");
	cr_assert(one(ANY, FAC_ANY, NULL, "(?i)failed", true, m));
	cr_assert(one(ANY, FAC_ANY, NULL, "caf\xc3\xa9", true, msg(6, 3, "p", "un caf\xc3\xa9")));
	/* the same text as a substring and as a regex are two patterns */
	struct fx fx = {.c = tc_new()};
	tc_filter(fx.c, tc_rcpt(fx.c, "a@x"), INC, ANY, FAC_ANY, NULL, "a.c", false);
	tc_filter(fx.c, tc_rcpt(fx.c, "b@x"), INC, ANY, FAC_ANY, NULL, "a.c", true);
	fx_compile(&fx);
	cr_assert_str_eq(who(&fx, msg(6, 3, "p", "abc")), "1");
	cr_assert_str_eq(who(&fx, msg(6, 3, "p", "a.c")), "0,1");
	fx_free(&fx);
}

/* Many recipients with a regex each: one Vectorscan pass answers for all
 * of them, the regexes it cannot take (a back-reference, a lookbehind) run
 * with PCRE2, and the answers are those of PCRE2 alone (the linear
 * evaluator), with and without Vectorscan. */
Test(regex, many_recipients_one_pass)
{
	static const char *const extra[] = {"(\\w+) \\1", "(?<=user )u7\\b", "^Failed"};
	static const char *const texts[] = {
	    "Failed password for user u7 from 10.0.0.7", "Failed password for user u42 from x",
	    "Accepted publickey for user u199 ssh2", "nothing here nothing here", "u7 u70 u7"};
	char re[64], want[64];

	for (int engine = 0; engine < 2; engine++) {
		struct fx fx = {.c = tc_new()};

		if (engine)
			setenv("LOGMAIL_REGEX_ENGINE", "pcre2", 1);
		for (int r = 0; r < 200; r++) {
			char addr[32];

			snprintf(addr, sizeof(addr), "u%d@x", r);
			snprintf(re, sizeof(re), "user u%d( |$)", r);
			tc_filter(fx.c, tc_rcpt(fx.c, addr), INC, r % 3 ? ANY : CONF_LEVEL_WARNINGS,
				  FAC_ANY, NULL, re, true);
		}
		for (int k = 0; k < 3; k++)
			tc_filter(fx.c, tc_rcpt(fx.c, "extra@x"), INC, ANY, FAC_ANY, NULL, extra[k],
				  true);
		fx_compile(&fx);
		for (size_t t = 0; t < sizeof(texts) / sizeof(texts[0]); t++)
			for (int sev = 3; sev <= 6; sev += 3)
				(void)who(&fx, msg(sev, 3, "sshd", texts[t])); /* both agree */
		/* recipients 200, 201, 202 are extra[0], [1], [2] */
		cr_assert_str_eq(who(&fx, msg(6, 3, "sshd", texts[0])), "7,201,202");
		snprintf(want, sizeof(want), "%s", who(&fx, msg(6, 3, "sshd", texts[1])));
		cr_assert_str_eq(want, "202", "u42 is at warnings (42 %% 3 == 0)");
		cr_assert_str_eq(who(&fx, msg(4, 3, "sshd", texts[1])), "42,202");
		cr_assert_str_eq(who(&fx, msg(6, 3, "sshd", texts[2])), "199");
		cr_assert_str_eq(who(&fx, msg(6, 3, "sshd", texts[3])), "");
		cr_assert_str_eq(who(&fx, msg(6, 3, "sshd", texts[4])), "200");
		fx_free(&fx);
		unsetenv("LOGMAIL_REGEX_ENGINE");
	}
}

Test(regex, errors)
{
	struct conf *c = tc_new();
	struct filter_set *set = (void *)1;
	struct conf_err err = {0};

	tc_filter(c, tc_rcpt(c, "good@example.com"), INC, ANY, FAC_ANY, NULL, "ok", true);
	tc_filter(c, tc_rcpt(c, "bad@example.com"), INC, ANY, FAC_ANY, NULL, "pool (exhausted",
		  true);
	cr_assert_eq(filter_compile(c, &set, &err), FILTER_EREGEX);
	cr_assert_null(set);
	cr_assert(strstr(err.msg, "bad@example.com"), "%s", err.msg);
	cr_assert(strstr(err.msg, "pool (exhausted"), "%s", err.msg);
	cr_assert(strstr(err.msg, "missing closing parenthesis"), "%s", err.msg);
	tc_free(c);
}

Test(compile, out_of_range)
{
	struct conf *c = tc_new();
	struct filter_set *set;
	struct conf_err err = {0};

	tc_filter(c, tc_rcpt(c, "a@example.com"), INC, 8, FAC_ANY, NULL, NULL, false);
	cr_assert_eq(filter_compile(c, &set, &err), FILTER_EINVAL);
	cr_assert(strstr(err.msg, "a@example.com"), "%s", err.msg);
	tc_free(c);
}

Test(compile, empty_conf)
{
	struct fx fx = {.c = tc_new()};

	fx_compile(&fx);
	cr_assert_eq(filter_set_recipients(fx.set), 0);
	cr_assert_str_eq(who(&fx, msg(0, 0, "kernel", "panic")), "");
	fx_free(&fx);
}

/* Thousands of programs in one hash table: every bucket collision must be
 * resolved by comparing names, and near misses must find nothing. */
Test(programs, hash_collisions)
{
	struct fx fx = {.c = tc_new()};
	char name[64], addr[64];
	enum { N = 3000 };

	for (int i = 0; i < N; i++) {
		snprintf(addr, sizeof(addr), "r%d@example.com", i);
		snprintf(name, sizeof(name), "prog%d", i);
		tc_filter(fx.c, tc_rcpt(fx.c, addr), INC, ANY, FAC_ANY, name, NULL, false);
	}
	fx_compile(&fx);
	for (int i = 0; i < N; i++) {
		char want[16];

		snprintf(name, sizeof(name), "prog%d", i);
		snprintf(want, sizeof(want), "%d", i);
		cr_assert_str_eq(who(&fx, msg(6, 3, name, "t")), want);
		snprintf(name, sizeof(name), "prog%dx", i);
		cr_assert_str_eq(who(&fx, msg(6, 3, name, "t")), "");
		snprintf(name, sizeof(name), "PROG%d", i);
		cr_assert_str_eq(who(&fx, msg(6, 3, name, "t")), want, "the case does not matter");
		snprintf(name, sizeof(name), "Prog%dx", i);
		cr_assert_str_eq(who(&fx, msg(6, 3, name, "t")), "");
	}
	fx_free(&fx);
}

/* Pairs with the same 32-bit FNV-1a hash, the engine's program hash: only
 * the name comparison tells them apart. */
Test(programs, full_hash_collisions)
{
	static const char *const names[] = {"costarring", "liquid", "declinate", "macallums",
					    "altarage",   "zinke",  "altarages", "zinkes"};
	struct fx fx = {.c = tc_new()};
	char want[16];

	for (size_t i = 0; i < 8; i += 2) /* only the first of each pair is configured */
		tc_filter(fx.c, tc_rcpt(fx.c, names[i]), INC, ANY, FAC_ANY, names[i], NULL, false);
	fx_compile(&fx);
	for (size_t i = 0; i < 8; i++) {
		snprintf(want, sizeof(want), "%zu", i / 2);
		cr_assert_str_eq(who(&fx, msg(6, 3, names[i], "t")), i % 2 ? "" : want, "%s",
				 names[i]);
	}
	fx_free(&fx);
	/* and both configured, each to its own recipient */
	fx = (struct fx){.c = tc_new()};
	for (size_t i = 0; i < 8; i++)
		tc_filter(fx.c, tc_rcpt(fx.c, names[i]), INC, ANY, FAC_ANY, names[i], NULL, false);
	fx_compile(&fx);
	for (size_t i = 0; i < 8; i++) {
		snprintf(want, sizeof(want), "%zu", i);
		cr_assert_str_eq(who(&fx, msg(6, 3, names[i], "t")), want, "%s", names[i]);
	}
	fx_free(&fx);
}

Test(programs, same_program_many_recipients)
{
	struct fx fx = {.c = tc_new()};
	char addr[64];
	enum { N = 1000 };

	for (int i = 0; i < N; i++) {
		snprintf(addr, sizeof(addr), "r%d@example.com", i);
		tc_filter(fx.c, tc_rcpt(fx.c, addr), INC, i % 2 ? CONF_LEVEL_ERRORS : ANY, FAC_ANY,
			  "sshd", i % 3 ? NULL : "Failed", false);
	}
	fx_compile(&fx);
	struct filter_msg m = msg(3, 4, "sshd", "Failed password");
	cr_assert_eq(filter_match(fx.set, fx.w, &m, fx.out), N);
	for (size_t i = 0; i < N; i++)
		cr_assert_eq(fx.out[i], i, "ascending order");
	m = msg(6, 4, "sshd", "Accepted password");
	size_t n = filter_match(fx.set, fx.w, &m, fx.out);
	size_t want = 0;
	for (int i = 0; i < N; i++)
		want += i % 2 == 0 && i % 3 != 0;
	cr_assert_eq(n, want);
	fx_free(&fx);
}

/* ---- property: the index agrees with the plain loop ----------------------- */

static const char *const programs[] = {"sshd",    "cron",          "kernel", "dhcpd",
				       "systemd", "postfix/smtpd", "nginx",  "su",
				       "sshd2",   "CRON",          "Sshd"};
static const char *const texts[] = {
    "Failed", "pool exhausted", "error",          "", "x", "session opened",
    "é",      "timeout",        "Failed password"};
static const char *const words[] = {"Failed",    "password", "for",     "root",   "pool",
				    "exhausted", "error",    "session", "opened", "x",
				    "é",         "timeout",  "ok"};
static const char *const hosts[] = {"web1", "WEB2", "db1", "edge1.example.com", "", "web10"};
static const char *const host_globs[] = {"web1", "web*", "db?", "*.example.com", "edge1*"};
static const char *const regexes[] = {"^Failed", "pool (exhausted|empty)", "[0-9]{3}$",
				      "session\\s+opened", "(?i)ERROR"};

#define PICK(a) ((a)[(size_t)rand() % (sizeof(a) / sizeof((a)[0]))])

static void random_filter(struct conf *c, size_t r, bool exclude)
{
	int level = rand() % 3 ? rand() % 8 : ANY;
	int fac = rand() % 3 ? FAC_ANY : rand() % 24;
	const char *prog = rand() % 2 ? NULL : PICK(programs);
	bool regex = rand() % 5 == 0;
	const char *text = rand() % 2 ? NULL : regex ? PICK(regexes) : PICK(texts);

	tc_filter(c, r, exclude, level, fac, prog, text, text && regex);
	if (rand() % 4 == 0)
		tc_host(c, r, exclude, PICK(host_globs));
}

/* host_globs' patterns, without fnmatch: a name, or a prefix with "*" or "?"
 * (one character) at the end, or "*" and a suffix; case-insensitive. */
static bool naive_host(const char *glob, const char *host)
{
	size_t gl = strlen(glob), hl = host ? strlen(host) : 0;

	host = host ? host : "";
	if (glob[0] == '*')
		return hl >= gl - 1 && strcasecmp(host + hl - (gl - 1), glob + 1) == 0;
	if (glob[gl - 1] == '*')
		return strncasecmp(host, glob, gl - 1) == 0;
	if (glob[gl - 1] == '?')
		return hl == gl && strncasecmp(host, glob, gl - 1) == 0;
	return strcasecmp(host, glob) == 0;
}

/* Independent of the engine: the semantics of DESIGN.md over struct conf. */
static bool naive_filter(const struct conf_filter *f, const struct filter_msg *m)
{
	if (f->level != ANY && !(m->severity >= 0 && m->severity <= f->level))
		return false;
	if (f->facility != FAC_ANY && f->facility != m->facility)
		return false;
	if (f->program && (strlen(f->program) != m->program_len ||
			   strncasecmp(f->program, m->program, m->program_len) != 0))
		return false;
	if (f->host && !naive_host(f->host, m->host))
		return false;
	return !f->msgtext || f->msgtext_regex ||
	       memmem(m->text, m->text_len, f->msgtext, strlen(f->msgtext));
}

static bool naive_recipient(const struct conf_recipient *r, const struct filter_msg *m)
{
	bool in = false;

	for (size_t i = 0; i < r->n_filters && !in; i++)
		in = naive_filter(&r->filters[i], m);
	for (size_t i = 0; i < r->n_excludes && in; i++)
		in = !naive_filter(&r->excludes[i], m);
	return in;
}

static bool has_regex(const struct conf_recipient *r)
{
	for (size_t i = 0; i < r->n_filters; i++)
		if (r->filters[i].msgtext_regex)
			return true;
	for (size_t i = 0; i < r->n_excludes; i++)
		if (r->excludes[i].msgtext_regex)
			return true;
	return false;
}

Test(property, index_equals_naive)
{
	size_t checked = 0;

	srand(12345);
	for (int round = 0; round < 40; round++) {
		struct fx fx = {.c = tc_new()};
		size_t nr = 1 + (size_t)rand() % 60;
		char addr[64], text[256];

		for (size_t r = 0; r < nr; r++) {
			snprintf(addr, sizeof(addr), "r%zu@example.com", r);
			tc_rcpt(fx.c, addr);
			for (int k = rand() % 5; k > 0; k--)
				random_filter(fx.c, r, INC);
			for (int k = rand() % 3 == 0 ? rand() % 3 : 0; k > 0; k--)
				random_filter(fx.c, r, EXC);
		}
		fx_compile(&fx);
		for (int i = 0; i < 500; i++) {
			size_t len = 0;

			for (int k = rand() % 8; k > 0; k--)
				len += snprintf(text + len, sizeof(text) - len, "%s%s",
						len ? " " : "", PICK(words));
			if (rand() % 10 == 0)
				len += snprintf(text + len, sizeof(text) - len, " %03d",
						rand() % 1000);
			struct filter_msg m = {.severity = rand() % 10 - 1,
					       .facility = rand() % 26 - 1,
					       .program = rand() % 10 ? PICK(programs) : NULL,
					       .text = text,
					       .text_len = len,
					       .host = rand() % 8 ? PICK(hosts) : NULL};
			m.program_len = m.program ? strlen(m.program) : 0;
			bool in[64] = {false};

			size_t n;

			who(&fx, m); /* checks that the index and the linear walk agree */
			n = filter_match(fx.set, fx.w, &m, fx.out);
			for (size_t k = 0; k < n; k++)
				in[fx.out[k]] = true;
			for (size_t r = 0; r < nr; r++) {
				if (has_regex(&fx.c->recipients[r]))
					continue; /* the naive evaluator has no regex engine */
				cr_assert_eq(in[r], naive_recipient(&fx.c->recipients[r], &m),
					     "round %d message %d recipient %zu", round, i, r);
				checked++;
			}
		}
		fx_free(&fx);
	}
	cr_assert_gt(checked, 100000, "only %zu comparisons", checked);
}

/* ---- statistics ----------------------------------------------------------- */

struct thread_arg {
	const struct filter_set *set;
	int n;
};

static void *matcher(void *p)
{
	struct thread_arg *a = p;
	struct filter_worker *w = filter_worker_new(a->set);
	size_t out[4];

	for (int i = 0; i < a->n; i++) {
		struct filter_msg m = msg(i % 8, 3, i % 2 ? "sshd" : "cron", "text");

		filter_match(a->set, w, &m, out);
		if (i % 100 == 0)
			filter_stats_add_mailed(a->set, 0, 1, 1000 + i);
	}
	filter_worker_free(w);
	return NULL;
}

Test(stats, counted_from_threads)
{
	struct fx fx = {.c = tc_new()};
	size_t a = tc_rcpt(fx.c, "a@example.com"), b = tc_rcpt(fx.c, "b@example.com");
	pthread_t th[4];
	struct thread_arg arg;
	struct filter_stats st;
	struct filter_received rcv;
	enum { PER = 100001 };

	tc_filter(fx.c, a, INC, CONF_LEVEL_ERRORS, FAC_ANY, NULL, NULL, false); /* sev 0..3 */
	tc_filter(fx.c, b, INC, ANY, FAC_ANY, "sshd", NULL, false);             /* odd i */
	tc_filter(fx.c, b, EXC, 1, FAC_ANY, NULL, NULL, false);                 /* not sev 0,1 */
	fx_compile(&fx);
	arg = (struct thread_arg){fx.set, PER};
	for (int i = 0; i < 4; i++)
		cr_assert_eq(pthread_create(&th[i], NULL, matcher, &arg), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);

	uint64_t acc_a = 0, acc_b = 0;
	for (int i = 0; i < PER; i++) {
		acc_a += i % 8 <= 3;
		acc_b += i % 2 && i % 8 > 1;
	}
	filter_stats_received(fx.set, &rcv);
	cr_assert_eq(rcv.received, 4 * (uint64_t)PER, "each message once, not per recipient");
	cr_assert(rcv.since > 0 && rcv.since <= time(NULL));
	filter_stats_get(fx.set, a, &st);
	cr_assert_eq(st.accepted, 4 * acc_a);
	cr_assert_eq(st.mailed, 4 * (uint64_t)((PER + 99) / 100));
	cr_assert_eq(st.last_mail, 1000 + 100000, "the latest, whatever the order");
	cr_assert(st.since > 0 && st.since <= time(NULL));
	filter_stats_get(fx.set, b, &st);
	cr_assert_eq(st.accepted, 4 * acc_b);
	cr_assert_eq(st.mailed, 0);
	cr_assert_eq(st.last_mail, 0);
	fx_free(&fx);
}

static char *tmpdir(void)
{
	char tmpl[] = "/tmp/test_filters.XXXXXX";
	char *d = mkdtemp(tmpl);

	cr_assert_not_null(d);
	return strdup(d);
}

Test(stats, file_round_trip)
{
	struct fx fx = {.c = tc_new()};
	struct filter_stats_table t;
	struct conf_err err = {0};
	struct filter_stats st;
	char *dir = tmpdir(), path[512];

	tc_filter(fx.c, tc_rcpt(fx.c, "a@example.com"), INC, 3, FAC_ANY, NULL, NULL, false);
	tc_rcpt(fx.c, "b@example.com");
	fx_compile(&fx);
	for (int i = 0; i < 10; i++) {
		struct filter_msg m = msg(i % 8, 3, "p", "t");

		filter_match(fx.set, fx.w, &m, fx.out);
	}
	filter_worker_flush(fx.w);
	filter_stats_add_mailed(fx.set, 0, 2, 1476182200);
	snprintf(path, sizeof(path), "%s/stats", dir);

	cr_assert_eq(filter_stats_load(path, &t, &err), FILTER_ENOENT);
	cr_assert_eq(filter_stats_save(fx.set, path, &err), FILTER_OK, "%s", err.msg);
	cr_assert_eq(filter_stats_load(path, &t, &err), FILTER_OK, "%s", err.msg);
	cr_assert_eq(t.n, 2);
	const struct filter_stats *a = filter_stats_lookup(&t, "a@example.com");
	cr_assert_not_null(a);
	filter_stats_get(fx.set, 0, &st);
	cr_assert_eq(t.received.received, 10);
	cr_assert_eq(t.received.since, st.since);
	cr_assert_eq(a->accepted, 6); /* i%8 <= 3 for i = 0..9: 0,1,2,3,8,9 */
	cr_assert_eq(a->mailed, 2);
	cr_assert_eq(a->since, st.since);
	cr_assert_eq(a->last_mail, 1476182200);
	cr_assert_eq(filter_stats_lookup(&t, "b@example.com")->last_mail, 0);
	cr_assert_null(filter_stats_lookup(&t, "c@example.com"));

	/* a new set (restart, HUP) carries on from the file */
	struct filter_set *set2;
	cr_assert_eq(filter_compile(fx.c, &set2, &err), FILTER_OK);
	t.entries[0].stats.since = 1476182176;
	t.received.since = 1476182100;
	filter_stats_restore(set2, &t);
	filter_stats_get(set2, 0, &st);
	cr_assert_eq(st.accepted, 6);
	cr_assert_eq(st.since, 1476182176);
	cr_assert_eq(st.last_mail, 1476182200);
	{
		struct filter_received rcv;

		filter_stats_received(set2, &rcv);
		cr_assert_eq(rcv.received, 10);
		cr_assert_eq(rcv.since, 1476182100);
	}
	filter_set_free(set2);
	filter_stats_table_free(&t);

	FILE *f = fopen(path, "w");
	fputs("not stats\n", f);
	fclose(f);
	cr_assert_eq(filter_stats_load(path, &t, &err), FILTER_EFORMAT);
	cr_assert_eq(t.n, 0);
	f = fopen(path, "w");
	fputs("logmail-stats 1\na@example.com 1 2\n", f);
	fclose(f);
	cr_assert_eq(filter_stats_load(path, &t, &err), FILTER_EFORMAT);
	cr_assert_eq(err.line, 2);
	f = fopen(path, "w");
	fputs("logmail-stats 2\na@example.com 1 2 3 4\n", f);
	fclose(f);
	cr_assert_eq(filter_stats_load(path, &t, &err), FILTER_EFORMAT, "no received line");
	cr_assert_eq(err.line, 2);
	/* the previous release's file: each recipient repeated the received count */
	f = fopen(path, "w");
	fputs("logmail-stats 1\na@example.com 1327 12 3 1476182176\n"
	      "b@example.com 1327 0 0 1476182176\n",
	      f);
	fclose(f);
	cr_assert_eq(filter_stats_load(path, &t, &err), FILTER_OK, "%s", err.msg);
	cr_assert_eq(t.received.received, 1327);
	cr_assert_eq(t.received.since, 1476182176);
	cr_assert_eq(t.n, 2);
	cr_assert_eq(t.entries[0].stats.accepted, 12);
	cr_assert_eq(t.entries[0].stats.mailed, 3);
	cr_assert_eq(t.entries[0].stats.last_mail, 0);
	filter_stats_table_free(&t);
	unlink(path);
	rmdir(dir);
	free(dir);
	fx_free(&fx);
}

/* An address of any length, or with blanks in a quoted local part, reads
 * back (a 1,000-octet recipient made `show log config` say "statistics
 * unavailable": the reader took at most 511 octets of an address). */
Test(stats, long_and_quoted_addresses)
{
	struct fx fx = {.c = tc_new()};
	struct filter_stats_table t;
	struct conf_err err = {0};
	char *dir = tmpdir(), path[512], longer[1013];
	const struct filter_stats *st;

	memset(longer, 'x', 1000);
	memcpy(longer + 1000, "@example.com", 13);
	tc_filter(fx.c, tc_rcpt(fx.c, longer), INC, 3, FAC_ANY, NULL, NULL, false);
	tc_filter(fx.c, tc_rcpt(fx.c, "\"john  doe 7\"@example.com"), INC, 3, FAC_ANY, NULL, NULL,
		  false);
	fx_compile(&fx);
	filter_stats_add_mailed(fx.set, 0, 2, 1476182200);
	filter_stats_add_mailed(fx.set, 1, 5, 1476182300);
	snprintf(path, sizeof(path), "%s/stats", dir);
	cr_assert_eq(filter_stats_save(fx.set, path, &err), FILTER_OK, "%s", err.msg);
	cr_assert_eq(filter_stats_load(path, &t, &err), FILTER_OK, "%s", err.msg);
	cr_assert_eq(t.n, 2);
	st = filter_stats_lookup(&t, longer);
	cr_assert_not_null(st);
	cr_assert_eq(st->mailed, 2);
	cr_assert_eq(st->last_mail, 1476182200);
	st = filter_stats_lookup(&t, "\"john  doe 7\"@example.com");
	cr_assert_not_null(st);
	cr_assert_eq(st->mailed, 5);
	cr_assert_eq(st->last_mail, 1476182300);
	filter_stats_table_free(&t);
	unlink(path);
	rmdir(dir);
	free(dir);
	fx_free(&fx);
}

Test(stats, carried_to_a_new_configuration)
{
	struct fx fx = {.c = tc_new()};
	struct conf *c2 = tc_new();
	struct filter_set *set2;
	struct conf_err err;
	struct filter_stats st, old;

	tc_filter(fx.c, tc_rcpt(fx.c, "a@example.com"), INC, ANY, FAC_ANY, NULL, NULL, false);
	tc_rcpt(fx.c, "gone@example.com");
	fx_compile(&fx);
	for (int i = 0; i < 5; i++) {
		struct filter_msg m = msg(6, 3, "p", "t");

		filter_match(fx.set, fx.w, &m, fx.out);
	}
	filter_worker_flush(fx.w);
	filter_stats_add_mailed(fx.set, 0, 1, 1476182200);
	tc_rcpt(c2, "new@example.com");
	tc_filter(c2, tc_rcpt(c2, "a@example.com"), INC, 3, FAC_ANY, NULL, NULL, false);
	cr_assert_eq(filter_compile(c2, &set2, &err), FILTER_OK);
	filter_stats_carry(set2, fx.set);
	filter_stats_get(fx.set, 0, &old);
	filter_stats_get(set2, 1, &st);
	cr_assert_eq(st.accepted, 5);
	cr_assert_eq(st.mailed, 1);
	cr_assert_eq(st.since, old.since);
	cr_assert_eq(st.last_mail, 1476182200);
	filter_stats_get(set2, 0, &st);
	cr_assert_eq(st.accepted + st.mailed + (uint64_t)st.last_mail, 0);
	{
		struct filter_received rcv;

		filter_stats_received(set2, &rcv);
		cr_assert_eq(rcv.received, 5, "received is the module's, carried whole");
	}
	filter_set_free(set2);
	tc_free(c2);
	fx_free(&fx);
}

/* ---- show log config ------------------------------------------------------ */

/* The guide's example, its Statistics line as the guide prints it, then
 * logmail's own line. */
static const char guide_block[] =
    "Email admin@example.com:\n"
    "Time offset .... +0:00\n"
    "Offset type .... Local\n"
    "Digest window .. 30 s\n"
    "Max messages ... 100\n"
    "Max bytes ...... 65536\n"
    "Max interval ... 3600 s\n"
    "Fold repeats ... on\n"
    "Urgent level ... critical\n"
    "Rate limit ..... 20 per hour\n"
    "Subject ........ default\n"
    "Filters:\n"
    "  1 Level ........ emergencies\n"
    "    Program ...... any\n"
    "    Facility ..... any\n"
    "    Message text . any\n"
    "  Statistics ..... 1327 messages received, 821 accepted by filter (2016 Oct 11 "
    "10:30:00)\n"
    "  Mailed ......... 795 messages (last mail 2016 Oct 11 10:36:16)\n";

static char *render(const struct conf *c, const struct filter_stats_table *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	cr_assert_eq(cli_show_log_config(c, t, out), 0);
	fclose(out);
	return buf;
}

Test(show, guide_example)
{
	struct conf *c = tc_new();
	struct filter_stats_entry e = {"admin@example.com", {821, 795, 1476181800, 1476182176}};
	struct filter_stats_table t = {&e, 1, {1327, 1476181800}};
	char *s;

	setenv("TZ", "UTC", 1);
	tzset();
	tc_filter(c, tc_rcpt(c, "admin@example.com"), INC, CONF_LEVEL_EMERGENCIES, FAC_ANY, NULL,
		  NULL, false);
	s = render(c, &t);
	cr_assert_str_eq(s, guide_block);
	free(s);
	tc_free(c);
}

Test(show, everything_else)
{
	struct conf *c = tc_new();
	size_t r = tc_rcpt(c, "ops@example.com");
	char *s;

	c->recipients[r].time_type = CONF_TIME_UTC;
	c->recipients[r].offset_min = -(5 * 60 + 30);
	c->recipients[r].digest =
	    (struct conf_digest){120, 50,    1000,  ANY,
						 0,   strdup("%N: \"logs\""), false, 0};
	tc_filter(c, r, INC, CONF_LEVEL_WARNINGS, FAC_ANY, "dhcp", "pool exhausted", false);
	tc_filter(c, r, INC, ANY, LOCAL0, NULL, "p[0-9]+", true);
	tc_filter(c, r, EXC, ANY, FAC_ANY, "cron", NULL, false);
	tc_host(c, r, EXC, "db*");
	tc_rcpt(c, "idle@example.com");
	c->recipients[1].offset_min = 120;
	s = render(c, NULL);
	cr_assert_str_eq(s, "Email ops@example.com:\n"
			    "Time offset .... -5:30\n"
			    "Offset type .... UTC\n"
			    "Digest window .. 120 s\n"
			    "Max messages ... 50\n"
			    "Max bytes ...... 1000\n"
			    "Max interval ... no pacing\n"
			    "Fold repeats ... off\n"
			    "Urgent level ... none\n"
			    "Rate limit ..... unlimited\n"
			    "Subject ........ \"%N: \\\"logs\\\"\"\n"
			    "Filters:\n"
			    "  1 Level ........ warnings\n"
			    "    Program ...... dhcp\n"
			    "    Facility ..... any\n"
			    "    Message text . \"pool exhausted\"\n"
			    "  2 Level ........ any\n"
			    "    Program ...... any\n"
			    "    Facility ..... local0\n"
			    "    Message text . regex \"p[0-9]+\"\n"
			    "Exclude filters:\n"
			    "  1 Level ........ any\n"
			    "    Program ...... cron\n"
			    "    Facility ..... any\n"
			    "    Host ......... db*\n"
			    "    Message text . any\n"
			    "  Statistics ..... 0 messages received, 0 accepted by filter\n"
			    "  Mailed ......... 0 messages\n"
			    "Email idle@example.com:\n"
			    "Time offset .... +2:00\n"
			    "Offset type .... Local\n"
			    "Digest window .. 30 s\n"
			    "Max messages ... 100\n"
			    "Max bytes ...... 65536\n"
			    "Max interval ... 3600 s\n"
			    "Fold repeats ... on\n"
			    "Urgent level ... critical\n"
			    "Rate limit ..... 20 per hour\n"
			    "Subject ........ default\n"
			    "Filters:\n"
			    "  (none: no messages will be sent)\n"
			    "  Statistics ..... 0 messages received, 0 accepted by filter\n"
			    "  Mailed ......... 0 messages\n");
	free(s);
	tc_free(c);
}

/* A logcheck filter: its rules counted per directory, the rule that is left
 * out and the missing directory named with file:line. */
Test(show, logcheck)
{
	char dir[] = "/tmp/logmail-show.XXXXXX", path[128], *s, *want;
	struct conf *c = tc_new();
	size_t r = tc_rcpt(c, "ops@example.com");
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	for (const char *const *d =
		 (const char *const[]){"cracking.d", "violations.d", "violations.ignore.d",
				       "ignore.d.paranoid", NULL};
	     *d; d++) {
		snprintf(path, sizeof(path), "%s/%s", dir, *d);
		cr_assert_eq(mkdir(path, 0755), 0);
	}
	snprintf(path, sizeof(path), "%s/ignore.d.paranoid/app", dir);
	cr_assert_not_null(f = fopen(path, "w"));
	fputs("# app\n^.* app: fine$\n^.* app: (broken$\n", f);
	fclose(f);
	c->recipients[r].logcheck = CONF_LOGCHECK_PARANOID;
	c->recipients[r].logcheck_rules = strdup(dir);
	s = render(c, NULL);
	cr_assert(
	    asprintf(&want,
		     "Filters:\n"
		     "  1 Logcheck ..... paranoid, rules in %s\n"
		     "    cracking.d ............ 0 files, 0 rules\n"
		     "    cracking.ignore.d ..... missing\n"
		     "    violations.d .......... 0 files, 0 rules\n"
		     "    violations.ignore.d ... 0 files, 0 rules\n"
		     "    ignore.d.paranoid ..... 1 files, 1 rules\n"
		     "    error: %s/cracking.ignore.d: No such file or directory\n"
		     "    error: %s/ignore.d.paranoid/app:3: does not compile: unmatched ( or "
		     "\\(; not loaded\n"
		     "  Statistics ..... 0 messages received, 0 accepted by filter\n"
		     "  Mailed ......... 0 messages\n",
		     dir, dir, dir) > 0);
	cr_assert_str_eq(strstr(s, "Filters:"), want);
	free(want);
	free(s);
	tc_free(c);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	cr_assert_eq(system(path), 0);
}

/* The command itself: reads <spool>/stats written by filter_stats_save. */
Test(show, command_reads_spool_stats)
{
	struct fx fx = {.c = tc_new()};
	struct conf_err err = {0};
	char *dir = tmpdir(), path[512], *out = NULL, *errs = NULL;
	size_t olen = 0, elen = 0;
	struct cli cli = {0};

	setenv("TZ", "UTC", 1);
	tzset();
	tc_filter(fx.c, tc_rcpt(fx.c, "admin@example.com"), INC, CONF_LEVEL_EMERGENCIES, FAC_ANY,
		  NULL, NULL, false);
	fx_compile(&fx);
	struct filter_stats_entry e = {"admin@example.com", {821, 795, 1476181800, 1476182176}};
	struct filter_stats_table t = {&e, 1, {1327, 1476181800}};
	filter_stats_restore(fx.set, &t);
	snprintf(path, sizeof(path), "%s/stats", dir);
	cr_assert_eq(filter_stats_save(fx.set, path, &err), FILTER_OK);

	cli.conf = fx.c;
	cli.spool_dir = dir;
	cli.out = open_memstream(&out, &olen);
	cli.err = open_memstream(&errs, &elen);
	cr_assert_eq(cmd_show_log_config(&cli, NULL), EX_OK);
	fclose(cli.out);
	fclose(cli.err);
	cr_assert_str_eq(out, guide_block);
	cr_assert_str_eq(errs, "");
	free(out);
	free(errs);
	unlink(path);
	rmdir(dir);
	free(dir);
	fx_free(&fx);
}
