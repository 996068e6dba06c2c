#!/bin/bash
# etc/logmail.conf, the example configuration the package installs: as
# shipped it is an empty configuration (every command commented out), and
# every command it shows commented out is accepted by `logmail configure`
# (they are written as `show running-config` prints them, so it prints them
# back exactly).
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
lm_cli_setup
example="$top_srcdir/etc/logmail.conf"

cp "$example" "$conf"
chmod 600 "$conf"
out=$(lm show running-config 2>&1)
lm_assert_eq "as shipped: loads" 0 $?
lm_assert_eq "as shipped: nothing configured" "" "$out"

sed -n -E 's/^! ((mail|log) .*)/\1/p' "$example" >"$LM_TMP/commands"
lm_assert_match "commented commands found" "^(1[0-9]|[2-9][0-9])$" "$(wc -l <"$LM_TMP/commands")"
rm -f "$conf"
out=$(lm configure <"$LM_TMP/commands" 2>&1)
lm_assert_eq "uncommented: accepted" 0 $? || echo "$out" >&2
lm_assert_eq "uncommented: running-config prints them back" \
	"$(cat "$LM_TMP/commands")" "$(lm show running-config)"
lm_done
