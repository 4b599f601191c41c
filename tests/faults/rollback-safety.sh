#!/bin/bash
# Rollback never loses data silently and never undoes twice (issue 13,
# class 7):
#  - without a terminal, `rollback ENV` needs --to or --last: exit 2 listing
#    the recent releases, nothing undone (a retried job used to undo one
#    more release each time);
#  - --to the current release is a no-op; a retried --to undoes nothing more;
#  - --dry-run shows each down, and changes nothing;
#  - a missing or corrupted backup, or a missing stored down, refuses the
#    whole rollback before anything is undone (exit 2), naming it;
#  - rows written since a backup: `rollback --dry-run` counts them per
#    table, `rollback` needs --approve, and takes a safety backup first;
#  - an automatic rollback does not restore over them (exit 3, the rows
#    stay) unless on_writes_since_backup = "restore";
#  - pruning (keep = 1) keeps the backups a reachable rollback restores.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
URL=$(pg_createdb app)
psql_q "$URL" "CREATE TABLE items (id serial PRIMARY KEY, name text)" >/dev/null
mkdir migrations
echo 'ALTER TABLE items ADD COLUMN a int;' >migrations/0001_a.up.sql
echo 'ALTER TABLE items DROP COLUMN a;' >migrations/0001_a.down.sql
conf() { # $1: migrate rollback strategy, $2: extra migrate keys, $3: last step
	cat >stagecoach.conf <<CONF
version = 1;
project = "rbsafe";
migrations = "migrations";
environments = { staging = { database = "$URL"; }; };
steps = ( { name = "backup"; kind = "pg_backup"; dir = "backups"; keep = 1; },
          { name = "migrate"; kind = "migrate"; rollback = "$1"; ${2:-} },
          { name = "mark"; kind = "shell"; command = "true"; rollback_command = "touch \$\$PWD/undone-\$\$STAGECOACH_RUN_ID"; }
          ${3:-} );
CONF
}
conf down
expect_exit 0 sc deploy staging --release r1
echo 'ALTER TABLE items ADD COLUMN b int;' >migrations/0002_b.up.sql
echo 'ALTER TABLE items DROP COLUMN b;' >migrations/0002_b.down.sql
expect_exit 0 sc deploy staging --release r2
cols() { psql_q "$URL" "SELECT string_agg(column_name, ',' ORDER BY column_name) FROM information_schema.columns WHERE table_name = 'items'"; }
runs() { psql_q "$URL" "SELECT count(*) FROM stagecoach.runs"; }
assert_eq "$(cols)" "a,b,id,name" "both migrations applied"

# no --to / --last, no terminal: refused, listing the releases
n0=$(runs)
expect_exit 2 sc rollback staging --yes </dev/null
assert_contains "$T/err" "--to RELEASE, or --last"
assert_contains "$T/err" "r2"
assert_contains "$T/err" "r1"
assert_eq "$(cols)" "a,b,id,name" "rollback without --to/--last undid something"
assert_eq "$(runs)" "$n0" "a refused rollback left a run row"

# --to the current release: nothing to do
expect_exit 0 sc rollback staging --to r2 --yes
assert_contains "$T/out" "already at release r2"
assert_eq "$(cols)" "a,b,id,name" "--to the current release undid something"

# --dry-run: each down and each step, nothing changed, no run
expect_exit 0 sc rollback staging --to r1 --dry-run
assert_contains "$T/out" "down 0002_b: ALTER TABLE items DROP COLUMN b;"
assert_contains "$T/out" "step 'mark' (shell)"
assert_contains "$T/out" "nothing was changed"
assert_not_contains "$T/out" "0001_a"
assert_eq "$(cols)" "a,b,id,name" "--dry-run changed the schema"
assert_eq "$(runs)" "$n0" "--dry-run recorded a run"
[ -z "$(ls undone-* 2>/dev/null)" ] || fail "--dry-run ran a rollback_command"

# --to r1 undoes r2; the same job retried undoes nothing more
expect_exit 0 sc rollback staging --to r1 --yes
assert_eq "$(cols)" "a,id,name" "rollback --to r1"
expect_exit 0 sc rollback staging --to r1 --yes
assert_contains "$T/out" "already at release r1"
assert_eq "$(cols)" "a,id,name" "a retried rollback --to undid twice"

# a stored down gone from the records: refused before anything is undone
expect_exit 0 sc deploy staging --release r3
psql_q "$URL" "UPDATE stagecoach.schema_migrations SET down_sql = NULL WHERE version = '0002'" >/dev/null
rm -f backups/*.dump
rm -f undone-*
expect_exit 2 sc rollback staging --last --yes
# (without its down the migration would be undone by the backup, which is gone too)
assert_contains "$T/err" "is missing"
assert_contains "$T/err" "nothing was changed"
[ -z "$(ls undone-* 2>/dev/null)" ] || fail "a rollback refused for a missing down ran the shell rollback"
assert_eq "$(cols)" "a,b,id,name" "refused rollback changed the schema"

# rollback = "restore": a missing backup, then a corrupted one, refuse
psql_q "$URL" "UPDATE stagecoach.runs SET status = 'rolled_back' WHERE release = 'r3'" >/dev/null
psql "$URL" -X -q -c "ALTER TABLE items DROP COLUMN b; DELETE FROM stagecoach.schema_migrations WHERE version = '0002'" >/dev/null
conf restore
expect_exit 0 sc deploy staging --release r4
f=$(ls backups/*.dump)
mv "$f" "$f.away"
expect_exit 2 sc rollback staging --last --approve
assert_contains "$T/err" "the backup of run"
assert_contains "$T/err" "is missing"
mv "$f.away" "$f"
chmod u+w "$f"; printf 'X' | dd of="$f" bs=1 seek=100 conv=notrunc 2>/dev/null
cp "$f" "$f.bad"
expect_exit 2 sc rollback staging --last --approve
assert_contains "$T/err" "is corrupted"
assert_eq "$(cols)" "a,b,id,name" "refused rollback changed the schema"
[ -z "$(ls undone-* 2>/dev/null)" ] || fail "a refused rollback ran the shell rollback"

# rows written since the backup: counted, need --approve, safety backup first
psql_q "$URL" "UPDATE stagecoach.runs SET status = 'rolled_back' WHERE release = 'r4'" >/dev/null
psql "$URL" -X -q -c "ALTER TABLE items DROP COLUMN b; DELETE FROM stagecoach.schema_migrations WHERE version = '0002'" >/dev/null
expect_exit 0 sc deploy staging --release r5
psql_q "$URL" "INSERT INTO items (name) VALUES ('paid-1'), ('paid-2'), ('paid-3'); UPDATE items SET name = 'paid-one' WHERE name = 'paid-1'" >/dev/null
expect_exit 0 sc rollback staging --last --dry-run
assert_contains "$T/out" "public.items: 3 inserted, 1 updated, 0 deleted"
expect_exit 5 sc rollback staging --last --yes
assert_contains "$T/err" "--approve"
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM items")" 3 "rows discarded without approval"
assert_eq "$(cols)" "a,b,id,name" "rollback without approval changed the schema"
expect_exit 0 sc rollback staging --last --approve
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM items")" 0 "restore with --approve"
assert_eq "$(cols)" "a,id,name" "restore with --approve"
safety=$(ls backups/*.pre-restore.dump 2>/dev/null | head -1)
[ -n "$safety" ] || fail "no safety backup before the restore: $(ls backups)"
"$PG_BIN/pg_restore" --data-only -f - "$safety" | grep -q "paid-one" || fail "the safety backup lacks the rows written"

# an automatic rollback does not restore over writes (exit 3, rows kept) ...
echo 'ALTER TABLE items ADD COLUMN c int;' >migrations/0003_c.up.sql
conf restore "" ', { name = "app"; kind = "shell"; command = "psql -X -q \"$$DATABASE_URL\" -c \"INSERT INTO items (name) VALUES (%27order-1%27), (%27order-2%27)\""; },
          { name = "smoke"; kind = "shell"; command = "exit 1"; }'
sed -i "s/%27/'/g" stagecoach.conf
expect_exit 3 sc deploy staging --release r6
assert_contains "$T/err" "public.items: 2 inserted"
assert_contains "$T/err" "--approve"
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM items WHERE name LIKE 'order-%'")" 2 "automatic rollback discarded rows"
# ... unless the migrate step says so
psql_q "$URL" "UPDATE stagecoach.runs SET status = 'rolled_back' WHERE release = 'r6'" >/dev/null
psql "$URL" -X -q -c "ALTER TABLE items DROP COLUMN c; DELETE FROM stagecoach.schema_migrations WHERE version = '0003'; DELETE FROM items" >/dev/null
conf restore 'on_writes_since_backup = "restore";' ', { name = "app"; kind = "shell"; command = "psql -X -q \"$$DATABASE_URL\" -c \"INSERT INTO items (name) VALUES (%27order-1%27)\""; },
          { name = "smoke"; kind = "shell"; command = "exit 1"; }'
sed -i "s/%27/'/g" stagecoach.conf
expect_exit 1 sc deploy staging --release r7
assert_contains "$T/err" "on_writes_since_backup"
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM items")" 0 "on_writes_since_backup = restore did not restore"

# pruning keeps what a reachable rollback restores (keep = 1, 3 restore runs)
rm -rf backups
conf restore
for v in 4 5 6; do
	echo "ALTER TABLE items ADD COLUMN x$v int;" >migrations/000${v}_x$v.up.sql
	expect_exit 0 sc deploy staging --release p$v
done
n=$(ls backups/ | grep -v pre-restore | grep -c '\.dump$')
assert_eq "$n" 3 "backups a reachable rollback needs were pruned (keep = 1): $(ls backups)"
# with downs, the old ones go
conf down
echo "ALTER TABLE items ADD COLUMN x7 int;" >migrations/0007_x7.up.sql
echo "ALTER TABLE items DROP COLUMN x7;" >migrations/0007_x7.down.sql
expect_exit 0 sc rollback staging --to r1 --approve
n=$(ls backups/ | grep -v pre-restore | grep -c '\.dump$')
expect_exit 0 sc deploy staging --release p7
n2=$(ls backups/ | grep -v pre-restore | grep -c '\.dump$')
[ "$n2" -lt "$n" ] || fail "backups no rollback needs were not pruned ($n before, $n2 after): $(ls backups)"
pass
