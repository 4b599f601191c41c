#!/bin/bash
# examples/alembic-billing end to end.  The runbook's original SQL fails the
# lint; the fixed migrations pass.  A first deploy of staging whose API health
# check fails is rolled back by restoring the run's backup (the schema is
# exactly as before); the second succeeds; production, which already holds
# the superseded 0004's billing table with rows, refuses a direct deploy and
# gets the release by promotion, its rows kept.  The commands are the
# README's, run as written against the sandbox they start.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/fake_api.sh"
. "$(dirname "$0")/../lib/readme.sh"
. "$(dirname "$0")/lib/example.sh"
sc_setup
# the README's commands, as written, against the sandbox they start
ex_tree alembic-billing
readme_upto ". ./.sandbox/env"
S=$STAGING_DATABASE_URL Pd=$PRODUCTION_DATABASE_URL
readme_upto "superseded-0004.sql"
readme_next "export STAGING_API_URL"
ex_sandbox_api staging

# the runbook's SQL as written does not parse; the lint says where and why
readme_next "lint examples/alembic-billing/runbook-original"
assert_contains "$T/out" "0011_safe_billing_models.up.sql:3: syntax"
assert_contains "$T/out" "PostgreSQL has no CREATE TYPE IF NOT EXISTS"
assert_contains "$T/out" "0013_safe_ai_budget.up.sql:7: syntax"
readme_next "validate"
expect_exit 0 sc -c "$CONF" lint
readme_next "plan staging"
assert_contains "$T/out" "0013_safe_ai_budget"

schema() { "$PG_BIN/pg_dump" --schema-only -N stagecoach "$1" | grep -v '^\\\(un\)\?restrict'; }
schema "$S" >"$T/staging.before"

# the API answers 503: the release is rolled back by itself
api_ctl POST config '{"health_status": 503}' >/dev/null
expect_exit 1 sc -c "$CONF" deploy staging
assert_contains "$T/err" "api-health"
schema "$S" >"$T/staging.after"
diff -u "$T/staging.before" "$T/staging.after" >&2 || fail "staging schema differs after the automatic rollback"
assert_eq "$(q "$S" "SELECT status FROM stagecoach.runs WHERE env = 'staging'")" rolled_back "first run recorded as rolled back"
assert_eq "$(q "$S" "SELECT count(*) FROM stagecoach.schema_migrations")" 0 "no history rows after the restore"

api_ctl POST config '{"health_status": 200}' >/dev/null
readme_next "deploy staging"
assert_eq "$(q "$S" "SELECT count(*) FROM stagecoach.schema_migrations")" 3 "staging history rows"
assert_eq "$(q "$S" "SELECT string_agg(version::text, ',' ORDER BY version) FROM stagecoach.schema_migrations")" "0011,0012,0013" "versions"
assert_eq "$(q "$S" "SELECT count(*) FROM information_schema.columns WHERE table_name = 'ai_budgets' AND column_name = 'current_date'")" 1 \
	"ai_budgets.current_date"
q "$S" "INSERT INTO ai_budgets (id, org_id) VALUES ('b1', 'org-1')" >/dev/null || fail "ai_budgets does not take a row"
assert_eq "$(q "$S" "SELECT \"current_date\" = CURRENT_DATE FROM ai_budgets")" t "current_date default"

# production: by promotion only
readme_next "deploy production --approve"
assert_eq "$(q "$Pd" "SELECT to_regclass('public.coupons') IS NULL")" t "production untouched by the refused deploy"

readme_next "promote staging production --approve"
assert_eq "$(q "$PRODUCTION_DATABASE_URL" "SELECT promoted_from FROM stagecoach.runs WHERE env = 'production' AND status = 'succeeded'")" staging "recorded as promoted from staging"
assert_eq "$(q "$Pd" "SELECT count(*), count(*) FILTER (WHERE plan = 'pro') FROM organization_billing")" "25|8" "0004's billing rows kept"
assert_eq "$(q "$Pd" "SELECT count(*) FROM information_schema.columns WHERE table_name = 'organization_billing'")" 22 \
	"0010's columns added to 0004's table"
assert_eq "$(q "$Pd" "SELECT count(*) FROM stagecoach.schema_migrations")" 3 "production history rows"
assert_eq "$(q "$Pd" "SELECT status FROM stagecoach.runs WHERE env = 'production' ORDER BY started_at DESC LIMIT 1")" succeeded "production run"
readme_next "history production"
assert_contains "$T/out" "succeeded"
readme_next "make sandbox-stop"
readme_done
pass
