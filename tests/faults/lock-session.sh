#!/bin/bash
# The lock holds for the whole run (FAULTS.md class 4).
#  1. The role sets idle_session_timeout, idle_in_transaction_session_timeout
#     and statement_timeout (ALTER ROLE ... SET): the lock's session lives
#     through a step that sleeps longer than them: the same backend holds the
#     lock before and after, the deploy succeeds.  (Was: the server ended the
#     idle lock session after 1 s; the environment was unlocked while the
#     step ran.)
#  2. The lock's session is ended under the run (pg_terminate_backend) while
#     a step runs: the run stops before its next step, says the lock was
#     lost, rolls back what it did (exit 1) and records it; nothing after the
#     loss runs.  (Was: it reconnected, took the lock again and carried on.)
#  3. The same, and another command (backup) ran while the lock was free:
#     the run undoes nothing (that command acted meanwhile), exit 3, says so.
TD=$(cd "$(dirname "$0")" && pwd); until [ -f "$TD/lib/common.sh" ]; do TD=$(dirname "$TD"); done
. "$TD/lib/common.sh"
. "$TD/faults/lib/faults.sh"
sc_setup
pg_start
export APP_DB=$(pg_createdb app)
mkdir -p migrations backups
echo "CREATE TABLE a (id int);" >migrations/001_a.up.sql
echo "DROP TABLE a;" >migrations/001_a.down.sql
cat >stagecoach.conf <<'CONF'
version = 1;
project = "locksess";
migrations = "migrations";
environments = { staging = { database = "${APP_DB}"; }; };
steps = (
  { name = "first"; kind = "shell"; command = "psql \"$DATABASE_URL\" -XAtc \"SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted\" >pid1; touch started; i=0; while [ ! -f go ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done";
    rollback_command = "echo undo-first >>marks"; },
  { name = "second"; kind = "shell"; command = "psql \"$DATABASE_URL\" -XAtc \"SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted\" >pid2; echo second >>marks"; },
  { name = "migrate"; kind = "migrate"; }
);
CONF
lock_session() { psql_q "$APP_DB" "SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'stagecoach/%' AND application_name NOT LIKE '%/steps'"; }

# --- 1. role settings ---------------------------------------------------------
# the log names each session's application (the steps' own connection, which
# stagecoach reconnects on use, may be ended by the role's settings)
psql $PG_SUPER -d postgres -c "ALTER SYSTEM SET log_line_prefix = '%m [%p] app=%a '" -c "SELECT pg_reload_conf()" >/dev/null
psql $PG_SUPER -d postgres -c "ALTER ROLE sc SET idle_session_timeout = '1s'; ALTER ROLE sc SET idle_in_transaction_session_timeout = '1s'; ALTER ROLE sc SET statement_timeout = '2s'" >/dev/null
rm -f go started marks pid1 pid2; : >marks
bg_sc run deploy staging
wait_until 20 test -f started
sleep 2.5 # longer than idle_session_timeout: what the role setting would end
touch go
wait_exit "$BG" 60
[ "$RC" = 0 ] || fail "role settings: exit $RC: $(tail -5 "$T/run.err")"
[ -s pid1 ] || fail "no lock holder seen by the first step"
assert_eq "$(cat pid2)" "$(cat pid1)" "the lock's backend after the idle step (the lock was dropped in between)"
! grep "timeout" "$PGSOCK/pg.log" | grep "app=stagecoach/" | grep -qv "/steps " ||
	fail "the server ended the lock's session: $(grep timeout "$PGSOCK/pg.log")"
assert_eq "$(psql_q "$APP_DB" "SELECT status FROM stagecoach.runs ORDER BY started_at DESC LIMIT 1")" succeeded "role settings: run"
psql $PG_SUPER -d postgres -c "ALTER ROLE sc RESET ALL" >/dev/null
echo "DROP TABLE a;" | psql "$APP_DB" -Xq
psql_q "$APP_DB" "DELETE FROM stagecoach.schema_migrations" >/dev/null

# --- 2. the lock's session terminated ----------------------------------------
rm -f go started marks pid1 pid2; : >marks
bg_sc run deploy staging
wait_until 20 test -f started
pid=$(lock_session)
[ -n "$pid" ] || fail "no lock session found"
psql_q "$APP_DB" "SELECT pg_terminate_backend($pid)" >/dev/null
touch go
wait_exit "$BG" 60
assert_eq "$RC" 1 "terminated lock session: exit code ($(tail -3 "$T/run.err"))"
assert_contains "$T/run.err" "lock of environment 'staging' was lost"
assert_contains "$T/run.err" "before step 'second'"
assert_contains "$T/run.err" "rolled back"
assert_contains marks undo-first
assert_not_contains marks second
assert_eq "$(psql_q "$APP_DB" "SELECT to_regclass('public.a') IS NULL")" t "table a (the migration after the loss must not run)"
assert_eq "$(psql_q "$APP_DB" "SELECT status FROM stagecoach.runs ORDER BY started_at DESC LIMIT 1")" rolled_back "terminated: run"
expect_exit 0 sc status staging
assert_not_contains "$T/out" "INTERRUPTED"

# --- 3. terminated, and another command ran meanwhile --------------------------
rm -f go started marks pid1 pid2; : >marks
bg_sc run deploy staging
wait_until 20 test -f started
pid=$(lock_session)
psql_q "$APP_DB" "SELECT pg_terminate_backend($pid)" >/dev/null
wait_until 10 eval "! psql_q '$APP_DB' 'SELECT 1 FROM pg_stat_activity WHERE pid = $pid' | grep -q 1"
"$SC" history staging >/dev/null 2>&1
"$SC" backup staging >"$T/backup.out" 2>"$T/backup.err"
echo "backup in the gap: exit $?: $(tail -2 "$T/backup.err")"
touch go
wait_exit "$BG" 60
if [ "$(psql_q "$APP_DB" "SELECT count(*) FROM stagecoach.runs WHERE command = 'backup'")" != 0 ]; then
	assert_eq "$RC" 3 "another run in the gap: exit code ($(tail -3 "$T/run.err"))"
	assert_contains "$T/run.err" "another run acted on the environment meanwhile"
	assert_not_contains marks undo-first
	assert_not_contains marks second
else
	echo "backup recorded no run (refused: $(tail -1 "$T/backup.err")): case 3 is case 2"
	assert_eq "$RC" 1 "exit code"
fi
pass
