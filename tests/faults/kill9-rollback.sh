#!/bin/bash
# kill -9 of `rollback` while a rollback_command runs (FAULTS.md, "Every kill
# is recoverable"): `status` shows the rollback run interrupted and `deploy`
# refuses (exit 2); `rollback --last` ends the killed rollback's processes
# (its rollback_command's sleep), closes the killed run `failed`, and undoes
# the deploy completely; then `status` shows nothing interrupted and the next
# deploy runs; `status` and the refusal name `rollback --last` and `resolve`,
# not `deploy --resume`, which cannot resume a rollback.  (Was: the undo completed, but the killed rollback run stayed
# `running`, so status kept saying INTERRUPTED and every deploy was refused,
# and its rollback_command's child kept running.)
TD=$(cd "$(dirname "$0")" && pwd); until [ -f "$TD/lib/common.sh" ]; do TD=$(dirname "$TD"); done
. "$TD/lib/common.sh"
. "$TD/faults/lib/faults.sh"
sc_setup
pg_start
export APP_DB=$(pg_createdb app)
cat >stagecoach.conf <<'CONF'
version = 1;
project = "k9rollback";
environments = { staging = { database = "${APP_DB}"; }; };
steps = (
  { name = "a"; kind = "shell"; command = "echo a >>marks"; rollback_command = "echo undo-a >>marks"; },
  { name = "b"; kind = "shell"; command = "echo b >>marks";
    rollback_command = "test -f again || { sleep 600 & echo $$! >sleep.pid; wait; }; echo undo-b >>marks"; }
);
CONF
running() { local s; s=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null); [ -n "$s" ] && [ "$s" != Z ]; }
expect_exit 0 sc deploy staging --release v1
bg_sc rb rollback staging --last --approve --yes
wait_until 60 test -s sleep.pid
SLEEP=$(cat sleep.pid)
at_exit "kill -9 $SLEEP"
kill9 "$BG"
running "$SLEEP" || fail "the rollback_command's child did not outlive stagecoach"
touch again
expect_exit 0 sc status staging
assert_contains "$T/out" "INTERRUPTED"
# the commands it names apply to a killed rollback: nothing to resume
assert_contains "$T/out" "'stagecoach rollback staging --last' to finish undoing"
assert_not_contains "$T/out" "deploy staging --resume"
expect_exit 2 sc deploy staging --release v2
assert_contains "$T/err" "was interrupted"
assert_contains "$T/err" "'stagecoach rollback staging --last' to finish undoing"
assert_not_contains "$T/err" "--resume"
expect_exit 0 sc rollback staging --last --approve --yes
assert_contains "$T/err" "was killed but left"
assert_contains "$T/out" "(rollback, killed) closed as failed"
assert_contains "$T/out" "is back at release (before any deploy)"
wait_until 20 eval "! running $SLEEP"
assert_eq "$(tr '\n' ' ' <marks)" "a b undo-b undo-a " "every step undone"
assert_eq "$(psql_q "$APP_DB" "SELECT string_agg(command || ':' || status, ' ' ORDER BY started_at) FROM stagecoach.runs")" \
	"deploy:rolled_back rollback:failed rollback:succeeded" "the records"
expect_exit 0 sc status staging
assert_not_contains "$T/out" "INTERRUPTED"
expect_exit 0 sc deploy staging --release v2
pass
