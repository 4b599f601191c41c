#!/bin/bash
# bench/migrations.sh: apply 300 generated migrations to a fresh database
# with stagecoach, with dbmate (npm package, installed into a scratch
# folder), with sqitch when it is installed, and with psql running the same
# SQL in one session (the floor).  Each tool gets its own fresh database on
# one throwaway cluster; each is run ROUNDS times (default 3) and the median
# is kept.  Prints the times and the ratios to psql and to dbmate.
# Then, on NOOP_N (default 3000) applied migrations: a no-op `deploy` and
# `migrations ENV`, with stagecoach's records alone and with a Prisma
# folder whose _prisma_migrations Prisma filled (median of ROUNDS each).
#   N=300 ROUNDS=3 NOOP_N=3000 SC_BIN=./stagecoach bench/migrations.sh
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

# ---- a no-op deploy and `migrations ENV` on NOOP_N applied migrations ----
NOOP_N=${NOOP_N:-3000}
noop_conf() { # URL FOLDER
	cat > noop.conf <<CONF
version = 1;
project = "bench";
migrations = "$2";
environments = { bench = { database = "$1"; }; };
steps = ( { name = "migrate"; kind = "migrate"; } );
CONF
}
time_cmd() { # CMD... : median of ROUNDS runs, in ms
	local ts="" t0
	for r in $(seq 1 "$ROUNDS"); do
		t0=$(now_ms)
		"$@" >"$T/noop.out" 2>&1 || fail "$*: $(tail -5 "$T/noop.out")"
		ts="$ts $(( $(now_ms) - t0 ))"
	done
	echo "bench: $*:$ts ms" >&2
	printf '%s\n' $ts | median
}
# stagecoach's records: golang-migrate files applied by stagecoach
# (files written by python: 3,000 forks of a shell loop take minutes on a loaded machine)
python3 - "$NOOP_N" <<'PY'
import hashlib, os, sys
n = int(sys.argv[1])
os.makedirs("noop", exist_ok=True)
os.makedirs("pnoop", exist_ok=True)
with open("pnoop.csv", "w") as csv, open("pnoop.sql", "w") as sql:
    for i in range(1, n + 1):
        open("noop/%05d_n_%d.up.sql" % (i, i), "w").write("CREATE TABLE n_%d (id int);\n" % i)
        name = "2024%010d_p_%d" % (i, i)
        text = "CREATE TABLE p_%d (id int);\n" % i
        os.makedirs("pnoop/" + name, exist_ok=True)
        open("pnoop/%s/migration.sql" % name, "w").write(text)
        csv.write("%s,%s\n" % (name, hashlib.sha256(text.encode()).hexdigest()))
        sql.write(text)
PY
url=$(newdb noop) || fail "createdb"
noop_conf "$url" noop
"$SC" -q -c noop.conf deploy bench >"$T/noop.out" 2>&1 || fail "setup deploy: $(tail -5 "$T/noop.out")"
[ "$(psql_q "$url" "SELECT count(*) FROM stagecoach.schema_migrations")" = "$NOOP_N" ] || fail "setup applied too few"
d1=$(time_cmd "$SC" -q -c noop.conf deploy bench)
m1=$(time_cmd "$SC" -c noop.conf migrations bench)
grep -q "^$NOOP_N applied, 0 pending" "$T/noop.out" || fail "migrations: $(tail -2 "$T/noop.out")"
# a Prisma folder that Prisma migrated: _prisma_migrations only
url=$(newdb pnoop) || fail "createdb"
psql "$url" -X -q -v ON_ERROR_STOP=1 -f pnoop.sql >/dev/null || fail "psql"
psql_q "$url" 'CREATE TABLE "_prisma_migrations" ("id" VARCHAR(36) PRIMARY KEY NOT NULL, "checksum" VARCHAR(64) NOT NULL, "finished_at" TIMESTAMPTZ, "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMPTZ, "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(), "applied_steps_count" INTEGER NOT NULL DEFAULT 0)' >/dev/null
psql_q "$url" "CREATE TEMP TABLE x (n text, c text); COPY x FROM STDIN WITH (FORMAT csv); INSERT INTO _prisma_migrations SELECT gen_random_uuid()::text, c, now(), n, NULL, NULL, now(), 1 FROM x" <pnoop.csv >/dev/null ||
	fail "prisma rows"
noop_conf "$url" pnoop
d2=$(time_cmd "$SC" -q -c noop.conf deploy bench)
m2=$(time_cmd "$SC" -c noop.conf migrations bench)
grep -q "^$NOOP_N applied, 0 pending" "$T/noop.out" || fail "migrations (prisma): $(tail -2 "$T/noop.out")"
echo "no-op on $NOOP_N applied migrations, median of $ROUNDS runs (target: < 300 ms each)"
printf '%-34s %10s %10s\n' history "deploy ms" "migrations ms"
printf '%-34s %10s %10s\n' "stagecoach's records" "$d1" "$m1"
printf '%-34s %10s %10s\n' "prisma's _prisma_migrations" "$d2" "$m2"
pass
