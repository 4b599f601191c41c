#!/bin/bash
# Restore fits managed PostgreSQL (issue 13, class 8), as on Supabase: the
# connecting role is not superuser, and platform schemas (auth, storage,
# extensions with pgcrypto, supabase_functions) belong to another role.
#  - a deploy's backup covers the role's own schemas only, and its
#    automatic restore (rollback = "restore") puts them back exactly while
#    the platform schemas, their rows and extension stay as they are (the
#    old restore dropped every schema: "must be owner");
#  - `backup` then `restore` as that role; `status` then shows the release
#    the database is really at;
#  - `schemas = [...]` limits backup and restore; a platform schema in it
#    is a config error with FILE:LINE.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
APP_PASS="app-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
psql $PG_SUPER -d postgres -c "CREATE ROLE app_owner LOGIN NOSUPERUSER PASSWORD '$APP_PASS'" -c "CREATE ROLE platform_admin NOLOGIN" \
	-c "CREATE DATABASE app OWNER app_owner" >/dev/null || fail "cannot create the roles"
psql $PG_SUPER -d app -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
CREATE SCHEMA auth AUTHORIZATION platform_admin;
CREATE TABLE auth.users (id int PRIMARY KEY, email text);
ALTER TABLE auth.users OWNER TO platform_admin;
INSERT INTO auth.users SELECT g, 'u' || g || '@x' FROM generate_series(1, 5) g;
CREATE SCHEMA storage AUTHORIZATION platform_admin;
CREATE TABLE storage.objects (id int);
ALTER TABLE storage.objects OWNER TO platform_admin;
CREATE SCHEMA supabase_functions AUTHORIZATION platform_admin;
CREATE SCHEMA extensions;
CREATE EXTENSION pgcrypto SCHEMA extensions;
GRANT USAGE ON SCHEMA extensions TO app_owner;
SQL
URL="postgresql://app_owner:$APP_PASS@127.0.0.1:$PGPORT/app"
psql_q "$URL" "CREATE TABLE items (id serial PRIMARY KEY, name text, token text DEFAULT encode(extensions.gen_random_bytes(4), 'hex'));
	INSERT INTO items (name) SELECT 'i' || g FROM generate_series(1, 20) g;
	CREATE SCHEMA billing; CREATE TABLE billing.invoices (id int PRIMARY KEY, total numeric);
	INSERT INTO billing.invoices VALUES (1, 10), (2, 20);" >/dev/null
[ "$(psql_q "$URL" "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")" = f ] || fail "the role is superuser"
app_dump() {
	"$PG_BIN/pg_dump" -h "$PGSOCK" -p "$PGPORT" -U postgres -n public -n billing app | grep -v '^\\\(un\)\?restrict' >"$1"
}
platform() { psql $PG_SUPER -d app -A -t -c "SELECT (SELECT count(*) FROM auth.users) || ',' || (SELECT count(*) FROM pg_extension WHERE extname = 'pgcrypto') || ',' || (SELECT count(*) FROM pg_namespace WHERE nspname IN ('auth', 'storage', 'extensions', 'supabase_functions'))"; }
assert_eq "$(platform)" "5,1,4" "platform set up"
mkdir migrations
cat >migrations/0001_more.up.sql <<'SQL'
ALTER TABLE items ADD COLUMN price numeric;
UPDATE items SET price = id * 2;
CREATE TABLE billing.refunds (id int);
INSERT INTO billing.refunds VALUES (1);
SQL
cat >stagecoach.conf <<CONF
version = 1;
project = "managed";
migrations = "migrations";
environments = { staging = { database = "$URL"; }; };
steps = ( { name = "backup"; kind = "pg_backup"; dir = "backups"; },
          { name = "migrate"; kind = "migrate"; rollback = "restore"; },
          { name = "smoke"; kind = "shell"; command = "exit 1"; } );
CONF
app_dump before.sql
expect_exit 1 sc deploy staging --release r1
assert_eq "$(psql_q "$URL" "SELECT status FROM stagecoach.run_steps WHERE name = 'migrate'")" rolled_back \
	"the migration did not run and get restored"
app_dump after.sql
diff -u before.sql after.sql >&2 || fail "the app's schemas differ after the restore"
assert_eq "$(platform)" "5,1,4" "the restore touched the platform's schemas"
"$PG_BIN/pg_restore" --list "$(ls backups/*.dump | grep -v pre-restore)" >list.txt
assert_not_contains list.txt " auth "
assert_not_contains list.txt "EXTENSION - pgcrypto"
assert_contains list.txt "TABLE public items"
assert_contains list.txt "TABLE billing invoices"

# backup, deploy, writes, restore as the same role; status shows the release
rm -f migrations/*
cat >stagecoach.conf <<CONF
version = 1;
project = "managed";
migrations = "migrations";
environments = { staging = { database = "$URL"; }; };
steps = ( { name = "backup"; kind = "pg_backup"; dir = "backups"; },
          { name = "migrate"; kind = "migrate"; } );
CONF
echo 'CREATE TABLE t1 (x int);' >migrations/0001_t1.up.sql
expect_exit 0 sc deploy staging --release v1
expect_exit 0 sc backup staging
f=$(ls -t backups/*.dump | head -1)
echo 'CREATE TABLE t2 (x int);' >migrations/0002_t2.up.sql
expect_exit 0 sc deploy staging --release v2
psql_q "$URL" "INSERT INTO items (name) VALUES ('late')" >/dev/null
expect_exit 5 sc restore staging "$f" --yes
assert_contains "$T/err" "public.items: 1 inserted"
expect_exit 0 sc restore staging "$f" --approve
assert_eq "$(psql_q "$URL" "SELECT to_regclass('public.t2') IS NULL AND to_regclass('public.t1') IS NOT NULL")" t "restored"
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM items WHERE name = 'late'")" 0 "restored rows"
assert_eq "$(platform)" "5,1,4" "restore touched the platform's schemas"
ls backups/*.pre-restore.dump >/dev/null 2>&1 || fail "no safety backup"
expect_exit 0 sc status staging
assert_contains "$T/out" "current release: v1, database restored"
expect_exit 0 sc --json status staging
assert_contains "$T/out" '"current_release":"v1"'
n=$(ls backups | wc -l)
expect_exit 0 sc restore staging "$f" --yes --no-safety-backup
assert_eq "$(ls backups | wc -l)" "$n" "--no-safety-backup took one"

# schemas = ["billing"]: public is neither backed up nor replaced
sed -i 's/dir = "backups"; }/dir = "backups"; schemas = [ "billing" ]; }/' stagecoach.conf
expect_exit 0 sc backup staging
f=$(ls -t backups/*.dump | grep -v pre-restore | head -1)
"$PG_BIN/pg_restore" --list "$f" >list2.txt
assert_not_contains list2.txt "TABLE public items"
assert_contains list2.txt "TABLE billing invoices"
psql_q "$URL" "INSERT INTO items (name) VALUES ('kept'); INSERT INTO billing.invoices VALUES (3, 30)" >/dev/null
expect_exit 0 sc restore staging "$f" --approve
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM items WHERE name = 'kept'")" 1 "a schema outside 'schemas' was replaced"
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM billing.invoices")" 2 "billing not restored"

# a platform schema in 'schemas': a config error naming the line
sed -i 's/schemas = \[ "billing" \]/schemas = [ "billing", "auth" ]/' stagecoach.conf
expect_exit 2 sc validate
assert_contains "$T/err" "stagecoach.conf:"
assert_contains "$T/err" "'auth'"
pass
