#!/bin/bash
# A protected environment needs approval before its first step (exit 5
# without --approve when there is no terminal, nothing changed); so does an
# approval step, checked before anything changes.  promote_from refuses deploy.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
export APP_DB=$(pg_createdb app)
cat >stagecoach.conf <<'CONF'
version = 1;
project = "approvals";
environments = {
  staging = { database = "${APP_DB}"; };
  production = { database = "${APP_DB}"; protected = true; };
  gated = { database = "${APP_DB}"; promote_from = "staging"; };
};
steps = (
  { name = "change"; kind = "shell"; command = "echo ${env} >> log"; },
  { name = "ask"; kind = "approval"; only = [ "staging" ]; message = "Restart the ${env} backend?"; },
  { name = "after"; kind = "shell"; command = "echo after-${env} >> log"; }
);
CONF
expect_exit 5 sc deploy production </dev/null
assert_contains err "protected environment 'production'"
assert_contains err "--approve"
[ ! -f log ] || fail "a step ran without approval"
n=$(psql_q "$APP_DB" "SELECT count(*) FROM stagecoach.runs")
assert_eq "$n" 0 "no run recorded"
expect_exit 0 sc deploy production --approve </dev/null
assert_eq "$(cat log | tr "\n" " ")" "production after-production " "production ran"
# --yes is not approval
rm -f log
expect_exit 5 sc deploy production --yes </dev/null
[ ! -f log ] || fail "--yes approved"

# the approval step: refused before the first step changes anything
expect_exit 5 sc deploy staging </dev/null
assert_contains err "Restart the staging backend?"
[ ! -f log ] || fail "a step ran before the approval was checked"
expect_exit 0 sc deploy staging --approve </dev/null
assert_eq "$(cat log | tr '\n' ' ')" "staging after-staging " "approved staging run"

# an environment fed only by promotion
expect_exit 5 sc deploy gated --approve
assert_contains err "only by promotion from 'staging'"
assert_contains err "stagecoach promote staging gated"
pass
