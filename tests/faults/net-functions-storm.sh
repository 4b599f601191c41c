#!/bin/bash
# The functions API misbehaving for longer than the retries, after a
# migration in the same run: a 5xx storm, a storm of dropped connections,
# answers slower than timeout_ms.  Each time the deploy fails naming the
# function and the cause, the migration is rolled back by its down, the
# function stays at its previous version, exit 1.  A storm that goes on
# through the rollback ends in exit 3 and a status that says what remains.
# (Short storms that retries ride out are in tests/e2e/http-functions-retries.sh.)
TD=$(cd "$(dirname "$0")" && pwd); until [ -f "$TD/lib/common.sh" ]; do TD=$(dirname "$TD"); done
. "$TD/lib/common.sh"
. "$TD/lib/fake_api.sh"
. "$TD/faults/lib/faults.sh"
sc_setup
pg_start
export DB_URL=$(pg_createdb fn)
api_start
export SB_ACCESS=$API_TOKEN
make_functions functions 1 0
mkdir -p migrations
echo "CREATE TABLE a (id int);" >migrations/001_a.up.sql
echo "DROP TABLE a;" >migrations/001_a.down.sql
write_fn_conf stagecoach.conf '{ name = "migrate"; kind = "migrate"; },
  { name = "functions"; kind = "functions_deploy"; retries = 2; timeout_ms = 1000; }'
sed -i 's|^functions = "functions";|functions = "functions";\nmigrations = "migrations";|' stagecoach.conf
expect_exit 0 sc -c stagecoach.conf deploy staging
v1=$(api_py 'F["fn01"]["files"]["index.ts"]')
echo "CREATE TABLE b (id int);" >migrations/002_b.up.sql
echo "DROP TABLE b;" >migrations/002_b.down.sql
echo '// v2' >>functions/fn01/index.ts

check_rolled_back() {
	assert_contains "$T/err" "function 'fn01'"
	assert_contains "$T/err" "$1"
	assert_contains "$T/err" "rolled back"
	assert_eq "$(psql_q "$DB_URL" "SELECT string_agg(version, ',') FROM stagecoach.schema_migrations")" "001" "$2: history"
	assert_eq "$(psql_q "$DB_URL" "SELECT count(*) FROM pg_class WHERE relname = 'b'")" 0 "$2: table b"
	assert_eq "$(api_py 'F["fn01"]["files"]["index.ts"]')" "$v1" "$2: fn01 at v1"
	assert_eq "$(psql_q "$DB_URL" "SELECT status FROM stagecoach.runs ORDER BY started_at DESC LIMIT 1")" rolled_back "$2: run"
}

# a 502 storm: 3 attempts (retries = 2), all 502, then the API recovers
api_ctl POST reset >/dev/null
api_ctl POST fail '{"match": "deploy", "count": 3, "status": 502, "body": {"message": "bad gateway storm"}}' >/dev/null
expect_exit 1 sc -c stagecoach.conf deploy staging
check_rolled_back "HTTP 502: bad gateway storm (after 3 attempts)" "502 storm"
assert_eq "$(api_log_count POST 'deploy$')" 4 "502 storm: three attempts and the rollback's redeploy of v1"

# every connection dropped
api_ctl POST reset >/dev/null
api_ctl POST fail '{"match": "deploy", "count": 3, "drop": true}' >/dev/null
expect_exit 1 sc -c stagecoach.conf deploy staging
check_rolled_back "(after 3 attempts)" "drops"

# answers slower than timeout_ms (1 s) for every attempt
api_ctl POST reset >/dev/null
api_ctl POST fail '{"match": "deploy", "count": 3, "delay_ms": 2500, "status": 200}' >/dev/null
t0=$(now_ms)
expect_exit 1 sc -c stagecoach.conf deploy staging
ms=$(( $(now_ms) - t0 ))
check_rolled_back "(after 3 attempts)" "slow"
assert_contains "$T/err" "imed out"
[ "$ms" -lt 15000 ] || fail "slow answers: the deploy took $ms ms to give up"

# a storm through the rollback: the rollback's requests fail too: exit 3
api_ctl POST reset >/dev/null
mkdir -p functions/fn02 && echo 'Deno.serve(() => new Response("2"));' >functions/fn02/index.ts
api_ctl POST fail '{"match": "deploy", "count": 1000, "status": 503}' >/dev/null
api_ctl POST fail '{"match": "/v1/projects/testref/functions/fn", "method": "DELETE", "count": 1000, "status": 503}' >/dev/null
expect_exit 3 sc -c stagecoach.conf deploy staging
assert_contains "$T/err" "HTTP 503"
assert_contains "$T/err" "manual attention"
assert_eq "$(psql_q "$DB_URL" "SELECT status FROM stagecoach.runs ORDER BY started_at DESC LIMIT 1")" rollback_failed "storm through the rollback: run"
expect_exit 0 sc -c stagecoach.conf status staging
assert_contains "$T/out" "rollback_failed"
assert_no_token
pass
