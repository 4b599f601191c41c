#!/bin/bash
# kill -9 of a run while its shell step's command runs: the command that moves
# the environment on first ends the processes the killed run left (FAULTS.md,
# "Every kill is recoverable").  The step leaves three processes behind:
#  - its own process group, whose leader cleared its environment (as sudo's
#    env_reset does) and a child of it: nothing carries STAGECOACH_RUN_ID, so
#    only the run's records find them (each child is recorded with its pid,
#    process group and start time before it runs anything);
#  - a process that left the group (setsid) but keeps STAGECOACH_RUN_ID: only
#    the fallback scan of /proc finds it.
# Cases: `rollback` (its rollback_command sees them gone; a record whose pid
# now names another process, or whose boot is another, kills nothing),
# `deploy --resume`, `resolve` of a run recorded by an older stagecoach (state
# schema 3, no records: upgraded, the scan still ends what carries the mark),
# the same without a database (records in state_dir), and `resolve` after a
# kill -9 of `backup` while pg_dump waits for a lock (pg_dump ended with the
# process group it leads).  Every wait is on a condition,
# bounded; no fixed sleep.  (Was: the processes were found by their
# environment only, so a child that cleared it kept running.)
TD=$(cd "$(dirname "$0")" && pwd); until [ -f "$TD/lib/common.sh" ]; do TD=$(dirname "$TD"); done
. "$TD/lib/common.sh"
. "$TD/faults/lib/faults.sh"
sc_setup
pg_start
export APP_DB=$(pg_createdb app)
cat >loop.sh <<'SH'
test -f resumed && exit 0
setsid sh -c 'echo $$ >pid.esc.tmp && mv pid.esc.tmp pid.esc; exec sleep 600' &
echo $$ >pid.grp
exec env -i PATH=/usr/bin:/bin /bin/sh -c 'sleep 600 & echo $! >pid.kid.tmp && mv pid.kid.tmp pid.kid; wait'
SH
cat >check.sh <<'SH'
for f in pid.grp pid.kid pid.esc; do
	s=$(cut -d' ' -f3 "/proc/$(cat $f)/stat" 2>/dev/null)
	[ -n "$s" ] && [ "$s" != Z ] && echo "alive $f"
done >>marks
echo checked >>marks
SH
cat >stagecoach.conf <<'CONF'
version = 1;
project = "k9children";
environments = { staging = { database = "${APP_DB}"; }; local = { }; };
steps = (
  { name = "loop"; kind = "shell"; command = "exec sh loop.sh"; rollback_command = "sh check.sh"; }
);
CONF
# running: the process exists and is not a zombie (nothing reaps orphans here)
running() { local s; s=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null); [ -n "$s" ] && [ "$s" != Z ]; }
gone() { ! running "$1"; }
marked() { tr '\0' '\n' <"/proc/$1/environ" 2>/dev/null | grep -q '^STAGECOACH_RUN_ID='; }
end_all() { local f; for f in pid.grp pid.kid pid.esc; do [ -s "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null; done; return 0; }
at_exit "cd '$T' && end_all"
start_and_kill() {
	rm -f pid.grp pid.kid pid.esc marks
	bg_sc run "$@"
	wait_until 60 test -s pid.grp -a -s pid.kid -a -s pid.esc
	kill9 "$BG"
	GRP=$(cat pid.grp) KID=$(cat pid.kid) ESC=$(cat pid.esc)
	running "$GRP" && running "$KID" && running "$ESC" || fail "$1: the processes did not outlive stagecoach"
	! marked "$GRP" && ! marked "$KID" && marked "$ESC" || fail "the test's processes are not as described"
}
all_gone() {
	wait_until 20 gone "$GRP"
	wait_until 20 gone "$KID"
	wait_until 20 gone "$ESC"
}

# 1. rollback; a forged record whose pid names another process is left alone
start_and_kill deploy staging
setsid sleep 600 &
VICTIM=$!
at_exit "kill -9 $VICTIM"
wait_until 10 running "$VICTIM"
BOOT=$(cat /proc/sys/kernel/random/boot_id)
VSTART=$(cut -d' ' -f22 "/proc/$VICTIM/stat")
psql_q "$APP_DB" "UPDATE stagecoach.runs SET children = children || jsonb_build_array(
  jsonb_build_object('pid', $VICTIM, 'pgid', $VICTIM, 'start', $VSTART - 1, 'boot', '$BOOT', 'what', 'sh'),
  jsonb_build_object('pid', $VICTIM, 'pgid', $VICTIM, 'start', $VSTART, 'boot', 'another-boot', 'what', 'sh'))
  WHERE status = 'running'" >/dev/null
assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM stagecoach.runs r, jsonb_array_elements(r.children) c
  WHERE (c->>'pid')::int = $GRP AND (c->>'pgid')::int = $GRP AND c->>'what' = 'sh'")" 1 "the step's child recorded"
expect_exit 0 sc rollback staging --last --approve --yes
assert_contains "$T/err" "was killed but left 2 processes"
assert_contains "$T/err" "$GRP sh and its process group, recorded"
assert_contains "$T/err" "$ESC sleep and its process group, found by its environment"
assert_eq "$(cat marks)" checked "rollback_command ran after the processes were ended"
all_gone
running "$VICTIM" || fail "a recorded pid that now names another process was killed"

# 2. deploy --resume
start_and_kill deploy staging
touch resumed
expect_exit 0 sc deploy staging --resume
rm -f resumed
assert_contains "$T/err" "was killed but left 2 processes"
all_gone

# 3. resolve of a run recorded by an older stagecoach (schema 3: no records)
start_and_kill deploy staging
psql_q "$APP_DB" "ALTER TABLE stagecoach.runs DROP COLUMN children; DELETE FROM stagecoach.schema_version WHERE version = 4" >/dev/null
expect_exit 0 sc resolve staging --approve --note "stopped by hand"
assert_eq "$(psql_q "$APP_DB" "SELECT max(version) FROM stagecoach.schema_version")" 4 "state schema upgraded"
assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM information_schema.columns
  WHERE table_schema = 'stagecoach' AND table_name = 'runs' AND column_name = 'children'")" 1 "runs.children added"
assert_contains "$T/err" "was killed but left 1 process "
wait_until 20 gone "$ESC"
running "$GRP" || fail "the test proves nothing: without records the unmarked group should have been missed"
end_all

# 4. without a database: the records are in the run's document
start_and_kill deploy local
grep -q "\"pid\": $GRP" .stagecoach/local/runs/*.json || fail "the child is not in the run document"
expect_exit 0 sc rollback local --last --approve --yes
assert_contains "$T/err" "was killed but left 2 processes"
assert_eq "$(cat marks)" checked "rollback_command ran after the processes were ended (state_dir)"
all_gone

# 5. kill -9 of `backup` while pg_dump waits for a lock, then resolve
psql_q "$APP_DB" "CREATE TABLE t (id int)" >/dev/null
psql -X -q "$APP_DB" -c "BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(600)" >/dev/null 2>&1 &
LOCKER=$!
at_exit "kill $LOCKER"
wait_until 20 pg_active "$APP_DB" "%LOCK TABLE t%"
bg_sc backup backup staging
wait_until 60 pg_active "$APP_DB" "LOCK TABLE public.t IN ACCESS SHARE MODE%"
DUMP=$(pgrep -P "$BG" -x pg_dump)
[ -n "$DUMP" ] || fail "no pg_dump child of stagecoach"
kill9 "$BG"
running "$DUMP" || fail "pg_dump did not outlive stagecoach"
expect_exit 0 sc resolve staging --approve --note "backup killed"
assert_contains "$T/err" "$DUMP pg_dump and its process group, recorded"
wait_until 20 gone "$DUMP"
pass
