#!/bin/bash
# release: an upload cut by kill -9 half-way (a large artifact through a
# slowed-down SFTP server) leaves no release folder and `current` where it
# was; `deploy --resume` resumes the upload from what landed (and, the
# partial upload being corrupted on purpose, notices the sha256 mismatch and
# uploads again), and `rollback` of a second cut run leaves every host on
# the previous release.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/sshd.sh"
sc_setup
# an SFTP server that reads at most ~3 MB/s
cat >"$T/slow-sftp" <<'SH'
#!/bin/sh
exec python3 -c '
import os, subprocess, time
p = subprocess.Popen(["/usr/lib/openssh/sftp-server"], stdin=subprocess.PIPE)
while True:
    b = os.read(0, 32768)
    if not b:
        break
    p.stdin.write(b)
    p.stdin.flush()
    time.sleep(len(b) / 3000000.0)
p.stdin.close()
p.wait()
'
SH
chmod 755 "$T/slow-sftp"
SSHD_EXTRA_CONFIG="Subsystem sftp $T/slow-sftp" sshd_start 2
cat >stagecoach.conf <<CONF
version = 1;
project = "relkill";
environments = {
  staging = {
    ssh = { user = "$SSH_USER"; identity = "$SSH_KEY"; known_hosts = "$KNOWN_HOSTS"; };
    $(ssh_hosts_conf app1 app2)
  };
};
steps = (
  { name = "ship"; kind = "release"; artifact = "big.bin"; path = "$RD/\${host.name}";
    restart_command = "echo \${host.name} >> $RD/restarts"; }
);
CONF
head -c 1000 /dev/urandom >big.bin
expect_exit 0 sc -c stagecoach.conf deploy staging --release v1

# kill -9 once some MB of v2 landed on both hosts
cut_upload() { # RELEASE
	head -c 30000000 /dev/urandom >big.bin
	"$SC" -c stagecoach.conf deploy staging --release "$1" >"$T/out" 2>"$T/err" &
	local pid=$! i size1 size2
	for i in $(seq 1 600); do
		size1=$(stat -c %s "$RD/app1/releases/.$1.upload" 2>/dev/null || echo 0)
		size2=$(stat -c %s "$RD/app2/releases/.$1.upload" 2>/dev/null || echo 0)
		[ "$size1" -gt 3000000 ] && [ "$size2" -gt 3000000 ] && break
		kill -0 $pid 2>/dev/null || fail "the deploy ended before the kill: $(cat "$T/err")"
		sleep 0.1
	done
	kill -9 $pid
	wait $pid 2>/dev/null
	[ "$size1" -lt 30000000 ] || fail "the upload was not cut half-way"
	for h in app1 app2; do
		[ ! -e "$RD/$h/releases/$1" ] && [ ! -e "$RD/$h/releases/.$1.partial" ] || fail "$h: a release folder from half an upload"
		assert_eq "$(readlink "$RD/$h/current")" "releases/v1" "$h current after the kill"
	done
}

cut_upload v2
expect_exit 0 sc -c stagecoach.conf status staging
grep -qi interrupted "$T/out" || fail "status does not say interrupted"
# corrupt what landed on app1: the resumed upload's sha256 cannot match
printf 'X' | dd of="$RD/app1/releases/.v2.upload" bs=1 seek=10 conv=notrunc 2>/dev/null
expect_exit 0 sc -c stagecoach.conf deploy staging --resume --release v2
assert_contains "$T/err" "host 'app1': the uploaded artifact's sha256 did not match; uploading it again"
for h in app1 app2; do
	assert_eq "$(readlink "$RD/$h/current")" "releases/v2" "$h current after resume"
	cmp -s big.bin "$RD/$h/releases/v2/big.bin" || fail "$h: v2 content differs"
done
python3 - "$T/.stagecoach/staging/runs" <<'PY' || fail "the resumed upload did not resume"
import json, os, sys
d = sys.argv[1]
runs = [json.load(open(os.path.join(d, f))) for f in os.listdir(d)]
r = [x for x in runs if x["release"] == "v2"][0]
st = [s for s in r["steps"] if s["name"] == "ship"][0]
h = {h["name"]: h for h in st["detail"]["hosts"]}
assert h["app2"].get("resumed_from", 0) > 3000000, h["app2"]
assert h["app2"]["bytes_sent"] < 30000000, h["app2"]
assert h["app1"]["before"] == "v1" and h["app2"]["before"] == "v1", h
PY

# a second cut run, rolled back: back on v2, nothing of v3 used
head -c 30000000 /dev/urandom >big.bin
"$SC" -c stagecoach.conf deploy staging --release v3 >"$T/out" 2>"$T/err" &
pid=$!
for i in $(seq 1 600); do
	s=$(stat -c %s "$RD/app2/releases/.v3.upload" 2>/dev/null || echo 0)
	[ "$s" -gt 3000000 ] && break
	sleep 0.1
done
kill -9 $pid
wait $pid 2>/dev/null
: >"$RD/restarts"
expect_exit 0 sc -c stagecoach.conf rollback staging --to v2 --yes
for h in app1 app2; do
	assert_eq "$(readlink "$RD/$h/current")" "releases/v2" "$h current after rollback of the cut run"
	[ ! -e "$RD/$h/releases/v3" ] || fail "$h: v3 folder exists"
done
[ ! -s "$RD/restarts" ] || fail "hosts restarted though current never moved: $(cat "$RD/restarts")"
expect_exit 0 sc -c stagecoach.conf status staging
! grep -qi interrupted "$T/out" || fail "still interrupted: $(cat "$T/out")"
pass
