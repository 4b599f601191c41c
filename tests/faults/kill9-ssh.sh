#!/bin/bash
# kill -9 while an SSH command runs on two hosts (batch = 1: the second host
# has not started): status shows the run interrupted at step 'restart',
# deploy refuses (exit 2), `rollback` runs rollback_command on the host the
# command was started on, and only there; after a second kill,
# deploy --resume runs the command again, to its end on both hosts.
TD=$(cd "$(dirname "$0")" && pwd); until [ -f "$TD/lib/common.sh" ]; do TD=$(dirname "$TD"); done
. "$TD/lib/common.sh"
. "$TD/lib/sshd.sh"
. "$TD/faults/lib/faults.sh"
sc_setup
sshd_start 2
pg_start
export APP_DB=$(pg_createdb app)
cat >stagecoach.conf <<CONF
version = 1;
project = "k9ssh";
environments = {
  staging = {
    database = "\${APP_DB}";
    ssh = { user = "$SSH_USER"; identity = "$SSH_KEY"; known_hosts = "$KNOWN_HOSTS"; };
    $(ssh_hosts_conf app1 app2)
  };
};
steps = ( { name = "restart"; kind = "ssh"; batch = 1;
            command = "echo start-\$\${SSH_CONNECTION##* } >> $RD/ran; sleep \${SLEEP:-3}; echo done-\$\${SSH_CONNECTION##* } >> $RD/ran";
            rollback_command = "echo undo-\$\${SSH_CONNECTION##* } >> $RD/ran"; } );
CONF
set -- $SSHD_PORTS
P1=$1 P2=$2
bg_sc run deploy staging
wait_until 15 grep -q "start-$P1" "$RD/ran"
kill9 "$BG"
expect_exit 0 sc status staging
assert_contains "$T/out" "INTERRUPTED"
assert_contains "$T/out" "stopped at step 'restart'"
expect_exit 2 sc deploy staging
assert_contains "$T/err" "was interrupted at step 'restart'"
# the remote command goes on without its client (no pty, no hangup)
sleep 3.5
expect_exit 0 sc rollback staging --last --yes
assert_eq "$(tr '\n' ' ' <"$RD/ran")" "start-$P1 done-$P1 undo-$P1 " "only the started host is rolled back"
assert_eq "$(psql_q "$APP_DB" "SELECT status FROM stagecoach.runs WHERE command = 'deploy'")" rolled_back "run"

: >"$RD/ran"
bg_sc run deploy staging
wait_until 15 grep -q "start-$P1" "$RD/ran"
kill9 "$BG"
sleep 3.5
expect_exit 0 sc deploy staging --resume
assert_eq "$(tr '\n' ' ' <"$RD/ran")" "start-$P1 done-$P1 start-$P1 done-$P1 start-$P2 done-$P2 " "resumed on both hosts"
assert_eq "$(psql_q "$APP_DB" "SELECT string_agg(status, ' ' ORDER BY started_at) FROM stagecoach.runs WHERE command = 'deploy'")" "rolled_back succeeded" "runs"
pass
