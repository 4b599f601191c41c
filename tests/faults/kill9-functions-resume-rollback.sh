#!/bin/bash
# kill -9 while functions_deploy's first requests are in flight (the API
# applies them anyway), deploy --resume, then `rollback`: the run created
# fn01..fn03, so its rollback must delete all three.
# Was a bug, now fixed (see docs/FAULTS.md): the resumed functions_deploy apply starts from a fresh detail:
# fn01 and fn02, deployed by the killed attempt (recorded as 'pending' in
# the interrupted step's detail, steps/functions_deploy.c), now exist on the
# API with the local content, so the resumed apply takes them as unchanged
# functions the environment already had; the run's records lose that they
# did not exist before the run, and `rollback` deletes only fn03, leaving
# fn01 and fn02 deployed.  Fix: on resume, functions_deploy (or the engine,
# passing the interrupted step's recorded detail to apply) keeps the
# before-state of the killed attempt's entries.
TD=$(cd "$(dirname "$0")" && pwd); until [ -f "$TD/lib/common.sh" ]; do TD=$(dirname "$TD"); done
. "$TD/lib/common.sh"
. "$TD/lib/fake_api.sh"
. "$TD/faults/lib/faults.sh"
sc_setup
pg_start
export DB_URL=$(pg_createdb fn)
api_start
export SB_ACCESS=$API_TOKEN
make_functions functions 3 1
mkdir -p migrations
echo "CREATE TABLE a (id int); INSERT INTO a VALUES (1);" >migrations/001_a.up.sql
echo "DROP TABLE a;" >migrations/001_a.down.sql
write_fn_conf stagecoach.conf '{ name = "migrate"; kind = "migrate"; },
  { name = "functions"; kind = "functions_deploy"; parallel = 2; }'
sed -i 's|^functions = "functions";|functions = "functions";\nmigrations = "migrations";|' stagecoach.conf
# the server holds the deploy requests until released: the kill lands while
# they are in flight however slow the machine (a 1.5 s delay lost that race
# under load: the run had finished when the kill came)
api_ctl POST hold '{"match": "deploy"}' >/dev/null
bg_sc run deploy staging
wait_until 60 eval '[ "$(api_log_count POST "deploy$")" -ge 2 ]'
kill -0 "$BG" 2>/dev/null || fail "the run had ended before the kill"
kill9 "$BG"
api_ctl POST release >/dev/null
wait_until 60 eval '[ "$(api_unfinished)" = 0 ]' # the server finishes the requests in flight
expect_exit 0 sc -c stagecoach.conf status staging
assert_contains "$T/out" "INTERRUPTED"
assert_contains "$T/out" "stopped at step 'functions'"
expect_exit 2 sc -c stagecoach.conf deploy staging
assert_contains "$T/err" "was interrupted at step 'functions'"
expect_exit 0 sc -c stagecoach.conf deploy staging --resume
assert_eq "$(api_py 'sorted(F.keys())')" '["fn01", "fn02", "fn03"]' "functions after the resume"
for f in fn01 fn02 fn03; do
	grep -q "$f" <<<"$(api_py "F['$f']['files']['index.ts']")" || fail "$f does not hold its source"
done
assert_eq "$(psql_q "$DB_URL" "SELECT count(*) FROM a")" 1 "the migration applied once"
assert_eq "$(psql_q "$DB_URL" "SELECT count(*) || ' ' || min(status) FROM stagecoach.runs")" "1 succeeded" "one run, resumed"
# the records let a later rollback undo the functions: they are all known
expect_exit 0 sc -c stagecoach.conf rollback staging --last --yes
assert_eq "$(api_py 'sorted(F.keys())')" '[]' "rollback of the resumed run deletes the new functions"
assert_eq "$(psql_q "$DB_URL" "SELECT count(*) FROM pg_class WHERE relname = 'a'")" 0 "and drops the migration"
assert_no_token
pass
