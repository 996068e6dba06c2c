# systemd/: logmail-flush.service and logmail-flush.timer, which deliver the
# queue every minute when no omlogmail does (see the units' comments).  The
# service names the installed logmail, so it is made from its .in here.
if HAVE_SYSTEMD
systemdsystemunit_DATA = systemd/logmail-flush.service systemd/logmail-flush.timer
endif
EXTRA_DIST += systemd/logmail-flush.service.in systemd/logmail-flush.timer
CLEANFILES += systemd/logmail-flush.service

systemd/logmail-flush.service: $(srcdir)/systemd/logmail-flush.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && \
	sed -e 's|@bindir[@]|$(bindir)|g' $(srcdir)/systemd/logmail-flush.service.in >$@.tmp && \
	mv $@.tmp $@

# The units as systemd reads them (systemd-analyze verify), with the
# service pointed at the built logmail.
TESTS += tests/integration/systemd-units.sh
EXTRA_DIST += tests/integration/systemd-units.sh
