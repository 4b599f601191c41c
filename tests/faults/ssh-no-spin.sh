#!/bin/bash
# The SSH fan-out never spins and never hangs: 30 hosts with parallel = 10
# and bad hosts at the front of the list, so that they fail while hosts are
# still to start.  Three kinds of bad host, each in its own environment:
#   refused  nothing listens on its port (connect fails at once); one host
#   hole     a listener whose accept queue is full (listen(0), filled, never
#            accepting): the kernel drops the SYNs, as a firewall would
#   mute     a listener that accepts and never speaks SSH
# hole and mute are 10 hosts (a rack behind a dead switch): with a single
# one, the 29 good hosts have all connected before its connect_timeout_ms
# ends and phase 1 ends the ordinary way; the spin needs every slot held
# by a host that then fails while hosts are left to start.
# (NOSPIN_RUNS and NOSPIN_STOPS pick cases, to see each fail without the fix.)
# Each run ends with exit 6 within connect_timeout_ms + a bound, having used
# under 1 s of CPU (before the fix the loop, having no host to poll, went
# round at 100% CPU for ever), and a SIGTERM while the bad hosts hold the
# run up ends it within 2 s (before, the stop took the same spinning path).
TD=$(cd "$(dirname "$0")" && pwd); until [ -f "$TD/lib/common.sh" ]; do TD=$(dirname "$TD"); done
. "$TD/lib/common.sh"
. "$TD/lib/sshd.sh"
. "$TD/faults/lib/faults.sh"
sc_setup
sshd_start
pg_start
export APP_DB=$(pg_createdb app)

REFUSED=$(free_port)
HOLE=$(free_port)
MUTE=$(free_port)
python3 - "$HOLE" "$MUTE" "$T/fake.ready" "$T/mute.accepted" <<'PY' &
import os, socket, sys, threading, time
hole, mute = int(sys.argv[1]), int(sys.argv[2])
h = socket.socket(); h.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
h.bind(("127.0.0.1", hole)); h.listen(0)
fill = []
for _ in range(4):   # fill the accept queue; later SYNs are dropped
    c = socket.socket(); c.setblocking(False)
    try: c.connect(("127.0.0.1", hole))
    except BlockingIOError: pass
    fill.append(c)
m = socket.socket(); m.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
m.bind(("127.0.0.1", mute)); m.listen(64)
kept = []
def mute_loop():
    n = 0
    while True:
        c, _ = m.accept(); kept.append(c); n += 1
        with open(sys.argv[4], "a") as f: f.write("%d\n" % n)
threading.Thread(target=mute_loop, daemon=True).start()
time.sleep(0.3)
open(sys.argv[3], "w").close()
time.sleep(3600)
PY
FAKE_PID=$!
at_exit "kill $FAKE_PID 2>/dev/null"
wait_until 30 test -f "$T/fake.ready"

# the bad ports are in known_hosts, as a real fleet's would be: no preflight
# key fetch, the step itself meets them
KEY=$(cut -d' ' -f1,2 "$T/sshd/host_ed25519.pub")
for p in $REFUSED $HOLE $MUTE; do echo "[127.0.0.1]:$p $KEY" >>"$KNOWN_HOSTS"; done

hosts() { # PORT NBAD: NBAD bad hosts first, then the good ones, 30 in all
	local out="hosts = (" sep="" i
	for i in $(seq 1 "$2"); do out="$out$sep { name = \"bad$i\"; address = \"127.0.0.1\"; port = $1; }"; sep=","; done
	for i in $(seq 1 $(( 30 - $2 ))); do out="$out, { name = \"app$i\"; address = \"127.0.0.1\"; port = $SSHD_PORT; }"; done
	echo "$out );"
}
env_conf() { # NAME PORT NBAD TIMEOUT
	cat <<CONF
  $1 = {
    database = "\${APP_DB}";
    ssh = { user = "$SSH_USER"; identity = "$SSH_KEY"; known_hosts = "$KNOWN_HOSTS"; connect_timeout_ms = $4; };
    $(hosts "$2" "$3")
  };
CONF
}
CT=1500
cat >stagecoach.conf <<CONF
version = 1;
project = "nospin";
environments = {
$(env_conf refused "$REFUSED" 1 $CT)
$(env_conf hole "$HOLE" 10 $CT)
$(env_conf mute "$MUTE" 10 $CT)
$(env_conf refused_slow "$REFUSED" 1 20000)
$(env_conf hole_slow "$HOLE" 10 20000)
$(env_conf mute_slow "$MUTE" 10 20000)
};
steps = (
  { name = "remote"; kind = "ssh"; command = "echo ran >> $RD/ran"; parallel = 10; }
);
CONF

# cpu_ms PID: user+system CPU of a live process, in ms
cpu_ms() {
	local s tck
	s=$(cut -d' ' -f14,15 "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
	tck=$(getconf CLK_TCK)
	echo $(( (${s% *} + ${s#* }) * 1000 / tck ))
}
accepted() { local c; c=$(grep -c "Accepted publickey" "$T/sshd/log" 2>/dev/null); echo "${c:-0}"; }
# first_wave_in N PID: N logins seen, or PID already ended
first_wave_in() { [ "$(accepted)" -ge "$1" ] || [ ! -d "/proc/$2" ]; }

# (1) each bad host: the run ends by itself, exit 6, little CPU
for env in ${NOSPIN_RUNS-refused hole mute}; do
	/usr/bin/time -f "%U %S" -o "$T/$env.time" "$SC" deploy "$env" >"$T/$env.out" 2>"$T/$env.err" &
	TPID=$!
	at_exit "kill -9 $TPID 2>/dev/null"
	wait_exit "$TPID" $(( CT / 1000 + 15 ))
	read -r u s < <(tail -1 "$T/$env.time") || fail "$env: no time: $(cat "$T/$env.time")"
	cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%d", (u + s) * 1000 }')
	echo "$env: exit $RC after $MS ms, ${cpu} ms CPU: $(grep -m1 "'bad1'" "$T/$env.err")"
	assert_eq "$RC" 6 "$env: exit code ($(tail -3 "$T/$env.err"))"
	assert_contains "$T/$env.err" "host 'bad1' (127.0.0.1:"
	[ "$MS" -lt $(( CT + 8000 )) ] || fail "$env: the run took $MS ms (connect_timeout_ms $CT)"
	[ "$cpu" -lt 1000 ] || fail "$env: the run used $cpu ms of CPU"
	[ ! -e "$RD/ran" ] || fail "$env: the command ran: the batch should run nowhere"
done

# (2) SIGTERM while the bad hosts hold the run up (connect_timeout_ms 20 s),
# sent once they hold every slot (refused: once the good hosts of the first
# wave are in, or the run is over: it ends by itself at once); the run ends
# within 2 s, and the command ran nowhere
syn_sent() { [ "$(ss -Htn state syn-sent "dport = :$HOLE" | wc -l)" -ge 10 ]; }
mute_held() { [ "$(wc -l <"$T/mute.accepted")" -ge 10 ]; }
for env in ${NOSPIN_STOPS-refused_slow hole_slow mute_slow}; do
	before=$(accepted)
	rm -f "$T/mute.accepted"
	bg_sc "$env" deploy "$env"
	pid=$BG
	case $env in
	refused_slow) wait_until 30 first_wave_in $(( before + 9 )) "$pid" ;;
	hole_slow) wait_until 30 syn_sent ;;
	mute_slow) wait_until 30 mute_held ;;
	esac
	cpu0=$(cpu_ms "$pid")
	kill -TERM "$pid" 2>/dev/null
	# an AddressSanitizer build (make check-asan) spends seconds in its exit checks
	case "$SC" in *asan*) wait_exit "$pid" 8 ;; *) wait_exit "$pid" 2 ;; esac
	echo "$env: SIGTERM: exit $RC after $MS ms (CPU before the signal ${cpu0} ms): $(tail -1 "$T/$env.err")"
	[ "$RC" != 0 ] || fail "$env: exit 0 after SIGTERM"
	[ "$cpu0" -lt 1000 ] || fail "$env: ${cpu0} ms of CPU before the signal"
	[ ! -e "$RD/ran" ] || fail "$env: the command ran"
done
pass
