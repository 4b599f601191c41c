#!/bin/bash
# PostgreSQL restarts (pg_ctl restart -m fast) while a shell step sleeps: the
# state connection breaks under the run.  stagecoach must not crash, must
# not leave its run 'running' while it is alive, and must end honestly: it
# reconnects and records the run succeeded (exit 0), or fails and says so;
# status afterwards tells the same as the exit code.  Twice: with a step
# after the sleeping one (its row must be written on a new connection), and
# with a migration after it (the steps' connection broke too).
TD=$(cd "$(dirname "$0")" && pwd); until [ -f "$TD/lib/common.sh" ]; do TD=$(dirname "$TD"); done
. "$TD/lib/common.sh"
. "$TD/faults/lib/faults.sh"
sc_setup
pg_start
export APP_DB=$(pg_createdb app)
mkdir -p migrations
cat >stagecoach.conf <<'CONF'
version = 1;
project = "pgrestart";
migrations = "migrations";
environments = { staging = { database = "${APP_DB}"; }; };
steps = (
  { name = "migrate0"; kind = "migrate"; },
  { name = "slow"; kind = "shell"; command = "touch started; sleep 3; echo slept >> marks";
    rollback_command = "echo undo-slow >> marks"; },
  { name = "after"; kind = "shell"; command = "echo after >> marks"; }
);
CONF
echo "CREATE TABLE a (id int);" >migrations/001_a.up.sql
echo "DROP TABLE a;" >migrations/001_a.down.sql
for round in 1 2; do
	rm -f started marks
	if [ $round = 2 ]; then
		echo "CREATE TABLE b (id int);" >migrations/002_b.up.sql
		echo "DROP TABLE b;" >migrations/002_b.down.sql
		# the migration after the restart: the steps' connection broke too
		sed -i 's/{ name = "after"; kind = "shell"; command = "echo after >> marks"; }/{ name = "after"; kind = "shell"; command = "echo after >> marks"; },\n  { name = "migrate1"; kind = "migrate"; }/' stagecoach.conf
		sed -i 's/{ name = "migrate0"; kind = "migrate"; },//' stagecoach.conf
	fi
	bg_sc run deploy staging
	wait_until 15 test -f started
	_as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -m fast -w -t 30 restart -l "$PGSOCK/pg.log" >/dev/null ||
		fail "pg_ctl restart"
	wait_exit "$BG" 30
	[ "$RC" -lt 128 ] || fail "round $round: stagecoach crashed (exit $RC): $(tail -5 "$T/run.err")"
	grep -qi 'sanitizer\|segmentation\|core dumped\|BUG' "$T/run.err" && fail "round $round: crash: $(cat "$T/run.err")"
	status=$(psql_q "$APP_DB" "SELECT status FROM stagecoach.runs ORDER BY started_at DESC LIMIT 1")
	echo "round $round: exit $RC, run recorded '$status', marks: $(tr '\n' ' ' <marks)"
	[ "$status" != running ] || fail "round $round: stagecoach ended (exit $RC) and left its run 'running': $(tail -3 "$T/run.err")"
	case "$RC" in
	0)
		assert_eq "$status" succeeded "round $round: exit 0 but"
		assert_contains marks after
		;;
	1)
		assert_eq "$status" rolled_back "round $round: exit 1 but"
		assert_contains marks undo-slow
		;;
	*) fail "round $round: exit $RC: $(tail -3 "$T/run.err")" ;;
	esac
	expect_exit 0 sc status staging
	assert_not_contains "$T/out" "INTERRUPTED"
done
# round 2 ran migrate1: applied exactly when the run says it succeeded
if [ "$RC" = 0 ]; then
	assert_eq "$(psql_q "$APP_DB" "SELECT string_agg(version, ',' ORDER BY version) FROM stagecoach.schema_migrations")" "001,002" "history"
fi
pass
