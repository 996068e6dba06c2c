/*
 * smtp/grant.c: the built-in OAuth 2.0 token grants (RFC 6749): the
 * refresh-token grant (6) when a refresh token is configured, else the
 * client-credentials grant (4.4), POSTed over HTTPS with libcurl; the answer
 * (5.1, 5.2) read with json-c.
 *
 * The access token is kept in memory and in the spool's token cache
 * (spool_oauth_save: 0600, atomic), three lines:
 *
 *     KEY        SHA-256 (hex) of the token URL, client ID, scope and user:
 *                a token cached for other settings is not used
 *     EXPIRES    when it expires, seconds since the epoch
 *     TOKEN      the access token
 *
 * and taken again until a minute before it expires, or until the server
 * refuses it (fresh).  A refresh token the endpoint rotates is handed to
 * the front end (rotated), which stores it in the configuration.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <json-c/json.h>
#include <openssl/evp.h>

#include "smtp/smtp-internal.h"

#define GRANT_TIMEOUT    30    /* seconds for the whole request */
#define GRANT_MARGIN     60    /* refresh this long before expiry */
#define GRANT_REPLY_MAX  65536 /* what an endpoint's answer may be */
#define GRANT_DEFAULT_TTL 3600 /* expires_in absent (RFC 6749 5.1: RECOMMENDED) */

/* ---- the cache ------------------------------------------------------------- */

static void cache_key(const struct smtp_oauth_grant *g, char key[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	key[0] = '\0';
	if (!f)
		return;
	fprintf(f, "%s\n%s\n%s\n%s\n", g->token_url, g->client_id, g->scope ? g->scope : "",
		g->user ? g->user : "");
	if (fclose(f) == 0 && EVP_Digest(text, len, md, &n, EVP_sha256(), NULL))
		for (unsigned i = 0; i < n && i < 32; i++)
			snprintf(key + 2 * i, 3, "%02x", md[i]);
	free(text);
}

static bool usable(const struct smtp_oauth_grant *g, time_t now)
{
	return g->token[0] && g->expires - GRANT_MARGIN > now;
}

/* The token in the spool's cache into g, when it is for these settings. */
static void cache_read(struct smtp_oauth_grant *g)
{
	char *text = NULL, key[65], *line2, *line3;
	struct smtp_err ignored;
	long long expires;

	if (!g->spool || spool_oauth_load(g->spool, &text, &ignored) != SMTP_OK)
		return;
	cache_key(g, key);
	line2 = strchr(text, '\n');
	line3 = line2 ? strchr(line2 + 1, '\n') : NULL;
	if (line3 && (size_t)(line2 - text) == strlen(key) && strncmp(text, key, 64) == 0 &&
	    sscanf(line2 + 1, "%lld", &expires) == 1 &&
	    strcspn(line3 + 1, "\n") < sizeof(g->token)) {
		size_t n = strcspn(line3 + 1, "\n");

		memcpy(g->token, line3 + 1, n);
		g->token[n] = '\0';
		g->expires = (time_t)expires;
	}
	explicit_bzero(text, strlen(text));
	free(text);
}

static void cache_write(struct smtp_oauth_grant *g)
{
	char key[65], *text = NULL;
	struct smtp_err ignored;
	size_t len = 0;
	FILE *f;

	if (!g->spool || !(f = open_memstream(&text, &len)))
		return;
	cache_key(g, key);
	fprintf(f, "%s\n%lld\n%s\n", key, (long long)g->expires, g->token);
	if (fclose(f) == 0)
		(void)spool_oauth_save(g->spool, text, &ignored); /* memory still has it */
	if (text)
		explicit_bzero(text, len);
	free(text);
}

/* ---- the request ----------------------------------------------------------- */

struct reply {
	char *buf;
	size_t len;
	bool too_long;
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct reply *r = arg;
	size_t len = size * n;
	char *grown;

	if (r->len + len > GRANT_REPLY_MAX) {
		r->too_long = true;
		return 0; /* ends the transfer */
	}
	if (!(grown = realloc(r->buf, r->len + len + 1)))
		return 0;
	r->buf = grown;
	memcpy(r->buf + r->len, p, len);
	r->len += len;
	r->buf[r->len] = '\0';
	return len;
}

/* Append "&name=value" (URL-encoded) to the body f. */
static void field(CURL *c, FILE *f, const char *name, const char *value)
{
	char *v;

	if (!value)
		return;
	v = curl_easy_escape(c, value, 0);
	if (!v)
		return;
	fprintf(f, "%s%s=%s", ftell(f) > 0 ? "&" : "", name, v);
	explicit_bzero(v, strlen(v));
	curl_free(v);
}

/* RFC 6749 4.4.2 and 6: the form, client credentials in the body (2.3.1). */
static char *request_body(CURL *c, const struct smtp_oauth_grant *g, size_t *len)
{
	char *body = NULL;
	FILE *f = open_memstream(&body, len);

	if (!f)
		return NULL;
	field(c, f, "grant_type", g->refresh_token ? "refresh_token" : "client_credentials");
	field(c, f, "refresh_token", g->refresh_token);
	field(c, f, "client_id", g->client_id);
	field(c, f, "client_secret", g->client_secret);
	field(c, f, "scope", g->scope);
	if (fclose(f) != 0) {
		free(body);
		return NULL;
	}
	return body;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* POST the grant; *r holds the answer, *http its status. */
static enum smtp_status post(const struct smtp_oauth_grant *g, struct reply *r, long *http,
			     struct smtp_err *err)
{
	char curl_err[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdr = NULL;
	enum smtp_status st = SMTP_ETEMP;
	char *body = NULL;
	size_t len = 0;
	CURL *c = NULL;
	CURLcode rc;

	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK || !(c = curl_easy_init()) ||
	    !(body = request_body(c, g, &len)) ||
	    !(hdr = curl_slist_append(NULL, "Accept: application/json"))) {
		snprintf(err->msg, sizeof(err->msg), "token endpoint: cannot set up the request");
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_URL, g->token_url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https"); /* secrets go there */
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);            /* threads (rsyslogd) */
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)(g->timeout_sec ? g->timeout_sec : GRANT_TIMEOUT));
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "logmail");
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	if (g->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, g->ca_file);
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		snprintf(err->msg, sizeof(err->msg), "token endpoint %s: %s", g->token_url,
			 r->too_long ? "answer too long" : *curl_err ? curl_err : curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, http);
	st = SMTP_OK;
out:
	if (body)
		explicit_bzero(body, len);
	free(body);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	return st;
}

/* ---- the answer ------------------------------------------------------------- */

static const char *json_string(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* RFC 6749 5.2: "token endpoint: HTTP 400: invalid_grant: DESCRIPTION". */
static enum smtp_status refused(const struct smtp_oauth_grant *g, long http,
				struct json_object *o, struct smtp_err *err)
{
	const char *code = o ? json_string(o, "error") : NULL;
	const char *desc = o ? json_string(o, "error_description") : NULL;

	snprintf(err->msg, sizeof(err->msg), "token endpoint %s: HTTP %ld%s%s%s%.200s", g->token_url,
		 http, code ? ": " : "", code ? code : "", desc ? ": " : "", desc ? desc : "");
	for (char *p = err->msg; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	return SMTP_ETEMP;
}

/* RFC 6749 5.1: take access_token, expires_in and a rotated refresh_token. */
static enum smtp_status accept_answer(struct smtp_oauth_grant *g, struct json_object *o,
				      struct smtp_err *err)
{
	const char *token = json_string(o, "access_token"), *refresh;
	struct json_object *v;
	long long ttl = GRANT_DEFAULT_TTL;

	if (!token || !*token || strlen(token) >= sizeof(g->token)) {
		snprintf(err->msg, sizeof(err->msg), "token endpoint %s: no usable access_token in "
			 "the answer", g->token_url);
		return SMTP_ETEMP;
	}
	/* expires_in is a number; some endpoints send it as a string. */
	if (json_object_object_get_ex(o, "expires_in", &v))
		ttl = json_object_get_int64(v);
	if (ttl <= 0)
		ttl = GRANT_DEFAULT_TTL;
	memcpy(g->token, token, strlen(token) + 1);
	g->expires = time(NULL) + (time_t)ttl;
	refresh = json_string(o, "refresh_token");
	if (refresh && *refresh && g->refresh_token && strcmp(refresh, g->refresh_token) != 0 &&
	    g->rotated)
		g->rotated(g->rotated_arg, refresh);
	return SMTP_OK;
}

static enum smtp_status fetch(struct smtp_oauth_grant *g, struct smtp_err *err)
{
	struct reply r = {0};
	struct json_object *o = NULL;
	enum smtp_status st;
	long http = 0;

	st = post(g, &r, &http, err);
	if (st != SMTP_OK)
		goto out;
	o = r.buf ? json_tokener_parse(r.buf) : NULL;
	if (o && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
	}
	if (http != 200 || !o)
		st = refused(g, http, o, err);
	else
		st = accept_answer(g, o, err);
out:
	json_object_put(o);
	if (r.buf)
		explicit_bzero(r.buf, r.len);
	free(r.buf);
	return st;
}

enum smtp_status smtp_token_from_grant(void *arg, bool fresh, char *out, size_t size,
				       struct smtp_err *err)
{
	struct smtp_oauth_grant *g = arg;
	time_t now = time(NULL);

	err->code = 0;
	err->auth_refused = false;
	if (!fresh && !usable(g, now))
		cache_read(g);
	if (fresh || !usable(g, now)) {
		enum smtp_status st;

		explicit_bzero(g->token, sizeof(g->token));
		if ((st = fetch(g, err)) != SMTP_OK)
			return st;
		cache_write(g);
	}
	if (strlen(g->token) >= size) {
		snprintf(err->msg, sizeof(err->msg), "token endpoint: the access token is too long");
		return SMTP_EPERM;
	}
	memcpy(out, g->token, strlen(g->token) + 1);
	return SMTP_OK;
}

void smtp_oauth_grant_clear(struct smtp_oauth_grant *g)
{
	explicit_bzero(g->token, sizeof(g->token));
	g->expires = 0;
}
