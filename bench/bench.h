/*
 * bench/bench.h: what the benchmarks share: a small deterministic PRNG
 * (the same corpus on every run) and a comparison to sort timings.
 * bench/corpus.h builds the shared syslog corpus with them.
 */
#ifndef LOGMAIL_BENCH_H
#define LOGMAIL_BENCH_H

#include <stdint.h>

/* xorshift64*: 0 <= result < n, from *state (any non-zero seed). */
static inline uint32_t bench_rnd_from(uint64_t *state, uint32_t n)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return (uint32_t)((*state * 2685821657736338717ull) >> 33) % n;
}

/* For qsort of doubles, ascending. */
static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

#endif
