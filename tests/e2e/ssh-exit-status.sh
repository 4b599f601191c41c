#!/bin/bash
# ssh: one host's command exits 42.  The error names the host, its address
# and the status, with its last output lines; with parallel = 1 the third
# host is never started; the rollback runs rollback_command on the two hosts
# the command was started on (app1 succeeded, app2 failed), not on app3.
# A command killed by a signal is a failure too.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/sshd.sh"
sc_setup
sshd_start 3
pg_start
URL=$(pg_createdb app)
P=($SSHD_PORTS)
cat >stagecoach.conf <<CONF
version = 1;
project = "sshexit";
environments = {
  staging = {
    database = "$URL";
    ssh = { user = "$SSH_USER"; identity = "$SSH_KEY"; known_hosts = "$KNOWN_HOSTS"; };
    $(ssh_hosts_conf app1 app2 app3)
  };
};
steps = (
  { name = "restart"; kind = "ssh"; parallel = 1;
    command = "p=\$\${SSH_CONNECTION##* }; echo \$\$p >> $RD/ran; echo line-one; echo line-two; if [ \$\$p = ${P[1]} ]; then echo failing >&2; exit 42; fi";
    rollback_command = "echo \$\${SSH_CONNECTION##* } >> $RD/rolled"; }
);
CONF

expect_exit 1 sc -c stagecoach.conf deploy staging
assert_contains "$T/err" "step 'restart': host 'app2' (127.0.0.1:${P[1]}): command exited with status 42:"
assert_contains "$T/err" "failing"
assert_contains "$T/err" "line-two"
assert_eq "$(sort "$RD/ran" | tr '\n' ' ')" "$(printf '%s\n' ${P[0]} ${P[1]} | sort | tr '\n' ' ')" "app1 and app2 ran, app3 not"
assert_eq "$(sort "$RD/rolled" | tr '\n' ' ')" "$(printf '%s\n' ${P[0]} ${P[1]} | sort | tr '\n' ' ')" "rolled back where it ran"

detail=$(psql_q "$URL" "SELECT detail FROM stagecoach.run_steps WHERE name = 'restart'")
echo "$detail" | python3 -c "
import json,sys
d={h['name']:h for h in json.load(sys.stdin)['hosts']}
assert d['app1']['status']=='ran' and d['app1']['exit_code']==0, d
assert d['app2']['status']=='failed' and d['app2']['exit_code']==42, d
assert d['app3']['status']=='not_run', d
assert d['app1'].get('rollback')=='ran' and d['app2'].get('rollback')=='ran' and 'rollback' not in d['app3'], d
" || fail "detail: $detail"

# killed by a signal: a failure, named as such
rm -f "$RD/ran" "$RD/rolled"
sed -i 's|command = "p=.*|command = "kill -9 \$\$\$\$";|' stagecoach.conf
expect_exit 1 sc -c stagecoach.conf deploy staging --release r2
assert_contains "$T/err" "host 'app1' (127.0.0.1:${P[0]}): command killed by signal KILL"
pass
