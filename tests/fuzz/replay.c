/*
 * tests/fuzz/replay.c: run a fuzz target's LLVMFuzzerTestOneInput over
 * files, without libFuzzer, so every corpus input and every kept crash is a
 * test in plain `make check` (and under the sanitizer build).
 *
 *   replay_<target> [FILE|DIR]...
 *
 * With no argument it replays $top_srcdir/tests/fuzz/corpus/<target>/ and
 * $top_srcdir/tests/fuzz/regressions/<target>/ (REPLAY_TARGET is set at
 * build time), which is how `make check` runs it.  Directories are read in
 * name order; dot files (e.g. .gitkeep) are skipped.  Each input runs in a
 * child process: a crash (the target traps, a sanitizer aborts) is named
 * and the others still run; the exit status is 1 if any input crashed or
 * could not be read.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* Run the target on one input in a child, so that one crash does not hide
 * the others: every failing input is named in the log. */
static int run_one(const char *path, const uint8_t *data, size_t len)
{
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "replay: fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		LLVMFuzzerTestOneInput(data, len);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status))
		fprintf(stderr, "replay: CRASH on %s (signal %d)\n", path, WTERMSIG(status));
	else
		fprintf(stderr, "replay: CRASH on %s (exit %d)\n", path, WEXITSTATUS(status));
	return -1;
}

static int replay_file(const char *path, unsigned *count)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, n;
	int rc;

	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	do {
		if (cap - len < 4096) {
			uint8_t *nb = realloc(buf, cap ? cap * 2 : 8192);

			if (!nb) {
				free(buf);
				fclose(f);
				return -1;
			}
			buf = nb;
			cap = cap ? cap * 2 : 8192;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	printf("replay: %s (%zu bytes)\n", path, len);
	fflush(stdout);
	/* An exact-size copy, so ASan sees any read past the input's end. */
	uint8_t *exact = malloc(len ? len : 1);
	if (!exact) {
		free(buf);
		return -1;
	}
	memcpy(exact, buf, len);
	free(buf);
	(*count)++;
	rc = run_one(path, exact, len);
	free(exact);
	return rc;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int replay_path(const char *path, unsigned *count)
{
	struct dirent **names = NULL;
	struct stat st;
	int n, rc = 0;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path, count);
	n = scandir(path, &names, NULL, by_name);
	if (n < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char full[4096];

		if (names[i]->d_name[0] != '.') {
			snprintf(full, sizeof(full), "%s/%s", path, names[i]->d_name);
			if (replay_path(full, count) < 0)
				rc = -1;
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned count = 0;
	int rc = 0;

	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			if (replay_path(argv[i], &count) < 0)
				rc = 1;
	} else {
#ifdef REPLAY_TARGET
		const char *top = getenv("top_srcdir");
		const char *sub[] = {"corpus", "regressions"};
		char dir[4096];
		struct stat st;

		if (!top)
			top = ".";
		for (int i = 0; i < 2; i++) {
			snprintf(dir, sizeof(dir), "%s/tests/fuzz/%s/%s", top, sub[i], REPLAY_TARGET);
			/* regressions/<target>/ may not exist yet: no crash kept. */
			if (i == 1 && stat(dir, &st) < 0)
				continue;
			if (replay_path(dir, &count) < 0)
				rc = 1;
		}
#else
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
#endif
	}
	printf("replay: %u inputs, %s\n", count, rc ? "FAILED (see above)" : "no crash");
	return rc;
}
