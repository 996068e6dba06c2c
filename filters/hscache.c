/*
 * filters/hscache.c: Vectorscan databases kept on disk (see internal.h).
 *
 * A file: the magic line, the key, the length of the database's bytes (8
 * octets, little-endian), their SHA-256, then the bytes themselves
 * (hs_serialize_database).
 */
#include "filters/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/replace.h"

#define MAGIC     "logmail vectorscan database 1\n"
#define MAGIC_LEN (sizeof(MAGIC) - 1)
#define HEAD_LEN  (MAGIC_LEN + HSCACHE_KEY + 8 + 32)
#define NAME_LEN  (2 * HSCACHE_KEY + 1)

static atomic_bool pruned;

/* Feed n and then the n octets of p: no two inputs read alike. */
static void feed(EVP_MD_CTX *c, const void *p, size_t n)
{
	uint64_t len = n;

	EVP_DigestUpdate(c, &len, sizeof(len));
	EVP_DigestUpdate(c, p, n);
}

void hscache_key(const char *const *exprs, const unsigned *flags, const unsigned *ids, unsigned n,
		 const hs_platform_info_t *pl, unsigned char key[HSCACHE_KEY])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	hs_platform_info_t host = {0};
	const char *version = hs_version();

	if (!pl && hs_populate_platform(&host) == HS_SUCCESS)
		pl = &host;
	if (!c || !EVP_DigestInit_ex(c, EVP_sha256(), NULL)) {
		memset(key, 0, HSCACHE_KEY); /* the all-zero key is never stored */
		EVP_MD_CTX_free(c);
		return;
	}
	feed(c, MAGIC, MAGIC_LEN);
	feed(c, version, strlen(version));
	if (pl) {
		uint64_t p[2] = {pl->tune, pl->cpu_features};

		feed(c, p, sizeof(p));
	}
	for (unsigned i = 0; i < n; i++) {
		uint64_t fi[2] = {flags[i], ids[i]};

		feed(c, exprs[i], strlen(exprs[i]));
		feed(c, fi, sizeof(fi));
	}
	if (!EVP_DigestFinal_ex(c, key, NULL))
		memset(key, 0, HSCACHE_KEY);
	EVP_MD_CTX_free(c);
}

static bool key_zero(const unsigned char key[HSCACHE_KEY])
{
	for (size_t i = 0; i < HSCACHE_KEY; i++)
		if (key[i])
			return false;
	return true;
}

static void key_name(const unsigned char key[HSCACHE_KEY], char name[NAME_LEN])
{
	for (size_t i = 0; i < HSCACHE_KEY; i++)
		snprintf(name + 2 * i, 3, "%02x", key[i]);
}

static void sha256(const void *p, size_t n, unsigned char out[32])
{
	unsigned int len = 0;

	if (!EVP_Digest(p, n, out, &len, EVP_sha256(), NULL))
		memset(out, 0, 32);
}

static uint64_t get_le64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

hs_database_t *hscache_load(const char *dir, const unsigned char key[HSCACHE_KEY])
{
	char name[NAME_LEN], *file;
	unsigned char *buf, sum[32];
	hs_database_t *db = NULL;
	size_t len;
	int dirfd;

	if (!dir || key_zero(key) ||
	    (dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return NULL;
	key_name(key, name);
	if (util_read_file(dirfd, name, (size_t)1 << 30, &file, &len) == 0)
		(void)utimensat(dirfd, name, NULL, AT_SYMLINK_NOFOLLOW); /* in use: not pruned */
	close(dirfd);
	if (!(buf = (unsigned char *)file))
		return NULL;
	if (len > HEAD_LEN && memcmp(buf, MAGIC, MAGIC_LEN) == 0 &&
	    memcmp(buf + MAGIC_LEN, key, HSCACHE_KEY) == 0 &&
	    get_le64(buf + MAGIC_LEN + HSCACHE_KEY) == len - HEAD_LEN) {
		sha256(buf + HEAD_LEN, len - HEAD_LEN, sum);
		if (memcmp(sum, buf + MAGIC_LEN + HSCACHE_KEY + 8, 32) == 0 &&
		    hs_deserialize_database((const char *)buf + HEAD_LEN, len - HEAD_LEN, &db) !=
			HS_SUCCESS)
			db = NULL;
	}
	free(buf);
	return db;
}

/* A name of ours: a key, or the temporary name util_replace writes a key
 * under (".KEY.XXXXXX", left behind by a crash). */
static bool is_ours(const char *s)
{
	bool tmp = *s == '.';

	s += tmp;
	if (strspn(s, "0123456789abcdef") != NAME_LEN - 1)
		return false;
	s += NAME_LEN - 1;
	return tmp ? *s == '.' && s[1] && strspn(s + 1, "0123456789abcdef") == strlen(s + 1) : !*s;
}

/* Remove the files of dir (ours) not used for HSCACHE_DAYS. */
static void prune(int dirfd)
{
	int fd = dup(dirfd);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	time_t old = time(NULL) - (time_t)HSCACHE_DAYS * 24 * 3600;
	struct dirent *de;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		struct stat st;

		if (is_ours(de->d_name) &&
		    fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode) && st.st_mtime < old)
			(void)unlinkat(dirfd, de->d_name, 0);
	}
	closedir(d);
}

/* The file's header, then its bytes, replacing name in dirfd atomically
 * (util/replace.h) without fsync: a cache, checked by its SHA-256 when
 * read, whose loss costs a compilation. */
static void write_file(int dirfd, const char *name, const unsigned char key[HSCACHE_KEY],
		       const char *bytes, size_t len)
{
	unsigned char head[HEAD_LEN];
	struct util_replace r;
	uint64_t v = len;

	memcpy(head, MAGIC, MAGIC_LEN);
	memcpy(head + MAGIC_LEN, key, HSCACHE_KEY);
	for (int i = 0; i < 8; i++, v >>= 8)
		head[MAGIC_LEN + HSCACHE_KEY + i] = (unsigned char)(v & 0xff);
	sha256(bytes, len, head + MAGIC_LEN + HSCACHE_KEY + 8);
	if (util_replace_open(&r, dirfd, name, 0600, UTIL_REPLACE_NOSYNC) == 0 &&
	    util_write_all(r.fd, head, sizeof(head)) == 0 && util_write_all(r.fd, bytes, len) == 0)
		(void)util_replace_commit(&r);
	util_replace_close(&r);
}

void hscache_store(const char *dir, const unsigned char key[HSCACHE_KEY], const hs_database_t *db)
{
	char *bytes = NULL, name[NAME_LEN];
	size_t len = 0;
	int dirfd;

	if (!dir || !db || key_zero(key))
		return;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return;
	if ((dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return;
	if (hs_serialize_database(db, &bytes, &len) == HS_SUCCESS) {
		key_name(key, name);
		write_file(dirfd, name, key, bytes, len);
		free(bytes); /* hs's allocator is malloc: we set no other */
	}
	if (!atomic_exchange(&pruned, true)) /* once a process: a load stores hundreds */
		prune(dirfd);
	close(dirfd);
}
