#!/bin/bash
# ssh: authentication.  A key the host does not accept is an authentication
# error naming the user and key, exit 6 (unreachable before anything
# changed), the command run nowhere; a passphrase-protected key with its
# passphrase from a secret environment variable works and the passphrase is
# never shown; without ssh.identity the ssh-agent (SSH_AUTH_SOCK) is used;
# without identity and without an agent, a clear error.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/sshd.sh"
sc_setup
sshd_start
pg_start
URL=$(pg_createdb app)
write_conf() { # SSH_BLOCK
	cat >stagecoach.conf <<CONF
version = 1;
project = "sshauth";
secrets = [ "DEPLOY_KEY_PASS" ];
environments = {
  staging = {
    database = "$URL";
    ssh = { user = "$SSH_USER"; known_hosts = "$KNOWN_HOSTS"; $1 };
    $(ssh_hosts_conf app1 app2)
  };
};
steps = ( { name = "restart"; kind = "ssh"; command = "echo ran >> $RD/ran"; } );
CONF
}

# a key the host does not know
ssh-keygen -q -t ed25519 -N '' -f "$T/wrong"
write_conf "identity = \"$T/wrong\";"
expect_exit 6 sc -c stagecoach.conf deploy staging
assert_contains "$T/err" "host 'app1' (127.0.0.1:$SSHD_PORT): authentication as '$SSH_USER' with key '$T/wrong' failed"
[ ! -e "$RD/ran" ] || fail "ran despite the failed authentication"

# a key with a passphrase, from a secret variable
ssh-keygen -q -t ed25519 -N 'correct horse battery' -f "$T/withpass"
cat "$T/withpass.pub" >>"$T/sshd/authorized_keys"
# libssh2 decrypts the key (bcrypt, ~0.13 s of CPU) twice per host, one host
# after the other; on a loaded machine that outlasts the default 10 s
# connect timeout, which is not what this part tests
write_conf "identity = \"$T/withpass\"; passphrase = \"\${DEPLOY_KEY_PASS}\"; connect_timeout_ms = 120000;"
DEPLOY_KEY_PASS='not the passphrase' expect_exit 6 sc -c stagecoach.conf deploy staging --release r1
assert_contains "$T/err" "wrong passphrase"
assert_not_contains "$T/err" "not the passphrase"
DEPLOY_KEY_PASS='correct horse battery' expect_exit 0 sc -v -c stagecoach.conf deploy staging --release r2
assert_eq "$(wc -l <"$RD/ran")" "2" "ran with the passphrase key"
rm -f "$RD/ran"

# the agent: no identity in the config
write_conf ""
eval "$(ssh-agent -a "$T/agent.sock")" >/dev/null
at_exit "kill $SSH_AGENT_PID"
ssh-add -q "$SSH_KEY" 2>/dev/null || fail "ssh-add"
expect_exit 0 sc -c stagecoach.conf deploy staging --release r3
assert_eq "$(wc -l <"$RD/ran")" "2" "ran with the agent"
# an agent that holds only a key the host refuses
ssh-add -q -D 2>/dev/null
ssh-add -q "$T/wrong" 2>/dev/null
expect_exit 6 sc -c stagecoach.conf deploy staging --release r4
assert_contains "$T/err" "authentication as '$SSH_USER' with the ssh-agent failed"
# no agent at all
SSH_AUTH_SOCK= expect_exit 6 env -u SSH_AUTH_SOCK "$SC" -c stagecoach.conf deploy staging --release r5
assert_contains "$T/err" "ssh-agent"
assert_eq "$(wc -l <"$RD/ran")" "2" "nothing ran after the agent refusals"
pass
