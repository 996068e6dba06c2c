# util/: the system helpers several libraries share (util/util.h, header only).
noinst_HEADERS += util/util.h
