#!/bin/bash
# examples/shell-only runs against a local PostgreSQL and `status` shows the run.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
export LOCAL_DATABASE_URL=$(pg_createdb app)
cp -r "$TOP/examples/shell-only" "$T/ex"
expect_exit 0 sc -c "$T/ex/stagecoach.conf" validate
expect_exit 0 sc -c "$T/ex/stagecoach.conf" deploy local
assert_contains "$T/out" "deploy 'local' succeeded"
[ -s "$T/ex/out/release.txt" ] || fail "build step did not write its file"
expect_exit 0 sc -c "$T/ex/stagecoach.conf" status local
assert_contains "$T/out" "last run:"
assert_contains "$T/out" "succeeded"
n=$(psql_q "$LOCAL_DATABASE_URL" "SELECT count(*) FROM stagecoach.run_steps WHERE status = 'succeeded'")
assert_eq "$n" 3 "succeeded step rows"
pass
