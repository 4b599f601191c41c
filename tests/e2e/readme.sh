#!/bin/bash
# test-timeout: 900
# README.md runs as written on a fresh machine: a fresh clone of this tree's
# HEAD (committed work only), then every command of README.md's ```sh
# blocks, in order, in one shell, each required to exit 0 (or the N of a
# trailing "# exits N").  The first is `make demo`, which builds the clone.
# Only ```sh blocks are run: commands shown as illustrations (`cd my-app`)
# are in ```text blocks (the convention of tests/lib/readme_cmds.py, also
# said in README.md).  Then examples/README.md and examples/sandbox/README.md,
# the pages it sends a newcomer to first, the same way.  Afterwards nothing
# may run from the clone or the sandbox, and what the commands wrote in the
# clone is ignored by git (dumps, state, .sandbox/).  The build and the demo
# take most of the time (2-4 minutes on a loaded machine): hence the timeout.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/readme.sh"
sc_setup
head=$(git -C "$TOP" rev-parse HEAD) || fail "$TOP is not a git work tree"
git clone -q "$TOP" "$T/repo" 2>"$T/err" || fail "git clone: $(cat "$T/err")"
git -C "$T/repo" checkout -q --detach "$head" || fail "checkout $head"
R="$T/repo"
cd "$R" || fail "cd $R"
# whatever happens, the sandbox of the clone is stopped
at_exit "cd '$R' && examples/sandbox/sandbox.sh stop"
# not the make flags of a `make test` around this test; the build on 2 cores
unset MAKEFLAGS MFLAGS MAKELEVEL
export MAKEFLAGS=-j2

# README.md stands alone: no reference to a document users do not have, the
# exit codes, and links to the reference pages, each of which exists
grep -qw SPEC README.md && fail "README.md refers to the SPEC, which users never see"
for code in 0 1 2 3 4 5 6 7; do grep -q "^| $code | " README.md || fail "README.md's exit-code table has no row $code"; done
for page in docs/config.md docs/json.md docs/migrations/README.md docs/exit-codes.md; do
	grep -qF "]($page)" README.md || fail "README.md does not link $page"
done
for link in $(grep -o '](\([^)#]*\))' README.md | sed 's/^](//; s/)$//' | grep -v '://'); do
	[ -e "$link" ] || fail "README.md links $link, which does not exist"
done

readme_load README.md
readme_next "make demo"
[ -x "$R/stagecoach" ] || fail "make demo built no ./stagecoach"
assert_contains "$T/out" "rollback production"
readme_rest
readme_done
# the README used the sandbox, and its last command stopped it
[ -n "${SANDBOX_DIR:-}" ] || fail "README.md's commands never read .sandbox/env"
first=$SANDBOX_DIR
[ ! -e "$first" ] || fail "the sandbox folder $first is left behind"
# the pages the README sends a newcomer to next run as written too (each
# example's own README is run by its test in tests/examples)
for page in examples/README.md examples/sandbox/README.md; do
	readme_load "$page"
	readme_rest
	readme_done
done
[ ! -e "$SANDBOX_DIR" ] || fail "the sandbox folder $SANDBOX_DIR is left behind"
[ ! -e "$R/.sandbox" ] || fail ".sandbox/ is left in the tree"
left=""
for i in $(seq 1 50); do
	left=$(pgrep -af -- "$first|$SANDBOX_DIR|$R/" | grep -v pgrep)
	[ -z "$left" ] && break
	sleep 0.1
done
[ -z "$left" ] || fail "processes left behind: $left"

# what the commands wrote in the tree is ignored: git sees nothing new
st=$(git -C "$R" status --porcelain)
[ -z "$st" ] || fail "the README's commands left files git would commit: $st"
# and a pg_backup dump beside an example's config would be ignored too
git -C "$R" check-ignore -q examples/alembic-billing/backups/staging-1.dump ||
	fail "pg_backup's default folder (backups/) is not ignored by git"
git -C "$R" check-ignore -q examples/shell-only/.stagecoach/local/lock ||
	fail "state_dir's default folder (.stagecoach/) is not ignored by git"
pass
