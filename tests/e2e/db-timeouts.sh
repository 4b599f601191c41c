#!/bin/bash
# lock_timeout_ms and statement_timeout_ms hold for each migration: a
# migration waiting on a lock another session holds fails after the lock
# timeout (not after that session lets go), one running too long after the
# statement timeout; both roll back (exit 1) and leave no history row.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
URL=$(pg_createdb app)
psql_q "$URL" "CREATE TABLE t (id int)" >/dev/null
mkdir migrations
echo 'ALTER TABLE t ADD COLUMN x int;' > migrations/0001_x.up.sql
cat > stagecoach.conf <<CONF
version = 1;
project = "timeouts";
migrations = "migrations";
environments = { staging = { database = "$URL"; }; };
steps = ( { name = "migrate"; kind = "migrate"; lock_timeout_ms = 300; statement_timeout_ms = 1500; } );
CONF
psql "$URL" -X -q -c "BEGIN; LOCK TABLE t; SELECT pg_sleep(8); COMMIT;" >/dev/null 2>&1 &
holder=$!
at_exit "kill $holder"
for i in $(seq 1 50); do
	[ "$(psql_q "$URL" "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 't' AND l.mode = 'AccessExclusiveLock' AND l.granted")" = 1 ] && break
	sleep 0.1
done
t0=$(date +%s)
expect_exit 1 sc deploy staging
[ $(( $(date +%s) - t0 )) -lt 5 ] || fail "the lock timeout did not hold"
assert_contains "$T/err" "canceling statement due to lock timeout"
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM stagecoach.schema_migrations")" 0 "history row"
kill $holder 2>/dev/null; wait $holder 2>/dev/null

echo 'SELECT pg_sleep(5);' > migrations/0001_x.up.sql
t0=$(date +%s)
expect_exit 1 sc deploy staging
[ $(( $(date +%s) - t0 )) -lt 4 ] || fail "the statement timeout did not hold"
assert_contains "$T/err" "0001_x.up.sql: canceling statement due to statement timeout"
pass
