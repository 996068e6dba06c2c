#!/bin/bash
# rsyslog-crash.sh with sync="on" (the journal fdatasync'd for every batch).
CRASH_ACTION_ARGS='sync="on"' exec bash "$(dirname "$0")/rsyslog-crash.sh"
