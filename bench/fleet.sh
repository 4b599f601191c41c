#!/bin/bash
# bench/fleet.sh: one command on a fleet of HOSTS host entries (default
# 1000) in rolling batches of BATCH (default 100) with a health gate after
# each batch, against the same work done with OpenSSH clients, in the same
# run:
#   floor       per batch, BATCH OpenSSH clients at once (xargs -PBATCH ssh),
#               then the health check (curl); batches one after the other
#   stagecoach  one ssh step, `batch = BATCH`, `parallel = BATCH`, `health`
#               a health_check step (the whole `deploy`, PostgreSQL state
#               included); its wall time, peak RSS and own CPU (GNU time)
# The hosts: SSHD sshd processes (default 8), each listening on 16 loopback
# addresses (OpenSSH takes at most 16 ListenAddress per process) on one
# port, 127.0.P.1-16 for process P: SSHD*16 distinct endpoints, the host
# entries spread over them in turn.  The benchmark account is the tests'
# `sctest` (tests/lib/sshd.sh) with /bin/sh as login shell, so that no
# login shell's start-up files are measured.
# Targets: stagecoach at most 1.1x the floor, peak RSS under 60 MB.
# Usage: bench/fleet.sh [HOSTS [BATCH [SSHD]]]  (SC_BIN=path to the binary;
# needs PostgreSQL, OpenSSH, curl, GNU time)
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/sshd.sh"
N=${1:-1000}
BATCH=${2:-100}
NSSHD=${3:-8}
CMD="uname -n >/dev/null; echo ok"
[ -x /usr/bin/time ] || fail "GNU time is not installed (apt-get install -y time)"
command -v curl >/dev/null || fail "curl is not installed"
sc_setup
pg_start
URL=$(pg_createdb bench)

# --- the sshd processes
_sshd_pick_user
[ "$(id -u)" = 0 ] && mkdir -p /run/sshd && chmod 755 /run/sshd
D="$T/sshd"
mkdir -p "$D"
ssh-keygen -q -t ed25519 -N '' -C fleet-host -f "$D/host_ed25519" || fail "ssh-keygen"
ssh-keygen -q -t ed25519 -N '' -C fleet-client -f "$D/id_ed25519" || fail "ssh-keygen"
cp "$D/id_ed25519.pub" "$D/authorized_keys"
chmod 644 "$D/authorized_keys"
SSH_KEY="$D/id_ed25519"
KNOWN_HOSTS="$D/known_hosts"
PORT=$(free_port)
HOSTKEY=$(cut -d' ' -f1,2 "$D/host_ed25519.pub")
: >"$KNOWN_HOSTS"
ENDPOINTS=()
for p in $(seq 1 "$NSSHD"); do
	{
		for a in $(seq 1 16); do
			echo "ListenAddress 127.0.$p.$a:$PORT"
			echo "[127.0.$p.$a]:$PORT $HOSTKEY" >>"$KNOWN_HOSTS"
			ENDPOINTS+=("127.0.$p.$a")
		done
		cat <<CONF
HostKey $D/host_ed25519
PidFile none
AuthorizedKeysFile $D/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
MaxStartups 400:30:600
MaxSessions 200
LoginGraceTime 60
PrintMotd no
PrintLastLog no
UseDNS no
LogLevel ERROR
CONF
	} >"$D/sshd_config.$p"
	/usr/sbin/sshd -D -e -f "$D/sshd_config.$p" 2>>"$D/log.$p" &
	at_exit "kill $! 2>/dev/null"
done
for p in $(seq 1 "$NSSHD"); do
	for i in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.$p.16/$PORT") 2>/dev/null && break; sleep 0.05; done
	(exec 3<>"/dev/tcp/127.0.$p.16/$PORT") 2>/dev/null || fail "sshd $p did not start: $(tail -3 "$D/log.$p")"
done

# --- the health endpoint
mkdir -p www && echo ok >www/health
HPORT=$(free_port)
python3 -m http.server "$HPORT" --bind 127.0.0.1 --directory www >/dev/null 2>&1 &
at_exit "kill $! 2>/dev/null"
for i in $(seq 1 100); do curl -sf "http://127.0.0.1:$HPORT/health" >/dev/null && break; sleep 0.05; done

# --- the fleet: host i on endpoint i mod (16 * NSSHD)
NE=${#ENDPOINTS[@]}
: >hosts.txt
{
	printf 'hosts = ('
	for i in $(seq 0 $((N - 1))); do
		a=${ENDPOINTS[$((i % NE))]}
		printf '%s{ name = "h%04d"; address = "%s"; port = %d; }' "$([ "$i" = 0 ] || echo ", ")" "$i" "$a" "$PORT"
		echo "$a" >>hosts.txt
	done
	echo ');'
} >hosts.conf
cat >stagecoach.conf <<CONF
version = 1;
project = "fleetbench";
environments = {
  bench = {
    database = "$URL";
    ssh = { user = "$SSH_USER"; identity = "$SSH_KEY"; known_hosts = "$KNOWN_HOSTS"; connect_timeout_ms = 60000; };
    $(cat hosts.conf)
  };
};
steps = (
  { name = "run"; kind = "ssh"; command = "$CMD"; batch = $BATCH; parallel = $BATCH; health = "health"; },
  { name = "health"; kind = "health_check"; url = "http://127.0.0.1:$HPORT/health"; expect_status = 200; }
);
CONF

fleet_ssh() {
	ssh -q -n -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$KNOWN_HOSTS" \
		-o GlobalKnownHostsFile=/dev/null -o IdentitiesOnly=yes -o ConnectTimeout=60 -i "$SSH_KEY" \
		-p "$PORT" "$SSH_USER@$1" "$CMD"
}
export -f fleet_ssh
export SSH_KEY KNOWN_HOSTS PORT SSH_USER CMD

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
fleet_ssh 127.0.1.1 >/dev/null || fail "ssh to the fleet's sshd failed"

# the floor: batch after batch, BATCH clients at once, then the health check
t0=$(now_ms)
split -l "$BATCH" -d -a 4 hosts.txt batch.
okc=0
for f in batch.*; do
	out=$(xargs -P"$BATCH" -I{} bash -c 'fleet_ssh {}' <"$f") || fail "an OpenSSH client failed in $f"
	okc=$((okc + $(grep -c '^ok$' <<<"$out")))
	curl -sf "http://127.0.0.1:$HPORT/health" >/dev/null || fail "health check failed"
done
floor=$(( $(now_ms) - t0 ))
[ "$okc" = "$N" ] || fail "OpenSSH: $okc of $N hosts answered ok"
load_floor=$(cut -d' ' -f1 /proc/loadavg)

t0=$(now_ms)
/usr/bin/time -f "%e %M %U %S" -o "$T/sc.time" "$SC" --json -c stagecoach.conf deploy bench --release fleet-1 \
	>"$T/out" 2>"$T/err" || fail "stagecoach failed: $(tail -5 "$T/err")"
scw=$(( $(now_ms) - t0 ))
read -r _ rss u s < <(tail -1 "$T/sc.time")
ran=$(psql_q "$URL" "SELECT count(*) FROM stagecoach.run_steps rs, jsonb_array_elements(rs.detail->'hosts') h WHERE rs.name = 'run' AND h->>'status' = 'ran'" 2>/dev/null)
load_sc=$(cut -d' ' -f1 /proc/loadavg)

ratio() { python3 -c "print('%.2f' % ($1 / $2))"; }
cpu_ms=$(python3 -c "print(int(($u + $s) * 1000))")
echo "$N hosts ($NE sshd endpoints in $NSSHD sshd processes, one port), batches of $BATCH with a health gate, $(nproc) cores:"
echo "  openssh floor (xargs -P$BATCH ssh per batch, then curl): $floor ms  (load $load_floor)"
echo "  stagecoach deploy:                                  $scw ms  ($(ratio "$scw" "$floor")x floor; load $load_sc)"
echo "  stagecoach peak RSS $((rss / 1024)) MB ($rss KiB); its own CPU $cpu_ms ms (user $u s, system $s s), $(python3 -c "print('%.2f' % ($cpu_ms / $N))") ms per host"
echo "  hosts recorded 'ran': ${ran:-?} of $N"
ok=1
python3 -c "import sys; sys.exit(0 if $scw <= 1.1 * $floor else 1)" || { echo "MISSED: stagecoach above 1.1x the OpenSSH floor"; ok=0; }
[ "$rss" -lt 61440 ] || { echo "MISSED: peak RSS of 60 MB or more"; ok=0; }
[ "${ran:-0}" = "$N" ] || { echo "MISSED: not every host ran"; ok=0; }
[ $ok = 1 ] && echo "targets met: <= 1.1x the OpenSSH floor, peak RSS < 60 MB"
exit 0
