#!/bin/bash
# bench/ssh.sh: the same command on 20 hosts (20 host entries pointing at one
# real sshd on loopback), in the same run:
#   floor       20 OpenSSH clients at once (xargs -P20 ssh)
#   stagecoach  an ssh step with parallel = 20 (`deploy`, whole command, and
#               the step's own duration from --json)
#   ansible     ansible -m raw -f 20, and ansible -m shell -f 20
# Each is run RUNS times (default 3); the best time of each is compared.
# Targets: stagecoach at most 0.3x ansible, and within 1.2x of the floor.
# Usage: bench/ssh.sh [RUNS]   (SC_BIN=path to the binary; needs PostgreSQL
# and ansible: apt-get install -y ansible)
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/sshd.sh"
RUNS=${1:-3}
N=20
CMD="uname -n >/dev/null; echo ok"
command -v ansible >/dev/null || fail "ansible is not installed (apt-get install -y ansible)"
sc_setup
sshd_start
pg_start
URL=$(pg_createdb bench)
names=$(seq -f 'h%02g' 1 $N)

cat >stagecoach.conf <<CONF
version = 1;
project = "sshbench";
environments = {
  bench = {
    database = "$URL";
    ssh = { user = "$SSH_USER"; identity = "$SSH_KEY"; known_hosts = "$KNOWN_HOSTS"; };
    $(ssh_hosts_conf $names)
  };
};
steps = ( { name = "run"; kind = "ssh"; parallel = $N; command = "$CMD"; } );
CONF

{
	echo "[bench]"
	for h in $names; do echo "$h ansible_host=127.0.0.1 ansible_port=$SSHD_PORT"; done
	echo "[bench:vars]"
	echo "ansible_user=$SSH_USER"
	echo "ansible_ssh_private_key_file=$SSH_KEY"
	echo "ansible_ssh_common_args='-o UserKnownHostsFile=$KNOWN_HOSTS -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes'"
	echo "ansible_python_interpreter=/usr/bin/python3"
} >inventory
export ANSIBLE_HOST_KEY_CHECKING=True ANSIBLE_NOCOLOR=1 ANSIBLE_LOAD_CALLBACK_PLUGINS=0
export -f ssh_floor
export SSH_KEY KNOWN_HOSTS SSHD_PORT SSH_USER CMD

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
best() { # NAME MS
	local v=${!1:-999999}
	[ "$2" -lt "$v" ] && printf -v "$1" '%s' "$2"
	return 0
}

# warm up sshd and the page cache once
ssh_floor true || fail "ssh to the test sshd failed"

for r in $(seq 1 "$RUNS"); do
	t0=$(now_ms)
	seq $N | xargs -P$N -I{} bash -c 'ssh_floor "$CMD" >/dev/null' || fail "openssh run failed"
	floor=$(( $(now_ms) - t0 ))

	t0=$(now_ms)
	sc --json -c stagecoach.conf deploy bench --release "bench-$r" >"$T/out" 2>"$T/err" ||
		fail "stagecoach failed: $(tail -5 "$T/err")"
	scw=$(( $(now_ms) - t0 ))
	scs=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    j = json.loads(l)
    if j.get("event") == "step_finished" and j.get("step") == "run": print(j["duration_ms"])' "$T/out")
	[ -n "$scs" ] || fail "no step_finished event: $(tail -3 "$T/out")"

	# a fresh ControlPath folder: no connection reused from the previous run
	export ANSIBLE_SSH_CONTROL_PATH_DIR="$T/cp-raw-$r"
	t0=$(now_ms)
	ansible bench -i inventory -m raw -a "$CMD" -f $N >"$T/ansible-raw.log" 2>&1 ||
		fail "ansible -m raw failed: $(tail -5 "$T/ansible-raw.log")"
	araw=$(( $(now_ms) - t0 ))
	[ "$(grep -c 'CHANGED\|SUCCESS' "$T/ansible-raw.log")" = $N ] || fail "ansible raw: not $N successes"

	export ANSIBLE_SSH_CONTROL_PATH_DIR="$T/cp-shell-$r"
	t0=$(now_ms)
	ansible bench -i inventory -m shell -a "$CMD" -f $N >"$T/ansible-shell.log" 2>&1 ||
		fail "ansible -m shell failed: $(tail -5 "$T/ansible-shell.log")"
	ashell=$(( $(now_ms) - t0 ))

	printf 'run %d: openssh floor %5d ms | stagecoach %5d ms (step %5d ms) | ansible raw %5d ms | ansible shell %5d ms\n' \
		"$r" "$floor" "$scw" "$scs" "$araw" "$ashell"
	best b_floor "$floor"; best b_scw "$scw"; best b_scs "$scs"; best b_araw "$araw"; best b_ashell "$ashell"
done

ratio() { python3 -c "print('%.2f' % ($1 / $2))"; }
echo
echo "best of $RUNS, $N hosts, one sshd on loopback, $(nproc) cores:"
echo "  openssh floor (xargs -P$N ssh): $b_floor ms"
echo "  stagecoach deploy:              $b_scw ms  ($(ratio "$b_scw" "$b_floor")x floor; step alone $b_scs ms, $(ratio "$b_scs" "$b_floor")x)"
echo "  ansible -m raw -f $N:           $b_araw ms  (stagecoach/ansible raw: $(ratio "$b_scw" "$b_araw")x)"
echo "  ansible -m shell -f $N:         $b_ashell ms  (stagecoach/ansible shell: $(ratio "$b_scw" "$b_ashell")x)"
ok=1
python3 -c "import sys; sys.exit(0 if $b_scw <= 0.3 * $b_araw else 1)" || { echo "MISSED: stagecoach above 0.3x ansible raw"; ok=0; }
python3 -c "import sys; sys.exit(0 if $b_scw <= 1.2 * $b_floor else 1)" || { echo "MISSED: stagecoach above 1.2x the OpenSSH floor"; ok=0; }
[ $ok = 1 ] && echo "targets met: <= 0.3x ansible, <= 1.2x the OpenSSH floor"
exit 0
