#!/bin/bash
# bench/validate.sh: how long discovery + parsing + lint take on a folder of
# N generated migrations (default 1000) in the three layouts, with DO
# blocks, plpgsql functions, triggers and concurrent indexes.  Times
# `stagecoach lint DIR` and `stagecoach validate` on a config pointing at the
# folder (best of 5 runs each).  Target: well under 1 s for 1,000.
# Usage: bench/validate.sh [N]   (SC_BIN=path to the binary)
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
SC="${SC_BIN:-$TOP/stagecoach}"
N=${1:-1000}
W=$(mktemp -d /tmp/sc-bench-validate.XXXXXX)
trap 'rm -rf "$W"' EXIT
M="$W/migrations"
mkdir -p "$M"

python3 - "$M" "$N" <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(1, n + 1):
    v = "%06d" % i
    t = "t%d" % i
    body = f"""-- migration {i}: table {t}
CREATE TABLE {t} (
    id bigserial PRIMARY KEY,
    account_id bigint NOT NULL,
    name text NOT NULL DEFAULT '',
    payload jsonb NOT NULL DEFAULT '{{}}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX {t}_account_idx ON {t} (account_id);

CREATE OR REPLACE FUNCTION {t}_touch() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    NEW.updated_at := now(); -- keep it current; a ; in a comment
    RETURN NEW;
END;
$fn$;

CREATE TRIGGER {t}_touch BEFORE UPDATE ON {t} FOR EACH ROW EXECUTE FUNCTION {t}_touch();

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = '{t}_state') THEN
        CREATE TYPE {t}_state AS ENUM ('new', 'done');
    END IF;
END
$$;
ALTER TABLE {t} ADD COLUMN state {t}_state;
COMMENT ON TABLE {t} IS 'generated; table number {i}';
"""
    down = f"DROP TABLE {t};\nDROP FUNCTION {t}_touch();\nDROP TYPE {t}_state;\n"
    kind = i % 4
    if kind == 0:
        os.makedirs(f"{d}/{v}_create_{t}", exist_ok=True)
        open(f"{d}/{v}_create_{t}/migration.sql", "w").write(body)
    elif kind == 1:
        open(f"{d}/{v}_create_{t}.sql", "w").write("-- migrate:up\n" + body + "\n-- migrate:down\n" + down)
    elif kind == 2:
        open(f"{d}/{v}_create_{t}.up.sql", "w").write(body)
        open(f"{d}/{v}_create_{t}.down.sql", "w").write(down)
    else:
        prev = "t%d" % (i - 1)
        open(f"{d}/{v}_index_{prev}.up.sql", "w").write(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {prev}_created_idx ON {prev} (created_at);\n")
        open(f"{d}/{v}_index_{prev}.down.sql", "w").write(f"DROP INDEX CONCURRENTLY IF EXISTS {prev}_created_idx;\n")
PY

cat >"$W/stagecoach.conf" <<'CONF'
version = 1;
project = "bench";
migrations = "migrations";
environments = { local = { }; };
steps = ( { name = "hello"; kind = "shell"; command = "true"; } );
CONF

best() { # best of 5, in ms
	local best=999999 t0 t1 ms
	for _ in 1 2 3 4 5; do
		t0=$(date +%s%N)
		"$@" >/dev/null 2>&1 || true
		t1=$(date +%s%N)
		ms=$(((t1 - t0) / 1000000))
		[ "$ms" -lt "$best" ] && best=$ms
	done
	echo "$best"
}
files=$(find "$M" -name '*.sql' | wc -l)
bytes=$(du -sb "$M" | cut -f1)
"$SC" lint "$M" >"$W/lint.out" 2>"$W/lint.err" || true
lint_ms=$(best "$SC" lint "$M")
validate_ms=$(best "$SC" -c "$W/stagecoach.conf" validate)
# one seed migration of 100,000 INSERT rows (5 MB): split, not turned into a tree
S="$W/seed"
mkdir -p "$S"
python3 - "$S/000001_seed.up.sql" <<'PY'
import sys
rows = ",\n".join("(%d, 'name %d', 'some text value here', now())" % (i, i) for i in range(100000))
open(sys.argv[1], "w").write("CREATE TABLE s (id int, n text, t text, at timestamptz);\nINSERT INTO s VALUES\n" + rows + ";\n")
PY
seed_ms=$(best "$SC" lint "$S")
echo "migrations: $N ($files files, $bytes bytes)"
echo "lint:     ${lint_ms} ms  ($(tail -1 "$W/lint.err"))"
echo "validate: ${validate_ms} ms"
echo "lint of a 5 MB seed migration: ${seed_ms} ms"
