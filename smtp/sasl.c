/*
 * smtp/sasl.c: SASL messages for AUTH PLAIN (RFC 4616), LOGIN and CRAM-MD5
 * (RFC 2195), as small pure functions the tests check against the RFCs'
 * vectors.  Every intermediate buffer holding a secret is wiped.
 */
#include <stdio.h>
#include <string.h>

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
