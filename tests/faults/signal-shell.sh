#!/bin/bash
# SIGTERM, SIGINT to the process, and SIGINT to its whole process group (a
# terminal's Ctrl-C) while a shell step sleeps: the run stops within a few
# seconds, rolls back the step done before (its rollback_command runs),
# records rolled_back, exits 1, and leaves no child behind.
TD=$(cd "$(dirname "$0")" && pwd); until [ -f "$TD/lib/common.sh" ]; do TD=$(dirname "$TD"); done
. "$TD/lib/common.sh"
. "$TD/faults/lib/faults.sh"
sc_setup
pg_start
export APP_DB=$(pg_createdb app)
MARK="3$(date +%N | cut -c1-4)"
cat >stagecoach.conf <<CONF
version = 1;
project = "sig";
environments = { staging = { database = "\${APP_DB}"; }; };
steps = (
  { name = "first"; kind = "shell"; command = "echo applied >> marks";
    rollback_command = "echo undone >> marks"; },
  { name = "slow"; kind = "shell"; command = "touch started; sleep \${SLEEP:-$MARK}; echo finished >> marks"; },
  { name = "never"; kind = "shell"; command = "echo never >> marks"; }
);
CONF
n=0
for how in TERM INT INT-GROUP; do
	n=$((n + 1))
	rm -f started marks
	if [ "$how" = INT-GROUP ]; then
		setsid "$SC" deploy staging >"$T/run.out" 2>"$T/run.err" &
		BG=$!
	else
		bg_sc run deploy staging
	fi
	wait_until 15 test -f started
	sleep 0.2
	if [ "$how" = INT-GROUP ]; then kill -INT -- "-$BG"; else kill -"$how" "$BG"; fi
	wait_exit "$BG" 15
	cp "$T/run.err" "$T/run-$how.err"
	echo "$how: exit $RC after $MS ms"
	assert_eq "$RC" 1 "$how: exit code ($(tail -3 "$T/run.err"))"
	[ "$MS" -lt 5000 ] || fail "$how: took $MS ms to stop"
	assert_contains "$T/run.err" "interrupted"
	assert_contains "$T/run.err" "rolled back"
	assert_eq "$(tr '\n' ' ' <marks)" "applied undone " "$how: marks"
	assert_eq "$(psql_q "$APP_DB" "SELECT status FROM stagecoach.runs ORDER BY started_at DESC LIMIT 1")" \
		rolled_back "$how: run status"
	assert_eq "$(psql_q "$APP_DB" "SELECT string_agg(name || '=' || status, ' ' ORDER BY position) FROM stagecoach.run_steps WHERE run_id = (SELECT id FROM stagecoach.runs ORDER BY started_at DESC LIMIT 1)")" \
		"first=rolled_back slow=failed" "$how: step rows (slow has nothing to undo)"
	! pgrep -f "sleep $MARK" >/dev/null || fail "$how: the step's child survived: $(pgrep -af "sleep $MARK")"
	assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM stagecoach.runs")" "$n" "$how: runs"
done
# nothing is left interrupted: the next deploy runs
SLEEP=0 expect_exit 0 sc deploy staging
expect_exit 0 sc status staging
assert_not_contains "$T/out" "INTERRUPTED"
pass
