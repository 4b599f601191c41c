#!/bin/bash
# A failing health check after functions_deploy rolls the functions back: a
# changed function gets its previous bundle again (from the artifacts), a
# function the environment had but stagecoach never deployed gets the body it
# had (fetched before the deploy), and a new function is deleted.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/fake_api.sh"
sc_setup
pg_start
export DB_URL=$(pg_createdb fn)
api_start
export SB_ACCESS=$API_TOKEN
make_functions functions 2 1
HEALTH='{ name = "health"; kind = "health_check"; url = "${API_BASE}/health"; retries = 2; interval_ms = 100; }'
write_fn_conf stagecoach.conf "{ name = \"functions\"; kind = \"functions_deploy\"; }, $HEALTH"
expect_exit 0 sc -c stagecoach.conf deploy staging
fn01_v1=$(api_py 'F["fn01"]["files"]["index.ts"]')

# legacy: on the environment, deployed by hand; locally it has a new version
api_ctl POST seed '{"slug": "legacy", "files": {"index.ts": "// hand-deployed\n", "util.ts": "// util\n"}}' >/dev/null
mkdir -p functions/legacy functions/fn03
echo '// stagecoach version' >functions/legacy/index.ts
echo 'Deno.serve(() => new Response("fn03"));' >functions/fn03/index.ts
echo '// v2' >>functions/fn01/index.ts
api_ctl POST config '{"health_status": 503, "health_body": "database down"}' >/dev/null

expect_exit 1 sc -c stagecoach.conf deploy staging
assert_contains "$T/err" "step 'health'"
assert_contains "$T/err" "HTTP 503 (expected 200)"
assert_contains "$T/err" "rolled back"
assert_eq "$(api_py 'sorted(F.keys())')" '["fn01", "fn02", "legacy"]' "functions after the rollback"
assert_eq "$(api_py 'F["fn01"]["files"]["index.ts"]')" "$fn01_v1" "fn01 is back at its previous bundle"
assert_eq "$(api_py 'sorted(F["fn01"]["files"])')" '["../_shared/cors.ts", "index.ts"]' "fn01 files after the rollback"
assert_eq "$(api_py 'F["legacy"]["files"]')" '{"index.ts": "// hand-deployed\n", "util.ts": "// util\n"}' "legacy restored"
assert_eq "$(api_log_count GET '/functions/legacy/body$')" 1 "the hand-deployed body fetched once"
assert_eq "$(api_log_count DELETE '/functions/fn03$')" 1 "fn03 deleted"
assert_eq "$(api_py 'F["fn02"]["deploys"]')" 1 "fn02 untouched"
st=$(psql_q "$DB_URL" "SELECT string_agg(f->>'slug' || ':' || (f->>'existed') || ':' || (f->>'status'), ',' ORDER BY f->>'slug')
	FROM stagecoach.run_steps, jsonb_array_elements(detail->'functions') f
	WHERE name = 'functions' AND run_id = (SELECT id FROM stagecoach.runs ORDER BY started_at DESC LIMIT 1)")
assert_eq "$st" "fn01:true:restored,fn03:false:deleted,legacy:true:restored" "the step's detail"

# after the rollback the same release is changed again (nothing thinks it is deployed)
api_ctl POST config '{"health_status": 200}' >/dev/null
api_ctl POST reset >/dev/null
expect_exit 0 sc -c stagecoach.conf deploy staging
assert_eq "$(api_py 'sorted(q["query"] for q in R if q["path"].endswith("/deploy"))')" '["slug=fn01", "slug=fn03", "slug=legacy"]' "redeploy after a rollback"

assert_no_token
pass
