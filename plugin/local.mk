# plugin: see Makefile.am
