#!/bin/bash
# Checkpoints in CI mode (no terminal): a run reaching an approval step with
# pause = true records `paused`, keeps what ran, releases the lock and
# exits 7; plain --approve does not give a checkpoint; a paused run blocks a
# new deploy (exit 2, naming the commands); `approve ENV STEP` is refused
# for a step the run is not paused at; it records the actor; `deploy
# --resume` continues and pauses again at the second checkpoint;
# --approve=STEP gives it; history and status show who approved and when.
# A paused run has no process (kill -9 has nothing to kill): the lock is
# free, yet it blocks deploys; `rollback` of a paused run undoes what ran.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
export APP_DB=$(pg_createdb app)
cat >stagecoach.conf <<'CONF'
version = 1;
project = "checkpoints";
environments = { staging = { database = "${APP_DB}"; }; };
steps = (
  { name = "schema"; kind = "shell"; command = "psql -X -q \"$DATABASE_URL\" -c 'CREATE TABLE t (id int)'";
    rollback_command = "psql -X -q \"$DATABASE_URL\" -c 'DROP TABLE t'"; },
  { name = "data-ok"; kind = "approval"; pause = true; message = "Data migrated on ${env}?"; },
  { name = "fill"; kind = "shell"; command = "psql -X -q \"$DATABASE_URL\" -c 'INSERT INTO t VALUES (1)'";
    rollback_command = "psql -X -q \"$DATABASE_URL\" -c 'DELETE FROM t'"; },
  { name = "tests-pass"; kind = "approval"; pause = true; },
  { name = "ask"; kind = "approval"; message = "an ordinary approval"; },
  { name = "done"; kind = "shell"; command = "echo done >> done.log"; }
);
CONF
status() { psql_q "$APP_DB" "SELECT status FROM stagecoach.runs WHERE command = 'deploy' ORDER BY started_at DESC LIMIT 1"; }
locks() { psql_q "$APP_DB" "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"; }

# plain --approve gives the ordinary approval, not the checkpoint
expect_exit 7 sc deploy staging --approve </dev/null
assert_contains "$T/err" "stagecoach: paused:"
assert_contains "$T/err" "checkpoint 'data-ok'"
assert_contains "$T/err" "stagecoach approve staging data-ok"
assert_eq "$(status)" paused "run status"
assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM t")" 0 "the step before the checkpoint stays"
assert_eq "$(psql_q "$APP_DB" "SELECT string_agg(name || ':' || status, ',' ORDER BY position) FROM stagecoach.run_steps")" \
	"schema:succeeded,data-ok:paused" "step rows"
assert_eq "$(locks)" 0 "the lock is released"
run=$(psql_q "$APP_DB" "SELECT id FROM stagecoach.runs")

# a paused run blocks a new deploy, also one that names the checkpoint
expect_exit 2 sc deploy staging --approve=data-ok </dev/null
assert_contains "$T/err" "is paused at checkpoint 'data-ok'"
assert_contains "$T/err" "stagecoach deploy staging --resume"
assert_contains "$T/err" "stagecoach rollback staging --last"
# resuming without the approval pauses again at the same place
expect_exit 7 sc deploy staging --resume --approve </dev/null
assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM stagecoach.runs")" 1 "the same run"
assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM t")" 0 "nothing ran past the checkpoint"

# approve: only the checkpoint the run waits at, only a configured approval step
expect_exit 2 sc approve staging tests-pass
assert_contains "$T/err" "paused at checkpoint 'data-ok', not at 'tests-pass'"
expect_exit 2 sc approve staging fill
assert_contains "$T/err" "not an approval step"
expect_exit 2 sc approve staging nosuch
STAGECOACH_ACTOR=alice expect_exit 0 sc approve staging data-ok
assert_contains "$T/out" "approved checkpoint 'data-ok' of run $run"
assert_eq "$(psql_q "$APP_DB" "SELECT (detail->>'approved_by') || ' ' || (detail->>'how') FROM stagecoach.run_steps WHERE name = 'data-ok'")" "alice approve command" "approval recorded"
expect_exit 0 sc status staging
assert_contains "$T/out" "PAUSED:"
assert_contains "$T/out" "approved 'data-ok' by alice"

# resume: runs 'fill', pauses at the second checkpoint (lock released again)
STAGECOACH_ACTOR=bob expect_exit 7 sc deploy staging --resume --approve </dev/null
assert_contains "$T/err" "checkpoint 'tests-pass'"
assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM t")" 1 "the step after the first checkpoint ran"
assert_eq "$(locks)" 0 "the lock is released"
[ ! -f done.log ] || fail "ran past the second checkpoint"

# a paused run has no process left (a kill -9 has nothing to kill): no
# session of it remains, and a new deploy without --resume is refused
assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'stagecoach/%'")" 0 "no session left"
expect_exit 2 sc deploy staging </dev/null
assert_contains "$T/err" "is paused at checkpoint 'tests-pass'"

# --approve=STEP gives the named checkpoint; --approve the ordinary approval
STAGECOACH_ACTOR=carol expect_exit 0 sc deploy staging --resume --approve --approve=tests-pass </dev/null
assert_eq "$(status)" succeeded "the run finished"
assert_eq "$(cat done.log)" done "the last step ran once"
assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM stagecoach.runs")" 1 "one run from start to end"
expect_exit 0 sc history staging
assert_contains "$T/out" "approved 'data-ok' by alice"
assert_contains "$T/out" "approved 'tests-pass' by carol"
assert_contains "$T/out" "(--approve=tests-pass)"
assert_contains "$T/out" "approved 'ask' by carol"
expect_exit 0 sc --json history staging
python3 - "$T/out" <<'PY' || fail "history --json approvals"
import json, sys
r = json.loads(open(sys.argv[1]).readline())
a = [(x["step"], x["by"], x["how"]) for x in r["approvals"]]
assert a == [("data-ok", "alice", "approve command"), ("tests-pass", "carol", "--approve=tests-pass"),
             ("ask", "carol", "--approve")], a
assert all(x["at"] for x in r["approvals"]), r
PY
expect_exit 2 sc approve staging data-ok
assert_contains "$T/err" "no run is paused on 'staging'"

# --approve=STEP for an ordinary approval step, by name
rm -f done.log
psql_q "$APP_DB" "DROP TABLE t" >/dev/null
expect_exit 0 sc deploy staging --approve=data-ok,tests-pass,ask </dev/null
assert_eq "$(cat done.log)" done "named approvals"

# rollback of a paused run undoes what ran, and frees the environment
psql_q "$APP_DB" "DROP TABLE t" >/dev/null
expect_exit 7 sc --json deploy staging --approve </dev/null
python3 - "$T/out" <<'PY' || fail "--json run_finished"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
f = [e for e in ev if e["event"] == "run_finished"][0]
assert f["status"] == "paused" and f["exit_code"] == 7, f
s = [e for e in ev if e["event"] == "step_finished" and e["step"] == "data-ok"][0]
assert s["status"] == "paused", s
PY
expect_exit 0 sc rollback staging --last --yes </dev/null
assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM pg_tables WHERE tablename = 't'")" 0 "rollback undid the step before the checkpoint"
assert_eq "$(status)" rolled_back "the paused run is rolled back"
expect_exit 2 sc deploy staging --resume </dev/null
assert_contains "$T/err" "no interrupted run to resume, and none paused"
pass
