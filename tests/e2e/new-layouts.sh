#!/bin/bash
# `stagecoach new NAME` creates the next migration in the layout the
# configured folder already uses, versioned by the UTC time
# (YYYYMMDDHHMMSS), with its down where the layout has one, and prints the
# path(s); names other than [a-z0-9_]+ are refused (exit 2, nothing
# written); a second `new` in the same second still gets a newer version.
. "$(dirname "$0")/../lib/common.sh"
sc_setup

conf() { # conf FOLDER
	cat > stagecoach.conf <<CONF
version = 1;
project = "n";
migrations = "$1";
environments = { staging = { database = "postgresql://nobody@127.0.0.1:1/none"; }; };
steps = ( { name = "migrate"; kind = "migrate"; } );
CONF
}
# a version written by new: 14 digits, UTC, within the minute of the test
check_version() {
	local v=$1 before=$2
	[[ "$v" =~ ^[0-9]{14}$ ]] || fail "version '$v' is not YYYYMMDDHHMMSS"
	[ "$v" -ge "$before" ] || fail "version $v is older than $before (UTC)"
	[ "$v" -le "$(date -u +%Y%m%d%H%M%S)" ] || fail "version $v is in the future (not UTC?)"
}

# golang-migrate: up and down files
mkdir -p go/migrations && cd go && conf migrations
echo 'CREATE TABLE a (id int);' > migrations/0001_a.up.sql
echo 'DROP TABLE a;' > migrations/0001_a.down.sql
now=$(date -u +%Y%m%d%H%M%S)
expect_exit 0 sc new add_email
up=$(sed -n 1p "$T/out"); down=$(sed -n 2p "$T/out")
[[ "$up" =~ ^migrations/([0-9]+)_add_email\.up\.sql$ ]] || fail "golang up path: '$up'"
v=${BASH_REMATCH[1]}
check_version "$v" "$now"
assert_eq "$down" "migrations/${v}_add_email.down.sql" "golang down path"
[ -f "$up" ] && [ -f "$down" ] || fail "files not created"
expect_exit 0 sc validate
assert_contains "$T/out" "2 migrations"
# the same second again: a newer version still
expect_exit 0 sc new add_phone
[[ "$(sed -n 1p "$T/out")" =~ ^migrations/([0-9]+)_add_phone\.up\.sql$ ]] || fail "second path"
[ "${BASH_REMATCH[1]}" -gt "$v" ] || fail "second version ${BASH_REMATCH[1]} not after $v"
# bad names: nothing written
count=$(ls migrations | wc -l)
for bad in Add_Email "add-email" "a b" "../x" ""; do
	expect_exit 2 sc new "$bad"
done
assert_contains "$T/err" "NAME"
assert_eq "$(ls migrations | wc -l)" "$count" "files after refused names"
cd "$T"

# dbmate: one file with both markers
mkdir -p dbm/db/migrations && cd dbm && conf db/migrations
printf -- '-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n' > db/migrations/20240101000000_a.sql
expect_exit 0 sc new add_email
f=$(cat "$T/out")
[[ "$f" =~ ^db/migrations/[0-9]{14}_add_email\.sql$ ]] || fail "dbmate path: '$f'"
assert_contains "$f" "-- migrate:up"
assert_contains "$f" "-- migrate:down"
expect_exit 0 sc validate
cd "$T"

# Prisma: a folder with migration.sql
mkdir -p pr/prisma/migrations/20240101000000_init && cd pr && conf prisma/migrations
echo 'CREATE TABLE a (id int);' > prisma/migrations/20240101000000_init/migration.sql
expect_exit 0 sc new add_email
f=$(cat "$T/out")
[[ "$f" =~ ^prisma/migrations/[0-9]{14}_add_email/migration\.sql$ ]] || fail "prisma path: '$f'"
[ -f "$f" ] || fail "prisma file"
expect_exit 0 sc validate
cd "$T"

# Supabase CLI: one plain file, no down
mkdir -p sb/supabase/migrations && cd sb && conf supabase/migrations
echo 'create table a (id int);' > supabase/migrations/20240101000000_a.sql
expect_exit 0 sc new add_email
f=$(cat "$T/out")
[[ "$f" =~ ^supabase/migrations/[0-9]{14}_add_email\.sql$ ]] || fail "supabase path: '$f'"
assert_not_contains "$f" "migrate:up"
assert_eq "$(wc -l < "$T/out")" 1 "supabase has no down"
cd "$T"

# Flyway: V and U files
mkdir -p fw/sql && cd fw && conf sql
echo 'CREATE TABLE a (id int);' > sql/V1__a.sql
expect_exit 0 sc new add_email
[[ "$(sed -n 1p "$T/out")" =~ ^sql/V([0-9]{14})__add_email\.sql$ ]] || fail "flyway V path: $(cat "$T/out")"
assert_eq "$(sed -n 2p "$T/out")" "sql/U${BASH_REMATCH[1]}__add_email.sql" "flyway U path"
cd "$T"

# an empty folder: golang-migrate, unless --layout
mkdir -p em/migrations && cd em && conf migrations
expect_exit 0 sc new first
assert_contains "$T/out" "_first.up.sql"
expect_exit 0 sc new second --layout dbmate
[[ "$(cat "$T/out")" =~ _second\.sql$ ]] || fail "--layout dbmate"
expect_exit 2 sc new third --layout cobol
expect_exit 0 sc --json new fourth
python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); assert o["event"]=="migration_created" and o["up"].endswith("_fourth.sql") and o["layout"]=="dbmate" and o["down"] is None, o' "$T/out" ||
	fail "new --json: $(cat "$T/out")"
pass
