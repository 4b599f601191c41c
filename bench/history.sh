#!/bin/bash
# bench/history.sh: `history ENV --limit N` and `--json history ENV --limit N`
# on an environment with N recorded runs (default 5000, 3 steps each, one
# approval in ten), against psql running the same query over the same
# connection URL (the floor: one connection, the query, rows printed).  The
# project has M migrations (default 1000) beside the config, as a real one
# would.  Best of ROUNDS (default 5), rounds interleaved; also each one's
# CPU (user + sys, GNU time).
#   N=5000 M=1000 ROUNDS=5 SC_BIN=./stagecoach bench/history.sh
. "$(dirname "$0")/../tests/lib/common.sh"
N=${N:-5000}
M=${M:-1000}
ROUNDS=${ROUNDS:-5}
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is missing (apt-get install time)" >&2; exit 2; }
sc_setup
[ -n "${BENCH_KEEP:-}" ] && KEEP=1
pg_start
export DB=$(pg_createdb hist)
mkdir migrations
for i in $(seq 1 "$M"); do
	v=$(printf '%06d' "$i")
	printf 'CREATE TABLE t%d (id bigint PRIMARY KEY, name text NOT NULL);\n' "$i" >"migrations/${v}_t$i.up.sql"
	printf 'DROP TABLE t%d;\n' "$i" >"migrations/${v}_t$i.down.sql"
done
cat >stagecoach.conf <<'CONF'
version = 1;
project = "bench-history";
migrations = "migrations";
environments = { bench = { database = "${DB}"; }; };
steps = ( { name = "noop"; kind = "shell"; command = "true"; } );
CONF
# the records' schema, made by a first run (the migrations are not applied: no migrate step)
"$SC" -q deploy bench >/dev/null 2>&1 || { echo "bench: first deploy failed" >&2; exit 1; }
psql_q "$DB" "
INSERT INTO stagecoach.runs (id, env, release, command, status, actor, host, started_at, finished_at, error, git_commit, content_hash)
SELECT to_char(timestamptz '2026-01-01' + g * interval '1 minute', 'YYYYMMDD\"T\"HH24MISS\"Z\"') || '-' || substr(md5(g::text), 1, 6),
       'bench', 'v' || g, CASE WHEN g % 7 = 0 THEN 'rollback' ELSE 'deploy' END,
       CASE WHEN g % 13 = 0 THEN 'rolled_back' ELSE 'succeeded' END, 'ci', 'runner-' || (g % 5),
       timestamptz '2026-01-01' + g * interval '1 minute', timestamptz '2026-01-01' + g * interval '1 minute' + interval '42 seconds',
       CASE WHEN g % 13 = 0 THEN 'step ''migrate'': relation \"x\" does not exist' END, md5(g::text), md5((g * 3)::text)
FROM generate_series(1, $N) g;
INSERT INTO stagecoach.run_steps (run_id, position, name, kind, status, started_at, finished_at, detail)
SELECT r.id, p, (ARRAY['backup', 'approve', 'migrate'])[p + 1], (ARRAY['pg_backup', 'approval', 'migrate'])[p + 1], 'succeeded',
       r.started_at + p * interval '1 second', r.started_at + (p + 1) * interval '1 second',
       CASE WHEN p = 1 AND right(r.release, 1) = '0' THEN jsonb_build_object('approved_by', 'alice', 'approved_at', '2026-01-01T00:00:00Z', 'how', 'typed') ELSE '{}'::jsonb END
FROM stagecoach.runs r CROSS JOIN generate_series(0, 2) p WHERE r.env = 'bench' AND r.release ~ '^v[0-9]+$';
ANALYZE stagecoach.runs; ANALYZE stagecoach.run_steps;" >/dev/null
# the query history runs (env/state.c, RUN_COLUMNS), with its parameters inlined
Q="SELECT r.id, r.env, r.release, r.command, r.status, r.actor, r.host, r.error,
 to_char(r.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),
 to_char(r.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), r.git_commit, r.promoted_from,
 coalesce((extract(epoch FROM r.finished_at - r.started_at) * 1000)::bigint, -1),
 (SELECT s.name FROM stagecoach.run_steps s WHERE s.run_id = r.id ORDER BY s.started_at DESC NULLS LAST, s.position DESC LIMIT 1),
 (SELECT s.status FROM stagecoach.run_steps s WHERE s.run_id = r.id ORDER BY s.started_at DESC NULLS LAST, s.position DESC LIMIT 1),
 r.content_hash, r.git_dirty::text,
 (SELECT json_agg(json_build_object('step', s.name, 'by', s.detail->>'approved_by', 'at', s.detail->>'approved_at', 'how', s.detail->>'how') ORDER BY s.position)
  FROM stagecoach.run_steps s WHERE s.run_id = r.id AND s.kind = 'approval' AND s.detail ? 'approved_by')
 FROM stagecoach.runs r WHERE r.env = 'bench' ORDER BY r.started_at DESC, r.id DESC LIMIT $N"
PSQL="$PG_BIN/psql"
lines() { "$@" 2>/dev/null | wc -l; }
echo "rows: psql $(lines "$PSQL" -X -A -t -c "$Q" "$DB"), history $(lines "$SC" history bench --limit "$N"), --json $(lines "$SC" --json history bench --limit "$N")"
ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>&1 || echo "bench: failed: $*" >&2; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 )); }
cpu() { /usr/bin/time -f '%U %S' "$@" 2>&1 >/dev/null | tail -1 | awk '{printf "%d", ($1 + $2) * 1000}'; }
p_t=(); h_t=(); j_t=()
for r in $(seq "$ROUNDS"); do
	p_t+=("$(ms "$PSQL" -X -A -t -c "$Q" "$DB")")
	h_t+=("$(ms "$SC" history bench --limit "$N")")
	j_t+=("$(ms "$SC" --json history bench --limit "$N")")
done
best() { printf '%s\n' "$@" | sort -n | head -1; }
pb=$(best "${p_t[@]}"); hb=$(best "${h_t[@]}"); jb=$(best "${j_t[@]}")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2fx", a / b}'; }
echo "history of $N runs ($M migrations in the project), best of $ROUNDS, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  psql, the same query:        ${pb} ms  (${p_t[*]})  CPU $(cpu "$PSQL" -X -A -t -c "$Q" "$DB") ms"
echo "  stagecoach history:          ${hb} ms  (${h_t[*]})  $(ratio "$hb" "$pb") psql  CPU $(cpu "$SC" history bench --limit "$N") ms"
echo "  stagecoach --json history:   ${jb} ms  (${j_t[*]})  $(ratio "$jb" "$pb") psql  CPU $(cpu "$SC" --json history bench --limit "$N") ms"
