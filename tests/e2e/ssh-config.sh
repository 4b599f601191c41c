#!/bin/bash
# ssh: settings errors, all exit 2 with FILE:LINE and nothing run: an
# unknown key (with the closest key), a bad batch, parallel out of range, a
# `hosts` name the environment does not have, a `health` step that does not
# exist.  And `hosts` restricts the step to the hosts listed.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/sshd.sh"
sc_setup
sshd_start 3
pg_start
URL=$(pg_createdb app)
P=($SSHD_PORTS)
write_conf() { # STEP-SETTINGS
	cat >stagecoach.conf <<CONF
version = 1;
project = "sshconf";
environments = {
  staging = {
    database = "$URL";
    ssh = { user = "$SSH_USER"; identity = "$SSH_KEY"; known_hosts = "$KNOWN_HOSTS"; };
    $(ssh_hosts_conf app1 app2 app3)
  };
};
steps = (
  { name = "restart"; kind = "ssh"; command = "echo \$\${SSH_CONNECTION##* } >> $RD/ran";
    $1 }
);
CONF
}
write_conf 'paralel = 3;'
expect_exit 2 sc -c stagecoach.conf validate
assert_contains "$T/err" "stagecoach.conf:"
assert_contains "$T/err" "'parallel'"
write_conf 'batch = "ten";'
expect_exit 2 sc -c stagecoach.conf validate
assert_contains "$T/err" "'batch' must be a positive number of hosts or a percentage"
write_conf 'batch = "0%";'
expect_exit 2 sc -c stagecoach.conf validate
write_conf 'parallel = 0;'
expect_exit 2 sc -c stagecoach.conf validate
assert_contains "$T/err" "'parallel' must be between 1 and 1000"
write_conf 'hosts = [ "app1", "app9" ];'
expect_exit 2 sc -c stagecoach.conf deploy staging
assert_contains "$T/err" "stagecoach.conf:"
assert_contains "$T/err" "host 'app9' is not one of environment 'staging''s hosts ('app1', 'app2', 'app3')"
write_conf 'health = "nope";'
expect_exit 2 sc -c stagecoach.conf deploy staging
assert_contains "$T/err" "'health' names step 'nope', which does not exist"
[ ! -e "$RD/ran" ] || fail "a command ran despite a settings error"

write_conf 'hosts = [ "app3", "app1" ];'
expect_exit 0 sc -c stagecoach.conf deploy staging
assert_eq "$(sort "$RD/ran" | tr '\n' ' ')" "$(printf '%s\n' ${P[0]} ${P[2]} | sort | tr '\n' ' ')" "only app1 and app3"
pass
