#!/bin/bash
# Broken migrations (tests/fixtures/bad-migrations/*: syntax errors, SQL
# PostgreSQL does not have, binary and non-UTF-8 files, duplicate versions,
# a down without its up, dbmate files without markers, an unterminated
# dollar quote, CONCURRENTLY in a transaction), a 50 MB migration with an
# error on its last line, and `..` paths in the config: each one is a clear
# error naming the file (and line), exit 2, from `validate` and from
# `deploy`, and the database is unchanged: no table, no run recorded.
TD=$(cd "$(dirname "$0")" && pwd); until [ -f "$TD/lib/common.sh" ]; do TD=$(dirname "$TD"); done
. "$TD/lib/common.sh"
. "$TD/faults/lib/faults.sh"
sc_setup
pg_start
export APP_DB=$(pg_createdb app)
FIX="$TOP/tests/fixtures/bad-migrations"
mkdir -p proj
conf() { # MIGRATIONS_PATH
	cat >proj/stagecoach.conf <<CONF
version = 1;
project = "badmig";
migrations = "$1";
environments = { staging = { database = "\${APP_DB}"; }; };
steps = ( { name = "migrate"; kind = "migrate"; } );
CONF
}
unchanged() { # WHAT
	assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" 0 "$1: tables"
	assert_eq "$(psql_q "$APP_DB" "SELECT CASE WHEN to_regclass('stagecoach.runs') IS NULL THEN 0 ELSE (SELECT count(*) FROM stagecoach.runs) END")" 0 "$1: runs recorded"
}
refused() { # WHAT EXPECTED
	expect_exit 2 sc -c proj/stagecoach.conf validate
	assert_contains "$T/err" "$2"
	expect_exit 2 sc -c proj/stagecoach.conf deploy staging
	assert_contains "$T/err" "$2"
	assert_contains "$T/err" "stagecoach: error:"
	unchanged "$1"
}

n=0
conf migrations
for d in "$FIX"/*/; do
	name=$(basename "$d")
	rm -rf proj/migrations
	mkdir proj/migrations
	find "$d" -mindepth 1 -maxdepth 1 ! -name expect -exec cp -r {} proj/migrations/ \;
	refused "$name" "$(head -1 "$d/expect")"
	n=$((n + 1))
done
[ "$n" -ge 10 ] || fail "only $n fixtures"

# a 50 MB migration whose last line is a syntax error
rm -rf proj/migrations
mkdir proj/migrations
python3 - proj/migrations/001_huge.up.sql >"$T/huge.lines" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("CREATE TABLE big (id int, t text);\n")
    i = 0
    while f.tell() < 50 * 1024 * 1024:
        i += 1
        f.write("INSERT INTO big VALUES (%d, '%s');\n" % (i, "x" * 60))
    f.write("CREAT TABLE oops (id int);\n")
print(i + 2)
PY
t0=$(now_ms)
refused huge "001_huge.up.sql:$(cat "$T/huge.lines"): syntax: syntax error at or near \"CREAT\""
echo "50 MB migration: validate and deploy refused in $(( $(now_ms) - t0 )) ms"
rm -rf proj/migrations

# `..` in the path: a folder outside the project is allowed when it exists
mkdir -p shared/migrations
echo "CREATE TABLE shared_ok (id int);" >shared/migrations/001_shared.up.sql
conf ../shared/migrations
expect_exit 0 sc -c proj/stagecoach.conf validate
expect_exit 0 sc -c proj/stagecoach.conf deploy staging
assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM pg_tables WHERE tablename = 'shared_ok'")" 1 "a folder outside the project"
psql_q "$APP_DB" "SET client_min_messages = warning; DROP SCHEMA stagecoach CASCADE; DROP TABLE shared_ok"
# ... and an error when it does not exist, or is not a folder
conf ../../../../../../no/such/folder
expect_exit 2 sc -c proj/stagecoach.conf validate
assert_contains "$T/err" "migrations folder"
assert_contains "$T/err" "does not exist"
expect_exit 2 sc -c proj/stagecoach.conf deploy staging
assert_contains "$T/err" "no/such/folder"
unchanged "missing folder"
echo "x" >afile
conf ../afile
expect_exit 2 sc -c proj/stagecoach.conf validate
assert_contains "$T/err" "afile"
expect_exit 2 sc -c proj/stagecoach.conf deploy staging
assert_contains "$T/err" "afile"
unchanged "a file as the folder"
pass
