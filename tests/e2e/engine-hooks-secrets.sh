#!/bin/bash
# A failing before hook stops the run before anything changes (exit 5,
# on_failure runs); after and on_failure hooks run with the step
# variables; secrets (by name, listed in
# `secrets`, database passwords) never reach output, --json, or the records.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
export APP_DB=$(pg_createdb app)
export DEPLOY_TOKEN="tok-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export STRIPE_FILE="stripe-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
cat >stagecoach.conf <<'CONF'
version = 1;
project = "hooks";
secrets = [ "STRIPE_FILE" ];
environments = { staging = { database = "${APP_DB}"; vars = { auth = "Bearer ${DEPLOY_TOKEN}"; }; }; };
steps = (
  { name = "leak"; kind = "shell";
    command = "echo 'token ${vars.auth}' ; echo stripe $STRIPE_FILE; echo db $DATABASE_URL; echo raw $DEPLOY_TOKEN; exit ${FAIL:-0}"; }
);
hooks = {
  before = [ "echo before $STAGECOACH_ENV $STAGECOACH_RELEASE >> hooks.log; exit ${BEFORE_FAIL:-0}" ];
  after = [ "echo after $STAGECOACH_RUN_ID >> hooks.log" ];
  on_failure = [ "echo on_failure >> hooks.log" ];
};
CONF
BEFORE_FAIL=1 expect_exit 5 sc deploy staging
assert_contains err "before hook"
assert_contains err "nothing was changed"
assert_contains hooks.log "on_failure"
rm hooks.log
n=$(psql_q "$APP_DB" "SELECT count(*) FROM stagecoach.run_steps")
assert_eq "$n" 0 "no step ran"
expect_exit 0 sc -v deploy staging
assert_contains hooks.log "before staging"
assert_contains hooks.log "after 2"
cp out ok.out; cp err ok.err
FAIL=4 expect_exit 1 sc -v deploy staging
assert_contains hooks.log "on_failure"
cp out fail.out; cp err fail.err
FAIL=4 expect_exit 1 sc --json -v deploy staging
cp out json.out; cp err json.err
assert_contains fail.err "token Bearer ***"
psql $PG_SUPER -d app -A -t -c "SELECT * FROM stagecoach.runs; SELECT * FROM stagecoach.run_steps; SELECT * FROM stagecoach.artifacts" > state.txt
for f in ok.out ok.err fail.out fail.err json.out json.err state.txt hooks.log; do
	for secret in "$DEPLOY_TOKEN" "$STRIPE_FILE" "$DB_PASS"; do
		! grep -qF -- "$secret" "$f" || fail "a secret reached $f"
	done
done
grep -q '\*\*\*' fail.err || fail "nothing was redacted: the test would pass vacuously"
grep -q 'stripe \*\*\*' fail.out json.out fail.err || fail "listed secret not shown as ***"
pass
