#!/bin/bash
# A failing `before` hook: exit 5 (a precondition refused: nothing was
# changed), not 1 (which says a rollback happened); no step runs; the run is
# recorded failed; `on_failure` hooks run; the notification says so.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/fake_api.sh"
sc_setup
pg_start
export APP_DB=$(pg_createdb app)
api_start
cat >stagecoach.conf <<'CONF'
version = 1;
project = "gate";
environments = { staging = { database = "${APP_DB}"; }; };
steps = (
  { name = "change"; kind = "shell"; command = "echo change >> steps.log"; rollback_command = "echo undo >> steps.log"; }
);
hooks = {
  before = [ "echo freeze-check >> hooks.log; echo 'change freeze until Monday' >&2; exit ${BEFORE_FAIL:-0}" ];
  after = [ "echo after >> hooks.log" ];
  on_failure = [ "echo on_failure $STAGECOACH_RUN_ID >> hooks.log" ];
  notify = ( "${API_BASE}/json", { url = "${API_BASE}/slack"; format = "slack"; } );
};
CONF
BEFORE_FAIL=1 expect_exit 5 sc deploy staging --release r1
assert_contains err "before hook"
assert_contains err "exited with status 1: change freeze until Monday"
assert_contains err "change freeze until Monday"
assert_contains err "nothing was changed, so nothing was rolled back"
[ ! -f steps.log ] || fail "a step ran after the before hook failed: $(cat steps.log)"
assert_eq "$(grep -c freeze-check hooks.log)" 1 "before hook runs"
grep -q '^on_failure 2' hooks.log || fail "on_failure did not run: $(cat hooks.log)"
assert_not_contains hooks.log "after"
assert_eq "$(psql_q "$APP_DB" "SELECT status FROM stagecoach.runs")" "failed" "the run's record"
assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM stagecoach.run_steps WHERE status NOT IN ('pending', 'skipped')")" 0 "steps recorded as run"
J='[json.loads(q["body"]) for q in R if q["path"] == "/json"][-1]'
assert_eq "$(api_py "[$J[k] for k in ('status', 'exit_code', 'outcome')]")" '["failed", 5, "failed; nothing was changed"]' "json notification"
api_py "$J['error']" | grep -qF "change freeze until Monday" || fail "the notification does not say why"
assert_eq "$(api_py "$J['step_counts']['ran']")" 0 "steps ran"
S='[json.loads(q["body"]) for q in R if q["path"] == "/slack"]'
assert_eq "$(api_py "len($S)")" 2 "slack: start and end"
api_py "$S[1]['text']" | grep -qF "failed; nothing was changed" || fail "slack: $(api_py "$S[1]['text']")"

# --json: the run_finished event carries exit code 5 and the counts
BEFORE_FAIL=1 expect_exit 5 sc --json deploy staging --release r1
python3 - "$T/out" <<'PY' || fail "run_finished event: $(grep run_finished out)"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
fin = [e for e in ev if e["event"] == "run_finished"][-1]
assert fin["exit_code"] == 5 and fin["status"] == "failed", fin
assert fin["step_counts"]["ran"] == 0 and fin["step_counts"]["not_run"] == 1, fin
PY

# the hook passing: the run goes on
expect_exit 0 sc deploy staging --release r1
assert_eq "$(cat steps.log)" "change" "steps after the hook passed"
assert_contains hooks.log "after"
pass
