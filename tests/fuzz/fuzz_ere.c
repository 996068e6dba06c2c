/*
 * tests/fuzz/fuzz_ere.c: libFuzzer target for logcheck's rules: the GNU ERE
 * translation (logcheck_ere_to_pcre, filters/logcheck_ere.c) and the two regex
 * engines behind it (filters/internal.h).
 *
 * Input: an ERE on the first line (a rule as logcheck reads it), then texts,
 * one per line.  When the ERE translates, the translation is compiled with
 * Vectorscan (where this build and the pattern allow) and with PCRE2 only,
 * and every text must get the same answer from both and from the pattern
 * alone (multire_match); a difference traps.  Seed input:
 *
 *   ^(\w{3} [ :[:digit:]]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ sshd\[[0-9]+\]: a{2,}b?
 *   Nov 30 12:00:01 web1 sshd[1]: aab
 */
#include "filters/filter.h"
#include "filters/internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void broken(int line, const char *what)
{
	fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, line, what);
	__builtin_trap();
}

static struct multire *compile(const char *re, unsigned flags)
{
	struct multire *m = NULL;
	struct conf_err err;
	unsigned id = 0;

	if (multire_compile(&re, &id, 1, flags, &m, &err) < 0)
		return NULL;
	return m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl = memchr(p, '\n', size);
	size_t len = (size_t)((nl ? nl : end) - p);
	char ere[513], why[256], *re;
	struct multire *fast = NULL, *slow = NULL;
	struct multire_scratch *s = NULL;

	if (len >= sizeof(ere) || memchr(p, '\0', len))
		return 0;
	memcpy(ere, p, len);
	ere[len] = '\0';
	if (!(re = logcheck_ere_to_pcre(ere, why, sizeof(why))))
		return 0;
	fast = compile(re, 0);
	slow = compile(re, MULTIRE_PCRE2_ONLY);
	s = multire_scratch_new();
	if (!fast || !slow || !s || multire_scratch_fit(s, fast) < 0 ||
	    multire_scratch_fit(s, slow) < 0)
		goto out;
	if (multire_engine_of(fast, 0) == MULTIRE_BROKEN) /* a rule that does not load */
		goto out;
	for (p = nl ? nl + 1 : end; p < end;) {
		const char *t = p;
		uint64_t a = 0, b = 0;

		nl = memchr(p, '\n', (size_t)(end - p));
		len = (size_t)((nl ? nl : end) - t);
		p = nl ? nl + 1 : end;
		multire_scan(fast, s, t, len, &a);
		multire_scan(slow, s, t, len, &b);
		if (a != b)
			broken(__LINE__, "Vectorscan and PCRE2 disagree");
		if ((a != 0) != multire_match(fast, s, 0, t, len))
			broken(__LINE__, "the scan and the pattern alone disagree");
	}
out:
	multire_scratch_free(s);
	multire_free(fast);
	multire_free(slow);
	free(re);
	return 0;
}
