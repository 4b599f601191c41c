#!/bin/bash
# `stagecoach lint`: exit codes (0 clean or warnings only, 1 error-level
# findings, 2 unusable input), the FILE:LINE: RULE: message (hint: ...) lines,
# --json, the configured folder as default, single files, allow comments.
# No database: lint never connects.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
FIX="$TOP/tests/fixtures/migrations"

# the realistic folders lint clean: DO blocks, plpgsql, triggers, concurrent
# indexes, dbmate transaction:false, Prisma's generated SQL
for d in golang dbmate prisma; do
	expect_exit 0 sc lint "$FIX/$d"
	[ -s "$T/out" ] && fail "$d: findings on a clean folder: $(cat "$T/out")"
	assert_contains "$T/err" "0 errors, 0 warnings"
done
expect_exit 0 sc lint "$FIX/golang" "$FIX/dbmate" "$FIX/prisma"
assert_contains "$T/err" "lint: 10 migrations, 0 errors"

# the unsafe folder: exactly these findings, exit 1 (syntax and
# concurrently-in-transaction are errors)
cp -r "$FIX/unsafe" "$T/m"
expect_exit 1 sc lint m
cat >"$T/want" <<'W'
m/0011_billing.up.sql:2: syntax: syntax error at or near "NOT"
m/0012_cleanup.up.sql:1: drop-table: drops table 'legacy_invoices' and all of its rows
m/0012_cleanup.up.sql:2: drop-column: drops column 'fax' of table 'customers' and its data
m/0012_cleanup.up.sql:3: rename: renames column 'phone' of 'customers' to 'phone_number'
m/0012_cleanup.up.sql:4: delete-without-where: deletes every row of table 'sessions' (no WHERE clause)
m/0012_cleanup.up.sql:5: create-index-non-concurrent: creates index 'customers_email_idx' on existing table 'customers' without CONCURRENTLY
m/0013_index.up.sql:2: concurrently-in-transaction: CREATE INDEX CONCURRENTLY cannot run inside a transaction, and this migration has 1 other statement
W
sed 's/ (hint: .*//' "$T/out" >"$T/got"
diff -u "$T/want" "$T/got" || fail "unexpected findings"
grep -c '(hint: ' "$T/out" | grep -qx 7 || fail "every finding has a hint"
assert_contains "$T/out" "PostgreSQL has no CREATE TYPE IF NOT EXISTS"
assert_contains "$T/err" "lint: 3 migrations, 2 errors, 5 warnings (4 destructive), 0 accepted"

# one file: warnings only is exit 0; its syntax error is exit 1
expect_exit 0 sc lint m/0012_cleanup.up.sql
assert_contains "$T/out" "m/0012_cleanup.up.sql:1: drop-table:"
expect_exit 1 sc lint m/0011_billing.up.sql
assert_contains "$T/out" "m/0011_billing.up.sql:2: syntax:"

# -q: findings, no summary
expect_exit 1 sc -q lint m
[ -s "$T/err" ] && fail "-q printed: $(cat "$T/err")"
grep -q "drop-table" "$T/out" || fail "-q hid the findings"

# --json: one object per finding, then lint_finished; all valid JSON
expect_exit 1 sc --json lint m
python3 - "$T/out" <<'PY' || fail "bad --json output: $(cat "$T/out")"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
objs = [json.loads(l) for l in lines]
assert len(objs) == 8, len(objs)
f = [o for o in objs if o["event"] == "lint_finding"]
assert [o["rule"] for o in f] == ["syntax", "drop-table", "drop-column", "rename", "delete-without-where",
                                  "create-index-non-concurrent", "concurrently-in-transaction"], f
d = {o["rule"]: o for o in f}
assert d["syntax"]["severity"] == "error" and d["syntax"]["line"] == 2 and d["syntax"]["file"] == "m/0011_billing.up.sql"
assert d["drop-table"]["destructive"] is True and d["drop-table"]["severity"] == "warning"
assert d["create-index-non-concurrent"]["destructive"] is False
assert d["drop-table"]["version"] == "0012", d["drop-table"]  # as written, a string
end = objs[-1]
assert end["event"] == "lint_finished" and end["errors"] == 2 and end["warnings"] == 5 and end["destructive"] == 4, end
PY

# allow comments accept findings: exit 0 once the errors are accepted or fixed
mkdir -p "$T/ok"
cat >"$T/ok/1_cleanup.up.sql" <<'SQL'
-- stagecoach:allow drop-table
DROP TABLE legacy_invoices;
ALTER TABLE customers DROP COLUMN fax; -- stagecoach:allow drop-column
CREATE TABLE tmp (id int);
-- stagecoach:allow concurrently-in-transaction
CREATE INDEX CONCURRENTLY tmp_id ON tmp (id);
TRUNCATE audit_log;
SQL
expect_exit 0 sc lint ok
assert_contains "$T/out" "ok/1_cleanup.up.sql:2: drop-table: "
assert_contains "$T/out" "[accepted]"
assert_contains "$T/out" "ok/1_cleanup.up.sql:7: truncate: "
grep "truncate" "$T/out" | grep -q accepted && fail "truncate was not allowed"
assert_contains "$T/err" "0 errors, 1 warning (1 destructive), 3 accepted"

# the configured migrations folder is the default; paths shown relative to here
cat >"$T/stagecoach.conf" <<'CONF'
version = 1;
project = "lint-test";
migrations = "m";
environments = { local = { }; };
steps = ( { name = "hello"; kind = "shell"; command = "true"; } );
CONF
expect_exit 1 sc lint
assert_contains "$T/out" "m/0012_cleanup.up.sql:1: drop-table:"
mkdir -p "$T/elsewhere" && cd "$T/elsewhere"
expect_exit 1 sc -c ../stagecoach.conf lint
assert_contains "$T/out" "m/0013_index.up.sql:2: concurrently-in-transaction:"
cd "$T"

# unusable input is exit 2, naming the file
expect_exit 2 sc lint "$T/nope"
assert_contains "$T/err" "nope"
# a .sql file whose name has no version is no tool's migration: not linted, not an error
mkdir -p "$T/bad" && echo "DROP TABLE x;" >"$T/bad/schema.sql"
expect_exit 0 sc lint bad
assert_not_contains "$T/out" "drop-table"
mkdir -p "$T/dup" && echo "SELECT 1;" >"$T/dup/1_a.up.sql" && printf -- '-- migrate:up\nSELECT 2;\n' >"$T/dup/01_b.sql"
expect_exit 2 sc lint dup
assert_contains "$T/err" "duplicate migration version 1"
expect_exit 2 sc lint --frobnicate
mkdir -p "$T/noconf" && cd "$T/noconf"
expect_exit 2 sc lint
pass
