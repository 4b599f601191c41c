#!/bin/bash
# A real Supabase project (supabase/migrations read in place; its migrations
# use auth.users, RLS policies and storage.objects) on a database holding a
# stand-in for the Supabase platform schemas: the first two applied as
# `supabase db push` would (each file, then its row in
# supabase_migrations.schema_migrations), then stagecoach takes over.  The
# schema equals psql applying every file; the history table holds every
# migration with its name and statements.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/real-folders.sh"
SRC=$(real_folder supabase-employee)
sc_setup
pg_start
DIR="$SRC/supabase/migrations"
mapfile -t MIGS < <(cd "$DIR" && ls [0-9]*.sql | sort)
N=${#MIGS[@]}
grep -l "auth.users" "$DIR"/*.sql >/dev/null || fail "no migration uses auth.users"
grep -l "storage.objects" "$DIR"/*.sql >/dev/null || fail "no migration uses storage"
PLATFORM="$TOP/tests/fixtures/supabase-platform.sql"
REF=$(pg_createdb reference)
URL=$(pg_createdb app)
for u in "$REF" "$URL"; do psql "$u" -X -q -v ON_ERROR_STOP=1 -f "$PLATFORM" >/dev/null || fail "platform stand-in"; done
for m in "${MIGS[@]}"; do printf 'BEGIN;\n\\i %s\nCOMMIT;\n' "$DIR/$m"; done >"$T/all.psql"
psql "$REF" -X -q -v ON_ERROR_STOP=1 -f "$T/all.psql" >/dev/null 2>"$T/psql.err" || fail "psql: $(tail -5 "$T/psql.err")"
# what `supabase db push` leaves after the first two
psql_q "$URL" "CREATE SCHEMA supabase_migrations; CREATE TABLE supabase_migrations.schema_migrations (version text NOT NULL PRIMARY KEY); ALTER TABLE supabase_migrations.schema_migrations ADD COLUMN statements text[]; ALTER TABLE supabase_migrations.schema_migrations ADD COLUMN name text" >/dev/null
for m in "${MIGS[@]:0:2}"; do
	v=${m%%_*} n=${m#*_}; n=${n%.sql}
	printf 'BEGIN;\n\\i %s\n' "$DIR/$m"
	echo "INSERT INTO supabase_migrations.schema_migrations (version, name, statements) VALUES ('$v', '$n', ARRAY['(applied by the Supabase CLI)']);"
	echo "COMMIT;"
done >"$T/first.psql"
psql "$URL" -X -q -v ON_ERROR_STOP=1 -f "$T/first.psql" >/dev/null 2>"$T/psql.err" || fail "psql: $(tail -5 "$T/psql.err")"
mkdir -p proj/supabase && ln -s "$DIR" proj/supabase/migrations
cat > proj/stagecoach.conf <<CONF
version = 1;
project = "employees";
migrations = "supabase/migrations";
environments = { staging = { database = "$URL"; }; };
steps = ( { name = "migrate"; kind = "migrate"; } );
CONF
expect_exit 0 sc -c proj/stagecoach.conf plan staging
assert_contains "$T/out" "$((N - 2)) pending migration"
assert_contains "$T/out" "history: stagecoach's records and supabase's supabase_migrations.schema_migrations"
expect_exit 0 sc -c proj/stagecoach.conf deploy staging
schema_of "$REF" >"$T/ref.sql"
schema_of "$URL" >"$T/app.sql"
diff -u "$T/ref.sql" "$T/app.sql" >"$T/schema.diff" || fail "schemas differ: $(head -40 "$T/schema.diff")"
for m in "${MIGS[@]}"; do n=${m#*_}; echo "${m%%_*} ${n%.sql}"; done >"$T/want"
psql_q "$URL" "SELECT version || ' ' || name FROM supabase_migrations.schema_migrations ORDER BY version" >"$T/got"
diff -u "$T/want" "$T/got" >"$T/rows.diff" || fail "history rows: $(cat "$T/rows.diff")"
# the statements stagecoach wrote: every statement of the file, none empty
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM supabase_migrations.schema_migrations WHERE version > '${MIGS[1]%%_*}' AND (array_length(statements, 1) IS NULL OR EXISTS (SELECT 1 FROM unnest(statements) s WHERE s = '' OR s LIKE '%;'))")" 0 "statements"
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM pg_policies WHERE schemaname = 'storage'")" "$(psql_q "$REF" "SELECT count(*) FROM pg_policies WHERE schemaname = 'storage'")" "storage policies"
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM pg_policies")" "$(psql_q "$REF" "SELECT count(*) FROM pg_policies")" "RLS policies"
pass
