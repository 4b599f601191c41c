#!/bin/bash
# A run reads each migration file once (strace counts the opens): a no-op
# deploy (content hash, plan, apply) and `migrations ENV` open every file
# of the folder exactly once; `history` opens none.  A no-op deploy and
# `migrations ENV` open one database connection (reads go over the state
# connection); a deploy that applies opens its own for the migrations.
# The manifest of a content hash is stored once, not on every deploy.
. "$(dirname "$0")/../lib/common.sh"
command -v strace >/dev/null || { echo "skip: strace is not installed"; exit 0; }
sc_setup
pg_start
URL=$(pg_createdb app)
mkdir -p m
for i in $(seq 1 20); do
	v=$(printf '%04d' "$i")
	echo "CREATE TABLE t$i (id int);" > "m/${v}_t$i.up.sql"
	echo "DROP TABLE t$i;" > "m/${v}_t$i.down.sql"
done
cat > stagecoach.conf <<CONF
version = 1;
project = "readonce";
migrations = "m";
environments = { staging = { database = "$URL"; }; };
steps = ( { name = "migrate"; kind = "migrate"; } );
CONF
# opens of each file of m/ by CMD...: "FILE COUNT" lines, every file listed
# (LeakSanitizer cannot run under ptrace: under make check-asan it is off here)
opens() {
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -e trace=openat,connect -o "$T/strace" "$SC" "$@" >"$T/out" 2>"$T/err" || fail "$*: $(cat "$T/err")"
	for f in m/*; do echo "$(basename "$f") $(grep -c "/m/$(basename "$f")\"" "$T/strace")"; done
}
connections() { grep -c "connect(.*htons($PGPORT)" "$T/strace"; }
opens deploy staging > "$T/first"
assert_eq "$(connections)" 2 "a deploy that applies: the state connection and the steps' one"
assert_eq "$(awk '$2 != 1' "$T/first")" "" "files not opened once by the first deploy"
opens deploy staging > "$T/noop"
assert_eq "$(awk '$2 != 1' "$T/noop")" "" "files not opened once by a no-op deploy"
assert_eq "$(connections)" 1 "connections of a no-op deploy"
opens migrations staging > "$T/migr"
assert_contains "$T/out" "20 applied, 0 pending"
assert_eq "$(awk '$2 != 1' "$T/migr")" "" "files not opened once by migrations"
assert_eq "$(connections)" 1 "connections of migrations ENV"
opens history staging > "$T/hist"
assert_eq "$(awk '$2 != 0' "$T/hist")" "" "files opened by history"
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM stagecoach.artifacts WHERE kind = 'manifest'")" 1 "manifests of one content hash"
# another content: another manifest
echo "CREATE TABLE t21 (id int);" > m/0021_t21.up.sql
expect_exit 0 sc deploy staging
assert_eq "$(psql_q "$URL" "SELECT count(*) FROM stagecoach.artifacts WHERE kind = 'manifest'")" 2 "manifests of two content hashes"
pass
