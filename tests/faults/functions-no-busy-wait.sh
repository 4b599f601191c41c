#!/bin/bash
# functions_deploy never busy-waits: 50 functions, every request answered
# after 300 ms, parallel = 4.  While requests wait for a slot the HTTP loop
# must sleep in curl_multi_poll until a transfer ends (before the fix it
# polled with a zero timeout: about 4 s of CPU for this run, a whole core).
# stagecoach's own CPU time (user + system, /usr/bin/time) stays < 0.5 s,
# and the deploy takes about ceil(50/4) x 300 ms (bounded loosely: a loaded
# machine).  Then every function changed, with the first 8 deploy requests
# answered 503 + Retry-After: 1: the waits for those retries block too,
# beside the waits for a slot (< 0.5 s CPU).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/fake_api.sh"
sc_setup
pg_start
export DB_URL=$(pg_createdb fn)
api_start --delay-ms 300
export SB_ACCESS=$API_TOKEN
make_functions functions 50 2
write_fn_conf stagecoach.conf '{ name = "functions"; kind = "functions_deploy"; parallel = 4; }'

# timed_sc NAME ARGS...: run stagecoach under /usr/bin/time; sets RC, CPU_MS, MS
timed_sc() {
	local name=$1 t0; shift
	t0=$(date +%s%N)
	/usr/bin/time -f "%U %S" -o "$T/$name.time" "$SC" "$@" >"$T/$name.out" 2>"$T/$name.err"
	RC=$?
	MS=$(( ($(date +%s%N) - t0) / 1000000 ))
	CPU_MS=$(tail -1 "$T/$name.time" | awk '{ printf "%d", ($1 + $2) * 1000 }')
}

timed_sc deploy -c stagecoach.conf deploy staging
echo "50 functions at 300 ms, parallel 4: exit $RC in $MS ms, stagecoach CPU $CPU_MS ms"
assert_eq "$RC" 0 "deploy ($(tail -3 "$T/deploy.err"))"
assert_eq "$(api_log_count POST 'deploy$')" 50 "deploy requests"
[ "$CPU_MS" -lt 500 ] || fail "stagecoach used $CPU_MS ms of CPU waiting on 50 requests"
[ "$MS" -ge 3900 ] || fail "the deploy took $MS ms: fewer than ceil(50/4) x 300 ms, the delay did not apply"

# retries: every function changed, the first 8 deploys answered 503 with
# Retry-After: 1 (retried after that second), the rest as before
for d in functions/fn*; do echo '// v2' >>"$d/index.ts"; done
api_ctl POST reset >/dev/null
api_ctl POST fail '{"match": "deploy", "method": "POST", "count": 8, "status": 503, "retry_after": "1"}' >/dev/null
timed_sc retry -c stagecoach.conf deploy staging
echo "50 functions, 8 answered 503 + Retry-After: 1: exit $RC in $MS ms, stagecoach CPU $CPU_MS ms"
assert_eq "$RC" 0 "deploy with retries ($(tail -3 "$T/retry.err"))"
assert_eq "$(api_log_count POST 'deploy$')" 58 "deploy requests (50 + 8 retries)"
[ "$CPU_MS" -lt 500 ] || fail "stagecoach used $CPU_MS ms of CPU with retries waiting"
pass
