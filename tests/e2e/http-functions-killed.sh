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
api_ctl POST config '{"delay_ms": 1500, "delay_match": "deploy"}' >/dev/null
api_ctl POST reset >/dev/null
"$SC" -c stagecoach.conf deploy staging >"$T/out" 2>"$T/err" &
pid=$!
for i in $(seq 1 100); do
	[ "$(api_log_count POST 'deploy$')" = 2 ] && break
	sleep 0.05
done
assert_eq "$(api_log_count POST 'deploy$')" 2 "deploy requests in flight"
kill -9 $pid
wait $pid 2>/dev/null
sleep 1.8   # the server finishes them
assert_eq "$(api_py 'sorted(F.keys())')" '["fn01", "fn02", "fn03"]' "the server applied the killed run's deploys"
api_ctl POST config '{"delay_ms": 0}' >/dev/null
expect_exit 2 sc -c stagecoach.conf deploy staging
expect_exit 0 sc -c stagecoach.conf rollback staging --last --yes
assert_eq "$(api_py 'sorted(F.keys())')" '["fn01", "fn02"]' "after rolling back the killed run"
assert_eq "$(api_py 'F["fn01"]["files"]["index.ts"]')" "$v1" "fn01 back at v1"
assert_no_token
pass
