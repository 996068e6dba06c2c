# filters: see Makefile.am
