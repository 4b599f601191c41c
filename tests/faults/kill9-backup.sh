#!/bin/bash
# kill -9 while pg_backup's pg_dump is writing (a database of 2e6 rows, so
# the dump takes a moment): no ENV-RUNID.dump is left under its final name
# (only the .tmp may remain), status shows the run interrupted at step
# 'backup', deploy refuses (exit 2), deploy --resume makes a good backup and
# applies the migration once; every pre-existing row is there.
TD=$(cd "$(dirname "$0")" && pwd); until [ -f "$TD/lib/common.sh" ]; do TD=$(dirname "$TD"); done
. "$TD/lib/common.sh"
. "$TD/faults/lib/faults.sh"
sc_setup
pg_start
export APP_DB=$(pg_createdb app)
mkdir -p migrations
cat >stagecoach.conf <<'CONF'
version = 1;
project = "k9backup";
migrations = "migrations";
environments = { staging = { database = "${APP_DB}"; }; };
steps = (
  { name = "backup"; kind = "pg_backup"; dir = "backups"; },
  { name = "migrate"; kind = "migrate"; }
);
CONF
psql_q "$APP_DB" "CREATE TABLE big AS SELECT g AS id, md5(g::text) AS h FROM generate_series(1, 2000000) g"
echo "CREATE TABLE added (id int); INSERT INTO added VALUES (1);" >migrations/001_added.up.sql
echo "DROP TABLE added;" >migrations/001_added.down.sql

bg_sc run deploy staging
# the dump is being written: its temporary file exists and grows
wait_until 120 sh -c 'ls backups/*.tmp >/dev/null 2>&1 && [ "$(stat -c %s backups/*.tmp | head -1)" -gt 100000 ]'
kill9 "$BG"
run_id=$(psql_q "$APP_DB" "SELECT id FROM stagecoach.runs")
# the orphaned pg_dump may still finish writing its .tmp; wait for it to go
# (2e6 rows: over 20 s on a loaded machine)
wait_until 180 eval '! pg_dump_running'
ls backups >"$T/backups.after-kill"
[ ! -e "backups/staging-$run_id.dump" ] || fail "a dump was left under its final name: $(cat "$T/backups.after-kill")"
leftover=$(grep -c '\.tmp$' "$T/backups.after-kill")
echo "after the kill, backups/ holds: $(tr '\n' ' ' <"$T/backups.after-kill")"

expect_exit 0 sc status staging
assert_contains "$T/out" "INTERRUPTED"
assert_contains "$T/out" "stopped at step 'backup'"
expect_exit 2 sc deploy staging
assert_contains "$T/err" "was interrupted at step 'backup'"
assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM pg_class WHERE relname = 'added'")" 0 "nothing migrated yet"

expect_exit 0 sc deploy staging --resume
dump=$(ls backups/*.dump)
[ "$(echo "$dump" | wc -l)" = 1 ] || fail "expected one dump: $dump"
pg_restore --list "$dump" >/dev/null || fail "the resumed backup is not readable"
assert_contains <(pg_restore --list "$dump") "TABLE DATA public big"
assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM big")" 2000000 "rows kept"
assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM added")" 1 "migration applied once"
assert_eq "$(psql_q "$APP_DB" "SELECT string_agg(version, ',') FROM stagecoach.schema_migrations")" 001 "history"
assert_eq "$(run_status "$APP_DB")" succeeded "one run, resumed to its end"
ls backups >"$T/backups.after-resume"
echo "after the resume, backups/ holds: $(tr '\n' ' ' <"$T/backups.after-resume")"
# the resumed run has the same run id: its dump reuses (truncates) the .tmp
assert_eq "$(grep -c '\.tmp$' "$T/backups.after-resume")" 0 "a .tmp left after the resume"
pass
