/*
 * smtp/host.c: the name this host gives itself (RFC 5321 4.1.4): in EHLO,
 * on the right of Message-IDs and in the default sender.  Found the way
 * Postfix and msmtp find it: gethostname(), and when that is not fully
 * qualified, the canonical name getaddrinfo(AI_CANONNAME) gives for it.
 * A host with no name holding a dot has none: EHLO then sends an address
 * literal of the connection's own address ("[192.0.2.1]", "[IPv6:...]").
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "smtp/smtp-internal.h"

bool smtp_is_fqdn(const char *name)
{
	size_t n = strlen(name);

	/* "localhost.localdomain" and the like name no one. */
	return n > 0 && strchr(name, '.') && name[0] != '.' && name[n - 1] != '.' &&
	       strcmp(name, "localhost.localdomain") != 0 && strspn(name, "0123456789.") != n;
}

int smtp_address_literal(const struct sockaddr *sa, char *out, size_t size)
{
	char addr[INET6_ADDRSTRLEN];
	int n;

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		/* A v4-mapped address is an IPv4 one (RFC 5321 4.1.3). */
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			if (!inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], addr, sizeof(addr)))
				return -1;
			n = snprintf(out, size, "[%s]", addr);
		} else {
			if (!inet_ntop(AF_INET6, &s6->sin6_addr, addr, sizeof(addr)))
				return -1;
			n = snprintf(out, size, "[IPv6:%s]", addr);
		}
	} else if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;

		if (!inet_ntop(AF_INET, &s4->sin_addr, addr, sizeof(addr)))
			return -1;
		n = snprintf(out, size, "[%s]", addr);
	} else {
		return -1;
	}
	return n < 0 || (size_t)n >= size ? -1 : n;
}

bool smtp_local_domain(const char *configured, char *out, size_t size)
{
	struct addrinfo hints = {.ai_flags = AI_CANONNAME, .ai_socktype = SOCK_STREAM};
	struct addrinfo *res = NULL;
	char host[256] = "";
	bool fq;

	if (configured && *configured) {
		snprintf(out, size, "%s", configured);
		return true;
	}
	if (gethostname(host, sizeof(host) - 1) != 0 || !host[0])
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	fq = smtp_is_fqdn(host);
	if (!fq && getaddrinfo(host, NULL, &hints, &res) == 0 && res && res->ai_canonname &&
	    smtp_is_fqdn(res->ai_canonname)) {
		snprintf(host, sizeof(host), "%s", res->ai_canonname);
		fq = true;
	}
	if (res)
		freeaddrinfo(res);
	snprintf(out, size, "%s", host);
	return fq;
}
