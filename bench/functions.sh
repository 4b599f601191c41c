#!/bin/bash
# bench/functions.sh: 11 functions deployed by functions_deploy (parallel = 4)
# against tests/servers/fake_supabase.py answering each deploy request after
# 300 ms.  Prints the step's time (from --json) and the command's wall time,
# against the floor ceil(11/4) x 300 ms = 900 ms and against the sequential
# 11 x 300 ms.  Target: the step within 1.2x of the floor.
# The GET /functions that keeps what existed (for rollback) is not delayed
# here (DELAY_MATCH=deploy); DELAY_MATCH='*' delays it too (one more 300 ms).
# Usage: bench/functions.sh [RUNS]   (SC_BIN=path to the binary; needs PostgreSQL)
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/fake_api.sh"
RUNS=${1:-3}
N=11 PAR=4 DELAY=300
sc_setup
pg_start
export DB_URL=$(pg_createdb bench)
api_start --delay-ms "$DELAY" --delay-match "${DELAY_MATCH:-deploy}"
export SB_ACCESS=$API_TOKEN
make_functions functions "$N" 2
write_fn_conf stagecoach.conf "{ name = \"functions\"; kind = \"functions_deploy\"; parallel = $PAR; }"
floor=$(( (N + PAR - 1) / PAR * DELAY ))
seq_ms=$(( N * DELAY ))
best_step=999999 best_wall=999999
for r in $(seq 1 "$RUNS"); do
	for d in functions/fn*; do echo "// run $r" >>"$d/index.ts"; done   # every function changed
	api_ctl POST reset >/dev/null
	t0=$(date +%s%N)
	sc --json -c stagecoach.conf deploy staging >"$T/out" 2>"$T/err" || fail "deploy failed: $(tail -5 "$T/err")"
	wall=$(( ($(date +%s%N) - t0) / 1000000 ))
	step=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    j = json.loads(l)
    if j.get("event") == "step_finished" and j.get("step") == "functions": print(j["duration_ms"])' "$T/out")
	deploys=$(api_log_count POST 'deploy$')
	conc=$(api_py 'L["max_concurrency_deploy"]')
	[ "$deploys" = "$N" ] || fail "run $r: $deploys deploy requests, want $N"
	printf 'run %d: step %d ms, command %d ms, %d deploys, concurrency %d\n' "$r" "$step" "$wall" "$deploys" "$conc"
	[ "$step" -lt "$best_step" ] && best_step=$step
	[ "$wall" -lt "$best_wall" ] && best_wall=$wall
done
python3 - "$best_step" "$best_wall" "$floor" "$seq_ms" <<'PY'
import sys
step, wall, floor, seq = map(int, sys.argv[1:])
print(f"functions_deploy, 11 functions, parallel 4, 300 ms per deploy request (best of runs):")
print(f"  step    {step} ms = {step / floor:.2f}x the floor of {floor} ms, {seq / step:.1f}x faster than sequential ({seq} ms)")
print(f"  command {wall} ms = {wall / floor:.2f}x the floor (includes start-up, the plan, the records)")
print("  target (step within 1.2x of the floor): " + ("met" if step <= 1.2 * floor else "NOT met"))
PY
pass
