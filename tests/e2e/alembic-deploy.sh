#!/bin/bash
# A migrate step with tool = "alembic" runs the real alembic program on a
# real Alembic project (made by `alembic init`): deploy upgrades to head
# and records the revisions before and after; plan shows alembic's offline
# SQL (`upgrade CUR:head --sql`) with its lint findings; `rollback` runs
# `alembic downgrade` to the revision before.  The database password never
# reaches alembic's command line, the output or the records.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/alembic.sh"
alembic_require
sc_setup
pg_start
URL=$(pg_createdb app)
export APP_DATABASE_URL=$URL
alembic_project "$T/repo"
alembic_rev "$T/repo" 0001 "" "create accounts" \
	"CREATE TABLE accounts (id int PRIMARY KEY, email text NOT NULL)" "DROP TABLE accounts"
alembic_rev "$T/repo" 0002 0001 "add plans" \
	"CREATE TABLE plans (id int PRIMARY KEY);; INSERT INTO plans VALUES (1)" "DROP TABLE plans"
# every time alembic loads the revisions (heads, --sql, upgrade, downgrade):
# the password is in DATABASE_URL and on no process's command line
cat >> repo/alembic/versions/0001_create_accounts.py <<'PY'

import glob as _glob, os as _os, urllib.parse as _up
_pw = _up.urlparse(_os.environ["DATABASE_URL"]).password
assert _pw, "DATABASE_URL has no password"
for _f in _glob.glob("/proc/[0-9]*/cmdline"):
    try:
        _cl = open(_f, "rb").read()
    except OSError:
        continue
    if _pw.encode() in _cl:
        raise SystemExit("the database password is on the command line of " + _f + ": " + repr(_cl))
open(_os.path.join(_os.path.dirname(__file__), "..", "..", "cmdline-checked"), "a").write("ok\n")
PY
cat > repo/stagecoach.conf <<'CONF'
version = 1;
project = "billing";
environments = { staging = { database = "${APP_DATABASE_URL}"; }; };
steps = ( { name = "migrate"; kind = "migrate"; tool = "alembic"; alembic_ini = "alembic.ini"; } );
CONF
cd repo
expect_exit 0 sc validate

# plan on an empty database: alembic's offline SQL from base
expect_exit 0 sc plan staging
assert_contains "$T/out" "the database is at base, head is 0002"
assert_contains "$T/out" "CREATE TABLE accounts (id int PRIMARY KEY, email text NOT NULL)"
assert_contains "$T/out" "INSERT INTO alembic_version (version_num) VALUES ('0001')"
assert_eq "$(psql_q "$URL" "SELECT to_regclass('alembic_version') IS NULL")" t "plan changed nothing"

expect_exit 0 sc deploy staging --release r1
assert_eq "$(psql_q "$URL" "SELECT version_num FROM alembic_version")" 0002 "alembic_version after deploy"
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM plans")" 1 "0002 ran"
assert_eq "$(psql_q "$URL" "SELECT coalesce(detail->>'before', 'null') || ' ' || (detail->>'after') FROM stagecoach.run_steps WHERE name = 'migrate'")" \
	"null 0002" "revisions recorded in the step's detail"

expect_exit 0 sc plan staging
assert_contains "$T/out" "the database is at head (0002)"

# a new revision: plan shows 0002:head, its SQL and the lint's finding
alembic_rev "$PWD" 0003 0002 "drop email" \
	"ALTER TABLE accounts DROP COLUMN email" "ALTER TABLE accounts ADD COLUMN email text"
expect_exit 0 sc plan staging
assert_contains "$T/out" "the database is at 0002, head is 0003"
assert_contains "$T/out" "upgrade 0002:head --sql"
assert_contains "$T/out" "ALTER TABLE accounts DROP COLUMN email"
assert_contains "$T/out" "alembic revision 0003"
assert_contains "$T/out" "drop-column"
assert_not_contains "$T/out" "CREATE TABLE accounts"

expect_exit 0 sc -v deploy staging --release r2
assert_eq "$(psql_q "$URL" "SELECT version_num FROM alembic_version")" 0003 "after r2"
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM information_schema.columns WHERE table_name = 'accounts' AND column_name = 'email'")" 0 "0003 ran"
assert_contains "$T/out" "Running upgrade 0002 -> 0003"

# rollback: alembic downgrade 0002
expect_exit 0 sc -v rollback staging --last
assert_contains "$T/out" "Running downgrade 0003 -> 0002"
assert_eq "$(psql_q "$URL" "SELECT version_num FROM alembic_version")" 0002 "alembic_version after rollback"
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM information_schema.columns WHERE table_name = 'accounts' AND column_name = 'email'")" 1 "0003 undone"

# rollback of the first release: down to base, alembic run as a module
# (`command` is words, no shell)
sed -i 's#tool = "alembic";#tool = "alembic"; command = "/usr/bin/python3 -m alembic";#' stagecoach.conf
expect_exit 0 sc -v rollback staging --last
assert_contains "$T/out" "Running downgrade 0001 -> , create accounts"
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM alembic_version")" 0 "back to base"
assert_eq "$(psql_q "$URL" "SELECT to_regclass('accounts') IS NULL")" t "0001 undone"

[ "$(wc -l < cmdline-checked)" -ge 6 ] || fail "the command-line check did not run with each alembic call"
# the password reached neither the output nor the records
assert_not_contains "$T/out" "$DB_PASS"
assert_not_contains "$T/err" "$DB_PASS"
[ "$(psql_q "$URL" "SELECT count(*) FROM stagecoach.run_steps WHERE detail::text LIKE '%$DB_PASS%' OR error LIKE '%$DB_PASS%'")" = 0 ] ||
	fail "the password is in the records"
pass
