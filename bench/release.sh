#!/bin/bash
# bench/release.sh: a 50 MB artifact shipped to 20 hosts (20 host entries
# pointing at one real sshd on loopback), in the same run:
#   scp         20 OpenSSH scp at once (xargs -P20), the floor
#   rsync       20 rsync over ssh at once (xargs -P20), the other floor
#   stagecoach  `deploy` of one release step (parallel = 20): SFTP upload,
#               sha256 checked on each host, folder renamed, current switched;
#               its peak RSS from GNU time
# and each client side's CPU time (user + sys; the server side, one sshd
# and its sftp-servers, is the same work for all three)
# Each is run RUNS times (default 3) into fresh folders; the best of each is
# compared.  Targets: stagecoach <= 1.1x the faster floor, peak RSS < 50 MB.
# Usage: bench/release.sh [RUNS] [MB]   (SC_BIN=path to the binary; needs rsync)
# SC_BASE=path to another stagecoach binary (an older build) times it too,
# in the same runs, for a before/after under the same load.
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/sshd.sh"
RUNS=${1:-3}
MB=${2:-50}
N=20
command -v rsync >/dev/null || fail "rsync is not installed (apt-get install -y rsync)"
[ -x /usr/bin/time ] || fail "GNU time is not installed (apt-get install -y time)"
sc_setup
sshd_start
names=$(seq -f 'h%02g' 1 $N)
head -c $((MB * 1000000)) /dev/urandom >artifact.bin

cat >stagecoach.conf <<CONF
version = 1;
project = "releasebench";
environments = {
  bench = {
    ssh = { user = "$SSH_USER"; identity = "$SSH_KEY"; known_hosts = "$KNOWN_HOSTS"; };
    $(ssh_hosts_conf $names)
  };
};
steps = ( { name = "ship"; kind = "release"; artifact = "artifact.bin"; path = "$RD/sc/\${host.name}";
            parallel = $N; keep = 2; } );
CONF

SC_BASE=${SC_BASE:-}
if [ -n "$SC_BASE" ]; then
	mkdir -p base
	sed -e 's|"artifact.bin"|"../artifact.bin"|' -e "s|$RD/sc/|$RD/base/|" stagecoach.conf >base/stagecoach.conf
fi

SSHOPTS="-o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=$KNOWN_HOSTS -o GlobalKnownHostsFile=/dev/null -o IdentitiesOnly=yes -i $SSH_KEY"
export SSHOPTS SSHD_PORT SSH_USER RD T

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
best() { # NAME MS
	local v=${!1:-999999999}
	[ "$2" -lt "$v" ] && printf -v "$1" '%s' "$2"
	return 0
}
fresh() { rm -rf "$RD/scp" "$RD/rsync"; mkdir -p "$RD/scp" "$RD/rsync"; chmod 777 "$RD/scp" "$RD/rsync"; }

ssh_floor true || fail "ssh to the test sshd failed"
cat artifact.bin >/dev/null # page cache

for r in $(seq 1 "$RUNS"); do
	fresh
	t0=$(now_ms)
	/usr/bin/time -f '%U %S' -o "$T/cpu-scp" xargs -a <(seq -w 1 $N) -P$N -I{} sh -c 'scp -q $SSHOPTS -P $SSHD_PORT "$T/artifact.bin" "$SSH_USER@127.0.0.1:$RD/scp/h{}.bin"' ||
		fail "scp failed"
	scp_ms=$(( $(now_ms) - t0 ))

	t0=$(now_ms)
	/usr/bin/time -f '%U %S' -o "$T/cpu-rsync" xargs -a <(seq -w 1 $N) -P$N -I{} sh -c 'rsync -q --whole-file -e "ssh $SSHOPTS -p $SSHD_PORT" "$T/artifact.bin" "$SSH_USER@127.0.0.1:$RD/rsync/h{}.bin"' ||
		fail "rsync failed"
	rsync_ms=$(( $(now_ms) - t0 ))

	t0=$(now_ms)
	/usr/bin/time -f '%M %U %S' -o "$T/rss" "$SC" -c stagecoach.conf deploy bench --release "bench-$r" >"$T/out" 2>"$T/err" ||
		fail "stagecoach failed: $(tail -5 "$T/err")"
	sc_ms=$(( $(now_ms) - t0 ))
	read -r rss_kb scu scs <"$T/rss"
	cpu() { awk '{printf "%.1f", $1 + $2}' "$1"; }
	sc_cpu=$(awk -v u="$scu" -v s="$scs" 'BEGIN {printf "%.1f", u + s}')
	cmp -s artifact.bin "$RD/sc/h$N/releases/bench-$r/artifact.bin" || fail "stagecoach: the artifact differs on h$N"

	base_txt=""
	if [ -n "$SC_BASE" ]; then
		t0=$(now_ms)
		/usr/bin/time -f '%M %U %S' -o "$T/rss-base" "$SC_BASE" -c base/stagecoach.conf deploy bench --release "bench-$r" >"$T/out" 2>"$T/err" ||
			fail "the base stagecoach failed: $(tail -5 "$T/err")"
		base_ms=$(( $(now_ms) - t0 ))
		read -r brss bu bs <"$T/rss-base"
		cmp -s artifact.bin "$RD/base/h$N/releases/bench-$r/artifact.bin" || fail "base: the artifact differs on h$N"
		base_txt=$(printf ' | base %6d ms (%s s), peak RSS %d KB' "$base_ms" "$(awk -v u="$bu" -v s="$bs" 'BEGIN {printf "%.1f", u + s}')" "$brss")
		best b_base "$base_ms"
	fi
	printf 'run %d: scp -P%d %6d ms (client CPU %s s) | rsync -P%d %6d ms (%s s) | stagecoach %6d ms (%s s), peak RSS %d KB%s, load %s\n' \
		"$r" $N "$scp_ms" "$(cpu "$T/cpu-scp")" $N "$rsync_ms" "$(cpu "$T/cpu-rsync")" "$sc_ms" "$sc_cpu" "$rss_kb" "$base_txt" \
		"$(cut -d' ' -f1 /proc/loadavg)"
	best b_scp "$scp_ms"; best b_rsync "$rsync_ms"; best b_sc "$sc_ms"; best b_rss "$rss_kb"
done

floor=$b_scp; fname=scp
[ "$b_rsync" -lt "$floor" ] && { floor=$b_rsync; fname=rsync; }
ratio() { python3 -c "print('%.2f' % ($1 / $2))"; }
echo
echo "best of $RUNS, a $MB MB artifact to $N hosts, one sshd on loopback, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg):"
echo "  scp (xargs -P$N):      $b_scp ms"
echo "  rsync (xargs -P$N):    $b_rsync ms"
[ -n "$SC_BASE" ] && echo "  base stagecoach:       $b_base ms  ($(ratio "$b_base" "$floor")x the faster floor)"
echo "  stagecoach deploy:     $b_sc ms  ($(ratio "$b_sc" "$floor")x the faster floor, $fname); peak RSS $((b_rss / 1024)) MB"
ok=1
python3 -c "import sys; sys.exit(0 if $b_sc <= 1.1 * $floor else 1)" || { echo "MISSED: stagecoach above 1.1x the faster floor"; ok=0; }
[ "$b_rss" -lt 51200 ] || { echo "MISSED: peak RSS not under 50 MB"; ok=0; }
[ $ok = 1 ] && echo "targets met: <= 1.1x the faster floor, peak RSS < 50 MB"
exit 0
