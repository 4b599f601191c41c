#!/bin/bash
# pg_backup with format = "directory" and jobs = N: pg_dump -Fd -j N into
# backups/ENV-RUNID.dumpdir (mode 0700), its sha256 that of a manifest of
# its files' sha256 (recorded); a rollback by restore brings the schema and
# data back exactly with pg_restore -j N (strace shows both programs'
# arguments); a changed file in the folder is refused before anything
# changes; keep prunes folders; a parallel restore that fails midway says
# the database holds part of the backup (exit 3); with jobs = 1 a directory
# backup is restored in one transaction, all or nothing.  Bad keys are
# FILE:LINE errors, exit 2.
. "$(dirname "$0")/../lib/common.sh"
command -v strace >/dev/null || { echo "skip: strace is not installed"; exit 0; }
sc_setup
pg_start
export APP_DB=$(pg_createdb app)
psql_q "$APP_DB" "CREATE TABLE accounts (id serial PRIMARY KEY, name text NOT NULL);
	INSERT INTO accounts (name) SELECT 'acct' || g FROM generate_series(1, 2000) g;
	CREATE SCHEMA app; CREATE TABLE app.settings (k text PRIMARY KEY, v text);
	INSERT INTO app.settings VALUES ('mode', 'live');
	CREATE TABLE t2 AS SELECT g AS id FROM generate_series(1, 3000) g" >/dev/null
dump() {
	"$PG_BIN/pg_dump" --schema-only -N stagecoach "$APP_DB" | grep -v '^\\\(un\)\?restrict' >"$1.schema"
	"$PG_BIN/pg_dump" --data-only -N stagecoach "$APP_DB" | grep -v '^\\\(un\)\?restrict' >"$1.data"
}
conf() {
	cat >stagecoach.conf <<CONF
version = 1;
project = "dirbackup";
migrations = "migrations";
environments = { staging = { database = "\${APP_DB}"; }; };
steps = ( { name = "backup"; kind = "pg_backup"; dir = "backups"; keep = 2;
            $1 },
          { name = "migrate"; kind = "migrate"; rollback = "restore"; },
          { name = "smoke"; kind = "shell"; command = "exit 3"; } );
CONF
}
mkdir migrations
cat >migrations/0001_x.up.sql <<'SQL'
CREATE SCHEMA reporting;
CREATE TABLE reporting.daily (day date PRIMARY KEY);
DELETE FROM accounts WHERE id <= 1000;
UPDATE app.settings SET v = 'changed';
SQL

# bad keys: FILE:LINE, exit 2, nothing done
conf 'format = "tar";'
expect_exit 2 sc validate
assert_contains "$T/err" "stagecoach.conf:6"
assert_contains "$T/err" "'format' is \"tar\""
conf 'verify = "half";'
expect_exit 2 sc validate
assert_contains "$T/err" "stagecoach.conf:6"
assert_contains "$T/err" "'verify' is \"half\": it is \"toc\""
conf 'jobs = 4;'
expect_exit 2 sc deploy staging
assert_contains "$T/err" "stagecoach.conf:6"
assert_contains "$T/err" "'jobs' needs format = \"directory\""
conf 'format = "directory"; jobs = 0;'
expect_exit 2 sc validate
assert_contains "$T/err" "stagecoach.conf:6"
[ ! -e backups ] || fail "a refused config made backups/"

conf 'format = "directory"; jobs = 2;'
expect_exit 0 sc validate
dump before
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -s 4096 -e trace=execve -o "$T/trace" \
	"$SC" deploy staging >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" = 1 ] || fail "deploy: exit $rc, want 1: $(cat "$T/err")"
d=$(ls -d backups/staging-*.dumpdir) || fail "no backup folder: $(ls backups)"
[ -f "$d/toc.dat" ] || fail "$d has no toc.dat"
assert_eq "$(stat -c %a "$d")" 700 "backup folder mode"
grep 'pg_dump", \[' "$T/trace" | grep -q -- '"--format=directory".*"--jobs=2"' || fail "pg_dump -Fd -j 2 not run: $(grep pg_dump "$T/trace")"
grep 'pg_restore", \[' "$T/trace" | grep -q -- '"--jobs=2"' || fail "pg_restore -j 2 not run: $(grep pg_restore "$T/trace")"
dump after
diff -u before.schema after.schema >&2 || fail "schema differs after the rollback by restore"
diff -u before.data after.data >&2 || fail "data differs after the rollback by restore"
assert_eq "$(psql_q "$APP_DB" "SELECT to_regnamespace('reporting') IS NULL")" t "schema made after the backup is gone"
assert_eq "$(psql_q "$APP_DB" "SELECT status FROM stagecoach.runs WHERE command = 'deploy'")" rolled_back "deploy run"

# the recorded sha256 is that of the manifest: "SHA256 SIZE NAME" per file, sorted
manifest=$(cd "$d" && for f in $(ls | LC_ALL=C sort); do echo "$(sha256sum "$f" | cut -d' ' -f1) $(stat -c %s "$f") $f"; done | sha256sum | cut -d' ' -f1)
assert_eq "$(psql_q "$APP_DB" "SELECT sha256 FROM stagecoach.artifacts WHERE kind = 'backup'")" "$manifest" "recorded sha256"

# a changed file is refused before anything changes
psql_q "$APP_DB" "INSERT INTO accounts (name) VALUES ('after')" >/dev/null
data=$(ls "$d"/*.dat.gz | head -1)
cp "$data" "$T/saved.gz"
printf 'x' >>"$data"
expect_exit 2 sc restore staging "$d" --yes --approve --no-safety-backup
assert_contains "$T/err" "is corrupted"
assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM accounts WHERE name = 'after'")" 1 "a refused restore changed the database"
cp "$T/saved.gz" "$data"

# a parallel restore that fails midway says so: exit 3
psql $PG_SUPER -d postgres -c "CREATE ROLE gone" >/dev/null
psql_q "$APP_DB" "CREATE TABLE owned (x int); ALTER TABLE owned OWNER TO gone" >/dev/null
expect_exit 0 sc backup staging
d2=$(ls -dt backups/staging-*.dumpdir | head -1)
psql $PG_SUPER -d app -c "REASSIGN OWNED BY gone TO sc" >/dev/null
psql $PG_SUPER -d postgres -c "DROP ROLE gone" >/dev/null
expect_exit 3 sc restore staging "$d2" --yes --approve --no-safety-backup
assert_contains "$T/err" "failed midway"
assert_contains "$T/err" "holds part of the backup"

# jobs = 1: one transaction (through a copy of the table of contents): all or nothing
conf 'format = "directory";'
expect_exit 0 sc backup staging
d3=$(ls -dt backups/staging-*.dumpdir | head -1)
psql $PG_SUPER -d postgres -c "CREATE ROLE gone" >/dev/null
psql_q "$APP_DB" "ALTER TABLE owned OWNER TO gone" >/dev/null
expect_exit 0 sc backup staging
d4=$(ls -dt backups/staging-*.dumpdir | head -1)
psql $PG_SUPER -d app -c "REASSIGN OWNED BY gone TO sc" >/dev/null
psql $PG_SUPER -d postgres -c "DROP ROLE gone" >/dev/null
psql_q "$APP_DB" "CREATE TABLE made_later (x int)" >/dev/null
expect_exit 1 sc restore staging "$d4" --yes --approve --no-safety-backup
assert_contains "$T/err" "failed, nothing was changed"
assert_eq "$(psql_q "$APP_DB" "SELECT to_regclass('public.made_later') IS NOT NULL")" t "a failed restore changed the database"
# keep = 2: older folders pruned (d, d2 are no rollback's), d3 and d4 stay
[ ! -e "$d" ] && [ ! -e "$d2" ] || fail "keep = 2 left old folders: $(ls backups)"
[ -d "$d3" ] && [ -d "$d4" ] || fail "keep = 2 removed the newest: $(ls backups)"
pass
