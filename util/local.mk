# util/: the system helpers several libraries share (util/util.h) and the
# one check of an email address (util/address.h); header only, tested by
# tests/unit/test_address (tests/local.mk).
noinst_HEADERS += util/util.h util/address.h
