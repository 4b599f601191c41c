#!/bin/bash
# bench/backup.sh: backup of a ~100 MB database: `stagecoach backup ENV`
# (pg_dump -Fc streamed through stagecoach into a temp file and the sha256 at
# once, fsync, rename, pg_restore --list check of the TOC, records) against
# plain `pg_dump -Fc` to a file; and `stagecoach restore ENV FILE --yes
# --approve --no-safety-backup` (sha256 check, the clean-up and the restore
# in one transaction, the migration history) against `pg_restore
# --single-transaction -d` of the same file into a fresh database; in the
# same run, rounds interleaved, best of ROUNDS; and peak memory (/usr/bin/time -v,
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
peak() { /usr/bin/time -v "$@" 2>"$T/time.txt" >/dev/null; awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print int($2 / 1024)}' "$T/time.txt"; }
sc_t=(); pd_t=(); sr_t=(); pr_t=()
for r in $(seq "$ROUNDS"); do
	pd_t+=("$(ms "$PG_DUMP" -Fc -f "$T/plain.dump" "$DB")")
	sc_t+=("$(ms "$SC" -q backup bench)")
done
dump=$(ls -t backups/*.dump | head -1)
for r in $(seq "$ROUNDS"); do
	fresh=$(pg_createdb "fresh$r")
	# the dump makes schema public itself (pg_dump -n public)
	psql_q "$fresh" "DROP SCHEMA public" >/dev/null
	pr_t+=("$(ms "$PG_BIN/pg_restore" --single-transaction --exit-on-error -d "$fresh" "$dump")")
	sr_t+=("$(ms "$SC" -q restore bench "$dump" --yes --approve --no-safety-backup)")
done
sc_best=$(printf '%s\n' "${sc_t[@]}" | best)
pd_best=$(printf '%s\n' "${pd_t[@]}" | best)
sr_best=$(printf '%s\n' "${sr_t[@]}" | best)
pr_best=$(printf '%s\n' "${pr_t[@]}" | best)
bpeak=$(peak "$SC" -q backup bench)
rpeak=$(peak "$SC" -q restore bench "$dump" --yes --approve --no-safety-backup)
dump_size=$(du -m "$dump" | cut -f1)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2fx", a / b}'; }
echo "backup and restore: database ${size} MB on disk, dump ${dump_size} MB, best of $ROUNDS, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  pg_dump -Fc:                 ${pd_best} ms  (${pd_t[*]})"
echo "  stagecoach backup:           ${sc_best} ms  (${sc_t[*]})  $(ratio "$sc_best" "$pd_best") pg_dump"
echo "  pg_restore -1 -d (fresh db): ${pr_best} ms  (${pr_t[*]})"
echo "  stagecoach restore:          ${sr_best} ms  (${sr_t[*]})  $(ratio "$sr_best" "$pr_best") pg_restore"
echo "  peak RSS, the largest of stagecoach and its children: backup ${bpeak} MB, restore ${rpeak} MB"
