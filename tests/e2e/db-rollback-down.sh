#!/bin/bash
# migrate rollback = "down": a later step fails, the run's migrations are
# undone with their stored down SQL, newest first, and a schema and data
# dump of the database (schema stagecoach aside) equals the one taken
# before the run.  The history rows of the run are gone, the run's records
# are kept.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
URL=$(pg_createdb app)
psql_q "$URL" "CREATE TABLE accounts (id serial PRIMARY KEY, name text NOT NULL);
	INSERT INTO accounts (name) SELECT 'acct' || g FROM generate_series(1, 50) g;
	CREATE VIEW account_names AS SELECT name FROM accounts;" >/dev/null
dump() {
	"$PG_BIN/pg_dump" --schema-only -N stagecoach "$URL" | grep -v '^\\\(un\)\?restrict' >"$1.schema"
	"$PG_BIN/pg_dump" --data-only -N stagecoach "$URL" | grep -v '^\\\(un\)\?restrict' >"$1.data"
}
mkdir migrations
cat > migrations/0001_invoices.up.sql <<'SQL'
CREATE TABLE invoices (id serial PRIMARY KEY, account_id int NOT NULL REFERENCES accounts (id), cents bigint);
INSERT INTO invoices (account_id, cents) SELECT id, id * 100 FROM accounts;
SQL
echo 'DROP TABLE invoices;' > migrations/0001_invoices.down.sql
cat > migrations/0002_accounts_email.sql <<'SQL'
-- migrate:up
ALTER TABLE accounts ADD COLUMN email text;
CREATE INDEX accounts_email_idx ON accounts (email);
-- migrate:down
DROP INDEX accounts_email_idx;
ALTER TABLE accounts DROP COLUMN email;
SQL
cat > migrations/0003_totals.up.sql <<'SQL'
CREATE FUNCTION account_total(a int) RETURNS bigint LANGUAGE sql AS $$ SELECT sum(cents) FROM invoices WHERE account_id = a $$;
SQL
echo 'DROP FUNCTION account_total(int);' > migrations/0003_totals.down.sql
cat > stagecoach.conf <<CONF
version = 1;
project = "down";
migrations = "migrations";
environments = { staging = { database = "$URL"; }; };
steps = ( { name = "migrate"; kind = "migrate"; rollback = "down"; },
          { name = "smoke"; kind = "shell"; command = "exit 7"; } );
CONF
dump before
expect_exit 1 sc deploy staging
assert_contains "$T/err" "rolled back"
dump after
diff -u before.schema after.schema >&2 || fail "schema differs after rollback by down"
diff -u before.data after.data >&2 || fail "data differs after rollback by down"
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM stagecoach.schema_migrations")" 0 "history rows left"
assert_eq "$(psql_q "$URL" "SELECT status FROM stagecoach.runs WHERE command = 'deploy'")" rolled_back "run status"
assert_eq "$(psql_q "$URL" "SELECT detail->'applied'->2->>'version' FROM stagecoach.run_steps WHERE name = 'migrate'")" 0003 \
	"detail lists the applied versions"

# the same migrations deploy cleanly afterwards (the fixture is sound)
sed -i 's/exit 7/true/' stagecoach.conf
expect_exit 0 sc deploy staging
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM stagecoach.schema_migrations")" 3 "applied after the fix"
assert_eq "$(psql_q "$URL" "SELECT account_total(2)")" 200 "function works"
pass
