# config: see Makefile.am
