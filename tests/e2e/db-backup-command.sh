#!/bin/bash
# `stagecoach backup ENV` with and without a configured pg_backup step: a
# verified dump, mode 0600, recorded as a run (it once crashed without one).
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
export APP_DB=$(pg_createdb app)
psql_q "$APP_DB" "CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2)" >/dev/null
cat >stagecoach.conf <<'CONF'
version = 1;
project = "b";
environments = { staging = { database = "${APP_DB}"; }; };
steps = ( { name = "hello"; kind = "shell"; command = "true"; } );
CONF
expect_exit 0 sc backup staging
f=$(ls backups/staging-*.dump) || fail "no dump in backups/"
assert_eq "$(stat -c %a "$f")" 600 "dump mode"
"$PG_BIN/pg_restore" --list "$f" | grep -q 'TABLE public t' || fail "the dump lacks table t"
assert_eq "$(psql_q "$APP_DB" "SELECT command || ' ' || status FROM stagecoach.runs")" "backup succeeded" "run row"
pass
