/*
 * digest/importance.c: what a full digest shows.  When a line does not fit
 * (its caps), the lines a mail shows are chosen by importance, in this
 * order (issue 28, DESIGN.md "Storms"):
 *
 *   1. the logcheck section: Security Alerts, then Security Events, then
 *      the others alike;
 *   2. the severity (emerg first; unknown last);
 *   3. a line whose first message made a kind never seen before;
 *   4. the count (messages it stands for).
 *
 * A new line that outranks the least important line of the digest takes
 * its place: that line's messages move to the summary of what was not
 * shown (counted as ever), so the summary holds only lines less important
 * than the ones shown, as far as one eviction per message goes.  Security
 * Alerts and Security Events lines are never moved out, and are stored
 * past the caps up to a cap of their own (max_messages such lines); only
 * past that are they counted in the summary.
 *
 * Everything here runs under the recipient's lock, from store()
 * (digest/digest.c).
 */
#include "digest/internal.h"

/* Security Alerts 2, Security Events 1, any other section 0. */
static int security(int section)
{
	return section == DIGEST_SECTION_SECURITY_ALERTS   ? 2
	       : section == DIGEST_SECTION_SECURITY_EVENTS ? 1
							   : 0;
}

int digest_importance_cmp(int section_a, int severity_a, bool new_a, uint32_t count_a,
			  int section_b, int severity_b, bool new_b, uint32_t count_b)
{
	if (security(section_a) != security(section_b))
		return security(section_a) - security(section_b);
	if (DIGEST_SEV_RANK(severity_a) != DIGEST_SEV_RANK(severity_b))
		return DIGEST_SEV_RANK(severity_b) - DIGEST_SEV_RANK(severity_a);
	if (new_a != new_b)
		return new_a ? 1 : -1;
	return count_a > count_b ? 1 : count_a < count_b ? -1 : 0;
}

static int entry_cmp(const struct digest_entry *a, const struct digest_entry *b)
{
	return digest_importance_cmp(a->section, a->severity, a->new_kind, a->count, b->section,
				     b->severity, b->new_kind, b->count);
}

/* The least important line of p that may be moved out (not a security
 * line; the last among equals, the newest), or -1. */
static long least(const struct digest_batch *p)
{
	long best = -1;

	for (unsigned i = 0; i < p->n; i++) {
		const struct digest_entry *e = &p->st.entry[i];

		if (security(e->section))
			continue;
		if (best < 0 || entry_cmp(e, &p->st.entry[best]) <= 0)
			best = (long)i;
	}
	return best;
}

/* Move line i of r's pending digest to its summary of what was not shown. */
static void move_out(struct digest_recipient *r, unsigned i)
{
	struct digest_batch *p = &r->pending;
	const struct digest_entry *e = &p->st.entry[i];
	size_t start = digest_entry_start(p, i), len = e->end - 1 - start;
	const char *line = p->st.buf + start;
	uint32_t count = e->count;
	struct digest_fold f;

	digest_fold_scan(line + e->at.rest, len - e->at.rest, e->at.program - e->at.rest, &f);
	(void)digest_batch_summarize(p, line, len, &e->at, &f, count, e->severity);
	p->shown -= count;
	p->not_shown += count;
	r->count.held -= count;
	r->count.not_shown += count;
	digest_batch_remove(p, i);
}

static unsigned security_lines(const struct digest_batch *p)
{
	unsigned n = 0;

	for (unsigned i = 0; i < p->n; i++)
		n += security(p->st.entry[i].section) != 0;
	return n;
}

bool digest_importance_admit(struct digest_recipient *r, const struct digest_msg *m,
			     const struct digest_line *l)
{
	struct digest_batch *p = &r->pending;
	struct digest_entry mine = {.count = 1,
				    .new_kind = l->new_kind,
				    .severity = (int8_t)(m->severity > 7    ? 7
							 : m->severity < -1 ? -1
									    : m->severity),
				    .section = digest_section_of(m->section)};
	long k;

	if (p->n == 0)
		return false;
	while (!digest_fits(r, l->len) && (k = least(p)) >= 0 &&
	       entry_cmp(&mine, &p->st.entry[k]) > 0)
		move_out(r, (unsigned)k);
	if (!digest_fits(r, l->len) &&
	    !(security(mine.section) && security_lines(p) < r->max_messages))
		return false;
	return digest_batch_push(p, l, r->fold, m->severity, m->section, m->ts);
}
