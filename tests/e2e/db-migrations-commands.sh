#!/bin/bash
# `migrations`, `baseline` and `repair`: applied/pending/changed/missing/
# baselined per migration (text and --json); baseline records without
# running, in stagecoach's records and the tool's table; repair accepts a
# reviewed change and drops records of missing files; a protected
# environment needs approval for both, and a refusal changes nothing.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
URL=$(pg_createdb app)
mkdir -p m
for i in 1 2; do echo "CREATE TABLE t$i (id int);" > m/000${i}_t$i.up.sql; echo "DROP TABLE t$i;" > m/000${i}_t$i.down.sql; done
cat > stagecoach.conf <<CONF
version = 1;
project = "cmds";
migrations = "m";
environments = { staging = { database = "$URL"; }; prod = { database = "$(pg_createdb prod)"; protected = true; }; };
steps = ( { name = "migrate"; kind = "migrate"; } );
CONF
expect_exit 0 sc migrations staging
assert_contains "$T/out" "pending    0001"
assert_contains "$T/out" "0 applied, 2 pending"
assert_eq "$(psql_q "$URL" "SELECT to_regnamespace('stagecoach') IS NULL")" t "migrations created the schema"
expect_exit 0 sc deploy staging
echo "CREATE TABLE t3 (id int);" > m/0003_t3.up.sql
echo "README" > m/README.md
expect_exit 0 sc migrations staging
assert_contains "$T/out" "applied    0001             0001_t1.up.sql"
assert_contains "$T/out" "by stagecoach (run "
assert_contains "$T/out" "pending    0003"
assert_contains "$T/out" "note: README.md: ignored"
expect_exit 0 sc --json migrations staging
python3 - "$T/out" <<'PY' || fail "json"
import json, sys
o = json.loads(open(sys.argv[1]).read().splitlines()[-1])
assert o["event"] == "migrations" and o["env"] == "staging", o
assert o["counts"] == {"applied": 2, "pending": 1, "changed": 0, "missing": 0, "baselined": 0}, o["counts"]
a = o["migrations"][0]
assert a["state"] == "applied" and a["by"] == "stagecoach" and a["run_id"] and a["applied_at"] and a["file"] == "0001_t1.up.sql", a
PY

# changed and missing
echo "CREATE TABLE t1 (id int, x int);" > m/0001_t1.up.sql
rm m/0002_t2.up.sql m/0002_t2.down.sql
expect_exit 0 sc migrations staging
assert_contains "$T/out" "changed    0001"
assert_contains "$T/out" "missing    0002"
expect_exit 2 sc deploy staging
assert_contains "$T/err" "0001_t1.up.sql' was changed after it was applied"
expect_exit 0 sc repair staging
assert_contains "$T/out" "accepted  0001"
assert_contains "$T/out" "dropped   0002"
assert_contains "$T/out" "2 changes"
assert_eq "$(psql_q "$URL" "SELECT string_agg(version, ',' ORDER BY version) FROM stagecoach.schema_migrations")" "0001" "records after repair"
assert_eq "$(psql_q "$URL" "SELECT checksum FROM stagecoach.schema_migrations")" "$(sha256sum m/0001_t1.up.sql | cut -c1-64)" "accepted checksum"
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM stagecoach.runs WHERE command = 'repair' AND status = 'succeeded'")" 1 "repair run recorded"
expect_exit 0 sc repair staging
assert_contains "$T/out" "nothing to repair"
expect_exit 0 sc deploy staging
assert_eq "$(psql_q "$URL" "SELECT to_regclass('t3') IS NOT NULL")" t "deploy after repair"

# baseline: a Prisma database made before stagecoach, on a protected env
PROD=$(pg_createdb prod2)
mkdir -p p/20240101000000_a p/20240102000000_b p/20240103000000_c
for x in a b c; do echo "CREATE TABLE p_$x (id int);" > p/2024010$(( $(printf '%d' "'$x") - 96 ))000000_$x/migration.sql; done
psql_q "$PROD" "CREATE TABLE p_a (id int); CREATE TABLE p_b (id int)" >/dev/null
cat > stagecoach.conf <<CONF
version = 1;
project = "cmds";
migrations = "p";
environments = { prod = { database = "$PROD"; protected = true; }; };
steps = ( { name = "migrate"; kind = "migrate"; history = "prisma"; } );
CONF
expect_exit 5 sc baseline prod --to 20240102000000
assert_contains "$T/err" "approval"
assert_eq "$(psql_q "$PROD" "SELECT count(*) FROM stagecoach.schema_migrations")" 0 "refused baseline recorded something"
expect_exit 2 sc baseline prod --to 20240109000000 --approve
assert_contains "$T/err" "no migration of that version"
expect_exit 0 sc baseline prod --to 20240102000000 --approve
assert_contains "$T/out" "baselined  20240101000000"
assert_contains "$T/out" "2 migrations recorded as applied"
assert_eq "$(psql_q "$PROD" "SELECT string_agg(migration_name || ':' || applied_steps_count, ',' ORDER BY migration_name) FROM _prisma_migrations WHERE finished_at IS NOT NULL")" \
	"20240101000000_a:0,20240102000000_b:0" "prisma rows of the baseline"
expect_exit 0 sc migrations prod
assert_contains "$T/out" "baselined  20240101000000"
assert_contains "$T/out" "pending    20240103000000"
expect_exit 0 sc deploy prod --approve
assert_eq "$(psql_q "$PROD" "SELECT count(*) FROM _prisma_migrations")" 3 "prisma rows after deploy"
assert_eq "$(psql_q "$PROD" "SELECT to_regclass('p_c') IS NOT NULL")" t "rest applied"
expect_exit 0 sc baseline prod --approve
assert_contains "$T/out" "nothing to record"
pass
