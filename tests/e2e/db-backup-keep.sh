#!/bin/bash
# pg_backup: the dump is mode 0600 in dir/ENV-RUNID.dump, verified, its
# sha256 and size recorded (detail and artifact); only the newest `keep` of
# this environment stay (another environment's dumps are left alone); the
# password never reaches pg_dump's command line nor the output; a pg_dump
# older than the server is refused naming both versions.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
URL=$(pg_createdb app)
psql_q "$URL" "CREATE TABLE t AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 20000) g" >/dev/null
mkdir -p migrations backups
# a spy pg_dump that records its arguments, then runs the real one
cat > spy_pg_dump <<SPY
#!/bin/sh
echo "\$@" >> "$T/pg_dump.args"
exec "$PG_BIN/pg_dump" "\$@"
SPY
chmod +x spy_pg_dump
cat > stagecoach.conf <<CONF
version = 1;
project = "keep";
migrations = "migrations";
environments = { staging = { database = "$URL"; }; };
steps = ( { name = "backup"; kind = "pg_backup"; dir = "backups"; keep = 2; pg_dump = "$T/spy_pg_dump"; } );
CONF
touch -d '2000-01-01' backups/staging-eu-20000101T000000Z-aaaaaa.dump   # another environment's
for i in 1 2 3; do expect_exit 0 sc deploy staging; sleep 1; done
assert_contains "$T/pg_dump.args" "--format=custom"
assert_not_contains "$T/pg_dump.args" "$DB_PASS"
assert_not_contains "$T/out" "$DB_PASS"
assert_not_contains "$T/err" "$DB_PASS"
n=$(ls backups | grep -c '^staging-[0-9].*\.dump$')
assert_eq "$n" 2 "keep = 2"
[ -f backups/staging-eu-20000101T000000Z-aaaaaa.dump ] || fail "another environment's dump was pruned"
ls backups | grep -q '\.tmp$' && fail "a temporary file was left"
newest=$(ls -t backups/staging-2*.dump | head -1)
assert_eq "$(stat -c %a "$newest")" 600 "dump mode"
run=$(psql_q "$URL" "SELECT id FROM stagecoach.runs ORDER BY started_at DESC LIMIT 1")
assert_eq "$(basename "$newest")" "staging-$run.dump" "file name ENV-RUNID.dump"
sha=$(sha256sum "$newest" | cut -d' ' -f1)
assert_eq "$(psql_q "$URL" "SELECT detail->>'sha256' FROM stagecoach.run_steps WHERE run_id = '$run'")" "$sha" "detail sha256"
assert_eq "$(psql_q "$URL" "SELECT detail->>'size' FROM stagecoach.run_steps WHERE run_id = '$run'")" "$(stat -c %s "$newest")" "detail size"
assert_eq "$(psql_q "$URL" "SELECT sha256 FROM stagecoach.artifacts WHERE kind = 'backup' AND name = '$(realpath "$newest")'")" "$sha" "artifact"
"$PG_BIN/pg_restore" --list "$newest" | grep -q 'TABLE DATA public t' || fail "dump lacks the table"

# backup command: same folder and keep
expect_exit 0 sc backup staging
assert_contains "$T/out" "backup: $T/backups/staging-"
assert_eq "$(ls backups | grep -c '^staging-[0-9].*\.dump$')" 2 "backup command keeps 2"

# a pg_dump older than the server
cat > old_pg_dump <<'OLD'
#!/bin/sh
[ "$1" = "--version" ] && { echo "pg_dump (PostgreSQL) 9.6.24"; exit 0; }
exit 1
OLD
chmod +x old_pg_dump
sed -i "s|$T/spy_pg_dump|$T/old_pg_dump|" stagecoach.conf
expect_exit 2 sc deploy staging
assert_contains "$T/err" "is version 9.6.24, older than the server (PostgreSQL 15"
assert_eq "$(ls backups | grep -c '^staging-[0-9].*\.dump$')" 2 "refused backup changed the folder"
pass
