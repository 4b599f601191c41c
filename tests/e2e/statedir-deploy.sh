#!/bin/bash
# An environment without `database` keeps its records in state_dir (SPEC
# section 2): a deploy of functions (fake API), ssh (real sshd) and a health
# gate succeeds with no PostgreSQL anywhere; status and history read the
# records; the files are 0600 in 0700 folders and hold no secret; a failing
# health check rolls the functions back to the bundles kept in state_dir and
# runs rollback_command on the hosts; `rollback` undoes the last release from
# the records alone; steps that need a database refuse cleanly.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/fake_api.sh"
. "$(dirname "$0")/../lib/sshd.sh"
sc_setup
sshd_start 2
api_start
export SB_ACCESS=$API_TOKEN
make_functions functions 2 1
cat >stagecoach.conf <<CONF
version = 1;
project = "nodb";
functions = "functions";
environments = {
  staging = {
    state_dir = "records";
    functions_api = { url = "\${API_URL}"; token = "\${SB_ACCESS}"; };
    ssh = { user = "$SSH_USER"; identity = "$SSH_KEY"; known_hosts = "$KNOWN_HOSTS"; };
    $(ssh_hosts_conf app1 app2)
  };
};
steps = (
  { name = "functions"; kind = "functions_deploy"; },
  { name = "restart"; kind = "ssh"; parallel = 2;
    command = "echo \${release} \$\${SSH_CONNECTION##* } >> $RD/ran";
    rollback_command = "echo \$\${SSH_CONNECTION##* } >> $RD/rolled"; },
  { name = "health"; kind = "health_check"; url = "\${API_BASE}/health"; retries = 2; interval_ms = 100; }
);
CONF
S=records/staging

expect_exit 0 sc deploy staging
assert_contains out "succeeded"
r1=$(ls $S/runs | sed 's/\.json$//')
[ "$(echo "$r1" | wc -l)" = 1 ] || fail "one run file expected: $r1"
assert_eq "$(api_py 'sorted(F.keys())')" '["fn01", "fn02"]' "functions deployed"
assert_eq "$(wc -l <"$RD/ran")" 2 "both hosts ran the command"
python3 - "$S/runs/$r1.json" <<'PY' || fail "run record"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["status"] == "succeeded" and d["command"] == "deploy" and d["env"] == "staging", d
assert d["finished_at"] and d["pid"] > 0, d
assert [(s["position"], s["name"], s["status"]) for s in d["steps"]] == \
    [(1, "functions", "succeeded"), (2, "restart", "succeeded"), (3, "health", "succeeded")], d["steps"]
assert {f["slug"] for f in d["steps"][0]["detail"]["functions"]} == {"fn01", "fn02"}, d["steps"][0]
PY
[ -s $S/artifacts/index.jsonl ] || fail "no artifact index"
grep -q '"kind":"function_bundle"' $S/artifacts/index.jsonl || fail "no bundle recorded"

# modes: folders 0700, files 0600, nothing else
[ "$(stat -c %a records)" = 700 ] || fail "state_dir is $(stat -c %a records)"
bad=$(find records -type d ! -perm 0700 -o -type f ! -perm 0600)
[ -z "$bad" ] || fail "wrong modes: $(stat -c '%a %n' $bad)"
grep -rqF -- "$API_TOKEN" records && fail "the token is in state_dir"

expect_exit 0 sc status staging
assert_contains out "last run:        $r1 deploy succeeded"
assert_contains out "lock:            free"
assert_not_contains out "INTERRUPTED"
expect_exit 0 sc --json status staging
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['current_release'] and d['last_run']['last_step']=='health' and d['interrupted_run'] is None, d" out ||
	fail "status --json: $(cat out)"

# a second release whose health check fails: the functions go back to the
# bundles kept in state_dir, the hosts get rollback_command
fn01_v1=$(api_py 'F["fn01"]["files"]["index.ts"]')
echo '// v2' >>functions/fn01/index.ts
mkdir -p functions/fn03 && echo 'Deno.serve(() => new Response("3"));' >functions/fn03/index.ts
expect_exit 0 sc plan staging
assert_contains out "deploy function 'fn01'"
assert_contains out "deploy function 'fn03'"
assert_contains out "1 of 3 functions unchanged"
assert_not_contains out "no records of deployed bundles"
api_ctl POST config '{"health_status": 503}' >/dev/null
expect_exit 1 sc deploy staging
assert_contains err "step 'health'"
assert_contains err "rolled back"
assert_eq "$(api_py 'sorted(F.keys())')" '["fn01", "fn02"]' "fn03 deleted by the rollback"
assert_eq "$(api_py 'F["fn01"]["files"]["index.ts"]')" "$fn01_v1" "fn01 back at its previous bundle"
assert_eq "$(wc -l <"$RD/rolled")" 2 "rollback_command on both hosts"
expect_exit 0 sc history staging
assert_eq "$(grep -c 'deploy ' out)" 2 "two runs in history"
assert_contains out "rolled_back"
head -2 out | tail -1 | grep -q rolled_back || fail "history is not newest first: $(cat out)"

# a good second release, then `rollback` from the records alone: no
# functions folder, no checkout
api_ctl POST config '{"health_status": 200}' >/dev/null
expect_exit 0 sc deploy staging
assert_eq "$(api_py 'sorted(F.keys())')" '["fn01", "fn02", "fn03"]' "release 2 deployed"
mv functions functions.gone
expect_exit 0 sc rollback staging --last --yes
assert_eq "$(api_py 'sorted(F.keys())')" '["fn01", "fn02"]' "rollback deleted fn03"
assert_eq "$(api_py 'F["fn01"]["files"]["index.ts"]')" "$fn01_v1" "rollback redeployed fn01's stored bundle"
assert_eq "$(wc -l <"$RD/rolled")" 4 "rollback ran rollback_command on both hosts again"
expect_exit 0 sc history staging --limit 2
head -2 out | tail -1 | grep -q "rollback .* succeeded" || fail "rollback not recorded: $(cat out)"
sed -n 3p out | grep -q "rolled_back" || fail "the undone deploy is not rolled_back: $(cat out)"
mv functions.gone functions

# steps and commands that need a database refuse cleanly: exit 2, nothing changed
sed -i 's/^steps = (/migrations = "migrations";\nsteps = (\n  { name = "migrate"; kind = "migrate"; },/' stagecoach.conf
mkdir -p migrations && echo 'CREATE TABLE t (id int);' >migrations/001_t.up.sql
n=$(ls $S/runs | wc -l)
expect_exit 2 sc deploy staging
assert_contains err "has no database"
assert_eq "$(ls $S/runs | wc -l)" "$n" "a refused deploy left no run"
expect_exit 2 sc backup staging
assert_contains err "has no database"
expect_exit 2 sc diff staging staging
assert_contains err "has no database"
assert_no_token
pass
