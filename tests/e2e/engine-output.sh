#!/bin/bash
# Output: no colour or animation when stdout is not a terminal; on a
# terminal (script(1) gives one) a live progress line and colour, unless
# NO_COLOR or --color=never; --color=always forces colour into a pipe.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
command -v script >/dev/null || fail "script(1) is missing (bsdutils)"
pg_start
export APP_DB=$(pg_createdb app)
cat >stagecoach.conf <<'CONF'
version = 1;
project = "out";
environments = { staging = { database = "${APP_DB}"; }; };
steps = ( { name = "slow"; kind = "shell"; command = "sleep 0.5"; } );
CONF
esc=$(printf '\033')
expect_exit 0 sc deploy staging
! grep -q "$esc" "$T/out" || fail "escape codes in a pipe"
! grep -q $'\r' "$T/out" || fail "animation in a pipe"
expect_exit 0 sc --color=always deploy staging
grep -q "$esc\[32m" "$T/out" || fail "--color=always gave no colour"
tty_run() { script -qec "$*" /dev/null </dev/null >"$T/tty.out" 2>&1; }
tty_run "env -u NO_COLOR $SC deploy staging"
grep -q "$esc\[32m" "$T/tty.out" || fail "no colour on a terminal: $(cat -v "$T/tty.out" | head -5)"
grep -q $'\r' "$T/tty.out" || fail "no live progress line on a terminal"
grep -q "succeeded" "$T/tty.out" || fail "no summary on a terminal"
tty_run "NO_COLOR=1 $SC deploy staging"
! grep -q "$esc\[3[0-9]m" "$T/tty.out" || fail "NO_COLOR not honoured"
tty_run "$SC --color=never deploy staging"
! grep -q "$esc\[3[0-9]m" "$T/tty.out" || fail "--color=never not honoured"
# -q: only failures and the error
expect_exit 0 sc -q deploy staging
[ ! -s "$T/out" ] || fail "-q printed: $(cat "$T/out")"
pass
