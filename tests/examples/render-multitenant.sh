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
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/sshd.sh"
. "$(dirname "$0")/../lib/fake_api.sh"
. "$(dirname "$0")/lib/example.sh"
sc_setup
pg_start
sshd_start 2
api_start
ex_copy render-multitenant
P=($SSHD_PORTS)
ex_ports "${P[0]}" "${P[1]}"
export PRODUCTION_DATABASE_URL=$(pg_createdb production)
ex_seed "$PRODUCTION_DATABASE_URL" "$EX/fixtures/production-data.sql"
psql $PG_SUPER -d postgres -c 'CREATE DATABASE staging TEMPLATE production OWNER sc' >/dev/null || fail "clone production"
export STAGING_DATABASE_URL=${PRODUCTION_DATABASE_URL%/production}/staging
S=$STAGING_DATABASE_URL Pd=$PRODUCTION_DATABASE_URL
export STAGING_API_URL=$API_BASE PRODUCTION_API_URL=$API_BASE
export DEPLOY_USER=$SSH_USER DEPLOY_SSH_KEY=$SSH_KEY DEPLOY_KNOWN_HOSTS=$KNOWN_HOSTS
export STAGING_API_HOST=127.0.0.1 PRODUCTION_API_HOST=127.0.0.1
export STAGING_API_PATH="$RD/staging" PRODUCTION_API_PATH="$RD/production"
# the built API, its "prisma generate", and its restart as the server sees
# it (which port = which server); a build marked broken does not start
mkdir -p "$T/dist"
echo "api 1" >"$T/dist/version.txt"
export API_ARTIFACT="$T/dist" API_BUILD="echo generated > prisma-client.txt"
export API_RESTART="echo restarted \${SSH_CONNECTION##* } \$(cat version.txt) >> $RD/restarts; ! grep -q broken version.txt"
counts() { q "$1" "SELECT (SELECT count(*) FROM users) || '/' || (SELECT count(*) FROM restaurants) || '/' || (SELECT count(*) FROM customers) || '/' || (SELECT count(*) FROM reservations)"; }

expect_exit 0 sc -c "$CONF" validate
expect_exit 0 sc -c "$CONF" plan staging
assert_contains "$T/out" "20250526210930_migrate_customers_to_diners"
assert_contains "$T/out" "would ship folder"
[ ! -e "$RD/restarts" ] || fail "plan restarted the API"

before=$(counts "$S")
assert_eq "$before" "31/8/121/363" "fixture"
expect_exit 0 sc -c "$CONF" deploy staging
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

expect_exit 5 sc -c "$CONF" deploy production --approve
assert_eq "$(q "$Pd" "SELECT to_regclass('public.diners') IS NULL")" t "production untouched by the refused deploy"

ex_promote staging production
rc=$?
[ $rc = 0 ] || fail "promote exited $rc: $(tail -20 "$T/err")"
assert_eq "$(q "$PRODUCTION_DATABASE_URL" "SELECT promoted_from FROM stagecoach.runs WHERE env = 'production' AND status = 'succeeded'")" staging "recorded as promoted from staging"
assert_eq "$(q "$Pd" "SELECT count(*) FROM subscriptions")" 7 "production subscriptions"
assert_eq "$(q "$Pd" "SELECT count(*) FROM customers")" 121 "production customers kept"
assert_eq "$(q "$Pd" "SELECT status FROM stagecoach.runs WHERE env = 'production' ORDER BY started_at DESC LIMIT 1")" succeeded "production run"
assert_eq "$(readlink "$RD/production/current")" "releases/$rel1" "production API current: staging's release"
assert_eq "$(tail -n 1 "$RD/restarts")" "restarted ${P[1]} api 1" "the production API restarted"

# a second API build that does not start: the staging server goes back to
# the first build and the database to the backup of this run
echo "api 2 broken" >"$T/dist/version.txt"
expect_exit 1 sc -c "$CONF" deploy staging --release api-2
assert_contains "$T/err" "restart_command exited with status 1"
assert_eq "$(readlink "$RD/staging/current")" "releases/$rel1" "staging API back on the first build"
assert_eq "$(tail -n 2 "$RD/restarts" | tr '\n' ' ')" "restarted ${P[0]} api 2 broken restarted ${P[0]} api 1 " \
	"restarted on api 2, then back on api 1"
assert_eq "$(counts "$S")" "$before" "staging data after the rollback"
assert_eq "$(q "$S" "SELECT count(*) FROM diners")" "$(q "$S" "SELECT count(DISTINCT email) FROM customers")" "diners after the rollback"
assert_eq "$(q "$S" "SELECT status FROM stagecoach.runs WHERE env = 'staging' AND release = 'api-2'")" rolled_back "api-2 run"
assert_eq "$(readlink "$RD/production/current")" "releases/$rel1" "production untouched"
pass
