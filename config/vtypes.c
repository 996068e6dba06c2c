/*
 * config/vtypes.c: the value types of placeholders (WORD, ADDRESS, LEVEL
 * ...): what each accepts, the noun its errors use, and the choices `?`
 * and Tab offer.
 */
#include "config/cmdtree.h"
#include "util/address.h"

#include <stdio.h>
#include <string.h>

/* ---- value types ---------------------------------------------------------------- */

static bool any_value(const struct conf_word *w, char *msg, size_t size)
{
	(void)w, (void)msg, (void)size;
	return true;
}

/* Server names and mail addresses end up in SMTP commands and headers. */
static bool bad_chars(const char *s)
{
	return s[0] == '\0' || strpbrk(s, " \t\r\n<>\"");
}

static bool check_host(const struct conf_word *w, char *msg, size_t size)
{
	if (!bad_chars(w->text))
		return true;
	snprintf(msg, size, "invalid server name \"%.100s\" (no blanks, quotes or <>)", w->text);
	return false;
}

/* `mail from ADDRESS`, `log email ADDRESS`: the one check (util/address.h). */
static bool check_address(const struct conf_word *w, char *msg, size_t size)
{
	const char *why = util_address_check(w->text, strlen(w->text));

	if (!why)
		return true;
	snprintf(msg, size, "invalid email address \"%.100s%s\" (%s)", w->text,
		 strlen(w->text) > 100 ? "..." : "", why);
	return false;
}

static bool check_length(const struct conf_word *w, size_t max, const char *noun, char *msg,
			 size_t size)
{
	size_t n = strlen(w->text);

	if (n > 0 && n <= max)
		return true;
	snprintf(msg, size, "expected a %s of 1-%zu characters", noun, max);
	return false;
}

static bool check_password(const struct conf_word *w, char *msg, size_t size)
{
	return check_length(w, CONF_PASSWORD_MAX, "password", msg, size);
}

/* OAuth client secrets and refresh tokens: longer than passwords. */
static bool check_secret(const struct conf_word *w, char *msg, size_t size)
{
	return check_length(w, CONF_SECRET_MAX, "secret", msg, size);
}

static bool check_level(const struct conf_word *w, char *msg, size_t size)
{
	if (conf_level_parse(w->text) != CONF_LEVEL_ANY)
		return true;
	snprintf(msg, size,
		 "unknown level \"%.100s\" (expected emergencies, alerts, critical, errors, "
		 "warnings, notices, informational, debugging or 0-7)",
		 w->text);
	return false;
}

static bool check_facility(const struct conf_word *w, char *msg, size_t size)
{
	if (conf_facility_parse(w->text) != CONF_FACILITY_ANY)
		return true;
	snprintf(msg, size,
		 "unknown facility \"%.100s\" (expected kern, user, mail, daemon, auth, syslog, "
		 "lpr, news, uucp, cron, authpriv, ftp or local0-local7)",
		 w->text);
	return false;
}

static bool check_offset(const struct conf_word *w, char *msg, size_t size)
{
	if (conf_offset_parse(w->text, NULL) == 0)
		return true;
	snprintf(msg, size, "expected a time offset [+|-]H[:MM] under 24 hours, got \"%.100s\"",
		 w->text);
	return false;
}

static const char *const level_choices[] = {
    "emergencies\tSystem is unusable (0)",       "alerts\tAction must be taken immediately (1)",
    "critical\tCritical conditions (2)",         "errors\tError conditions (3)",
    "warnings\tWarning conditions (4)",          "notices\tNormal, but significant, conditions (5)",
    "informational\tInformational messages (6)", "debugging\tDebug-level messages (7)",
    "<0-7>\tThe severity as a number",           NULL,
};

static const char *const facility_choices[] = {
    "kern\tKernel messages",
    "user\tUser-level messages",
    "mail\tMail system",
    "daemon\tSystem daemons",
    "auth\tSecurity and authorization messages",
    "syslog\tMessages of the syslog daemon",
    "lpr\tLine printer subsystem",
    "news\tNetwork news subsystem",
    "uucp\tUUCP subsystem",
    "cron\tClock daemon",
    "authpriv\tPrivate security and authorization messages",
    "ftp\tFTP daemon",
    "local0\tLocal use 0",
    "local1\tLocal use 1",
    "local2\tLocal use 2",
    "local3\tLocal use 3",
    "local4\tLocal use 4",
    "local5\tLocal use 5",
    "local6\tLocal use 6",
    "local7\tLocal use 7",
    NULL,
};

static const struct vtype vtypes[] = {
    {"WORD", "a value", false, false, NULL, any_value},
    {"LINE", "a value", false, false, NULL, any_value},
    {"FILE", "a value", false, false, NULL, any_value},
    {"HOST", "a value", false, false, NULL, check_host},
    {"ADDRESS", "an email address", false, false, NULL, check_address},
    {"PASSWORD", "a value", true, false, NULL, check_password},
    {"SECRET", "a value", true, false, NULL, check_secret},
    {"LEVEL", "a value", false, false, level_choices, check_level},
    {"FACILITY", "a value", false, false, facility_choices, check_facility},
    {"OFFSET", "a value", false, false, NULL, check_offset},
    {"REGEX", "a value", false, true, NULL, any_value},
    {"COMMAND", "a command", false, true, NULL, any_value},
};

const struct vtype conf_range_type = {"<range>", "a value", false, false, NULL, NULL};

const struct vtype *conf_vtype_find(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(vtypes) / sizeof(vtypes[0]); i++)
		if (strlen(vtypes[i].name) == len && strncmp(vtypes[i].name, name, len) == 0)
			return &vtypes[i];
	return NULL;
}
