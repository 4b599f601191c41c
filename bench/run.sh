#!/bin/bash
# make bench: every benchmark side by side with the tools users would pick,
# in one run, on this machine; not part of make test.  Installs the
# comparison tools it needs (ansible, sqitch, GNU time, rsync from Debian; dbmate
# from npm into a scratch folder).  Each benchmark prints its own table and
# ratios; this script prints them in turn and a machine line first.
#   make bench                      all of them
#   BENCH="ssh functions" make bench   some of them
cd "$(dirname "$0")/.." || exit 2
export SC_BIN=${SC_BIN:-$PWD/stagecoach}
missing=""
for p in ansible sqitch time rsync; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "bench: installing$missing" >&2
	SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y $missing >/dev/null || echo "bench: could not install$missing" >&2
fi
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "stagecoach: $("$SC_BIN" --version)"
rc=0
for b in ${BENCH:-migrations noop ssh fleet functions backup history validate release}; do
	echo
	echo "=== bench/$b.sh"
	bash "bench/$b.sh" || { echo "bench/$b.sh failed"; rc=1; }
done
exit $rc
