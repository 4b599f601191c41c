#!/bin/bash
# The fixture folders in tests/fixtures/migrations are real SQL, not just
# parseable: psql applies their ups in version order on a real PostgreSQL,
# then their downs newest first, leaving no table behind.  The lint says they
# are clean (lint-command.sh), so a false finding there is a lint bug, not a
# fixture bug.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
FIX="$TOP/tests/fixtures/migrations"
run_sql() { psql "$1" -X -q -v ON_ERROR_STOP=1 -f "$2" >/dev/null 2>"$T/psql.err" || fail "$2: $(cat "$T/psql.err")"; }
tables() { psql_q "$1" "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'"; }

# golang-migrate: ups ascending, downs descending
URL=$(pg_createdb golang)
for f in $(ls "$FIX"/golang/*.up.sql | sort); do run_sql "$URL" "$f"; done
assert_eq "$(tables "$URL")" "accounts,orders" "golang tables"
assert_eq "$(psql_q "$URL" "SELECT indisvalid FROM pg_index WHERE indexrelid = 'orders_created_at_idx'::regclass")" "t" "concurrent index"
psql_q "$URL" "INSERT INTO accounts (email, password) VALUES ('a@example.com', 'x')" >/dev/null
psql_q "$URL" "UPDATE accounts SET password = 'y'" >/dev/null
assert_eq "$(psql_q "$URL" "SELECT updated_at > created_at FROM accounts")" "t" "the trigger ran"
for f in $(ls "$FIX"/golang/*.down.sql | sort -r); do run_sql "$URL" "$f"; done
assert_eq "$(tables "$URL")" "" "golang downs leave nothing"

# dbmate: the sections of each file
URL=$(pg_createdb dbmate)
for f in $(ls "$FIX"/dbmate/*.sql | sort); do
	awk '/^-- migrate:down/{exit} p{print} /^-- migrate:up/{p=1}' "$f" >"$T/up.sql"
	run_sql "$URL" "$T/up.sql"
done
assert_eq "$(tables "$URL")" "events" "dbmate tables"
for f in $(ls "$FIX"/dbmate/*.sql | sort -r); do
	awk 'p{print} /^-- migrate:down/{p=1}' "$f" >"$T/down.sql"
	run_sql "$URL" "$T/down.sql"
done
assert_eq "$(tables "$URL")" "" "dbmate downs leave nothing"

# Prisma: up only
URL=$(pg_createdb prisma)
for f in $(ls "$FIX"/prisma/*/migration.sql | sort); do run_sql "$URL" "$f"; done
assert_eq "$(tables "$URL")" "Post,Profile,User" "prisma tables"

# the unsafe folder's syntax error is a real one
URL=$(pg_createdb unsafe)
psql "$URL" -X -q -v ON_ERROR_STOP=1 -f "$FIX/unsafe/0011_billing.up.sql" >/dev/null 2>"$T/err" && fail "0011 applied"
assert_contains "$T/err" "syntax error at or near \"NOT\""
assert_contains "$T/err" "LINE 1: CREATE TYPE IF NOT EXISTS"
pass
