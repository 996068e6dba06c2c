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
#include <sys/stat.h>
#include <time.h>

#define CONF_DEFAULT_PATH "/etc/logmail/logmail.conf"
#define CONF_PATH_ENV     "LOGMAIL_CONFIG"

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
enum conf_auth {
	CONF_AUTH_NONE,
	CONF_AUTH_CRAMMD5,
	CONF_AUTH_LOGIN,
	CONF_AUTH_PLAIN,
	CONF_AUTH_XOAUTH2,     /* OAuth 2.0 bearer tokens: token_command */
	CONF_AUTH_OAUTHBEARER, /* RFC 7628 */
};
enum conf_time { CONF_TIME_LOCAL, CONF_TIME_UTC };

/* One `log email ADDR [level L] [program P] [facility F] [host H]
 * [msgtext [regex] "T"]`: every criterion given must hold. */
struct conf_filter {
	int level;          /* CONF_LEVEL_ANY, or: severity <= level matches */
	int facility;       /* CONF_FACILITY_ANY or a syslog facility number */
	char *program;      /* NULL: any; else compared with programname */
	char *host;         /* NULL: any; else a host name or fnmatch glob, in lower
			     * case (host names are case-insensitive) */
	char *msgtext;      /* NULL: any; else a case-sensitive substring... */
	bool msgtext_regex; /* ...or, when set, a PCRE2 pattern */
};

/* Digest settings of one recipient (see digest/).  Defaults: the
 * CONF_DEFAULT_* below.  `no log email A SETTING` sets one back to its
 * default, except `no log email A urgent`, which sets urgent_level to
 * CONF_LEVEL_ANY: nothing is urgent. */
struct conf_digest {
	unsigned window_sec;    /* `log email A digest window S` */
	unsigned max_messages;  /* `log email A digest max-messages N` */
	unsigned max_bytes;     /* `log email A digest max-bytes N` */
	int urgent_level;       /* `log email A urgent level L`; CONF_LEVEL_ANY: none */
	unsigned rate_per_hour; /* `log email A rate-limit N`; 0: unlimited */
	char *subject;          /* `log email A subject "T"`; NULL: default */
	bool fold;              /* `log email A digest fold {on|off}`: fold repeated lines */
	unsigned max_interval_sec; /* `log email A digest max-interval S`: the longest
				    * a storm's paced mail waits; 0: no pacing */
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
	 * filters/filter.h) */
	int logcheck;         /* enum conf_logcheck; CONF_LOGCHECK_NONE: none */
	char *logcheck_rules; /* DIR as given; NULL: /etc/logcheck */
};

struct conf {
	char *server;        /* `mail smtpserver NAME`; NULL: none */
	unsigned port;       /* `mail smtpserver port N`; 0: default by TLS mode */
	enum conf_tls tls;   /* `mail smtpserver tls {starttls|smtps}` */
	bool tls_verify;     /* default true; `no mail smtpserver tls verify` */
	char *tls_ca_file;   /* `mail smtpserver tls ca-file PATH`; NULL: system store */
	enum conf_auth auth; /* `mail smtpserver authentication M username U password [8] P` */
	char *username;
	char *password8;      /* the stored form: base64 of the AES-256-GCM ciphertext */
	/* `mail smtpserver authentication {xoauth2|oauthbearer} username U
	 * token-command "CMD"`: run through /bin/sh, its first line of output
	 * is the access token (password8 is then NULL) */
	char *token_command;
	/* `mail smtpserver oauth token-url URL client-id ID [client-secret [8] S]
	 * [scope SCOPE] [refresh-token [8] T] [ca-file FILE]`: the token from
	 * the refresh-token grant when refresh8 is set, else the
	 * client-credentials grant (RFC 6749 6, 4.4), when token_command is
	 * NULL.  Secrets stored as password 8 is. */
	struct conf_oauth {
		char *token_url;   /* NULL: not configured */
		char *client_id;
		char *secret8;     /* encrypted client secret; NULL: none */
		char *scope;       /* NULL: none */
		char *refresh8;    /* encrypted refresh token; NULL: none */
		char *ca_file;     /* the endpoint's CA; NULL: the system store */
	} oauth;
	bool auth_cleartext;  /* `mail smtpserver authentication allow-cleartext` */
	unsigned timeout_sec; /* `mail smtpserver timeout S`; 0: RFC 5321 4.5.3.2 values */
	char *helo;           /* `mail smtpserver helo NAME`: EHLO, Message-IDs, default
			       * sender; NULL: the FQDN, else an address literal */
	char *from;           /* `mail from ADDR` */
	char *serial;         /* `mail serial-number S`, for %S; NULL: DMI or machine-id */
	struct conf_recipient *recipients; /* in the order they were first named */
	size_t n_recipients;

	char *key_path; /* not configuration: where the password 8 key lives */
	/* not configuration: the file's comment blocks, so that a save keeps
	 * them where they stood (conf_save) */
	struct conf_note *notes;
	size_t n_notes;
};

/* A comment block of the file as it was read (its `!` lines and the blank
 * lines among them, each ending in '\n') and the command line it stood
 * before, in `show running-config` form (NULL: the end of the file, or a
 * line that cannot be put in that form alone).  conf_save writes the
 * block before that line again, or at the end when the line is gone. */
struct conf_note {
	char *text;
	char *anchor;
};

enum conf_status {
	CONF_OK = 0,
	CONF_ESYNTAX,   /* unknown or malformed command, bad value */
	CONF_ESTATE,    /* refused in this state (e.g. auth still configured) */
	CONF_ENOTFOUND, /* `no log email A <criteria>` names no such filter */
	CONF_EIO,       /* reading or writing a file failed */
	CONF_ESECRET,   /* key file or password 8 could not be used, or the
			   file is not trusted (owner, mode: conf_load) */
	CONF_ENOMEM,
	CONF_ECHANGED, /* the file changed since it was read: nothing saved */
};

struct conf_err {
	char file[256];  /* "" when not from a file: then "<command>" */
	unsigned line;   /* 0 when unknown */
	unsigned column; /* 1-based, 0 when unknown */
	char msg[512];   /* one line, no trailing newline, never a password */
	int kind;        /* enum conf_match_kind when the grammar refused the
			    line (the shell shows those the AWP way), else 0 */
};

struct conf *conf_new(void);
void conf_free(struct conf *c);
/* Free (wiping the secrets) and zero o: `no mail smtpserver oauth`. */
void conf_oauth_clear(struct conf_oauth *o);

/* The key file that protects `password 8` (0 or -1 on ENOMEM): by default
 * `logmail.key` in the directory of the configuration file (conf_load sets
 * it).  Created 0600 on the first encryption.  A key file that is not a
 * regular file, is a symbolic link, is accessible by group or others, or
 * belongs to another user than the running one or root is refused
 * (CONF_ESECRET), as is a password to encrypt or decrypt while no key path
 * is set. */
int conf_set_key_path(struct conf *c, const char *path);

/* Read a file of configuration commands into c, all or nothing: on error c
 * is unchanged.  A missing file is an empty configuration.  The key path
 * is set (absolute, beside the file) when none is, also for a missing
 * file.  Refused (CONF_ESECRET, err names the owner or mode and the
 * chown/chmod that fixes it): any file owned by another user than the
 * running one or root, or writable by group or others (util/trust.h), and
 * a file that holds a password and is accessible by group or others (any
 * 077 bit, as msmtp).  Stops at the first bad line: err names file, line,
 * column.  The file's comment blocks are kept in c->notes.  On success
 * every pointer into c (a struct conf_recipient *, a string) is invalid:
 * look it up again. */
enum conf_status conf_load(struct conf *c, const char *path, struct conf_err *err);

/* Run one configuration-mode command (or a comment or blank line) against c.
 * file/line only label errors.  The line runs on a copy that is swapped in
 * on success: on error c is unchanged, and on success every pointer into c
 * is invalid, as after conf_load. */
enum conf_status conf_exec(struct conf *c, const char *line, const char *file, unsigned lineno,
			   struct conf_err *err);

/* Print the configuration in `show running-config` form; conf_load of the
 * output gives back the same configuration. */
int conf_write(const struct conf *c, FILE *out);

/* Write c to path atomically (util/replace.h: temporary file, fsync,
 * rename, fsync of the directory), mode 0600.  A symbolic link at path is
 * saved through to its final target and stays a link; a dangling link, or
 * one to something other than a regular file, is refused (CONF_EIO, err
 * says which) and nothing changes. */
enum conf_status conf_save(const struct conf *c, const char *path, struct conf_err *err);

/* ---- One file, many editors (config/file.c) ----------------------------------
 *
 * The file is the truth: a long-lived editor (the shell) re-reads it when it
 * changed before each command, and every change is a read-modify-save under
 * the lock, so two editors at once lose nothing.  Readers (rsyslogd on HUP,
 * `show` commands) never lock: saves are atomic renames. */

/* What the file was when it was read; any difference means it changed. */
struct conf_stamp {
	bool exists;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

/* conf_load that also records the file's stamp (exists false: no file);
 * the stamp is zeroed on error. */
enum conf_status conf_load_stamped(struct conf *c, const char *path, struct conf_stamp *stamp,
				   struct conf_err *err);

/* path's stamp as it is now (exists false when it cannot be stat'ed). */
void conf_stamp_get(const char *path, struct conf_stamp *stamp);

/* The same file, as it was? */
bool conf_stamp_equal(const struct conf_stamp *a, const struct conf_stamp *b);

/* Has path changed (appeared, vanished, replaced, written) since stamp? */
bool conf_changed(const char *path, const struct conf_stamp *stamp);

/* Take the editors' lock: flock(LOCK_EX) on PATH.lock, created 0600 beside
 * the file (beside the final target when path is a symbolic link, so that
 * editors through the link and through the target share it; a lock file
 * that is itself a symbolic link is refused, CONF_EIO).  It is held for a
 * read-modify-save, never while waiting for a person, so it waits.  *fd is
 * -1 on error, else released by conf_unlock (conf_unlock(-1) does
 * nothing). */
enum conf_status conf_lock(const char *path, int *fd, struct conf_err *err);
void conf_unlock(int fd);

/* conf_save under the lock: refused with CONF_ECHANGED (nothing written)
 * when path is no longer as *stamp says; on success *stamp is the file
 * written. */
enum conf_status conf_save_stamped(const struct conf *c, const char *path, struct conf_stamp *stamp,
				   struct conf_err *err);

/* Replace the stored OAuth refresh token of the file at path (a rotation,
 * RFC 6749 6): read, change and save under the editors' lock.  Nothing is
 * changed when the file has no refresh token any more. */
enum conf_status conf_store_refresh_token(const char *path, const char *refresh,
					  struct conf_err *err);

/* Decrypt the configured password into buf (NUL-terminated).  The caller
 * explicit_bzero()s buf after use. */
enum conf_status conf_password(const struct conf *c, char *buf, size_t size, struct conf_err *err);

/* The same for another secret of c stored as password 8 is (b64, e.g.
 * c->oauth.refresh8), and the reverse: plain encrypted with c's key into
 * *b64 (malloc'd). */
enum conf_status conf_secret_decrypt(const struct conf *c, const char *b64, char *buf, size_t size,
				     struct conf_err *err);
enum conf_status conf_secret_store(const struct conf *c, const char *plain, char **b64,
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
#define CONF_DEFAULT_FOLD          true
#define CONF_DEFAULT_MAX_INTERVAL  3600

/* ---- The command tree (config/words.c, declare.c, vtypes.c, cmdtree.c) ---------
 *
 * Every command logmail knows is declared once, as a struct conf_cmd: its
 * syntax in the AlliedWare Plus notation and one help line per word.  The
 * parser, `?` help, Tab completion, abbreviations, the errors and the
 * command list of logmail(1) all come from these declarations.  The
 * configuration commands are conf_commands (config/parse.c, with their
 * handlers there and in parse_log.c); the exec commands are the CLI's
 * (cli/commands.c).
 *
 * The notation:
 *   keyword          lower case, digits and '-': matched as typed or by any
 *                    prefix that no other keyword at that place shares
 *   WORD, LINE ...   an upper-case placeholder: a value of that type (the
 *                    types are listed in vtypes.c: WORD, LINE, FILE, HOST,
 *                    ADDRESS, PASSWORD, LEVEL, FACILITY, OFFSET; REGEX and
 *                    COMMAND take the rest of the line)
 *   <1-65535>        a number in that range
 *   {a|b c|d}        exactly one of the alternatives
 *   [a] [b c]        optional; a run of optional groups may come in any
 *                    order, each at most once (the filters of `log email`)
 *   WORD$name        the value is found by conf_arg(args, "name"); a keyword
 *                    is found under its own text ("8", "smtps") unless a
 *                    value has that name
 * help holds one line per keyword and placeholder, in the order they appear
 * in syntax (each alternative counts), each ended by '\n'.
 *
 * A quoted word ("a b") is always a value, never a keyword.  Between two
 * equally good readings the one with more words typed as keywords wins
 * (`mail smtpserver port` is incomplete, not a server named "port"); two
 * readings that differ only in which keyword an abbreviation stands for are
 * ambiguous.
 */
#define CONF_MAX_WORDS 32

struct conf_word {
	const char *text; /* unescaped, NUL-terminated */
	unsigned col;     /* 1-based column of its first character in the line */
	unsigned end;     /* the column just after it */
	bool quoted;
};

/* A command line split into words (blanks separate, "double quotes" group;
 * inside quotes \" is a quote and \\ a backslash, any other backslash
 * stays, so a regex `\d` needs no doubling).  conf_line_free wipes the words: a line may hold a password. */
struct conf_line {
	const char *text; /* the line as given (borrowed) */
	char *buf;        /* the words, unescaped in place */
	size_t len;
	struct conf_word w[CONF_MAX_WORDS];
	size_t n;
};

/* Split line (a trailing CR/LF is ignored).  With partial set, a quote left
 * open at the end makes a last word instead of an error (for `?` and Tab).
 * On error err has the column and the message; l needs conf_line_free in
 * every case. */
enum conf_status conf_line_split(struct conf_line *l, const char *line, bool partial,
				 struct conf_err *err);
void conf_line_free(struct conf_line *l);

#define CONF_CMD_SHOW   0x1u /* output modifiers may follow (| include ...) */
#define CONF_CMD_HIDDEN 0x2u /* accepted, but not listed by `?` or logmail(1) */

struct conf_cmd {
	const char *syntax;
	const char *help;
	unsigned flags;
};

/* A table of commands: an array whose elements start with a struct conf_cmd
 * (each front end adds its handler after it). */
struct conf_table {
	const void *cmds;
	size_t n;
	size_t size; /* of one element */
};
#define CONF_TABLE(a)                                                                              \
	{                                                                                          \
		(a), sizeof(a) / sizeof((a)[0]), sizeof((a)[0])                                    \
	}

const struct conf_cmd *conf_table_cmd(const struct conf_table *t, size_t i);

/* The configuration commands (config/parse.c). */
extern const struct conf_table conf_commands;

/* What the words of a matched command stand for. */
struct conf_args {
	const struct conf_line *line;
	size_t n; /* words matched */
	struct {
		const char *name; /* not NUL-terminated: nlen */
		unsigned char nlen;
		bool rest;  /* a REGEX: this word and all after it */
		bool value; /* a placeholder's value, not a keyword */
	} w[CONF_MAX_WORDS];
};

/* The word bound to name: a value named $name, else a keyword of that
 * text (so `level LEVEL$level` gives the level); NULL when the line did
 * not give it. */
const struct conf_word *conf_arg(const struct conf_args *a, const char *name);

/* The text of a REGEX (rest of the line) bound to name, malloc'd; NULL when
 * absent or out of memory. */
char *conf_arg_rest(const struct conf_args *a, const char *name);

enum conf_match_kind {
	CONF_MATCH_OK = 0,
	CONF_MATCH_INVALID,    /* a word does not fit: col is where */
	CONF_MATCH_INCOMPLETE, /* more words are needed */
	CONF_MATCH_AMBIGUOUS,  /* an abbreviation stands for several keywords */
};

struct conf_match {
	enum conf_match_kind kind;
	size_t table, index; /* CONF_MATCH_OK: tables[table], command index */
	struct conf_args args;
	bool secret;   /* a word was read as a password (not for history) */
	unsigned col;  /* the errors: the column of the word at fault */
	char msg[512]; /* the errors, descriptive: "unknown word ..." */
};

/* Match the first nwords words of l against the tables. */
void conf_match(const struct conf_table *tables, size_t ntables, const struct conf_line *l,
		size_t nwords, struct conf_match *m);

/* What may come after the first nwords words of l: `?` and Tab. */
struct conf_choice {
	char word[64];    /* "smtpserver", "<1-65535>", "WORD", "errors" */
	const char *help; /* not NUL-terminated: hlen */
	size_t hlen;
	bool keyword; /* completes (a keyword or a value's named choice) */
};

struct conf_choices {
	struct conf_choice *v; /* sorted: values first, then keywords */
	size_t n;
	bool cr;   /* the words so far are a complete command (`<cr>`) */
	bool show; /* ... one that takes output modifiers (`|`) */
	bool secret;
};

/* 0 with *out filled (free with conf_choices_free), or -1 with m telling
 * why the words so far are wrong (or out of memory: CONF_MATCH_INVALID,
 * col 0). */
int conf_choices(const struct conf_table *tables, size_t ntables, const struct conf_line *l,
		 size_t nwords, struct conf_choices *out, struct conf_match *m);
void conf_choices_free(struct conf_choices *c);

/* The syntax without $names, as `?` and logmail(1) show it. */
void conf_cmd_syntax(const struct conf_cmd *c, char *buf, size_t size);

/* 0 when c's syntax compiles and its help has a line per word; else -1
 * and why (for the tests that check every table). */
int conf_cmd_check(const struct conf_cmd *c, char *why, size_t size);

/* Is s a keyword of a configuration command, or a prefix of one?  (The
 * writer quotes such values so that they read back as values.) */
bool conf_is_keyword_prefix(const char *s);

#endif
