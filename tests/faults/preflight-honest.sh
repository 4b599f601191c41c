#!/bin/bash
# Honest exit codes at preflight (issue 13, class 9): a target that is not
# there is exit 6 with nothing changed, never 1 "rolled back" when nothing
# ran:
#  - a functions API answering 200 with an HTML page (a proxy's login page,
#    a wrong URL), or a redirect;
#  - a state database that accepts no writes (default_transaction_read_only);
#  - a health check whose host does not resolve, or that nothing answers
#    before any step changed anything.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
URL=$(pg_createdb app)
mkdir -p migrations fns/hello
echo 'CREATE TABLE a (id int);' >migrations/0001_a.up.sql
echo 'DROP TABLE a;' >migrations/0001_a.down.sql
echo 'export default () => new Response("hi")' >fns/hello/index.ts
python3 "$TOP/tests/servers/html_login.py" "$T/port" >/dev/null 2>&1 &
at_exit "kill $!"
for i in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.05; done
[ -s "$T/port" ] || fail "html server did not start"
HPORT=$(cat "$T/port")
nothing_changed() {
	assert_eq "$(psql_q "$URL" "SELECT to_regclass('public.a') IS NULL")" t "the migration ran: $1"
}
cat >stagecoach.conf <<CONF
version = 1;
project = "pre";
migrations = "migrations";
functions = "fns";
environments = { staging = { database = "$URL";
  functions_api = { url = "http://127.0.0.1:$HPORT/v1/projects/x"; token = "tok-123456"; }; }; };
steps = ( { name = "migrate"; kind = "migrate"; },
          { name = "functions"; kind = "functions_deploy"; } );
CONF
expect_exit 6 sc deploy staging
assert_contains "$T/err" "text/html"
assert_contains "$T/err" "functions_api.url"
nothing_changed "html API"

# a health check that is the first step and that nothing answers: 6, not 1
DEAD=$(free_port)
cat >stagecoach.conf <<CONF
version = 1;
project = "pre";
migrations = "migrations";
environments = { staging = { database = "$URL"; }; };
steps = ( { name = "health"; kind = "health_check"; url = "http://127.0.0.1:$DEAD/health"; retries = 2; interval_ms = 50; },
          { name = "migrate"; kind = "migrate"; } );
CONF
expect_exit 6 sc deploy staging
nothing_changed "dead health"
# a health host that does not resolve: found in preflight, even after a change step
cat >stagecoach.conf <<CONF
version = 1;
project = "pre";
migrations = "migrations";
environments = { staging = { database = "$URL"; }; };
steps = ( { name = "migrate"; kind = "migrate"; },
          { name = "health"; kind = "health_check"; url = "http://no-such-host.invalid/health"; retries = 2; interval_ms = 50; } );
CONF
expect_exit 6 sc deploy staging
assert_contains "$T/err" "does not resolve"
assert_contains "$T/err" "nothing was changed"
nothing_changed "unresolvable health host"

# a read-only state database
psql $PG_SUPER -d postgres -c "ALTER DATABASE app SET default_transaction_read_only = on" >/dev/null
cat >stagecoach.conf <<CONF
version = 1;
project = "pre";
migrations = "migrations";
environments = { staging = { database = "$URL"; }; };
steps = ( { name = "migrate"; kind = "migrate"; } );
CONF
expect_exit 6 sc deploy staging
assert_contains "$T/err" "default_transaction_read_only"
assert_contains "$T/err" "nothing was changed"
psql $PG_SUPER -d postgres -c "ALTER DATABASE app SET default_transaction_read_only = off" >/dev/null
nothing_changed "read-only database"
pass
