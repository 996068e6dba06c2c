/*
 * filters/logcheck_sig.c: logcheck_signature, what logcheck_load would
 * read, as a string a caller compares to keep compiled rules (filter.h).
 */
#include "filters/logcheck-internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* One line of a signature: what stat says of path (name, the part shown). */
static void sig_stat(struct buf *b, const char *path, const char *name)
{
	struct stat st;
	char tmp[192];

	lc_buf_str(b, name);
	if (stat(path, &st) < 0) {
		snprintf(tmp, sizeof(tmp), " -%d\n", errno);
	} else {
		snprintf(tmp, sizeof(tmp), " %ju %jd %jd.%09ld %jd.%09ld %o\n",
			 (uintmax_t)st.st_ino, (intmax_t)st.st_size, (intmax_t)st.st_mtim.tv_sec,
			 st.st_mtim.tv_nsec, (intmax_t)st.st_ctim.tv_sec, st.st_ctim.tv_nsec,
			 (unsigned)st.st_mode);
	}
	lc_buf_str(b, tmp);
}

/* The lines of directory path's entries, sorted (readdir's order may
 * change while nothing else does). */
static void sig_dir(struct buf *b, const char *path)
{
	char **names = NULL;
	size_t n = 0;
	DIR *dp = opendir(path);
	struct dirent *e;
	bool nomem = false;

	while (dp && (e = readdir(dp)) && !nomem) {
		char **slot;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if ((slot = lc_push(&names, &n, sizeof(*names), &nomem)) &&
		    !(*slot = strdup(e->d_name)))
			n--, nomem = true;
	}
	if (dp)
		closedir(dp);
	b->nomem = b->nomem || nomem;
	if (n)
		qsort(names, n, sizeof(*names), lc_name_cmp);
	for (size_t i = 0; i < n; i++) {
		char *full = NULL;

		if (asprintf(&full, "%s/%s", path, names[i]) < 0)
			b->nomem = true;
		else
			sig_stat(b, full, names[i]);
		free(full);
		free(names[i]);
	}
	free(names);
}

char *logcheck_signature(const char *dir, int level)
{
	struct buf b = {0};

	dir = dir ? dir : LOGCHECK_DEFAULT_DIR;
	sig_stat(&b, dir, ".");
	for (int d = LOGCHECK_CRACKING;
	     level >= CONF_LOGCHECK_PARANOID && d <= LOGCHECK_IGNORE_PARANOID + level - 1; d++) {
		char *path = NULL;

		if (asprintf(&path, "%s/%s", dir, logcheck_dir_name((enum logcheck_dir)d)) < 0) {
			b.nomem = true;
			break;
		}
		sig_stat(&b, path, logcheck_dir_name((enum logcheck_dir)d));
		sig_dir(&b, path);
		free(path);
	}
	if (b.nomem) {
		free(b.s);
		return NULL;
	}
	return b.s;
}
