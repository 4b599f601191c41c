#!/bin/bash
# kill -9 in the middle of a no-transaction migration (its first CREATE INDEX
# CONCURRENTLY done, pg_sleep running), the killed session ended; then
# `rollback`: the environment must be back where it was before the run (the
# migration before it undone by its down, the half-run one undone by the
# run's backup, since it ran in part): no table a, no index keep_i1, every
# row of keep there.
# Was a bug, now fixed (see docs/FAULTS.md): two causes.  (1) As in kill9-migrate-rollback.sh,
# steps/migrate.c migrate_rollback falls back to the rollback run's own id
# when the killed step's detail is {} and finds no history rows.  (2) Even
# with the right id, a no-transaction migration killed mid-way leaves no
# trace of its partial work: migrate_apply_notx puts "partial" in the
# detail only when a statement fails, and the detail is not checkpointed
# (run_checkpoint) before each statement, so rollback cannot know it must
# restore the backup rather than run downs.  Fix: checkpoint
# {"partial": {version, file, statements_done}} before each statement.
TD=$(cd "$(dirname "$0")" && pwd); until [ -f "$TD/lib/common.sh" ]; do TD=$(dirname "$TD"); done
. "$TD/lib/common.sh"
. "$TD/faults/lib/faults.sh"
sc_setup
pg_start
export APP_DB=$(pg_createdb app)
mkdir -p migrations
cat >stagecoach.conf <<'CONF'
version = 1;
project = "k9notx";
migrations = "migrations";
environments = { staging = { database = "${APP_DB}"; }; };
steps = (
  { name = "backup"; kind = "pg_backup"; dir = "backups"; },
  { name = "migrate"; kind = "migrate"; }
);
CONF
psql_q "$APP_DB" "CREATE TABLE keep (id int); INSERT INTO keep SELECT generate_series(1, 1000); CREATE TABLE slow_flag ()"
printf 'CREATE TABLE a (id int);\n' >migrations/001_a.up.sql
echo "DROP TABLE a;" >migrations/001_a.down.sql
cat >migrations/002_idx.up.sql <<'SQL'
-- stagecoach:no-transaction
CREATE INDEX CONCURRENTLY keep_i1 ON keep (id);
SELECT pg_sleep(CASE WHEN to_regclass('slow_flag') IS NULL THEN 0 ELSE 6 END);
CREATE INDEX CONCURRENTLY keep_i2 ON keep (id);
SQL
echo "DROP INDEX IF EXISTS keep_i2; DROP INDEX IF EXISTS keep_i1;" >migrations/002_idx.down.sql
bg_sc run deploy staging
wait_until 15 pg_active "$APP_DB" '%pg_sleep(CASE%'
kill9 "$BG"
pg_terminate_orphans "$APP_DB"
assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM pg_class WHERE relname = 'keep_i1'")" 1 "the first statement ran"
expect_exit 0 sc rollback staging --last --yes
assert_eq "$(psql_q "$APP_DB" "SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE relname IN ('a', 'keep_i1', 'keep_i2')")" "" "after the rollback"
assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM stagecoach.schema_migrations")" 0 "history"
assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM keep")" 1000 "rows"
pass
