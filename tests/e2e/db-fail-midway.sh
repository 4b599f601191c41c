#!/bin/bash
# A migration fails midway through a list: the error names the file and
# line with PostgreSQL's message, the failing one leaves nothing, and the
# earlier ones of the run are rolled back too (exit 1).  First by their
# downs; then, when one of them has no down, by restoring the run's backup.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
URL=$(pg_createdb app)
psql_q "$URL" "CREATE TABLE base (id int PRIMARY KEY); INSERT INTO base VALUES (1), (2);" >/dev/null
dump() {
	"$PG_BIN/pg_dump" -N stagecoach "$URL" | grep -v '^\\\(un\)\?restrict' >"$1.sql"
}
mkdir migrations
echo 'CREATE TABLE a (id int);' > migrations/0001_a.up.sql
echo 'DROP TABLE a;' > migrations/0001_a.down.sql
echo 'CREATE TABLE b (id int); INSERT INTO base VALUES (3);' > migrations/0002_b.up.sql
echo 'DROP TABLE b; DELETE FROM base WHERE id = 3;' > migrations/0002_b.down.sql
printf 'CREATE TABLE c (id int);\n\nINSERT INTO c SELECT id FROM missing_table;\n' > migrations/0003_c.up.sql
echo 'DROP TABLE c;' > migrations/0003_c.down.sql
echo 'CREATE TABLE d (id int);' > migrations/0004_d.up.sql
cat > stagecoach.conf <<CONF
version = 1;
project = "midway";
migrations = "migrations";
environments = { staging = { database = "$URL"; }; };
steps = ( { name = "backup"; kind = "pg_backup"; dir = "backups"; },
          { name = "migrate"; kind = "migrate"; } );
CONF
dump before
expect_exit 1 sc deploy staging
assert_contains "$T/err" "0003_c.up.sql:3: relation \"missing_table\" does not exist"
dump after
diff -u before.sql after.sql >&2 || fail "database differs after a failed migration (downs)"
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM stagecoach.schema_migrations")" 0 "history rows left"
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM pg_tables WHERE tablename IN ('a', 'b', 'c', 'd')")" 0 "tables left"

# 0002 without its down: the rollback falls back to the run's backup
rm migrations/0002_b.down.sql
expect_exit 1 sc deploy staging
assert_contains "$T/err" "missing_table"
dump after2
diff -u before.sql after2.sql >&2 || fail "database differs after a failed migration (restore fallback)"
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM stagecoach.schema_migrations")" 0 "history rows left"
assert_eq "$(psql_q "$URL" "SELECT detail->>'restored' IS NOT NULL FROM stagecoach.run_steps s JOIN stagecoach.runs r ON r.id = s.run_id WHERE s.name = 'migrate' ORDER BY r.started_at DESC LIMIT 1")" t \
	"the fallback restored the backup"

# without a backup step, a missing down is a rollback that cannot complete: exit 3, naming what remains
cat > nobackup.conf <<CONF
version = 1;
project = "midway";
migrations = "migrations";
environments = { staging = { database = "$URL"; }; };
steps = ( { name = "migrate"; kind = "migrate"; } );
CONF
expect_exit 3 sc -c nobackup.conf deploy staging
assert_contains "$T/err" "migration 0002 has no down SQL"
assert_contains "$T/err" "still applied: 0002_b, 0001_a"
pass
