#!/bin/bash
# kill -9 while a migration runs inside its transaction (pg_sleep in it).
# The killed client's server session goes on with the query it was sent
# (see kill9-migrate-ghost.sh); ended as an operator would
# (pg_terminate_backend), the migration is not recorded and its table does
# not exist, the one before it is; status shows the run interrupted at step
# 'migrate', deploy refuses (exit 2), deploy --resume applies the rest
# exactly once; pre-existing rows are all there.
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
assert_eq "$(psql_q "$APP_DB" "SELECT string_agg(version, ',' ORDER BY version) FROM stagecoach.schema_migrations")" "001" "history after the kill"
assert_eq "$(psql_q "$APP_DB" "SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE relname IN ('a', 'b')")" "a" "tables after the kill"
assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM keep")" 1000 "rows after the kill"
expect_exit 2 sc deploy staging
psql_q "$APP_DB" "DROP TABLE slow_flag"
expect_exit 0 sc deploy staging --resume
assert_eq "$(psql_q "$APP_DB" "SELECT string_agg(version, ',' ORDER BY version) FROM stagecoach.schema_migrations")" "001,002" "history"
assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM a")" 10 "001 applied once"
assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM keep")" 1001 "002 applied once, old rows kept"
assert_eq "$(run_status "$APP_DB")" succeeded "one run, resumed to its end"
pass
