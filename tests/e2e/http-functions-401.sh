#!/bin/bash
# functions_deploy and a refused token: before anything changes, exit 6 with the
# API's message and what to check; a 401 in the middle of a deploy fails it at
# once (no retries), names the function, and rolls back what was deployed.
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
assert_eq "$(api_log_count POST 'slug=fn01|deploy$')" 3 "one attempt for each function (no retry of a 401)"
# fn02 and fn03 were new: the rollback deleted them
assert_eq "$(api_py 'sorted(F.keys())')" '[]' "functions left after the rollback"
assert_eq "$(api_log_count DELETE '/functions/fn0[23]$')" 2 "deletes"

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
