#!/bin/bash
# make sandbox / make sandbox-stop: throwaway services on loopback for
# trying stagecoach and the examples by hand, kept running between commands
# (unlike make demo, which stops everything when it ends).
#
#   sandbox.sh start   stop the sandbox of this folder if one runs, then start,
#                      in a new /tmp/stagecoach-sandbox.XXXXXX: a PostgreSQL
#                      cluster (databases local, staging, production), an sshd
#                      on three loopback ports (three "hosts"), and two HTTP
#                      stand-ins for the environments' APIs (Supabase's
#                      functions API, /health and any other path answer 200).
#                      Writes ./.sandbox/env (mode 0600): the variables that
#                      point at them, to be read with `. ./.sandbox/env`.
#   sandbox.sh stop    stop what start started (bounded waits) and remove the
#                      temp folder and ./.sandbox; nothing running: says so, exit 0
#
# "This folder" is the current one (make runs it at the top of the tree).
# The services are started by the test helpers (tests/lib), so the sandbox is
# what the tests run against.  As root, the sshd logs in as the account
# `sctest` (made on first use and kept, as make demo and the tests do).
SRC=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$(pwd)
STATE="$HERE/.sandbox"

say() { printf '%s\n' "$*"; }

# the value of one variable of .sandbox/env, without running the file
env_value() {
	sed -n "s/^export $1='\\(.*\\)'\$/\\1/p" "$STATE/env" 2>/dev/null | head -1
}

sandbox_stop() {
	[ -f "$STATE/env" ] || { rm -rf "$STATE"; return 1; }
	local dir pids p i pg_bin
	dir=$(env_value SANDBOX_DIR)
	case "$dir" in /tmp/stagecoach-sandbox.*) ;; *)
		echo "sandbox: $STATE/env names no sandbox folder ('$dir'): removing it only" >&2
		rm -rf "$STATE"; return 0 ;;
	esac
	if [ -d "$dir/pgdata" ]; then
		pg_bin=$(cat "$dir/pg_bin" 2>/dev/null)
		if [ "$(id -u)" = 0 ]; then
			runuser -u postgres -- "$pg_bin/pg_ctl" -D "$dir/pgdata" -m fast -w -t 30 stop >/dev/null 2>&1
		else
			"$pg_bin/pg_ctl" -D "$dir/pgdata" -m fast -w -t 30 stop >/dev/null 2>&1
		fi
	fi
	pids=$(cat "$dir/pids" 2>/dev/null)
	for p in $pids; do kill "$p" 2>/dev/null; done
	# bounded: 10 s, then KILL
	for i in $(seq 1 100); do
		local alive=""
		for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
		[ -z "$alive" ] && break
		sleep 0.1
	done
	for p in $pids; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$dir" "$STATE"
	say "sandbox: stopped; $dir removed"
	return 0
}

case "${1:-}" in
stop)
	sandbox_stop || say "sandbox: none running here"
	exit 0
	;;
start) ;;
*)
	echo "usage: $0 start|stop" >&2
	exit 2
	;;
esac

sandbox_stop >/dev/null
. "$SRC/tests/lib/common.sh"
. "$SRC/tests/lib/sshd.sh"
. "$SRC/tests/lib/fake_api.sh"
[ -n "$PG_BIN" ] || { echo "sandbox: no PostgreSQL server installed (make demo installs it)" >&2; exit 2; }

T=$(mktemp -d /tmp/stagecoach-sandbox.XXXXXX) || exit 2
chmod 755 "$T"
cd "$T" || exit 2
# on any failure, stop what was started and remove the folder
started_ok=""
trap '[ -n "$started_ok" ] || { eval "$_AT_EXIT" >/dev/null 2>&1; rm -rf "$T" "$STATE"; }' EXIT
trap 'exit 130' INT TERM
echo "$PG_BIN" >"$T/pg_bin"

pg_start
LOCAL=$(pg_createdb local) || exit 1
STAGING=$(pg_createdb staging) || exit 1
PRODUCTION=$(pg_createdb production) || exit 1
# the services outlive this script: no output of theirs may hold make's
# stdout open (`make sandbox | tee` would never end)
sshd_start 3 </dev/null >/dev/null
echo "$SSHD_PID" >>"$T/pids"
HP=($SSHD_PORTS)
API_REF='*' api_start </dev/null >/dev/null
echo "$API_PID" >>"$T/pids"
ST_API=$API_BASE
API_REF='*' api_start </dev/null >/dev/null
echo "$API_PID" >>"$T/pids"
PR_API=$API_BASE

mkdir -p "$STATE"
chmod 700 "$STATE"
cat >"$STATE/env" <<ENV
# written by make sandbox (examples/sandbox/sandbox.sh); make sandbox-stop
# stops the services and removes this file.  Read it with: . ./.sandbox/env
export SANDBOX_DIR='$T'
export LOCAL_DATABASE_URL='$LOCAL'
export STAGING_DATABASE_URL='$STAGING'
export PRODUCTION_DATABASE_URL='$PRODUCTION'
export SANDBOX_SSH_USER='$SSH_USER'
export SANDBOX_SSH_KEY='$SSH_KEY'
export SANDBOX_KNOWN_HOSTS='$KNOWN_HOSTS'
export SANDBOX_SSH_PORT1='${HP[0]}'
export SANDBOX_SSH_PORT2='${HP[1]}'
export SANDBOX_SSH_PORT3='${HP[2]}'
export SANDBOX_HOSTS_DIR='$RD'
export SANDBOX_STAGING_API='$ST_API'
export SANDBOX_PRODUCTION_API='$PR_API'
export SANDBOX_API_TOKEN='$API_TOKEN'
ENV
chmod 600 "$STATE/env"
started_ok=1
say "sandbox: running in $T
  PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PGPORT: databases local, staging, production
  sshd on 127.0.0.1:${HP[0]}, :${HP[1]}, :${HP[2]} (user $SSH_USER); the hosts' files in $RD
  HTTP stand-ins (functions API, /health): staging $ST_API, production $PR_API
now: . ./.sandbox/env     (make sandbox-stop stops it all)"
