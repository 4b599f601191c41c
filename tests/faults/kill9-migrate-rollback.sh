#!/bin/bash
# kill -9 during the second migration of a run (the first one committed),
# the killed session ended (pg_terminate_backend): `rollback` must undo the
# first migration by its down.
# Was a bug, now fixed (see docs/FAULTS.md): steps/migrate.c migrate_rollback takes the run id from the step's
# recorded detail, and falls back to run->run_id, the id of the *rollback*
# run; a step killed mid-way has detail {} (its row was written 'running'
# before apply and never again), so the rollback looks for history rows of
# the wrong run, finds none, undoes nothing and reports success ("rolled
# back", exit 0) while 001 stays applied.  Fix: fall back to the id of the
# run being undone (cmd-rollback knows it: r->undoes / the target run), and
# have migrate_apply run_checkpoint() its detail (run_id, rollback) before
# the first migration.
TD=$(cd "$(dirname "$0")" && pwd); until [ -f "$TD/lib/common.sh" ]; do TD=$(dirname "$TD"); done
. "$TD/lib/common.sh"
. "$TD/faults/lib/faults.sh"
sc_setup
# the orphaned server session is ended by the test (pg_terminate_orphans):
# its sleep must outlast the commands before that on a loaded machine
K9_SLEEP=120 k9_migrate_setup with001

bg_sc run deploy staging
wait_until 15 pg_active "$APP_DB" '%pg_sleep(CASE%'
kill9 "$BG"
sleep 0.3
expect_exit 0 sc status staging
assert_contains "$T/out" "INTERRUPTED"
assert_contains "$T/out" "stopped at step 'migrate'"
expect_exit 2 sc deploy staging
assert_contains "$T/err" "was interrupted at step 'migrate'"

pg_terminate_orphans "$APP_DB"
assert_eq "$(psql_q "$APP_DB" "SELECT string_agg(version, ',') FROM stagecoach.schema_migrations")" "001" "history after the kill"
expect_exit 0 sc rollback staging --last --yes
assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM stagecoach.schema_migrations")" 0 "history after the rollback"
assert_eq "$(psql_q "$APP_DB" "SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE relname IN ('a', 'b')")" "" "tables a, b after the rollback"
assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM keep")" 1000 "rows after the rollback"

psql_q "$APP_DB" "DROP TABLE slow_flag"
expect_exit 0 sc deploy staging
assert_eq "$(psql_q "$APP_DB" "SELECT string_agg(version, ',' ORDER BY version) FROM stagecoach.schema_migrations")" "001,002" "history"
assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM a")" 10 "001 applied once"
assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM keep")" 1001 "002 applied once, old rows kept"
pass
