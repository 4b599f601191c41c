#!/bin/bash
# A second (and third) signal while the rollback runs is refused with a
# message, and the rollback completes: the rollback_command is not cut, also
# when it takes longer than the 3 s grace between SIGTERM and SIGKILL of a
# stopped child (it once was: the stop flag stayed set while rolling back);
# the run is recorded rolled_back, exit 1.
TD=$(cd "$(dirname "$0")" && pwd); until [ -f "$TD/lib/common.sh" ]; do TD=$(dirname "$TD"); done
. "$TD/lib/common.sh"
. "$TD/faults/lib/faults.sh"
sc_setup
pg_start
export APP_DB=$(pg_createdb app)
cat >stagecoach.conf <<'CONF'
version = 1;
project = "sigrb";
environments = { staging = { database = "${APP_DB}"; }; };
steps = (
  { name = "first"; kind = "shell"; command = "echo applied >> marks";
    rollback_command = "touch rb-started; sleep ${RB_SLEEP}; echo undone >> marks"; },
  { name = "slow"; kind = "shell"; command = "touch started; sleep 30"; }
);
CONF
for RB_SLEEP in 2 4; do
	export RB_SLEEP
	rm -f marks started rb-started
	bg_sc run deploy staging
	wait_until 15 test -f started
	kill -TERM "$BG"
	wait_until 10 test -f rb-started
	sleep 0.3
	kill -TERM "$BG"
	sleep 0.3
	kill -INT "$BG"
	wait_exit "$BG" 20
	assert_eq "$RC" 1 "rollback of ${RB_SLEEP} s: exit code ($(tail -3 "$T/run.err"))"
	assert_contains "$T/run.err" "the signal is ignored until the rollback ends"
	assert_eq "$(tr '\n' ' ' <marks)" "applied undone " "the rollback_command ran to its end"
	assert_eq "$(psql_q "$APP_DB" "SELECT status FROM stagecoach.runs ORDER BY started_at DESC LIMIT 1")" rolled_back "run status"
	assert_eq "$(psql_q "$APP_DB" "SELECT status FROM stagecoach.run_steps WHERE name = 'first' AND run_id = (SELECT id FROM stagecoach.runs ORDER BY started_at DESC LIMIT 1)")" rolled_back "step first"
done
pass
