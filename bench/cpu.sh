#!/bin/bash
# bench/cpu.sh BASE_BIN [ROUNDS]: stagecoach's own CPU, before and after a
# change, where the wall time is too noisy to show 5% (a shared, loaded
# machine): the CPU time (perf stat's task-clock) of the stagecoach process
# alone, for the workloads of bench/ssh.sh (one command on
# 20 hosts, one real sshd) and bench/migrations.sh (300 migrations applied to
# a fresh database), with BASE_BIN and SC_BIN (default ./stagecoach)
# alternated, best of ROUNDS (default 5).  CPU time moves far less with the
# load than wall time does (this VM has no hardware counters, so no
# instruction counts); the ratio after/before is the figure to read.
#   bench/cpu.sh /tmp/base/stagecoach 5
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/sshd.sh"
BASE=${1:?usage: bench/cpu.sh BASE_BIN [ROUNDS]}
ROUNDS=${2:-5}
command -v perf >/dev/null || fail "perf is not installed (apt-get install -y linux-perf)"
sc_setup
sshd_start
pg_start
N=20
names=$(seq -f 'h%02g' 1 $N)
mkdir -p migrations
for i in $(seq 1 300); do
	printf -- '-- migrate:up\nCREATE TABLE t_%d (id bigserial PRIMARY KEY, name text NOT NULL);\nCREATE INDEX t_%d_name_idx ON t_%d (name);\nINSERT INTO t_%d (name) SELECT g::text FROM generate_series(1, 20) g;\n-- migrate:down\nDROP TABLE t_%d;\n' \
		"$i" "$i" "$i" "$i" "$i" >"migrations/$(printf '%04d' "$i")_t_$i.sql"
done
conf() { # FILE URL KIND
	if [ "$3" = ssh ]; then
		cat >"$1" <<CONF
version = 1;
project = "cpu";
environments = { bench = { database = "$2";
    ssh = { user = "$SSH_USER"; identity = "$SSH_KEY"; known_hosts = "$KNOWN_HOSTS"; };
    $(ssh_hosts_conf $names) }; };
steps = ( { name = "run"; kind = "ssh"; parallel = $N; command = "uname -n >/dev/null; echo ok"; } );
CONF
	else
		cat >"$1" <<CONF
version = 1;
project = "cpu";
migrations = "migrations";
environments = { bench = { database = "$2"; }; };
steps = ( { name = "migrate"; kind = "migrate"; } );
CONF
	fi
}
# one run: its task-clock in ms
measure() { # BIN CONF
	perf stat -x, -e task-clock -o "$T/perf" "$1" -q -c "$2" deploy bench >"$T/out" 2>&1 ||
		fail "$1 -c $2 deploy: $(tail -5 "$T/out")"
	awk -F, '/task-clock/ { printf "%.1f\n", $1 }' "$T/perf"
}
declare -A ms
db=0
for r in $(seq 1 "$ROUNDS"); do
	for w in ssh migrations; do
		for side in before after; do
			bin=$SC; [ $side = before ] && bin=$BASE
			db=$((db + 1))
			conf "$w-$db.conf" "$(pg_createdb "d$db")" "$w"
			ms[$w.$side]="${ms[$w.$side]:-} $(measure "$bin" "$w-$db.conf")"
		done
	done
done
best() { printf '%s\n' $1 | sort -g | head -1; }
echo "stagecoach's own CPU, best of $ROUNDS alternated rounds, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "before: $BASE; after: $SC"
printf '%-42s %14s %14s %8s\n' workload "cpu ms before" "cpu ms after" "after/before"
for w in ssh migrations; do
	case $w in ssh) label="one command on 20 hosts (deploy)" ;; *) label="300 migrations, fresh database (deploy)" ;; esac
	b=$(best "${ms[$w.before]}"); a=$(best "${ms[$w.after]}")
	printf '%-42s %14s %14s %8s\n' "$label" "$b" "$a" "$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", a / b }')"
	echo "bench: $w: before${ms[$w.before]}; after${ms[$w.after]}" >&2
done
pass
