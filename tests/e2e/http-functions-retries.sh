#!/bin/bash
# functions_deploy retries: 500s, a dropped connection, and a 429 whose
# Retry-After is honoured as a minimum wait; a deploy whose retries run out
# fails and is rolled back.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/fake_api.sh"
sc_setup
pg_start
export DB_URL=$(pg_createdb fn)
api_start
export SB_ACCESS=$API_TOKEN
make_functions functions 1 0
write_fn_conf stagecoach.conf '{ name = "functions"; kind = "functions_deploy"; retries = 4; }'

# two 500s and a dropped connection, then success
api_ctl POST fail '{"match": "deploy", "count": 2, "status": 500}' >/dev/null
api_ctl POST fail '{"match": "deploy", "count": 1, "drop": true}' >/dev/null
expect_exit 0 sc -c stagecoach.conf deploy staging
assert_eq "$(api_log_count POST 'deploy$')" 4 "attempts after two 500s and a drop"
assert_eq "$(api_py 'F["fn01"]["deploys"]')" 1 "deployed once"

# a 429 with Retry-After: 2 is waited out (at least 2 s between the attempts)
echo '// v2' >>functions/fn01/index.ts
api_ctl POST reset >/dev/null
api_ctl POST fail '{"match": "deploy", "count": 1, "status": 429, "retry_after": "2"}' >/dev/null
expect_exit 0 sc -c stagecoach.conf deploy staging
assert_eq "$(api_log_count POST 'deploy$')" 2 "attempts after a 429"
gap=$(api_py 'round(([q for q in R if q["path"].endswith("/deploy")][1]["start"] - [q for q in R if q["path"].endswith("/deploy")][0]["end"]) * 1000)')
[ "$gap" -ge 1950 ] && [ "$gap" -lt 6000 ] || fail "waited ${gap} ms after Retry-After: 2"

# retries run out: the deploy fails with the API's message and is rolled back
echo '// v3' >>functions/fn01/index.ts
api_ctl POST reset >/dev/null
sed -i 's/retries = 4;/retries = 1;/' stagecoach.conf
api_ctl POST fail '{"match": "deploy", "count": 2, "status": 503, "body": {"message": "upstream overloaded"}}' >/dev/null
expect_exit 1 sc -c stagecoach.conf deploy staging
assert_contains "$T/err" "function 'fn01': deploy failed"
assert_contains "$T/err" "HTTP 503: upstream overloaded (after 2 attempts)"
assert_contains "$T/err" "rolled back"
assert_eq "$(api_log_count POST 'deploy$')" 3 "two failed attempts and the rollback's redeploy"
grep -q "v2" <<<"$(api_py 'F["fn01"]["files"]["index.ts"]')" || fail "fn01 is not back at v2"
grep -q "v3" <<<"$(api_py 'F["fn01"]["files"]["index.ts"]')" && fail "fn01 kept v3"
assert_no_token
pass
