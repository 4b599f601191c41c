#!/bin/bash
# What a backup killed with -9 leaves (ENV-RUNID.dump.tmp, pg_dump -Fd's
# ENV-RUNID.dumpdir.tmp, a safety backup's .pre-restore.dump.tmp) is removed
# by the next backup of that environment, and said; a .tmp that a live
# process holds (flock, as a backup writing it does) is left alone, and so
# are another environment's, files that only look alike, and the dumps.
# Then a real one: kill -9 during a backup, `rollback --last` (a new run id,
# so no resume reuses the name), and the next backup removes it.
TD=$(cd "$(dirname "$0")" && pwd); until [ -f "$TD/lib/common.sh" ]; do TD=$(dirname "$TD"); done
. "$TD/lib/common.sh"
. "$TD/faults/lib/faults.sh"
command -v flock >/dev/null || fail "flock (util-linux) is missing"
sc_setup
pg_start
export APP_DB=$(pg_createdb app)
export EU_DB=$(pg_createdb eu)
cat >stagecoach.conf <<'CONF'
version = 1;
project = "staletmp";
environments = {
  staging = { database = "${APP_DB}"; };
  staging-eu = { database = "${EU_DB}"; };
};
steps = ( { name = "backup"; kind = "pg_backup"; dir = "backups"; } );
CONF
psql_q "$APP_DB" "CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 1000) g" >/dev/null
mkdir -p backups
old=20261201T000000Z-aaaaaa
echo partial >"backups/staging-$old.dump.tmp"
mkdir "backups/staging-20261201T000001Z-bbbbbb.dumpdir.tmp"
echo partial >"backups/staging-20261201T000001Z-bbbbbb.dumpdir.tmp/toc.dat"
echo partial >"backups/staging-20261201T000002Z-cccccc.pre-restore.dump.tmp"
echo partial >"backups/staging-eu-20261201T000003Z-dddddd.dump.tmp"
echo partial >"backups/staging-notes.tmp"
echo whole >"backups/staging-20261201T000004Z-eeeeee.dump"
echo held >"backups/staging-20261201T000005Z-ffffff.dump.tmp"
# -o: the lock is flock's own, not its child's, so it ends with flock
flock -o -x "backups/staging-20261201T000005Z-ffffff.dump.tmp" sleep 600 &
holder=$!
at_exit "pkill -P $holder 2>/dev/null; kill $holder 2>/dev/null"
wait_until 30 sh -c '! flock -n -x backups/staging-20261201T000005Z-ffffff.dump.tmp true'

expect_exit 0 sc backup staging
assert_contains "$T/err" "removed '$PWD/backups/staging-$old.dump.tmp', left by a backup that was stopped"
assert_contains "$T/err" "removed '$PWD/backups/staging-20261201T000001Z-bbbbbb.dumpdir.tmp'"
assert_contains "$T/err" "removed '$PWD/backups/staging-20261201T000002Z-cccccc.pre-restore.dump.tmp'"
for gone in "staging-$old.dump.tmp" staging-20261201T000001Z-bbbbbb.dumpdir.tmp \
	staging-20261201T000002Z-cccccc.pre-restore.dump.tmp; do
	[ ! -e "backups/$gone" ] || fail "backups/$gone was not removed"
done
for kept in staging-eu-20261201T000003Z-dddddd.dump.tmp staging-notes.tmp \
	staging-20261201T000004Z-eeeeee.dump staging-20261201T000005Z-ffffff.dump.tmp; do
	[ -e "backups/$kept" ] || fail "backups/$kept was removed: $(ls backups)"
done
assert_not_contains "$T/err" "staging-20261201T000005Z-ffffff"
wait_until 30 pkill -P "$holder" sleep
wait "$holder" 2>/dev/null
flock -n -x backups/staging-20261201T000005Z-ffffff.dump.tmp true || fail "the .tmp is still held"
# once its holder is gone, it is stale too
expect_exit 0 sc backup staging
assert_contains "$T/err" "removed '$PWD/backups/staging-20261201T000005Z-ffffff.dump.tmp'"
[ -z "$(ls backups | grep '^staging-2.*\.tmp$')" ] || fail "staging's .tmp files left: $(ls backups)"
# the other environment's is its own next backup's to remove
expect_exit 0 sc backup staging-eu
assert_contains "$T/err" "removed '$PWD/backups/staging-eu-20261201T000003Z-dddddd.dump.tmp'"

# a real one: kill -9 while pg_dump writes, then roll back (a new run)
psql_q "$APP_DB" "CREATE TABLE big AS SELECT g AS id, md5(g::text) AS h FROM generate_series(1, 2000000) g" >/dev/null
bg_sc run deploy staging
wait_until 120 sh -c 'ls backups/staging-2*.dump.tmp >/dev/null 2>&1 && [ "$(stat -c %s backups/staging-2*.dump.tmp | head -1)" -gt 100000 ]'
kill9 "$BG"
left=$(cd backups && ls staging-2*.dump.tmp)
wait_until 180 eval '! pg_dump_running'
expect_exit 0 sc rollback staging --last
[ -e "backups/$left" ] || fail "the killed run's $left is not there to sweep: $(ls backups)"
expect_exit 0 sc backup staging
assert_contains "$T/err" "removed '$PWD/backups/$left', left by a backup that was stopped"
[ -z "$(ls backups | grep '\.tmp$' | grep -v notes)" ] || fail ".tmp files left: $(ls backups)"
pass
