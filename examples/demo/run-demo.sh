#!/bin/bash
# make demo: a release walked through a throwaway staging and production on
# this machine.  Starts, in a temp folder: PostgreSQL (databases staging and
# production, as user postgres, on a free loopback port), an sshd on two
# loopback ports (two app "hosts", keys generated here), and two stand-ins
# for the Supabase functions API (one project per environment), which also
# serve /health.  Then:
#   plan staging, deploy staging (the app folder shipped to both hosts by a
#   release step), diff staging production, promote staging production
#   --approve, a second release whose health gate fails on production's
#   second host: both hosts back on release 1 by themselves, history
#   production, rollback production.
# Everything it started is stopped and the temp folder removed at exit.
# SC_BIN=path runs another stagecoach binary (default: ./stagecoach).
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/sshd.sh"
. "$TOP/tests/lib/fake_api.sh"
set -u

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then B=$'\e[1m' D=$'\e[2m' R=$'\e[31m' G=$'\e[32m' N=$'\e[0m'
else B="" D="" R="" G="" N=""; fi
PROBLEMS=()
T0=$(date +%s)

demo_cleanup() {
	local rc=$?
	eval "$_AT_EXIT" >/dev/null 2>&1
	wait 2>/dev/null
	[ -n "${T:-}" ] && rm -rf "$T"
	exit $rc
}
T=$(mktemp -d /tmp/stagecoach-demo.XXXXXX)
chmod 755 "$T"
cd "$T" || exit 2
trap demo_cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '\n%s==> %s%s\n' "$B" "$*" "$N"; }
note() { printf '    %s%s%s\n' "$D" "$*" "$N"; }
# run WANT_EXIT WHAT CMD...: run a stagecoach command, show its output
# indented, and say whether it exited as the story expects
run() {
	local want=$1 what=$2; shift 2
	printf '%s$ stagecoach %s%s\n' "$D" "$*" "$N"
	"$SC" -c "$CONF" "$@" >"$T/out" 2>"$T/err"
	local rc=$?
	sed 's/^/    /' "$T/out" "$T/err"
	if [ "$rc" = "$want" ]; then
		printf '    %s(exit %s: %s)%s\n' "$G" "$rc" "$what" "$N"
	else
		printf '    %s!! expected exit %s (%s), got %s%s\n' "$R" "$want" "$what" "$rc" "$N"
		PROBLEMS+=("stagecoach $*: exit $rc, expected $want")
	fi
	return 0
}
sql() { psql "$1" -X -q -A -t -c "$2" 2>&1; }
# the restart lines the two hosts logged, oldest first, by host name
host_log() {
	{ sed "s/^/app1 /" "$RD/app1.log"; sed "s/^/app2 /" "$RD/app2.log"; } 2>/dev/null |
		sort -k2,2 -s | tail -n "${1:-100}" | sed 's/^/      /'
}
# where each host's `current` points in ENV
host_current() {
	local h l
	for h in app1 app2; do
		l=$(readlink "$RD/$1/$h/current" 2>/dev/null) || l="(no current: no release)"
		note "$1 $h: current -> $l$( [ -n "$l" ] && [ -e "$RD/$1/$h/current/version.txt" ] && echo " ($(cat "$RD/$1/$h/current/version.txt"))")"
	done
}

[ -x "$SC" ] || { echo "run-demo: no stagecoach binary at $SC (run make first)" >&2; exit 2; }
echo "${B}stagecoach demo${N}: a release from staging to production, on this machine"
note "working in $T (removed at the end)"

say "Starting throwaway services"
pg_start
export STAGING_DATABASE_URL=$(pg_createdb staging) PRODUCTION_DATABASE_URL=$(pg_createdb production)
note "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PGPORT: databases 'staging' and 'production'"
id sctest >/dev/null 2>&1 || had_no_sctest=1
sshd_start 2
# the account stays: test suites running beside the demo log in as it too
[ "$SSH_USER" = sctest ] && [ -n "${had_no_sctest:-}" ] &&
	note "made the account sctest for the remote commands (kept; userdel -r sctest removes it)"
HP=($SSHD_PORTS)
note "sshd on 127.0.0.1:${HP[0]} (host app1) and 127.0.0.1:${HP[1]} (host app2), user $SSH_USER, keys made just now"
API_REF=demo-staging api_start
ST_API=$API_BASE ST_CTL=$API_CONTROL
API_REF=demo-production api_start
PR_API=$API_BASE PR_CTL=$API_CONTROL
export SUPABASE_ACCESS_TOKEN=$API_TOKEN
note "functions API + /health: staging project on $ST_API, production project on $PR_API"

# --- the project: config, migrations, functions -------------------------
P="$T/project"
mkdir -p "$P/migrations" "$P/functions/_shared" "$P/functions/hello" "$P/functions/stripe-webhook" "$P/app/bin"
echo "release 1" >"$P/app/version.txt"
printf '#!/bin/sh\necho "serving $(cat version.txt)"\n' >"$P/app/bin/server"
chmod 755 "$P/app/bin/server"
CONF="$P/stagecoach.conf"
cat >"$P/migrations/0001_accounts.up.sql" <<'SQL'
CREATE TABLE accounts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL UNIQUE,
                       created_at timestamptz NOT NULL DEFAULT now());
SQL
echo 'DROP TABLE accounts;' >"$P/migrations/0001_accounts.down.sql"
cat >"$P/migrations/0002_plans.up.sql" <<'SQL'
ALTER TABLE accounts ADD COLUMN plan text NOT NULL DEFAULT 'free';
SQL
echo 'ALTER TABLE accounts DROP COLUMN plan;' >"$P/migrations/0002_plans.down.sql"
echo 'export const cors = { "Access-Control-Allow-Origin": "*" };' >"$P/functions/_shared/cors.ts"
cat >"$P/functions/hello/index.ts" <<'TS'
import { cors } from "../_shared/cors.ts";
Deno.serve(() => new Response("hello, release 1", { headers: cors }));
TS
cat >"$P/functions/stripe-webhook/index.ts" <<'TS'
Deno.serve(async (req) => new Response(JSON.stringify({ received: (await req.text()).length }), {
  headers: { "Content-Type": "application/json" },
}));
TS
env_block() { # NAME DB_VAR API_URL REF
	cat <<CONF
    database = "\${$2}";
    functions_api = { url = "$3/v1/projects/$4"; token = "\${SUPABASE_ACCESS_TOKEN}"; };
    ssh = { user = "$SSH_USER"; identity = "$SSH_KEY"; known_hosts = "$KNOWN_HOSTS"; };
    hosts = ( { name = "app1"; address = "127.0.0.1"; port = ${HP[0]}; },
              { name = "app2"; address = "127.0.0.1"; port = ${HP[1]}; } );
    vars = { base_url = "$3"; };
CONF
}
cat >"$CONF" <<CONF
# the demo project: written by examples/demo/run-demo.sh
version = 1;
project = "demo";
migrations = "migrations";
functions = "functions";
environments = {
  staging = {
$(env_block staging STAGING_DATABASE_URL "$ST_API" demo-staging)
  };
  production = {
$(env_block production PRODUCTION_DATABASE_URL "$PR_API" demo-production)
    protected = true;
    promote_from = "staging";
  };
};
steps = (
  { name = "backup";    kind = "pg_backup"; dir = "backups"; keep = 3; },
  { name = "migrate";   kind = "migrate"; rollback = "down"; },
  { name = "functions"; kind = "functions_deploy"; parallel = 2;
    settings = ( { slug = "stripe-webhook"; verify_jwt = false; } ); },
  { name = "ship";      kind = "release"; artifact = "app"; path = "$RD/\${env}/\${host.name}";
    batch = 1; health = "health"; keep = 3;
    build_command = "./bin/server > built.txt";
    restart_command = "echo \"\$\$(date +%T)\" \${env}: restarted on \"\$\$(cat version.txt)\" >> $RD/\${host.name}.log"; },
  { name = "health";    kind = "health_check"; url = "\${vars.base_url}/health/\${host.name}";
    expect_status = 200; retries = 3; interval_ms = 300; max_latency_ms = 1000; }
);
CONF
note "project in $P: 2 migrations, 2 functions (+ _shared), an app folder shipped to app1 then app2 over SFTP"
note "(releases/NAME, current switched, restarted), with a health gate per host after each"
note "production is protected (approval) and takes releases only from staging (promote_from)"

# --- the story ------------------------------------------------------------
say "1. plan staging: what 'deploy staging' would do (read-only: nothing changes)"
run 0 "plan shown" plan staging

say "2. deploy staging: backup, migrations, functions, the app shipped to app1 then app2 (health gate after each)"
run 0 "release 1 is on staging" deploy staging
host_current staging
note "staging tables: $(sql "$STAGING_DATABASE_URL" "SELECT string_agg(tablename, ', ') FROM pg_tables WHERE schemaname = 'public'")"

say "3. diff staging production: staging is ahead (exit 1 means: differences found)"
run 1 "differences found" diff staging production

say "4. promote staging production --approve: exactly the release that passed on staging"
note "'deploy production' alone is refused: production names promote_from = \"staging\""
run 5 "direct deploy refused, nothing changed" deploy production --approve
run 0 "release 1 is on production" promote staging production --approve
host_current production
run 0 "no differences left" diff staging production

say "5. a second release: migration 0003, a changed function, a new app; on production, app2 will not come back healthy"
cat >"$P/migrations/0003_invoices.up.sql" <<'SQL'
CREATE TABLE invoices (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                       account_id bigint NOT NULL REFERENCES accounts (id), cents integer NOT NULL);
SQL
echo 'DROP TABLE invoices;' >"$P/migrations/0003_invoices.down.sql"
sed -i 's/release 1/release 2/' "$P/functions/hello/index.ts"
echo "release 2" >"$P/app/version.txt"
run 0 "release 2 is on staging" deploy staging
host_current staging
API_CONTROL=$PR_CTL api_ctl POST fail '{"match": "/health/app2", "count": 1000, "status": 503, "body": "database pool exhausted"}' >/dev/null
note "production's /health/app2 now answers 503"
run 1 "failed and rolled back by itself: production is at release 1" promote staging production --approve
note "both production hosts are back on release 1 (app1 had passed its gate, app2 failed its own):"
host_current production
note "production tables: $(sql "$PRODUCTION_DATABASE_URL" "SELECT string_agg(tablename, ', ' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'") (no invoices)"
note "production 'hello' function: $(API_CONTROL=$PR_CTL api_py "F['hello']['files']['index.ts'].splitlines()[1].strip()")"
note "what the app hosts saw (app1 first, then app2, whose gate failed; then back, newest first):"
host_log

say "6. history production: every run, from production's own database"
run 0 "history shown" history production

say "7. rollback production: undo release 1 from the records (downs, previous functions, hosts' current removed)"
run 0 "production is back where it started" rollback production --last --approve
note "production tables now: '$(sql "$PRODUCTION_DATABASE_URL" "SELECT coalesce(string_agg(tablename, ', '), '') FROM pg_tables WHERE schemaname = 'public'")'"
note "production functions now: $(API_CONTROL=$PR_CTL api_py "sorted(F)")"
host_current production
run 0 "history shown" history production

say "Done in $(( $(date +%s) - T0 )) s; stopping PostgreSQL, sshd and the API servers, removing $T"
if [ ${#PROBLEMS[@]} -gt 0 ]; then
	printf '%s%d command(s) did not behave as the story expects:%s\n' "$R" "${#PROBLEMS[@]}" "$N"
	printf '    %s\n' "${PROBLEMS[@]}"
	exit 1
fi
exit 0
