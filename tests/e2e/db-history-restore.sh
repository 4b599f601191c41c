#!/bin/bash
# A release that created the tool's history table (history = "supabase" on
# a database without supabase_migrations) fails at a later step: the
# rollback restores the backup taken before it, which has no such table, and
# still completes (exit 1, not 3): removing the run's rows from a table the
# restore took away is nothing to do.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
URL=$(pg_createdb app)
mkdir -p supabase/migrations
echo 'create table a (id int);' > supabase/migrations/20240101000000_a.sql
cat > stagecoach.conf <<CONF
version = 1;
project = "hr";
migrations = "supabase/migrations";
environments = { staging = { database = "$URL"; }; };
steps = ( { name = "backup"; kind = "pg_backup"; dir = "backups"; },
          { name = "migrate"; kind = "migrate"; rollback = "restore"; history = "supabase"; },
          { name = "check"; kind = "sql_check"; checks = ( { query = "SELECT 1"; expect = "2"; } ); } );
CONF
expect_exit 1 sc deploy staging
assert_eq "$(psql_q "$URL" "SELECT to_regclass('public.a') IS NULL AND to_regnamespace('supabase_migrations') IS NULL")" t "restored to before the release"
assert_eq "$(psql_q "$URL" "SELECT status FROM stagecoach.runs ORDER BY started_at DESC LIMIT 1")" rolled_back "run rolled back"
pass
