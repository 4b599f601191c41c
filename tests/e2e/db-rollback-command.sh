#!/bin/bash
# `stagecoach rollback ENV` undoes the newest release's migrations from the
# records alone, from a checkout that no longer has the migration files:
# by the down SQL stored in the history rows; and, for a release holding a
# migration without a down (r3 re-applies 0002-0003 and adds a Prisma
# folder), by restoring that release's backup.  Each time the dump of
# schema and data equals the one of release r1, the release before.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
URL=$(pg_createdb app)
dump() {
	"$PG_BIN/pg_dump" -N stagecoach "$URL" | grep -v '^\\\(un\)\?restrict' >"$1.sql"
}
mkdir -p repo/migrations other/migrations
cat > repo/stagecoach.conf <<CONF
version = 1;
project = "rb";
migrations = "migrations";
environments = { staging = { database = "$URL"; }; };
steps = ( { name = "backup"; kind = "pg_backup"; dir = "$T/backups"; },
          { name = "migrate"; kind = "migrate"; } );
CONF
cp repo/stagecoach.conf other/stagecoach.conf
cd repo
echo 'CREATE TABLE a (id int PRIMARY KEY); INSERT INTO a VALUES (1);' > migrations/0001_a.up.sql
echo 'DROP TABLE a;' > migrations/0001_a.down.sql
expect_exit 0 sc deploy staging --release r1
dump "$T/r1"

echo 'ALTER TABLE a ADD COLUMN b text; UPDATE a SET b = $$x$$;' > migrations/0002_b.up.sql
echo 'ALTER TABLE a DROP COLUMN b;' > migrations/0002_b.down.sql
echo 'CREATE TABLE c (id int);' > migrations/0003_c.up.sql
echo 'DROP TABLE c;' > migrations/0003_c.down.sql
expect_exit 0 sc deploy staging --release r2

cd "$T/other"   # no migration files here
expect_exit 0 sc rollback staging --last
dump "$T/after_r2"
diff -u "$T/r1.sql" "$T/after_r2.sql" >&2 || fail "rollback by down from the records differs from r1"
assert_eq "$(psql_q "$URL" "SELECT string_agg(version, ',' ORDER BY version) FROM stagecoach.schema_migrations")" 0001 \
	"history after rollback"

cd "$T/repo"
mkdir migrations/0004_prisma
echo 'CREATE TABLE p (id int); INSERT INTO a VALUES (2);' > migrations/0004_prisma/migration.sql
expect_exit 0 sc deploy staging --release r3
cd "$T/other"
expect_exit 0 sc rollback staging --last
dump "$T/after_r3"
diff -u "$T/r1.sql" "$T/after_r3.sql" >&2 || fail "rollback by the backup (no down) differs from r1"
assert_eq "$(psql_q "$URL" "SELECT string_agg(version, ',' ORDER BY version) FROM stagecoach.schema_migrations")" \
	0001 "history after the restore"
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM stagecoach.runs WHERE status = 'rolled_back'")" 2 "runs undone"
pass
