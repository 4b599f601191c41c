#!/bin/bash
# examples/shell-only: its README's commands, as written, against the sandbox
# they start (make sandbox); the run is recorded in the local database and
# `status` shows it.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/readme.sh"
. "$(dirname "$0")/lib/example.sh"
sc_setup
ex_tree shell-only
readme_next "make sandbox"
readme_next ". ./.sandbox/env"
readme_next "validate"
readme_next "deploy local"
assert_contains "$T/out" "deploy 'local' succeeded"
[ -s "$EX/out/release.txt" ] || fail "build step did not write its file"
readme_next "status local"
assert_contains "$T/out" "last run:"
assert_contains "$T/out" "succeeded"
n=$(psql_q "$LOCAL_DATABASE_URL" "SELECT count(*) FROM stagecoach.run_steps WHERE status = 'succeeded'")
assert_eq "$n" 3 "succeeded step rows"
readme_next "history local"
readme_next "make sandbox-stop"
readme_done
[ ! -e "$SANDBOX_DIR" ] || fail "make sandbox-stop left $SANDBOX_DIR"
pass
