#!/bin/bash
# kill -9 while a migration runs inside its transaction (pg_sleep in it),
# then at once `rollback`: once the killed client's server session is gone,
# the migration must not be recorded and its table must not exist.
# Was a bug, now fixed (see docs/FAULTS.md): the killed client's server session goes on executing the query
# string it was sent (steps/migrate.c migrate_apply_tx sends BEGIN; up SQL;
# history INSERT; COMMIT as one simple query) and COMMITs it seconds after
# the kill, after `rollback` (or `deploy --resume`) has read the history and
# reported success: the migration ends up applied and recorded, the run
# rolled_back.  Fix: before `rollback` or `deploy --resume` of an
# interrupted run reads anything, end the killed run's surviving sessions
# (pg_terminate_backend of application_name 'stagecoach/RUNID/steps', then
# wait for them to be gone); PostgreSQL's client_connection_check_interval
# on the steps' connection (SET at connect) also makes the server notice the
# dead client.
TD=$(cd "$(dirname "$0")" && pwd); until [ -f "$TD/lib/common.sh" ]; do TD=$(dirname "$TD"); done
. "$TD/lib/common.sh"
. "$TD/faults/lib/faults.sh"
sc_setup
k9_migrate_setup

bg_sc run deploy staging
wait_until 15 pg_active "$APP_DB" '%pg_sleep(CASE%'
kill9 "$BG"
sleep 0.3
expect_exit 0 sc status staging
assert_contains "$T/out" "INTERRUPTED"
assert_contains "$T/out" "stopped at step 'migrate'"
expect_exit 2 sc deploy staging
assert_contains "$T/err" "was interrupted at step 'migrate'"

expect_exit 0 sc rollback staging --last --yes
# the killed client's server session may outlive it: wait until it is gone
wait_until 20 eval '! pg_active "$APP_DB" "%pg_sleep(CASE%"'
sleep 0.3
assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM stagecoach.schema_migrations")" 0 "history after the rollback"
assert_eq "$(psql_q "$APP_DB" "SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE relname IN ('a', 'b')")" "" "tables a, b after the rollback"
assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM keep")" 1000 "rows after the rollback"

psql_q "$APP_DB" "DROP TABLE slow_flag"
expect_exit 0 sc deploy staging
assert_eq "$(psql_q "$APP_DB" "SELECT string_agg(version, ',' ORDER BY version) FROM stagecoach.schema_migrations")" "002" "history"
assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM keep")" 1001 "002 applied once, old rows kept"
pass
