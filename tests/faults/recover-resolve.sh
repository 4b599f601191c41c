#!/bin/bash
# Every stuck environment is moved on by a named command (FAULTS.md class 5).
#  1. A deploy whose rollback fails (exit 3, rollback_failed) blocks the next
#     deploy (exit 2, nothing changed) until `rollback` completes it; the
#     refusal and `status` name both commands.  (Was: the next deploy ran
#     on top of the half-undone one.)
#  2. The same, moved on by `resolve ENV --approve --note TEXT` after a person
#     fixed it: the run becomes 'resolved', the resolve is recorded with its
#     actor and note; without --note exit 2, without --approve exit 5.
#  3. A deploy killed with kill -9: `resolve` ends it too (the refusal named
#     it), and deploys go on.
TD=$(cd "$(dirname "$0")" && pwd); until [ -f "$TD/lib/common.sh" ]; do TD=$(dirname "$TD"); done
. "$TD/lib/common.sh"
. "$TD/faults/lib/faults.sh"
sc_setup
pg_start
export APP_DB=$(pg_createdb app)
export STAGECOACH_ACTOR=night-shift
cat >stagecoach.conf <<'CONF'
version = 1;
project = "resolve";
environments = { staging = { database = "${APP_DB}"; }; };
steps = (
  { name = "change"; kind = "shell"; command = "echo change >>marks";
    rollback_command = "test -f undo-works && echo undo >>marks"; },
  { name = "fails"; kind = "shell"; command = "test ! -f fail-now"; },
  { name = "slow"; kind = "shell"; command = "touch started; sleep 30"; }
);
CONF
last_status() { psql_q "$APP_DB" "SELECT status FROM stagecoach.runs WHERE command = 'deploy' ORDER BY started_at DESC LIMIT 1"; }
rm -f started
touch fail-now
expect_exit 3 sc deploy staging
assert_eq "$(last_status)" rollback_failed "first deploy"
blocked_id=$(psql_q "$APP_DB" "SELECT id FROM stagecoach.runs ORDER BY started_at DESC LIMIT 1")

# --- 1. blocked until rollback completes it --------------------------------
rm -f fail-now
: >marks
expect_exit 2 sc deploy staging
assert_contains "$T/err" "its rollback did not complete"
assert_contains "$T/err" "stagecoach rollback staging --last"
assert_contains "$T/err" "stagecoach resolve staging --approve --note"
assert_eq "$(cat marks)" "" "a refused deploy ran a step"
expect_exit 0 sc status staging
assert_contains "$T/out" "ROLLBACK FAILED: run $blocked_id"
assert_contains "$T/out" "stagecoach resolve staging --approve --note"
expect_exit 0 sc --json status staging
assert_contains "$T/out" '"rollback_failed_run"'
touch undo-works
expect_exit 0 sc rollback staging --last --approve --yes
assert_contains marks undo
assert_eq "$(psql_q "$APP_DB" "SELECT status FROM stagecoach.runs WHERE id = '$blocked_id'")" rolled_back "after rollback"
expect_exit 0 sc status staging
assert_not_contains "$T/out" "ROLLBACK FAILED"
rm -f undo-works

# --- 2. resolve ---------------------------------------------------------------
touch fail-now
expect_exit 3 sc deploy staging
rm -f fail-now
blocked_id=$(psql_q "$APP_DB" "SELECT id FROM stagecoach.runs WHERE command = 'deploy' ORDER BY started_at DESC LIMIT 1")
expect_exit 2 sc resolve staging --approve
assert_contains "$T/err" "--note"
expect_exit 5 sc resolve staging --note "reverted by hand" </dev/null
assert_eq "$(last_status)" rollback_failed "after refused resolves"
expect_exit 0 sc resolve staging --approve --note "reverted the change by hand"
assert_contains "$T/out" "run $blocked_id is resolved"
assert_eq "$(psql_q "$APP_DB" "SELECT status FROM stagecoach.runs WHERE id = '$blocked_id'")" resolved "resolved run"
assert_eq "$(psql_q "$APP_DB" "SELECT actor || ' ' || status FROM stagecoach.runs WHERE command = 'resolve' ORDER BY started_at DESC LIMIT 1")" "night-shift succeeded" "resolve run"
psql_q "$APP_DB" "SELECT convert_from(content, 'UTF8') FROM stagecoach.artifacts WHERE kind = 'resolve_note' AND name = '$blocked_id'" >note.json
assert_contains note.json '"note":"reverted the change by hand"'
assert_contains note.json '"actor":"night-shift"'
expect_exit 2 sc resolve staging --approve --note again
assert_contains "$T/err" "no interrupted or rollback_failed run"

# --- 3. kill -9, then resolve ----------------------------------------------------
bg_sc run deploy staging
wait_until 20 test -f started
kill9 "$BG"
expect_exit 2 sc deploy staging
assert_contains "$T/err" "was interrupted"
assert_contains "$T/err" "stagecoach resolve staging --approve --note"
expect_exit 0 sc resolve staging --approve --note "killed on purpose, nothing to undo"
assert_eq "$(last_status)" resolved "killed run"
sed -i 's/sleep 30/true/' stagecoach.conf
expect_exit 0 sc deploy staging
assert_eq "$(last_status)" succeeded "deploy after resolve"
pass
