#!/bin/bash
# Release identity: pipelines without migrations or functions get different
# release names when their config differs (not the hash of nothing,
# e3b0c44298fc); the content hash (64 hex) is recorded beside the name;
# `deploy staging --release v1.2.3` then `promote staging production`
# works and production shows release v1.2.3 (status, history, --json);
# a local change after that is refused by promote (exit 5), naming what
# differs; the git commit and the dirty flag are recorded.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
export STG=$(pg_createdb staging) PRD=$(pg_createdb production) OTHER=$(pg_createdb other)

conf() {
	cat <<CONF
version = 1;
project = "identity";
environments = {
  staging = { database = "\${STG}"; };
  production = { database = "\${PRD}"; promote_from = "staging"; };
};
steps = ( { name = "mark"; kind = "shell"; command = "echo \${env} \${release} >> \$MARKS"; } $1 );
CONF
}
export MARKS="$T/marks"
mkdir -p a b
conf "" >a/stagecoach.conf
conf ', { name = "more"; kind = "shell"; command = "true"; }' >b/stagecoach.conf

# two pipelines without migrations/functions: two different names
expect_exit 0 sc -c a/stagecoach.conf deploy staging
ra=$(psql_q "$STG" "SELECT release FROM stagecoach.runs ORDER BY started_at DESC LIMIT 1")
ha=$(psql_q "$STG" "SELECT content_hash FROM stagecoach.runs ORDER BY started_at DESC LIMIT 1")
[ ${#ha} = 64 ] || fail "content hash '$ha' is not 64 hex digits"
assert_eq "$ra" "${ha:0:12}" "the default name is the content hash's first 12 hex digits"
[ "$ra" != e3b0c44298fc ] || fail "the release is the hash of nothing"
sed -i "s/STG/OTHER/" b/stagecoach.conf
expect_exit 0 sc -c b/stagecoach.conf deploy staging
rb=$(psql_q "$OTHER" "SELECT release FROM stagecoach.runs")
[ -n "$rb" ] && [ "$rb" != "$ra" ] || fail "configs that differ got the same release '$ra'"
# the same config again: the same name
expect_exit 0 sc -c a/stagecoach.conf deploy staging
assert_eq "$(psql_q "$STG" "SELECT count(DISTINCT release) || ' ' || count(DISTINCT content_hash) FROM stagecoach.runs")" "1 1" "same config, same release"

# a named release; promote carries its name
expect_exit 0 sc -c a/stagecoach.conf deploy staging --release v1.2.3
assert_eq "$(psql_q "$STG" "SELECT release || ' ' || content_hash FROM stagecoach.runs ORDER BY started_at DESC LIMIT 1")" "v1.2.3 $ha" "named release, same content"
expect_exit 2 sc -c a/stagecoach.conf promote staging production --release v9
expect_exit 0 sc -c a/stagecoach.conf promote staging production
assert_contains "$T/out" "release v1.2.3"
assert_eq "$(psql_q "$PRD" "SELECT release || ' ' || content_hash || ' ' || promoted_from || ' ' || command FROM stagecoach.runs")" "v1.2.3 $ha staging promote" "production's record"
assert_eq "$(grep -c 'production v1.2.3' "$MARKS")" 1 "the steps ran under FROM's name"
expect_exit 0 sc -c a/stagecoach.conf status production
assert_contains "$T/out" "current release: v1.2.3 (content ${ha:0:12})"
assert_contains "$T/out" "promoted from staging"
expect_exit 0 sc -c a/stagecoach.conf history production
assert_contains "$T/out" "v1.2.3         ${ha:0:12} succeeded"
expect_exit 0 sc -c a/stagecoach.conf --json history production
python3 - "$T/out" "$ha" <<'PY' || fail "history --json"
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
r = runs[0]
assert (r["release"], r["content_hash"], r["promoted_from"]) == ("v1.2.3", sys.argv[2], "staging"), r
assert "git_commit" in r and "git_dirty" in r and r["approvals"] == [], r
PY
expect_exit 0 sc -c a/stagecoach.conf --json status production
python3 - "$T/out" "$ha" <<'PY' || fail "status --json"
import json, sys
s = json.loads(open(sys.argv[1]).read())
assert s["current_release"] == "v1.2.3" and s["current_content_hash"] == sys.argv[2], s
assert s["current_run"]["promoted_from"] == "staging" and s["paused_run"] is None, s
PY

# a local change: refused, nothing changed, the differing content named
echo '# tweaked' >>a/stagecoach.conf
n=$(psql_q "$PRD" "SELECT count(*) FROM stagecoach.runs")
expect_exit 5 sc -c a/stagecoach.conf promote staging production
assert_contains "$T/err" "last succeeded with v1.2.3"
assert_contains "$T/err" "config/stagecoach.conf differs"
assert_eq "$(psql_q "$PRD" "SELECT count(*) FROM stagecoach.runs")" "$n" "nothing recorded on production"
assert_eq "$(grep -c production "$MARKS")" 1 "nothing ran on production"

# git: the commit and whether the shipped files differ from it
cd a
git init -q . && git -c user.email=t@t -c user.name=t add stagecoach.conf &&
	git -c user.email=t@t -c user.name=t commit -qm one || fail "git"
head=$(git rev-parse HEAD)
echo "ignored" >notes.txt   # not shipped: does not make the release dirty
expect_exit 0 sc deploy staging --release clean
assert_eq "$(psql_q "$STG" "SELECT git_commit || ' ' || git_dirty FROM stagecoach.runs WHERE release = 'clean'")" "$head false" "clean tree"
echo '# uncommitted' >>stagecoach.conf
expect_exit 0 sc deploy staging --release dirty
assert_eq "$(psql_q "$STG" "SELECT git_commit || ' ' || git_dirty FROM stagecoach.runs WHERE release = 'dirty'")" "$head true" "dirty tree"
expect_exit 0 sc history staging
assert_contains "$T/out" "git ${head:0:12}, dirty"
pass
