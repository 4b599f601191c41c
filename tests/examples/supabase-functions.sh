#!/bin/bash
# examples/supabase-functions end to end: two Supabase-like projects (a fake
# Management API each, with the functions' URLs served too), staging and
# production databases holding the legacy schema and users.  Deploy staging:
# 6 migrations, 450 NPAs, 11 functions; a second release whose latency gate
# fails redeploys the previous function bundle by itself; production refuses
# a direct deploy and gets the first release by promotion, its users kept.
# The commands are the README's, run as written against the sandbox they
# start.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/fake_api.sh"
. "$(dirname "$0")/../lib/readme.sh"
. "$(dirname "$0")/lib/example.sh"
sc_setup
# the README's commands, as written, against the sandbox they start: its two
# HTTP stand-ins are the two projects
ex_tree supabase-functions
readme_upto ". ./.sandbox/env"
S=$STAGING_DATABASE_URL Pd=$PRODUCTION_DATABASE_URL
ST_CTL=$SANDBOX_STAGING_API/_control PR_CTL=$SANDBOX_PRODUCTION_API/_control
ex_sandbox_api staging
readme_upto "export STAGING_FUNCTIONS_URL"
fns() { API_CONTROL=$1 api_py "$2"; }

readme_next "validate"
readme_next "plan staging"
assert_contains "$T/out" "stripe-webhook"
assert_eq "$(fns "$ST_CTL" "len(F)")" 0 "plan deployed nothing"

readme_next "deploy staging"
assert_eq "$(q "$S" "SELECT count(*) FROM enhanced_lerg")" 450 "450 NPAs"
assert_eq "$(q "$S" "SELECT category FROM enhanced_lerg WHERE npa = '671'")" pacific "Guam is pacific"
assert_eq "$(q "$S" "SELECT count(*) FROM profiles WHERE email LIKE 'user%@example.com' AND trial_expires_at IS NOT NULL")" 3 "staging users kept and migrated"
assert_eq "$(q "$S" "SELECT count(*) FROM stagecoach.schema_migrations")" 6 "history rows"
assert_eq "$(q "$S" "SELECT string_agg(version || ':' || name || ':' || array_length(statements, 1), ',' ORDER BY version) FROM supabase_migrations.schema_migrations")" \
	"20250628161522:create_enhanced_lerg_table:3,20250628161523:seed_enhanced_lerg_data:1,20250629000000:consolidate_and_cleanup_lerg:2,20250712000000:billing_system:5,20250717000000:update_trial_period_to_fixed_date:2,20250717000100:fix_pacific_npas:1" "supabase CLI history"
assert_eq "$(fns "$ST_CTL" "len(F)")" 11 "11 functions on staging"
assert_eq "$(fns "$ST_CTL" "F['stripe-webhook']['metadata']['verify_jwt']")" false "stripe-webhook without JWT check"
assert_eq "$(fns "$ST_CTL" "sorted(F['create-checkout-session']['files'])")" \
	'["../_shared/cors.ts", "../_shared/stripe.ts", "../_shared/supabase.ts", "index.ts"]' "shared code sent with its importers"
assert_eq "$(fns "$PR_CTL" "len(F)")" 0 "nothing on production yet"
[ "$(API_CONTROL=$ST_CTL api_log_count GET '^/functions/v1/get-npa-location$')" -ge 21 ] || fail "latency samples not taken"

# a second release changes one function; its latency gate fails (HTTP 500
# three times): the previous bundle is redeployed by itself
cp "$EX/supabase/functions/get-npa-location/index.ts" "$T/get-npa-location.ts"
echo '// v2: cache lookups' >>"$EX/supabase/functions/get-npa-location/index.ts"
api_ctl_st() { API_CONTROL=$ST_CTL api_ctl "$@"; }
api_ctl_st POST fail '{"match": "/functions/v1/get-npa-location", "count": 3, "status": 500}' >/dev/null
expect_exit 1 sc -c "$CONF" deploy staging
assert_contains "$T/err" "lerg-latency"
assert_eq "$(fns "$ST_CTL" "F['get-npa-location']['deploys']")" 3 "deployed, then redeployed the previous bundle"
fns "$ST_CTL" "F['get-npa-location']['files']['index.ts']" >"$T/now.ts"
assert_not_contains "$T/now.ts" "v2: cache lookups"
assert_eq "$(fns "$ST_CTL" "F['ping-status']['deploys']")" 1 "unchanged functions not redeployed"
assert_eq "$(q "$S" "SELECT status FROM stagecoach.runs WHERE env = 'staging' ORDER BY started_at DESC LIMIT 1")" rolled_back "second run rolled back"
cp "$T/get-npa-location.ts" "$EX/supabase/functions/get-npa-location/index.ts"

readme_next "deploy production --approve"
assert_eq "$(fns "$PR_CTL" "len(F)")" 0 "production untouched by the refused deploy"

# CHECKPOINT 2: the promotion pauses after the data checks, before the
# functions; a person approves, the run resumes
readme_next "promote staging production --approve"
assert_contains "$T/err" "checkpoint 'data-verified'"
assert_eq "$(q "$Pd" "SELECT count(*) FROM enhanced_lerg")" 450 "migrated before the checkpoint"
assert_eq "$(fns "$PR_CTL" "len(F)")" 0 "no function deployed before the checkpoint"
# the actor a CI job or a person's login would be
export STAGECOACH_ACTOR=release-manager
readme_next "approve production data-verified"
readme_next "deploy production --resume --approve"
readme_next "history production"
assert_contains "$T/out" "approved 'data-verified' by release-manager"
assert_eq "$(q "$PRODUCTION_DATABASE_URL" "SELECT promoted_from FROM stagecoach.runs WHERE env = 'production' AND status = 'succeeded'")" staging "recorded as promoted from staging"
assert_eq "$(fns "$PR_CTL" "len(F)")" 11 "11 functions on production"
assert_eq "$(q "$Pd" "SELECT count(*) FROM profiles WHERE email IS NOT NULL")" 11 "production's 11 users kept"
assert_eq "$(q "$Pd" "SELECT count(*) FROM enhanced_lerg")" 450 "production NPAs"
assert_eq "$(q "$Pd" "SELECT status FROM stagecoach.runs WHERE env = 'production' ORDER BY started_at DESC LIMIT 1")" succeeded "production run"
# the access token is in no output and no record
DB_URL=$S assert_no_token
readme_next "make sandbox-stop"
readme_done
pass
