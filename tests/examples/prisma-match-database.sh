#!/bin/bash
# examples/prisma-match-database end to end: the database with uuid ids and
# rows; app servers on a real sshd (one for staging, two for production);
# /health on the fake HTTP server.  A first staging deploy whose health gate
# fails after the restart is rolled back by the down files (columns gone,
# rows kept, the app restarted again); the second succeeds; production
# refuses a direct deploy and is promoted with a rolling release to both
# hosts (the build shipped, current switched); a second build whose health
# fails on staging is switched back to the first there.  The commands are
# the README's, run as written against the sandbox they start.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/fake_api.sh"
. "$(dirname "$0")/../lib/readme.sh"
. "$(dirname "$0")/lib/example.sh"
sc_setup
# the README's commands, as written, against the sandbox they start
ex_tree prisma-match-database
readme_upto ". ./.sandbox/env"
P=("$SANDBOX_SSH_PORT1" "$SANDBOX_SSH_PORT2" "$SANDBOX_SSH_PORT3")
RD=$SANDBOX_HOSTS_DIR
S=$STAGING_DATABASE_URL Pd=$PRODUCTION_DATABASE_URL
readme_upto "export APP_RESTART"
ex_sandbox_api staging
cur() { readlink "$RD/$1/tutoring-app/current"; }

readme_next "validate"
expect_exit 0 sc -c "$CONF" lint

# the app does not come back healthy: everything is undone
api_ctl POST config '{"health_status": 503}' >/dev/null
expect_exit 1 sc -c "$CONF" deploy staging
assert_contains "$T/err" "health"
assert_eq "$(q "$S" "SELECT count(*) FROM information_schema.columns WHERE table_name IN ('users', 'bookings') AND column_name IN ('password', 'email_verified', 'payment_status', 'paid_at')")" 0 \
	"columns removed by the downs"
assert_eq "$(q "$S" "SELECT to_regclass('public.system_settings') IS NULL")" t "system_settings removed"
assert_eq "$(q "$S" "SELECT (SELECT count(*) FROM users) || '/' || (SELECT count(*) FROM bookings)")" "60/60" "rows kept"
assert_eq "$(q "$S" "SELECT count(*) FROM stagecoach.schema_migrations")" 0 "history rows removed"
assert_eq "$(q "$S" "SELECT count(*) FROM _prisma_migrations")" 0 "prisma rows removed with them"
assert_eq "$(grep -c "^restart ${P[0]}\$" "$RD/restarts")" 1 "restarted on the new release once"
[ ! -L "$RD/app-staging/tutoring-app/current" ] || fail "the host had no release before: current should be gone"

api_ctl POST config '{"health_status": 200}' >/dev/null
: >"$RD/restarts"
readme_next "deploy staging"
assert_eq "$(q "$S" "SELECT count(*) FROM bookings WHERE payment_status = 'PENDING'")" 60 "payment_status default on existing rows"
assert_eq "$(q "$S" "SELECT count(*) FROM users WHERE email_verified = false AND password IS NULL")" 60 "users fields"
q "$S" "INSERT INTO system_settings (key, value) VALUES ('maintenance', 'off')" >/dev/null || fail "system_settings takes no row"
assert_eq "$(q "$S" "SELECT length(id::text) FROM system_settings")" 36 "uuid default"
assert_eq "$(q "$S" "SELECT count(*) FROM stagecoach.schema_migrations WHERE down_sql LIKE '%DROP%'")" 3 "downs stored with the history"
assert_eq "$(q "$S" "SELECT string_agg(migration_name || ':' || applied_steps_count, ',' ORDER BY migration_name) FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL")" \
	"20250301000000_users_auth_fields:1,20250301000100_bookings_payment_fields:1,20250301000200_system_settings:1" "_prisma_migrations rows"
assert_eq "$(cat "$RD/restarts")" "restart ${P[0]}" "one restart on staging"
rel=$(q "$S" "SELECT release FROM stagecoach.runs WHERE env = 'staging' AND status = 'succeeded'")
assert_eq "$(cur app-staging)" "releases/$rel" "staging host on the release"
assert_eq "$(cat "$RD/app-staging/tutoring-app/current/version.txt")" "build 1" "the build landed"

readme_next "deploy production --approve"
assert_eq "$(q "$Pd" "SELECT to_regclass('public.system_settings') IS NULL")" t "production untouched by the refused deploy"

readme_next "promote staging production --approve"
assert_eq "$(q "$PRODUCTION_DATABASE_URL" "SELECT promoted_from FROM stagecoach.runs WHERE env = 'production' AND status = 'succeeded'")" staging "recorded as promoted from staging"
assert_eq "$(q "$Pd" "SELECT count(*) FROM bookings WHERE payment_status = 'PENDING'")" 60 "production bookings"
assert_eq "$(q "$Pd" "SELECT count(*) FROM stagecoach.schema_migrations")" 3 "production history rows"
assert_eq "$(sed -n '2,3p' "$RD/restarts" | sort | tr '\n' ' ')" "$(printf 'restart %s\n' "${P[1]}" "${P[2]}" | sort | tr '\n' ' ')" \
	"both production hosts restarted"
for h in app1 app2; do assert_eq "$(cur $h)" "releases/$rel" "production $h on the release"; done

# a second build whose health fails on staging: the host is switched back
# to the first build and restarted on it
echo "build 2" >"$SANDBOX_DIR/build/version.txt"
tar -czf "$SANDBOX_DIR/app.tar.gz" -C "$SANDBOX_DIR/build" .
api_ctl POST config '{"health_status": 503}' >/dev/null
: >"$RD/restarts"
expect_exit 1 sc -c "$CONF" deploy staging --release build-2
assert_eq "$(cur app-staging)" "releases/$rel" "staging back on the first build"
assert_eq "$(cat "$RD/app-staging/tutoring-app/current/version.txt")" "build 1" "the first build runs"
assert_eq "$(grep -c "^restart ${P[0]}\$" "$RD/restarts")" 2 "restarted on build 2, then back on build 1"
readme_next "make sandbox-stop"
readme_done
pass
