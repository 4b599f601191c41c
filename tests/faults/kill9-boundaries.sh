#!/bin/bash
# kill -9 at the step boundaries, held there by a trigger on the state
# tables (the state write blocks, the process is killed, its sessions are
# ended): (a) before a step's 'running' row, (b) after a migrate step's work
# committed but before its 'succeeded' row, (c) after the last step's work,
# before its row, then `rollback`, (d) before the run's final row.  Each
# time status says interrupted, deploy exits 2, and deploy --resume (or
# rollback) leaves the environment consistent: every migration applied once,
# every row there.
TD=$(cd "$(dirname "$0")" && pwd); until [ -f "$TD/lib/common.sh" ]; do TD=$(dirname "$TD"); done
. "$TD/lib/common.sh"
. "$TD/faults/lib/faults.sh"
sc_setup
pg_start
mkdir -p migrations
cat >stagecoach.conf <<'CONF'
version = 1;
project = "k9b";
migrations = "migrations";
environments = { staging = { database = "${APP_DB}"; }; warm = { database = "${APP_DB}"; }; };
steps = (
  { name = "one"; kind = "shell"; command = "echo one >> marks-${STAGECOACH_RUN_ID:-x}"; 
    rollback_command = "echo undo-one >> marks"; skip = [ "warm" ]; },
  { name = "migrate"; kind = "migrate"; skip = [ "warm" ]; },
  { name = "two"; kind = "shell"; command = "echo two >> marks"; rollback_command = "echo undo-two >> marks";
    skip = [ "warm" ]; }
);
CONF
sed -i 's/marks-\${STAGECOACH_RUN_ID:-x}/marks/' stagecoach.conf
printf 'CREATE TABLE a (id int);\nINSERT INTO a VALUES (1);\nINSERT INTO keep VALUES (-1);\n' >migrations/001_a.up.sql
echo "DROP TABLE a; DELETE FROM keep WHERE id = -1;" >migrations/001_a.down.sql

# hold TABLE POSITION STATUS: the next write of that row (status) blocks
setup_db() {
	export APP_DB=$(pg_createdb "$1")
	psql_q "$APP_DB" "CREATE TABLE keep (id int); INSERT INTO keep SELECT generate_series(1, 100)"
	expect_exit 0 sc rollback staging --last --yes   # creates the stagecoach schema (nothing to undo, no run)
	psql_q "$APP_DB" "
SET client_min_messages = warning;
CREATE TABLE public.hold (tbl text, pos int, st text);
CREATE FUNCTION public.hold_steps() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN
  IF EXISTS (SELECT 1 FROM public.hold h WHERE h.tbl = 'run_steps' AND h.pos = NEW.position AND h.st = NEW.status) THEN
    PERFORM pg_sleep(60);
  END IF;
  RETURN NEW;
END \$\$;
CREATE FUNCTION public.hold_runs() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN
  IF EXISTS (SELECT 1 FROM public.hold h WHERE h.tbl = 'runs' AND h.st = NEW.status) THEN
    PERFORM pg_sleep(60);
  END IF;
  RETURN NEW;
END \$\$;
CREATE TRIGGER hold BEFORE INSERT OR UPDATE ON stagecoach.run_steps FOR EACH ROW EXECUTE FUNCTION public.hold_steps();
CREATE TRIGGER hold BEFORE UPDATE ON stagecoach.runs FOR EACH ROW EXECUTE FUNCTION public.hold_runs();" >/dev/null || fail "cannot create the triggers"
	rm -f marks
}
kill_at() { # TABLE POS STATUS
	psql_q "$APP_DB" "INSERT INTO public.hold VALUES ('$1', $2, '$3')"
	bg_sc run deploy staging
	wait_until 20 sc_sleeping "$APP_DB"
	kill9 "$BG"
	pg_terminate_orphans "$APP_DB"
	psql_q "$APP_DB" "DELETE FROM public.hold"
	expect_exit 0 sc status staging
	assert_contains "$T/out" "INTERRUPTED"
	expect_exit 2 sc deploy staging
	assert_contains "$T/err" "was interrupted"
}
consistent() { # WHAT: migration applied exactly once, rows there
	assert_eq "$(psql_q "$APP_DB" "SELECT string_agg(version, ',') FROM stagecoach.schema_migrations")" "001" "$1: history"
	assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM a")" 1 "$1: 001 applied once"
	assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM keep")" 101 "$1: rows"
}
staging_runs() { psql_q "$APP_DB" "SELECT string_agg(status, ' ' ORDER BY started_at) FROM stagecoach.runs WHERE env = 'staging'"; }
pos() { psql_q "$APP_DB" "SELECT position FROM stagecoach.run_steps WHERE name = '$1' ORDER BY run_id DESC LIMIT 1"; }

# positions as the engine numbers them (from a dry deploy on a scratch database)
export APP_DB=$(pg_createdb probe)
psql_q "$APP_DB" "CREATE TABLE keep (id int)"
expect_exit 0 sc deploy staging
P_MIGRATE=$(pos migrate); P_TWO=$(pos two)
rm -f marks

# (a) before the migrate step's 'running' row: the migration never started
setup_db a
kill_at run_steps "$P_MIGRATE" running
assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM stagecoach.schema_migrations")" 0 "(a): nothing migrated"
assert_contains "$T/err" "at step 'one'"
expect_exit 0 sc deploy staging --resume
consistent "(a)"
assert_eq "$(tr '\n' ' ' <marks)" "one two " "(a): each shell step ran once"

# (b) the migration committed, the step row still says running
setup_db b
kill_at run_steps "$P_MIGRATE" succeeded
assert_contains "$T/err" "at step 'migrate'"
consistent "(b) after the kill"
expect_exit 0 sc deploy staging --resume
consistent "(b)"
assert_eq "$(tr '\n' ' ' <marks)" "one two " "(b): each shell step ran once"
assert_eq "$(staging_runs)" succeeded "(b): run"

# (c) the last step ran, its row says running: rollback undoes all three
setup_db c
kill_at run_steps "$P_TWO" succeeded
expect_exit 0 sc rollback staging --last --yes
assert_eq "$(tr '\n' ' ' <marks)" "one two undo-two undo-one " "(c): marks"
assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM stagecoach.schema_migrations")" 0 "(c): history"
assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM pg_class WHERE relname = 'a'")" 0 "(c): table a"
assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM keep")" 100 "(c): rows"
assert_eq "$(psql_q "$APP_DB" "SELECT status FROM stagecoach.runs WHERE env = 'staging' AND command = 'deploy'")" rolled_back "(c): run"
expect_exit 0 sc deploy staging
consistent "(c) redeployed"

# (d) every step done, the run's final row not written
setup_db d
kill_at runs 0 succeeded
expect_exit 0 sc deploy staging --resume
consistent "(d)"
assert_eq "$(tr '\n' ' ' <marks)" "one two " "(d): nothing ran twice"
assert_eq "$(staging_runs)" succeeded "(d): run"
pass
