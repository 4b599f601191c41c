#!/bin/bash
# bench/backup.sh: backup and restore of a BACKUP_MB database (default 100;
# BACKUP_MB=1024 for 1 GB, which takes long), in the same run, rounds
# interleaved, best of ROUNDS (default 5):
#   - `stagecoach backup ENV` (pg_dump -Fc streamed through stagecoach into
#     a temp file and the sha256 at once, fsync, rename, pg_restore --list
#     check of the TOC, records) against plain `pg_dump -Fc -f FILE`;
#   - `stagecoach restore ENV FILE --yes --approve --no-safety-backup` (sha256
#     check, rows written since the backup counted, then pg_restore
#     --single-transaction -d with the clean-up and the migration history in
#     the same transaction) against `pg_restore --single-transaction
#     --exit-on-error -d` of the same file into a fresh database, and
#     `pg_restore --clean --if-exists -n public` of it over the live
#     database (what restoring by hand does: the old rows go too);
#   - with JOBS=N (N > 1), the same with format = "directory": pg_dump -Fd
#     -j N against stagecoach's, and pg_restore -j N against stagecoach's.
# Peak memory: stagecoach's own (VmHWM of its process, read until it exits)
# and /usr/bin/time -v's, which is the largest of stagecoach and the
# children it waits for (pg_dump, pg_restore).
#   BACKUP_MB=100 ROUNDS=5 [JOBS=4] SC_BIN=./stagecoach bench/backup.sh
. "$(dirname "$0")/../tests/lib/common.sh"
BACKUP_MB=${BACKUP_MB:-${MB:-100}}
ROUNDS=${ROUNDS:-5}
JOBS=${JOBS:-0}
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is missing (apt-get install time)" >&2; exit 2; }
sc_setup
pg_start
export DB=$(pg_createdb big)
rows=$((BACKUP_MB * 1024 * 1024 / 100))
psql_q "$DB" "CREATE TABLE payload (id bigint PRIMARY KEY, a text, b text)" >/dev/null
psql_q "$DB" "INSERT INTO payload SELECT g, md5(g::text) || md5((g+1)::text), md5((g*7)::text) FROM generate_series(1, $rows) g" >/dev/null
psql_q "$DB" "VACUUM ANALYZE payload" >/dev/null
size=$(psql_q "$DB" "SELECT pg_database_size(current_database()) / 1048576")
conf() {
	cat >stagecoach.conf <<CONF
version = 1;
project = "bench-backup";
environments = { bench = { database = "\${DB}"; }; };
steps = ( { name = "backup"; kind = "pg_backup"; dir = "backups"; keep = 50; $1 } );
CONF
}
conf ""
PG_DUMP="$PG_BIN/pg_dump"
best() { sort -n | head -1; }
ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>"$T/ms.err" || echo "bench: failed: $* ($(tail -1 "$T/ms.err"))" >&2; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 )); }
# stagecoach's own peak RSS in MB: VmHWM of its process, read until it exits
own_peak() {
	"$@" >/dev/null 2>&1 &
	local pid=$! hwm=0 v
	while kill -0 "$pid" 2>/dev/null; do
		v=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null)
		[ -n "$v" ] && [ "$v" -gt "$hwm" ] && hwm=$v
		sleep 0.05
	done
	wait "$pid"
	echo $((hwm / 1024))
}
tree_peak() { /usr/bin/time -v "$@" 2>"$T/time.txt" >/dev/null; awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print int($2 / 1024)}' "$T/time.txt"; }
fresh_db() {
	local db
	db=$(pg_createdb "fresh$1")
	# the dump makes schema public itself (pg_dump -n public)
	psql_q "$db" "DROP SCHEMA public" >/dev/null
	echo "$db"
}
dropdb_q() { psql $PG_SUPER -d postgres -c "DROP DATABASE \"$1\"" >/dev/null; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2fx", a / b}'; }
sc_t=(); pd_t=(); sr_t=(); pr_t=(); lr_t=()
for r in $(seq "$ROUNDS"); do
	pd_t+=("$(ms "$PG_DUMP" -Fc -f "$T/plain.dump" "$DB")")
	sc_t+=("$(ms "$SC" -q backup bench)")
done
dump=$(ls -t backups/*.dump | head -1)
for r in $(seq "$ROUNDS"); do
	fresh=$(fresh_db "$r")
	pr_t+=("$(ms "$PG_BIN/pg_restore" --single-transaction --exit-on-error -d "$fresh" "$dump")")
	sr_t+=("$(ms "$SC" -q restore bench "$dump" --yes --approve --no-safety-backup)")
	dropdb_q "fresh$r"
	# the same over the live database, as by hand: its old rows go too
	lr_t+=("$(ms "$PG_BIN/pg_restore" --clean --if-exists -n public --single-transaction --exit-on-error -d "$DB" "$dump")")
done
sc_best=$(printf '%s\n' "${sc_t[@]}" | best)
pd_best=$(printf '%s\n' "${pd_t[@]}" | best)
sr_best=$(printf '%s\n' "${sr_t[@]}" | best)
pr_best=$(printf '%s\n' "${pr_t[@]}" | best)
lr_best=$(printf '%s\n' "${lr_t[@]}" | best)
bown=$(own_peak "$SC" -q backup bench)
btree=$(tree_peak "$SC" -q backup bench)
rown=$(own_peak "$SC" -q restore bench "$dump" --yes --approve --no-safety-backup)
rtree=$(tree_peak "$SC" -q restore bench "$dump" --yes --approve --no-safety-backup)
dump_size=$(du -m "$dump" | cut -f1)
echo "backup and restore: database ${size} MB on disk, dump ${dump_size} MB, best of $ROUNDS, $(date -u '+%F %H:%M') UTC, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  pg_dump -Fc:                 ${pd_best} ms  (${pd_t[*]})"
echo "  stagecoach backup:           ${sc_best} ms  (${sc_t[*]})  $(ratio "$sc_best" "$pd_best") pg_dump"
echo "  pg_restore -1 -d (fresh db): ${pr_best} ms  (${pr_t[*]})"
echo "  pg_restore --clean -n public -1 -d (the live db): ${lr_best} ms  (${lr_t[*]})"
echo "  stagecoach restore:          ${sr_best} ms  (${sr_t[*]})  $(ratio "$sr_best" "$pr_best") pg_restore into a fresh db, $(ratio "$sr_best" "$lr_best") over the live db"
echo "  peak RSS of stagecoach itself: backup ${bown} MB, restore ${rown} MB; with its largest child: backup ${btree} MB, restore ${rtree} MB"
if [ "$JOBS" -gt 1 ]; then
	conf "format = \"directory\"; jobs = $JOBS;"
	sd_t=(); dd_t=(); sdr_t=(); pdr_t=()
	for r in $(seq "$ROUNDS"); do
		rm -rf "$T/plain.d"
		dd_t+=("$(ms "$PG_DUMP" -Fd -j "$JOBS" -f "$T/plain.d" "$DB")")
		sd_t+=("$(ms "$SC" -q backup bench)")
	done
	ddir=$(ls -dt backups/*.dumpdir | head -1)
	for r in $(seq "$ROUNDS"); do
		fresh=$(fresh_db "d$r")
		pdr_t+=("$(ms "$PG_BIN/pg_restore" -j "$JOBS" --exit-on-error -d "$fresh" "$ddir")")
		sdr_t+=("$(ms "$SC" -q restore bench "$ddir" --yes --approve --no-safety-backup)")
		dropdb_q "freshd$r"
	done
	sd_best=$(printf '%s\n' "${sd_t[@]}" | best)
	dd_best=$(printf '%s\n' "${dd_t[@]}" | best)
	sdr_best=$(printf '%s\n' "${sdr_t[@]}" | best)
	pdr_best=$(printf '%s\n' "${pdr_t[@]}" | best)
	echo "  directory format, -j $JOBS:"
	echo "  pg_dump -Fd -j $JOBS:             ${dd_best} ms  (${dd_t[*]})"
	echo "  stagecoach backup (directory):  ${sd_best} ms  (${sd_t[*]})  $(ratio "$sd_best" "$dd_best") pg_dump"
	echo "  pg_restore -j $JOBS -d (fresh db): ${pdr_best} ms  (${pdr_t[*]})"
	echo "  stagecoach restore (directory): ${sdr_best} ms  (${sdr_t[*]})  $(ratio "$sdr_best" "$pdr_best") pg_restore"
fi
