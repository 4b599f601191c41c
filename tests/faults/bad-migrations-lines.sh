#!/bin/bash
# Errors about the migrations that could name FILE:LINE and do not.
# Was a bug, now fixed (see docs/FAULTS.md):
# - orchestrator/cmd-validate.c validate_migrations (and the same check on
#   deploy): "stagecoach.conf: migrations folder '...' does not exist" names
#   the config file without the line of `migrations = ...` (SPEC: config
#   errors name FILE:LINE), and says "does not exist" of a path that exists
#   but is a file: it should say "is not a folder".
# - steps/migrations.c: "001_x.up.sql: is not valid UTF-8" and "holds NUL
#   bytes" name neither the folder nor the line of the first bad byte.
TD=$(cd "$(dirname "$0")" && pwd); until [ -f "$TD/lib/common.sh" ]; do TD=$(dirname "$TD"); done
. "$TD/lib/common.sh"
sc_setup
conf() {
	cat >stagecoach.conf <<CONF
version = 1;
project = "lines";

migrations = "$1";
environments = { staging = { database = "postgresql://nobody@127.0.0.1:1/none"; }; };
steps = ( { name = "migrate"; kind = "migrate"; } );
CONF
}
conf nowhere
expect_exit 2 sc validate
assert_contains "$T/err" "stagecoach.conf:4: "
echo x >afile
conf afile
expect_exit 2 sc validate
assert_contains "$T/err" "stagecoach.conf:4: "
assert_contains "$T/err" "is not a folder"
mkdir -p m
conf m
printf 'CREATE TABLE a (id int);\nINSERT INTO a VALUES (1); -- caf\xe9\n' >m/001_latin1.up.sql
expect_exit 2 sc validate
assert_contains "$T/err" "001_latin1.up.sql:2: "
rm m/*
printf 'CREATE TABLE a (id int);\n-- \x00\n' >m/001_nul.up.sql
expect_exit 2 sc validate
assert_contains "$T/err" "001_nul.up.sql:2: "
pass
