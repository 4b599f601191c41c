#!/bin/bash
# SSH hosts failing under a run: (1) the sshd dies (its connection processes
# killed) while `sleep 5` runs on the host: the step fails at once naming
# the host and the lost connection, the steps before are rolled back, exit 1;
# (2) a host whose port never answers (a listener whose accept queue is full:
# the kernel drops the SYNs, as a firewall would): ssh.connect_timeout_ms
# cuts it in preflight, exit 6, nothing changed (no step ran).  (A port that accepts TCP but never
# speaks SSH is in tests/e2e/ssh-timeout.sh.)
TD=$(cd "$(dirname "$0")" && pwd); until [ -f "$TD/lib/common.sh" ]; do TD=$(dirname "$TD"); done
. "$TD/lib/common.sh"
. "$TD/lib/sshd.sh"
. "$TD/faults/lib/faults.sh"
sc_setup
sshd_start
pg_start
export APP_DB=$(pg_createdb app)
HOLE=$(free_port)
python3 - "$HOLE" "$T/hole.ready" <<'PY' &
import socket, sys, time
port = int(sys.argv[1])
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port)); s.listen(0)
fill = []
for _ in range(4):   # fill the accept queue; later SYNs are dropped
    c = socket.socket(); c.setblocking(False)
    try: c.connect(("127.0.0.1", port))
    except BlockingIOError: pass
    fill.append(c)
time.sleep(0.3)
open(sys.argv[2], "w").close()
time.sleep(3600)
PY
HOLE_PID=$!
at_exit "kill $HOLE_PID"
cat >stagecoach.conf <<CONF
version = 1;
project = "netssh";
environments = {
  staging = {
    database = "\${APP_DB}";
    ssh = { user = "$SSH_USER"; identity = "$SSH_KEY"; known_hosts = "$KNOWN_HOSTS"; connect_timeout_ms = 60000; };
    $(ssh_hosts_conf app1)
  };
  hole = {
    database = "\${APP_DB}";
    ssh = { user = "$SSH_USER"; identity = "$SSH_KEY"; known_hosts = "$KNOWN_HOSTS"; connect_timeout_ms = 1500; };
    hosts = ( { name = "void"; address = "127.0.0.1"; port = $HOLE; } );
  };
};
steps = (
  { name = "first"; kind = "shell"; command = "echo applied >> marks"; rollback_command = "echo undone >> marks"; },
  { name = "remote"; kind = "ssh"; command = "touch $RD/started; sleep 5; echo finished"; }
);
CONF

# (1) sshd dies mid-command
bg_sc run deploy staging
wait_until 15 test -f "$RD/started"
# each connection is a monitor (a child of the listener) and, for a user
# other than root, its unprivileged child serving the session: kill both
for p in $(pgrep -P "$SSHD_PID"); do kill -9 $(pgrep -x -P "$p" sshd) "$p"; done
kill -9 "$SSHD_PID"
wait_exit "$BG" 20
echo "sshd killed: exit $RC after $MS ms: $(tail -1 "$T/run.err")"
assert_eq "$RC" 1 "exit after the sshd died ($(tail -2 "$T/run.err"))"
[ "$MS" -lt 4000 ] || fail "the lost connection was noticed after $MS ms"
assert_contains "$T/run.err" "host 'app1' (127.0.0.1:$SSHD_PORT)"
assert_contains "$T/run.err" "rolled back"
assert_eq "$(tr '\n' ' ' <marks)" "applied undone " "the step before was rolled back"
assert_eq "$(psql_q "$APP_DB" "SELECT status FROM stagecoach.runs ORDER BY started_at DESC LIMIT 1")" rolled_back "run"

# (2) a host that never answers
wait_until 5 test -f "$T/hole.ready"
rm -f marks
t0=$(now_ms)
expect_exit 6 sc deploy hole
ms=$(( $(now_ms) - t0 ))
echo "black hole: $(tail -1 "$T/err") after $ms ms"
assert_contains "$T/err" "host 'void' (127.0.0.1:$HOLE)"
assert_contains "$T/err" "1500 ms"
[ "$ms" -lt 6000 ] || fail "the connect timeout took $ms ms"
# the hosts are reached in preflight: the step before never ran
assert_contains "$T/err" "nothing was changed"
[ ! -e marks ] || fail "a step ran: $(cat marks)"
pass
