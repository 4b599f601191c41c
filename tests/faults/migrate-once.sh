#!/bin/bash
# Migrations apply exactly once, atomically (FAULTS.md class 3):
#  1. a file's own BEGIN/COMMIT/END/ROLLBACK (any case; in an up or a down)
#     is refused by validate, plan and deploy with FILE:LINE, exit 2, nothing
#     changed.  Was: "BEGIN; CREATE TABLE t1; END; <error>" committed t1 and
#     the run said "rolled back"; lowercase "commit" was stripped silently.
#     The same words in strings, dollar quotes, comments and function bodies
#     are not transaction control: those files apply.  A no-transaction file
#     keeps its own transactions.
#  2. a pending file whose content equals an applied one's (a renamed file)
#     is refused, exit 2, unless allow_changed; an applied version with no
#     file is reported by plan and deploy.
#  3. timeout_ms on the migrate step bounds it, also when the migration
#     turns its own statement_timeout off: the run is rolled back (exit 1),
#     the query is cancelled on the server, the lock is released.
TD=$(cd "$(dirname "$0")" && pwd); until [ -f "$TD/lib/common.sh" ]; do TD=$(dirname "$TD"); done
. "$TD/lib/common.sh"
. "$TD/faults/lib/faults.sh"
sc_setup
pg_start
export APP_DB=$(pg_createdb app)
conf() { # EXTRA_MIGRATE_KEYS
	cat >stagecoach.conf <<CONF
version = 1;
project = "once";
migrations = "migrations";
environments = { staging = { database = "\${APP_DB}"; }; };
steps = ( { name = "migrate"; kind = "migrate"; $1 } );
CONF
}
tables() { psql_q "$APP_DB" "SELECT coalesce(string_agg(relname, ',' ORDER BY relname), '-') FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"; }
runs() { psql_q "$APP_DB" "SELECT CASE WHEN to_regclass('stagecoach.runs') IS NULL THEN 0 ELSE (SELECT count(*) FROM stagecoach.runs) END"; }
conf ""

# --- 1. transaction control -------------------------------------------------
refused() { # FILE:LINE WORD
	local cmd
	for cmd in "validate" "plan staging" "deploy staging"; do
		expect_exit 2 sc $cmd
		assert_contains "$T/err" "$1"
		assert_contains "$T/err" "transaction-control"
		assert_contains "$T/err" "$2"
	done
	assert_eq "$(tables)" "-" "after '$1': tables"
	assert_eq "$(runs)" 0 "after '$1': runs recorded"
}
rm -rf migrations; mkdir migrations
printf 'CREATE TABLE ok1 (id int);\n' >migrations/001_ok.up.sql
printf -- '-- two statements, then the end\nBEGIN;\nCREATE TABLE t1 (id int);\nEND;\nCREATE TABLE t1 (id int);\n' >migrations/002_end.up.sql
refused "002_end.up.sql:2" "BEGIN"
printf 'CREATE TABLE t2 (id int);\n  commit ;\n' >migrations/002_end.up.sql
refused "002_end.up.sql:2" "COMMIT"
printf 'CREATE TABLE t2 (id int);\nStart Transaction;\nSELECT 1;\nRollback;\n' >migrations/002_end.up.sql
refused "002_end.up.sql:2" "START TRANSACTION"
# in a down (golang-migrate) and in a dbmate down section
printf 'CREATE TABLE t2 (id int);\n' >migrations/002_end.up.sql
printf 'DROP TABLE t2;\nabort;\n' >migrations/002_end.down.sql
refused "002_end.down.sql:2" "ABORT"
rm migrations/002_end.*
printf -- '-- migrate:up\nCREATE TABLE t3 (id int);\n\n-- migrate:down\nBEGIN;\nDROP TABLE t3;\nCOMMIT;\n' >migrations/003_dbmate.sql
refused "003_dbmate.sql:5" "BEGIN"
rm migrations/003_dbmate.sql
# the words where they are not transaction control: applied
cat >migrations/002_words.up.sql <<'SQL'
-- BEGIN; COMMIT; (a comment)
/* ROLLBACK; */
CREATE TABLE notes (t text);
INSERT INTO notes VALUES ('BEGIN; COMMIT;'), (E'it''s \' END;');
CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $fn$
BEGIN
  RETURN 1;
END;
$fn$;
DO $$ BEGIN PERFORM 1; END $$;
SAVEPOINT s; ROLLBACK TO SAVEPOINT s; RELEASE SAVEPOINT s;
SQL
printf 'DROP FUNCTION f(); DROP TABLE notes;\n' >migrations/002_words.down.sql
# a no-transaction file keeps its own transactions
printf -- '-- stagecoach:no-transaction\nBEGIN;\nCREATE TABLE own (id int);\nCOMMIT;\n' >migrations/003_own.up.sql
printf -- '-- stagecoach:no-transaction\nBEGIN;\nDROP TABLE own;\nCOMMIT;\n' >migrations/003_own.down.sql
expect_exit 0 sc validate
expect_exit 0 sc deploy staging
assert_eq "$(tables)" "notes,ok1,own" "applied"
assert_eq "$(psql_q "$APP_DB" "SELECT string_agg(version, ',' ORDER BY version) FROM stagecoach.schema_migrations")" "001,002,003" "history"

# --- 2. renamed and missing files -------------------------------------------
mv migrations/002_words.up.sql migrations/004_words_again.up.sql
mv migrations/002_words.down.sql migrations/004_words_again.down.sql
for cmd in "plan staging" "deploy staging"; do
	expect_exit 2 sc $cmd
	assert_contains "$T/err" "'004_words_again.up.sql' has the same content"
	assert_contains "$T/err" "applied migration 002"
	assert_contains "$T/err" "allow_changed"
done
assert_eq "$(runs)" 1 "renamed: runs recorded"
# the file put back under another version of its own: reported missing
mv migrations/004_words_again.up.sql migrations/002_words.up.sql
mv migrations/004_words_again.down.sql migrations/002_words.down.sql
rm migrations/001_ok.up.sql
expect_exit 0 sc plan staging
assert_contains "$T/err" "applied migration is missing from folder"
assert_contains "$T/err" ": 001 "
expect_exit 0 sc deploy staging
assert_contains "$T/err" "applied migration is missing from folder"
printf 'CREATE TABLE ok1 (id int);\n' >migrations/001_ok.up.sql
expect_exit 0 sc plan staging
assert_not_contains "$T/err" "missing"

# --- 3. timeout_ms ------------------------------------------------------------
conf "timeout_ms = 1500;"
printf 'CREATE TABLE slow (id int);\nSELECT pg_sleep(30);\n' >migrations/005_slow.up.sql
printf 'DROP TABLE slow;\n' >migrations/005_slow.down.sql
# the migration turns the server-side bound off: the client cancels
printf -- 'SET LOCAL statement_timeout = 0;\nCREATE TABLE slower (id int);\nSELECT pg_sleep(30);\n' >migrations/006_slower.up.sql
for round in server client; do
	if [ $round = client ]; then
		printf 'SELECT 1;\n' >migrations/005_slow.up.sql
		printf 'SELECT 1;\n' >migrations/005_slow.down.sql
	fi
	t0=$(now_ms)
	expect_exit 1 sc deploy staging
	ms=$(( $(now_ms) - t0 ))
	[ "$ms" -lt 8000 ] || fail "$round: timeout_ms = 1500 took $ms ms"
	assert_contains "$T/err" "timed out (timeout_ms = 1500"
	assert_contains "$T/err" "rolled back"
	assert_eq "$(tables)" "notes,ok1,own" "$round: tables after the timeout"
	assert_eq "$(psql_q "$APP_DB" "SELECT status FROM stagecoach.runs ORDER BY started_at DESC LIMIT 1")" rolled_back "$round: run"
	wait_until 5 eval "! pg_active '$APP_DB' '%pg_sleep(30)%'"
	# the lock is free: the next run takes it at once
	expect_exit 0 sc status staging
	assert_not_contains "$T/out" "locked by"
done
rm migrations/005_* migrations/006_*
expect_exit 0 sc deploy staging
pass
