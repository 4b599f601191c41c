#!/bin/bash
# Applying a migration folder gives exactly the schema and data that psql
# applying the same files in order gives: the lint helper's fixture folders
# in the three layouts, and a generated golang-migrate folder of 160 up/down
# pairs full of DO blocks, plpgsql functions, triggers and concurrent
# indexes.  Rolling that release back by its downs leaves the database as
# it was before (empty).
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
FIX="$TOP/tests/fixtures/migrations"
dump() { "$PG_BIN/pg_dump" -N stagecoach "$1" | grep -v '^\\\(un\)\?restrict'; }
up_files() {   # the up SQL files of folder $1, in order, for psql
	local d=$1
	for f in $(ls "$d" | sort); do
		case "$f" in
		*.down.sql) ;;
		*.up.sql) echo "$d/$f" ;;
		*.sql) sed -n '/^-- migrate:up/,/^-- migrate:down/p' "$d/$f" | sed '$d' > "$T/$f.up"; echo "$T/$f.up" ;;
		*) [ -f "$d/$f/migration.sql" ] && echo "$d/$f/migration.sql" ;;
		esac
	done
}
conf() {
	cat > "$T/$1.conf" <<CONF
version = 1;
project = "same";
migrations = "$2";
environments = { e = { database = "$3"; }; };
steps = ( { name = "migrate"; kind = "migrate"; } );
CONF
}
check_folder() {
	local name=$1 dir=$2
	local a b
	a=$(pg_createdb "sc_$name"); b=$(pg_createdb "psql_$name")
	conf "$name" "$dir" "$a"
	expect_exit 0 sc -c "$T/$name.conf" deploy e
	for f in $(up_files "$dir"); do
		psql "$b" -X -q -v ON_ERROR_STOP=1 -f "$f" >/dev/null 2>"$T/psql.err" || fail "psql: $f: $(cat "$T/psql.err")"
	done
	dump "$a" > "$T/$name.sc"; dump "$b" > "$T/$name.psql"
	diff -u "$T/$name.psql" "$T/$name.sc" >&2 || fail "$name: stagecoach's result differs from psql's"
	[ "$(grep -c 'CREATE TABLE' "$T/$name.sc")" -gt 0 ] || fail "$name: nothing applied"
	echo "$a"
}
for layout in dbmate golang prisma; do check_folder "$layout" "$FIX/$layout" >/dev/null; done

# 160 generated pairs
G="$T/gen"; mkdir -p "$G"
for i in $(seq 1 160); do
	v=$(printf '%06d' "$i")
	cat > "$G/${v}_step_$i.up.sql" <<SQL
CREATE TABLE IF NOT EXISTS item_$i (id bigserial PRIMARY KEY, label text NOT NULL, updated_at timestamptz);
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'kind_$i') THEN
    CREATE TYPE kind_$i AS ENUM ('a', 'b');
  END IF;
END
\$\$;
CREATE OR REPLACE FUNCTION touch_$i() RETURNS trigger LANGUAGE plpgsql AS \$fn\$
BEGIN
  NEW.updated_at := now(); -- "quoted; text"
  RETURN NEW;
END
\$fn\$;
CREATE TRIGGER item_${i}_touch BEFORE UPDATE ON item_$i FOR EACH ROW EXECUTE FUNCTION touch_$i();
INSERT INTO item_$i (label) VALUES ('it''s $i');
SQL
	printf 'DROP TABLE item_%s;\nDROP FUNCTION touch_%s();\nDROP TYPE kind_%s;\n' "$i" "$i" "$i" > "$G/${v}_step_$i.down.sql"
	if [ $((i % 20)) = 0 ]; then
		v2=$(printf '%06d' "$((i + 1000))")
		echo "CREATE INDEX CONCURRENTLY item_${i}_label_idx ON item_$i (label);" > "$G/${v2}_idx_$i.up.sql"
		echo "DROP INDEX CONCURRENTLY item_${i}_label_idx;" > "$G/${v2}_idx_$i.down.sql"
	fi
done
url=$(check_folder gen "$G" | tail -1)
assert_eq "$(psql_q "$url" "SELECT count(*) FROM stagecoach.schema_migrations")" 168 "history of the generated folder"
assert_eq "$(psql_q "$url" "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname LIKE 'item_%_label_idx' AND i.indisvalid")" 8 \
	"valid concurrent indexes"
cat > "$T/gen.conf" <<CONF
version = 1;
project = "same";
migrations = "$G";
environments = { e = { database = "$url"; }; };
steps = ( { name = "migrate"; kind = "migrate"; }, { name = "fail"; kind = "shell"; command = "exit 1"; } );
CONF
psql_q "$url" "DROP TABLE $(seq -s, -f 'item_%g' 1 160) CASCADE; DROP FUNCTION $(seq -s, -f 'touch_%g()' 1 160); DROP TYPE $(seq -s, -f 'kind_%g' 1 160); DELETE FROM stagecoach.schema_migrations" >/dev/null
dump "$url" > "$T/empty.sql"
expect_exit 1 sc -c "$T/gen.conf" deploy e
dump "$url" > "$T/after.sql"
diff -u "$T/empty.sql" "$T/after.sql" >&2 || fail "rolling 168 migrations back by their downs left differences"
pass
