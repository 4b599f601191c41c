#!/bin/bash
# kill -9 of a deploy while a shell step's command runs (a loop that writes a
# heartbeat, in a process group of its own, so it outlives stagecoach): the
# command that moves the environment on first ends the processes the killed
# run left (FAULTS.md class 5).  Three times: `rollback` (its
# rollback_command sees the heartbeat stopped), `deploy --resume`, and
# `resolve`.  (Was: the orphaned loop kept running while its run was undone.)
TD=$(cd "$(dirname "$0")" && pwd); until [ -f "$TD/lib/common.sh" ]; do TD=$(dirname "$TD"); done
. "$TD/lib/common.sh"
. "$TD/faults/lib/faults.sh"
sc_setup
pg_start
export APP_DB=$(pg_createdb app)
cat >stagecoach.conf <<'CONF'
version = 1;
project = "k9children";
environments = { staging = { database = "${APP_DB}"; }; };
steps = (
  { name = "loop"; kind = "shell";
    command = "test -f resumed && exit 0; while true; do date +%s%N >beat; sleep 0.05; done";
    rollback_command = "a=$(cat beat); sleep 1.5; b=$(cat beat); if [ \"$a\" = \"$b\" ]; then echo gone >>marks; else echo alive >>marks; fi"; }
);
CONF
# the heartbeat changes (a read can meet the file just truncated: the first of
# 3 tries that sees it change counts)
beating() {
	local a b i
	for i in 1 2 3; do
		a=$(cat beat 2>/dev/null); sleep 1; b=$(cat beat 2>/dev/null)
		[ -n "$a" ] && [ -n "$b" ] && [ "$a" != "$b" ] && return 0
	done
	return 1
}
# the loops this test started (their folder is $T), should a check fail
end_loops() {
	local p
	for p in $(pgrep -f 'while true; do date'); do
		[ "$(readlink "/proc/$p/cwd")" = "$T" ] && kill -9 "$p"
	done
	return 0
}
start_and_kill() {
	rm -f beat
	bg_sc run deploy staging
	wait_until 20 test -s beat
	kill9 "$BG"
	beating || fail "$1: the loop did not outlive stagecoach (the test proves nothing)"
	at_exit "end_loops"
}
for how in rollback resume resolve; do
	: >marks
	rm -f resumed
	start_and_kill "$how"
	case $how in
	rollback)
		expect_exit 0 sc rollback staging --last --approve --yes
		assert_eq "$(cat marks)" gone "rollback_command saw the loop"
		;;
	resume)
		touch resumed
		expect_exit 0 sc deploy staging --resume
		;;
	resolve)
		expect_exit 0 sc resolve staging --approve --note "stopped by hand"
		;;
	esac
	assert_contains "$T/err" "was killed but left"
	! beating || fail "$how: the killed run's loop still runs"
done
pass
