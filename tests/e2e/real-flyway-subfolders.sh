#!/bin/bash
# A real Flyway project (conductor's PostgreSQL migrations) laid out in
# subfolders of its location, as Flyway allows: V1..V9 at the top, V10 and
# later in later/ (V15 and later one level deeper).  stagecoach applies them
# all in Flyway's order: the schema equals psql applying every file in that
# order; flyway_schema_history's script is each file's path below the location.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/real-folders.sh"
SRC=$(real_folder flyway-conductor)
sc_setup
pg_start
DIR="$SRC/src/main/resources/db/migration"
mkdir -p loc/later/deeper
for f in "$DIR"/V*__*.sql; do
	b=$(basename "$f"); v=${b#V}; v=${v%%__*}; v=${v%%[._]*}
	if [ "$v" -ge 15 ]; then cp "$f" loc/later/deeper/; elif [ "$v" -ge 10 ]; then cp "$f" loc/later/; else cp "$f" loc/; fi
done
mapfile -t MIGS < <(cd loc && find . -name 'V*__*.sql' | sed 's|^\./||' | python3 -c 'import sys, os
names = [l.strip() for l in sys.stdin]
key = lambda n: [int(p) for p in os.path.basename(n)[1:os.path.basename(n).index("__")].replace("_", ".").split(".")]
print("\n".join(sorted(names, key=key)))')
N=${#MIGS[@]}
[ "$N" -gt 10 ] || fail "too few migrations: $N"
REF=$(pg_createdb reference)
URL=$(pg_createdb app)
for m in "${MIGS[@]}"; do printf '\\i %s\n' "$T/loc/$m"; done >"$T/all.psql"
psql "$REF" -X -q -v ON_ERROR_STOP=1 -f "$T/all.psql" >/dev/null 2>"$T/psql.err" || fail "psql: $(tail -5 "$T/psql.err")"
cat > stagecoach.conf <<CONF
version = 1;
project = "conductor";
migrations = "loc";
environments = { staging = { database = "$URL"; }; };
steps = ( { name = "migrate"; kind = "migrate"; history = "flyway"; } );
CONF
expect_exit 0 sc plan staging
assert_contains "$T/out" "$N pending migrations"
expect_exit 0 sc deploy staging
schema_of "$REF" >"$T/ref.sql"
schema_of "$URL" >"$T/app.sql"
diff -u "$T/ref.sql" "$T/app.sql" >"$T/schema.diff" || fail "schemas differ: $(head -40 "$T/schema.diff")"
printf '%s\n' "${MIGS[@]}" >"$T/want"
psql_q "$URL" "SELECT script FROM flyway_schema_history ORDER BY installed_rank" >"$T/got"
diff -u "$T/want" "$T/got" >"$T/rows.diff" || fail "flyway_schema_history scripts: $(cat "$T/rows.diff")"
grep -q '^later/deeper/V' "$T/got" || fail "no script in later/deeper: $(cat "$T/got")"
pass
