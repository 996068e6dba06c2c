/*
 * smtp/oauth.c: where XOAUTH2 and OAUTHBEARER get their access token when
 * it comes from a command (`token-command`, like msmtp's passwordeval).
 *
 * The command runs through /bin/sh -c in a session of its own (setsid: no
 * controlling terminal, so it cannot prompt and a shell's Ctrl-C does not
 * reach it), stdin /dev/null, signals back to their defaults, within a
 * timeout after which its whole process group is killed.  The first line of
 * its standard output is the token; the first line of its standard error
 * says why when it fails.  posix_spawn rather than fork: this runs inside
 * rsyslogd's threads too.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "smtp/smtp-internal.h"

extern char **environ;

#define TOKEN_CMD_TIMEOUT 30 /* seconds, when smtp_token_cmd.timeout_sec is 0 */

struct child_out {
	char out[SMTP_TOKEN_MAX + 2]; /* stdout, of which the first line counts */
	size_t outlen;
	char err[256]; /* stderr's beginning */
	size_t errlen;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Keep what fits of what fd has; false at end of file or error. */
static bool drain(int fd, char *buf, size_t size, size_t *len)
{
	char scratch[4096];
	ssize_t n;

	if (*len + 1 < size)
		n = read(fd, buf + *len, size - 1 - *len);
	else
		n = read(fd, scratch, sizeof(scratch)); /* the rest is not kept */
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	if (*len + 1 < size)
		*len += (size_t)n;
	buf[*len] = '\0';
	explicit_bzero(scratch, sizeof(scratch));
	return true;
}

/* Read both pipes until they close or the deadline passes: false then. */
static bool collect(int out_fd, int err_fd, int64_t deadline, struct child_out *o)
{
	struct pollfd p[2] = {{.fd = out_fd, .events = POLLIN}, {.fd = err_fd, .events = POLLIN}};

	while (p[0].fd >= 0 || p[1].fd >= 0) {
		int64_t left = deadline - now_ms();
		int r;

		if (left <= 0)
			return false;
		r = poll(p, 2, (int)(left > 1000 ? 1000 : left));
		if (r < 0 && errno != EINTR)
			return false;
		if (p[0].fd >= 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    !drain(out_fd, o->out, sizeof(o->out), &o->outlen))
			p[0].fd = -1;
		if (p[1].fd >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    !drain(err_fd, o->err, sizeof(o->err), &o->errlen))
			p[1].fd = -1;
	}
	return true;
}

static pid_t spawn(const char *command, int out_fd, int err_fd)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	char *argv[] = {"sh", "-c", (char *)command, NULL};
	pid_t pid = -1;

	sigemptyset(&none);
	sigfillset(&all);
	if (posix_spawn_file_actions_init(&fa) != 0)
		return -1;
	if (posix_spawnattr_init(&at) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return -1;
	}
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &all);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK |
					  POSIX_SPAWN_SETSIGDEF);
	if (posix_spawn(&pid, "/bin/sh", &fa, &at, argv, environ) != 0)
		pid = -1;
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return pid;
}

/* The first line of s (cut at CR or LF), in place. */
static char *first_line(char *s)
{
	s[strcspn(s, "\r\n")] = '\0';
	return s;
}

static enum smtp_status cmd_failed(struct smtp_err *err, int status, struct child_out *o)
{
	const char *why = first_line(o->err);
	int n;

	if (WIFSIGNALED(status))
		n = snprintf(err->msg, sizeof(err->msg), "token command killed by signal %d",
			     WTERMSIG(status));
	else
		n = snprintf(err->msg, sizeof(err->msg), "token command exited with status %d",
			     WEXITSTATUS(status));
	if (*why && n > 0 && (size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s", why);
	return SMTP_ETEMP;
}

static enum smtp_status run(const char *command, unsigned timeout, char *token, size_t size,
			    struct smtp_err *err)
{
	int out[2] = {-1, -1}, errp[2] = {-1, -1}, status = 0;
	struct child_out *o = calloc(1, sizeof(*o));
	enum smtp_status st = SMTP_ETEMP;
	size_t n;
	bool done;
	pid_t pid;

	err->code = 0;
	err->auth_refused = false;
	if (!o || pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
		snprintf(err->msg, sizeof(err->msg), "token command: %s", strerror(errno));
		goto out;
	}
	pid = spawn(command, out[1], errp[1]);
	close(out[1]);
	close(errp[1]);
	out[1] = errp[1] = -1;
	if (pid < 0) {
		snprintf(err->msg, sizeof(err->msg), "token command: cannot run /bin/sh");
		goto out;
	}
	done = collect(out[0], errp[0], now_ms() + (int64_t)timeout * 1000, o);
	if (!done)
		kill(-pid, SIGKILL); /* its own session: the shell and its children */
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!done)
		snprintf(err->msg, sizeof(err->msg), "token command gave no token within %u s",
			 timeout);
	else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		cmd_failed(err, status, o);
	else if ((n = strcspn(o->out, "\r\n")) == 0)
		snprintf(err->msg, sizeof(err->msg), "token command printed no token");
	else if (n >= size || n == sizeof(o->out) - 1) /* the line did not fit */
		snprintf(err->msg, sizeof(err->msg), "token command printed a token over %zu octets",
			 size - 1);
	else {
		memcpy(token, o->out, n);
		token[n] = '\0';
		st = SMTP_OK;
	}
out:
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	if (o)
		explicit_bzero(o, sizeof(*o));
	free(o);
	return st;
}

enum smtp_status smtp_token_from_command(void *arg, bool fresh, char *out, size_t size,
					 struct smtp_err *err)
{
	struct smtp_token_cmd *t = arg;
	enum smtp_status st;

	if (t->cached[0] && !fresh && strlen(t->cached) < size) {
		memcpy(out, t->cached, strlen(t->cached) + 1);
		return SMTP_OK;
	}
	explicit_bzero(t->cached, sizeof(t->cached));
	if (!t->command) {
		snprintf(err->msg, sizeof(err->msg), "no token command");
		return SMTP_EPERM;
	}
	st = run(t->command, t->timeout_sec ? t->timeout_sec : TOKEN_CMD_TIMEOUT, out, size, err);
	if (st == SMTP_OK && strlen(out) < sizeof(t->cached))
		memcpy(t->cached, out, strlen(out) + 1);
	return st;
}

bool smtp_token_cmd_set(struct smtp_token_cmd *t, const char *command)
{
	char *copy;

	if (t->command && strcmp(t->command, command) == 0)
		return true;
	if (!(copy = strdup(command)))
		return false;
	smtp_token_cmd_clear(t);
	t->command = copy;
	return true;
}

void smtp_token_cmd_clear(struct smtp_token_cmd *t)
{
	explicit_bzero(t->cached, sizeof(t->cached));
	free(t->command);
	t->command = NULL;
}
