#!/bin/bash
# promote between two environments without `database`, both in the default
# state_dir (.stagecoach/ENV each): promote reads staging's records (last
# success, release manifest) and records production's run as promoted from
# staging; the direct deploy to production is refused (exit 5); each
# environment's records and lock are its own.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
cat >stagecoach.conf <<'CONF'
version = 1;
project = "nodb-promote";
environments = {
  staging = { };
  production = { protected = true; promote_from = "staging"; };
};
steps = ( { name = "mark"; kind = "shell"; command = "echo ${env} ${release} >> marks; sleep ${SLEEP:-0}"; } );
CONF
expect_exit 5 sc promote staging production --approve
assert_contains err "'staging' has no successful deploy"
expect_exit 0 sc deploy staging
rel=$(cut -d' ' -f2 marks)
[ -n "$rel" ] || fail "no release"
expect_exit 5 sc deploy production --approve
assert_contains err "only by promotion from 'staging'"
expect_exit 5 sc promote staging production
assert_eq "$(grep -c production marks)" 0 "nothing ran on production without approval"
# staging held by a slow deploy does not block production
SLEEP=3 "$SC" deploy staging >slow.out 2>&1 &
slow=$!
for i in $(seq 50); do [ "$(grep -c staging marks)" = 2 ] && break; sleep 0.1; done
expect_exit 0 sc promote staging production --approve
assert_contains out "succeeded"
wait $slow || fail "the slow staging deploy failed: $(cat slow.out)"
assert_eq "$(grep -c "production $rel" marks)" 1 "production got staging's release once"
expect_exit 0 sc history production
assert_contains out "promoted from staging"
python3 - .stagecoach/production/runs "$rel" <<'PY' || fail "production's record"
import json, os, sys
runs = [json.load(open(os.path.join(sys.argv[1], f))) for f in os.listdir(sys.argv[1])]
assert [(r["command"], r["status"], r["release"], r["promoted_from"]) for r in runs] == \
    [("promote", "succeeded", sys.argv[2], "staging")], runs
PY
assert_eq "$(ls .stagecoach/staging/runs | wc -l)" 2 "staging's runs stay in staging's folder"
expect_exit 0 sc status production
assert_contains out "current release: $rel"
pass
