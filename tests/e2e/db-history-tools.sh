#!/bin/bash
# History interop: for each tool (Prisma, Supabase, Flyway, golang-migrate,
# dbmate), part of a folder is applied as the tool itself would (its DDL, its
# row format), then stagecoach takes over: it applies only the rest, writes
# each row in the tool's exact format in the migration's transaction, removes
# it on rollback, and stops with exit 2 when the tool's table and its own
# records disagree.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
conf() { # DB FOLDER [HISTORY]
	cat >stagecoach.conf <<CONF
version = 1;
project = "hist";
migrations = "$2";
environments = { staging = { database = "$1"; }; };
steps = ( { name = "migrate"; kind = "migrate"; ${3:+history = \"$3\";} } );
CONF
}
# Flyway's checksum: CRC-32 over the lines without their endings, signed
flyway_crc() { python3 -c 'import sys,zlib; t=open(sys.argv[1],"rb").read().decode(); c=zlib.crc32("".join(t.splitlines()).encode()); print(c-2**32 if c>=2**31 else c)' "$1"; }

# ---- Prisma ----
URL=$(pg_createdb prisma)
mkdir -p prisma/migrations/20240101000000_init prisma/migrations/20240102000000_posts prisma/migrations/20240103000000_tags
echo 'provider = "postgresql"' > prisma/migrations/migration_lock.toml
printf -- '-- CreateTable\nCREATE TABLE "User" ("id" SERIAL NOT NULL, CONSTRAINT "User_pkey" PRIMARY KEY ("id"));\n' > prisma/migrations/20240101000000_init/migration.sql
printf -- '-- CreateTable\nCREATE TABLE "Post" ("id" SERIAL NOT NULL, "authorId" INTEGER NOT NULL);\n' > prisma/migrations/20240102000000_posts/migration.sql
printf -- '-- CreateTable\nCREATE TABLE "Tag" ("id" SERIAL NOT NULL);\n' > prisma/migrations/20240103000000_tags/migration.sql
# what `prisma migrate deploy` leaves after the first two
psql_q "$URL" 'CREATE TABLE "_prisma_migrations" ("id" VARCHAR(36) PRIMARY KEY NOT NULL, "checksum" VARCHAR(64) NOT NULL, "finished_at" TIMESTAMPTZ, "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMPTZ, "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(), "applied_steps_count" INTEGER NOT NULL DEFAULT 0)' >/dev/null
for m in 20240101000000_init 20240102000000_posts; do
	psql "$URL" -X -q -v ON_ERROR_STOP=1 -f prisma/migrations/$m/migration.sql >/dev/null || fail "psql $m"
	psql_q "$URL" "INSERT INTO _prisma_migrations VALUES (gen_random_uuid()::text, '$(sha256sum prisma/migrations/$m/migration.sql | cut -c1-64)', now(), '$m', NULL, NULL, now(), 1)" >/dev/null
done
conf "$URL" prisma/migrations
expect_exit 0 sc plan staging
assert_contains "$T/out" "1 pending migration (2 applied)"
assert_contains "$T/out" "history: stagecoach's records and prisma's _prisma_migrations"
assert_contains "$T/out" "migration_lock.toml: ignored"
expect_exit 0 sc deploy staging
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL AND applied_steps_count = 1 AND logs IS NULL AND id ~ '^[0-9a-f-]{36}$'")" 3 "prisma rows"
assert_eq "$(psql_q "$URL" "SELECT checksum FROM _prisma_migrations WHERE migration_name = '20240103000000_tags'")" \
	"$(sha256sum prisma/migrations/20240103000000_tags/migration.sql | cut -c1-64)" "prisma checksum"
assert_eq "$(psql_q "$URL" "SELECT string_agg(version, ',') FROM stagecoach.schema_migrations")" 20240103000000 "stagecoach records"
# a changed file that Prisma applied is caught by Prisma's checksum
echo '-- edited' >> prisma/migrations/20240101000000_init/migration.sql
expect_exit 2 sc plan staging
assert_contains "$T/err" "20240101000000_init/migration.sql' was changed after prisma applied it"
git_restore() { sed -i '$d' prisma/migrations/20240101000000_init/migration.sql; }
git_restore
# someone ran `prisma migrate deploy` behind stagecoach's back
mkdir prisma/migrations/20240104000000_x && echo 'CREATE TABLE x (id int);' > prisma/migrations/20240104000000_x/migration.sql
psql_q "$URL" "INSERT INTO _prisma_migrations VALUES (gen_random_uuid()::text, 'abc', now(), '20240104000000_x', NULL, NULL, now(), 1)" >/dev/null
expect_exit 2 sc deploy staging
assert_contains "$T/err" "per prisma only: 20240104000000"
psql_q "$URL" "DELETE FROM _prisma_migrations WHERE migration_name = '20240104000000_x'" >/dev/null
# a failed migration in Prisma's table stops the deploy
psql_q "$URL" "INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at) VALUES ('f', 'abc', '20240104000000_x', now())" >/dev/null
expect_exit 2 sc deploy staging
assert_contains "$T/err" "shows migration 20240104000000_x as failed"
psql_q "$URL" "DELETE FROM _prisma_migrations WHERE id = 'f'" >/dev/null
expect_exit 0 sc deploy staging
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM _prisma_migrations")" 4 "prisma rows after the 4th"

# ---- Supabase ----
URL=$(pg_createdb supa)
mkdir -p supabase/migrations
cat > supabase/migrations/20240101000000_init.sql <<'SQL'
create table profiles (id uuid primary key, name text);
alter table profiles enable row level security;
SQL
cat > supabase/migrations/20240102000000_fn.sql <<'SQL'
-- a function with ';' in its body
create function hello() returns text language plpgsql as $$ begin return 'a;b'; end $$;
create policy "read" on profiles for select using (true);
SQL
echo 'insert into profiles values (gen_random_uuid(), $$x$$);' > supabase/seed.sql
touch supabase/migrations/.gitkeep
psql_q "$URL" "CREATE SCHEMA supabase_migrations; CREATE TABLE supabase_migrations.schema_migrations (version text NOT NULL PRIMARY KEY, statements text[], name text)" >/dev/null
psql "$URL" -X -q -v ON_ERROR_STOP=1 -f supabase/migrations/20240101000000_init.sql >/dev/null
psql_q "$URL" "INSERT INTO supabase_migrations.schema_migrations VALUES ('20240101000000', ARRAY['create table profiles (id uuid primary key, name text)', 'alter table profiles enable row level security'], 'init')" >/dev/null
conf "$URL" supabase/migrations
expect_exit 0 sc deploy staging
assert_eq "$(psql_q "$URL" "SELECT version || ':' || name || ':' || array_length(statements, 1) FROM supabase_migrations.schema_migrations ORDER BY version")" \
	"20240101000000:init:2
20240102000000:fn:2" "supabase rows"
assert_eq "$(psql_q "$URL" "SELECT statements[1] FROM supabase_migrations.schema_migrations WHERE version = '20240102000000'")" \
	"-- a function with ';' in its body
create function hello() returns text language plpgsql as \$\$ begin return 'a;b'; end \$\$" "supabase statement"
assert_eq "$(psql_q "$URL" "SELECT hello()")" "a;b" "function body"

# ---- Flyway ----
URL=$(pg_createdb fly)
mkdir -p db/migration
printf 'CREATE TABLE a (id int);\r\nINSERT INTO a VALUES (1);\r\n' > db/migration/V1__create_a.sql
printf 'CREATE TABLE b (id int);\n' > db/migration/V1.1__create_b.sql
psql_q "$URL" 'CREATE TABLE "flyway_schema_history" ("installed_rank" INT NOT NULL, "version" VARCHAR(50), "description" VARCHAR(200) NOT NULL, "type" VARCHAR(20) NOT NULL, "script" VARCHAR(1000) NOT NULL, "checksum" INT, "installed_by" VARCHAR(100) NOT NULL, "installed_on" TIMESTAMP NOT NULL DEFAULT now(), "execution_time" INT NOT NULL, "success" BOOLEAN NOT NULL, CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank"))' >/dev/null
psql "$URL" -X -q -v ON_ERROR_STOP=1 -f db/migration/V1__create_a.sql >/dev/null
psql_q "$URL" "INSERT INTO flyway_schema_history VALUES (1, '1', 'create a', 'SQL', 'V1__create_a.sql', $(flyway_crc db/migration/V1__create_a.sql), 'sc', now(), 3, true)" >/dev/null
conf "$URL" db/migration
expect_exit 0 sc deploy staging
assert_eq "$(psql_q "$URL" "SELECT installed_rank || '|' || version || '|' || description || '|' || type || '|' || script || '|' || checksum || '|' || installed_by || '|' || success FROM flyway_schema_history WHERE installed_rank = 2")" \
	"2|1.1|create b|SQL|V1.1__create_b.sql|$(flyway_crc db/migration/V1.1__create_b.sql)|sc|true" "flyway row"
printf 'CREATE TABLE c (id int);\n' > db/migration/V2__create_c.sql
printf 'DROP TABLE c;\n' > db/migration/U2__create_c.sql
printf 'CREATE OR REPLACE VIEW v AS SELECT 1 AS one;\n' > db/migration/R__views.sql
expect_exit 0 sc deploy staging
assert_eq "$(psql_q "$URL" "SELECT string_agg(coalesce(version, 'R') || ':' || script, ',' ORDER BY installed_rank) FROM flyway_schema_history")" \
	"1:V1__create_a.sql,1.1:V1.1__create_b.sql,2:V2__create_c.sql,R:R__views.sql" "flyway rows"
expect_exit 0 sc deploy staging   # nothing changed: the repeatable stays
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM flyway_schema_history")" 4 "no-op deploy"
printf 'CREATE OR REPLACE VIEW v AS SELECT 1 AS one, 2 AS two;\n' > db/migration/R__views.sql
expect_exit 0 sc deploy staging   # changed: applied again, a new row
assert_eq "$(psql_q "$URL" "SELECT count(*) || ':' || max(installed_rank) FROM flyway_schema_history WHERE script = 'R__views.sql'")" "2:5" "repeatable re-applied"
assert_eq "$(psql_q "$URL" "SELECT checksum FROM flyway_schema_history WHERE installed_rank = 5")" "$(flyway_crc db/migration/R__views.sql)" "repeatable checksum"
assert_eq "$(psql_q "$URL" "SELECT two FROM v")" 2 "view replaced"

# ---- golang-migrate: one row, rolled back to the version before ----
URL=$(pg_createdb gm)
mkdir -p gm
for i in 1 2 3; do echo "CREATE TABLE g$i (id int);" > gm/00${i}_g$i.up.sql; echo "DROP TABLE g$i;" > gm/00${i}_g$i.down.sql; done
psql_q "$URL" "CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL); INSERT INTO schema_migrations VALUES (1, false); CREATE TABLE g1 (id int)" >/dev/null
conf "$URL" gm
expect_exit 0 sc deploy staging
assert_eq "$(psql_q "$URL" "SELECT version || ':' || dirty FROM schema_migrations")" "3:false" "golang row"
expect_exit 0 sc rollback staging --last --yes
assert_eq "$(psql_q "$URL" "SELECT version || ':' || dirty FROM schema_migrations")" "1:false" "golang row after rollback"
assert_eq "$(psql_q "$URL" "SELECT to_regclass('g2') IS NULL AND to_regclass('g1') IS NOT NULL")" t "golang downs ran"
psql_q "$URL" "UPDATE schema_migrations SET dirty = true" >/dev/null
expect_exit 2 sc plan staging
assert_contains "$T/err" "golang-migrate's history (schema_migrations) shows migration 001_g1 as failed"

# ---- dbmate, and an explicit history on an empty database ----
URL=$(pg_createdb dbm)
mkdir -p dbm
for i in 1 2; do printf -- "-- migrate:up\nCREATE TABLE d$i (id int);\n-- migrate:down\nDROP TABLE d$i;\n" > dbm/2024010${i}000000_d$i.sql; done
conf "$URL" dbm dbmate
expect_exit 0 sc deploy staging
assert_eq "$(psql_q "$URL" "SELECT string_agg(version, ',' ORDER BY version) FROM schema_migrations")" "20240101000000,20240102000000" "dbmate rows"
assert_eq "$(psql_q "$URL" "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'schema_migrations'::regclass AND attname = 'version'")" "character varying(128)" "dbmate's DDL"
expect_exit 0 sc rollback staging --last --yes
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM schema_migrations")" 0 "dbmate rows removed"
conf "$URL" dbm nosuchtool
expect_exit 2 sc validate
assert_contains "$T/err" "stagecoach.conf:"
assert_contains "$T/err" "'history' must be"
pass
