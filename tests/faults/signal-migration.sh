#!/bin/bash
# SIGINT while a migration runs pg_sleep (inside its transaction): the run
# stops within a few seconds (the query is cancelled), the migration before
# it is rolled back by its down, the sleeping one is not recorded and its
# table does not exist, the run is rolled_back, exit 1.  The same with
# SIGTERM during a no-transaction migration, whose statements already run
# cannot be undone by a transaction: with no backup to restore, the run
# says so and ends rollback_failed (exit 3), naming what stays applied, and
# the migration before it is still rolled back by its down.
# (Was pending: migrate ran the SQL with a blocking PQexec, so the signal
# waited for pg_sleep(20) to end; it now cancels the query.)
TD=$(cd "$(dirname "$0")" && pwd); until [ -f "$TD/lib/common.sh" ]; do TD=$(dirname "$TD"); done
. "$TD/lib/common.sh"
. "$TD/faults/lib/faults.sh"
sc_setup
pg_start
export APP_DB=$(pg_createdb app)
mkdir -p migrations
cat >stagecoach.conf <<'CONF'
version = 1;
project = "sigmig";
migrations = "migrations";
environments = { staging = { database = "${APP_DB}"; }; };
steps = ( { name = "migrate"; kind = "migrate"; } );
CONF
psql_q "$APP_DB" "CREATE TABLE keep (id int); INSERT INTO keep SELECT generate_series(1, 500)"
echo "CREATE TABLE a (id int);" >migrations/001_a.up.sql
echo "DROP TABLE a;" >migrations/001_a.down.sql
printf 'CREATE TABLE b (id int);\nSELECT pg_sleep(20);\n' >migrations/002_b.up.sql
echo "DROP TABLE b;" >migrations/002_b.down.sql
for sig in INT TERM; do
	if [ $sig = TERM ]; then
		printf -- '-- stagecoach:no-transaction\nCREATE TABLE b (id int);\nSELECT pg_sleep(20);\n' >migrations/002_b.up.sql
	fi
	bg_sc run deploy staging
	wait_until 15 pg_active "$APP_DB" '%pg_sleep(20)%'
	kill -$sig "$BG"
	wait_exit "$BG" 30
	[ "$MS" -lt 5000 ] || fail "$sig: took $MS ms to stop (the migration's query was not cancelled)"
	assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM stagecoach.schema_migrations")" 0 "$sig: history"
	assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM keep")" 500 "$sig: rows kept"
	if [ $sig = INT ]; then
		assert_eq "$RC" 1 "$sig: exit code ($(tail -3 "$T/run.err"))"
		assert_contains "$T/run.err" "rolled back"
		assert_eq "$(psql_q "$APP_DB" "SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE relname IN ('a', 'b')")" "" "$sig: tables a, b"
		assert_eq "$(psql_q "$APP_DB" "SELECT status FROM stagecoach.runs ORDER BY started_at DESC LIMIT 1")" rolled_back "$sig: run"
	else
		assert_eq "$RC" 3 "$sig: exit code ($(tail -3 "$T/run.err"))"
		assert_contains "$T/run.err" "after 1 of its 2 statements had run"
		assert_contains "$T/run.err" "has no backup"
		assert_eq "$(psql_q "$APP_DB" "SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE relname IN ('a', 'b')")" "b" "$sig: a undone, b's first statement stays"
		assert_eq "$(psql_q "$APP_DB" "SELECT status FROM stagecoach.runs ORDER BY started_at DESC LIMIT 1")" rollback_failed "$sig: run"
	fi
done
pass
