#!/bin/bash
# A real Prisma project (documenso, 160+ migrations, read in place from
# prisma/migrations): the first 100 applied as `prisma migrate deploy`
# would (each file, then its _prisma_migrations row), then stagecoach takes
# over and applies the rest.  The schema equals psql applying every file,
# and _prisma_migrations is complete and in Prisma's format.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/real-folders.sh"
SRC=$(real_folder prisma-documenso)
sc_setup
pg_start
DIR="$SRC/prisma/migrations"
mapfile -t MIGS < <(cd "$DIR" && ls -d [0-9]*/ | tr -d / | sort)
N=${#MIGS[@]}
[ "$N" -ge 100 ] || fail "only $N migrations in $DIR"
REF=$(pg_createdb reference)
# one psql session per database, each file in its own transaction (as Prisma runs them)
for m in "${MIGS[@]}"; do printf 'BEGIN;\n\\i %s\nCOMMIT;\n' "$DIR/$m/migration.sql"; done >"$T/all.psql"
psql "$REF" -X -q -v ON_ERROR_STOP=1 -f "$T/all.psql" >/dev/null 2>"$T/psql.err" || fail "psql: $(tail -5 "$T/psql.err")"
URL=$(pg_createdb app)
psql_q "$URL" 'CREATE TABLE "_prisma_migrations" ("id" VARCHAR(36) PRIMARY KEY NOT NULL, "checksum" VARCHAR(64) NOT NULL, "finished_at" TIMESTAMPTZ, "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMPTZ, "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(), "applied_steps_count" INTEGER NOT NULL DEFAULT 0)' >/dev/null
for m in "${MIGS[@]:0:100}"; do
	printf 'BEGIN;\n\\i %s\n' "$DIR/$m/migration.sql"
	echo "INSERT INTO _prisma_migrations VALUES (gen_random_uuid()::text, '$(sha256sum "$DIR/$m/migration.sql" | cut -c1-64)', clock_timestamp(), '$m', NULL, NULL, now(), 1);"
	echo "COMMIT;"
done >"$T/first.psql"
psql "$URL" -X -q -v ON_ERROR_STOP=1 -f "$T/first.psql" >/dev/null 2>"$T/psql.err" || fail "psql: $(tail -5 "$T/psql.err")"
cat > stagecoach.conf <<CONF
version = 1;
project = "documenso";
migrations = "$DIR";
environments = { staging = { database = "$URL"; }; };
steps = ( { name = "migrate"; kind = "migrate"; } );
CONF
expect_exit 0 sc plan staging
assert_contains "$T/out" "$((N - 100)) pending migrations (100 applied)"
assert_contains "$T/out" "history: stagecoach's records and prisma's _prisma_migrations"
expect_exit 0 sc deploy staging
expect_exit 0 sc plan staging
assert_contains "$T/out" "no pending migration ($N applied)"
schema_of "$REF" >"$T/ref.sql"
schema_of "$URL" >"$T/app.sql"
diff -u "$T/ref.sql" "$T/app.sql" >"$T/schema.diff" || fail "schemas differ: $(head -40 "$T/schema.diff")"
# _prisma_migrations: one finished row per folder, Prisma's checksum
for m in "${MIGS[@]}"; do echo "$m $(sha256sum "$DIR/$m/migration.sql" | cut -c1-64)"; done >"$T/want"
psql_q "$URL" "SELECT migration_name || ' ' || checksum FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL AND applied_steps_count = 1 ORDER BY migration_name" >"$T/got"
diff -u "$T/want" "$T/got" >"$T/rows.diff" || fail "_prisma_migrations: $(head -20 "$T/rows.diff")"
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM stagecoach.schema_migrations")" "$((N - 100))" "stagecoach's records"
expect_exit 0 sc migrations staging
assert_contains "$T/out" "$N applied, 0 pending, 0 changed, 0 missing"
pass
