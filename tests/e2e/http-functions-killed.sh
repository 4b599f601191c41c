#!/bin/bash
# A deploy killed (SIGKILL) while its deploy requests are in flight: the
# server applies them anyway; `rollback` then undoes them from the records
# (the step's detail is recorded before the first request).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/fake_api.sh"
sc_setup
pg_start
export DB_URL=$(pg_createdb fn)
api_start
export SB_ACCESS=$API_TOKEN
make_functions functions 2 0
write_fn_conf stagecoach.conf '{ name = "functions"; kind = "functions_deploy"; }'
expect_exit 0 sc -c stagecoach.conf deploy staging
v1=$(api_py 'F["fn01"]["files"]["index.ts"]')
echo '// v2' >>functions/fn01/index.ts
mkdir -p functions/fn03 && echo 'Deno.serve(() => new Response("3"));' >functions/fn03/index.ts
# the server holds the deploy requests until released: the kill lands
# while they are in flight however slow the machine (a 1.5 s delay lost
# that race under load: the run had ended when the kill came)
api_ctl POST hold '{"match": "deploy"}' >/dev/null
api_ctl POST reset >/dev/null
"$SC" -c stagecoach.conf deploy staging >"$T/out" 2>"$T/err" &
pid=$!
end=$((SECONDS + 60))
until [ "$(api_log_count POST 'deploy$')" = 2 ]; do
	[ $SECONDS -lt $end ] || fail "the deploy requests did not reach the server: $(cat "$T/err")"
	sleep 0.05
done
kill -9 $pid || fail "the run had ended before the kill"
wait $pid 2>/dev/null
# the server finishes them once released: wait until both have ended
api_ctl POST release >/dev/null
end=$((SECONDS + 60))
until [ "$(api_unfinished)" = 0 ]; do
	[ $SECONDS -lt $end ] || fail "the killed run's deploy requests did not end on the server"
	sleep 0.05
done
assert_eq "$(api_log_count POST 'deploy$')" 2 "deploy requests of the killed run"
assert_eq "$(api_py 'sorted(F.keys())')" '["fn01", "fn02", "fn03"]' "the server applied the killed run's deploys"
expect_exit 2 sc -c stagecoach.conf deploy staging
expect_exit 0 sc -c stagecoach.conf rollback staging --last --yes
assert_eq "$(api_py 'sorted(F.keys())')" '["fn01", "fn02"]' "after rolling back the killed run"
assert_eq "$(api_py 'F["fn01"]["files"]["index.ts"]')" "$v1" "fn01 back at v1"
assert_no_token
pass
