#!/bin/bash
# release: before a rollback switches any host back, it checks on every
# host that the release it goes back to is there and complete (the
# .stagecoach-release marker the install writes once a release is unpacked
# and built).  `rollback` refuses (exit 2, nothing changed: no host
# switched, nothing restarted) naming the host and what is missing; the
# automatic rollback of a failed deploy refuses the same way (exit 3,
# saying that no host was switched back).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/sshd.sh"
sc_setup
sshd_start 2
cat >stagecoach.conf <<CONF
version = 1;
project = "relpre";
environments = {
  staging = {
    ssh = { user = "$SSH_USER"; identity = "$SSH_KEY"; known_hosts = "$KNOWN_HOSTS"; };
    $(ssh_hosts_conf app1 app2)
  };
};
steps = (
  { name = "ship"; kind = "release"; artifact = "app.txt"; path = "$RD/\${host.name}";
    restart_command = "echo \${host.name} \$\$(cat app.txt) >> $RD/restarts"; batch = 1; health = "gate"; },
  { name = "gate"; kind = "shell";
    command = "test ! -e $RD/fail-\${host.name} || { rm -rf $RD/app1/releases/v2; false; }"; }
);
CONF
link() { readlink "$RD/$1/current"; }
for v in v1 v2; do
	echo $v >app.txt
	expect_exit 0 sc -c stagecoach.conf deploy staging --release $v
done
for h in app1 app2; do
	assert_eq "$(cat "$RD/$h/releases/v1/.stagecoach-release")" "v1 $(echo v1 | sha256sum | cut -d' ' -f1)" "$h marker"
done

# app2's v1 is gone: refused before any host moves
mv "$RD/app2/releases/v1" "$T/v1-app2"
: >"$RD/restarts"
expect_exit 2 sc -c stagecoach.conf rollback staging --last --yes
assert_contains "$T/err" "host 'app2'"
assert_contains "$T/err" "the previous release '$RD/app2/releases/v1' is missing"
assert_contains "$T/err" "nothing was changed"
assert_not_contains "$T/err" "host 'app1'"
for h in app1 app2; do assert_eq "$(link $h)" "releases/v2" "$h current after the refused rollback"; done
[ ! -s "$RD/restarts" ] || fail "restarted: $(cat "$RD/restarts")"
# --dry-run says the same
expect_exit 2 sc -c stagecoach.conf rollback staging --last --dry-run
assert_contains "$T/err" "releases/v1' is missing"

# there, but its install never finished (no marker): refused too
mkdir "$RD/app2/releases/v1"
echo v1 >"$RD/app2/releases/v1/app.txt"
expect_exit 2 sc -c stagecoach.conf rollback staging --last --yes
assert_contains "$T/err" "the previous release '$RD/app2/releases/v1' is incomplete: it has no .stagecoach-release marker"
for h in app1 app2; do assert_eq "$(link $h)" "releases/v2" "$h current after the refused rollback"; done
[ ! -s "$RD/restarts" ] || fail "restarted: $(cat "$RD/restarts")"

# complete again: the dry run lists each host, the rollback goes through
rm -rf "$RD/app2/releases/v1"
mv "$T/v1-app2" "$RD/app2/releases/v1"
expect_exit 0 sc -c stagecoach.conf rollback staging --last --dry-run
assert_contains "$T/out" "host app2 (127.0.0.1): switch $RD/app2/current back to v1"
expect_exit 0 sc -c stagecoach.conf rollback staging --last --yes
for h in app1 app2; do assert_eq "$(link $h)" "releases/v1" "$h current after the rollback"; done

# automatic rollback: v3's gate fails on app2 after removing app1's v2
echo v2 >app.txt
expect_exit 0 sc -c stagecoach.conf deploy staging --release v2
echo v3 >app.txt
touch "$RD/fail-app2"
: >"$RD/restarts"
expect_exit 3 sc -c stagecoach.conf deploy staging --release v3
assert_contains "$T/err" "host 'app1' (127.0.0.1:"
assert_contains "$T/err" "the previous release '$RD/app1/releases/v2' is missing"
assert_contains "$T/err" "no host was switched back"
for h in app1 app2; do assert_eq "$(link $h)" "releases/v3" "$h current (not switched back)"; done
assert_eq "$(tr '\n' ' ' <"$RD/restarts")" "app1 v3 app2 v3 " "no restart by the refused rollback"
pass
