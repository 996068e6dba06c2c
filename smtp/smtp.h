/*
 * smtp/smtp.h: everything logmail needs to get a mail to a server:
 *   - the message composer (RFC 5322) and the subject substitutions,
 *   - the SMTP client (RFC 5321, STARTTLS, SMTPS, AUTH PLAIN/LOGIN/CRAM-MD5 and
 *     the OAuth 2.0 bearer-token mechanisms XOAUTH2 and OAUTHBEARER),
 *   - where an OAuth access token comes from (a command, oauth.c),
 *   - the spool (a persistent queue of composed mails) and its delivery.
 *
 * This library knows nothing of the configuration file, the filters or
 * rsyslog: callers fill struct smtp_params from whatever they read.
 *
 * Errors: functions return an enum smtp_status (0 is success) and fill a
 * caller-owned struct smtp_err.  Nothing allocates on the error path.
 */
#ifndef LOGMAIL_SMTP_H
#define LOGMAIL_SMTP_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

enum smtp_status {
	SMTP_OK = 0,
	SMTP_ETEMP,  /* 4xx, timeout, reset, DNS, TLS: try again later */
	SMTP_EPERM,  /* 5xx or a refusal that retrying cannot cure */
	SMTP_EINVAL, /* the caller's input is bad (CR/LF in a header...) */
	SMTP_ENOENT, /* no such mail in the spool */
	SMTP_EBUSY,  /* another process holds the spool's delivery lock */
	SMTP_EIO,    /* local file system error */
	SMTP_ENOMEM,
};

struct smtp_err {
	int code;          /* the server's reply code, 0 when the failure was local */
	char msg[512];     /* one line, e.g. "RCPT TO: 550 5.1.1 <x@y>: unknown user" */
	bool auth_refused; /* the server answered AUTH with a failure (535, 454...) */
};

/* ---- Messages ---------------------------------------------------------- */

struct smtp_message {
	const char *from;       /* bare address, no <> */
	const char *to;         /* bare address, no <> */
	const char *subject;    /* UTF-8; RFC 2047 encoded when not ASCII */
	const char *body;       /* UTF-8 text, LF or CRLF line ends */
	const char *message_id; /* without <>, e.g. "20180501183635.16737@host" */
	time_t date;
	const char *domain; /* spool_submit: the Message-ID's right-hand side;
			     * NULL: smtp_local_domain(NULL) */
};

/* Render m as an RFC 5322 message: CRLF line ends, headers folded, body
 * lines over 998 octets wrapped.  Not dot-stuffed (the client does that).
 * *out is malloc'd and owned by the caller.  A CR, LF or NUL in from, to or
 * subject gives SMTP_EINVAL. */
enum smtp_status smtp_compose(const struct smtp_message *m, char **out, size_t *len,
			      struct smtp_err *err);

/* Values for the AWP feature guide's subject substitutions.  hostname and
 * serial are borrowed; smtp_subst_default points them at the struct's own buffers. */
struct smtp_subst {
	const char *hostname; /* %N */
	const char *serial;   /* %S */
	time_t now;           /* %T %D %L local, %U UTC: 2018-04-10T03:45:01+0000 */
	char host_buf[256];   /* owned storage for smtp_subst_default */
	char serial_buf[128];
};

/* Expand %N %S %T %D %L %U in tmpl into out (NUL-terminated, truncated to
 * size).  "%%" is a single "%"; any other %x is left as it is. */
void smtp_subject_expand(const char *tmpl, const struct smtp_subst *s, char *out, size_t size);

/* t as an RFC 5322 date in the local zone, "Tue, 10 Apr 2018 03:45:01
 * +0000", into out (size octets, 32 are enough): the Date: header, and
 * every date shown in its form (`logmail test filters`).  English day and
 * month names whatever the locale (RFC 5322 has no other). */
void smtp_rfc5322_date(time_t t, char *out, size_t size);

/* Fill s with this machine's host name and serial number (the configured
 * serial when not NULL, else the DMI product serial, else /etc/machine-id),
 * kept in s's own buffers: valid as long as s, and s must not be copied. */
void smtp_subst_default(struct smtp_subst *s, const char *configured_serial);

/* ---- This host's name --------------------------------------------------- */

/* The domain this host names itself by (RFC 5321 4.1.4), in EHLO, on the
 * right of Message-IDs and in a default sender: configured when it is not
 * NULL or empty (`mail smtpserver helo`), else the fully qualified name
 * (gethostname, then getaddrinfo AI_CANONNAME), else the bare host name.
 * Returns false in that last case: the host has no fully qualified name,
 * and EHLO sends an address literal instead.  May query DNS. */
bool smtp_local_domain(const char *configured, char *out, size_t size);

/* ---- The client -------------------------------------------------------- */

enum smtp_tls { SMTP_TLS_NONE, SMTP_TLS_STARTTLS, SMTP_TLS_SMTPS };
enum smtp_auth {
	SMTP_AUTH_NONE,
	SMTP_AUTH_CRAMMD5,
	SMTP_AUTH_LOGIN,
	SMTP_AUTH_PLAIN,
	SMTP_AUTH_XOAUTH2,     /* Google's and Microsoft's bearer-token SASL */
	SMTP_AUTH_OAUTHBEARER, /* RFC 7628 */
};

/* The longest access token taken (Microsoft's are JWTs of 1-3 KB); RFC 4954
 * allows an AUTH command of 12288 octets. */
#define SMTP_TOKEN_MAX 8192

/* Where XOAUTH2 and OAUTHBEARER get the access token: called at AUTH with
 * fresh false (a cached token will do), and once more in the same session
 * with fresh true after the server refused the token given (get a new one).
 * Fills out (NUL-terminated, size bytes).  Any status but SMTP_OK ends the
 * session with it, err saying why in one line that holds no token; the
 * mails stay queued on SMTP_ETEMP. */
typedef enum smtp_status (*smtp_token_fn)(void *arg, bool fresh, char *out, size_t size,
					  struct smtp_err *err);

/* Called with each line of the dialogue when set: dir is 'C' (client) or
 * 'S' (server).  Credentials are already replaced by "***". */
typedef void (*smtp_transcript_fn)(void *arg, char dir, const char *line);

/* Called when set with the lines `debug mail` shows, in the AlliedWare Plus
 * feature guide's words, at the points an administrator follows:
 *   Creating connection to host (HOST:PORT)
 *   Connection failed (HOST:PORT): REASON
 *   Authentication succeeded [USER]        Authentication failed [USER]: REPLY
 *   Recipient accepted [ADDR]              Recipient refused [ADDR]: REPLY
 *   Mail sent for ADDR                     Mail not sent for ADDR: REASON
 *   Closing connection
 * Never a password. */
typedef void (*smtp_event_fn)(void *arg, const char *line);

struct smtp_params {
	const char *host; /* name or address; every address is tried */
	unsigned port;    /* 0: 25, 587 or 465 by tls */
	enum smtp_tls tls;
	bool tls_verify;     /* verify the certificate and the host name */
	const char *ca_file; /* NULL: the system trust store */
	enum smtp_auth auth;
	const char *username;
	const char *password;  /* borrowed; the caller wipes it.  For XOAUTH2 and
				* OAUTHBEARER without token: the access token */
	smtp_token_fn token;   /* XOAUTH2, OAUTHBEARER: NULL: password */
	void *token_arg;
	bool auth_cleartext;   /* allow AUTH on an unencrypted connection */
	const char *helo_name; /* NULL: smtp_local_domain's FQDN, else an
				* address literal of the local end */
	unsigned timeout_sec;  /* 0: RFC 5321 section 4.5.3.2 per command */
	smtp_transcript_fn transcript;
	void *transcript_arg;
	smtp_event_fn event;
	void *event_arg;
	/* Asked while the client waits for the network, and when a signal
	 * interrupts the wait: true gives up at once with SMTP_ETEMP
	 * ("STAGE: interrupted"), as Ctrl-C in the shell does.  NULL: never. */
	bool (*cancelled)(void *arg);
	void *cancel_arg;
};

struct smtp_client;

/* A token-command as smtp_params.token (token_arg points to it; start
 * from {0}).  The token is cached here, across sessions, until the server
 * refuses it (fresh), then the command runs again.  A failure is SMTP_ETEMP
 * with err->msg "token command exited with status N: FIRST LINE OF STDERR"
 * (or "killed by signal N", "gave no token within S s", "printed no
 * token"). */
struct smtp_token_cmd {
	char *command;        /* owned (smtp_token_cmd_set); run as /bin/sh -c */
	unsigned timeout_sec; /* 0: 30 s */
	char cached[SMTP_TOKEN_MAX];
};
enum smtp_status smtp_token_from_command(void *arg, bool fresh, char *out, size_t size,
					 struct smtp_err *err);
/* Use command from now on; a different one than before forgets the cached
 * token.  false when out of memory. */
bool smtp_token_cmd_set(struct smtp_token_cmd *t, const char *command);
/* Wipe the cached token and free the command; t can be set again. */
void smtp_token_cmd_clear(struct smtp_token_cmd *t);

/* Connect, read the greeting, EHLO (HELO fallback), STARTTLS and EHLO again
 * when asked or offered, AUTH.  On success *out is a session ready for
 * smtp_send. */
enum smtp_status smtp_open(struct smtp_client **out, const struct smtp_params *p,
			   struct smtp_err *err);

/* Send one composed message (as from smtp_compose) to one recipient: MAIL,
 * RCPT, DATA with dot-stuffing, the whole DATA block in one write.  A call
 * after a failed or aborted one on the same session sends RSET first (after
 * an accepted message the server has reset already, RFC 5321 4.1.1.4).
 * After SMTP_ETEMP from a connection failure the session is dead: close it. */
enum smtp_status smtp_send(struct smtp_client *c, const char *from, const char *to, const char *msg,
			   size_t len, struct smtp_err *err);

/* The server's address this session is connected to, numeric ("192.0.2.25",
 * "2001:db8::25"); valid as long as c. */
const char *smtp_peer(const struct smtp_client *c);

/* How this session is protected, one line into buf: "none" (in the clear),
 * or how TLS started ("STARTTLS" or "implicit TLS", SMTPS), whether the
 * server's certificate and name were verified, the protocol and the cipher:
 * "STARTTLS verified, TLSv1.3 TLS_AES_256_GCM_SHA384",
 * "STARTTLS unverified, TLSv1.3 ..." (opportunistic STARTTLS, `tls` unset,
 * or verification off), "implicit TLS verified, TLSv1.2 ...". */
#define SMTP_TLS_DESCRIBE_MAX 128
void smtp_tls_describe(const struct smtp_client *c, char *buf, size_t size);

/* QUIT (without waiting long for the 221) and free.  NULL is safe. */
void smtp_close(struct smtp_client *c);

/* The built-in grants (smtp/grant.c) as smtp_params.token (token_arg
 * points to it): the refresh-token grant (RFC 6749 6) when refresh_token is
 * set, else client credentials (4.4), POSTed to token_url (https only).
 * The access token is cached in memory and in the spool until a minute
 * before it expires or the server refuses it.  Failures are SMTP_ETEMP (the
 * mail stays queued): "token endpoint URL: HTTP 400: invalid_grant: ...",
 * "token endpoint URL: Failed to connect ...".  Strings are borrowed; the
 * caller wipes the secrets, and clears g (smtp_oauth_grant_clear) after. */
struct spool;
struct smtp_oauth_grant {
	const char *token_url, *client_id;
	const char *client_secret; /* NULL: none (a public client) */
	const char *scope;         /* NULL: none */
	const char *refresh_token; /* NULL: the client-credentials grant */
	const char *ca_file;       /* the endpoint's CA; NULL: the system store */
	const char *user;          /* the SMTP user: part of the cache's key */
	struct spool *spool;       /* the cache; NULL: memory only */
	unsigned timeout_sec;      /* 0: 30 s */
	/* Called when the endpoint rotated the refresh token: store it (the
	 * configuration).  NULL: the new one is not kept. */
	void (*rotated)(void *arg, const char *refresh_token);
	void *rotated_arg;
	char token[SMTP_TOKEN_MAX]; /* the token got last, and when it expires */
	time_t expires;
};
enum smtp_status smtp_token_from_grant(void *arg, bool fresh, char *out, size_t size,
				       struct smtp_err *err);
void smtp_oauth_grant_clear(struct smtp_oauth_grant *g);

/* ---- The spool ---------------------------------------------------------- */

#define SPOOL_DEFAULT_DIR "/var/spool/logmail"
#define SPOOL_DIR_ENV     "LOGMAIL_SPOOL"
#define SPOOL_ID_MAX      32 /* "YYYYMMDDhhmmss.PID" plus room for a suffix */

/*
 * The spool's layout, every name in it, for every program that uses it
 * (logmail, omlogmail).  Each directory is owned by the running user or
 * root and writable by no one else, or spool_open refuses it (util/trust.h);
 * no file in it is followed when it is a symbolic link.  Files are 0600
 * and directories 0700 unless said otherwise.
 *
 *   tmp/        files being written by the spool (smtp/spool.c); a file
 *               left by a crash is not a queued mail: the delivery run
 *               removes those older than a day.
 *   queue/      one file per queued mail, named by its mail-id (format:
 *               smtp/spool.c).
 *   failed/     mails that met a permanent failure or expired, as they were
 *               in queue/, each with ID.reason: one line, the reason ("RCPT
 *               TO: 550 5.1.1 unknown user", "expired after 12 attempts:
 *               ...", "corrupt spool file: ...").  Also a mail a submission
 *               could never send ("the recipient address is not valid
 *               (...), refused"): its header block and body as given,
 *               never in queue/.
 *   pending/journal  the module's write-ahead journal of messages held in
 *               digests (engine/journal.h).
 *   cache/      compiled logcheck rules (filters/internal.h); the module's
 *               cache parameter may put it elsewhere.
 *   lock        flock()ed by the one process delivering the queue.
 *   counters    "sent N\nfailed N\nauth-failed N\n" (`show counter mail`),
 *               replaced under the lock (a missing line counts 0; unknown
 *               lines are ignored).
 *   refused     one line, "ID", appended (O_APPEND|O_NOFOLLOW, no lock) for
 *               each submission put straight into failed/; counted with
 *               counters' fails, removed by `clear counter mail`.
 *   state       "Server-Address: ADDR\nTLS: HOW\n": where the last session
 *               of a delivery run connected, and how it was protected
 *               (smtp_tls_describe: "none", "STARTTLS verified, TLSv1.3
 *               TLS_AES_256_GCM_SHA384"...); `show mail`.  Replaced when
 *               either changes; a file without the TLS line (earlier
 *               releases) reads as not known.
 *   debug       exists while `debug mail` is on; "detail" or "on".
 *   stats       the module's per-recipient statistics, 0644 (`show log
 *               config`; format: engine/engine.h).
 *   oauth-token the access token of `mail smtpserver oauth` and its expiry,
 *               0600 (smtp/grant.c).
 *
 * Every file other than a mail (counters, state, debug, stats, a reason,
 * a cache entry, the journal's compaction) is replaced whole by
 * util_replace (util/replace.h): a temporary ".NAME.XXXXXX" beside it,
 * renamed over it.  Dot files are never mails.
 */
#define SPOOL_NAME_TMP      "tmp"
#define SPOOL_NAME_QUEUE    "queue"
#define SPOOL_NAME_FAILED   "failed"
#define SPOOL_NAME_PENDING  "pending"
#define SPOOL_NAME_JOURNAL  "journal" /* in pending/ */
#define SPOOL_NAME_CACHE    "cache"
#define SPOOL_NAME_LOCK     "lock"
#define SPOOL_NAME_COUNTERS "counters"
#define SPOOL_NAME_REFUSED  "refused"
#define SPOOL_NAME_STATE    "state"
#define SPOOL_NAME_DEBUG    "debug"
#define SPOOL_NAME_STATS    "stats"
#define SPOOL_NAME_OAUTH    "oauth-token"

struct spool;

/* One queued (or failed) mail as `show mail` lists it. */
struct spool_entry {
	char id[SPOOL_ID_MAX];
	const char *to;
	const char *subject; /* as given, before RFC 2047 encoding */
	const char *message_id;
	time_t queued;
	time_t next_try;
	unsigned attempts;
	const char *last_error; /* "" when never tried */
};

struct spool_counters {
	unsigned long sent;
	unsigned long failed;
	unsigned long auth_failed; /* sessions whose AUTH the server refused */
};

/* What delivery runs leave for `show mail`. */
struct spool_state {
	char server_address[64]; /* the address a session last connected to; "" */
	char tls[SMTP_TLS_DESCRIBE_MAX]; /* ...and how it was protected
					 * (smtp_tls_describe); "": not known */
};

/* Open (creating it when missing, mode 0700) the spool at dir.  SMTP_EIO
 * with one line in err when dir or one of its directories is not trusted
 * (owned by another user than the running one or root, writable by group
 * or others, or not a directory). */
enum smtp_status spool_open(struct spool **out, const char *dir, struct smtp_err *err);
void spool_close(struct spool *s);

/* Queue m crash-safely; m->message_id is ignored and built from the new
 * mail-id and the host name.  id receives the mail-id.  (The batch of one of
 * spool_submit_batch: SMTP_EPERM when m went to failed/.) */
enum smtp_status spool_submit(struct spool *s, const struct smtp_message *m, char id[SPOOL_ID_MAX],
			      struct smtp_err *err);

/* Queue msgs[0..n) as spool_submit does each, the disk work grouped: every
 * mail's file is written, then each is fsync'd, then each renamed into
 * queue/, then queue/ is fsync'd once per 64 mails.  Each mail is
 * crash-safe on its own (never half a mail in queue/).  For each i,
 * status[i] says how msgs[i] fared and ids[i] receives its mail-id:
 *   SMTP_OK      queued;
 *   SMTP_EPERM   it can never be sent (smtp_compose refuses it: an address
 *                util/address.h refuses, CR or LF in the subject): nothing
 *                is lost, it is in failed/ with that reason (spool_list_failed,
 *                `show mail`) and counted as failed (spool_counters);
 *   SMTP_EIO, SMTP_ENOMEM   it could not be written: ids[i] is "", nothing
 *                of it is in the spool, the caller tries again.
 * A mail fails alone, the others are queued.  Returns SMTP_OK when every
 * mail was queued, else the status of the first (by position) that was
 * not, err describing it.  ids and status hold n entries each; n may be 0.
 * Not atomic as a whole: after a crash in the middle, some mails of the batch
 * may be queued and others not. */
enum smtp_status spool_submit_batch(struct spool *s, const struct smtp_message *const *msgs,
				    size_t n, char (*ids)[SPOOL_ID_MAX], enum smtp_status *status,
				    struct smtp_err *err);

/* Call fn for each queued mail, oldest first; a non-zero return stops. */
enum smtp_status spool_list(struct spool *s, int (*fn)(void *arg, const struct spool_entry *e),
			    void *arg, struct smtp_err *err);

enum smtp_status spool_delete(struct spool *s, const char *id, struct smtp_err *err);
enum smtp_status spool_delete_all(struct spool *s, struct smtp_err *err);

/* What one delivery run did. */
struct spool_run {
	unsigned sent, deferred, failed;
	unsigned auth_failed; /* sessions whose AUTH the server refused */
	unsigned sessions;    /* sessions opened: 2 when one died and was reopened */
};

/* Deliver queued mails whose time has come (all of them when force) over as
 * few sessions as possible: one, and one more when it dies in the middle
 * (connection lost, timeout, 421).  Takes the spool's delivery lock without
 * waiting: SMTP_EBUSY when another process holds it.  Temporary failures are
 * retried later with back-off, permanent ones and expired mails moved to the
 * failed folder with the reason.  When only is not NULL, just that mail-id.
 * Returns the worst outcome: SMTP_OK when every mail tried was sent (or none
 * was due), else SMTP_EPERM when one failed for good, else SMTP_ETEMP when
 * one was deferred, err holding the last reason; a local error (SMTP_EIO,
 * SMTP_ENOMEM) stops the run and wins; SMTP_ENOENT when only is not queued.
 * smtp/spool_deliver.c tells the whole run. */
enum smtp_status spool_deliver(struct spool *s, const struct smtp_params *p, bool force,
			       const char *only, struct spool_run *run, struct smtp_err *err);

/* Counters of sent and failed mails and refused AUTHs; they survive
 * restarts. */
enum smtp_status spool_counters(struct spool *s, struct spool_counters *out, struct smtp_err *err);

/* What the delivery runs left (all "" before the first). */
enum smtp_status spool_state(struct spool *s, struct spool_state *out, struct smtp_err *err);

/* `clear counter mail`: both back to 0, under the delivery lock (SMTP_EBUSY
 * while another process delivers). */
enum smtp_status spool_counters_clear(struct spool *s, struct smtp_err *err);

/* Call fn for each mail in failed/, oldest first; e->last_error is the
 * reason (the server's reply). */
enum smtp_status spool_list_failed(struct spool *s,
				   int (*fn)(void *arg, const struct spool_entry *e), void *arg,
				   struct smtp_err *err);

/* Record why a queued mail was not sent yet (Last-Error), without counting
 * an attempt: e.g. the password cannot be decrypted.  SMTP_EBUSY while
 * another process delivers (the mail stays queued either way). */
enum smtp_status spool_note(struct spool *s, const char *id, const char *reason,
			    struct smtp_err *err);

/* The built-in OAuth grants' access token cache (smtp/grant.c says what is
 * in it): <spool>/oauth-token, mode 0600, read without following a symbolic
 * link, replaced atomically (tmp/, fsync, rename).  load: *text malloc'd
 * (the caller wipes and frees it), SMTP_ENOENT when there is none. */
enum smtp_status spool_oauth_load(struct spool *s, char **text, struct smtp_err *err);
enum smtp_status spool_oauth_save(struct spool *s, const char *text, struct smtp_err *err);

/* `debug mail` state, shared through the spool by the CLI and the module:
 * the debug file exists while it is on, and holds "detail" for `debug mail
 * detail` (the C:/S: transcript too). */
enum spool_debug { SPOOL_DEBUG_OFF, SPOOL_DEBUG_ON, SPOOL_DEBUG_DETAIL };
enum spool_debug spool_debug_level(struct spool *s);
enum smtp_status spool_set_debug_level(struct spool *s, enum spool_debug level,
				       struct smtp_err *err);
bool spool_debug(struct spool *s); /* level != SPOOL_DEBUG_OFF */
enum smtp_status spool_set_debug(struct spool *s, bool on, struct smtp_err *err);

#endif
