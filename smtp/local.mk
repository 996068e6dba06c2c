# smtp: see Makefile.am
