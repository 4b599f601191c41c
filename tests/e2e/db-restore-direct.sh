#!/bin/bash
# `restore` runs pg_restore straight into the database: `pg_restore
# --single-transaction -d`, no psql and no SQL script through a pipe (strace
# shows the programs started); the password is on no command line and in
# no child's environment (an in-memory password file).  The clean-up (the
# schemas the backup replaces dropped first, so that objects made after the
# backup are gone too) is in pg_restore's own transaction: a restore that
# fails after it (a table's owner role dropped since the backup) names the
# file and pg_restore's message, exits 1 and leaves the database exactly as
# it was.  (Was: pg_restore -f - | psql, 1.48x the time of pg_restore.)
. "$(dirname "$0")/../lib/common.sh"
command -v strace >/dev/null || { echo "skip: strace is not installed"; exit 0; }
sc_setup
pg_start
export APP_DB=$(pg_createdb app)
psql $PG_SUPER -d postgres -c "CREATE ROLE gone" >/dev/null || fail "create role"
psql_q "$APP_DB" "CREATE TABLE t (id int PRIMARY KEY, v text);
	INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 1000) g;
	CREATE SCHEMA app2; CREATE TABLE app2.x (k text); INSERT INTO app2.x VALUES ('kept');
	CREATE TABLE owned (x int); ALTER TABLE owned OWNER TO gone" >/dev/null
cat >stagecoach.conf <<'CONF'
version = 1;
project = "direct";
environments = { staging = { database = "${APP_DB}"; }; };
steps = ( { name = "backup"; kind = "pg_backup"; dir = "backups"; } );
CONF
expect_exit 0 sc backup staging
dump=$(ls backups/staging-*.dump) || fail "no dump"
state() {
	psql_q "$APP_DB" "SELECT (SELECT count(*) FROM t) || ' ' || coalesce(to_regclass('public.after_backup')::text, '-') || ' ' ||
		coalesce(to_regnamespace('later')::text, '-') || ' ' || (SELECT count(*) FROM app2.x)"
}
psql_q "$APP_DB" "INSERT INTO t SELECT g, 'new' FROM generate_series(1001, 1005) g;
	CREATE TABLE after_backup (x int); CREATE SCHEMA later; CREATE TABLE later.y (z int);
	INSERT INTO app2.x VALUES ('new')" >/dev/null
assert_eq "$(state)" "1005 after_backup later 2" "before the restores"

# all or nothing: the owner of table "owned" no longer exists
psql $PG_SUPER -d app -c "REASSIGN OWNED BY gone TO sc" >/dev/null || fail "reassign"
psql $PG_SUPER -d postgres -c "DROP ROLE gone" >/dev/null || fail "drop role"
expect_exit 1 sc restore staging "$dump" --yes --approve --no-safety-backup
assert_contains "$T/err" "restore of '$dump' failed, nothing was changed"
assert_contains "$T/err" 'role "gone" does not exist'
assert_eq "$(state)" "1005 after_backup later 2" "a failed restore changed the database"
assert_not_contains "$T/err" "$DB_PASS"

# the restore itself, under strace
psql $PG_SUPER -d postgres -c "CREATE ROLE gone" >/dev/null
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -v -s 8192 -e trace=execve -o "$T/trace" \
	"$SC" restore staging "$dump" --yes --approve --no-safety-backup >"$T/out" 2>"$T/err" || fail "restore: $(cat "$T/err")"
grep 'execve(' "$T/trace" | grep -v ' = -1 ' >"$T/execs"
grep -q 'pg_restore", \[' "$T/execs" || fail "no pg_restore started: $(cat "$T/execs")"
grep 'pg_restore", \[' "$T/execs" | grep -v -- '"--list"' >"$T/restore-exec"
[ "$(wc -l <"$T/restore-exec")" = 1 ] || fail "one pg_restore restores, got: $(cat "$T/restore-exec")"
assert_contains "$T/restore-exec" '"--dbname"'
assert_contains "$T/restore-exec" '"--single-transaction"'
assert_not_contains "$T/restore-exec" '"--file"'
if grep -q '/psql", \[' "$T/execs"; then fail "psql was started: $(grep psql "$T/execs")"; fi
# the password: on no child's command line, in no child's environment
# (strace -v prints both; the first line is stagecoach's own start)
tail -n +2 "$T/trace" >"$T/children"
assert_not_contains "$T/children" "$DB_PASS"
assert_contains "$T/restore-exec" 'PGPASSFILE=/proc/self/fd/'
assert_eq "$(state)" "1000 - - 1" "the database holds what the backup holds"
assert_eq "$(psql_q "$APP_DB" "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'owned'")" gone "owner restored"
assert_eq "$(psql_q "$APP_DB" "SELECT string_agg(command || ':' || status, ' ' ORDER BY started_at) FROM stagecoach.runs")" \
	"backup:succeeded restore:failed restore:succeeded" "the run records are kept"
pass
