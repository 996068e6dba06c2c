/*
 * tests/fuzz/fuzz_conf.c: libFuzzer target for the configuration grammar.
 * The input is split into lines and fed to conf_exec one by one; after each
 * line the writer's output must read back to the same configuration.
 */
#include "config/conf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check_round_trip(const struct conf *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct conf *back = conf_new();
	struct conf_err err;
	char *line, *save = NULL;

	if (!f || !back)
		goto out;
	conf_write(c, f);
	fclose(f);
	f = NULL;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (conf_exec(back, line, "<written>", 1, &err) != CONF_OK) {
			/* the writer printed something the parser refuses */
			fprintf(stderr, "refused: %s\n%s\n", line, err.msg);
			abort();
		}
	if (!conf_equal(c, back)) {
		fprintf(stderr, "round trip differs; written:\n");
		conf_write(c, stderr);
		abort();
	}
out:
	if (f)
		fclose(f);
	free(buf);
	conf_free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf *c = conf_new();
	char *text = malloc(size + 1);
	char *line, *save = NULL;
	struct conf_err err;
	unsigned n = 0;

	if (!c || !text)
		goto out;
	memcpy(text, data, size);
	text[size] = '\0';
	/* No key file: plain passwords fail with CONF_ESECRET, password 8 works. */
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		conf_exec(c, line, "<fuzz>", ++n, &err);
		char buf[1024];
		conf_err_format(&err, buf, sizeof(buf));
	}
	check_round_trip(c);
out:
	free(text);
	conf_free(c);
	return 0;
}
