#!/bin/bash
# notify hooks: after a run, each URL gets a POST of the JSON summary
# (project, env, release, status, steps with durations, error); a URL that
# fails is a warning, never a failed run.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/fake_api.sh"
sc_setup
pg_start
export DB_URL=$(pg_createdb nt)
api_start
export SB_ACCESS=$API_TOKEN
DOWN=$(free_port)
make_functions functions 2 0
STEPS='{ name = "functions"; kind = "functions_deploy"; },
  { name = "health"; kind = "health_check"; url = "${API_BASE}/health"; retries = 1; }'
write_fn_conf stagecoach.conf "$STEPS" "hooks = { notify = [ \"\${API_BASE}/notify\", \"http://127.0.0.1:$DOWN/hook/secret-path\", \"\${API_BASE}/status/500\" ]; };"

expect_exit 0 sc -c stagecoach.conf deploy staging --release rel-1
assert_contains "$T/err" "notify to 'http://127.0.0.1:$DOWN' failed"
assert_contains "$T/err" "notify to '$API_BASE' failed: HTTP 500"
assert_not_contains "$T/err" "secret-path"
assert_eq "$(api_log_count POST '^/notify$')" 1 "notify POSTs"
s='json.loads([q for q in R if q["path"] == "/notify"][-1]["body"])'
assert_eq "$(api_py "[$s[k] for k in ('project', 'env', 'release', 'status', 'error', 'command')]")" \
	'["fntest", "staging", "rel-1", "succeeded", null, "deploy"]' "summary"
assert_eq "$(api_py "[(x['name'], x['kind'], x['status'], type(x['duration_ms']).__name__) for x in $s['steps']]")" \
	'[["functions", "functions_deploy", "succeeded", "int"], ["health", "health_check", "succeeded", "int"]]' "steps"
assert_eq "$(api_py "[q['headers'].get('Content-Type') for q in R if q['path'] == '/notify'][0]")" "application/json" "content type"

# a failed, rolled back run says so
api_ctl POST config '{"health_status": 500}' >/dev/null
echo '// v2' >>functions/fn01/index.ts
expect_exit 1 sc -c stagecoach.conf deploy staging --release rel-2
assert_eq "$(api_log_count POST '^/notify$')" 2 "notify POSTs"
assert_eq "$(api_py "$s['status']")" "rolled_back" "status of a rolled back run"
assert_eq "$(api_py "$s['release']")" "rel-2" "release"
api_py "$s['error']" | grep -q "HTTP 500 (expected 200)" || fail "the error is not in the summary"
assert_eq "$(api_py "[(x['name'], x['status']) for x in $s['steps']]")" '[["functions", "rolled_back"], ["health", "failed"]]' "steps of the failed run"
assert_no_token
pass
