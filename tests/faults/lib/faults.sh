# tests/faults/lib/faults.sh: helpers for the fault-injection tests, sourced
# after tests/lib/common.sh (and sc_setup).
#
#   bg_sc NAME ARGS...     start stagecoach ARGS in the background; output in
#                          $T/NAME.out and $T/NAME.err; sets BG (its pid)
#   wait_until SECS CMD... poll CMD every 0.05 s until it succeeds; fails the
#                          test after SECS seconds
#   wait_exit PID SECS     wait for PID to end (at most SECS, then the test
#                          fails); sets RC (its exit code) and MS (the time
#                          from the call to its end, in ms)
#   now_ms                 monotonic-enough wall clock in ms
#   kill9 PID              SIGKILL and reap PID (a background job)
#   run_status URL         "status" of every stagecoach.runs row, oldest first

bg_sc() {
	local name=$1; shift
	"$SC" "$@" >"$T/$name.out" 2>"$T/$name.err" &
	BG=$!
	at_exit "kill -9 $BG 2>/dev/null"
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

wait_until() {
	local secs=$1; shift
	local end=$(( $(now_ms) + secs * 1000 ))
	while ! "$@" >/dev/null 2>&1; do
		[ "$(now_ms)" -lt "$end" ] || fail "timed out after ${secs}s waiting for: $*"
		sleep 0.05
	done
}

wait_exit() {
	local pid=$1 secs=$2 t0
	t0=$(now_ms)
	local end=$(( t0 + secs * 1000 ))
	while kill -0 "$pid" 2>/dev/null; do
		if [ "$(now_ms)" -ge "$end" ]; then
			kill -9 "$pid" 2>/dev/null
			fail "process $pid still running after ${secs}s"
		fi
		sleep 0.05
	done
	wait "$pid"
	RC=$?
	MS=$(( $(now_ms) - t0 ))
}

kill9() {
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

run_status() { psql_q "$1" "SELECT string_agg(status, ' ' ORDER BY started_at, id) FROM stagecoach.runs"; }

# is a query matching PATTERN (SQL LIKE) active on URL's server?
pg_active() { psql_q "$1" "SELECT 1 FROM pg_stat_activity WHERE query LIKE '$2' AND pid <> pg_backend_pid()" | grep -q 1; }

# is a pg_dump of this test's cluster ($PGPORT) running?  (by its environment
# or arguments: pgrep -f would also match the shell that asks)
pg_dump_running() {
	local p
	for p in $(pgrep -x pg_dump); do
		tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "PGPORT=$PGPORT" && return 0
		tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q ":$PGPORT/" && return 0
	done
	return 1
}

# end the server sessions a killed stagecoach left running on URL (its steps'
# connection keeps executing the query it was sent), as an operator would
pg_terminate_orphans() {
	psql_q "$1" "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name LIKE 'stagecoach/%' AND pid <> pg_backend_pid()" >/dev/null
	wait_until 10 eval "! psql_q '$1' \"SELECT 1 FROM pg_stat_activity WHERE application_name LIKE 'stagecoach/%'\" | grep -q 1"
}

# is a stagecoach session of URL's server sleeping (pg_sleep, also inside a trigger)?
sc_sleeping() { psql_q "$1" "SELECT 1 FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND application_name LIKE 'stagecoach/%'" | grep -q 1; }

# k9_migrate_setup [with001]: a database with 1000 rows in `keep`, a config
# with one migrate step, and migrations 002_b (which sleeps K9_SLEEP s,
# default 6, while the
# table slow_flag exists, so a test can kill it mid-way, then DROP TABLE
# slow_flag to let --resume run it at once) and, with `with001`, 001_a
# before it.  Sets APP_DB; leaves the cwd in $T.
k9_migrate_setup() {
	pg_start
	export APP_DB=$(pg_createdb app)
	mkdir -p migrations
	cat >stagecoach.conf <<'CONF'
version = 1;
project = "k9tx";
migrations = "migrations";
environments = { staging = { database = "${APP_DB}"; }; };
steps = ( { name = "migrate"; kind = "migrate"; } );
CONF
	psql_q "$APP_DB" "CREATE TABLE keep (id int); INSERT INTO keep SELECT generate_series(1, 1000)"
	if [ "${1:-}" = with001 ]; then
		printf 'CREATE TABLE a (id int);\nINSERT INTO a SELECT generate_series(1, 10);\n' >migrations/001_a.up.sql
		echo "DROP TABLE a;" >migrations/001_a.down.sql
	fi
	printf "CREATE TABLE b (id int);\nINSERT INTO keep VALUES (-1);\nSELECT pg_sleep(CASE WHEN to_regclass('slow_flag') IS NULL THEN 0 ELSE ${K9_SLEEP:-6} END);\n" >migrations/002_b.up.sql
	echo "DROP TABLE b; DELETE FROM keep WHERE id = -1;" >migrations/002_b.down.sql
	psql_q "$APP_DB" "CREATE TABLE slow_flag ()"
}
