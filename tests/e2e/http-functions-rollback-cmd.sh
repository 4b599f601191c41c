#!/bin/bash
# `rollback ENV` undoes a successful functions_deploy from the records alone:
# changed functions get their previous bundle from the artifacts, new ones are
# deleted, even when the checkout no longer has them.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/fake_api.sh"
sc_setup
pg_start
export DB_URL=$(pg_createdb fn)
api_start
export SB_ACCESS=$API_TOKEN
make_functions functions 2 1
write_fn_conf stagecoach.conf '{ name = "functions"; kind = "functions_deploy"; }'
expect_exit 0 sc -c stagecoach.conf deploy staging --release r1
fn01_v1=$(api_py 'F["fn01"]["files"]["index.ts"]')
echo '// v2' >>functions/fn01/index.ts
mkdir -p functions/fn03 && echo 'Deno.serve(() => new Response("3"));' >functions/fn03/index.ts
expect_exit 0 sc -c stagecoach.conf deploy staging --release r2
assert_eq "$(api_py 'sorted(F.keys())')" '["fn01", "fn02", "fn03"]' "after r2"
rm -rf functions/fn03 functions/fn01   # the checkout no longer has them
expect_exit 0 sc -c stagecoach.conf rollback staging --last --yes
assert_eq "$(api_py 'sorted(F.keys())')" '["fn01", "fn02"]' "functions after 'rollback'"
assert_eq "$(api_py 'F["fn01"]["files"]["index.ts"]')" "$fn01_v1" "fn01 after 'rollback'"
assert_no_token
pass
