#!/bin/bash
# A no-transaction migration that fails midway: its statements run one at a
# time, the error names the failing line and the statements already run
# (which stay: they cannot be undone), the step's detail lists them, and,
# with no backup to restore, the rollback cannot complete (exit 3).  A
# dbmate "transaction:false" migration also runs outside a transaction.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
URL=$(pg_createdb app)
psql_q "$URL" "CREATE TABLE t (id int, v int); INSERT INTO t SELECT g, g FROM generate_series(1, 100) g;" >/dev/null
mkdir migrations
cat > migrations/0001_idx.sql <<'SQL'
-- migrate:up transaction:false
CREATE INDEX CONCURRENTLY t_id_idx ON t (id);
-- migrate:down
DROP INDEX CONCURRENTLY t_id_idx;
SQL
cat > migrations/0002_more.up.sql <<'SQL'
-- stagecoach:no-transaction
CREATE INDEX CONCURRENTLY t_v_idx ON t (v);
ALTER TABLE t ADD COLUMN w int;

CREATE INDEX CONCURRENTLY t_w_idx ON nope (w);
SQL
cat > stagecoach.conf <<CONF
version = 1;
project = "notx";
migrations = "migrations";
environments = { staging = { database = "$URL"; }; };
steps = ( { name = "migrate"; kind = "migrate"; } );
CONF
expect_exit 3 sc deploy staging
assert_contains "$T/err" "0002_more.up.sql:5"
assert_contains "$T/err" "after 2 of its 3 statements had run (lines 2, 3"
assert_contains "$T/err" "relation \"nope\" does not exist"
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM pg_indexes WHERE indexname = 't_v_idx'")" 1 "statements run stay"
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM pg_indexes WHERE indexname = 't_id_idx'")" 0 "0001 rolled back by its down"
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM stagecoach.schema_migrations")" 0 "history"
assert_eq "$(psql_q "$URL" "SELECT jsonb_array_length(detail->'partial'->'ran') FROM stagecoach.run_steps WHERE name = 'migrate'")" 2 \
	"detail lists the statements run"
assert_eq "$(psql_q "$URL" "SELECT status FROM stagecoach.runs")" rollback_failed "run status"
pass
