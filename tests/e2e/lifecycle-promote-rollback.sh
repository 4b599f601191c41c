#!/bin/bash
# promote refuses what staging has not run (exit 5) and names what differs;
# a promotion records promoted_from; `rollback production` works from a
# folder that holds only the config and leaves production's schema and data
# as before the promotion; `rollback --to` undoes several releases.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
export STG=$(pg_createdb staging) PRD=$(pg_createdb production)
mkdir -p app/migrations
cat >app/stagecoach.conf <<'CONF'
version = 1;
project = "lifecycle";
migrations = "migrations";
environments = {
  staging = { database = "${STG}"; };
  production = { database = "${PRD}"; protected = true; promote_from = "staging"; };
};
steps = (
  { name = "migrate"; kind = "migrate"; },
  { name = "verify"; kind = "sql_check"; checks = ( { query = "SELECT count(*) FROM rates"; expect = "${EXPECT_ROWS:-2}"; } ); }
);
CONF
cat >app/migrations/001_rates.up.sql <<'SQL'
CREATE TABLE rates (npa text PRIMARY KEY, category text NOT NULL);
INSERT INTO rates VALUES ('671', 'pacific'), ('212', 'east');
SQL
echo 'DROP TABLE rates;' >app/migrations/001_rates.down.sql
cd app
dump() { pg_dump --no-owner -N stagecoach "$1" | grep -v -e '^--' -e '^$' -e '^.restrict' -e '^.unrestrict'; }

expect_exit 5 sc promote staging production --approve
assert_contains "$T/err" "'staging' has no successful deploy"
expect_exit 0 sc deploy staging
r1=$(psql_q "$STG" "SELECT release FROM stagecoach.runs WHERE status = 'succeeded'")
dump "$PRD" >"$T/prd-before.sql"
expect_exit 5 sc promote staging production </dev/null
assert_contains "$T/err" "protected environment 'production'"
expect_exit 0 sc promote staging production --approve
assert_eq "$(psql_q "$PRD" "SELECT promoted_from || ' ' || release || ' ' || command FROM stagecoach.runs WHERE status = 'succeeded'")" "staging $r1 promote" "promotion record"
assert_eq "$(psql_q "$PRD" "SELECT count(*) FROM rates")" 2 "production rows"
expect_exit 0 sc diff staging production   # same release on both: identical

# a local edit after staging: refused, naming the file
cat >migrations/002_more.up.sql <<'SQL'
ALTER TABLE rates ADD COLUMN zone text NOT NULL DEFAULT 'x';
INSERT INTO rates VALUES ('808', 'pacific', 'y');
SQL
echo "DELETE FROM rates WHERE npa = '808'; ALTER TABLE rates DROP COLUMN zone;" >migrations/002_more.down.sql
expect_exit 5 sc promote staging production --approve
assert_contains "$T/err" "last succeeded with $r1"
assert_contains "$T/err" "migrations/002_more.up.sql is new locally"
EXPECT_ROWS=3 expect_exit 0 sc deploy staging
dump "$PRD" >"$T/prd-r1.sql"
EXPECT_ROWS=3 expect_exit 0 sc promote staging production --approve --junit "$T/promote.xml"
python3 -c "import xml.dom.minidom,sys; d=xml.dom.minidom.parse(sys.argv[1]); assert len(d.getElementsByTagName('testcase')) == 2" "$T/promote.xml" || fail "junit report"
assert_eq "$(psql_q "$PRD" "SELECT count(*) FROM rates")" 3 "production rows after r2"

# rollback from a folder that holds only the config
mkdir -p "$T/laptop" && cp stagecoach.conf "$T/laptop/"
expect_exit 5 sc -c "$T/laptop/stagecoach.conf" rollback production --last </dev/null
expect_exit 0 sc -c "$T/laptop/stagecoach.conf" rollback production --last --approve
dump "$PRD" >"$T/prd-after.sql"
diff "$T/prd-r1.sql" "$T/prd-after.sql" >/dev/null || fail "production differs from before the second promotion: $(diff "$T/prd-r1.sql" "$T/prd-after.sql" | head)"
assert_eq "$(psql_q "$PRD" "SELECT status FROM stagecoach.runs WHERE command = 'promote' ORDER BY started_at DESC LIMIT 1")" "rolled_back" "undone run"
assert_eq "$(psql_q "$PRD" "SELECT status FROM stagecoach.runs WHERE command = 'rollback'")" "succeeded" "rollback run"
n=$(psql_q "$PRD" "SELECT count(*) FROM stagecoach.run_steps WHERE run_id = (SELECT id FROM stagecoach.runs WHERE command = 'rollback')")
[ "$n" -ge 1 ] || fail "the rollback run has no step rows"
expect_exit 0 sc status production
assert_contains "$T/out" "current release: $r1"

# rollback --to the first release: staging has r1 then r2; undo r2
expect_exit 2 sc rollback staging --to nosuchrelease
assert_contains "$T/err" "no successful deploy of release 'nosuchrelease'"
expect_exit 0 sc rollback staging --to "$r1" --yes
assert_eq "$(psql_q "$STG" "SELECT count(*) FROM rates")" 2 "staging rows after --to"
assert_eq "$(psql_q "$STG" "SELECT string_agg(version, ',' ORDER BY version) FROM stagecoach.schema_migrations")" "001" "staging history"
# rolling back again undoes r1 itself
expect_exit 0 sc rollback staging --last --yes
assert_eq "$(psql_q "$STG" "SELECT count(*) FROM pg_tables WHERE tablename = 'rates'")" 0 "staging back to empty"
pass
