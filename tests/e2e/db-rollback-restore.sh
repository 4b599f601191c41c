#!/bin/bash
# migrate rollback = "restore": a later step fails; the run's pg_backup is
# restored: the dump of schema and data equals the one before the run,
# including objects created after the backup that no down knows of (a new
# schema, an extension, a table made by another step), while schema
# stagecoach keeps the run's records.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
URL=$(pg_createdb app)
psql_q "$URL" "CREATE TABLE accounts (id serial PRIMARY KEY, name text NOT NULL, legacy text);
	INSERT INTO accounts (name, legacy) SELECT 'acct' || g, 'x' FROM generate_series(1, 200) g;
	CREATE SCHEMA app; CREATE TABLE app.settings (k text PRIMARY KEY, v text);
	INSERT INTO app.settings VALUES ('mode', 'live');
	CREATE SEQUENCE app.counter; SELECT setval('app.counter', 42);" >/dev/null
dump() {
	"$PG_BIN/pg_dump" --schema-only -N stagecoach "$URL" | grep -v '^\\\(un\)\?restrict' >"$1.schema"
	"$PG_BIN/pg_dump" --data-only -N stagecoach "$URL" | grep -v '^\\\(un\)\?restrict' >"$1.data"
}
mkdir migrations
cat > migrations/0001_reporting.up.sql <<'SQL'
CREATE SCHEMA reporting;
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE TABLE reporting.daily (day date PRIMARY KEY, n int);
UPDATE accounts SET name = upper(name) WHERE id < 100;
ALTER TABLE accounts DROP COLUMN legacy;
SELECT nextval('app.counter');
SQL
cat > migrations/0002_settings.up.sql <<'SQL'
DELETE FROM app.settings WHERE k = 'mode';
INSERT INTO accounts (name) VALUES ('new');
SQL
cat > stagecoach.conf <<CONF
version = 1;
project = "restore";
migrations = "migrations";
environments = { staging = { database = "$URL"; }; };
steps = ( { name = "backup"; kind = "pg_backup"; dir = "backups"; },
          { name = "migrate"; kind = "migrate"; rollback = "restore"; },
          { name = "extra"; kind = "shell"; command = "psql -X -q \"\$\$DATABASE_URL\" -c 'CREATE TABLE stray (x int)'"; },
          { name = "smoke"; kind = "shell"; command = "exit 3"; } );
CONF
dump before
expect_exit 1 sc deploy staging
dump after
diff -u before.schema after.schema >&2 || fail "schema differs after rollback by restore"
diff -u before.data after.data >&2 || fail "data differs after rollback by restore"
assert_eq "$(psql_q "$URL" "SELECT to_regclass('public.stray') IS NULL AND to_regnamespace('reporting') IS NULL")" t \
	"objects made after the backup are gone"
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM pg_extension WHERE extname = 'pgcrypto'")" 0 "extension gone"
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM stagecoach.schema_migrations")" 0 "history rows left"
assert_eq "$(psql_q "$URL" "SELECT status FROM stagecoach.runs WHERE command = 'deploy'")" rolled_back \
	"the run's record survived the restore"
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM stagecoach.artifacts WHERE kind = 'backup'")" 1 "backup artifact kept"

# rollback = "restore" without a pg_backup step before it: refused before anything changes
cat > bad.conf <<CONF
version = 1;
project = "restore";
migrations = "migrations";
environments = { staging = { database = "$URL"; }; };
steps = ( { name = "migrate"; kind = "migrate"; rollback = "restore"; },
          { name = "backup"; kind = "pg_backup"; } );
CONF
expect_exit 2 sc -c bad.conf deploy staging
assert_contains "$T/err" "needs a pg_backup step before it that runs on environment"
assert_eq "$(psql_q "$URL" "SELECT to_regnamespace('reporting') IS NULL")" t "refused run changed something"
pass
