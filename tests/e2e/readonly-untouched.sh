#!/bin/bash
# Read-only commands (status, history, plan, diff, deploy --dry-run) leave a
# database stagecoach never touched as it is: no schema stagecoach appears.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
export A=$(pg_createdb a) B=$(pg_createdb b)
mkdir -p migrations
echo 'CREATE TABLE t (id int);' >migrations/001_t.up.sql
cat >stagecoach.conf <<'CONF'
version = 1;
project = "ro";
migrations = "migrations";
environments = { staging = { database = "${A}"; }; production = { database = "${B}"; }; };
steps = ( { name = "migrate"; kind = "migrate"; }, { name = "check"; kind = "sql_check"; query = "SELECT 1"; expect = "1"; } );
CONF
expect_exit 0 sc status staging
assert_contains "$T/out" "never deployed"
expect_exit 0 sc history staging
expect_exit 0 sc plan staging
assert_contains "$T/out" "001_t.up.sql"
expect_exit 0 sc deploy staging --dry-run
expect_exit 0 sc diff staging production
for db in "$A" "$B"; do
	assert_eq "$(psql_q "$db" "SELECT count(*) FROM pg_namespace WHERE nspname = 'stagecoach'")" 0 "schema created by a read-only command"
done
expect_exit 0 sc deploy staging
assert_eq "$(psql_q "$A" "SELECT count(*) FROM pg_namespace WHERE nspname = 'stagecoach'")" 1 "deploy creates it"
expect_exit 1 sc diff staging production
pass
