# digest: see Makefile.am
