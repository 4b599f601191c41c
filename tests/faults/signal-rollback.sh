#!/bin/bash
# A second (and third) signal while the rollback runs is refused with a
# message, and the rollback completes: the rollback_command (it sleeps 2 s; signal-rollback-long.sh has one longer than 3 s)
# is not cut, the run is recorded rolled_back, exit 1.
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
    rollback_command = "touch rb-started; sleep 2; echo undone >> marks"; },
  { name = "slow"; kind = "shell"; command = "touch started; sleep 30"; }
);
CONF
bg_sc run deploy staging
wait_until 15 test -f started
kill -TERM "$BG"
wait_until 10 test -f rb-started
sleep 0.3
kill -TERM "$BG"
sleep 0.3
kill -INT "$BG"
wait_exit "$BG" 20
assert_eq "$RC" 1 "exit code ($(tail -3 "$T/run.err"))"
assert_contains "$T/run.err" "the signal is ignored until the rollback ends"
assert_eq "$(tr '\n' ' ' <marks)" "applied undone " "the rollback_command ran to its end"
assert_eq "$(run_status "$APP_DB")" rolled_back "run status"
assert_eq "$(psql_q "$APP_DB" "SELECT status FROM stagecoach.run_steps WHERE name = 'first'")" rolled_back "step first"
pass
