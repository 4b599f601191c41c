#!/bin/bash
# migrate: the three layouts in one folder apply in numeric order, each with
# its history row; a CREATE INDEX CONCURRENTLY migration runs outside a
# transaction and leaves a valid index; plan changes nothing; a second
# deploy applies nothing.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
URL=$(pg_createdb app)
mkdir -p migrations/20240103_comments
cat > migrations/20240101_users.up.sql <<'SQL'
CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL UNIQUE);
CREATE FUNCTION users_lower() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.email := lower(NEW.email); -- a ';' inside a body
  RETURN NEW;
END $$;
CREATE TRIGGER users_lower BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION users_lower();
DO $$ BEGIN INSERT INTO users (email) VALUES ('A@Example.com'); END $$;
SQL
echo 'DROP TABLE users; DROP FUNCTION users_lower();' > migrations/20240101_users.down.sql
cat > migrations/20240102_posts.sql <<'SQL'
-- migrate:up
CREATE TABLE posts (id serial PRIMARY KEY, user_id int NOT NULL REFERENCES users (id), body text);

-- migrate:down
DROP TABLE posts;
SQL
cat > migrations/20240103_comments/migration.sql <<'SQL'
-- CreateTable
CREATE TABLE "comments" ("id" SERIAL NOT NULL, "post_id" INTEGER NOT NULL, CONSTRAINT "comments_pkey" PRIMARY KEY ("id"));
SQL
cat > migrations/20240104_posts_user_idx.up.sql <<'SQL'
CREATE INDEX CONCURRENTLY posts_user_idx ON posts (user_id);
SQL
echo 'DROP INDEX CONCURRENTLY posts_user_idx;' > migrations/20240104_posts_user_idx.down.sql
cat > stagecoach.conf <<CONF
version = 1;
project = "layouts";
migrations = "migrations";
environments = { staging = { database = "$URL"; }; };
steps = ( { name = "migrate"; kind = "migrate"; lock_timeout_ms = 5000; statement_timeout_ms = 60000; } );
CONF

expect_exit 0 sc plan staging
assert_contains "$T/out" "4 pending migrations"
assert_contains "$T/out" "20240104_posts_user_idx.up.sql (no transaction)"
assert_contains "$T/out" "20240103_comments/migration.sql"
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")" 0 "plan applied something (or created the schema stagecoach)"
assert_eq "$(psql_q "$URL" "SELECT to_regclass('public.users') IS NULL")" t "plan created a table"

expect_exit 0 sc deploy staging
assert_eq "$(psql_q "$URL" "SELECT string_agg(version || ':' || name, ',' ORDER BY version) FROM stagecoach.schema_migrations")" \
	"20240101:users,20240102:posts,20240103:comments,20240104:posts_user_idx" "history"
assert_eq "$(psql_q "$URL" "SELECT email FROM users")" "a@example.com" "trigger and DO block ran"
assert_eq "$(psql_q "$URL" "SELECT indisvalid FROM pg_index WHERE indexrelid = 'posts_user_idx'::regclass")" t \
	"concurrent index valid"
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM stagecoach.schema_migrations WHERE down_sql IS NOT NULL")" 3 "downs stored"
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM stagecoach.schema_migrations WHERE checksum ~ '^[0-9a-f]{64}$' AND duration_ms >= 0 AND applied_at IS NOT NULL AND run_id IS NOT NULL")" 4 "history columns"
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM stagecoach.artifacts WHERE kind = 'down_sql'")" 3 "down_sql artifacts"

# idempotent: nothing pending, nothing applied
before=$(psql_q "$URL" "SELECT string_agg(version || run_id, ',' ORDER BY version) FROM stagecoach.schema_migrations")
expect_exit 0 sc deploy staging
after=$(psql_q "$URL" "SELECT string_agg(version || run_id, ',' ORDER BY version) FROM stagecoach.schema_migrations")
assert_eq "$after" "$before" "second deploy changed the history"
expect_exit 0 sc plan staging
assert_contains "$T/out" "no pending migration (4 applied)"
pass
