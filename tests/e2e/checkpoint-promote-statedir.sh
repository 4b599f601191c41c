#!/bin/bash
# Checkpoints on a promotion into an environment fed by promotion only, in
# environments without a database (state_dir): the promotion pauses (exit
# 7), a new promote is refused while it is paused, `approve` records the
# actor, `deploy production --resume` (deploy is otherwise refused there)
# continues the promotion under staging's release name.  And the records of
# an older stagecoach (state schema version 1) are upgraded in place.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
cat >stagecoach.conf <<'CONF'
version = 1;
project = "cp-promote";
environments = {
  staging = { };
  production = { promote_from = "staging"; };
};
steps = (
  { name = "one"; kind = "shell"; command = "echo ${env} ${release} one >> marks"; },
  { name = "go-live"; kind = "approval"; pause = true; only = [ "production" ]; message = "Switch ${env}?"; },
  { name = "two"; kind = "shell"; command = "echo ${env} ${release} two >> marks"; }
);
CONF
expect_exit 0 sc deploy staging --release v2.0.0 </dev/null
expect_exit 7 sc promote staging production </dev/null
assert_contains err "checkpoint 'go-live'"
assert_eq "$(cat marks | tr '\n' ' ')" "staging v2.0.0 one staging v2.0.0 two production v2.0.0 one " "ran up to the checkpoint"
expect_exit 2 sc promote staging production </dev/null
assert_contains err "is paused at checkpoint 'go-live'"
expect_exit 5 sc deploy production </dev/null          # promotion only, still
STAGECOACH_ACTOR=release-manager expect_exit 0 sc approve production go-live
expect_exit 0 sc status production
assert_contains out "PAUSED:"
assert_contains out "approved 'go-live' by release-manager"
expect_exit 0 sc deploy production --resume </dev/null
assert_eq "$(tail -1 marks)" "production v2.0.0 two" "resumed under staging's release name"
python3 - .stagecoach/production/runs <<'PY' || fail "production's record"
import json, os, sys
runs = [json.load(open(os.path.join(sys.argv[1], f))) for f in os.listdir(sys.argv[1])]
assert len(runs) == 1, runs
r = runs[0]
assert (r["command"], r["status"], r["release"], r["promoted_from"]) == ("promote", "succeeded", "v2.0.0", "staging"), r
assert len(r["content_hash"]) == 64, r
cp = [s for s in r["steps"] if s["name"] == "go-live"][0]
assert cp["status"] == "succeeded" and cp["detail"]["approved_by"] == "release-manager", cp
PY
expect_exit 0 sc history production
assert_contains out "approved 'go-live' by release-manager"

# state schema version 1 (an older stagecoach) is upgraded in place
pg_start
export OLD=$(pg_createdb old)
psql -X -q -v ON_ERROR_STOP=1 "$OLD" >/dev/null <<'SQL' || fail "v1 schema"
CREATE SCHEMA stagecoach;
CREATE TABLE stagecoach.schema_version (version int NOT NULL);
INSERT INTO stagecoach.schema_version VALUES (1);
CREATE TABLE stagecoach.schema_migrations (version text PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
  down_sql text, applied_at timestamptz NOT NULL DEFAULT now(), duration_ms bigint, run_id text);
CREATE TABLE stagecoach.runs (id text PRIMARY KEY, env text NOT NULL, release text, command text NOT NULL,
  status text NOT NULL CHECK (status IN ('running','succeeded','failed','rolled_back','rollback_failed')),
  actor text, host text, started_at timestamptz NOT NULL DEFAULT now(), finished_at timestamptz,
  error text, git_commit text, promoted_from text, backend_pid int, pid int);
CREATE INDEX runs_env_started ON stagecoach.runs (env, started_at DESC);
CREATE TABLE stagecoach.run_steps (run_id text NOT NULL REFERENCES stagecoach.runs(id), position int NOT NULL,
  name text NOT NULL, kind text NOT NULL, status text NOT NULL, started_at timestamptz, finished_at timestamptz,
  detail jsonb NOT NULL DEFAULT '{}', error text, PRIMARY KEY (run_id, position));
CREATE TABLE stagecoach.artifacts (id bigserial PRIMARY KEY, env text NOT NULL, release text, run_id text,
  kind text NOT NULL, name text NOT NULL, sha256 text, content bytea, created_at timestamptz NOT NULL DEFAULT now());
INSERT INTO stagecoach.runs (id, env, release, command, status, finished_at)
  VALUES ('20250101T000000Z-000000', 'old', 'abc123def456', 'deploy', 'succeeded', now());
SQL
mkdir old && cat >old/stagecoach.conf <<'CONF'
version = 1;
project = "cp-promote";
environments = { old = { database = "${OLD}"; }; next = { database = "${OLD}"; promote_from = "old"; }; };
steps = ( { name = "cp"; kind = "approval"; pause = true; } );
CONF
# promote from a run recorded without a content hash: refused, saying why
expect_exit 5 sc -c old/stagecoach.conf promote old next
assert_contains err "without a content hash"
assert_eq "$(psql_q "$OLD" "SELECT max(version) FROM stagecoach.schema_version")" 4 "schema upgraded"
expect_exit 7 sc -c old/stagecoach.conf deploy old </dev/null
assert_eq "$(psql_q "$OLD" "SELECT string_agg(status || ':' || coalesce(length(content_hash), 0), ',' ORDER BY started_at) FROM stagecoach.runs")" \
	"succeeded:0,paused:64" "old row kept, new row paused with its content hash"
expect_exit 0 sc -c old/stagecoach.conf history old
assert_contains out "abc123def456"
pass
