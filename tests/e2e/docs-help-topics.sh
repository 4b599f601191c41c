#!/bin/bash
# `stagecoach help TOPIC` prints the reference pages of docs/ byte for byte
# (config, exit-codes, json, hooks, layouts, each migration layout the code
# knows, each step kind); `help` lists commands and topics; an unknown topic
# is exit 2 with both lists; a changed page rebuilds the binary; every layout
# page says its files, up/down, history table and how to adopt it; no page
# refers to a SPEC that users never see; every exit code is documented.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
D="$TOP/docs"

expect_exit 0 sc help
assert_contains out "commands:"
assert_contains out "  deploy "
topics=$(sed -n '/^topics/{n;p}' out | tr -d ' ' | tr ',' ' ')
[ -n "$topics" ] || fail "help lists no topics"
for t in config exit-codes json hooks lint-rules layouts golang-migrate dbmate prisma supabase flyway alembic \
	pg_backup migrate sql_check functions_deploy http health_check ssh release shell approval; do
	case " $topics " in *" $t "*) ;; *) fail "help does not list topic '$t' (topics: $topics)" ;; esac
done
page_of() {
	case $1 in
	config | exit-codes | json | hooks) echo "$1.md" ;;
	lint-rules) echo lint.md ;;
	layouts) echo migrations/README.md ;;
	golang-migrate | dbmate | prisma | supabase | flyway | alembic) echo "migrations/$1.md" ;;
	*) echo "steps/$1.md" ;;
	esac
}
for t in $topics; do
	p=$(page_of "$t")
	[ -f "$D/$p" ] || fail "topic '$t' has no page docs/$p"
	sc help "$t" >"page-$t" 2>"err-$t" || fail "help $t failed: $(cat "err-$t")"
	cmp -s "page-$t" "$D/$p" || fail "help $t is not docs/$p as it is now (rebuild, or the embedding changed bytes): $(cmp "page-$t" "$D/$p" 2>&1)"
done
# every step kind is a topic (the kinds from the parser's key listing)
sc help config --keys | sed -n 's/^\([a-z_]*\)[.[].*/\1/p' | sort -u | grep -vxE 'environments|hooks|steps|version|project' >kinds
while read -r k; do
	case " $topics " in *" $k "*) ;; *) fail "step kind '$k' is not a help topic" ;; esac
done <kinds
# an alias of a layout, and a command's own help still wins over topics
expect_exit 0 sc help golang
cmp -s out "$D/migrations/golang-migrate.md" || fail "help golang is not golang-migrate's page"
expect_exit 0 sc help deploy
assert_contains out "usage: stagecoach deploy ENV"

expect_exit 2 sc help no-such-topic
assert_contains err "unknown command or topic 'no-such-topic'"
assert_contains err "commands: validate"
assert_contains err "topics: config, exit-codes"

# a changed page makes the generated file (and so the binary) stale
cd "$TOP"
make -s BUILD="$T/b" "$T/b/gen/docs.c" >/dev/null || fail "make cannot generate the pages file"
make -q BUILD="$T/b" "$T/b/gen/docs.c" || fail "the generated pages file is not up to date right after make"
if make -q -W docs/hooks.md BUILD="$T/b" "$T/b/gen/docs.c"; then fail "a changed docs/hooks.md does not regenerate the built-in pages"; fi
if make -q -W docs/steps/ssh.md BUILD="$T/b" "$T/b/gen/docs.c"; then fail "a changed docs/steps/ssh.md does not regenerate the built-in pages"; fi
make -n -W "$T/b/gen/docs.c" BUILD="$T/b" BIN="$T/b/stagecoach" "$T/b/stagecoach" | grep -q "gen/docs.o" ||
	fail "the binary does not link the generated pages"
cd "$T"

# the layout pages: files, up and down, the history table, adopting
for p in "$D"/migrations/*.md; do
	case $p in */README.md) continue ;; esac
	grep -q '^\*\*Layout\.\*\*' "$p" || fail "$p: no **Layout.** paragraph"
	grep -qi 'down' "$p" || fail "$p: says nothing of the down"
	grep -q '^\*\*History table' "$p" || fail "$p: no **History table** paragraph"
	grep -q '^## Adopting' "$p" || fail "$p: no '## Adopting' section"
done

# nothing under docs/ refers to a SPEC
if grep -rn 'SPEC' "$D" >spec; then fail "docs/ refers to a SPEC: $(head -3 spec)"; fi

# every exit code of lib/err.h has its row in docs/exit-codes.md
codes=$(sed -n 's/^\s*SC_[A-Z]* = \([0-9]*\),.*/\1/p' "$TOP/lib/err.h")
[ -n "$codes" ] || fail "no exit codes found in lib/err.h"
for c in $codes; do
	grep -q "^| $c |" "$D/exit-codes.md" || fail "docs/exit-codes.md has no row for exit code $c"
done
pass
