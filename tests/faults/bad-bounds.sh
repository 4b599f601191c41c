#!/bin/bash
# Bounds on settings: each tests/fixtures/bad-configs/bound-*.conf holds one
# negative or absurd timeout, wait, retry count, parallel, batch or keep
# value.  validate, plan and deploy refuse it with exit 2 and the FILE:LINE
# of the key (the fixture's `# expect:` line), before anything is touched:
# no state folder, no connection (the URLs point nowhere).
TD=$(cd "$(dirname "$0")" && pwd); until [ -f "$TD/lib/common.sh" ]; do TD=$(dirname "$TD"); done
. "$TD/lib/common.sh"
sc_setup
n=0
for f in "$TOP"/tests/fixtures/bad-configs/bound-*.conf; do
	cp "$f" "$T/stagecoach.conf"
	want=$(sed -n 's/^# expect: //p' "$f")
	for cmd in validate "plan local" "deploy local --approve"; do
		expect_exit 2 sc -c "$T/stagecoach.conf" $cmd
		assert_contains "$T/err" "stagecoach.conf$want"
		assert_not_contains "$T/err" "cannot connect"
		[ ! -e "$T/.stagecoach" ] || fail "$(basename "$f"): '$cmd' created a state folder"
	done
	n=$((n + 1))
done
[ "$n" -ge 15 ] || fail "only $n bound fixtures"
pass
