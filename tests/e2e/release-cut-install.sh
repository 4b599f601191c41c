#!/bin/bash
# release: an install command cut while it runs on the host (the step's
# timeout_ms, or a stop: SIGTERM to stagecoach) does not go on running
# there: stagecoach ends its process group from a second channel and says
# so; the rollback leaves `current` where it was.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/sshd.sh"
sc_setup
sshd_start 1
conf() { # TIMEOUT_LINE
	cat >stagecoach.conf <<CONF
version = 1;
project = "relcut";
environments = {
  staging = {
    ssh = { user = "$SSH_USER"; identity = "$SSH_KEY"; known_hosts = "$KNOWN_HOSTS"; };
    $(ssh_hosts_conf app1)
  };
};
steps = (
  { name = "ship"; kind = "release"; artifact = "app.txt"; path = "$RD/\${host.name}"; $1
    build_command = "test ! -e $RD/slow || { sleep 120 & echo \$\$! > $RD/build.pid; wait; }"; }
);
CONF
}
gone() { # PID: within 10 s
	local i
	for i in $(seq 1 100); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}
conf ""
echo v1 >app.txt
expect_exit 0 sc -c stagecoach.conf deploy staging --release v1

# the step's timeout cuts the build
conf "timeout_ms = 3000;"
touch "$RD/slow"
echo v2 >app.txt
expect_exit 1 sc -c stagecoach.conf deploy staging --release v2
[ -s "$RD/build.pid" ] || fail "the build never started"
pid=$(cat "$RD/build.pid")
assert_contains "$T/err" "the install command still running on the host was ended"
gone "$pid" || { kill "$pid"; fail "the build still runs on the host after the timeout"; }
assert_eq "$(readlink "$RD/app1/current")" "releases/v1" "current after the cut"

# a stop (SIGTERM to stagecoach) cuts it too
conf ""
rm -f "$RD/build.pid"
echo v3 >app.txt
"$SC" -c stagecoach.conf deploy staging --release v3 >"$T/out" 2>"$T/err" &
scpid=$!
for i in $(seq 1 200); do
	[ -s "$RD/build.pid" ] && break
	kill -0 $scpid 2>/dev/null || fail "the deploy ended early: $(cat "$T/err")"
	sleep 0.1
done
[ -s "$RD/build.pid" ] || fail "the build never started"
pid=$(cat "$RD/build.pid")
kill -TERM $scpid
wait $scpid
rc=$?
[ $rc -ne 0 ] || fail "the stopped deploy exited 0"
assert_contains "$T/err" "the install command still running on the host was ended"
gone "$pid" || { kill "$pid"; fail "the build still runs on the host after the stop"; }
assert_eq "$(readlink "$RD/app1/current")" "releases/v1" "current after the stop"
pass
