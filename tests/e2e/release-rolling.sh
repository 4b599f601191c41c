#!/bin/bash
# release: a file artifact shipped to 3 hosts (3 ports of one real sshd, a
# `path` per host through ${host.name}) in rolling batches of 1, with a
# health gate per host.  Checks the files on disk, the `current` symlinks,
# the restart order; a gate failing on the 2nd host brings hosts 1-2 back to
# the previous release and leaves host 3 untouched; `rollback --last` after
# a success switches every host back.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/sshd.sh"
sc_setup
sshd_start 3
cat >stagecoach.conf <<CONF
version = 1;
project = "rel3";
environments = {
  staging = {
    ssh = { user = "$SSH_USER"; identity = "$SSH_KEY"; known_hosts = "$KNOWN_HOSTS"; };
    $(ssh_hosts_conf app1 app2 app3)
  };
};
steps = (
  { name = "ship"; kind = "release"; artifact = "build/app.txt"; path = "$RD/\${host.name}";
    restart_command = "echo \${host.name} \$\$(cat app.txt) >> $RD/restarts"; batch = 1; health = "gate"; },
  { name = "gate"; kind = "shell";
    command = "grep -q . $RD/\${host.name}/current/app.txt && test ! -e $RD/fail-\${host.name} && echo \${host.name} >> $RD/gated"; }
);
CONF
mkdir build
echo v1 >build/app.txt

link() { readlink "$RD/$1/current"; }

expect_exit 0 sc -c stagecoach.conf plan staging
assert_contains "$T/out" "would ship file"
[ ! -e "$RD/app1" ] || fail "plan changed a host"

expect_exit 0 sc -c stagecoach.conf deploy staging --release v1
for h in app1 app2 app3; do
	assert_eq "$(link $h)" "releases/v1" "$h current"
	assert_eq "$(cat "$RD/$h/releases/v1/app.txt")" "v1" "$h file"
	[ ! -e "$RD/$h/releases/.v1.upload" ] && [ ! -e "$RD/$h/releases/.v1.partial" ] || fail "$h: leftovers"
done
assert_eq "$(tr '\n' ' ' <"$RD/restarts")" "app1 v1 app2 v1 app3 v1 " "restart order"
assert_eq "$(tr '\n' ' ' <"$RD/gated")" "app1 app2 app3 " "one gate per host, in order"

# v2: the gate fails on app2: app1 and app2 back on v1, app3 never touched
echo v2 >build/app.txt
: >"$RD/restarts"
touch "$RD/fail-app2"
expect_exit 1 sc -c stagecoach.conf deploy staging --release v2
assert_contains "$T/err" "host 'app2'"
assert_contains "$T/err" "gate 'gate'"
for h in app1 app2 app3; do assert_eq "$(link $h)" "releases/v1" "$h current after the failed gate"; done
[ ! -e "$RD/app3/releases/v2" ] || fail "app3 was touched"
[ -d "$RD/app2/releases/v2" ] || fail "app2 never got v2"
assert_eq "$(tr '\n' ' ' <"$RD/restarts")" "app1 v2 app2 v2 app2 v1 app1 v1 " "restarts: v2 on 1-2, then back newest first"
python3 - "$T/.stagecoach/staging/runs" <<'PY' || fail "detail"
import json, os, sys
d = sys.argv[1]
runs = [json.load(open(os.path.join(d, f))) for f in os.listdir(d)]
r = [x for x in runs if x["release"] == "v2"][0]
st = [s for s in r["steps"] if s["name"] == "ship"][0]
hosts = {h["name"]: h for h in st["detail"]["hosts"]}
assert hosts["app1"]["before"] == "v1" and hosts["app1"]["status"] == "switched", hosts["app1"]
assert hosts["app2"]["before"] == "v1", hosts["app2"]
assert hosts["app3"]["status"] == "not_run" and "before" not in hosts["app3"], hosts["app3"]
assert hosts["app1"]["rollback"] == "switched_back", hosts["app1"]
PY

# v2 again, gate passing; then rollback --last: every host back on v1
rm -f "$RD/fail-app2"
: >"$RD/restarts"
expect_exit 0 sc -c stagecoach.conf deploy staging --release v2
for h in app1 app2 app3; do assert_eq "$(link $h)" "releases/v2" "$h current"; done
assert_eq "$(cat "$RD/app3/releases/v2/app.txt")" "v2" "app3 file"
expect_exit 0 sc -c stagecoach.conf rollback staging --last --yes
for h in app1 app2 app3; do assert_eq "$(link $h)" "releases/v1" "$h current after rollback"; done
assert_eq "$(tr '\n' ' ' <"$RD/restarts")" "app1 v2 app2 v2 app3 v2 app3 v1 app2 v1 app1 v1 " "rollback restarts"
pass
