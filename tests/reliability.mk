# reliability: crash, disk-full, valgrind and security tests (see the files)
