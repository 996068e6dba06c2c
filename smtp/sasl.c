/*
 * smtp/sasl.c: SASL messages for AUTH PLAIN (RFC 4616), LOGIN, CRAM-MD5
 * (RFC 2195), XOAUTH2 (Google's description) and OAUTHBEARER (RFC 7628), as
 * small pure functions the tests check against the documents' vectors.
 * Every intermediate buffer holding a secret is wiped.
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "smtp/smtp-internal.h"

int smtp_b64_encode(const void *src, size_t len, char *out, size_t size)
{
	if (size < 4 * ((len + 2) / 3) + 1 || len > 0x3fffffff)
		return -1;
	return EVP_EncodeBlock((unsigned char *)out, src, (int)len);
}

int smtp_b64_decode(const char *src, unsigned char *out, size_t size)
{
	size_t n = strlen(src);
	int got, pad = 0;

	while (n > 0 && (src[n - 1] == ' ' || src[n - 1] == '\r' || src[n - 1] == '\n'))
		n--;
	if (n % 4 != 0 || size < 3 * (n / 4) || n > 0x3fffffff)
		return -1;
	if (n == 0)
		return 0;
	got = EVP_DecodeBlock(out, (const unsigned char *)src, (int)n);
	if (got < 0)
		return -1;
	/* EVP_DecodeBlock counts the padding as zero octets. */
	if (src[n - 1] == '=')
		pad++;
	if (n > 1 && src[n - 2] == '=')
		pad++;
	return got - pad;
}

int smtp_sasl_plain(const char *user, const char *pass, char *out, size_t size)
{
	size_t ul = strlen(user), pl = strlen(pass);
	unsigned char buf[1024];
	int r;

	if (ul + pl + 2 > sizeof(buf))
		return -1;
	buf[0] = '\0';
	memcpy(buf + 1, user, ul);
	buf[1 + ul] = '\0';
	memcpy(buf + 2 + ul, pass, pl);
	r = smtp_b64_encode(buf, ul + pl + 2, out, size);
	explicit_bzero(buf, sizeof(buf));
	return r;
}

int smtp_cram_md5(const char *user, const char *secret, const char *challenge, char *out,
		  size_t size)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	size_t o;
	int n;

	if (!HMAC(EVP_md5(), secret, (int)strlen(secret), (const unsigned char *)challenge,
		  strlen(challenge), mac, &maclen))
		return -1;
	n = snprintf(out, size, "%s ", user);
	if (n < 0 || (size_t)n + 2 * maclen + 1 > size)
		goto fail;
	o = (size_t)n;
	for (unsigned i = 0; i < maclen; i++)
		o += (size_t)snprintf(out + o, size - o, "%02x", mac[i]);
	explicit_bzero(mac, sizeof(mac));
	return (int)o;
fail:
	explicit_bzero(mac, sizeof(mac));
	return -1;
}

int smtp_sasl_cram_md5(const char *user, const char *secret, const char *challenge_b64, char *out,
		       size_t size)
{
	unsigned char chal[SMTP_LINE_MAX];
	char resp[SMTP_LINE_MAX];
	int n, r = -1;

	n = smtp_b64_decode(challenge_b64, chal, sizeof(chal) - 1);
	if (n < 0)
		return -1;
	chal[n] = '\0';
	n = smtp_cram_md5(user, secret, (const char *)chal, resp, sizeof(resp));
	if (n >= 0)
		r = smtp_b64_encode(resp, (size_t)n, out, size);
	explicit_bzero(resp, sizeof(resp));
	return r;
}

/* ---- OAuth 2.0 bearer tokens ------------------------------------------------ */

/* RFC 6750 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" /
 * "/" ) *"=".  Anything else (a blank, \1, a line break) would end the
 * field or the command early. */
static bool b64token(const char *t)
{
	size_t n = strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			     "0123456789-._~+/");

	if (n == 0)
		return false;
	return t[n + strspn(t + n, "=")] == '\0';
}

/* base64 of the first n octets of buf (bufsize bytes) into out, then buf
 * wiped; -1 when n is. */
static int encode_wipe(char *buf, size_t bufsize, int n, char *out, size_t size)
{
	int r = n < 0 ? -1 : smtp_b64_encode(buf, (size_t)n, out, size);

	explicit_bzero(buf, bufsize);
	return r;
}

int smtp_sasl_xoauth2(const char *user, const char *token, char *out, size_t size)
{
	char buf[SMTP_TOKEN_MAX + 1024];
	int n = -1;

	if (b64token(token) && !strpbrk(user, "\001\r\n")) {
		n = snprintf(buf, sizeof(buf), "user=%s\001auth=Bearer %s\001\001", user, token);
		if (n >= (int)sizeof(buf))
			n = -1;
	}
	return encode_wipe(buf, sizeof(buf), n, out, size);
}

int smtp_sasl_oauthbearer(const char *user, const char *host, unsigned port, const char *token,
			  char *out, size_t size)
{
	char buf[SMTP_TOKEN_MAX + 1024];
	size_t o = 0;
	int n = -1;

	if (!b64token(token) || strpbrk(user, "\001\r\n") || (host && strpbrk(host, "\001\r\n")) ||
	    strlen(user) > 320)
		return encode_wipe(buf, sizeof(buf), -1, out, size);
	/* The user is at most 320 octets, 960 escaped: this fits. */
	memcpy(buf, "n,a=", 4);
	o = 4;
	for (const char *u = user; *u; u++) {
		if (*u == ',' || *u == '=') {
			memcpy(buf + o, *u == ',' ? "=2C" : "=3D", 3);
			o += 3;
		} else {
			buf[o++] = *u;
		}
	}
	buf[o++] = ',';
	buf[o++] = '\001';
	if (host)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "host=%.255s\001port=%u\001", host,
				      port);
	if (o < sizeof(buf)) {
		n = snprintf(buf + o, sizeof(buf) - o, "auth=Bearer %s\001\001", token);
		n = n < 0 || (size_t)n >= sizeof(buf) - o ? -1 : (int)o + n;
	}
	return encode_wipe(buf, sizeof(buf), n, out, size);
}

const char *smtp_sasl_oauth_abort(enum smtp_auth a)
{
	return a == SMTP_AUTH_OAUTHBEARER ? "AQ==" : "";
}

/* A string member of o, or NULL. */
static const char *json_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* s without control characters, which a server's JSON could hold. */
static void put_clean(char *out, size_t size, size_t *o, const char *s)
{
	for (; *s && *o + 1 < size; s++)
		out[(*o)++] = (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s;
	out[*o] = '\0';
}

int smtp_oauth_error(const char *challenge_b64, char *out, size_t size)
{
	unsigned char json[SMTP_LINE_MAX + 1];
	struct json_object *o = NULL;
	const char *status, *scope;
	size_t len = 0;
	int n;

	if (size == 0)
		return -1;
	out[0] = '\0';
	n = smtp_b64_decode(challenge_b64, json, sizeof(json) - 1);
	if (n <= 0)
		return -1;
	json[n] = '\0';
	o = json_tokener_parse((const char *)json);
	if (!o || !json_object_is_type(o, json_type_object) || !(status = json_str(o, "status"))) {
		json_object_put(o);
		return -1;
	}
	/* Google's XOAUTH2 sends an HTTP status ("401"): say what it is. */
	if (status[0] && strspn(status, "0123456789") == strlen(status))
		put_clean(out, size, &len, "status ");
	put_clean(out, size, &len, status);
	if ((scope = json_str(o, "scope")) && *scope) {
		put_clean(out, size, &len, " (scope ");
		put_clean(out, size, &len, scope);
		put_clean(out, size, &len, ")");
	}
	json_object_put(o);
	return (int)len;
}
