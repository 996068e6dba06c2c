/*
 * tests/unit/test_util.c: util/replace.h (atomic replacement, symbolic
 * links followed or not) and util/trust.h (who may own what), on real
 * files in a temporary directory.
 */
#include "util/replace.h"
#include "util/trust.h"

#include <criterion/criterion.h>

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_util.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(replace, .init = setup, .fini = teardown);
TestSuite(trust);

static void path_of(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", dir, name);
}

static void put(const char *name, const char *text)
{
	char p[256];
	FILE *f;

	path_of(p, sizeof(p), name);
	f = fopen(p, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

static char *get(const char *name)
{
	static char buf[256];
	char p[256];
	FILE *f;
	size_t n;

	path_of(p, sizeof(p), name);
	f = fopen(p, "r");
	cr_assert_not_null(f, "%s", p);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void link_to(const char *target, const char *name)
{
	char p[256];

	path_of(p, sizeof(p), name);
	cr_assert_eq(symlink(target, p), 0);
}

static bool is_link(const char *name)
{
	char p[256];
	struct stat st;

	path_of(p, sizeof(p), name);
	return lstat(p, &st) == 0 && S_ISLNK(st.st_mode);
}

static int replace(const char *name, const char *text, unsigned flags, char *why, size_t size)
{
	char p[256];

	path_of(p, sizeof(p), name);
	return util_replace_write(AT_FDCWD, p, 0640, flags, text, strlen(text), why, size);
}

/* Nothing but the names given (no temporary file left behind). */
static void only(size_t n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t count = 0;

	cr_assert_not_null(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			count++;
	closedir(d);
	cr_assert_eq(count, n, "%zu files in %s, expected %zu", count, dir, n);
}

Test(replace, new_and_existing_files_get_the_content_and_the_mode_whatever_the_umask)
{
	char p[256], why[256];
	struct stat st;
	mode_t old = umask(077);

	cr_assert_eq(replace("f", "one\n", 0, why, sizeof(why)), 0, "%s", why);
	cr_assert_str_eq(get("f"), "one\n");
	put("f", "stale\n");
	cr_assert_eq(replace("f", "two\n", UTIL_REPLACE_NOSYNC, why, sizeof(why)), 0, "%s", why);
	cr_assert_str_eq(get("f"), "two\n");
	umask(old);
	path_of(p, sizeof(p), "f");
	cr_assert_eq(stat(p, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0640);
	only(1);
}

Test(replace, a_planted_link_is_replaced_never_written_through)
{
	char victim[256], why[256];
	struct stat before, after;

	put("victim", "precious\n");
	path_of(victim, sizeof(victim), "victim");
	cr_assert_eq(stat(victim, &before), 0);
	link_to(victim, "stats");
	cr_assert_eq(replace("stats", "counts\n", 0, why, sizeof(why)), 0, "%s", why);
	cr_assert(!is_link("stats"), "the link itself is replaced");
	cr_assert_str_eq(get("stats"), "counts\n");
	cr_assert_str_eq(get("victim"), "precious\n");
	cr_assert_eq(stat(victim, &after), 0);
	cr_assert_eq(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
	cr_assert_eq(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
	only(2);
}

Test(replace, follow_writes_through_links_and_keeps_them)
{
	char why[256], repo[256];

	path_of(repo, sizeof(repo), "repo");
	cr_assert_eq(mkdir(repo, 0700), 0);
	put("repo/real.conf", "old\n");
	link_to("repo/real.conf", "middle"); /* relative to the link's folder */
	link_to("middle", "logmail.conf");   /* a link to a link */
	cr_assert_eq(replace("logmail.conf", "new\n", UTIL_REPLACE_FOLLOW, why, sizeof(why)), 0,
		     "%s", why);
	cr_assert(is_link("logmail.conf"));
	cr_assert(is_link("middle"));
	cr_assert_str_eq(get("repo/real.conf"), "new\n");
	cr_assert_str_eq(get("logmail.conf"), "new\n");
	only(3); /* repo/, two links; the temporary file was in repo/ and is gone */
}

Test(replace, follow_refuses_a_dangling_link_or_one_to_a_non_file)
{
	char why[512];

	link_to("nowhere.conf", "dangling.conf");
	cr_assert_eq(replace("dangling.conf", "x\n", UTIL_REPLACE_FOLLOW, why, sizeof(why)), -1);
	cr_assert_not_null(strstr(why, "is a symbolic link to"), "%s", why);
	cr_assert_not_null(strstr(why, "nowhere.conf, which does not exist"), "%s", why);
	link_to("/dev/null", "null.conf");
	cr_assert_eq(replace("null.conf", "x\n", UTIL_REPLACE_FOLLOW, why, sizeof(why)), -1);
	cr_assert_str_eq(why, "leads to /dev/null, which is not a regular file; nothing saved");
	link_to("loop.conf", "loop.conf");
	cr_assert_eq(replace("loop.conf", "x\n", UTIL_REPLACE_FOLLOW, why, sizeof(why)), -1);
	cr_assert_not_null(strstr(why, "Too many levels of symbolic links"), "%s", why);
	cr_assert(is_link("dangling.conf") && is_link("null.conf") && is_link("loop.conf"));
	only(3); /* nothing created */
}

Test(replace, a_failed_write_leaves_the_old_file_and_no_temporary)
{
	struct util_replace r;
	char p[256];

	put("f", "old\n");
	path_of(p, sizeof(p), "f");
	cr_assert_eq(util_replace_open(&r, AT_FDCWD, p, 0600, 0), 0, "%s", r.why);
	cr_assert_eq(util_write_all(r.fd, "half", 4), 0);
	util_replace_close(&r); /* abandoned before the commit */
	cr_assert_str_eq(get("f"), "old\n");
	only(1);
	cr_assert_eq(replace("missing/f", "x", 0, r.why, sizeof(r.why)), -1);
	cr_assert_str_eq(r.why, "cannot create a temporary file: No such file or directory");
}

static struct stat owned(uid_t uid, mode_t mode)
{
	struct stat st = {0};

	st.st_uid = uid;
	st.st_mode = S_IFDIR | mode;
	return st;
}

Test(trust, root_and_the_running_user_own_what_only_they_may_write)
{
	char why[512] = "";
	struct stat st = owned(0, 0755);

	cr_assert(util_trusted(&st, "/s", why, sizeof(why)));
	st = owned(geteuid(), 0700);
	cr_assert(util_trusted(&st, "/s", why, sizeof(why)));
	st = owned(0, 01755);
	cr_assert(util_trusted(&st, "/s", why, sizeof(why)));
	cr_assert_str_eq(why, "");
}

Test(trust, another_owner_or_a_group_or_world_write_bit_is_refused_with_the_fix)
{
	char why[512], me[64];
	struct stat st = owned(65534, 0700);

	if (geteuid() == 65534)
		cr_skip_test("runs as nobody");
	util_user_name(geteuid(), me, sizeof(me));
	cr_assert(!util_trusted(&st, "/s", why, sizeof(why)));
	cr_assert_not_null(strstr(why, "owned by nobody with mode 0700: not trusted"), "%s", why);
	cr_assert_not_null(strstr(why, "; chown "), "%s", why);
	cr_assert_not_null(strstr(why, me), "%s", why);
	cr_assert_null(strstr(why, "chmod"), "%s", why);
	st = owned(geteuid(), 0777);
	cr_assert(!util_trusted(&st, "/s", why, sizeof(why)));
	cr_assert_not_null(strstr(why, "with mode 0777"), "%s", why);
	cr_assert_not_null(strstr(why, "; chmod go-w /s"), "%s", why);
	cr_assert_null(strstr(why, "chown"), "%s", why);
	st = owned(0, 0620); /* group write alone */
	cr_assert(!util_trusted(&st, "/s", why, sizeof(why)));
	/* a long path cuts the line, never overflows it */
	cr_assert(!util_trusted(&st, "/a-very-long-path", why, 40));
	cr_assert_eq(strlen(why), 39);
}
