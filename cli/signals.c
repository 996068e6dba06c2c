/*
 * cli/signals.c: Ctrl-C and Ctrl-Z while the interactive shell runs a
 * command.  Ctrl-C interrupts what the command waits for (the To: prompt of
 * `mail`, its body) instead of ending logmail, and Ctrl-Z does nothing;
 * while a line is edited the terminal sends both as keys (cli/term.c).
 */
#include "cli/internal.h"

#include <signal.h>

static volatile sig_atomic_t got_intr;

static void on_intr(int sig)
{
	(void)sig;
	got_intr = 1;
}

bool cli_interrupted(void)
{
	return got_intr != 0;
}

void cli_interrupt_clear(void)
{
	got_intr = 0;
}

void cli_catch_signals(bool on, struct sigaction *old_int, struct sigaction *old_tstp)
{
	struct sigaction sa = {.sa_handler = on_intr}, ign = {.sa_handler = SIG_IGN};

	if (!on) {
		sigaction(SIGINT, old_int, NULL);
		sigaction(SIGTSTP, old_tstp, NULL);
		return;
	}
	sigemptyset(&sa.sa_mask);
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &sa, old_int); /* no SA_RESTART: reads return EINTR */
	sigaction(SIGTSTP, &ign, old_tstp);
}
