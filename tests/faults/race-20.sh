#!/bin/bash
# 20 deploys started at once against one environment (its stagecoach schema
# not yet created, so they also race to create it): exactly one runs, the 19
# others exit 4 at once, each naming the holder's run id, and leave no row.
# The refused ones do not wait for the holder: its step runs until all 19
# have exited (at most 60 s), so each must end before it does.
TD=$(cd "$(dirname "$0")" && pwd); until [ -f "$TD/lib/common.sh" ]; do TD=$(dirname "$TD"); done
. "$TD/lib/common.sh"
. "$TD/faults/lib/faults.sh"
sc_setup
pg_start
export APP_DB=$(pg_createdb app)
cat >stagecoach.conf <<'CONF'
version = 1;
project = "race";
environments = { staging = { database = "${APP_DB}"; }; };
steps = ( { name = "work"; kind = "shell";
            command = "echo run >> ran; n=0; while [ $$(ls r | grep -c end) -lt 19 ] && [ $$n -lt 1200 ]; do sleep 0.05; n=$$((n + 1)); done"; } );
CONF
mkdir -p r
go=$T/go
pids=()
for i in $(seq 1 20); do
	( while [ ! -e "$go" ]; do sleep 0.01; done
	  env STAGECOACH_ACTOR="racer$i" "$SC" deploy staging >"r/$i.out" 2>"r/$i.err"
	  rc=$?; date +%s%N >"r/$i.end"; exit $rc ) &
	pids+=($!)
done
sleep 0.5
touch "$go"
t_go=$(date +%s%N)
codes=()
for i in $(seq 1 20); do
	wait "${pids[$((i - 1))]}"
	codes+=($?)
done
echo "exit codes: ${codes[*]}"
n0=0; n4=0
for c in "${codes[@]}"; do
	case $c in 0) n0=$((n0 + 1)) ;; 4) n4=$((n4 + 1)) ;; *) fail "an unexpected exit code $c: $(cat r/*.err | sort | uniq -c | head)" ;; esac
done
assert_eq "$n0" 1 "deploys that ran"
assert_eq "$n4" 19 "deploys refused with exit 4"
assert_eq "$(wc -l <ran)" 1 "the step ran once"
holder=$(psql_q "$APP_DB" "SELECT id FROM stagecoach.runs")
assert_eq "$(psql_q "$APP_DB" "SELECT count(*) || ' ' || min(status) FROM stagecoach.runs")" "1 succeeded" "rows"
winner=$(psql_q "$APP_DB" "SELECT actor FROM stagecoach.runs")
holder_end=$(cat "r/${winner#racer}.end")
for i in $(seq 1 20); do
	[ "${codes[$((i - 1))]}" = 4 ] || { assert_eq "racer$i" "$winner" "the one that ran"; continue; }
	# the holder's run id always; its actor once its run row is written
	# (before that the message says "by unknown (starting up)")
	grep -qF "run '$holder'" "r/$i.err" || fail "racer $i does not name the holder: $(cat "r/$i.err")"
	grep -qF "locked by deploy run '$holder' by $winner" "r/$i.err" || grep -qF "(starting up)" "r/$i.err" ||
		fail "racer $i: neither the holder's actor nor 'starting up': $(cat "r/$i.err")"
	assert_contains "r/$i.err" "nothing was changed"
	took=$(( ($(cat "r/$i.end") - t_go) / 1000000 ))
	[ "$(cat "r/$i.end")" -lt "$holder_end" ] ||
		fail "racer $i waited for the holder: exit 4 after $took ms, the holder ended after $(( (holder_end - t_go) / 1000000 )) ms"
done
echo "$(grep -l 'starting up' r/*.err | wc -l) of 19 saw the holder starting up"
pass
