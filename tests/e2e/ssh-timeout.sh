#!/bin/bash
# ssh: a hung command is cut by the step's timeout_ms, its host reported,
# and the remote command is really killed (its process group, from a second
# channel); a host that does not answer at all hits ssh.connect_timeout_ms.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/sshd.sh"
sc_setup
sshd_start
pg_start
URL=$(pg_createdb app)
# a port that accepts TCP but never speaks SSH
SILENT=$(free_port)
python3 -c "
import socket,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1',$SILENT)); s.listen(16)
conns=[]
while True:
    c,_=s.accept(); conns.append(c)
" &
SILENT_PID=$!
at_exit "kill $SILENT_PID"
# wait until it listens (python starts slowly on a loaded machine: a connect
# before that is refused, not timed out)
end=$((SECONDS + 60))
until (exec 3<>"/dev/tcp/127.0.0.1/$SILENT") 2>/dev/null; do
	kill -0 $SILENT_PID 2>/dev/null && [ $SECONDS -lt $end ] || fail "the silent listener did not start"
	sleep 0.05
done
MARK="6$(date +%N | cut -c1-3)"
cat >stagecoach.conf <<CONF
version = 1;
project = "sshtimeout";
environments = {
  staging = {
    database = "$URL";
    ssh = { user = "$SSH_USER"; identity = "$SSH_KEY"; known_hosts = "$KNOWN_HOSTS"; connect_timeout_ms = 60000; };
    $(ssh_hosts_conf app1 app2)
  };
  silent = {
    database = "$URL";
    ssh = { user = "$SSH_USER"; identity = "$SSH_KEY"; known_hosts = "$T/kh-silent"; connect_timeout_ms = 1000; };
    hosts = ( { name = "mute"; address = "127.0.0.1"; port = $SILENT; } );
  };
};
steps = ( { name = "hang"; kind = "ssh"; timeout_ms = 4000;
            command = "echo started >> $RD/started; echo waiting; sleep $MARK"; } );
CONF
echo "[127.0.0.1]:$SILENT $(cut -d' ' -f1,2 "$T/sshd/host_ed25519.pub")" >"$T/kh-silent"

t0=$(date +%s%N)
expect_exit 1 sc -c stagecoach.conf deploy staging
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
assert_contains "$T/err" "host 'app1' (127.0.0.1:$SSHD_PORT): command timed out after 4000 ms and was cut"
assert_eq "$(cat "$RD/started" 2>/dev/null | wc -l)" "2" "both started before the cut"
assert_contains "$T/err" "waiting"
# the bound proves the cut (the sleep is ~2 hours), not speed on a loaded machine
[ "$ms" -lt 30000 ] || fail "the cut took $ms ms"
# pgrep only lists: the remote sleeps must be gone (the kill is sent before
# stagecoach returns; their exit may lag under load, so wait, bounded)
for i in $(seq 1 50); do
	pgrep -f "sleep $MARK" >/dev/null || break
	sleep 0.1
done
if pgrep -f "sleep $MARK" >/dev/null; then fail "the remote command survived the cut: $(pgrep -af "sleep $MARK")"; fi

t0=$(date +%s%N)
expect_exit 6 sc -c stagecoach.conf deploy silent
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
assert_contains "$T/err" "host 'mute' (127.0.0.1:$SILENT): timed out after 1000 ms in the SSH handshake"
[ "$ms" -lt 30000 ] || fail "the connect timeout took $ms ms"
pass
