#!/bin/bash
# examples/prisma-align-schema end to end: staging and production databases
# holding the old schema with rows, a backend "host" on a real sshd, the
# health and smoke endpoints on the fake HTTP server.  validate, plan,
# deploy staging (the backend shipped with a release step); production refuses a direct deploy (promote_from); promote
# carries the release; the real schema, the rows, the records and the
# hosts' current are checked; a build whose health check fails is rolled
# back to the previous build on the host.  The commands are the README's,
# run as written against the sandbox they start.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/fake_api.sh"
. "$(dirname "$0")/../lib/readme.sh"
. "$(dirname "$0")/lib/example.sh"
sc_setup
# the README's commands, as written, against the sandbox they start: the
# hosts are its sshd's first two ports, /health and the smoke endpoint its
# HTTP stand-ins
ex_tree prisma-align-schema
readme_upto ". ./.sandbox/env"
P=("$SANDBOX_SSH_PORT1" "$SANDBOX_SSH_PORT2")
RD=$SANDBOX_HOSTS_DIR
readme_upto "export PRISMA_GENERATE"

readme_next "validate"
assert_contains "$T/out" "3 environments, 7 steps"
expect_exit 0 sc -c "$CONF" lint

expect_exit 0 sc -c "$CONF" plan staging
assert_contains "$T/out" "20241223000100_align_schema_indexes"
[ ! -e "$RD/restarts" ] || fail "plan restarted the backend"

readme_next "deploy local"
assert_eq "$(q "$LOCAL_DATABASE_URL" "SELECT count(*) FROM information_schema.columns WHERE table_name = 'clients'")" 12 "local clients columns"
[ ! -e "$RD/restarts" ] || fail "deploy local restarted a backend host"

readme_next "deploy staging"
S=$STAGING_DATABASE_URL
assert_eq "$(q "$S" "SELECT count(*) FROM information_schema.columns WHERE table_name = 'clients'")" 12 "clients columns"
assert_eq "$(q "$S" "SELECT count(*), count(*) FILTER (WHERE NOT \"onboardingComplete\" AND \"billingStatus\" = 'none') FROM clients")" "500|500" "rows kept, safe defaults"
assert_eq "$(q "$S" "SELECT count(*) FROM onboarding_states WHERE \"clientId\" = \"customerId\"")" 300 "clientId backfilled"
assert_eq "$(q "$S" "SELECT convalidated FROM pg_constraint WHERE conname = 'onboarding_states_clientId_fkey'")" t "FK validated"
assert_eq "$(q "$S" "SELECT count(*) FROM pg_indexes WHERE indexname LIKE 'clients\_%\_idx' OR indexname = 'onboarding_states_clientId_idx'")" 5 "indexes"
assert_eq "$(q "$S" "SELECT count(*) FROM stagecoach.schema_migrations")" 3 "history rows"
for m in "$EX"/migrations/*/; do
	n=$(basename "$m")
	assert_eq "$(q "$S" "SELECT checksum FROM _prisma_migrations WHERE migration_name = '$n' AND finished_at IS NOT NULL AND applied_steps_count = 1")" \
		"$(sha256sum "$m/migration.sql" | cut -c1-64)" "_prisma_migrations row of $n"
done
assert_eq "$(q "$S" "SELECT status FROM stagecoach.runs WHERE env = 'staging' AND command = 'deploy'")" succeeded "staging run"
assert_eq "$(cat "$RD/restarts")" "restarted ${P[0]} build 1" "backend restarted once on the staging host"
rel1=$(q "$S" "SELECT release FROM stagecoach.runs WHERE env = 'staging' AND status = 'succeeded'")
assert_eq "$(readlink "$RD/staging/current")" "releases/$rel1" "staging current"
assert_eq "$(cat "$RD/staging/current/prisma-client.txt")" "generated" "client generated in the release"
ls "$EX"/backups/staging-*.dump >/dev/null 2>&1 || fail "no staging backup in $EX/backups"

# production takes releases only by promotion: nothing changes
readme_next "deploy production --approve"
assert_contains "$T/err" "promote"
assert_eq "$(q "$PRODUCTION_DATABASE_URL" "SELECT count(*) FROM information_schema.columns WHERE table_name = 'clients'")" 4 \
	"production untouched by the refused deploy"

readme_next "promote staging production --approve"
assert_eq "$(q "$PRODUCTION_DATABASE_URL" "SELECT promoted_from FROM stagecoach.runs WHERE env = 'production' AND status = 'succeeded'")" staging "recorded as promoted from staging"
Pd=$PRODUCTION_DATABASE_URL
assert_eq "$(q "$Pd" "SELECT count(*) FROM information_schema.columns WHERE table_name = 'clients'")" 12 "production clients columns"
assert_eq "$(q "$Pd" "SELECT count(*) FROM clients")" 500 "production rows kept"
assert_eq "$(q "$Pd" "SELECT count(*) FROM stagecoach.schema_migrations")" 3 "production history rows"
assert_eq "$(q "$Pd" "SELECT status FROM stagecoach.runs WHERE env = 'production' ORDER BY started_at DESC LIMIT 1")" succeeded "production run"
assert_eq "$(q "$Pd" "SELECT release FROM stagecoach.runs WHERE env = 'production' AND status = 'succeeded'")" \
	"$(q "$S" "SELECT release FROM stagecoach.runs WHERE env = 'staging' AND status = 'succeeded'")" "same release as staging"
grep -q "^restarted ${P[1]} build 1\$" "$RD/restarts" || fail "production host not restarted: $(cat "$RD/restarts")"
assert_eq "$(readlink "$RD/production/current")" "releases/$rel1" "production current"

# a second build whose health check fails on staging: the backend goes back
# to the first build (current switched back, restarted), the schema restored
echo "build 2" >"$SANDBOX_DIR/dist/version.txt"
ex_sandbox_api staging
api_ctl POST fail '{"match": "/health", "count": 1000, "status": 503}' >/dev/null
expect_exit 1 sc -c "$CONF" deploy staging --release build-2
assert_eq "$(readlink "$RD/staging/current")" "releases/$rel1" "staging back on the first build"
assert_eq "$(tail -n 2 "$RD/restarts" | tr '\n' ' ')" "restarted ${P[0]} build 2 restarted ${P[0]} build 1 " \
	"restarted on build 2, then back on build 1"
ex_sandbox_api production
[ "$(api_log_count GET '^/api/clients/c1$')" -ge 1 ] || fail "no smoke request"
readme_next "make sandbox-stop"
readme_done
pass
