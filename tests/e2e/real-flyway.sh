#!/bin/bash
# A real Flyway project (conductor's PostgreSQL migrations, read in place
# from src/main/resources/db/migration, dotted versions such as V13.1): V1 to
# V5 applied as `flyway migrate` would (each file, then its
# flyway_schema_history row with Flyway's CRC-32), then stagecoach takes
# over.  The schema equals psql applying every file in Flyway's order; the
# history table is complete, ranks in order, checksums as Flyway computes.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/real-folders.sh"
SRC=$(real_folder flyway-conductor)
sc_setup
pg_start
DIR="$SRC/src/main/resources/db/migration"
# Flyway's order: versions compared numerically, part by part
mapfile -t MIGS < <(cd "$DIR" && ls V*__*.sql | python3 -c 'import sys
names = [l.strip() for l in sys.stdin]
key = lambda n: [int(p) for p in n[1:n.index("__")].replace("_", ".").split(".")]
print("\n".join(sorted(names, key=key)))')
N=${#MIGS[@]}
crc() { python3 -c 'import sys,zlib; t=open(sys.argv[1],"rb").read().decode("utf-8-sig"); c=zlib.crc32("".join(t.splitlines()).encode()); print(c-2**32 if c>=2**31 else c)' "$1"; }
ver() { local v=${1#V}; v=${v%%__*}; echo "${v//_/.}"; }
desc() { local d=${1#*__}; d=${d%.sql}; echo "${d//_/ }"; }
REF=$(pg_createdb reference)
URL=$(pg_createdb app)
# autocommit: Flyway runs a file holding CREATE/DROP INDEX CONCURRENTLY outside a transaction
for m in "${MIGS[@]}"; do printf '\\i %s\n' "$DIR/$m"; done >"$T/all.psql"
psql "$REF" -X -q -v ON_ERROR_STOP=1 -f "$T/all.psql" >/dev/null 2>"$T/psql.err" || fail "psql: $(tail -5 "$T/psql.err")"
psql_q "$URL" 'CREATE TABLE "flyway_schema_history" ("installed_rank" INT NOT NULL, "version" VARCHAR(50), "description" VARCHAR(200) NOT NULL, "type" VARCHAR(20) NOT NULL, "script" VARCHAR(1000) NOT NULL, "checksum" INT, "installed_by" VARCHAR(100) NOT NULL, "installed_on" TIMESTAMP NOT NULL DEFAULT now(), "execution_time" INT NOT NULL, "success" BOOLEAN NOT NULL, CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank")); CREATE INDEX "flyway_schema_history_s_idx" ON "flyway_schema_history" ("success")' >/dev/null
rank=0
for m in "${MIGS[@]:0:5}"; do
	rank=$((rank + 1))
	printf 'BEGIN;\n\\i %s\n' "$DIR/$m"
	echo "INSERT INTO flyway_schema_history VALUES ($rank, '$(ver "$m")', '$(desc "$m")', 'SQL', '$m', $(crc "$DIR/$m"), current_user, now(), 5, true);"
	echo "COMMIT;"
done >"$T/first.psql"
psql "$URL" -X -q -v ON_ERROR_STOP=1 -f "$T/first.psql" >/dev/null 2>"$T/psql.err" || fail "psql: $(tail -5 "$T/psql.err")"
cat > stagecoach.conf <<CONF
version = 1;
project = "conductor";
migrations = "$DIR";
environments = { staging = { database = "$URL"; }; };
steps = ( { name = "migrate"; kind = "migrate"; } );
CONF
expect_exit 0 sc plan staging
assert_contains "$T/out" "$((N - 5)) pending migrations (5 applied)"
assert_contains "$T/out" "history: stagecoach's records and flyway's flyway_schema_history"
expect_exit 0 sc deploy staging
schema_of "$REF" >"$T/ref.sql"
schema_of "$URL" >"$T/app.sql"
diff -u "$T/ref.sql" "$T/app.sql" >"$T/schema.diff" || fail "schemas differ: $(head -40 "$T/schema.diff")"
rank=0
for m in "${MIGS[@]}"; do rank=$((rank + 1)); echo "$rank|$(ver "$m")|$(desc "$m")|SQL|$m|$(crc "$DIR/$m")|sc|t"; done >"$T/want"
psql_q "$URL" "SELECT installed_rank || '|' || version || '|' || description || '|' || type || '|' || script || '|' || checksum || '|' || installed_by || '|' || success FROM flyway_schema_history ORDER BY installed_rank" | sed 's/|true$/|t/' >"$T/got"
diff -u "$T/want" "$T/got" >"$T/rows.diff" || fail "flyway_schema_history: $(cat "$T/rows.diff")"
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM flyway_schema_history WHERE execution_time >= 0 AND installed_on IS NOT NULL")" "$N" "execution_time, installed_on"
pass
