#!/bin/bash
# A successful run and its records; a failing step rolls back the done steps
# newest first; only/skip; continue_on_error; timeout_ms; --json events.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
export APP_DB=$(pg_createdb app)
cat >stagecoach.conf <<'CONF'
version = 1;
project = "engine";
environments = {
  staging = { database = "${APP_DB}"; vars = { who = "stg"; }; };
  production = { database = "${APP_DB}"; vars = { who = "prd"; }; };
};
steps = (
  { name = "one";   kind = "shell"; command = "echo one-${vars.who} >> log"; rollback_command = "echo undo-one >> log"; },
  { name = "two";   kind = "shell"; command = "echo two >> log"; rollback_command = "echo undo-two >> log"; },
  { name = "prod-only"; kind = "shell"; command = "echo prod-only >> log"; only = [ "production" ]; },
  { name = "not-staging"; kind = "shell"; command = "echo not-staging >> log"; skip = [ "staging" ]; },
  { name = "soft";  kind = "shell"; command = "exit ${SOFT:-0}"; continue_on_error = true; },
  { name = "gate";  kind = "sql_check"; checks = ( { query = "SELECT count(*) FROM pg_database WHERE datname = 'app'"; expect = "1"; } ); },
  { name = "last";  kind = "shell"; command = "sleep ${SLEEP:-0}; exit ${FAIL:-0}"; timeout_ms = 1500;
    rollback_command = "echo undo-last >> log"; }
);
CONF
expect_exit 0 sc deploy staging
assert_eq "$(cat log | tr '\n' ' ')" "one-stg two " "staging steps"
assert_contains out "skipped on this environment"
n=$(psql_q "$APP_DB" "SELECT count(*) FROM stagecoach.runs WHERE env = 'staging' AND status = 'succeeded'")
assert_eq "$n" 1 "succeeded run rows"
s=$(psql_q "$APP_DB" "SELECT string_agg(name || ':' || status, ',' ORDER BY position) FROM stagecoach.run_steps")
assert_eq "$s" "one:succeeded,two:succeeded,prod-only:skipped,not-staging:skipped,soft:succeeded,gate:succeeded,last:succeeded" "step rows"
f=$(psql_q "$APP_DB" "SELECT count(*) FROM stagecoach.run_steps WHERE status = 'succeeded' AND (started_at IS NULL OR finished_at IS NULL)")
assert_eq "$f" 0 "every finished step has both times"

# production runs the steps staging skipped
rm -f log
expect_exit 0 sc deploy production
assert_eq "$(cat log | tr '\n' ' ')" "one-prd two prod-only not-staging " "production steps"

# a failing last step: everything done is undone, newest first; exit 1
rm -f log
FAIL=7 expect_exit 1 sc deploy staging
assert_eq "$(cat log | tr '\n' ' ')" "one-stg two undo-last undo-two undo-one " "rollback order"
assert_contains err "deploy 'staging': step 'last': command"
assert_contains err "exited with status 7"
assert_contains err "rolled back"
st=$(psql_q "$APP_DB" "SELECT status FROM stagecoach.runs WHERE env = 'staging' ORDER BY started_at DESC LIMIT 1")
assert_eq "$st" "rolled_back" "run status"
s=$(psql_q "$APP_DB" "SELECT string_agg(name || ':' || status, ',' ORDER BY position) FROM stagecoach.run_steps WHERE run_id = (SELECT id FROM stagecoach.runs WHERE env='staging' ORDER BY started_at DESC LIMIT 1)")
assert_eq "$s" "one:rolled_back,two:rolled_back,prod-only:skipped,not-staging:skipped,soft:succeeded,gate:succeeded,last:rolled_back" "step rows after rollback"

# continue_on_error: a failing soft step does not stop the run
rm -f log
SOFT=3 expect_exit 0 sc deploy staging
assert_contains err "continue_on_error"

# timeout_ms cuts a hung command, and the run rolls back
rm -f log
SLEEP=30 expect_exit 1 sc deploy staging
assert_contains err "timed out after 1500 ms"
assert_contains log "undo-one"

# a rollback that fails: exit 3, rollback_failed, and the message says what remains
cat >>stagecoach.conf <<'CONF'
CONF
sed -i 's|rollback_command = "echo undo-two >> log"|rollback_command = "echo undo-two >> log; exit ${UNDO_FAIL:-0}"|' stagecoach.conf
rm -f log
FAIL=1 UNDO_FAIL=9 expect_exit 3 sc deploy staging
assert_contains err "the rollback did not complete"
assert_contains err "step 'two'"
assert_contains err "stagecoach status staging"
st=$(psql_q "$APP_DB" "SELECT status FROM stagecoach.runs WHERE env = 'staging' ORDER BY started_at DESC LIMIT 1")
assert_eq "$st" "rollback_failed" "run status"
assert_contains log "undo-one"   # the other steps are still undone
# a rollback_failed run blocks deploys until rollback completes it or a
# person records the fix with resolve
expect_exit 2 sc deploy staging
assert_contains err "stagecoach resolve staging --approve"
expect_exit 0 sc resolve staging --approve --note "undid step two by hand"

# --json: one object per line with the SPEC's fields
FAIL=2 expect_exit 1 sc --json deploy staging
python3 - "$T/out" <<'PY' || fail "json events"
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
names = [e["event"] for e in events]
assert names[0] == "run_started" and names[-1] == "run_finished", names
for want in ("step_started", "step_finished", "rollback_started", "step_rolled_back"):
    assert want in names, want
for e in events:
    for k in ("event", "time", "run_id", "env"):
        assert k in e, (k, e)
    if e["event"] in ("step_started", "step_finished", "step_rolled_back"):
        assert "step" in e and "kind" in e and "status" in e, e
    if e["event"] == "step_finished":
        assert isinstance(e["duration_ms"], int), e
assert events[-1]["status"] == "rolled_back", events[-1]
assert len({e["run_id"] for e in events}) == 1
PY

# history and status read it all back
expect_exit 0 sc history staging --limit 3
assert_contains out "rolled_back"
expect_exit 0 sc --json history staging
[ "$(wc -l < out)" -ge 6 ] || fail "history --json lines"
expect_exit 0 sc status staging
assert_contains out "lock:            free"
pass
