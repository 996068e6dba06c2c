/*
 * filters/hscache.h: Vectorscan databases kept on disk, so that a restart
 * with the same rules does not compile them again.
 *
 * Compiling Debian's logcheck rules takes seconds of CPU (bench/README.md),
 * and rsyslogd reads no log while its configuration loads.  A compiled
 * database is serialized (hs_serialize_database) into a file of the cache
 * directory named by a SHA-256 of everything the compile was given: the
 * library's version, the platform, and each pattern's text, flags and id.
 * So a file is either the database those patterns make, or not found: no
 * stale entry can answer for rules that changed.  A file is checked before
 * use (its own SHA-256 of the bytes that follow the header), and one that
 * fails the check, cannot be read or cannot be deserialized counts as not
 * found: the caller compiles, and hscache_store replaces it.
 *
 * Files are 0600 in a 0700 directory (made when missing; its parent must
 * exist), written by util_replace (util/replace.h) without fsync; neither
 * the directory nor a file in it is followed when it is a symbolic link.  A file used by hscache_load has its time set to now; storing
 * removes the files not used for HSCACHE_DAYS days, so rule edits and
 * library upgrades do not pile up.  Nothing here fails its caller: a cache
 * that cannot be read or written is a cache that misses.
 */
#ifndef LOGMAIL_HSCACHE_H
#define LOGMAIL_HSCACHE_H

#include <hs.h>

#define HSCACHE_KEY  32 /* a SHA-256 */
#define HSCACHE_DAYS 30

/* The key of hs_compile_multi(exprs, flags, ids, n, HS_MODE_BLOCK, pl). */
void hscache_key(const char *const *exprs, const unsigned *flags, const unsigned *ids, unsigned n,
		 const hs_platform_info_t *pl, unsigned char key[HSCACHE_KEY]);

/* The database stored under key in dir, or NULL. */
hs_database_t *hscache_load(const char *dir, const unsigned char key[HSCACHE_KEY]);

/* Keep db under key in dir (best effort). */
void hscache_store(const char *dir, const unsigned char key[HSCACHE_KEY], const hs_database_t *db);

#endif
