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
pg_start
export APP_DB=$(pg_createdb app)
mkdir -p migrations
cat >stagecoach.conf <<'CONF'
version = 1;
project = "k9tx";
migrations = "migrations";
environments = { staging = { database = "${APP_DB}"; }; };
steps = ( { name = "migrate"; kind = "migrate"; } );
CONF
psql_q "$APP_DB" "CREATE TABLE keep (id int); INSERT INTO keep SELECT generate_series(1, 1000)"
printf 'CREATE TABLE a (id int);\nINSERT INTO a SELECT generate_series(1, 10);\n' >migrations/001_a.up.sql
echo "DROP TABLE a;" >migrations/001_a.down.sql
printf 'CREATE TABLE b (id int);\nINSERT INTO keep VALUES (-1);\nSELECT pg_sleep(${SLEEP_S});\n' >migrations/002_b.up.sql
echo "DROP TABLE b; DELETE FROM keep WHERE id = -1;" >migrations/002_b.down.sql
sed -i "s/\${SLEEP_S}/CASE WHEN to_regclass('slow_flag') IS NULL THEN 0 ELSE 6 END/" migrations/002_b.up.sql
psql_q "$APP_DB" "CREATE TABLE slow_flag ()"

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
