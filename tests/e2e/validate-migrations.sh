#!/bin/bash
# validate parses every migration with the PostgreSQL grammar and runs the
# lint, with no connection: a syntax error is exit 2 with FILE:LINE; warnings
# are shown and do not fail; a missing folder is an error.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
mkdir -p migrations
cat >stagecoach.conf <<'CONF'
version = 1;
project = "v";
migrations = "migrations";
environments = { staging = { database = "postgresql://nobody@127.0.0.1:1/none"; }; };
steps = ( { name = "migrate"; kind = "migrate"; } );
CONF
printf 'CREATE TABLE a (id int);\n' >migrations/001_a.up.sql
printf 'ALTER TABLE a DROP COLUMN id;\n' >migrations/002_b.up.sql
expect_exit 0 sc validate
assert_contains "$T/out" "2 migrations"
assert_contains "$T/out" "002_b.up.sql:1: drop-column"
printf -- '-- the runbook wrote this\n\nCREATE TYPE IF NOT EXISTS billing AS ENUM (%s);\n' "'a'" >migrations/003_c.up.sql
expect_exit 2 sc validate
assert_contains "$T/err" "003_c.up.sql:3: syntax"
rm -f migrations/*
expect_exit 0 sc validate
assert_contains "$T/err" "holds no migration"
rm -rf migrations
expect_exit 2 sc validate
assert_contains "$T/err" "migrations folder"
pass
