#!/bin/bash
# kill -9 in the middle of a no-transaction migration: status tells the
# truth (interrupted, at step migrate), deploy refuses (exit 2), and
# deploy --resume continues: no migration is applied twice, no row is lost.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
export STG=$(pg_createdb staging)
mkdir -p migrations
cat >stagecoach.conf <<'CONF'
version = 1;
project = "resume";
migrations = "migrations";
environments = { staging = { database = "${STG}"; }; };
steps = (
  { name = "before"; kind = "shell"; command = "echo before >> steps.log"; },
  { name = "migrate"; kind = "migrate"; },
  { name = "after"; kind = "shell"; command = "echo after >> steps.log"; }
);
CONF
cat >migrations/001_base.up.sql <<'SQL'
CREATE TABLE accounts (id int PRIMARY KEY, email text);
INSERT INTO accounts SELECT g, 'u' || g || '@x' FROM generate_series(1, 1000) g;
SQL
cat >migrations/002_index.up.sql <<'SQL'
-- stagecoach:no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS accounts_email ON accounts (email);
SELECT pg_sleep(${SLEEP_S:-0});
CREATE INDEX CONCURRENTLY IF NOT EXISTS accounts_email_id ON accounts (email, id);
SQL
sed -i 's/\${SLEEP_S:-0}/4/' migrations/002_index.up.sql
"$SC" deploy staging >k.out 2>k.err &
victim=$!
for i in $(seq 100); do
	psql_q "$STG" "SELECT 1 FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%'" 2>/dev/null | grep -q 1 && break
	sleep 0.1
done
kill -9 $victim; wait $victim 2>/dev/null
sleep 0.3
expect_exit 0 sc status staging
assert_contains "$T/out" "INTERRUPTED"
assert_contains "$T/out" "stopped at step 'migrate'"
expect_exit 2 sc deploy staging
assert_contains "$T/err" "was interrupted at step 'migrate'"
assert_contains "$T/err" "deploy staging --resume"
expect_exit 0 sc --json status staging
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['interrupted_run']['last_step']=='migrate', d" "$T/out" || fail "status --json"
assert_eq "$(psql_q "$STG" "SELECT string_agg(version, ',' ORDER BY version) FROM stagecoach.schema_migrations")" "001" "history after the kill"
sed -i 's/pg_sleep(4)/pg_sleep(0)/' migrations/002_index.up.sql
expect_exit 2 sc deploy staging --resume
assert_contains "$T/err" "but the local tree is release"
sed -i 's/pg_sleep(0)/pg_sleep(4)/' migrations/002_index.up.sql
expect_exit 0 sc deploy staging --resume
assert_contains "$T/out" "resuming run"
assert_eq "$(psql_q "$STG" "SELECT string_agg(version, ',' ORDER BY version) FROM stagecoach.schema_migrations")" "001,002" "history after resume"
assert_eq "$(psql_q "$STG" "SELECT count(*) FROM accounts")" 1000 "rows kept"
assert_eq "$(psql_q "$STG" "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname LIKE 'accounts_email%' AND i.indisvalid")" 2 "valid indexes"
assert_eq "$(cat steps.log | tr '\n' ' ')" "before after " "the step done before the kill did not run again"
assert_eq "$(psql_q "$STG" "SELECT count(*) || ' ' || min(status) FROM stagecoach.runs")" "1 succeeded" "one run, finished"
expect_exit 0 sc deploy staging
expect_exit 2 sc deploy staging --resume
assert_contains "$T/err" "no interrupted run to resume"
pass
