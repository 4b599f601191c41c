#!/bin/bash
# Alembic delegate, failures: a revision failing mid-way (after an earlier
# revision of the same upgrade committed: transaction_per_migration) and a
# later step failing after a good upgrade are both rolled back to the
# revision the database had before (exit 1); a protected environment's
# destructive finding in alembic's offline SQL stops the deploy (exit 2,
# nothing run); a migrations folder of Alembic files is a clear error, not
# "0 migrations".
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/alembic.sh"
alembic_require
sc_setup
pg_start
URL=$(pg_createdb app)
PROD=$(pg_createdb prod)
export APP_DATABASE_URL=$URL PROD_DATABASE_URL=$PROD
alembic_project "$T/repo"
# each revision commits on its own, as many projects configure it
sed -i 's/target_metadata=target_metadata$/target_metadata=target_metadata, transaction_per_migration=True/' \
	repo/alembic/env.py
grep -q transaction_per_migration=True repo/alembic/env.py || fail "env.py not patched"
alembic_rev "$T/repo" a1 "" "create accounts" "CREATE TABLE accounts (id int PRIMARY KEY)" "DROP TABLE accounts"
cat > repo/stagecoach.conf <<'CONF'
version = 1;
project = "billing";
environments = {
  staging = { database = "${APP_DATABASE_URL}"; };
  production = { database = "${PROD_DATABASE_URL}"; protected = true; };
};
steps = ( { name = "migrate"; kind = "migrate"; tool = "alembic"; },
          { name = "check"; kind = "sql_check"; checks = ( { query = "SELECT count(*) FROM accounts"; expect = "0"; } ); } );
CONF
cd repo
expect_exit 0 sc deploy staging --release r1
assert_eq "$(psql_q "$URL" "SELECT version_num FROM alembic_version")" a1 "r1"

# b2 commits, c3 fails half-way: alembic leaves the database at b2
alembic_rev "$PWD" b2 a1 "add plans" "CREATE TABLE plans (id int)" "DROP TABLE plans"
alembic_rev "$PWD" c3 b2 "broken" "CREATE TABLE c3 (id int);; INSERT INTO nowhere VALUES (1)" "DROP TABLE c3"
expect_exit 1 sc -v deploy staging --release r2
assert_contains "$T/err" 'relation "nowhere" does not exist'
assert_contains "$T/out" "Running downgrade b2 -> a1"
assert_eq "$(psql_q "$URL" "SELECT version_num FROM alembic_version")" a1 "rolled back to the revision before"
assert_eq "$(psql_q "$URL" "SELECT to_regclass('plans') IS NULL AND to_regclass('c3') IS NULL")" t "b2 undone, c3 never committed"
assert_eq "$(psql_q "$URL" "SELECT detail->>'before' || ' ' || (detail->>'after') FROM stagecoach.run_steps s JOIN stagecoach.runs r ON r.id = s.run_id WHERE r.release = 'r2' AND s.name = 'migrate'")" \
	"a1 b2" "before and after of the failed upgrade"
assert_eq "$(psql_q "$URL" "SELECT status FROM stagecoach.runs WHERE release = 'r2'")" rolled_back "r2's run"

# a good upgrade, then a later step fails: downgraded to a1
rm alembic/versions/c3_broken.py
psql_q "$URL" "INSERT INTO accounts VALUES (1)" >/dev/null
expect_exit 1 sc deploy staging --release r3
assert_eq "$(psql_q "$URL" "SELECT version_num FROM alembic_version")" a1 "r3 rolled back"
assert_eq "$(psql_q "$URL" "SELECT to_regclass('plans') IS NULL")" t "b2 undone"

# rollback = "restore": the run's backup brings alembic_version back too
sed -e 's#steps = ( { name = "migrate"; kind = "migrate"; tool = "alembic"; },#steps = ( { name = "backup"; kind = "pg_backup"; dir = "'"$T"'/backups"; },\n  { name = "migrate"; kind = "migrate"; tool = "alembic"; rollback = "restore"; },#' \
	stagecoach.conf > restore.conf
grep -q 'rollback = "restore"' restore.conf || fail "restore.conf not made"
expect_exit 0 sc -c restore.conf plan staging
assert_contains "$T/out" "restore the backup taken before it"
expect_exit 1 sc -c restore.conf deploy staging --release r4
assert_eq "$(psql_q "$URL" "SELECT version_num FROM alembic_version")" a1 "r4 restored"
assert_eq "$(psql_q "$URL" "SELECT to_regclass('plans') IS NULL")" t "b2 undone by the restore"
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM stagecoach.run_steps s JOIN stagecoach.runs r ON r.id = s.run_id WHERE r.release = 'r4' AND s.detail ? 'restored'")" 1 "restore recorded"
# rows written since the backup (by a later step): not discarded silently (exit 3)
sed -e 's#  { name = "migrate"; kind = "migrate"; tool = "alembic"; rollback = "restore"; },#&\n  { name = "write"; kind = "shell"; command = "psql \\"$APP_DATABASE_URL\\" -X -q -c \\"INSERT INTO accounts VALUES (2)\\""; },#' \
	restore.conf > writes.conf
grep -q 'name = "write"' writes.conf || fail "writes.conf not made"
expect_exit 3 sc -c writes.conf deploy staging --release r5
assert_contains "$T/err" "not restoring backup"
assert_eq "$(psql_q "$URL" "SELECT version_num FROM alembic_version")" b2 "r5 left applied"
# the step says to restore over them: restored
sed -i 's/rollback = "restore";/rollback = "restore"; on_writes_since_backup = "restore";/' writes.conf
expect_exit 0 sc -c writes.conf rollback staging --last --approve
assert_eq "$(psql_q "$URL" "SELECT version_num FROM alembic_version")" a1 "r5 rolled back by the restore"
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM accounts")" 1 "the row written since the backup is gone, as approved"

# and without a backup step before it: a config error
sed -e 's/rollback = "restore";/rollback = "restore";/' stagecoach.conf | sed -e 's/tool = "alembic";/tool = "alembic"; rollback = "restore";/' > norestore.conf
expect_exit 2 sc -c norestore.conf validate
assert_contains "$T/err" "needs a pg_backup step"

# protected: a destructive finding in the offline SQL stops the deploy before alembic runs
alembic_rev "$PWD" d4 b2 "drop accounts" "DROP TABLE accounts" "CREATE TABLE accounts (id int PRIMARY KEY)"
expect_exit 2 sc deploy production --approve --release p1
assert_contains "$T/err" "protected"
assert_contains "$T/err" "drop-table"
assert_eq "$(psql_q "$PROD" "SELECT to_regclass('alembic_version') IS NULL")" t "production untouched"

# the Alembic folder given as a SQL migrations folder: a clear error
cat > "$T/sqlconf.conf" <<CONF
version = 1;
project = "billing";
migrations = "repo/alembic/versions";
environments = { staging = { database = "\${APP_DATABASE_URL}"; }; };
steps = ( { name = "migrate"; kind = "migrate"; } );
CONF
expect_exit 2 sc -c "$T/sqlconf.conf" validate
assert_contains "$T/err" 'tool = "alembic"'
expect_exit 2 sc -c "$T/sqlconf.conf" deploy staging
assert_contains "$T/err" 'tool = "alembic"'
sed -i 's#repo/alembic/versions#repo/alembic#' "$T/sqlconf.conf"
expect_exit 2 sc -c "$T/sqlconf.conf" validate
assert_contains "$T/err" 'tool = "alembic"'

# a migrate step without tool beside alembic.ini: the error says tool = "alembic"
sed -e 's/ tool = "alembic";//' stagecoach.conf > notool.conf
expect_exit 2 sc -c notool.conf plan staging
assert_contains "$T/err" 'set tool = "alembic"'

# a tool other than alembic, or a SQL-only key with alembic: config errors with FILE:LINE
sed -e 's/tool = "alembic";/tool = "flyway";/' stagecoach.conf > "$T/bad.conf"
expect_exit 2 sc -c "$T/bad.conf" validate
assert_contains "$T/err" "bad.conf:7: step 'migrate'"
sed -e 's/tool = "alembic";/tool = "alembic"; allow_changed = true;/' stagecoach.conf > "$T/bad.conf"
expect_exit 2 sc -c "$T/bad.conf" validate
assert_contains "$T/err" "allow_changed"
pass
