#!/bin/bash
# pg_backup reads its dump once: the sha256 recorded is computed while
# pg_dump writes (it matches the file), and the check after it is
# `pg_restore --list` alone (which reads the table of contents only).
# verify = "full" reads the dump back: its sha256 on disk and every data
# block through pg_restore.  A bad `verify` is a config error with FILE:LINE.
# (Was: no `verify` key; the whole dump read a second time for its sha256.)
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
export APP_DB=$(pg_createdb app)
psql_q "$APP_DB" "CREATE TABLE t AS SELECT g AS id, md5(g::text) AS h FROM generate_series(1, 20000) g" >/dev/null
# a pg_restore that logs how it is called
mkdir pgbin
ln -s "$PG_BIN/pg_dump" pgbin/pg_dump
ln -s "$PG_BIN/psql" pgbin/psql
cat >pgbin/pg_restore <<SH
#!/bin/sh
echo "\$*" >>"$T/pg_restore.calls"
exec "$PG_BIN/pg_restore" "\$@"
SH
chmod +x pgbin/pg_restore
conf() {
	cat >stagecoach.conf <<CONF
version = 1;
project = "bv";
environments = { staging = { database = "\${APP_DB}"; }; };
steps = (
  { name = "backup"; kind = "pg_backup"; dir = "backups"; pg_dump = "$T/pgbin/pg_dump";
    $1 }
);
CONF
}
conf ""
expect_exit 0 sc --json backup staging
f=$(ls backups/staging-*.dump) || fail "no dump in backups/"
sha=$(sha256sum "$f" | cut -d' ' -f1)
grep -q "\"sha256\":\"$sha\"" "$T/out" || fail "the recorded sha256 is not the file's ($sha)"
assert_eq "$(psql_q "$APP_DB" "SELECT sha256 FROM stagecoach.artifacts WHERE kind = 'backup'")" "$sha" "artifact sha256"
grep -q '"verify":"toc"' "$T/out" || fail "detail lacks verify toc"
assert_eq "$(cat pg_restore.calls)" "--list $(realpath "$f")" "pg_restore calls of a backup"
"$PG_BIN/pg_restore" --list "$f" | grep -q 'TABLE DATA public t' || fail "the dump lacks table t's data"
# verify = "full"
rm -f pg_restore.calls
conf 'verify = "full";'
expect_exit 0 sc --json backup staging
grep -q '"verify":"full"' "$T/out" || fail "detail lacks verify full"
grep -q -- '--file /dev/null' pg_restore.calls || fail "verify = full did not read the dump through pg_restore: $(cat pg_restore.calls)"
assert_eq "$(wc -l <pg_restore.calls)" 2 "pg_restore calls with verify = full"
# a bad value: FILE:LINE, exit 2, nothing done
conf 'verify = "sometimes";'
expect_exit 2 sc backup staging
assert_contains "$T/err" "stagecoach.conf:6"
assert_contains "$T/err" "verify"
expect_exit 2 sc validate
assert_contains "$T/err" "stagecoach.conf:6"
assert_eq "$(ls backups | wc -l)" 2 "dumps after the refused backup"
pass
