#!/bin/bash
# The lock and the recovery of an environment without `database` (records in
# state_dir, default .stagecoach/): a second deploy exits 4 at once naming the
# holder's run id, actor and start time; lock_wait_ms waits for the holder; a
# deploy killed with -9 mid-step leaves its lock behind with it (even while
# the step's child process lives on), status shows it interrupted and deploy
# refuses (exit 2); deploy --resume continues the same run (status meanwhile
# names it as the holder, not as interrupted); rollback undoes a killed run.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
cat >stagecoach.conf <<'CONF'
version = 1;
project = "nodb-locks";
environments = { staging = { }; };
steps = (
  { name = "first"; kind = "shell"; command = "echo first ${run_id} >> steps.log"; },
  { name = "slow"; kind = "shell";
    command = "echo slow ${run_id} >> steps.log; echo $$$$ > slow.pid; touch started; exec sleep ${SLEEP:-0}";
    rollback_command = "echo undo-slow ${run_id} >> steps.log"; },
  { name = "last"; kind = "shell"; command = "echo last ${run_id} >> steps.log"; }
);
CONF
sed 's/staging = { }/staging = { lock_wait_ms = 20000; }/' stagecoach.conf >waiting.conf
S=.stagecoach/staging
at_exit '[ -f slow.pid ] && kill $(cat slow.pid)'
wait_started() {
	local i
	for i in $(seq 100); do [ -f started ] && return 0; sleep 0.05; done
	fail "the slow step did not start"
}

STAGECOACH_ACTOR=alice SLEEP=3 "$SC" deploy staging >first.out 2>first.err &
first=$!
wait_started
holder=$(grep -l '"status": "running"' $S/runs/*.json | xargs -n1 basename | sed 's/\.json$//')
[ -n "$holder" ] || fail "no running record"
t0=$(date +%s%N)
STAGECOACH_ACTOR=bob expect_exit 4 sc deploy staging
t1=$(date +%s%N)
[ $(( (t1 - t0) / 1000000 )) -lt 2000 ] || fail "the second deploy did not exit at once"
assert_contains err "locked by deploy run '$holder' by alice on $(hostname)"
assert_contains err "started $(date -u +%Y-%m-%d)"
assert_contains err "nothing was changed"
assert_eq "$(ls $S/runs | wc -l)" 1 "the refused run left no record"
expect_exit 0 sc status staging
assert_contains out "lock:            deploy run '$holder' by alice"
assert_not_contains out "INTERRUPTED"
# lock_wait_ms: a third deploy waits for alice's and then runs
STAGECOACH_ACTOR=carol expect_exit 0 sc -c waiting.conf deploy staging
wait $first || fail "first deploy failed: $(cat first.err)"
assert_eq "$(grep -c '^first' steps.log)" 2 "alice's and carol's deploys ran, one after the other"
[ "$(tail -1 steps.log | cut -d' ' -f2)" != "$holder" ] || fail "carol's deploy did not run after alice's"
python3 - $S/runs <<'PY' || fail "records after the waits"
import json, os, sys
runs = [json.load(open(os.path.join(sys.argv[1], f))) for f in os.listdir(sys.argv[1])]
assert sorted((r["actor"], r["status"]) for r in runs) == [("alice", "succeeded"), ("carol", "succeeded")], runs
PY
[ ! -s $S/lock ] || fail "a released lock still names a holder: $(cat $S/lock)"
[ "$(stat -c %a $S/lock)" = 600 ] || fail "lock file mode $(stat -c %a $S/lock)"

# kill -9 in the middle of a step; the step's child (sleep) lives on
rm -f started slow.pid
SLEEP=30 "$SC" deploy staging >k.out 2>k.err &
victim=$!
wait_started
killed=$(tail -1 steps.log | cut -d' ' -f2)
kill -9 $victim; wait $victim 2>/dev/null
kill -0 "$(cat slow.pid)" || fail "the step's child is gone: the test proves nothing"
expect_exit 0 sc status staging
assert_contains out "INTERRUPTED:     run $killed"
assert_contains out "stopped at step 'slow'"
assert_contains out "lock:            free"
expect_exit 0 sc --json status staging
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['interrupted_run']['id']=='$killed' and d['lock_holder'] is None, d" out ||
	fail "status --json: $(cat out)"
expect_exit 2 sc deploy staging
assert_contains err "was interrupted at step 'slow'"
assert_contains err "deploy staging --resume"
kill "$(cat slow.pid)"

# deploy --resume takes the killed run over: while it runs, it is the holder
rm -f started
SLEEP=2 "$SC" deploy staging --resume >resume.out 2>resume.err &
resumer=$!
wait_started
expect_exit 0 sc status staging
assert_not_contains out "INTERRUPTED"
assert_contains out "lock:            deploy run '$killed'"
wait $resumer || fail "deploy --resume failed: $(cat resume.err)"
assert_contains resume.out "resuming run $killed"
assert_eq "$(grep -c "^first $killed" steps.log)" 1 "the step done before the kill did not run again"
assert_eq "$(grep -c "^last $killed" steps.log)" 1 "the resumed run ran the rest"
python3 - $S/runs/$killed.json <<'PY' || fail "the resumed record"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["status"] == "succeeded" and d["finished_at"], d
assert [s["status"] for s in d["steps"]] == ["succeeded"] * 3, d["steps"]
PY
assert_eq "$(ls $S/runs | wc -l)" 3 "the resume added no record"

# kill -9 again, then rollback from the records undoes the killed run
rm -f started slow.pid
SLEEP=30 "$SC" deploy staging >k2.out 2>k2.err &
victim=$!
wait_started
killed2=$(tail -1 steps.log | cut -d' ' -f2)
kill -9 $victim; wait $victim 2>/dev/null
kill "$(cat slow.pid)"
expect_exit 0 sc rollback staging --last --yes
assert_contains out "undoing run $killed2"
assert_eq "$(grep -c "^undo-slow" steps.log)" 1 "rollback_command ran for the killed step"
expect_exit 0 sc status staging
assert_not_contains out "INTERRUPTED"
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['status']=='rolled_back', d" $S/runs/$killed2.json ||
	fail "the killed run is not rolled_back"
expect_exit 0 sc deploy staging
pass
