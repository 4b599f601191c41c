#!/bin/bash
# Two deploys at once: the second exits 4 at once, naming the holder's run
# id, actor and start time, and changes nothing.  A killed run's lock goes
# with its connection; its 'running' row is shown as interrupted and blocks
# the next deploy (exit 2) until it is dealt with.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
export APP_DB=$(pg_createdb app)
cat >stagecoach.conf <<'CONF'
version = 1;
project = "locks";
environments = { staging = { database = "${APP_DB}"; }; other = { database = "${APP_DB}"; }; };
steps = (
  { name = "slow"; kind = "shell"; command = "echo start >> log-${env}; touch started-${env}; sleep ${SLEEP:-0}; echo end >> log-${env}"; }
);
CONF
STAGECOACH_ACTOR=alice SLEEP=4 "$SC" deploy staging >first.out 2>first.err &
first=$!
for i in $(seq 50); do [ -f started-staging ] && break; sleep 0.1; done
[ -f started-staging ] || fail "first deploy did not start"
t0=$(date +%s%N)
STAGECOACH_ACTOR=bob expect_exit 4 sc deploy staging
t1=$(date +%s%N)
[ $(( (t1 - t0) / 1000000 )) -lt 3000 ] || fail "the second deploy did not exit at once"
holder=$(psql_q "$APP_DB" "SELECT id FROM stagecoach.runs WHERE status = 'running'")
[ -n "$holder" ] || fail "no running row"
assert_contains err "locked by deploy run '$holder' by alice"
assert_contains err "started $(date -u +%Y-%m-%d)"
assert_contains err "nothing was changed"
n=$(psql_q "$APP_DB" "SELECT count(*) FROM stagecoach.runs")
assert_eq "$n" 1 "the refused run left no row"
# another environment of the same database is not blocked
expect_exit 0 sc deploy other
# status names the holder too
expect_exit 0 sc status staging
assert_contains out "$holder"
wait $first || fail "first deploy failed: $(cat first.err)"
assert_eq "$(grep -c start log-staging)" 1 "only one deploy ran"

# kill -9 in the middle of a step
rm -f started-staging
SLEEP=30 "$SC" deploy staging >k.out 2>k.err &
victim=$!
for i in $(seq 50); do [ -f started-staging ] && break; sleep 0.1; done
kill -9 $victim; wait $victim 2>/dev/null
pkill -f "sleep 30" || true
sleep 0.5
expect_exit 0 sc status staging
assert_contains out "INTERRUPTED"
assert_contains out "stopped at step 'slow'"
assert_contains out "lock:            free"
expect_exit 2 sc deploy staging
assert_contains err "was interrupted at step 'slow'"
assert_contains err "stagecoach rollback staging"
pass
