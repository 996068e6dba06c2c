/*
 * tests/fuzz/fuzz_log_line.c: libFuzzer target for the syslog-file line
 * parser of `logmail test filters` (cli_parse_log_line, cli/log_line.c).
 *
 * Input: the bytes of one line (up to the first NUL), parsed with a fixed
 * reference time.  Checks, when the line parses:
 *   - host, tag and text point into the line, the program name into the
 *     caller's buffer, all NUL-terminated within them;
 *   - the process id, when there is one, lies inside the tag;
 *   - severity and facility are -1 together (no <PRI>) or in 0..7, 0..23;
 *   - the tag, when there is one, ends in ':' and the program name is a
 *     prefix of it.
 * A broken invariant traps (__builtin_trap), so libFuzzer keeps the input.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "engine/engine.h"

#define REF_TIME 1782907200 /* 2026-07-01 12:00:00 UTC */

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_log_line.c:%d: invariant broken: %s\n", __LINE__,    \
				#cond);                                                            \
			__builtin_trap();                                                          \
		}                                                                                  \
	} while (0)

static bool inside(const char *p, const char *buf, size_t len)
{
	return p >= buf && p <= buf + len && memchr(p, '\0', (size_t)(buf + len + 1 - p)) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len = strnlen((const char *)data, size);
	char *line = malloc(len + 1), program[64];
	struct engine_msg m;
	bool has_pri;

	if (line == NULL)
		return 0;
	memcpy(line, data, len);
	line[len] = '\0';
	if (cli_parse_log_line(line, REF_TIME, &m, &has_pri, program, sizeof(program))) {
		CHECK(inside(m.host, line, len) && *m.host != '\0');
		CHECK(*m.text == '\0' || inside(m.text, line, len));
		CHECK(m.tag != NULL && (*m.tag == '\0' || inside(m.tag, line, len)));
		CHECK(m.program == program || *m.program == '\0');
		CHECK(strnlen(m.program, sizeof(program)) < sizeof(program));
		if (*m.tag != '\0') {
			CHECK(m.tag[strlen(m.tag) - 1] == ':');
			CHECK(strncmp(m.tag, m.program, strlen(m.program)) == 0);
		}
		if (m.procid != NULL)
			CHECK(m.procid > m.tag && m.procid + m.procid_len < m.tag + strlen(m.tag));
		if (has_pri)
			CHECK(m.severity >= 0 && m.severity <= 7 && m.facility >= 0 &&
			      m.facility <= 23);
		else
			CHECK(m.severity == -1 && m.facility == -1);
	}
	free(line);
	return 0;
}
