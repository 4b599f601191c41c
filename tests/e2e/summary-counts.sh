#!/bin/bash
# The run summary counts the steps that ran, succeeded, failed, were undone,
# were skipped and were not reached, correctly in every outcome: success,
# failed and rolled back, rollback failed, --no-rollback, paused and
# resumed, and the rollback command; text and --json (step_counts).
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
for e in ok fail rbfail norb gated; do
	export "DB_$e=$(pg_createdb "$e")"
done
cat >stagecoach.conf <<'CONF'
version = 1;
project = "counts";
environments = {
  ok = { database = "${DB_ok}"; };
  fail = { database = "${DB_fail}"; };
  rbfail = { database = "${DB_rbfail}"; };
  norb = { database = "${DB_norb}"; };
  gated = { database = "${DB_gated}"; };
};
steps = (
  { name = "a"; kind = "shell"; command = "echo a"; rollback_command = "exit ${UNDO_FAIL:-0}"; },
  { name = "never"; kind = "shell"; command = "echo never"; skip = [ "ok", "fail", "rbfail", "norb", "gated" ]; },
  { name = "pause"; kind = "approval"; pause = true; only = [ "gated" ]; },
  { name = "b"; kind = "shell"; command = "exit ${FAIL:-0}"; rollback_command = "true"; },
  { name = "c"; kind = "shell"; command = "echo c"; rollback_command = "true"; }
);
CONF
summary() { grep -E "^(deploy|rollback) '" out | tail -1; }
expect_summary() {
	local got
	got=$(summary)
	case "$got" in *"$1"*) ;; *) fail "summary: got '$got', want '...$1...'" ;; esac
}

expect_exit 0 sc deploy ok --release r1 </dev/null
expect_summary "deploy 'ok' succeeded: release r1, 3 of 5 steps ran (3 succeeded), 2 skipped, "

FAIL=1 expect_exit 1 sc deploy fail --release r1 </dev/null
expect_summary "deploy 'fail' rolled_back: release r1, 2 of 5 steps ran (1 succeeded, 1 failed), 2 undone, 2 skipped, 1 not reached, "

FAIL=1 UNDO_FAIL=1 expect_exit 3 sc deploy rbfail --release r1 </dev/null
expect_summary "deploy 'rbfail' rollback_failed: release r1, 2 of 5 steps ran (1 succeeded, 1 failed), 1 undone, 1 could not be undone, 2 skipped, 1 not reached, "

FAIL=1 expect_exit 3 sc deploy norb --release r1 --no-rollback </dev/null
expect_summary "deploy 'norb' failed: release r1, 2 of 5 steps ran (1 succeeded, 1 failed), 0 undone, 2 skipped, 1 not reached, "

expect_exit 7 sc deploy gated --release r1 </dev/null
expect_summary "deploy 'gated' paused: release r1, 2 of 5 steps ran (1 succeeded, 1 paused), 1 skipped, 2 not reached, "
expect_exit 0 sc approve gated pause </dev/null
expect_exit 0 sc deploy gated --resume </dev/null
expect_summary "deploy 'gated' succeeded: release r1, 3 of 5 steps ran (3 succeeded), 1 done earlier, 1 skipped, "

# the rollback command counts what it undid
expect_exit 0 sc rollback ok --last </dev/null
expect_summary "rollback 'ok' succeeded: release -, 3 steps undone, 2 with nothing to undo, "

# --json: step_counts on run_finished, the same counts
FAIL=1 expect_exit 1 sc --json deploy fail --release r2 </dev/null
python3 - "$T/out" <<'PY' || fail "step_counts: $(grep run_finished out)"
import json, sys
fin = [json.loads(l) for l in open(sys.argv[1]) if '"run_finished"' in l][-1]
want = {"total": 5, "ran": 2, "succeeded": 1, "failed": 1, "paused": 0, "undone": 2, "undo_failed": 0,
        "skipped": 2, "done_earlier": 0, "not_run": 1}
assert fin["step_counts"] == want, fin["step_counts"]
assert fin["status"] == "rolled_back" and fin["exit_code"] == 1, fin
PY
pass
