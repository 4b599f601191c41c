#!/bin/bash
# After SIGTERM, the rollback_command of a done shell step must run to its
# end even when it takes longer than 3 s (the grace time between SIGTERM and
# SIGKILL of a stopped child).  Was a bug, now fixed: steps/shell.c shell_exec passes
# &r->stop to proc_run_shell also for rollback_command, so once the run was
# interrupted every rollback command is sent SIGTERM at once (it survives
# only when the signal lands before exec, caught by the inherited handler,
# which also prints a spurious "the signal is ignored" line) and SIGKILL 3 s
# later: the rollback fails, exit 3.
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
    rollback_command = "touch rb-started; sleep 4; echo undone >> marks"; },
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
