#!/bin/bash
# Every bad configuration in tests/fixtures/bad-configs is refused with exit 2
# and an error naming FILE:LINE and the cause (the `# expect:` line of the
# fixture), before anything is connected to: the database URLs in them point
# nowhere, so any connection attempt would show as a different error.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
FIX="$TOP/tests/fixtures/bad-configs"
n=0
for f in "$FIX"/*.conf; do
	name=$(basename "$f")
	cp "$f" "$T/stagecoach.conf"
	for cmd in validate "deploy local" "status local"; do
		expect_exit 2 sc -c "$T/stagecoach.conf" $cmd
		assert_contains "$T/err" "stagecoach: error: "
		case "$name" in
		empty.conf | blank.conf) assert_contains "$T/err" "stagecoach.conf:1: the configuration is empty" ;;
		binary.conf) assert_contains "$T/err" "not a text file" ;;
		*)
			want=$(sed -n 's/^# expect: //p' "$f")
			[ -n "$want" ] || fail "$name has no '# expect:' line"
			assert_contains "$T/err" "stagecoach.conf$want"
			;;
		esac
		assert_not_contains "$T/err" "cannot connect"
	done
	n=$((n + 1))
done
[ "$n" -ge 20 ] || fail "only $n fixtures"

# a missing file names the file and the ways to give one
expect_exit 2 sc -c "$T/nope.conf" validate
assert_contains "$T/err" "nope.conf: cannot open the configuration"
# usage errors are exit 2 too
expect_exit 2 sc frobnicate
assert_contains "$T/err" "unknown command 'frobnicate'"
expect_exit 2 sc --color=sometimes validate
cp "$FIX/../../../examples/shell-only/stagecoach.conf" "$T/ok.conf" 2>/dev/null || true
pass
