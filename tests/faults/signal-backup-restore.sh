#!/bin/bash
# SIGTERM/SIGINT of `backup` and `restore` are handled like a deploy's
# (FAULTS.md class 5): the child (pg_dump, pg_restore) is stopped, backup's
# temporary dump is removed, the run row is closed 'failed' with
# "interrupted" (not left 'running', so status shows nothing interrupted and
# deploy is not refused), the database is unchanged (pg_restore's single
# transaction), and the next backup works.  (Was: the default signal action
# killed stagecoach at once: a .tmp dump left behind, the run left
# 'running', pg_dump orphaned.)  And a pg_dump that does not end on
# SIGTERM (here: behind a wrapper that ignores it, waiting for a lock) is
# ended within a second anyway: its whole process group gets SIGTERM, then
# SIGKILL.  (Was: SIGTERM to the wrapper alone, then an unbounded wait.)
# The database password is in no child's environment or command line.
TD=$(cd "$(dirname "$0")" && pwd); until [ -f "$TD/lib/common.sh" ]; do TD=$(dirname "$TD"); done
. "$TD/lib/common.sh"
. "$TD/faults/lib/faults.sh"
sc_setup
pg_start
export APP_DB=$(pg_createdb app)
cat >stagecoach.conf <<'CONF'
version = 1;
project = "sigbackup";
environments = { staging = { database = "${APP_DB}"; }; };
steps = ( { name = "backup"; kind = "pg_backup"; dir = "backups"; } );
CONF
psql_q "$APP_DB" "CREATE TABLE big AS SELECT g AS id, md5(g::text) AS h FROM generate_series(1, 1000000) g"
# a pg_restore of this test's cluster (by its environment or arguments)
pg_restore_mine() {
	local p
	for p in $(pgrep -x pg_restore); do
		tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "PGPORT=$PGPORT" && return 0
		tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q ":$PGPORT/" && return 0
	done
	return 1
}
pg_restore_running() { pg_restore_mine && pg_active "$APP_DB" 'COPY%'; }
for sig in TERM INT; do
	rm -rf backups
	bg_sc backup backup staging
	wait_until 30 sh -c 'ls backups/*.tmp >/dev/null 2>&1 && [ "$(stat -c %s backups/*.tmp | head -1)" -gt 100000 ]'
	kill -$sig "$BG"
	wait_exit "$BG" 20
	[ "$RC" -ge 1 ] && [ "$RC" -lt 128 ] || fail "backup $sig: exit $RC (killed by the signal?)"
	assert_contains "$T/backup.err" "interrupted"
	wait_until 10 eval "! pg_dump_running"
	left=$(ls backups 2>/dev/null | tr '\n' ' ')
	[ -z "$left" ] || fail "backup $sig: files left in backups/: $left"
	assert_eq "$(psql_q "$APP_DB" "SELECT status FROM stagecoach.runs ORDER BY started_at DESC LIMIT 1")" failed "backup $sig: run"
	expect_exit 0 sc status staging
	assert_not_contains "$T/out" "INTERRUPTED"
done
expect_exit 0 sc backup staging
dump=$(ls backups/*.dump)
[ -f "$dump" ] || fail "no dump after the interrupted ones"
# restore, interrupted while it copies rows: the database is as it was
# (each try sets it again: a restore that ended before the signal put the
# backup's contents back)
since_backup() {
	psql_q "$APP_DB" "SET client_min_messages = warning; CREATE TABLE IF NOT EXISTS after_backup (id int); TRUNCATE after_backup; INSERT INTO after_backup VALUES (1); DELETE FROM big WHERE id <= 10" >/dev/null
}
for sig in INT TERM; do
	# the signal must land while pg_restore copies rows; a restore that
	# finished first (exit 0, a slow machine) gets up to two more tries, so
	# one that ignores the signal still fails
	for try in 1 2 3; do
		since_backup
		bg_sc restore restore staging "$dump" --approve --yes --no-safety-backup
		# (or the restore ended before a poll saw it copy: try again)
		wait_until 120 eval 'pg_restore_running || ! kill -0 "$BG" 2>/dev/null'
		kill -$sig "$BG"
		wait_exit "$BG" 30
		[ "$RC" = 0 ] || break
	done
	[ "$RC" -ge 1 ] && [ "$RC" -lt 128 ] || fail "restore $sig: exit $RC (killed by the signal?)"
	assert_contains "$T/restore.err" "interrupted"
	wait_until 10 eval "! pg_restore_mine"
	assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM big")" 999990 "restore $sig: rows of big"
	assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM after_backup")" 1 "restore $sig: table made after the backup"
	assert_eq "$(psql_q "$APP_DB" "SELECT status FROM stagecoach.runs WHERE command = 'restore' ORDER BY started_at DESC LIMIT 1")" failed "restore $sig: run"
	expect_exit 0 sc status staging
	assert_not_contains "$T/out" "INTERRUPTED"
done
# a pg_dump stuck behind a lock, started by a wrapper that ignores SIGTERM
mkdir -p pgbin
cat >pgbin/pg_dump <<SH
#!/bin/sh
trap '' TERM INT
"$PG_BIN/pg_dump" "\$@"
SH
chmod +x pgbin/pg_dump
ln -s "$PG_BIN/pg_restore" pgbin/pg_restore
ln -s "$PG_BIN/psql" pgbin/psql
sed -i "s|dir = \"backups\"; }|dir = \"backups\"; pg_dump = \"$T/pgbin/pg_dump\"; }|" stagecoach.conf
grep -q pgbin stagecoach.conf || fail "config not rewritten"
psql "$APP_DB" -X -q -c "BEGIN" -c "LOCK TABLE big IN ACCESS EXCLUSIVE MODE" -c "SELECT pg_sleep(120)" >/dev/null 2>&1 &
LOCKER=$!
at_exit "kill $LOCKER 2>/dev/null"
wait_until 30 pg_active "$APP_DB" 'SELECT pg_sleep(120)'
for sig in TERM INT; do
	bg_sc stuck backup staging
	wait_until 60 sh -c "psql '$APP_DB' -XAtc \"SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'LOCK TABLE%'\" | grep -q 1"
	# the password is in no child's environment or arguments (a password
	# file in memory; was PGPASSWORD, and DATABASE_URL with it)
	n=0
	for p in $(pgrep -x pg_dump) $(pgrep -f "$T/pgbin/pg_dump"); do
		tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "PGPORT=$PGPORT" || continue
		n=$((n + 1))
		tr '\0' '\n' <"/proc/$p/environ" | grep -qF "$DB_PASS" && fail "the password is in the environment of pid $p"
		tr '\0' ' ' <"/proc/$p/cmdline" | grep -qF "$DB_PASS" && fail "the password is on the command line of pid $p"
	done
	[ "$n" -ge 2 ] || fail "stuck backup $sig: expected the wrapper and pg_dump, found $n process(es)"
	kill -$sig "$BG"
	wait_exit "$BG" 20
	[ "$RC" -ge 1 ] && [ "$RC" -lt 128 ] || fail "stuck backup $sig: exit $RC"
	# 200 ms to see the stop, 500 ms of grace before SIGKILL; slack for a loaded machine
	[ "$MS" -lt 3000 ] || fail "stuck backup $sig: ended ${MS} ms after the signal"
	assert_contains "$T/stuck.err" "interrupted"
	wait_until 5 eval "! pg_dump_running"
	pgrep -f "$T/pgbin/pg_dump" >/dev/null && fail "stuck backup $sig: the wrapper is still running"
	left=$(ls backups | grep -v '\.dump$' | tr '\n' ' ')
	[ -z "$left" ] || fail "stuck backup $sig: files left in backups/: $left"
	assert_eq "$(psql_q "$APP_DB" "SELECT status FROM stagecoach.runs ORDER BY started_at DESC LIMIT 1")" failed "stuck backup $sig: run"
done
kill $LOCKER 2>/dev/null
# (its server session sleeps on, holding the lock, unless ended)
psql_q "$APP_DB" "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(120)'" >/dev/null
# a restore whose pg_restore had committed when the signal came (here a
# wrapper deaf to SIGTERM that goes on after pg_restore ended): exit 0 and a
# warning that the database holds the backup, never "nothing was changed"
# (was: exit 1 "stopped, nothing was changed" over a restored database; seen
# when the signal of the loop above landed as pg_restore committed)
rm pgbin/pg_restore
cat >pgbin/pg_restore <<SH
#!/bin/sh
trap '' TERM INT
"$PG_BIN/pg_restore" "\$@"
rc=\$?
touch "$T/restored"
sleep 30
exit \$rc
SH
chmod +x pgbin/pg_restore
since_backup
bg_sc late restore staging "$dump" --approve --yes --no-safety-backup
wait_until 120 test -e "$T/restored"
kill -INT "$BG"
wait_exit "$BG" 30
assert_eq "$RC" 0 "restore signalled once it had committed: exit"
assert_contains "$T/late.err" "came after the restore of '$dump' had committed: the database holds the backup"
assert_not_contains "$T/late.err" "nothing was changed"
assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM big")" 1000000 "rows after the committed restore"
assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM pg_class WHERE relname = 'after_backup'")" 0 "the table made after the backup"
assert_eq "$(psql_q "$APP_DB" "SELECT status FROM stagecoach.runs WHERE command = 'restore' ORDER BY started_at DESC LIMIT 1")" succeeded "the committed restore's run"
pass
