#!/bin/bash
# bench/compare.sh BASE [ROUNDS]: the benchmarks with stagecoach built at
# commit BASE ("before") and with ./stagecoach ("after"), alternated in one
# run on this machine, so that both meet the same load.  Each round runs
# every benchmark once with each binary, in turn (before, after); the lines
# the scripts print are kept in a scratch folder and each script's table
# is printed at the end, benchmark by benchmark, before then after.
#   bench/compare.sh b76a7a8 3
#   BENCH="migrations validate" bench/compare.sh b76a7a8
# The scripts are this tree's (bench/*.sh), so both binaries run the same
# workload; a benchmark that needs a feature BASE lacks fails for BASE only.
cd "$(dirname "$0")/.." || exit 2
BASE=${1:?usage: bench/compare.sh BASE [ROUNDS]}
ROUNDS=${2:-3}
TOP=$PWD
OUT=$(mktemp -d /tmp/sc-compare.XXXXXX)
WT="$OUT/base"
git worktree add -q --detach "$WT" "$BASE" || exit 2
trap 'git -C "$TOP" worktree remove --force "$WT" 2>/dev/null' EXIT
make -s -C "$WT" -j2 stagecoach >"$OUT/build.log" 2>&1 || { echo "compare: cannot build $BASE (see $OUT/build.log)" >&2; exit 2; }
make -s -j2 stagecoach >/dev/null || exit 2
echo "machine: $(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "before: $BASE ($("$WT/stagecoach" --version)); after: $(git rev-parse --short HEAD) ($(./stagecoach --version))"
for r in $(seq 1 "$ROUNDS"); do
	for b in ${BENCH:-migrations ssh functions backup validate}; do
		for side in before after; do
			bin=$TOP/stagecoach
			[ "$side" = before ] && bin=$WT/stagecoach
			SC_BIN=$bin bash "bench/$b.sh" >"$OUT/$b.$side.$r" 2>"$OUT/$b.$side.$r.err" ||
				echo "compare: bench/$b.sh failed with the $side binary (round $r): $OUT/$b.$side.$r.err" >&2
		done
	done
done
echo "load at the end $(cut -d' ' -f1-3 /proc/loadavg); outputs in $OUT"
for b in ${BENCH:-migrations ssh functions backup validate}; do
	for side in before after; do
		for r in $(seq 1 "$ROUNDS"); do
			echo "--- $b, $side, round $r"
			cat "$OUT/$b.$side.$r"
		done
	done
done
