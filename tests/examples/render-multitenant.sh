#!/bin/bash
# examples/render-multitenant end to end: production holds the restaurant
# data; staging is cloned from it (the runbook's testing strategy).  Deploy
# staging: the platform schema and the four data scripts, verified; the
# Render deploy hook called (its key never shown or stored) and the API
# health checked.  Production refuses a direct deploy, then gets the release
# by promotion with its data preserved.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/fake_api.sh"
. "$(dirname "$0")/lib/example.sh"
sc_setup
pg_start
api_start
ex_copy render-multitenant
export PRODUCTION_DATABASE_URL=$(pg_createdb production)
ex_seed "$PRODUCTION_DATABASE_URL" "$EX/fixtures/production-data.sql"
psql $PG_SUPER -d postgres -c 'CREATE DATABASE staging TEMPLATE production OWNER sc' >/dev/null || fail "clone production"
export STAGING_DATABASE_URL=${PRODUCTION_DATABASE_URL%/production}/staging
S=$STAGING_DATABASE_URL Pd=$PRODUCTION_DATABASE_URL
HOOK_KEY=rnd-hook-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
export RENDER_DEPLOY_HOOK_STAGING="$API_BASE/deploy/srv-staging?key=$HOOK_KEY"
export RENDER_DEPLOY_HOOK_PRODUCTION="$API_BASE/deploy/srv-production?key=$HOOK_KEY"
export STAGING_API_URL=$API_BASE PRODUCTION_API_URL=$API_BASE

expect_exit 0 sc -c "$CONF" validate
expect_exit 0 sc -c "$CONF" plan staging
assert_contains "$T/out" "20250526210930_migrate_customers_to_diners"
assert_not_contains "$T/out" "$HOOK_KEY"

before=$(q "$S" "SELECT (SELECT count(*) FROM users) || '/' || (SELECT count(*) FROM restaurants) || '/' || (SELECT count(*) FROM customers) || '/' || (SELECT count(*) FROM reservations)")
assert_eq "$before" "31/8/121/363" "fixture"
expect_exit 0 sc -c "$CONF" deploy staging
assert_not_contains "$T/out" "$HOOK_KEY"
assert_not_contains "$T/err" "$HOOK_KEY"
assert_eq "$(q "$S" "SELECT (SELECT count(*) FROM users) || '/' || (SELECT count(*) FROM restaurants) || '/' || (SELECT count(*) FROM customers) || '/' || (SELECT count(*) FROM reservations)")" \
	"$before" "existing data preserved"
assert_eq "$(q "$S" "SELECT email || ' ' || role FROM platform_admins")" "george@seabreeze.farm SUPER_ADMIN" "platform admin"
assert_eq "$(q "$S" "SELECT owner_email FROM restaurants WHERE id = 1")" "staff1@example.com" "owner = earliest admin"
assert_eq "$(q "$S" "SELECT business_address FROM restaurants WHERE id = 3")" "Seabreeze, CA 90003" "address without empty parts"
assert_eq "$(q "$S" "SELECT count(*) || ' ' || min(plan::text) || ' ' || min(seats) FROM subscriptions")" "7 PROFESSIONAL 20" "subscriptions of active restaurants"
assert_eq "$(q "$S" "SELECT count(*) FROM diners")" "$(q "$S" "SELECT count(DISTINCT email) FROM customers")" "one diner per email"
assert_eq "$(q "$S" "SELECT visit_count || ' ' || total_spent FROM diner_restaurant_profiles p JOIN diners d ON d.id = p.diner_id WHERE d.email = 'diner5@example.com' AND p.restaurant_id = 6")" \
	"3 66.00" "visit statistics"
assert_eq "$(q "$S" "SELECT count(*) FROM stagecoach.schema_migrations")" 5 "history rows"
[ "$(api_log_count POST '^/deploy/srv-staging$')" = 1 ] || fail "the deploy hook was not called once"
# the hook's key is in no record either
"$PG_BIN/pg_dump" -n stagecoach "$S" | grep -qF "$HOOK_KEY" && fail "the deploy hook key is in the records"

expect_exit 5 sc -c "$CONF" deploy production --approve
assert_eq "$(q "$Pd" "SELECT to_regclass('public.diners') IS NULL")" t "production untouched by the refused deploy"

ex_promote staging production
rc=$?
[ $rc = 0 ] || fail "promote exited $rc: $(tail -20 "$T/err")"
assert_eq "$(q "$PRODUCTION_DATABASE_URL" "SELECT promoted_from FROM stagecoach.runs WHERE env = 'production' AND status = 'succeeded'")" staging "recorded as promoted from staging"
assert_eq "$(q "$Pd" "SELECT count(*) FROM subscriptions")" 7 "production subscriptions"
assert_eq "$(q "$Pd" "SELECT count(*) FROM customers")" 121 "production customers kept"
assert_eq "$(q "$Pd" "SELECT status FROM stagecoach.runs WHERE env = 'production' ORDER BY started_at DESC LIMIT 1")" succeeded "production run"
[ "$(api_log_count POST '^/deploy/srv-production$')" = 1 ] || fail "the production deploy hook was not called once"
pass
