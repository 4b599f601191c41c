#!/bin/bash
# Process waits block: a shell step that sleeps with its output open (the
# wait is poll() on the pipe) and one that closes its output first and then
# sleeps (the wait is for the child's exit) cost stagecoach < 0.3 s of CPU
# for 2 x 2 s of waiting; a SIGTERM during the second wait ends the run
# within 2 s.  (lib/proc.c never spun: this guards it.  Without the pause
# in its exit wait the run takes a whole core and this test fails.)
TD=$(cd "$(dirname "$0")" && pwd); until [ -f "$TD/lib/common.sh" ]; do TD=$(dirname "$TD"); done
. "$TD/lib/common.sh"
. "$TD/faults/lib/faults.sh"
sc_setup
pg_start
export APP_DB=$(pg_createdb app)
cat >stagecoach.conf <<CONF
version = 1;
project = "procspin";
environments = { staging = { database = "\${APP_DB}"; }; };
steps = (
  { name = "open"; kind = "shell"; command = "sleep \${OPEN_SLEEP:-2}"; },
  { name = "closed"; kind = "shell"; command = "exec >/dev/null 2>&1; touch closed; sleep \${SLEEP:-2}"; }
);
CONF
t0=$(now_ms)
/usr/bin/time -f "%U %S" -o "$T/time" "$SC" deploy staging >"$T/out" 2>"$T/err"
rc=$?
ms=$(( $(now_ms) - t0 ))
cpu=$(tail -1 "$T/time" | awk '{ printf "%d", ($1 + $2) * 1000 }')
echo "two 2 s waits: exit $rc in $ms ms, stagecoach CPU $cpu ms"
assert_eq "$rc" 0 "deploy ($(tail -3 "$T/err"))"
[ "$ms" -ge 4000 ] || fail "the deploy took $ms ms: the steps did not wait"
# a spin burns a core for the 4 s (about 4000 ms); an AddressSanitizer build
# (make check-asan) costs about 300 ms of its own, so it gets a larger bound
limit=300
case "$SC" in *asan*) limit=1500 ;; esac
[ "$cpu" -lt "$limit" ] || fail "stagecoach used $cpu ms of CPU waiting for two sleeps (limit $limit ms)"

rm -f closed
OPEN_SLEEP=0 SLEEP=60 bg_sc run deploy staging
wait_until 30 test -f closed
kill -TERM "$BG"
wait_exit "$BG" 2
echo "SIGTERM while waiting for the exit: exit $RC after $MS ms"
assert_eq "$RC" 1 "exit code after SIGTERM ($(tail -3 "$T/run.err"))"
pass
