#!/bin/bash
# diff compares the functions stagecoach deployed on each environment (slug
# and content hash, from each environment's records): the same bundles exit
# 0; a changed function and one only staging has exit 1 and are named; a
# function whose newest record is a deletion (a rollback's) is not deployed.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/fake_api.sh"
sc_setup
pg_start
export STG_DB=$(pg_createdb stg) PRD_DB=$(pg_createdb prd)
api_start
export SB_ACCESS=$API_TOKEN
make_functions functions 2 1
cat >stagecoach.conf <<'CONF'
version = 1;
project = "difffn";
functions = "functions";
environments = {
  staging = { database = "${STG_DB}"; functions_api = { url = "${API_URL}"; token = "${SB_ACCESS}"; }; };
  production = { database = "${PRD_DB}"; functions_api = { url = "${API_URL}"; token = "${SB_ACCESS}"; }; };
};
steps = ( { name = "functions"; kind = "functions_deploy"; } );
CONF
expect_exit 0 sc deploy staging
expect_exit 0 sc deploy production
expect_exit 0 sc diff staging production
assert_contains out "no differences between staging and production"

sha_of() { psql_q "$1" "SELECT sha256 FROM stagecoach.artifacts WHERE kind = 'function' AND name = '$2' ORDER BY id DESC LIMIT 1"; }
old02=$(sha_of "$PRD_DB" fn02)
[ ${#old02} = 64 ] || fail "fn02's sha on production: '$old02'"

# staging moves ahead: fn02 changed, fn03 new
echo '// v2' >>functions/fn02/index.ts
mkdir -p functions/fn03
echo 'Deno.serve(() => new Response("fn03"));' >functions/fn03/index.ts
expect_exit 0 sc deploy staging
new02=$(sha_of "$STG_DB" fn02)
new03=$(sha_of "$STG_DB" fn03)
[ "$new02" != "$old02" ] || fail "fn02 did not change on staging"
expect_exit 1 sc diff staging production
assert_eq "$(cat out)" "deployed function fn02: content differs: staging ${new02:0:12}, production ${old02:0:12}
deployed function fn03: staging ${new03:0:12}, production has no record of it
2 differences between staging and production" "diff of the deployed functions"
expect_exit 1 sc --json diff staging production
python3 - out "$new02" "$old02" "$new03" <<'PY' || fail "--json: $(cat out)"
import json, sys
o = json.load(open(sys.argv[1]))
d = {x["name"]: x for x in o["differences"]}
assert sorted(d) == ["fn02", "fn03"], d
assert d["fn02"]["kind"] == "deployed_function" and d["fn02"]["a"] == sys.argv[2] and d["fn02"]["b"] == sys.argv[3], d
assert d["fn03"]["a"] == sys.argv[4] and d["fn03"]["b"] is None and d["fn03"]["what"] == "missing in production", d
PY

# a rollback on staging deleted fn03 (functions_deploy records the deletion as
# an all-zeros sha) and redeployed fn02's previous bundle: diff is clean again
psql_q "$STG_DB" "INSERT INTO stagecoach.artifacts (env, kind, name, sha256) VALUES
  ('staging', 'function', 'fn03', repeat('0', 64)), ('staging', 'function', 'fn02', '$old02')" >/dev/null
expect_exit 0 sc diff staging production
# records of another environment in the same database do not count
psql_q "$STG_DB" "INSERT INTO stagecoach.artifacts (env, kind, name, sha256) VALUES ('production', 'function', 'fn09', repeat('a', 64))" >/dev/null
expect_exit 0 sc diff staging production
# a function production had deployed and staging never had
psql_q "$PRD_DB" "INSERT INTO stagecoach.artifacts (env, kind, name, sha256) VALUES ('production', 'function', 'legacy', repeat('b', 64))" >/dev/null
expect_exit 1 sc diff staging production
assert_contains out "deployed function legacy: production bbbbbbbbbbbb, staging has no record of it"
assert_contains out "1 difference between staging and production"
assert_no_token
pass
