#!/bin/bash
# functions_deploy and a refused token: before anything changes, exit 6 with the
# API's message and what to check; a 401 in the middle of a deploy fails it at
# once (no retries), names the function, sends nothing more, and rolls back
# what was deployed.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/fake_api.sh"
sc_setup
pg_start
export DB_URL=$(pg_createdb fn)
api_start
make_functions functions 3 0
write_fn_conf stagecoach.conf '{ name = "functions"; kind = "functions_deploy"; parallel = 1; }'

export SB_ACCESS="sbp_wrong_$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
expect_exit 6 sc -c stagecoach.conf deploy staging
assert_contains "$T/err" "deploy 'staging'"
assert_contains "$T/err" "HTTP 401: unauthorized: invalid or missing access token"
assert_contains "$T/err" "check functions_api.token of environment 'staging'"
assert_contains "$T/err" "nothing was changed"
! grep -qF "$SB_ACCESS" "$T/out" "$T/err" || fail "the wrong token is shown"
assert_eq "$(api_log_count POST 'deploy$')" 0 "deploy requests with a refused token"

export SB_ACCESS=$API_TOKEN
api_ctl POST fail '{"match": "deploy", "count": 1, "status": 401, "body": {"message": "unauthorized: token expired"}}' >/dev/null
expect_exit 1 sc -c stagecoach.conf deploy staging
assert_contains "$T/err" "function 'fn01': deploy failed"
assert_contains "$T/err" "HTTP 401: unauthorized: token expired"
assert_not_contains "$T/err" "attempts"
assert_contains "$T/err" "(0 of 3 functions deployed)"
assert_eq "$(api_log_count POST 'deploy$')" 1 "deploy requests after a 401 (no retry, the rest not sent)"
assert_eq "$(api_log_count DELETE '.')" 0 "deletes: nothing was deployed"
assert_eq "$(api_py 'sorted(F.keys())')" '[]' "functions after the failed deploy"
st=$(psql_q "$DB_URL" "SELECT string_agg((f->>'slug') || ':' || (f->>'status'), ',' ORDER BY f->>'slug')
	FROM stagecoach.run_steps, jsonb_array_elements(detail->'functions') f
	WHERE name = 'functions' AND run_id = (SELECT id FROM stagecoach.runs ORDER BY started_at DESC LIMIT 1)")
assert_eq "$st" "fn01:failed,fn02:not_sent,fn03:not_sent" "the step's detail"
# with parallel = 2, the one in flight beside the refused one is rolled back
sed -i 's/parallel = 1;/parallel = 2;/' stagecoach.conf
api_ctl POST reset >/dev/null
# the refusal must come back while the other is still in flight: the server
# holds the other deploy until the refusal has been answered (if the other
# finished first, the run would rightly have sent fn03 in its place; under
# ASan on a loaded machine it once did)
api_ctl POST hold '{"match": "deploy"}' >/dev/null
api_ctl POST fail '{"match": "deploy", "count": 1, "status": 401, "unheld": true, "body": {"message": "unauthorized: token expired"}}' >/dev/null
"$SC" -c stagecoach.conf deploy staging >"$T/out" 2>"$T/err" &
pid=$!
end=$((SECONDS + 60))
until [ "$(api_py "len([q for q in R if q['path'].endswith('/deploy') and q['status'] == 401 and q['end']])")" = 1 ] &&
	[ "$(api_log_count POST 'deploy$')" = 2 ]; do
	[ $SECONDS -lt $end ] || { kill $pid; fail "the refused and the held deploy did not both reach the server: $(cat "$T/err")"; }
	sleep 0.05
done
api_ctl POST release >/dev/null
rc=0
wait $pid || rc=$?
assert_eq "$rc" 1 "exit code of the deploy refused with parallel = 2"
assert_eq "$(api_log_count POST 'deploy$')" 2 "deploy requests with parallel = 2"
# which of fn01 and fn02 the server refused is a race: the other one was deployed and is deleted
assert_eq "$(api_log_count DELETE '/functions/fn0[12]$')" 1 "the one deployed beside the refused one deleted"
assert_eq "$(api_log_count DELETE '/functions/fn03$')" 0 "fn03 was never sent"
assert_contains "$T/err" "(1 of 3 functions deployed)"
assert_eq "$(api_py 'sorted(F.keys())')" '[]' "functions after the rollback"
sed -i 's/parallel = 2;/parallel = 1;/' stagecoach.conf

# insecure_tls: a warning on every run, also when nothing is deployed
sed -i 's/token = "\${SB_ACCESS}";/token = "${SB_ACCESS}"; insecure_tls = true;/' stagecoach.conf
expect_exit 0 sc -c stagecoach.conf deploy staging
assert_contains "$T/err" "warning: deploy 'staging': functions_api.insecure_tls is set: the TLS certificate of '$API_URL' is not verified"
expect_exit 0 sc -c stagecoach.conf deploy staging
assert_eq "$(grep -c 'insecure_tls is set' "$T/err")" 1 "one warning per run"
# an unknown key names the closest one
sed -i 's/parallel = 1;/paralel = 2;/' stagecoach.conf
expect_exit 2 sc -c stagecoach.conf validate
assert_contains "$T/err" "stagecoach.conf:"
assert_contains "$T/err" "'parallel'"
assert_no_token
pass
