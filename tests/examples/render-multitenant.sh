#!/bin/bash
# examples/render-multitenant end to end: production holds the restaurant
# data; staging is cloned from it (the runbook's testing strategy); each
# environment's API server is a "host" on a real sshd.  Deploy staging: the
# platform schema and the four data scripts, verified; the API shipped with
# a `release` step (Prisma client generated there, current switched,
# restarted) and its health checked.  Production refuses a direct deploy,
# then gets the release by promotion with its data preserved.  A second API
# build whose restart fails on staging puts the server back on the first
# build (restarted) and the database back as it was (the backup restored).
# The commands are the README's, run as written against the sandbox they
# start.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/fake_api.sh"
. "$(dirname "$0")/../lib/readme.sh"
. "$(dirname "$0")/lib/example.sh"
sc_setup
# the README's commands, as written, against the sandbox they start
ex_tree render-multitenant
readme_upto ". ./.sandbox/env"
P=("$SANDBOX_SSH_PORT1" "$SANDBOX_SSH_PORT2")
RD=$SANDBOX_HOSTS_DIR
S=$STAGING_DATABASE_URL Pd=$PRODUCTION_DATABASE_URL
readme_upto "export API_RESTART"
ex_sandbox_api staging
counts() { q "$1" "SELECT (SELECT count(*) FROM users) || '/' || (SELECT count(*) FROM restaurants) || '/' || (SELECT count(*) FROM customers) || '/' || (SELECT count(*) FROM reservations)"; }

readme_next "validate"
readme_next "plan staging"
assert_contains "$T/out" "20250526210930_migrate_customers_to_diners"
assert_contains "$T/out" "would ship folder"
[ ! -e "$RD/restarts" ] || fail "plan restarted the API"

before=$(counts "$S")
assert_eq "$before" "31/8/121/363" "fixture"
readme_next "deploy staging"
assert_eq "$(counts "$S")" "$before" "existing data preserved"
assert_eq "$(q "$S" "SELECT email || ' ' || role FROM platform_admins")" "george@seabreeze.farm SUPER_ADMIN" "platform admin"
assert_eq "$(q "$S" "SELECT owner_email FROM restaurants WHERE id = 1")" "staff1@example.com" "owner = earliest admin"
assert_eq "$(q "$S" "SELECT business_address FROM restaurants WHERE id = 3")" "Seabreeze, CA 90003" "address without empty parts"
assert_eq "$(q "$S" "SELECT count(*) || ' ' || min(plan::text) || ' ' || min(seats) FROM subscriptions")" "7 PROFESSIONAL 20" "subscriptions of active restaurants"
assert_eq "$(q "$S" "SELECT count(*) FROM diners")" "$(q "$S" "SELECT count(DISTINCT email) FROM customers")" "one diner per email"
assert_eq "$(q "$S" "SELECT visit_count || ' ' || total_spent FROM diner_restaurant_profiles p JOIN diners d ON d.id = p.diner_id WHERE d.email = 'diner5@example.com' AND p.restaurant_id = 6")" \
	"3 66.00" "visit statistics"
assert_eq "$(q "$S" "SELECT count(*) FROM stagecoach.schema_migrations")" 5 "history rows"
rel1=$(q "$S" "SELECT release FROM stagecoach.runs WHERE env = 'staging' AND status = 'succeeded'")
assert_eq "$(readlink "$RD/staging/current")" "releases/$rel1" "staging API current"
assert_eq "$(cat "$RD/staging/current/prisma-client.txt")" "generated" "Prisma client generated in the release"
assert_eq "$(cat "$RD/restarts")" "restarted ${P[0]} api 1" "the staging API restarted once"
[ "$(api_log_count GET '^/health$')" -ge 1 ] || fail "no health check"

readme_next "deploy production --approve"
assert_eq "$(q "$Pd" "SELECT to_regclass('public.diners') IS NULL")" t "production untouched by the refused deploy"

readme_next "promote staging production --approve"
assert_eq "$(q "$PRODUCTION_DATABASE_URL" "SELECT promoted_from FROM stagecoach.runs WHERE env = 'production' AND status = 'succeeded'")" staging "recorded as promoted from staging"
assert_eq "$(q "$Pd" "SELECT count(*) FROM subscriptions")" 7 "production subscriptions"
assert_eq "$(q "$Pd" "SELECT count(*) FROM customers")" 121 "production customers kept"
assert_eq "$(q "$Pd" "SELECT status FROM stagecoach.runs WHERE env = 'production' ORDER BY started_at DESC LIMIT 1")" succeeded "production run"
assert_eq "$(readlink "$RD/production/current")" "releases/$rel1" "production API current: staging's release"
assert_eq "$(tail -n 1 "$RD/restarts")" "restarted ${P[1]} api 1" "the production API restarted"

# a second API build that does not start: the staging server goes back to
# the first build and the database to the backup of this run
echo "api 2 broken" >"$SANDBOX_DIR/dist/version.txt"
expect_exit 1 sc -c "$CONF" deploy staging --release api-2
assert_contains "$T/err" "restart_command exited with status 1"
assert_eq "$(readlink "$RD/staging/current")" "releases/$rel1" "staging API back on the first build"
assert_eq "$(tail -n 2 "$RD/restarts" | tr '\n' ' ')" "restarted ${P[0]} api 2 broken restarted ${P[0]} api 1 " \
	"restarted on api 2, then back on api 1"
assert_eq "$(counts "$S")" "$before" "staging data after the rollback"
assert_eq "$(q "$S" "SELECT count(*) FROM diners")" "$(q "$S" "SELECT count(DISTINCT email) FROM customers")" "diners after the rollback"
assert_eq "$(q "$S" "SELECT status FROM stagecoach.runs WHERE env = 'staging' AND release = 'api-2'")" rolled_back "api-2 run"
assert_eq "$(readlink "$RD/production/current")" "releases/$rel1" "production untouched"
readme_next "make sandbox-stop"
readme_done
pass
