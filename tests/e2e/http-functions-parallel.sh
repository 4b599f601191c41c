#!/bin/bash
# functions_deploy: 11 functions deployed in parallel (the server sees more than
# one request at a time, never more than `parallel`), _shared sent with the
# functions that import it and never deployed itself; an unchanged redeploy
# sends no deploy request; one changed function sends exactly one; the token
# never shows (also not with -v, which prints curl's headers).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/fake_api.sh"
sc_setup
pg_start
export DB_URL=$(pg_createdb fn)
api_start --delay-ms 150
export SB_ACCESS=$API_TOKEN     # a name that is not secret by itself: functions_api.token is
make_functions functions 11 2
mv functions/fn04/index.ts functions/fn04/main.ts
write_fn_conf stagecoach.conf '{ name = "functions"; kind = "functions_deploy"; parallel = 4;
    settings = ( { slug = "fn03"; verify_jwt = false; }, { slug = "fn04"; entrypoint = "main.ts"; } ); }'

expect_exit 0 sc -c stagecoach.conf deploy staging --dry-run
assert_contains "$T/out" "deploy function 'fn01'"
assert_contains "$T/out" "new"
assert_eq "$(api_log_count POST 'deploy$')" 0 "plan sent a deploy request"

expect_exit 0 sc -v -c stagecoach.conf deploy staging
assert_no_token
grep -q "Authorization: Bearer \*\*\*" "$T/out" "$T/err" || fail "-v does not show the masked Authorization header"
assert_eq "$(api_log_count POST 'deploy$')" 11 "deploy requests"
assert_eq "$(api_py 'sorted(F.keys())')" '["fn01", "fn02", "fn03", "fn04", "fn05", "fn06", "fn07", "fn08", "fn09", "fn10", "fn11"]' "deployed functions"
c=$(api_py 'L["max_concurrency_deploy"]')
[ "$c" -gt 1 ] && [ "$c" -le 4 ] || fail "deploy concurrency was $c, want 2..4"
# _shared goes with the importers only
assert_eq "$(api_py 'sorted(F["fn01"]["files"])')" '["../_shared/cors.ts", "index.ts"]' "fn01 files"
assert_eq "$(api_py 'sorted(F["fn02"]["files"])')" '["../_shared/cors.ts", "index.ts"]' "fn02 files"
assert_eq "$(api_py 'sorted(F["fn03"]["files"])')" '["index.ts"]' "fn03 files"
assert_eq "$(api_py 'F["fn01"]["metadata"]')" '{"entrypoint_path": "index.ts", "name": "fn01", "verify_jwt": true}' "metadata"
assert_eq "$(api_py '[F["fn03"]["metadata"]["verify_jwt"], F["fn04"]["metadata"]["entrypoint_path"], sorted(F["fn04"]["files"])]')" \
	'[false, "main.ts", ["main.ts"]]' "per-function settings"
# the bundles are kept for rollback
n=$(psql_q "$DB_URL" "SELECT count(DISTINCT name) FROM stagecoach.artifacts WHERE kind = 'function_bundle'")
assert_eq "$n" 11 "stored bundles"
d=$(psql_q "$DB_URL" "SELECT jsonb_array_length(detail->'functions') FROM stagecoach.run_steps WHERE name = 'functions'")
assert_eq "$d" 11 "functions in the step's detail"

# unchanged: no deploy request
api_ctl POST reset >/dev/null
expect_exit 0 sc -c stagecoach.conf deploy staging
assert_eq "$(api_log_count POST 'deploy$')" 0 "deploy requests of an unchanged redeploy"
expect_exit 0 sc -c stagecoach.conf deploy staging --dry-run
assert_contains "$T/out" "11 of 11 functions unchanged"

# one changed function (through the shared code it imports: both importers)
echo '// v2' >>functions/fn05/index.ts
api_ctl POST reset >/dev/null
expect_exit 0 sc -c stagecoach.conf deploy staging
assert_eq "$(api_log_count POST 'deploy$')" 1 "deploy requests for one changed function"
assert_eq "$(api_py '[q["query"] for q in R if q["path"].endswith("/deploy")]')" '["slug=fn05"]' "the changed one"
assert_contains "$T/out" "1 step"
grep -q "v2" <<<"$(api_py 'F["fn05"]["files"]["index.ts"]')" || fail "fn05 not updated"
echo '// shared v2' >>functions/_shared/cors.ts
api_ctl POST reset >/dev/null
expect_exit 0 sc -c stagecoach.conf deploy staging
assert_eq "$(api_py 'sorted(q["query"] for q in R if q["path"].endswith("/deploy"))')" '["slug=fn01", "slug=fn02"]' "shared change redeploys its importers"
assert_no_token
pass
