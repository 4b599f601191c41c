#!/bin/bash
# History checks before anything changes: an applied migration whose file
# was edited stops the deploy with exit 2 naming it (nothing applied, not
# even the pending ones), unless allow_changed; a pending migration older
# than the newest applied one does too, unless out_of_order.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
URL=$(pg_createdb app)
mkdir migrations
echo 'CREATE TABLE a (id int);' > migrations/0001_a.up.sql
echo 'CREATE TABLE c (id int);' > migrations/0003_c.up.sql
conf() {
	cat > stagecoach.conf <<CONF
version = 1;
project = "changed";
migrations = "migrations";
environments = { staging = { database = "$URL"; }; };
steps = ( { name = "migrate"; kind = "migrate"; $1 } );
CONF
}
conf ""
expect_exit 0 sc deploy staging
hist() { psql_q "$URL" "SELECT string_agg(version, ',' ORDER BY version) FROM stagecoach.schema_migrations"; }
assert_eq "$(hist)" "0001,0003" "first deploy"

echo 'CREATE TABLE a (id bigint);' > migrations/0001_a.up.sql
echo 'CREATE TABLE e (id int);' > migrations/0005_e.up.sql
expect_exit 2 sc deploy staging
assert_contains "$T/err" "migration '0001_a.up.sql' was changed after it was applied"
assert_eq "$(hist)" "0001,0003" "nothing applied after a changed checksum"
assert_eq "$(psql_q "$URL" "SELECT to_regclass('public.e') IS NULL")" t "pending migration ran"
expect_exit 2 sc plan staging
assert_contains "$T/err" "was changed after it was applied"

conf "allow_changed = true;"
expect_exit 0 sc deploy staging
assert_eq "$(hist)" "0001,0003,0005" "allow_changed"

# out of order
echo 'CREATE TABLE b (id int);' > migrations/0002_b.up.sql
expect_exit 2 sc deploy staging
assert_contains "$T/err" "migration '0002_b.up.sql' is pending but older than the newest applied one (5)"
assert_eq "$(psql_q "$URL" "SELECT to_regclass('public.b') IS NULL")" t "out-of-order migration ran"
conf "allow_changed = true; out_of_order = true;"
expect_exit 0 sc deploy staging
assert_eq "$(hist)" "0001,0002,0003,0005" "out_of_order"
pass
