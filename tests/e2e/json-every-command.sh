#!/bin/bash
# --json: every command prints JSON on stdout, one object per line, each with
# "v": 1 and an "event" (success and failure alike, the exit code unchanged):
# validate, lint, plan, deploy, status, history, migrations, diff, backup,
# restore, promote (paused at a checkpoint), approve, deploy --resume,
# rollback (--dry-run and for real), new, baseline, repair, resolve, init,
# --version; and the error object (event "error", exit_code, message, with
# file and line where the message names one) for a config error, a syntax
# error in a migration, an unreachable database, a held lock and usage errors
# (with "did you mean"). Lint's "version" is the text of the version ("0002",
# not 2). Then every field name of all that output must be documented in
# docs/json.md (tests/lib/json_fields.py).  One PostgreSQL cluster for all
# of it; about 110 s on a quiet machine, 176 s at load 12, hence the limit:
# test-timeout: 600
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
export STG=$(pg_createdb staging) PRD=$(pg_createdb production) FRESH=$(pg_createdb fresh)
export OTHER=$(pg_createdb other) SLOW=$(pg_createdb slow) DOWN_PORT=$(free_port)
mkdir -p m json
echo "CREATE TABLE t1 (id int);" > m/0001_t1.up.sql
echo "DROP TABLE t1;" > m/0001_t1.down.sql
printf 'ALTER TABLE t1 ADD COLUMN note text;\nUPDATE t1 SET note = $$x$$;\n' > m/0002_note.up.sql
echo "SELECT 1;" > m/0002_note.down.sql
cat > stagecoach.conf <<'CONF'
version = 1;
project = "jsonall";
migrations = "m";
environments = {
  staging = { database = "${STG}"; };
  production = { database = "${PRD}"; };
  fresh = { database = "${FRESH}"; };
  other = { database = "${OTHER}"; };
  slow = { database = "${SLOW}"; };
  down = { database = "postgresql://sc:s3cret-pw-123@127.0.0.1:${DOWN_PORT}/x?connect_timeout=2"; };
};
steps = (
  { name = "backup"; kind = "pg_backup"; dir = "backups"; keep = 5; only = [ "staging", "production" ]; },
  { name = "migrate"; kind = "migrate"; },
  { name = "verify"; kind = "sql_check"; checks = ( { query = "SELECT count(*) FROM t1"; expect = "0"; } ); },
  { name = "note"; kind = "shell"; command = "echo noted"; rollback_command = "echo undone"; },
  { name = "cp"; kind = "approval"; pause = true; only = [ "production" ]; message = "go on?"; },
  { name = "hold"; kind = "shell"; only = [ "slow" ];
    command = "touch held; i=0; while [ ! -f go ] && [ $$i -lt 600 ]; do sleep 0.1; i=$$((i+1)); done"; },
  { name = "crash"; kind = "shell"; only = [ "other" ]; command = "kill -9 $$PPID; sleep 5"; }
);
CONF

# run NAME CODE ARGS...: stagecoach ARGS with --json; stdout kept as json/NAME.out
run() {
	local name=$1 code=$2; shift 2
	"$SC" "$@" >"json/$name.out" 2>"json/$name.err"
	local got=$?
	[ "$got" = "$code" ] || fail "$*: exit $got, want $code
stdout: $(tail -5 "json/$name.out")
stderr: $(tail -5 "json/$name.err")"
	[ -s "json/$name.out" ] || fail "$*: nothing on stdout (stderr: $(tail -5 "json/$name.err"))"
	cp "json/$name.out" "$T/out"
}
# check NAME PYTHON: PYTHON runs with L (the objects of json/NAME.out) and last (the last one)
check() {
	python3 - "json/$1.out" "$2" <<'PY' || fail "$1: $(cat "json/$1.out" | head -c 3000)"
import json, sys
L = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
for o in L:
    assert isinstance(o, dict) and o.get("v") == 1 and isinstance(o.get("event"), str), o
last = L[-1]
ev = [o["event"] for o in L]
exec(sys.argv[2])
PY
}

run validate 0 --json validate
check validate 'assert last["event"] == "validated" and last["project"] == "jsonall" and last["migrations"] == 2, last
assert "staging" in last["environments"] and {"step": "migrate", "kind": "migrate"} in last["steps"], last'
run lint 0 lint --json
check lint 'f = [o for o in L if o["event"] == "lint_finding"]
assert f and f[0]["rule"] == "update-without-where" and f[0]["version"] == "0002", f
assert last["event"] == "lint_finished" and last["warnings"] == 1 and last["exit_code"] == 0, last'
run plan 0 --json plan staging
check plan 'assert last["event"] == "plan_finished" and last["env"] == "staging", last
s = {x["step"]: x for x in last["steps"]}
assert [p["version"] for p in s["migrate"]["plan"]["pending"]] == ["0001", "0002"], s["migrate"]
assert s["migrate"]["plan"]["pending"][1]["findings"][0]["rule"] == "update-without-where", s["migrate"]
assert s["migrate"]["plan"]["pending"][1]["findings"][0]["version"] == "0002", s["migrate"]
assert s["migrate"]["lines"] and s["cp"]["applies"] is False and s["note"]["applies"] is True, s
assert "plan" in ev[:-1], ev'
run dry-run 0 --json deploy staging --dry-run
check dry-run 'assert last["event"] == "plan_finished" and len(last["steps"][1]["plan"]["pending"]) == 2, last'
run deploy 0 deploy staging --json
check deploy 'assert ev[0] == "run_started" and last["event"] == "run_finished" and last["status"] == "succeeded", ev
assert "step_finished" in ev, ev'
run status 0 --json status staging
check status 'assert last["event"] == "status" and last["current_release"] and last["last_run"]["status"] == "succeeded", last'
run history 0 --json history staging --limit=1
check history 'assert ev == ["run", "history_finished"], ev
assert L[0]["env"] == "staging" and L[0]["command"] == "deploy" and last["count"] == 1 and last["limit"] == 1, L'
run migrations 0 migrations staging --json
check migrations 'assert last["event"] == "migrations" and last["counts"]["applied"] == 2, last'
run diff 1 --json diff staging production
check diff 'assert last["event"] == "diff" and last["identical"] is False and last["count"] > 0, last'
run backup 0 --json backup staging
check backup 'assert last["event"] == "backup" and last["detail"]["path"].endswith(".dump"), last'
dump=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().splitlines()[-1])["detail"]["path"])' json/backup.out)
run restore 0 --json restore staging "$dump" --yes --approve
check restore 'assert last["event"] == "restore" and last["recorded"] is True and last["env"] == "staging", last
assert "run_finished" in ev, ev'
run promote 7 --json promote staging production
check promote 'assert last["event"] == "run_finished" and last["status"] == "paused" and last["exit_code"] == 7, last
assert last.get("release"), last'
run approve 0 --json approve production cp
check approve 'assert last["event"] == "approved" and last["step"] == "cp" and last["already_given"] is False, last'
run resume 0 --json deploy production --resume
check resume 'assert last["event"] == "run_finished" and last["status"] == "succeeded", last'
run rollback-preview 0 --json rollback staging --last --dry-run
check rollback-preview 'assert last["event"] == "rollback_preview" and len(last["undoes"]) == 1, last
assert last["undoes"][0]["command"] == "deploy", last
assert any(o["event"] == "plan" and o["step"] == "migrate" for o in L), ev'
run rollback 0 --json rollback staging --last --approve
check rollback 'start = [o for o in L if o["event"] == "run_started"]
assert len(start) == 1 and len(start[0]["undoes"]) == 1 and last["status"] == "succeeded", L
assert set(ev[:ev.index("run_started")]) == {"plan"}, ev  # the preview of what it undoes, then the run
assert "step_rolled_back" in ev, ev'
run rollback-nothing 0 --json rollback fresh --last --approve
check rollback-nothing 'assert last["event"] == "rollback_nothing" and last["undoes"] == [], last'
run new 0 --json new add_things
check new 'assert last["event"] == "migration_created" and last["up"].endswith("_add_things.up.sql"), last'
rm -f m/*_add_things.*
run baseline 0 --json baseline fresh --to=0001
check baseline 'assert last["event"] == "baseline" and [x["version"] for x in last["recorded"]] == ["0001"], last'
echo "-- reviewed" >> m/0001_t1.up.sql
run repair 0 --json repair production
check repair 'assert last["event"] == "repair" and last["changes"][0]["action"] == "accept_checksum", last
assert last["changes"][0]["version"] == "0001", last'
# a run killed mid-way (the shell step kills stagecoach), then resolved by hand
( "$SC" deploy other >json-other.out 2>json-other.err ) 2>/dev/null && fail "the crash step did not kill the deploy"
run resolve 0 --json resolve other --approve --note "fixed by hand"
check resolve 'assert last["event"] == "resolved" and last["previous_status"] == "running" and last["note"] == "fixed by hand", last'
mkdir -p initdir/migrations
(cd initdir && "$SC" --json init >../json/init.out 2>../json/init.err) || fail "init: $(cat json/init.err)"
check init 'assert last["event"] == "config_written" and last["migrations"] == "migrations", last'
run version 0 --json --version
check version 'assert last["event"] == "version" and last["version"], last'

# failures: the error object, exit code kept, and the message on stderr too
echo 'version = 1; bogus = 1;' > bad.conf
run config-error 2 -c bad.conf --json validate
check config-error 'assert last["event"] == "error" and last["exit_code"] == 2 and (last["file"], last["line"]) == ("bad.conf", 1), last
assert last["command"] == "validate", last'
assert_contains json/config-error.err "stagecoach: error: bad.conf:1"
mkdir -p mbad
printf 'CREATE TABLE ok (id int);\nCREATE TABLE (;\n' > mbad/0001_x.up.sql
sed 's/migrations = "m";/migrations = "mbad";/' stagecoach.conf > badsql.conf
run sql-error 2 -c badsql.conf --json validate
check sql-error 'assert last["event"] == "error" and last["file"].endswith("/mbad/0001_x.up.sql") and last["line"] == 2, last
assert L[0]["event"] == "lint_finding" and L[0]["rule"] == "syntax", L'
run unreachable 6 --json deploy down
check unreachable 'assert last["event"] == "error" and last["exit_code"] == 6 and "cannot connect" in last["message"], last
assert "file" not in last, last'
assert_not_contains json/unreachable.out "s3cret-pw-123"
"$SC" deploy slow >slow.out 2>slow.err &
slow=$!
for i in $(seq 300); do [ -f held ] && break; sleep 0.1; done
[ -f held ] || fail "the slow deploy did not start: $(cat slow.err)"
run locked 4 --json deploy slow
touch go
wait $slow || fail "the slow deploy failed: $(cat slow.err)"
check locked 'assert last["event"] == "error" and last["exit_code"] == 4 and "locked by deploy run" in last["message"], last'
run usage 2 --json deploy
check usage 'assert last["event"] == "error" and last["command"] == "deploy" and "name the environment" in last["message"], last'
run unknown-command 2 --json deplyo staging
check unknown-command 'assert last["event"] == "error" and "did you mean deploy?" in last["message"], last'
run unknown-option 2 history staging --limt 2 --json
check unknown-option 'assert last["event"] == "error" and "did you mean --limit?" in last["message"], last'
run unknown-global 2 --jsn status staging --json
check unknown-global 'assert last["event"] == "error" and "did you mean --json?" in last["message"], last'
# without --json: nothing on stdout for a failure
expect_exit 2 sc deplyo staging
[ -s "$T/out" ] && fail "stdout without --json: $(cat "$T/out")"

# every field name of all of that is documented
python3 "$TOP/tests/lib/json_fields.py" output json/*.out >fields.txt 2>&1 || fail "$(cat fields.txt)"
pass
