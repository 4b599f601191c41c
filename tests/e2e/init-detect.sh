#!/bin/bash
# `stagecoach init` writes a starter config for the folder it stands in,
# from what is there: Prisma, Supabase (migrations and functions), dbmate,
# golang-migrate, Flyway, Alembic.  Database URLs and tokens are ${...}
# variables, never literals; the written config passes `validate` (once the
# variables are set; Supabase and Flyway too); init never overwrites (exit 2); several layouts need
# --layout.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
export STAGING_DATABASE_URL=postgresql://sc:pw@127.0.0.1:1/s PRODUCTION_DATABASE_URL=postgresql://sc:pw@127.0.0.1:1/p
export STAGING_SUPABASE_PROJECT_REF=abc PRODUCTION_SUPABASE_PROJECT_REF=def SUPABASE_ACCESS_TOKEN=sbp_secret

check_common() { # the file has variables only, and the usual environments
	assert_contains stagecoach.conf 'database = "${STAGING_DATABASE_URL}";'
	assert_contains stagecoach.conf 'database = "${PRODUCTION_DATABASE_URL}";'
	assert_contains stagecoach.conf 'protected = true;'
	! grep -E 'postgres(ql)?://|sbp_' stagecoach.conf || fail "a literal URL or token in the written config"
}

# Prisma with Supabase functions
mkdir -p prisma-app/prisma/migrations/20240101000000_init prisma-app/supabase/functions/hello
echo 'CREATE TABLE a (id int);' > prisma-app/prisma/migrations/20240101000000_init/migration.sql
echo 'Deno.serve(() => new Response("hi"));' > prisma-app/supabase/functions/hello/index.ts
cd prisma-app
expect_exit 0 sc init
assert_eq "$(cat "$T/out")" stagecoach.conf "init prints the path"
check_common
assert_contains stagecoach.conf 'migrations = "prisma/migrations";'
assert_contains stagecoach.conf 'functions = "supabase/functions";'
assert_contains stagecoach.conf 'token = "${SUPABASE_ACCESS_TOKEN}";'
assert_contains stagecoach.conf 'kind = "functions_deploy"'
expect_exit 0 sc validate
assert_contains "$T/out" "1 migration"
# never overwrites
cp stagecoach.conf "$T/before.conf"
expect_exit 2 sc init
assert_contains "$T/err" "never overwrites"
cmp -s stagecoach.conf "$T/before.conf" || fail "init changed an existing config"
cd "$T"

# dbmate in db/migrations
mkdir -p dbmate-app/db/migrations
printf -- '-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n' > dbmate-app/db/migrations/20240101000000_a.sql
cd dbmate-app
expect_exit 0 sc init
check_common
assert_contains stagecoach.conf 'migrations = "db/migrations";'
assert_contains stagecoach.conf '# dbmate'
assert_not_contains stagecoach.conf 'functions'
expect_exit 0 sc validate
cd "$T"

# golang-migrate in migrations/
mkdir -p go-app/migrations
echo 'CREATE TABLE a (id int);' > go-app/migrations/1_a.up.sql
echo 'DROP TABLE a;' > go-app/migrations/1_a.down.sql
cd go-app
expect_exit 0 sc init
check_common
assert_contains stagecoach.conf 'migrations = "migrations";'
assert_contains stagecoach.conf '# golang-migrate'
expect_exit 0 sc validate
cd "$T"

# Alembic: a migrate step delegating to alembic, no migrations folder
mkdir -p py-app/alembic/versions
printf '[alembic]\nscript_location = alembic\n' > py-app/alembic.ini
cd py-app
expect_exit 0 sc init
check_common
assert_contains stagecoach.conf 'tool = "alembic"; alembic_ini = "alembic.ini";'
assert_not_contains stagecoach.conf 'migrations = "'
expect_exit 0 sc validate
cd "$T"

# Supabase CLI and Flyway layouts: detected and named
mkdir -p sb-app/supabase/migrations sb-app/supabase/functions/hello
echo 'create table a (id int);' > sb-app/supabase/migrations/20240101000000_a.sql
(cd sb-app && expect_exit 0 sc init && assert_contains stagecoach.conf 'migrations = "supabase/migrations";' &&
	assert_contains stagecoach.conf '# Supabase CLI' && assert_contains stagecoach.conf 'functions = "supabase/functions";' &&
	expect_exit 0 sc validate) || exit 1
mkdir -p fw-app/src/main/resources/db/migration
echo 'CREATE TABLE a (id int);' > fw-app/src/main/resources/db/migration/V1__a.sql
(cd fw-app && expect_exit 0 sc init && assert_contains stagecoach.conf 'migrations = "src/main/resources/db/migration";' &&
	assert_contains stagecoach.conf '# Flyway' && expect_exit 0 sc validate) || exit 1

# several layouts: --layout chooses
mkdir -p two/migrations two/prisma/migrations
cd two
expect_exit 2 sc init
assert_contains "$T/err" "several migration layouts"
assert_contains "$T/err" "--layout"
[ ! -e stagecoach.conf ] || fail "written despite the error"
expect_exit 0 sc init --layout prisma
assert_contains stagecoach.conf 'migrations = "prisma/migrations";'
cd "$T"

# nothing here, --layout dbmate: its folder is made, the config validates
mkdir empty && cd empty
expect_exit 0 sc -c deploy.conf init --layout dbmate
[ -d db/migrations ] || fail "db/migrations not created"
assert_contains deploy.conf 'migrations = "db/migrations";'
expect_exit 0 sc -c deploy.conf validate
expect_exit 2 sc init --layout cobol
expect_exit 0 sc --json -c j.conf init --layout dbmate
python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); assert o=={"v":1,"event":"config_written","path":"j.conf","layout":"dbmate","migrations":"db/migrations","functions":False}, o' "$T/out" ||
	fail "init --json: $(cat "$T/out")"
pass
