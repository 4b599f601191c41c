# tests/lib/common.sh: sourced by every end-to-end test.
#
# Each test runs in its own scratch folder ($T) and starts its own services on
# free loopback ports; everything started is stopped by the EXIT trap.
#
#   sc_setup                 make $T, cd into it, set the trap
#   pg_start                 start a throwaway PostgreSQL cluster; sets PGPORT,
#                            PG_SUPER (psql args as superuser), DB_PASS
#   pg_createdb NAME         create database NAME owned by role sc; prints its URL
#                            (postgresql://sc:$DB_PASS@127.0.0.1:$PGPORT/NAME)
#   psql_q URL SQL           run SQL, print unaligned tuples only
#   free_port                print a free loopback TCP port
#   sc ARGS...               run ./stagecoach (built at the top of the tree)
#   expect_exit N CMD...     run CMD, fail unless its exit code is N; output in $T/out, $T/err
#   assert_contains FILE STR / assert_not_contains FILE STR / assert_eq A B MSG
#   fail MSG                 end the test as failed
#   at_exit CMD              run CMD at exit (newest first)
#
# A test ends with `pass` (or just exits 0).  Tests must not depend on each other.

set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SC="${SC_BIN:-$TOP/stagecoach}"
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
_AT_EXIT=""

at_exit() { _AT_EXIT="$1; $_AT_EXIT"; }
_sc_cleanup() {
	local rc=$?
	eval "$_AT_EXIT" >/dev/null 2>&1 || true
	if [ "$rc" != 0 ] && [ -n "${T:-}" ]; then
		echo "--- test failed (exit $rc); scratch folder $T" >&2
		for f in out err; do [ -f "$T/$f" ] && { echo "--- $f:" >&2; tail -30 "$T/$f" >&2; }; done
	fi
	if [ "$rc" = 0 ] && [ -n "${T:-}" ] && [ -z "${KEEP:-}" ]; then rm -rf "$T"; fi
	exit $rc
}

sc_setup() {
	T=$(mktemp -d /tmp/sc-test.XXXXXX)
	chmod 755 "$T"
	cd "$T"
	trap _sc_cleanup EXIT
	trap 'exit 130' INT TERM
}

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { exit 0; }

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

_as_pg() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
	PGPORT=$(free_port)
	PGDATA_DIR="$T/pgdata"
	PGSOCK="$T/pgsock"
	mkdir -p "$PGDATA_DIR" "$PGSOCK"
	[ "$(id -u)" = 0 ] && chown postgres "$PGDATA_DIR" "$PGSOCK"
	_as_pg "$PG_BIN/initdb" -D "$PGDATA_DIR" -A trust -U postgres --no-sync >"$T/initdb.log" 2>&1 ||
		fail "initdb failed: $(tail -5 "$T/initdb.log")"
	cat >>"$PGDATA_DIR/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PGPORT
unix_socket_directories = '$PGSOCK'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
CONF
	# loopback connections need the password; the socket (superuser) is trusted
	cat >"$PGDATA_DIR/pg_hba.conf" <<HBA
local all all trust
host all postgres 127.0.0.1/32 trust
host all all 127.0.0.1/32 scram-sha-256
HBA
	_as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -l "$PGSOCK/pg.log" -w -t 30 start >/dev/null ||
		fail "postgres did not start: $(tail -5 "$PGSOCK/pg.log")"
	at_exit "pg_stop"
	PG_SUPER="-h $PGSOCK -p $PGPORT -U postgres -X -q"
	DB_PASS="pw-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
	psql $PG_SUPER -d postgres -c "CREATE ROLE sc LOGIN SUPERUSER PASSWORD '$DB_PASS'" >/dev/null ||
		fail "cannot create role"
	export PGPORT PG_SUPER DB_PASS PGSOCK
}

pg_stop() {
	[ -n "${PGDATA_DIR:-}" ] && _as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -m immediate -w stop >/dev/null 2>&1
	return 0
}

pg_createdb() {
	psql $PG_SUPER -d postgres -c "CREATE DATABASE \"$1\" OWNER sc" >/dev/null || fail "createdb $1"
	echo "postgresql://sc:$DB_PASS@127.0.0.1:$PGPORT/$1"
}

psql_q() {
	local url=$1; shift
	psql "$url" -X -q -A -t -v ON_ERROR_STOP=1 -c "$*"
}

sc() { "$SC" "$@"; }

expect_exit() {
	local want=$1; shift
	"$@" >"$T/out" 2>"$T/err"
	local got=$?
	[ "$got" = "$want" ] || fail "expected exit $want, got $got from: $*
stdout: $(tail -20 "$T/out")
stderr: $(tail -20 "$T/err")"
	return 0
}

assert_contains() { grep -qF -- "$2" "$1" || fail "$1 does not contain '$2': $(tail -20 "$1")"; }
assert_not_contains() { ! grep -qF -- "$2" "$1" || fail "$1 contains '$2'"; }
assert_eq() { [ "$1" = "$2" ] || fail "${3:-values differ}: got '$1', want '$2'"; }
