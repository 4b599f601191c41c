#!/bin/bash
# Run the unit test binaries given as arguments, then every end-to-end test
# (tests/e2e/*.sh, tests/faults/*.sh, tests/examples/*.sh), two at a time, and
# end with the line "N passed, N failed" that CI reads.
# TESTS=glob limits the scripts (e.g. TESTS='*ssh*').  Each script gets
# 300 s, or what a line "# test-timeout: SECONDS" in it asks for.
cd "$(dirname "$0")/.." || exit 2
TOP=$(pwd)
LOG=${TEST_LOG_DIR:-$TOP/build/test-logs}
rm -rf "$LOG"; mkdir -p "$LOG"
pass=0; failn=0; failed=()
for u in "$@"; do
	name=$(basename "$u")
	if "$u" >"$LOG/$name.log" 2>&1; then pass=$((pass + 1)); echo "ok   unit/$name"
	else failn=$((failn + 1)); failed+=("unit/$name"); echo "FAIL unit/$name"; tail -20 "$LOG/$name.log"; fi
done
scripts=$(ls tests/e2e/*.sh tests/faults/*.sh tests/examples/*.sh 2>/dev/null | grep -v '/lib/')
if [ -n "${TESTS:-}" ]; then
	scripts=$(for s in $scripts; do case "$(basename "$s")" in $TESTS) echo "$s" ;; esac; done)
fi
JOBS=${JOBS:-2}
run_one() {
	local s=$1 name
	name=$(echo "$s" | tr / _)
	local t0=$(date +%s) secs
	secs=$(sed -n 's/^# test-timeout: *\([0-9][0-9]*\).*/\1/p' "$s" | head -1)
	if timeout "${secs:-300}" bash "$s" >"$LOG/$name.log" 2>&1; then echo "ok   $s ($(( $(date +%s) - t0 ))s)"
	else echo "FAIL $s ($(( $(date +%s) - t0 ))s)"; tail -40 "$LOG/$name.log" | sed 's/^/    /'; fi
}
export -f run_one; export LOG
# results are shown as they come and kept for the summary (not through
# tee /dev/stderr: reopening stderr truncates it when it is a file)
: >"$LOG/results"
printf '%s\n' $scripts | xargs -r -P "$JOBS" -I{} bash -c 'run_one {}' | while IFS= read -r line; do
	printf '%s\n' "$line"
	printf '%s\n' "$line" >>"$LOG/results"
done
results=$(cat "$LOG/results")
p=$(printf '%s\n' "$results" | grep -c '^ok ')
f=$(printf '%s\n' "$results" | grep -c '^FAIL ')
pass=$((pass + p)); failn=$((failn + f))
printf '%s\n' "$results" | grep '^FAIL ' | sed 's/^FAIL /failed: /' >&2
for x in "${failed[@]}"; do echo "failed: $x" >&2; done
echo "$pass passed, $failn failed"
[ "$failn" = 0 ]
