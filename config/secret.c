/*
 * config/secret.c: `password 8`.
 *
 * The stored form is base64(nonce || ciphertext || tag): AES-256-GCM with a
 * random 12-byte nonce and a 16-byte tag, under a 32-byte random key kept
 * in its own file (c->key_path, by default logmail.key beside the
 * configuration).  The key file is published whole (written to a temporary
 * name, fsynced, then linked into place, so a reader never sees half a key)
 * with mode 0600, and refused when group or others have any access to it.
 *
 * Plain passwords and keys live only in buffers that are explicit_bzero'd
 * before they are released; no message here ever contains a password.
 */
#include "config/internal.h"
#include "util/trust.h"
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#define MIN_DECODED (CONF_NONCE_LEN + 1 + CONF_TAG_LEN)

static const unsigned char aad[] = "logmail password 8";

/* ---- base64 ------------------------------------------------------------- */

static bool b64_char(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	       ch == '+' || ch == '/';
}

/* Decoded length of canonical padded base64, or -1 when s is not that. */
static long b64_decoded_len(const char *s)
{
	size_t len = strlen(s), pad = 0;

	if (len == 0 || len % 4 != 0)
		return -1;
	if (s[len - 1] == '=')
		pad = s[len - 2] == '=' ? 2 : 1;
	for (size_t i = 0; i < len - pad; i++)
		if (!b64_char(s[i]))
			return -1;
	return (long)(len / 4 * 3 - pad);
}

bool conf_secret_valid(const char *b64)
{
	return b64_decoded_len(b64) >= MIN_DECODED;
}

/* ---- the key file --------------------------------------------------------- */

static enum conf_status key_read(const char *path, int fd, unsigned char *key, struct conf_err *err)
{
	char why[sizeof(err->msg) - 64];
	struct stat st;
	ssize_t got;

	if (fstat(fd, &st) < 0) {
		conf_err_set(err, "key file %s: %s", path, strerror(errno));
		return CONF_ESECRET;
	}
	if (!S_ISREG(st.st_mode)) {
		conf_err_set(err, "key file %s is not a regular file", path);
		return CONF_ESECRET;
	}
	if (st.st_mode & 077) {
		conf_err_set(err,
			     "key file %s must not be accessible by group or others (mode %04o); "
			     "chmod 600 it",
			     path, (unsigned)(st.st_mode & 07777));
		return CONF_ESECRET;
	}
	if (!util_trusted(&st, path, why, sizeof(why))) { /* another user's key */
		conf_err_set(err, "key file %s is %s", path, why);
		return CONF_ESECRET;
	}
	got = read(fd, key, CONF_KEY_LEN);
	if (got != CONF_KEY_LEN || st.st_size != CONF_KEY_LEN) {
		conf_err_set(err, "key file %s: expected %d bytes", path, CONF_KEY_LEN);
		return CONF_ESECRET;
	}
	return CONF_OK;
}

/* Write a new key to a temporary file and link it to path; EEXIST (another
 * process was first) is not an error: the caller then reads theirs. */
static enum conf_status key_create(const char *path, struct conf_err *err)
{
	unsigned char key[CONF_KEY_LEN];
	char tmp[PATH_MAX];
	enum conf_status st = CONF_ESECRET;
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp)) {
		conf_err_set(err, "key file %s: path too long", path);
		return CONF_ESECRET;
	}
	fd = mkostemp(tmp, O_CLOEXEC); /* O_CREAT|O_EXCL, mode 0600 */
	if (fd < 0) {
		conf_err_set(err, "cannot create key file %s: %s", path, strerror(errno));
		return CONF_ESECRET;
	}
	if (RAND_bytes(key, sizeof(key)) != 1) {
		conf_err_set(err, "cannot create key file %s: no random bytes", path);
		goto fail;
	}
	if (fchmod(fd, 0600) < 0 || write(fd, key, sizeof(key)) != (ssize_t)sizeof(key) ||
	    fsync(fd) < 0) {
		conf_err_set(err, "cannot write key file %s: %s", path, strerror(errno));
		goto fail;
	}
	if (link(tmp, path) < 0 && errno != EEXIST) {
		conf_err_set(err, "cannot create key file %s: %s", path, strerror(errno));
		goto fail;
	}
	(void)util_fsync_parent(path);
	st = CONF_OK;
fail:
	explicit_bzero(key, sizeof(key));
	close(fd);
	unlink(tmp);
	return st;
}

static enum conf_status key_load(const char *path, bool create, unsigned char *key,
				 struct conf_err *err)
{
	enum conf_status st;
	int fd;

	if (!path) {
		conf_err_set(err, "no key file for password 8: load a configuration file or set "
				  "the key path first");
		return CONF_ESECRET;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		st = key_create(path, err);
		if (st != CONF_OK)
			return st;
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0 && errno == ENOENT) {
		conf_err_set(err, "key file %s is missing: password 8 was encrypted with another "
			     "host's key; copy that key file here (mode 0600, see logmail.conf(5), "
			     "FLEETS) or enter the password again", path);
		return CONF_ESECRET;
	}
	if (fd < 0) {
		conf_err_set(err, "key file %s: %s", path, strerror(errno));
		return CONF_ESECRET;
	}
	st = key_read(path, fd, key, err);
	close(fd);
	return st;
}

/* ---- AES-256-GCM ------------------------------------------------------------ */

enum conf_status conf_secret_encrypt(const char *key_path, const char *plain, char **b64,
				     struct conf_err *err)
{
	unsigned char key[CONF_KEY_LEN];
	size_t plen = strlen(plain);
	size_t rawlen = CONF_NONCE_LEN + plen + CONF_TAG_LEN;
	unsigned char *raw = NULL;
	EVP_CIPHER_CTX *ctx = NULL;
	enum conf_status st;
	int len;

	*b64 = NULL;
	st = key_load(key_path, true, key, err);
	if (st != CONF_OK)
		return st;
	st = CONF_ENOMEM;
	raw = malloc(rawlen);
	*b64 = malloc(4 * ((rawlen + 2) / 3) + 1);
	ctx = EVP_CIPHER_CTX_new();
	if (!raw || !*b64 || !ctx) {
		conf_err_set(err, "out of memory");
		goto fail;
	}
	st = CONF_ESECRET;
	if (RAND_bytes(raw, CONF_NONCE_LEN) != 1 ||
	    EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, CONF_NONCE_LEN, NULL) != 1 ||
	    EVP_EncryptInit_ex(ctx, NULL, NULL, key, raw) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &len, aad, sizeof(aad) - 1) != 1 ||
	    EVP_EncryptUpdate(ctx, raw + CONF_NONCE_LEN, &len, (const unsigned char *)plain,
			      (int)plen) != 1 ||
	    EVP_EncryptFinal_ex(ctx, raw + CONF_NONCE_LEN + len, &len) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, CONF_TAG_LEN,
				raw + CONF_NONCE_LEN + plen) != 1) {
		conf_err_set(err, "cannot encrypt the password");
		goto fail;
	}
	EVP_EncodeBlock((unsigned char *)*b64, raw, (int)rawlen);
	st = CONF_OK;
fail:
	explicit_bzero(key, sizeof(key));
	EVP_CIPHER_CTX_free(ctx);
	free(raw);
	if (st != CONF_OK) {
		free(*b64);
		*b64 = NULL;
	}
	return st;
}

/* Decrypt raw (nonce || ciphertext || tag) into buf. */
static enum conf_status decrypt_raw(const unsigned char *key, unsigned char *raw, size_t rawlen,
				    char *buf, size_t size, struct conf_err *err)
{
	size_t clen = rawlen - CONF_NONCE_LEN - CONF_TAG_LEN;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	enum conf_status st = CONF_ESECRET;
	unsigned char *plain = malloc(clen + 16);
	int len, len2;

	if (!ctx || !plain) {
		conf_err_set(err, "out of memory");
		st = CONF_ENOMEM;
		goto fail;
	}
	if (EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, CONF_NONCE_LEN, NULL) != 1 ||
	    EVP_DecryptInit_ex(ctx, NULL, NULL, key, raw) != 1 ||
	    EVP_DecryptUpdate(ctx, NULL, &len, aad, sizeof(aad) - 1) != 1 ||
	    EVP_DecryptUpdate(ctx, plain, &len, raw + CONF_NONCE_LEN, (int)clen) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, CONF_TAG_LEN,
				raw + CONF_NONCE_LEN + clen) != 1 ||
	    EVP_DecryptFinal_ex(ctx, plain + len, &len2) != 1) {
		conf_err_set(err, "password 8 cannot be decrypted with this key file "
				  "(another host's key, or a damaged value): copy the key file "
				  "of the host where the password was entered (see logmail.conf(5), "
				  "FLEETS) or enter the password again");
		goto fail;
	}
	if (clen + 1 > size || memchr(plain, '\0', clen)) {
		conf_err_set(err, "the decrypted password does not fit the buffer");
		goto fail;
	}
	memcpy(buf, plain, clen);
	buf[clen] = '\0';
	st = CONF_OK;
fail:
	if (plain)
		explicit_bzero(plain, clen + 16);
	free(plain);
	EVP_CIPHER_CTX_free(ctx);
	return st;
}

enum conf_status conf_password(const struct conf *c, char *buf, size_t size, struct conf_err *err)
{
	return conf_secret_decrypt(c, c->password8, buf, size, err);
}

enum conf_status conf_secret_store(const struct conf *c, const char *plain, char **b64,
				   struct conf_err *err)
{
	return conf_secret_encrypt(c->key_path, plain, b64, err);
}

enum conf_status conf_secret_decrypt(const struct conf *c, const char *b64, char *buf, size_t size,
				     struct conf_err *err)
{
	unsigned char key[CONF_KEY_LEN];
	unsigned char *raw = NULL;
	enum conf_status st;
	long rawlen;

	if (err)
		memset(err, 0, sizeof(*err));
	if (!b64 || (rawlen = b64_decoded_len(b64)) < MIN_DECODED) {
		conf_err_set(err, b64 ? "password 8 is not a valid encrypted password"
				      : "no password configured");
		return CONF_ESECRET;
	}
	if (!buf || size == 0) {
		conf_err_set(err, "no buffer for the password");
		return CONF_ESECRET;
	}
	st = key_load(c->key_path, false, key, err);
	if (st != CONF_OK)
		return st;
	raw = malloc((size_t)rawlen + 3);
	if (!raw) {
		conf_err_set(err, "out of memory");
		st = CONF_ENOMEM;
		goto fail;
	}
	EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)strlen(b64));
	st = decrypt_raw(key, raw, (size_t)rawlen, buf, size, err);
fail:
	explicit_bzero(key, sizeof(key));
	free(raw);
	return st;
}
