#!/bin/bash
# pg_backup warns, in plan and before a deploy, when its dumps would land
# inside a git work tree without being ignored (a database dump would go
# into the next commit), and is silent once the folder is ignored, when
# `dir` is outside the tree, or outside any work tree.  A warning only: the
# deploy succeeds.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
URL=$(pg_createdb app)
mkdir -p proj/migrations
cd proj || fail "cd proj"
cat >stagecoach.conf <<CONF
version = 1;
project = "gitignore";
migrations = "migrations";
environments = { staging = { database = "$URL"; }; };
steps = ( { name = "backup"; kind = "pg_backup"; dir = "\${BACKUP_DIR:-backups}"; keep = 2; } );
CONF
want="step 'backup': the dumps go to '$T/proj/backups', inside a git work tree and not ignored by git"

# outside any work tree: nothing to say
expect_exit 0 sc plan staging
assert_not_contains "$T/err" "work tree"

git init -q . || fail "git init"
expect_exit 0 sc plan staging
assert_contains "$T/err" "$want"
expect_exit 0 sc deploy staging
assert_contains "$T/err" "$want"
ls backups/staging-*.dump >/dev/null 2>&1 || fail "no dump written"
[ -n "$(git status --porcelain --untracked-files=all backups)" ] || fail "git does not see the dump: the warning is wrong"

# ignored: silent (a .gitignore of a parent folder counts as well)
echo "backups/" >.gitignore
expect_exit 0 sc deploy staging
assert_not_contains "$T/err" "work tree"
[ -z "$(git status --porcelain --untracked-files=all backups)" ] || fail "the dumps are not ignored"
rm .gitignore

# outside the tree: silent
mkdir -p "$T/elsewhere"
BACKUP_DIR="$T/elsewhere" expect_exit 0 sc plan staging
assert_not_contains "$T/err" "work tree"
pass
