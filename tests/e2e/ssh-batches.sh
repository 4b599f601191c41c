#!/bin/bash
# ssh: rolling batches of 1 with a health gate (a shell step).  When the gate
# fails after the first batch, only that host was touched, the rollout stops,
# and the rollback runs rollback_command on that host only.  When the gate
# passes, batches run in order, the gate after each one; "34%" of three hosts
# is one host per batch.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/sshd.sh"
sc_setup
sshd_start 3
pg_start
URL=$(pg_createdb app)
P=($SSHD_PORTS)
write_conf() { # BATCH
	cat >stagecoach.conf <<CONF
version = 1;
project = "sshbatch";
environments = {
  staging = {
    database = "$URL";
    ssh = { user = "$SSH_USER"; identity = "$SSH_KEY"; known_hosts = "$KNOWN_HOSTS"; };
    $(ssh_hosts_conf app1 app2 app3)
  };
};
steps = (
  { name = "restart"; kind = "ssh"; batch = $1; health = "health";
    command = "echo \$\${SSH_CONNECTION##* } >> $RD/ran";
    rollback_command = "echo \$\${SSH_CONNECTION##* } >> $RD/rolled"; },
  { name = "health"; kind = "shell"; command = "echo gate >> $T/gates; test -f $T/healthy"; }
);
CONF
}
write_conf 1
expect_exit 0 sc -c stagecoach.conf plan staging
assert_contains "$T/out" "3 batches of up to 1 host, 10 at once, gate 'health' after each batch"

expect_exit 1 sc -c stagecoach.conf deploy staging
assert_contains "$T/err" "step 'restart': batch 1/3: gate 'health'"
assert_eq "$(cat "$RD/ran")" "${P[0]}" "only the first host ran"
assert_eq "$(cat "$RD/rolled")" "${P[0]}" "rolled back on the first host only"
assert_eq "$(wc -l <"$T/gates")" "1" "the gate ran once"
detail=$(psql_q "$URL" "SELECT detail FROM stagecoach.run_steps WHERE name = 'restart'")
echo "$detail" | python3 -c "
import json,sys
d={h['name']:h for h in json.load(sys.stdin)['hosts']}
assert d['app1']['status']=='ran' and d['app1']['batch']==1, d
assert d['app2']['status']=='not_run' and d['app2']['batch']==2, d
assert d['app3']['status']=='not_run' and d['app3']['batch']==3, d
" || fail "detail: $detail"

rm -f "$RD/ran" "$RD/rolled" "$T/gates"
touch "$T/healthy"
write_conf '"34%"'
expect_exit 0 sc --json -c stagecoach.conf deploy staging --release r2
assert_eq "$(cat "$RD/ran" | tr '\n' ' ')" "${P[0]} ${P[1]} ${P[2]} " "batches in order"
# the gate after each batch (3), then the health step itself (1)
assert_eq "$(wc -l <"$T/gates")" "4" "gate runs"
grep -q '"host 3/3"' "$T/out" || fail "no host 3/3 progress: $(grep progress "$T/out" | head -3)"
[ ! -e "$RD/rolled" ] || fail "rolled back after a success"
pass
