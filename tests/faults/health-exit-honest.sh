#!/bin/bash
# A health check that nothing answers, and the final line of each exit path
# (issue 13, class 9): it says what happened, never "rolled back" when
# nothing was.
#  - nothing before it changes anything (a shell step without
#    rollback_command, a gate): exit 6, the run recorded `failed`, "nothing
#    was changed, so nothing was rolled back", no "rolling back" line; also
#    with --no-rollback (was: exit 6 with "rolled back: ... is at its
#    previous release", and exit 3 "part-way" with --no-rollback), and a
#    continue_on_error step before it that did change something: exit 1,
#    rolled back;
#  - a migration before it: exit 1, rolled back, the table gone;
#  - a migration whose down fails: exit 3, `rollback_failed`, "the rollback
#    did not complete", never "is at its previous release".
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
URL=$(pg_createdb app)
DEAD=$(free_port)
mkdir -p migrations
echo 'CREATE TABLE a (id int);' >migrations/0001_a.up.sql
echo 'DROP TABLE a;' >migrations/0001_a.down.sql
HEALTH="{ name = \"health\"; kind = \"health_check\"; url = \"http://127.0.0.1:$DEAD/health\"; retries = 2; interval_ms = 50; }"
conf() {
	cat >stagecoach.conf <<CONF
version = 1;
project = "h6";
migrations = "migrations";
environments = { staging = { database = "$URL"; }; };
steps = ( $1 );
CONF
}
last_status() { psql_q "$URL" "SELECT status FROM stagecoach.runs ORDER BY started_at DESC LIMIT 1"; }
no_table() { assert_eq "$(psql_q "$URL" "SELECT to_regclass('public.a') IS NULL")" t "$1"; }

# 1. nothing before it changes anything
conf "{ name = \"note\"; kind = \"shell\"; command = \"true\"; },
      { name = \"gate\"; kind = \"sql_check\"; checks = ( { query = \"SELECT 1\"; expect = \"1\"; } ); },
      $HEALTH, { name = \"migrate\"; kind = \"migrate\"; }"
expect_exit 6 sc deploy staging
assert_contains "$T/err" "Couldn't connect"
assert_contains "$T/err" "nothing was changed, so nothing was rolled back"
assert_not_contains "$T/err" "rolled back:"
assert_not_contains "$T/out" "rolling back"
assert_contains "$T/out" "deploy 'staging' failed"
assert_not_contains "$T/out" "rolled_back"
assert_eq "$(last_status)" failed "run status, nothing changed"
no_table "nothing changed"
expect_exit 6 sc --json deploy staging
python3 - "$T/out" <<'PY' || fail "--json run_finished"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
fin = [e for e in ev if e["event"] == "run_finished"][0]
assert fin["status"] == "failed" and fin["exit_code"] == 6, fin
assert "nothing was changed, so nothing was rolled back" in fin["error"], fin
assert not [e for e in ev if e["event"] in ("rollback_started", "step_rolled_back")], ev
PY
expect_exit 6 sc deploy staging --no-rollback
assert_contains "$T/err" "nothing was changed, so nothing was rolled back"
assert_not_contains "$T/err" "part-way"
no_table "nothing changed, --no-rollback"
# the next deploy is not blocked
expect_exit 0 sc status staging
assert_not_contains "$T/out" "INTERRUPTED"

# 1b. a continue_on_error step before it failed after changing something:
# its rollback_command runs, so this is a rollback (exit 1), not a 6
conf "{ name = \"half\"; kind = \"shell\"; command = \"touch half; exit 1\"; rollback_command = \"rm half\";
        continue_on_error = true; }, $HEALTH"
expect_exit 1 sc deploy staging
assert_contains "$T/err" "rolled back: 'staging' is at its previous release"
[ ! -e half ] || fail "the continue_on_error step was not undone"
assert_eq "$(last_status)" rolled_back "run status, continue_on_error"

# 2. a migration before it: rolled back, exit 1
conf "{ name = \"migrate\"; kind = \"migrate\"; }, $HEALTH"
expect_exit 1 sc deploy staging
assert_contains "$T/out" "rolling back"
assert_contains "$T/err" "rolled back: 'staging' is at its previous release"
assert_not_contains "$T/err" "nothing was changed"
assert_eq "$(last_status)" rolled_back "run status, migration undone"
no_table "migration undone"

# 3. a migration whose down fails: exit 3, what remains named
echo 'DROP TABLE no_such_table;' >migrations/0001_a.down.sql
expect_exit 3 sc deploy staging
assert_contains "$T/err" "the rollback did not complete"
assert_contains "$T/err" "manual attention needed"
assert_contains "$T/err" "no_such_table"
assert_not_contains "$T/err" "is at its previous release"
assert_not_contains "$T/err" "nothing was changed"
assert_contains "$T/out" "deploy 'staging' rollback_failed"
assert_eq "$(last_status)" rollback_failed "run status, rollback failed"
assert_eq "$(psql_q "$URL" "SELECT to_regclass('public.a') IS NOT NULL")" t "the table stays, as said"
pass
