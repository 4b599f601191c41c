#!/bin/bash
# release: a deploy killed (kill -9) in the middle of switching hosts (a
# rolling release of 3 hosts, batch 1: app1 on the new release, app2
# switched and restarting, app3 on the old one).  `deploy --resume`
# finishes the switch: app1 is not shipped again, app2 and app3 end on the
# new release, each restarted.  A second such cut run, `rollback`: app1 and
# app2 back on the previous release and restarted, app3 never touched.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/sshd.sh"
sc_setup
sshd_start 3
cat >stagecoach.conf <<CONF
version = 1;
project = "relkillsw";
environments = {
  staging = {
    ssh = { user = "$SSH_USER"; identity = "$SSH_KEY"; known_hosts = "$KNOWN_HOSTS"; };
    $(ssh_hosts_conf app1 app2 app3)
  };
};
steps = (
  { name = "ship"; kind = "release"; artifact = "app.txt"; path = "$RD/\${host.name}"; batch = 1;
    restart_command = "echo \${host.name} \$\$(cat app.txt) >> $RD/restarts; if [ -e $RD/hold-\${host.name} ]; then touch $RD/held-\${host.name}; while [ -e $RD/hold-\${host.name} ]; do sleep 0.1; done; fi"; }
);
CONF
link() { readlink "$RD/$1/current"; }
echo v1 >app.txt
expect_exit 0 sc -c stagecoach.conf deploy staging --release v1

# kill -9 while app2 restarts on RELEASE (app1 done, app3 not started)
cut_switch() { # RELEASE PREVIOUS
	echo "$1" >app.txt
	: >"$RD/restarts"
	rm -f "$RD/held-app2"
	touch "$RD/hold-app2"
	"$SC" -c stagecoach.conf deploy staging --release "$1" >"$T/out" 2>"$T/err" &
	local pid=$! i
	for i in $(seq 1 300); do
		[ -e "$RD/held-app2" ] && break
		kill -0 $pid 2>/dev/null || fail "the deploy ended before the kill: $(cat "$T/err")"
		sleep 0.1
	done
	[ -e "$RD/held-app2" ] || fail "app2 never restarted"
	kill -9 $pid
	wait $pid 2>/dev/null
	rm -f "$RD/hold-app2" # the orphaned restart on app2 ends
	assert_eq "$(link app1)" "releases/$1" "app1 current after the kill"
	assert_eq "$(link app2)" "releases/$1" "app2 current after the kill"
	assert_eq "$(link app3)" "releases/$2" "app3 current after the kill"
	assert_eq "$(tr '\n' ' ' <"$RD/restarts")" "app1 $1 app2 $1 " "restarts before the kill"
}

cut_switch v2 v1
expect_exit 0 sc -c stagecoach.conf status staging
grep -qi interrupted "$T/out" || fail "status does not say interrupted: $(cat "$T/out")"
expect_exit 2 sc -c stagecoach.conf deploy staging --release v2
assert_contains "$T/err" "--resume"
: >"$RD/restarts"
expect_exit 0 sc -c stagecoach.conf deploy staging --resume --release v2
for h in app1 app2 app3; do
	assert_eq "$(link $h)" "releases/v2" "$h current after resume"
	assert_eq "$(cat "$RD/$h/releases/v2/app.txt")" "v2" "$h v2 file"
done
assert_eq "$(tr '\n' ' ' <"$RD/restarts")" "app2 v2 app3 v2 " "restarts by the resumed run (app1 was done)"
python3 - "$T/.stagecoach/staging/runs" <<'PY' || fail "detail of the resumed run"
import json, os, sys
d = sys.argv[1]
runs = [json.load(open(os.path.join(d, f))) for f in os.listdir(d)]
r = [x for x in runs if x["release"] == "v2"]
assert len(r) == 1 and r[0]["status"] == "succeeded", [(x["release"], x["status"]) for x in runs]
st = [s for s in r[0]["steps"] if s["name"] == "ship"][0]
h = {h["name"]: h for h in st["detail"]["hosts"]}
for n in ("app1", "app2", "app3"):
    assert h[n]["before"] == "v1" and h[n]["after"] == "v2" and h[n]["status"] == "switched", h[n]
PY
expect_exit 0 sc -c stagecoach.conf status staging
! grep -qi interrupted "$T/out" || fail "still interrupted: $(cat "$T/out")"

# the same cut on v3, then rollback: app1 and app2 back on v2, app3 untouched
cut_switch v3 v2
: >"$RD/restarts"
expect_exit 0 sc -c stagecoach.conf rollback staging --to v2 --yes
for h in app1 app2 app3; do assert_eq "$(link $h)" "releases/v2" "$h current after the rollback"; done
[ ! -e "$RD/app3/releases/v3" ] || fail "app3 got v3"
assert_eq "$(tr '\n' ' ' <"$RD/restarts")" "app2 v2 app1 v2 " "rollback restarts: app2, then app1, not app3"
pass
