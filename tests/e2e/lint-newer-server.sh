#!/bin/bash
# The lint's grammar is PostgreSQL 15's.  A statement it cannot parse (here
# PostgreSQL 17's ALTER ... SET EXPRESSION) is an error for `lint` and
# `validate`, and for `plan` on a PostgreSQL 15 server (the version comes
# from the connection); with --server-version 17 (a newer target) it is a
# warning naming that version, and lint/validate pass.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
URL=$(pg_createdb app)
mkdir migrations
cat > stagecoach.conf <<CONF
version = 1;
project = "nv";
migrations = "migrations";
environments = { staging = { database = "$URL"; }; };
steps = ( { name = "migrate"; kind = "migrate"; } );
CONF
printf 'CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a * 2) STORED);\n' > migrations/1_t.up.sql
printf -- '-- PostgreSQL 17\nALTER TABLE t ALTER COLUMN b SET EXPRESSION AS (a * 3);\n' > migrations/2_expr.up.sql

expect_exit 1 sc lint
assert_contains "$T/out" "2_expr.up.sql:2: syntax"
expect_exit 0 sc lint --server-version 17
assert_contains "$T/out" "2_expr.up.sql:2: syntax"
assert_contains "$T/out" "the target server is PostgreSQL 17"
assert_contains "$T/err" "0 errors, 1 warning"
expect_exit 0 sc --json lint --server-version=17.2 migrations
assert_contains "$T/out" '"severity":"warning"'
expect_exit 2 sc lint --server-version banana

expect_exit 2 sc validate
assert_contains "$T/err" "2_expr.up.sql:2: syntax"
expect_exit 0 sc validate --server-version 17
assert_contains "$T/out" "PostgreSQL 17"
expect_exit 0 sc validate staging --server-version 17

# this server is PostgreSQL 15: the statement is an error for plan and deploy
[ "$(psql_q "$URL" "SHOW server_version_num")" -lt 160000 ] || { echo "SKIP: the test server is newer than 15" >&2; exit 0; }
expect_exit 2 sc plan staging
assert_contains "$T/err" "2_expr.up.sql:2: syntax"
expect_exit 2 sc deploy staging
assert_eq "$(psql_q "$URL" "SELECT to_regclass('t') IS NULL")" t "nothing applied"
pass
