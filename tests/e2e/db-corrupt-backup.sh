#!/bin/bash
# A backup changed on disk after it was taken is refused, before anything
# changes: by `restore` (exit 2), and by a migrate rollback = "restore"
# (the rollback cannot complete: exit 3).  An intact one restores, and a
# protected environment needs approval to restore.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
URL=$(pg_createdb app)
psql_q "$URL" "CREATE TABLE t (id int); INSERT INTO t VALUES (1);" >/dev/null
mkdir migrations
echo 'CREATE TABLE u (id int);' > migrations/0001_u.up.sql
cat > stagecoach.conf <<CONF
version = 1;
project = "corrupt";
migrations = "migrations";
environments = { staging = { database = "$URL"; }; production = { database = "$URL"; protected = true; }; };
steps = ( { name = "backup"; kind = "pg_backup"; dir = "backups"; },
          { name = "migrate"; kind = "migrate"; rollback = "restore"; },
          { name = "smoke"; kind = "shell"; command = "chmod u+w backups/*.dump; printf X | dd of=\$\$(ls backups/*.dump) bs=1 seek=200 conv=notrunc 2>/dev/null; exit 1"; only = [ "staging" ]; } );
CONF
expect_exit 0 sc backup staging
f=$(ls backups/*.dump)
psql_q "$URL" "INSERT INTO t VALUES (2)" >/dev/null
printf 'X' | dd of="$f" bs=1 seek=300 conv=notrunc 2>/dev/null
expect_exit 2 sc restore staging "$f" --yes
assert_contains "$T/err" "is corrupted"
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM t")" 2 "a corrupted backup was restored"

# intact file, nothing written since: needs --yes (no terminal)
rm -f backups/*
expect_exit 0 sc backup staging
f=$(ls backups/*.dump)
expect_exit 5 sc restore staging "$f"
assert_contains "$T/err" "--yes"
# rows written since the backup: --yes is not enough, --approve is
psql_q "$URL" "INSERT INTO t VALUES (3); CREATE TABLE later (x int)" >/dev/null
expect_exit 5 sc restore staging "$f" --yes
assert_contains "$T/err" "public.t: 1 inserted"
assert_contains "$T/err" "--approve"
expect_exit 5 sc restore production "$f" --yes
assert_contains "$T/err" "--approve"
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM t")" 3 "restore without approval changed data"
expect_exit 0 sc restore staging "$f" --approve
assert_eq "$(psql_q "$URL" "SELECT string_agg(id::text, ',' ORDER BY id) FROM t")" "1,2" "restored data"
assert_eq "$(psql_q "$URL" "SELECT to_regclass('public.later') IS NULL")" t "object made after the backup kept"
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM stagecoach.runs WHERE command = 'restore' AND status = 'succeeded'")" 1 \
	"restore run recorded"

# rollback = "restore" of a backup corrupted during the run: refused, exit 3
rm -f backups/*
expect_exit 3 sc deploy staging
assert_contains "$T/err" "is corrupted"
assert_eq "$(psql_q "$URL" "SELECT to_regclass('public.u') IS NOT NULL")" t "migration should remain (rollback refused)"
pass
