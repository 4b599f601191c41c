#!/bin/bash
# bench/functions.sh: N functions deployed by functions_deploy with
# `parallel = P` against tests/servers/fake_supabase.py answering each
# deploy request after 300 ms; by default the four cases 11 and 50
# functions at parallel 4 and 16 (CASES="N:P ..." to choose), rounds
# interleaved, best of RUNS.  Prints the step's time (from --json), the
# command's wall time and stagecoach's CPU (user + system, /usr/bin/time)
# against the floor ceil(N/P) x 300 ms.  Targets: the step within 1.1x of
# the floor; stagecoach's CPU under 0.2 s for 50 functions.
# The GET /functions that keeps what existed (for rollback) is not delayed
# here (DELAY_MATCH=deploy); DELAY_MATCH='*' delays it too (one more 300 ms).
# Usage: bench/functions.sh [RUNS]   (SC_BIN=path to the binary; needs PostgreSQL)
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/fake_api.sh"
RUNS=${1:-5}
CASES=${CASES:-"11:4 11:16 50:4 50:16"}
DELAY=300
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is missing (apt-get install time)" >&2; exit 2; }
sc_setup
pg_start
api_start --delay-ms "$DELAY" --delay-match "${DELAY_MATCH:-deploy}"
export SB_ACCESS=$API_TOKEN
declare -A best_step best_wall best_cpu
for c in $CASES; do
	N=${c%%:*} PAR=${c##*:}
	mkdir -p "case$N-$PAR"
	(cd "case$N-$PAR" && make_functions functions "$N" 2 &&
		write_fn_conf stagecoach.conf "{ name = \"functions\"; kind = \"functions_deploy\"; parallel = $PAR; }")
	psql $PG_SUPER -d postgres -c "CREATE DATABASE \"b$N-$PAR\" OWNER sc" >/dev/null
	best_step[$c]=999999 best_wall[$c]=999999 best_cpu[$c]=999
done
for r in $(seq 1 "$RUNS"); do
	for c in $CASES; do
		N=${c%%:*} PAR=${c##*:}
		export DB_URL="postgresql://sc:$DB_PASS@127.0.0.1:$PGPORT/b$N-$PAR"
		cd "$T/case$N-$PAR" || fail "no case folder"
		for d in functions/fn*; do echo "// run $r" >>"$d/index.ts"; done   # every function changed
		api_ctl POST reset >/dev/null
		t0=$(date +%s%N)
		/usr/bin/time -f "%U %S" -o "$T/cpu" "$SC" --json -c stagecoach.conf deploy staging >"$T/out" 2>"$T/err" ||
			fail "deploy failed: $(tail -5 "$T/err")"
		wall=$(( ($(date +%s%N) - t0) / 1000000 ))
		cpu=$(awk '{printf "%.2f", $1 + $2}' "$T/cpu")
		step=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    j = json.loads(l)
    if j.get("event") == "step_finished" and j.get("step") == "functions": print(j["duration_ms"])' "$T/out")
		deploys=$(api_log_count POST 'deploy$')
		[ "$deploys" = "$N" ] || fail "run $r, $c: $deploys deploy requests, want $N"
		printf 'run %d, %d functions, parallel %d: step %d ms, command %d ms, CPU %s s\n' "$r" "$N" "$PAR" "$step" "$wall" "$cpu"
		[ "$step" -lt "${best_step[$c]}" ] && best_step[$c]=$step
		[ "$wall" -lt "${best_wall[$c]}" ] && best_wall[$c]=$wall
		awk -v a="$cpu" -v b="${best_cpu[$c]}" 'BEGIN {exit !(a < b)}' && best_cpu[$c]=$cpu
		cd "$T" || fail "cd"
	done
done
echo "functions_deploy, 300 ms per deploy request, best of $RUNS, $(date -u '+%F %H:%M') UTC, load $(cut -d' ' -f1-3 /proc/loadavg):"
for c in $CASES; do
	N=${c%%:*} PAR=${c##*:}
	python3 - "$N" "$PAR" "${best_step[$c]}" "${best_wall[$c]}" "${best_cpu[$c]}" "$DELAY" <<'PY'
import sys
n, par, step, wall = map(int, sys.argv[1:5]); cpu = float(sys.argv[5]); delay = int(sys.argv[6])
floor = -(-n // par) * delay
ok = step <= 1.1 * floor and (n < 50 or cpu < 0.2)
print(f"  {n:2d} functions, parallel {par:2d}: step {step} ms = {step / floor:.2f}x the floor of {floor} ms; "
      f"command {wall} ms; CPU {cpu:.2f} s; target {'met' if ok else 'NOT met'}")
PY
done
pass
