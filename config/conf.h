/*
 * config/conf.h: the logmail configuration, shared by the logmail command
 * front end and the omlogmail rsyslog module.
 *
 * The configuration is the list of commands that `show running-config`
 * prints, one per line, `!` starting a comment.  The same parser reads the
 * file and the commands typed at the CLI (conf_exec), so there is one grammar.
 *
 * Ownership: a struct conf is made by conf_new and freed by conf_free
 * (conf_free(NULL) is safe); every string inside it is owned by it.  Once
 * loaded, consumers (filters/, digest/, plugin/) take it as `const struct
 * conf *` and never change it; only the CLI edits it through conf_exec.
 *
 * Errors: functions return an enum conf_status (0 is success) and fill a
 * caller-owned struct conf_err with the place and one readable line.
 */
#ifndef LOGMAIL_CONF_H
#define LOGMAIL_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CONF_DEFAULT_PATH "/etc/logmail/logmail.conf"
#define CONF_PATH_ENV "LOGMAIL_CONFIG"

/* Syslog severities, most severe first (RFC 5424 numbering). */
enum conf_level {
	CONF_LEVEL_ANY = -1,
	CONF_LEVEL_EMERGENCIES = 0,
	CONF_LEVEL_ALERTS,
	CONF_LEVEL_CRITICAL,
	CONF_LEVEL_ERRORS,
	CONF_LEVEL_WARNINGS,
	CONF_LEVEL_NOTICES,
	CONF_LEVEL_INFORMATIONAL,
	CONF_LEVEL_DEBUGGING,
};

#define CONF_FACILITY_ANY (-1) /* else the syslog number: kern 0 ... local7 23 */

/* `log email ADDR logcheck LEVEL`: what logcheck reports at that level. */
enum conf_logcheck {
	CONF_LOGCHECK_NONE = 0,
	CONF_LOGCHECK_PARANOID,    /* ignore.d.paranoid */
	CONF_LOGCHECK_SERVER,      /* + ignore.d.server */
	CONF_LOGCHECK_WORKSTATION, /* + ignore.d.workstation */
};

enum conf_tls { CONF_TLS_NONE, CONF_TLS_STARTTLS, CONF_TLS_SMTPS };
enum conf_auth { CONF_AUTH_NONE, CONF_AUTH_CRAMMD5, CONF_AUTH_LOGIN, CONF_AUTH_PLAIN };
enum conf_time { CONF_TIME_LOCAL, CONF_TIME_UTC };

/* One `log email ADDR [level L] [program P] [facility F] [msgtext [regex] "T"]`:
 * every criterion given must hold. */
struct conf_filter {
	int level;          /* CONF_LEVEL_ANY, or: severity <= level matches */
	int facility;       /* CONF_FACILITY_ANY or a syslog facility number */
	char *program;      /* NULL: any; else compared with programname */
	char *msgtext;      /* NULL: any; else a case-sensitive substring... */
	bool msgtext_regex; /* ...or, when set, a PCRE2 pattern */
};

/* Digest settings of one recipient (see digest/).  Defaults in conf.c. */
struct conf_digest {
	unsigned window_sec;    /* `log email A digest window S` */
	unsigned max_messages;  /* `log email A digest max-messages N` */
	unsigned max_bytes;     /* `log email A digest max-bytes N` */
	int urgent_level;       /* `log email A urgent level L`; CONF_LEVEL_ANY: none */
	unsigned rate_per_hour; /* `log email A rate-limit N`; 0: unlimited */
	char *subject;          /* `log email A subject "T"`; NULL: default */
};

struct conf_recipient {
	char *address;
	struct conf_filter *filters; /* in the order they were added */
	size_t n_filters;
	struct conf_filter *excludes; /* `log email A exclude ...` */
	size_t n_excludes;
	enum conf_time time_type; /* `log email A time {local|utc} [+|-]H[:MM]` */
	int offset_min;           /* minutes east, -1440 < offset_min < 1440 */
	struct conf_digest digest;
	/* `log email A logcheck LEVEL [rules DIR]`: one more filter, which holds
	 * for what logcheck would report at LEVEL with the rules in DIR (see
	 * filters/logcheck.h) */
	int logcheck;         /* enum conf_logcheck; CONF_LOGCHECK_NONE: none */
	char *logcheck_rules; /* DIR as given; NULL: /etc/logcheck */
};

struct conf {
	char *server;         /* `mail smtpserver NAME`; NULL: none */
	unsigned port;        /* `mail smtpserver port N`; 0: default by TLS mode */
	enum conf_tls tls;    /* `mail smtpserver tls {starttls|smtps}` */
	bool tls_verify;      /* default true; `no mail smtpserver tls verify` */
	char *tls_ca_file;    /* `mail smtpserver tls ca-file PATH`; NULL: system store */
	enum conf_auth auth;  /* `mail smtpserver authentication M username U password [8] P` */
	char *username;
	char *password8;      /* the stored form: base64 of the AES-256-GCM ciphertext */
	bool auth_cleartext;  /* `mail smtpserver authentication allow-cleartext` */
	unsigned timeout_sec; /* `mail smtpserver timeout S`; 0: RFC 5321 4.5.3.2 values */
	char *from;           /* `mail from ADDR` */
	char *serial;         /* `mail serial-number S`, for %S; NULL: DMI or machine-id */
	struct conf_recipient *recipients; /* in the order they were first named */
	size_t n_recipients;

	char *key_path; /* not configuration: where the password 8 key lives */
};

enum conf_status {
	CONF_OK = 0,
	CONF_ESYNTAX,   /* unknown or malformed command, bad value */
	CONF_ESTATE,    /* refused in this state (e.g. auth still configured) */
	CONF_ENOTFOUND, /* `no log email A <criteria>` names no such filter */
	CONF_EIO,       /* reading or writing a file failed */
	CONF_ESECRET,   /* key file or password 8 could not be used */
	CONF_ENOMEM,
};

struct conf_err {
	char file[256];   /* "" when not from a file: then "<command>" */
	unsigned line;    /* 0 when unknown */
	unsigned column;  /* 1-based, 0 when unknown */
	char msg[512];    /* one line, no trailing newline, never a password */
};

struct conf *conf_new(void);
void conf_free(struct conf *c);

/* The key file that protects `password 8`: by default `logmail.key` in the
 * directory of the configuration file.  Created 0600 on first use. */
int conf_set_key_path(struct conf *c, const char *path);

/* Read a file of configuration commands into c.  A missing file is an empty
 * configuration.  Stops at the first bad line: err names file, line, column. */
enum conf_status conf_load(struct conf *c, const char *path, struct conf_err *err);

/* Run one configuration-mode command (or a comment or blank line) against c.
 * file/line only label errors.  On error c is unchanged. */
enum conf_status conf_exec(struct conf *c, const char *line, const char *file,
			   unsigned lineno, struct conf_err *err);

/* Print the configuration in `show running-config` form; conf_load of the
 * output gives back the same configuration. */
int conf_write(const struct conf *c, FILE *out);

/* Write c to path atomically: temporary file, fsync, rename, mode 0600. */
enum conf_status conf_save(const struct conf *c, const char *path, struct conf_err *err);

/* Decrypt the configured password into buf (NUL-terminated).  The caller
 * explicit_bzero()s buf after use. */
enum conf_status conf_password(const struct conf *c, char *buf, size_t size,
			       struct conf_err *err);

/* The port in effect: the configured one, else 25, 587 or 465 by TLS mode. */
unsigned conf_effective_port(const struct conf *c);

/* Names <-> numbers; parsers return -1 (CONF_LEVEL_ANY) for an unknown name. */
const char *conf_level_name(int level);
int conf_level_parse(const char *name);
const char *conf_facility_name(int facility);
int conf_facility_parse(const char *name);
/* "paranoid", "server", "workstation"; NULL / CONF_LOGCHECK_NONE otherwise. */
const char *conf_logcheck_name(int level);
int conf_logcheck_parse(const char *name);

/* s in double quotes, `"` and `\` escaped: the form conf_load reads back. */
void conf_write_quoted(FILE *out, const char *s);

/* "file:line:col: msg" in buf. */
void conf_err_format(const struct conf_err *err, char *buf, size_t size);

/* Additions (config/ owner).
 *
 * Notes on the functions above, as implemented:
 * - conf_exec runs the line on a copy and swaps it in on success, so any
 *   pointer into c (a struct conf_recipient *, a string) is invalid after
 *   a successful conf_exec or conf_load: look it up again.
 * - conf_load sets the key path (absolute, beside the file) when none is
 *   set, also for a missing file; it refuses (CONF_ESECRET) a file that holds
 *   a password and is accessible by group or others (any 077 bit, as msmtp).
 * - The key file is refused likewise; a plain `password P` without a key
 *   path is CONF_ESECRET.
 * - Quoting: inside "...", \" is a quote and \\ a backslash; any other
 *   backslash is kept (a regex `\d` needs no doubling).  A quoted word is
 *   never a keyword.
 * - `no log email A urgent` sets urgent_level to CONF_LEVEL_ANY (nothing is
 *   urgent); every other `no` setting goes back to its default.
 */

/* A deep copy of c (key_path included); NULL on ENOMEM. */
struct conf *conf_dup(const struct conf *c);

/* Same configuration (key_path, which is not configuration, is ignored). */
bool conf_equal(const struct conf *a, const struct conf *b);

/* The recipient named address (exact, case-sensitive match), or NULL. */
const struct conf_recipient *conf_recipient_find(const struct conf *c, const char *address);

/* Defaults of a recipient's digest settings (struct conf_digest). */
#define CONF_DEFAULT_WINDOW_SEC    30
#define CONF_DEFAULT_MAX_MESSAGES  100
#define CONF_DEFAULT_MAX_BYTES     65536
#define CONF_DEFAULT_URGENT_LEVEL  CONF_LEVEL_CRITICAL
#define CONF_DEFAULT_RATE_PER_HOUR 20

#endif
