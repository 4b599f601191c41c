#!/bin/bash
# bench/noop.sh: what a run costs when there is nothing to do, on NOOP_N
# (default 3000) applied migrations: a no-op `deploy` and `migrations ENV`,
# against the floor: psql (the real binary, $PG_BIN/psql, not Debian's perl
# wrapper) opening one connection and reading the applied versions
# (`SELECT version FROM stagecoach.schema_migrations`).  Two histories:
# golang-migrate files applied by stagecoach (its own records), and Prisma
# folders whose _prisma_migrations Prisma filled (stagecoach reads the
# tool's table and has no records of its own).  Rounds interleave the three
# commands (so a load spike hits them alike); best of ROUNDS (default 5).
# Also prints each command's CPU time (user + sys, best round) and how many
# times it opens each migration file (strace, when installed: 1 is the
# target), and the load average before and after: the machine is shared.
#   NOOP_N=3000 ROUNDS=5 SC_BIN=./stagecoach bench/noop.sh
# Targets: each command < 300 ms; the no-op deploy <= 2x the floor.
. "$(dirname "$0")/../tests/lib/common.sh"
NOOP_N=${NOOP_N:-3000}
ROUNDS=${ROUNDS:-5}
PSQL="$PG_BIN/psql"
sc_setup
pg_start
load0=$(cut -d' ' -f1-3 /proc/loadavg)

# files written by python: 3,000 forks of a shell loop take minutes on a loaded machine
python3 - "$NOOP_N" <<'PY' || fail "cannot write the migrations"
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
conf() { # FILE URL FOLDER
	cat > "$1" <<CONF
version = 1;
project = "bench";
migrations = "$3";
environments = { bench = { database = "$2"; }; };
steps = ( { name = "migrate"; kind = "migrate"; } );
CONF
}

# stagecoach's records: applied by stagecoach itself
url1=$(pg_createdb noop)
conf sc.conf "$url1" noop
"$SC" -q -c sc.conf deploy bench >"$T/out" 2>&1 || fail "setup deploy: $(tail -5 "$T/out")"
[ "$(psql_q "$url1" "SELECT count(*) FROM stagecoach.schema_migrations")" = "$NOOP_N" ] || fail "setup applied too few"
"$SC" -q -c sc.conf deploy bench >"$T/out" 2>&1 || fail "first no-op deploy: $(tail -5 "$T/out")"

# a Prisma folder that Prisma migrated: _prisma_migrations only
url2=$(pg_createdb pnoop)
psql "$url2" -X -q -v ON_ERROR_STOP=1 -f pnoop.sql >/dev/null || fail "psql"
psql_q "$url2" 'CREATE TABLE "_prisma_migrations" ("id" VARCHAR(36) PRIMARY KEY NOT NULL, "checksum" VARCHAR(64) NOT NULL, "finished_at" TIMESTAMPTZ, "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMPTZ, "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(), "applied_steps_count" INTEGER NOT NULL DEFAULT 0)' >/dev/null
psql_q "$url2" "CREATE TEMP TABLE x (n text, c text); COPY x FROM STDIN WITH (FORMAT csv); INSERT INTO _prisma_migrations SELECT gen_random_uuid()::text, c, now(), n, NULL, NULL, now(), 1 FROM x" <pnoop.csv >/dev/null ||
	fail "prisma rows"
conf prisma.conf "$url2" pnoop
"$SC" -q -c prisma.conf deploy bench >"$T/out" 2>&1 || fail "prisma no-op deploy: $(tail -5 "$T/out")"

# one timed run: "WALL_MS CPU_MS" (CPU = user + sys of the process, from /proc via bash's times)
run1() {
	local t0 t1 c
	t0=$(date +%s%N)
	c=$( { "$@" >"$T/out" 2>&1 || { echo "FAILED"; exit 1; }; times; } | awk '
		/FAILED/ { print "FAILED"; exit }
		NR == 2 { split($1, u, "m"); split($2, s, "m"); sub("s", "", u[2]); sub("s", "", s[2]);
			  printf "%d", (u[1] * 60 + u[2] + s[1] * 60 + s[2]) * 1000 }')
	t1=$(date +%s%N)
	[ "$c" = FAILED ] && fail "$*: $(tail -5 "$T/out")"
	echo "$(( (t1 - t0) / 1000000 )) $c"
}
declare -A wall cpu
cmds="floor deploy migrations pfloor pdeploy pmigrations"
cmd_of() {
	case $1 in
	floor) echo "$PSQL $url1 -X -q -A -t -c 'SELECT version FROM stagecoach.schema_migrations'" ;;
	deploy) echo "$SC -q -c sc.conf deploy bench" ;;
	migrations) echo "$SC -c sc.conf migrations bench" ;;
	pfloor) echo "$PSQL $url2 -X -q -A -t -c 'SELECT migration_name, checksum FROM _prisma_migrations'" ;;
	pdeploy) echo "$SC -q -c prisma.conf deploy bench" ;;
	pmigrations) echo "$SC -c prisma.conf migrations bench" ;;
	esac
}
for r in $(seq 1 "$ROUNDS"); do
	for c in $cmds; do
		set -- $(eval "run1 $(cmd_of "$c")") || exit 1
		wall[$c]="${wall[$c]:-} $1"
		cpu[$c]="${cpu[$c]:-} $2"
		case $c in
		migrations | pmigrations) grep -q "^$NOOP_N applied, 0 pending" "$T/out" || fail "$c: $(tail -2 "$T/out")" ;;
		esac
	done
done
best() { printf '%s\n' $1 | sort -n | head -1; }

# openat of migration files, per file (strace counts the calls)
opens() { # CONF CMD FOLDER
	command -v strace >/dev/null || { echo "-"; return; }
	strace -f -e trace=openat -o "$T/strace" "$SC" -q -c "$1" $2 bench >/dev/null 2>&1
	local n f; n=$(grep -c "/$3/.*\.sql\"" "$T/strace"); f=$(find "$3" -type f | wc -l)
	awk -v n="$n" -v f="$f" 'BEGIN { printf "%.2f", n / f }'
}
o_deploy=$(opens sc.conf deploy noop)
o_migr=$(opens sc.conf migrations noop)
o_pdeploy=$(opens prisma.conf deploy pnoop)
o_pmigr=$(opens prisma.conf migrations pnoop)
load1=$(cut -d' ' -f1-3 /proc/loadavg)

for c in $cmds; do echo "bench: $c: wall${wall[$c]} ms; cpu${cpu[$c]} ms" >&2; done
echo "no-op on $NOOP_N applied migrations, best of $ROUNDS interleaved rounds, PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}'), load average $load0 before, $load1 after"
echo "floor: $PSQL, one connection, one query of the applied versions"
printf '%-34s %-24s %9s %8s %9s %8s %12s\n' history command "wall ms" "cpu ms" "x floor" target "opens/file"
row() { # LABEL COMMAND KEY FLOORKEY OPENS TARGET
	local w c ratio f
	w=$(best "${wall[$3]}"); c=$(best "${cpu[$3]}"); f=$(best "${wall[$4]}")
	ratio=$(awk -v a="$w" -v b="$f" 'BEGIN { printf "%.2f", a / b }')
	printf '%-34s %-24s %9s %8s %9s %8s %12s\n' "$1" "$2" "$w" "$c" "$ratio" "$6" "$5"
}
row "stagecoach's records" "psql (floor)" floor floor - ""
row "" "deploy (no-op)" deploy floor "$o_deploy" "<=2x,<300"
row "" "migrations ENV" migrations floor "$o_migr" "<300"
row "prisma's _prisma_migrations" "psql (floor)" pfloor pfloor - ""
row "" "deploy (no-op)" pdeploy pfloor "$o_pdeploy" "<=2x,<300"
row "" "migrations ENV" pmigrations pfloor "$o_pmigr" "<300"
pass
