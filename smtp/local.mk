# smtp/: the SMTP client, message composition, the spool and its delivery.
noinst_LTLIBRARIES += smtp/libsmtp.la
smtp_libsmtp_la_SOURCES = \
	smtp/smtp.h \
	smtp/smtp-internal.h \
	smtp/reply.c \
	smtp/dialogue.c \
	smtp/sasl.c \
	smtp/oauth.c \
	smtp/grant.c \
	smtp/client.c \
	smtp/message.c \
	smtp/host.c \
	smtp/subst.c
smtp_libsmtp_la_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(JSONC_CFLAGS) $(LIBCURL_CFLAGS)
smtp_libsmtp_la_LIBADD = $(OPENSSL_LIBS) $(JSONC_LIBS) $(LIBCURL_LIBS)

# Unit tests of the pure pieces (reply parser, dialogue, SASL, composer).
if HAVE_CRITERION
check_PROGRAMS += tests/unit/test_smtp_client tests/unit/test_smtp_message
TESTS += tests/unit/test_smtp_client tests/unit/test_smtp_message
tests_unit_test_smtp_client_SOURCES = tests/unit/test_smtp_client.c
tests_unit_test_smtp_client_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS)
tests_unit_test_smtp_client_LDADD = smtp/libsmtp.la $(CRITERION_LIBS)
tests_unit_test_smtp_message_SOURCES = tests/unit/test_smtp_message.c
tests_unit_test_smtp_message_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS)
tests_unit_test_smtp_message_LDADD = smtp/libsmtp.la $(CRITERION_LIBS)
endif

# Integration: the client (through a small driver) against tests/servers/smtpd.py.
check_PROGRAMS += tests/integration/smtp_send_driver
tests_integration_smtp_send_driver_SOURCES = tests/integration/smtp_send_driver.c
tests_integration_smtp_send_driver_LDADD = smtp/libsmtp.la
SMTP_IT = \
	tests/integration/smtp-plain.sh \
	tests/integration/smtp-starttls.sh \
	tests/integration/smtp-smtps.sh \
	tests/integration/smtp-refusals.sh \
	tests/integration/smtp-failures.sh \
	tests/integration/smtp-extensions.sh \
	tests/integration/smtp-session.sh \
	tests/integration/smtp-recovery.sh \
	tests/integration/smtp-names.sh \
	tests/integration/smtp-postfix.sh
TESTS += $(SMTP_IT)
EXTRA_DIST += $(SMTP_IT) tests/integration/lib.sh tests/integration/postfix-lib.sh \
	tests/servers/smtpd.py

# The spool and its delivery run (owner: spool).
smtp_libsmtp_la_SOURCES += smtp/spool-internal.h smtp/spool.c smtp/spool_counters.c \
	smtp/spool_state.c smtp/spool_debug.c smtp/spool_failed.c smtp/spool_deliver.c

# The outbox: finished mails spooled by a thread of their own (omlogmail).
smtp_libsmtp_la_SOURCES += smtp/outbox.h smtp/outbox.c
if HAVE_CRITERION
check_PROGRAMS += tests/unit/test_outbox
TESTS += tests/unit/test_outbox
tests_unit_test_outbox_SOURCES = tests/unit/test_outbox.c
tests_unit_test_outbox_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS)
tests_unit_test_outbox_LDADD = smtp/libsmtp.la $(CRITERION_LIBS)
endif

# The spool against a scripted stand-in for the client (tests/unit/test_spool.c
# defines smtp_compose/open/send/close itself, so it links the spool's sources,
# not libsmtp).
if HAVE_CRITERION
check_PROGRAMS += tests/unit/test_spool
TESTS += tests/unit/test_spool
tests_unit_test_spool_SOURCES = tests/unit/test_spool.c smtp/spool-internal.h \
	smtp/spool.c smtp/spool_counters.c smtp/spool_state.c smtp/spool_debug.c \
	smtp/spool_failed.c smtp/spool_deliver.c smtp/host.c
tests_unit_test_spool_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS)
tests_unit_test_spool_LDADD = $(CRITERION_LIBS)
endif

# `mail`, `show mail`, `delete mail`, `flush`... through the logmail binary.
MAIL_IT = \
	tests/integration/mail-send.sh \
	tests/integration/mail-queue.sh \
	tests/integration/mail-failures.sh \
	tests/integration/mail-oauth.sh \
	tests/integration/mail-oauth-grant.sh
TESTS += $(MAIL_IT)
EXTRA_DIST += $(MAIL_IT)
