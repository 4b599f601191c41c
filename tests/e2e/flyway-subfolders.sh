#!/bin/bash
# Flyway scans the subfolders of its locations: V/U/R__ files in db/migration/sub
# and deeper are migrations (in version order with the top level's), their
# flyway_schema_history `script` is the path below the location; other files
# there are left alone; a subfolder without any Flyway file is noted as ignored.
# `lint FILE` reads Flyway names: V1_2__x.sql (version 1.2), R__x.sql, and an
# undo U1_2__x.sql as a down (syntax only, no destructive finding).
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
URL=$(pg_createdb app)
M=db/migration
mkdir -p $M/sub/deeper $M/docs
echo "CREATE TABLE a (id int);" > $M/V1__a.sql
echo "DROP TABLE a;" > $M/U1__a.sql
echo "CREATE TABLE b (id int);" > $M/sub/V2__b.sql
echo "DROP TABLE b;" > $M/sub/U2__b.sql
echo "CREATE TABLE c (id int);" > $M/sub/deeper/V3_1__c.sql
echo "DROP VIEW IF EXISTS vc; DROP TABLE c;" > $M/sub/deeper/U3_1__c.sql
echo "CREATE TABLE d (id int);" > $M/V3_2__d.sql
echo "DROP TABLE d;" > $M/U3_2__d.sql
echo "CREATE OR REPLACE VIEW vc AS SELECT * FROM c;" > $M/sub/R__views.sql
echo "notes" > $M/sub/README.md
echo "notes" > $M/docs/notes.txt
cat > stagecoach.conf <<CONF
version = 1;
project = "flysub";
migrations = "$M";
environments = { staging = { database = "$URL"; }; };
steps = ( { name = "migrate"; kind = "migrate"; history = "flyway"; } );
CONF
expect_exit 0 sc plan staging
assert_contains "$T/out" "5 pending migrations"
assert_contains "$T/out" "apply sub/deeper/V3_1__c.sql"
assert_contains "$T/out" "docs/: ignored"
# the order: V1, V2, V3.1, V3.2, then the repeatable
grep -o "apply [^ ]*" "$T/out" > "$T/order"
printf 'apply V1__a.sql\napply sub/V2__b.sql\napply sub/deeper/V3_1__c.sql\napply V3_2__d.sql\napply sub/R__views.sql\n' > "$T/want"
diff -u "$T/want" "$T/order" || fail "order: $(cat "$T/order")"
expect_exit 0 sc deploy staging
assert_eq "$(psql_q "$URL" "SELECT string_agg(coalesce(version, '-') || ' ' || script, ',' ORDER BY installed_rank) FROM flyway_schema_history")" \
	"1 V1__a.sql,2 sub/V2__b.sql,3.1 sub/deeper/V3_1__c.sql,3.2 V3_2__d.sql,- sub/R__views.sql" "flyway_schema_history"
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM pg_views WHERE viewname = 'vc'")" 1 "the repeatable ran"
expect_exit 0 sc migrations staging
assert_contains "$T/out" "5 applied, 0 pending"

# lint FILE with Flyway names
expect_exit 0 sc --json lint $M/sub/U2__b.sql
assert_contains "$T/out" '"warnings":0'
assert_not_contains "$T/out" "drop-table"
echo "DROP TABLE a;" > V1_2__drop_a.sql
expect_exit 0 sc lint V1_2__drop_a.sql
assert_contains "$T/out" "V1_2__drop_a.sql:1: drop-table"
echo "DROP TABLE oops x;" > U1_2__drop_a.sql
expect_exit 1 sc lint U1_2__drop_a.sql
assert_contains "$T/out" "U1_2__drop_a.sql:1: syntax"

# a changed repeatable in a subfolder is applied again (a new row)
echo "CREATE OR REPLACE VIEW vc AS SELECT id, 1 AS one FROM c;" > $M/sub/R__views.sql
expect_exit 0 sc deploy staging
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM flyway_schema_history WHERE script = 'sub/R__views.sql'")" 2 "R__ rows after the change"
pass
