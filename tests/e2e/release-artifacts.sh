#!/bin/bash
# release: a folder artifact and a .tar.gz artifact land with their modes;
# build_command runs in the new release's folder; `keep` prunes old
# releases but never the current one nor the one before it; a host that had
# no release gets its `current` removed by the rollback; a host whose key
# known_hosts does not know is refused before anything is uploaded.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/sshd.sh"
sc_setup
sshd_start 2
write_conf() { # ARTIFACT
	cat >stagecoach.conf <<CONF
version = 1;
project = "relart";
environments = {
  staging = {
    ssh = { user = "$SSH_USER"; identity = "$SSH_KEY"; known_hosts = "$KNOWN_HOSTS"; };
    $(ssh_hosts_conf app1 app2)
  };
};
steps = (
  { name = "ship"; kind = "release"; artifact = "$1"; path = "$RD/\${host.name}"; keep = 2;
    build_command = "pwd > built-in; ./bin/run.sh > built.txt";
    restart_command = "echo \${host.name} >> $RD/restarts"; },
  { name = "after"; kind = "shell"; command = "test ! -e $T/fail-after"; }
);
CONF
}
mode() { stat -c %a "$1"; }

# a folder, with an executable script and a private file
mkdir -p app/bin app/conf
printf '#!/bin/sh\necho built from folder\n' >app/bin/run.sh
chmod 755 app/bin/run.sh
echo secret >app/conf/private.txt
chmod 640 app/conf/private.txt
write_conf app
# the first release, with the second step failing: the hosts had no
# release, so the rollback removes `current`
touch "$T/fail-after"
expect_exit 1 sc -c stagecoach.conf deploy staging --release r0
for h in app1 app2; do
	[ -d "$RD/$h/releases/r0" ] || fail "$h: r0 never landed"
	[ ! -e "$RD/$h/current" ] && [ ! -L "$RD/$h/current" ] || fail "$h: current left after rolling back the first release"
done
rm -f "$T/fail-after"
expect_exit 0 sc -c stagecoach.conf deploy staging --release r1
for h in app1 app2; do
	r="$RD/$h/releases/r1"
	assert_eq "$(readlink "$RD/$h/current")" "releases/r1" "$h current"
	assert_eq "$(mode "$r/bin/run.sh")" 755 "$h run.sh mode"
	assert_eq "$(mode "$r/conf/private.txt")" 640 "$h private.txt mode"
	assert_eq "$(cat "$r/built.txt")" "built from folder" "$h build output"
	assert_eq "$(cat "$r/built-in")" "$r" "$h build ran in the release folder"
done

# a .tar.gz, unpacked on the host with its modes
mkdir -p tgz/bin
printf '#!/bin/sh\necho built from tarball\n' >tgz/bin/run.sh
chmod 750 tgz/bin/run.sh
echo data >tgz/data.txt
chmod 600 tgz/data.txt
tar -czf app.tar.gz -C tgz .
write_conf app.tar.gz
expect_exit 0 sc -c stagecoach.conf deploy staging --release r2
for h in app1 app2; do
	r="$RD/$h/releases/r2"
	assert_eq "$(readlink "$RD/$h/current")" "releases/r2" "$h current"
	assert_eq "$(mode "$r/bin/run.sh")" 750 "$h run.sh mode (tar.gz)"
	assert_eq "$(mode "$r/data.txt")" 600 "$h data.txt mode (tar.gz)"
	assert_eq "$(cat "$r/built.txt")" "built from tarball" "$h build output"
	[ ! -e "$r/app.tar.gz" ] || fail "the tarball itself landed"
done

# keep = 2: after r3, r1 is pruned; r2 (the one before) and r3 stay
echo more >tgz/more.txt
tar -czf app.tar.gz -C tgz .
expect_exit 0 sc -c stagecoach.conf deploy staging --release r3
for h in app1 app2; do
	assert_eq "$(ls "$RD/$h/releases" | tr '\n' ' ')" "r2 r3 " "$h releases after keep"
done
# the one a rollback needs is never pruned, even when older than the others:
# roll back to r2, then deploy r4 (before = r2, r3 is newer than r2)
expect_exit 0 sc -c stagecoach.conf rollback staging --to r2 --yes
assert_eq "$(readlink "$RD/app1/current")" "releases/r2" "rolled back to r2"
expect_exit 0 sc -c stagecoach.conf deploy staging --release r4
assert_eq "$(ls "$RD/app1/releases" | tr '\n' ' ')" "r2 r4 " "r2 (the one before) kept, r3 pruned"

# an unknown host key: refused before anything is uploaded
P=($SSHD_PORTS)
grep -vF "]:${P[1]} " "$KNOWN_HOSTS" >kh2 && cp kh2 "$KNOWN_HOSTS"
echo r5 >tgz/r5.txt
tar -czf app.tar.gz -C tgz .
expect_exit 6 sc -c stagecoach.conf deploy staging --release r5
assert_contains "$T/err" "unknown host key"
assert_contains "$T/err" "host 'app2'"
for h in app1 app2; do
	[ ! -e "$RD/$h/releases/r5" ] && [ ! -e "$RD/$h/releases/.r5.upload" ] || fail "$h: something was uploaded"
	assert_eq "$(readlink "$RD/$h/current")" "releases/r4" "$h current untouched"
done
pass
