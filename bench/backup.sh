#!/bin/bash
# bench/backup.sh: backup of a ~100 MB database: `stagecoach backup ENV`
# (pg_dump -Fc streamed to a temp file, fsync, rename, pg_restore --list
# check, sha256, records) against plain `pg_dump -Fc` to a file, in the same
# run, best of ROUNDS; and stagecoach's own peak memory (/usr/bin/time -v,
# which measures stagecoach itself: pg_dump is a child it waits for, and
# GNU time reports the largest of the process and its waited-for children,
# so the figure is max(stagecoach, pg_dump)).
#   MB=100 ROUNDS=3 SC_BIN=./stagecoach bench/backup.sh
. "$(dirname "$0")/../tests/lib/common.sh"
MB=${MB:-100}
ROUNDS=${ROUNDS:-3}
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is missing (apt-get install time)" >&2; exit 2; }
sc_setup
pg_start
export DB=$(pg_createdb big)
rows=$((MB * 1024 * 1024 / 100))
psql_q "$DB" "CREATE TABLE payload (id bigint, a text, b text)" >/dev/null
psql_q "$DB" "INSERT INTO payload SELECT g, md5(g::text) || md5((g+1)::text), md5((g*7)::text) FROM generate_series(1, $rows) g" >/dev/null
psql_q "$DB" "VACUUM ANALYZE payload" >/dev/null
size=$(psql_q "$DB" "SELECT pg_database_size(current_database()) / 1048576")
cat >stagecoach.conf <<'CONF'
version = 1;
project = "bench-backup";
environments = { bench = { database = "${DB}"; }; };
steps = ( { name = "backup"; kind = "pg_backup"; dir = "backups"; keep = 2; } );
CONF
PG_DUMP="$PG_BIN/pg_dump"
best() { sort -n | head -1; }
ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>&1 || echo "bench: failed: $*" >&2; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 )); }
sc_t=(); pd_t=()
for r in $(seq "$ROUNDS"); do
	pd_t+=("$(ms "$PG_DUMP" -Fc -f "$T/plain.dump" "$DB")")
	sc_t+=("$(ms "$SC" -q backup bench)")
done
sc_best=$(printf '%s\n' "${sc_t[@]}" | best)
pd_best=$(printf '%s\n' "${pd_t[@]}" | best)
/usr/bin/time -v "$SC" -q backup bench 2>"$T/time.txt" >/dev/null
peak_kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$T/time.txt")
dump_size=$(du -m backups/*.dump | tail -1 | cut -f1)
echo "backup: database ${size} MB on disk, dump ${dump_size} MB, best of $ROUNDS"
echo "  pg_dump -Fc:        ${pd_best} ms  (${pd_t[*]})"
echo "  stagecoach backup:  ${sc_best} ms  (${sc_t[*]})  $(awk -v a="$sc_best" -v b="$pd_best" 'BEGIN {printf "%.2fx", a / b}') pg_dump"
echo "  peak RSS of stagecoach and its pg_dump child (largest): $((peak_kb / 1024)) MB"
