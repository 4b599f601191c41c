#!/bin/bash
# A protected environment refuses a pending migration with an unaccepted
# destructive lint finding: exit 2 before anything changes (the backup is
# not taken, earlier migrations of the list are not applied).  An
# unprotected one applies it; "-- stagecoach:allow" accepts it.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
PROD=$(pg_createdb prod)
STAGING=$(pg_createdb staging)
for u in "$PROD" "$STAGING"; do
	psql_q "$u" "CREATE TABLE legacy (id int); CREATE TABLE keep (id int); INSERT INTO keep VALUES (1);" >/dev/null
done
mkdir migrations
echo 'CREATE TABLE fresh (id int);' > migrations/0001_fresh.up.sql
echo 'DROP TABLE legacy;' > migrations/0002_drop_legacy.up.sql
cat > stagecoach.conf <<CONF
version = 1;
project = "protected";
migrations = "migrations";
environments = {
  staging = { database = "$STAGING"; };
  production = { database = "$PROD"; protected = true; };
};
steps = ( { name = "backup"; kind = "pg_backup"; dir = "backups"; },
          { name = "migrate"; kind = "migrate"; } );
CONF
expect_exit 2 sc deploy production --approve
assert_contains "$T/err" "'production' is protected and a pending migration has an unaccepted destructive finding"
assert_contains "$T/err" "0002_drop_legacy.up.sql:1"
assert_contains "$T/err" "drop-table"
assert_eq "$(psql_q "$PROD" "SELECT to_regclass('public.legacy') IS NOT NULL AND to_regclass('public.fresh') IS NULL")" t \
	"production was changed"
assert_eq "$(psql_q "$PROD" "SELECT count(*) FROM stagecoach.schema_migrations")" 0 "history written"
[ -d backups ] && [ -n "$(ls backups)" ] && fail "a backup was taken before the refusal"
expect_exit 2 sc plan production
assert_contains "$T/err" "destructive"

expect_exit 0 sc deploy staging
assert_eq "$(psql_q "$STAGING" "SELECT to_regclass('public.legacy') IS NULL")" t "staging applies it"

printf -- '-- stagecoach:allow drop-table\nDROP TABLE legacy;\n' > migrations/0002_drop_legacy.up.sql
expect_exit 0 sc deploy production --approve
assert_eq "$(psql_q "$PROD" "SELECT to_regclass('public.legacy') IS NULL AND to_regclass('public.fresh') IS NOT NULL")" t \
	"accepted finding applied"
pass
