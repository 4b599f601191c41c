#!/bin/bash
# Secrets through a whole pipeline (backup, migrate, sql_check,
# functions_deploy, ssh, health_check, shell, hooks, notify), run three
# times (a success with --json -v, a failure with -v, a failure with --json;
# --junit each time).  Secrets: the database password, the functions API
# token (its variable's name is not secret-looking: it is secret as the
# environment's token), an SSH key passphrase (likewise, as the
# environment's passphrase), a name listed in `secrets`, a *_TOKEN variable
# that a failing shell step prints, and the same token in a health check
# header.  Zero occurrences of any value in: stdout, stderr, --json events,
# the JUnit reports, every state row (pg_dump of schema stagecoach, artifact
# contents decoded), backup file names, the fake API's request log (it never
# logs the Authorization header itself), the notify bodies, and the
# variables stagecoach sets for hooks.  And "***" must show where they were
# printed, so the test cannot pass vacuously.
TD=$(cd "$(dirname "$0")" && pwd); until [ -f "$TD/lib/common.sh" ]; do TD=$(dirname "$TD"); done
. "$TD/lib/common.sh"
. "$TD/lib/fake_api.sh"
. "$TD/lib/sshd.sh"
. "$TD/faults/lib/faults.sh"
sc_setup
pg_start
sshd_start
api_start
export APP_DB=$(pg_createdb app)
rnd() { head -c 9 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
export SB_ACCESS=$API_TOKEN
export DEPLOY_TOKEN="dtok-$(rnd)"
export STRIPE_FILE="stripe-$(rnd)"
export SSHPHRASE="phrase-$(rnd)"
SECRETS=("$DB_PASS" "$API_TOKEN" "$DEPLOY_TOKEN" "$STRIPE_FILE" "$SSHPHRASE")
# the client key, protected by the passphrase
cp "$SSH_KEY" "$T/id_locked"
ssh-keygen -q -p -P "" -N "$SSHPHRASE" -f "$T/id_locked" >/dev/null || fail "ssh-keygen -p"
make_functions functions 2 1
mkdir -p migrations
echo "CREATE TABLE t (id int); INSERT INTO t VALUES (1);" >migrations/001_t.up.sql
echo "DROP TABLE t;" >migrations/001_t.down.sql
cat >stagecoach.conf <<CONF
version = 1;
project = "secrets";
migrations = "migrations";
functions = "functions";
secrets = [ "STRIPE_FILE" ];
environments = {
  staging = {
    database = "\${APP_DB}";
    functions_api = { url = "\${API_URL}"; token = "\${SB_ACCESS}"; };
    ssh = { user = "$SSH_USER"; identity = "$T/id_locked"; passphrase = "\${SSHPHRASE}"; known_hosts = "$KNOWN_HOSTS"; };
    $(ssh_hosts_conf app1)
  };
};
steps = (
  { name = "backup"; kind = "pg_backup"; dir = "backups"; },
  { name = "migrate"; kind = "migrate"; },
  { name = "verify"; kind = "sql_check"; query = "SELECT count(*) FROM t"; expect = "1"; },
  { name = "functions"; kind = "functions_deploy"; },
  { name = "remote"; kind = "ssh"; command = "echo remote \${STRIPE_FILE}; echo remote-ok";
    rollback_command = "echo undo \${STRIPE_FILE}"; },
  { name = "health"; kind = "health_check"; url = "\${API_BASE}/health";
    headers = [ "Authorization: Bearer \${DEPLOY_TOKEN}" ]; },
  { name = "leak"; kind = "shell";
    command = "echo token \$DEPLOY_TOKEN; echo db \$DATABASE_URL; echo listed \$STRIPE_FILE; exit \${FAIL:-0}";
    rollback_command = "echo rb \$DEPLOY_TOKEN"; }
);
hooks = {
  before = [ "env > hook-before.\$STAGECOACH_RUN_ID.env" ];
  after = [ "env > hook-after.\$STAGECOACH_RUN_ID.env" ];
  on_failure = [ "env > hook-failure.\$STAGECOACH_RUN_ID.env; echo failing \$DEPLOY_TOKEN" ];
  notify = [ "\${API_BASE}/notify" ];
};
CONF
mkdir -p scan
expect_exit 0 sc --json -v deploy staging --junit "$T/scan/ok.xml"
cp "$T/out" scan/ok.out; cp "$T/err" scan/ok.err
assert_contains scan/ok.out '"step_finished"'
assert_contains scan/ok.out 'remote-ok'
echo '// v2' >>functions/fn01/index.ts
FAIL=3 expect_exit 1 sc -v deploy staging --junit "$T/scan/fail.xml"
cp "$T/out" scan/fail.out; cp "$T/err" scan/fail.err
FAIL=3 expect_exit 1 sc --json deploy staging --junit "$T/scan/fail-json.xml"
cp "$T/out" scan/fail-json.out; cp "$T/err" scan/fail-json.err
assert_contains scan/fail.err "exited with status 3"

# the state records, every column (artifact contents decoded as text)
pg_dump "$APP_DB" -n stagecoach -Fp >scan/state.sql 2>"$T/pg_dump.err" || fail "pg_dump: $(cat "$T/pg_dump.err")"
psql_q "$APP_DB" "SELECT kind, name, encode(content, 'escape') FROM stagecoach.artifacts" >scan/artifacts.txt
psql_q "$APP_DB" "SELECT * FROM stagecoach.runs; SELECT * FROM stagecoach.run_steps; SELECT * FROM stagecoach.schema_migrations" >scan/rows.txt
ls -laR backups >scan/backups.ls
api_py 'L' >scan/api-log.json
api_py '[q.get("body", "") for q in R if q["path"] == "/notify"]' >scan/notify.json
# what stagecoach adds to the hooks' environment (the rest is inherited
# from our own environment, secrets included, as a child's must be)
for f in hook-*.env; do grep '^STAGECOACH_' "$f"; done >scan/hook-vars.env
ls hook-before.*.env hook-after.*.env hook-failure.*.env >/dev/null || fail "a hook did not run"
# DATABASE_URL is the one secret a hook gets on purpose (SPEC: hooks run with
# the variables of shell steps), so it must be the real, usable URL
grep -qxF "DATABASE_URL=$APP_DB" hook-before.*.env || fail "hooks do not get the real DATABASE_URL"

[ "$(api_log_count POST '^/notify$')" -ge 3 ] || fail "notify not sent"
for f in scan/*; do
	for s in "${SECRETS[@]}"; do
		if grep -qF -- "$s" "$f"; then
			fail "secret ${s:0:6}... appears in $f: $(grep -F -- "$s" "$f" | head -3 | cut -c1-300)"
		fi
	done
done
# redaction really happened, where each secret was printed
assert_contains scan/fail.out "token ***"
assert_contains scan/fail.out "listed ***"
assert_contains scan/fail.out "remote ***"
grep -q 'db postgresql://sc:\*\*\*@' scan/fail.out || fail "the database URL was not shown redacted: $(grep 'db ' scan/fail.out)"
grep -q 'token \*\*\*' scan/fail-json.out || fail "no redacted token in the --json events"
grep -q '\*\*\*' scan/state.sql || fail "nothing redacted in the state records"
grep -q '\*\*\*' scan/fail.xml || fail "nothing redacted in the JUnit report"
grep -q '\*\*\*' scan/notify.json || fail "nothing redacted in the notify bodies"
grep -q 'Authorization: \*\*\*\|Bearer \*\*\*\|authorization: \*\*\*' scan/ok.err scan/ok.out scan/fail.err scan/fail.out ||
	echo "note: -v shows no Authorization header line at all"
echo "scanned: $(ls scan | wc -l) files, $(cat scan/* | wc -c) bytes, ${#SECRETS[@]} secrets"
pass
