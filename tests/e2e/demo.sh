#!/bin/bash
# make demo's script: it exits 0 within two minutes, tells the whole story
# (every command as expected, the automatic rollback, the rollback from the
# records), and leaves no process and no file behind.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
t0=$(date +%s)
SC_BIN="$SC" timeout 120 "$TOP/examples/demo/run-demo.sh" >"$T/out" 2>"$T/err"
rc=$?
secs=$(( $(date +%s) - t0 ))
[ "$rc" = 0 ] || fail "run-demo.sh exited $rc after ${secs}s: $(tail -30 "$T/out") $(tail -10 "$T/err")"
[ "$secs" -lt 120 ] || fail "the demo took ${secs}s"
dir=$(sed -n 's/^ *working in \(\/tmp\/stagecoach-demo\.[A-Za-z0-9]*\) .*/\1/p' "$T/out" | head -1)
[ -n "$dir" ] || fail "the demo did not say where it worked"
[ ! -e "$dir" ] || fail "the demo left $dir behind"
sleep 0.5   # postmaster children may take a moment after pg_ctl stop -m immediate
left=$(pgrep -af -- "$dir" | grep -v pgrep)
[ -z "$left" ] || fail "the demo left processes behind: $left"
for want in "1. plan staging" "2. deploy staging" "3. diff staging production" "4. promote staging production" \
	"5. a second release" "6. history production" "7. rollback production" \
	"rolled back: 'production' is at its previous release" "(no invoices)" \
	"production app1: current -> releases/" "production app2: current -> releases/" "(release 1)" \
	"production app2: current -> (no current: no release)" \
	"production tables now: ''"; do
	assert_contains "$T/out" "$want"
done
# app2 was switched back and restarted on release 1 after its failed gate
grep -qE 'app2 [0-9:]+ production: restarted on release 1' "$T/out" || fail "app2 was not restarted on release 1"
assert_not_contains "$T/out" "!! expected exit"
assert_not_contains "$T/out" "not yet implemented"
# the access token and the database password never show
! grep -qE 'sbp_test_[0-9a-f]{8}|pw-[0-9a-f]{24}' "$T/out" "$T/err" || fail "a secret appears in the demo's output"
pass
