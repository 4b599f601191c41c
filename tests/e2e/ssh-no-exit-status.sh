#!/bin/bash
# ssh: a channel the server closes without an exit status is a failure, not
# a success.  OpenSSH's ChannelTimeout closes an idle session channel that
# way while its command still runs; libssh2 1.10 alone would read status 0.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/sshd.sh"
sc_setup
# OpenSSH counts ChannelTimeout in whole seconds (a monotonic clock in
# seconds), so N s closes a channel after anywhere in (N-1, N] s without
# traffic: with 1 s, the deploy of `true` was closed before its exit status
# under load (the whole step took 771 ms; sshd logged "closing after 1
# seconds of inactivity").  3 s leaves a finished command 2 s.
SSHD_EXTRA_CONFIG="ChannelTimeout session:*=3s" sshd_start
pg_start
URL=$(pg_createdb app)
cat >stagecoach.conf <<CONF
version = 1;
project = "sshnostatus";
environments = {
  staging = {
    database = "$URL";
    ssh = { user = "$SSH_USER"; identity = "$SSH_KEY"; known_hosts = "$KNOWN_HOSTS"; };
    $(ssh_hosts_conf app1)
  };
};
steps = ( { name = "quiet"; kind = "ssh"; command = "echo started >> $RD/ran; sleep 8"; } );
CONF
expect_exit 1 sc -c stagecoach.conf deploy staging
assert_contains "$T/err" "host 'app1' (127.0.0.1:$SSHD_PORT): channel closed without an exit status"
# the channel was closed while the command ran, not before it started (a
# slow login shell would close it in its rc files, and prove nothing)
assert_eq "$(cat "$RD/ran" 2>/dev/null)" "started" "the command had started"
# and a command that finishes within the idle timeout is fine
sed -i 's/sleep 8/true/' stagecoach.conf
expect_exit 0 sc -c stagecoach.conf deploy staging --release r2
assert_eq "$(wc -l <"$RD/ran")" "2" "the second command ran"
pass
