#!/bin/bash
# Option parsing: "--opt=value" works as "--opt value" for every option that
# takes a value (--limit, --release, --to, --note, --layout, --server-version,
# --junit, and the global --config/--color); an unknown option or command is
# exit 2 with nothing changed, and says "did you mean --X?" (or the command)
# when one is close.  No database: the records are in state_dir.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
mkdir -p m
echo "CREATE TABLE t (id int);" > m/0001_t.up.sql
cat > stagecoach.conf <<'CONF'
version = 1;
project = "opts";
migrations = "m";
environments = { local = { state_dir = "records"; }; };
steps = ( { name = "hello"; kind = "shell"; command = "echo hello ${release} >> deployed"; } );
CONF
expect_exit 0 sc deploy local --release=r1
expect_exit 0 sc deploy local --release r2
expect_exit 0 sc deploy local --release=r3 --junit=report.xml
[ -s report.xml ] || fail "--junit=FILE wrote no report"
assert_eq "$(cat deployed)" "hello r1
hello r2
hello r3" "the releases deployed"

# --limit=2 is --limit 2
expect_exit 0 sc history local --limit=2
cp "$T/out" eq.out
expect_exit 0 sc history local --limit 2
cmp -s eq.out "$T/out" || fail "--limit=2 and --limit 2 differ: $(cat eq.out) / $(cat "$T/out")"
grep -q ' r3 ' eq.out && grep -q ' r2 ' eq.out || fail "history --limit=2: $(cat eq.out)"
grep -q ' r1 ' eq.out && fail "history --limit=2 shows 3 runs: $(cat eq.out)"
expect_exit 2 sc history local --limit=
assert_contains "$T/err" "--limit takes a number"
expect_exit 2 sc history local --limit
assert_contains "$T/err" "--limit needs a number"
# --to=RELEASE, --config=FILE, --color never, --server-version=N, --layout=L
expect_exit 0 sc rollback local --to=r2 --dry-run
assert_contains "$T/out" "would undo run"
assert_contains "$T/out" "release r3"
assert_not_contains "$T/out" "release r2 by"
cp stagecoach.conf other.conf
expect_exit 0 sc --config=other.conf --color never status local
expect_exit 0 sc validate --server-version=17
expect_exit 0 sc new add_x --layout=dbmate
ls m/*_add_x.sql >/dev/null 2>&1 || fail "new --layout=dbmate: $(ls m)"
# a value that looks like an option is still the value
expect_exit 2 sc history local --limit --json
assert_contains "$T/err" "--limit takes a number"

# unknown options and commands: exit 2, nothing changed, did you mean
did_you_mean() { # WANT ARGS...
	local want=$1; shift
	expect_exit 2 sc "$@"
	assert_contains "$T/err" "did you mean $want?"
}
did_you_mean --limit history local --limt 2
did_you_mean --limit history local --lmiit=2
did_you_mean --release deploy local --relase r9
did_you_mean --dry-run rollback local --to r1 --dryrun
did_you_mean --last rollback local --lst
did_you_mean --note resolve local --approve --nte x
did_you_mean --json status local --jsno
did_you_mean --json --jsn status local
did_you_mean --layout new y --layot dbmate
did_you_mean deploy deplyo local
did_you_mean status stauts local
did_you_mean history histroy local
did_you_mean rollback help rollbak
did_you_mean config help confg
expect_exit 2 sc history local --frobnicate
assert_contains "$T/err" "unknown option '--frobnicate'"
assert_not_contains "$T/err" "did you mean"
expect_exit 2 sc frobnicate
assert_contains "$T/err" "unknown command 'frobnicate'"
assert_not_contains "$T/err" "did you mean"
assert_eq "$(wc -l < deployed)" 3 "a refused command changed something"
[ -e m/*_y.sql ] 2>/dev/null && fail "new with a bad option wrote a file"
pass
