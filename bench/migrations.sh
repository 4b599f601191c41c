#!/bin/bash
# bench/migrations.sh: apply 300 generated migrations to a fresh database
# with stagecoach, with dbmate (npm package, installed into a scratch
# folder), with sqitch when it is installed, and with psql running the same
# SQL in one session (the floor).  Each tool gets its own fresh database on
# one throwaway cluster; each is run ROUNDS times (default 3) and the median
# is kept.  Prints the times and the ratios to psql and to dbmate.
# (A no-op deploy and `migrations ENV` on 3,000 applied migrations:
# bench/noop.sh.)
#   N=300 ROUNDS=3 SC_BIN=./stagecoach bench/migrations.sh
. "$(dirname "$0")/../tests/lib/common.sh"
N=${N:-300}
ROUNDS=${ROUNDS:-3}
sc_setup
pg_start

# dbmate ships its binary in the npm package
DBMATE=${DBMATE:-}
if [ -z "$DBMATE" ]; then
	DBMATE_DIR=${DBMATE_DIR:-/tmp/stagecoach-bench-dbmate}
	if [ ! -x "$DBMATE_DIR/node_modules/.bin/dbmate" ]; then
		mkdir -p "$DBMATE_DIR"
		(cd "$DBMATE_DIR" && npm install --no-audit --no-fund --silent dbmate >/dev/null 2>&1) ||
			echo "bench: cannot install dbmate with npm; it is left out" >&2
	fi
	[ -x "$DBMATE_DIR/node_modules/.bin/dbmate" ] && DBMATE="$DBMATE_DIR/node_modules/.bin/dbmate"
fi
SQITCH=$(command -v sqitch || true)

# the migrations: dbmate's layout, which stagecoach reads as it is
mkdir -p migrations
for i in $(seq 1 "$N"); do
	v=$(printf '%04d' "$i")
	cat > "migrations/${v}_table_$i.sql" <<SQL
-- migrate:up
CREATE TABLE t_$i (id bigserial PRIMARY KEY, name text NOT NULL, n int DEFAULT 0, created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX t_${i}_name_idx ON t_$i (name);
INSERT INTO t_$i (name, n) SELECT 'row ' || g, g FROM generate_series(1, 20) g;
CREATE FUNCTION t_${i}_count() RETURNS bigint LANGUAGE sql AS \$\$ SELECT count(*) FROM t_$i \$\$;

-- migrate:down
DROP FUNCTION t_${i}_count();
DROP TABLE t_$i;
SQL
	# the same up SQL, for psql and sqitch
	sed -n '/^-- migrate:up/,/^-- migrate:down/p' "migrations/${v}_table_$i.sql" | sed '1d;$d' > "up_$v.sql"
done
cat up_*.sql > all.sql

now_ms() { date +%s%3N; }
# (called in $(...): the name cannot come from a counter of this shell)
newdb() {
	local name="bench_$1_$(date +%s%N)"
	psql $PG_SUPER -d postgres -c "CREATE DATABASE $name OWNER sc" >/dev/null || return 1
	echo "postgresql://sc:$DB_PASS@127.0.0.1:$PGPORT/$name"
}

time_psql() {
	local url; url=$(newdb psql) || fail "createdb"
	local t0; t0=$(now_ms)
	psql "$url" -X -q -v ON_ERROR_STOP=1 -f all.sql >/dev/null || fail "psql failed"
	echo $(( $(now_ms) - t0 ))
}
time_stagecoach() {
	local url; url=$(newdb sc) || fail "createdb"
	cat > sc.conf <<CONF
version = 1;
project = "bench";
migrations = "migrations";
environments = { bench = { database = "$url"; }; };
steps = ( { name = "migrate"; kind = "migrate"; lock_timeout_ms = 5000; } );
CONF
	local t0; t0=$(now_ms)
	"$SC" -q -c sc.conf deploy bench >"$T/sc.out" 2>&1 || fail "stagecoach failed: $(tail -5 "$T/sc.out")"
	local t=$(( $(now_ms) - t0 ))
	[ "$(psql_q "$url" "SELECT count(*) FROM stagecoach.schema_migrations")" = "$N" ] || fail "stagecoach applied too few"
	echo "$t"
}
time_dbmate() {
	local url; url=$(newdb dbmate) || fail "createdb"
	local t0; t0=$(now_ms)
	DATABASE_URL="$url?sslmode=disable" "$DBMATE" --no-dump-schema --migrations-dir migrations up >"$T/dbmate.out" 2>&1 ||
		fail "dbmate failed: $(tail -5 "$T/dbmate.out")"
	echo $(( $(now_ms) - t0 ))
}
time_sqitch() {
	local url; url=$(newdb sqitch) || fail "createdb"
	rm -rf sq && mkdir -p sq/deploy
	printf '%%syntax-version=1.0.0\n%%project=bench\n\n' > sq/sqitch.plan
	for f in up_*.sql; do
		v=${f#up_}; v=${v%.sql}
		cp "$f" "sq/deploy/m$v.sql"
		echo "m$v 2024-01-01T00:00:00Z Bench <bench@example.com> # m$v" >> sq/sqitch.plan
	done
	printf '[core]\n\tengine = pg\n\tplan_file = sqitch.plan\n\ttop_dir = .\n' > sq/sqitch.conf
	local t0; t0=$(now_ms)
	(cd sq && sqitch deploy "db:${url}" >"$T/sqitch.out" 2>&1) || fail "sqitch failed: $(tail -5 "$T/sqitch.out")"
	echo $(( $(now_ms) - t0 ))
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

declare -A times all
tools="psql stagecoach"
[ -n "$DBMATE" ] && tools="$tools dbmate"
[ -n "$SQITCH" ] && tools="$tools sqitch"
# rounds interleave the tools, so a load spike hits them alike
for r in $(seq 1 "$ROUNDS"); do
	for tool in $tools; do
		t=$(time_$tool) || exit 1
		all[$tool]="${all[$tool]:-} $t"
	done
done
for tool in $tools; do
	times[$tool]=$(printf '%s\n' ${all[$tool]} | median)
	echo "bench: $tool:${all[$tool]} ms" >&2
done
echo "migrations: $N generated (table, index, 20 rows, function each), median of $ROUNDS runs, PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}')"
printf '%-12s %10s %10s %10s\n' tool ms "x psql" "x dbmate"
for tool in $tools; do
	p=$(awk -v a="${times[$tool]}" -v b="${times[psql]}" 'BEGIN {printf "%.2f", a / b}')
	d=-
	[ -n "$DBMATE" ] && d=$(awk -v a="${times[$tool]}" -v b="${times[dbmate]}" 'BEGIN {printf "%.2f", a / b}')
	printf '%-12s %10s %10s %10s\n' "$tool" "${times[$tool]}" "$p" "$d"
done

pass
