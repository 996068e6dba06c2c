# etc/: the example configuration.  `make install` puts it among the
# documentation (it never writes /etc); the Debian package installs it as
# the conffile /etc/logmail/logmail.conf, mode 0600.
examplesdir = $(docdir)/examples
dist_examples_DATA = etc/logmail.conf

TESTS += tests/integration/example-config.sh
EXTRA_DIST += tests/integration/example-config.sh
