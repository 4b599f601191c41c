#!/bin/bash
# The man page covers every command of the command table and every option
# the program accepts (main.c's global ones, the shared run flags of
# cmd-common.c, each command's own), and each command's page in
# docs/commands/ names the options of its usage line and of its own parser.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
MAN="$TOP/docs/stagecoach.1"
# the man page as text: no roff escapes for '-' and fonts
sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' "$MAN" >man.txt

# OPTION (with a trailing '=' dropped: --opt=V is a spelling of --opt V)
# appears in FILE as a whole option
has_opt() {
	local o=${1%=} re
	re=$(printf '%s' "$o" | sed 's/[][\.*^$]/\\&/g')
	grep -qE -- "(^|[^A-Za-z0-9-])$re([^A-Za-z0-9-]|$)" "$2"
}
# the option literals of a C file: "-x", "--long", "--long="
opts_of() {
	grep -oE '"--?[a-z][a-z0-9-]*=?"' "$1" | tr -d '"' | sort -u
}

expect_exit 0 sc help
cmds=$(awk '/^commands:/ { on = 1; next } on && /^$/ { on = 0 } on { print $1 }' out)
[ "$(echo "$cmds" | wc -w)" -ge 15 ] || fail "help lists too few commands: $cmds"
for c in $cmds; do
	grep -qE "^\.B $c( |$)" man.txt || fail "docs/stagecoach.1 has no entry '.B $c' for command '$c'"
	[ "$c" = help ] || [ -f "$TOP/docs/commands/$c.md" ] || fail "command '$c' has no page docs/commands/$c.md"
done

# global options (main.c) and the shared run flags (cmd-common.c): in the man page
for f in main.c cmd-common.c; do
	opts=$(opts_of "$TOP/orchestrator/$f")
	[ -n "$opts" ] || fail "found no option in orchestrator/$f"
	for o in $opts; do
		has_opt "$o" man.txt || fail "option '$o' (orchestrator/$f) is not in docs/stagecoach.1"
	done
done
for o in -c --config --json --color= -q --quiet -v --verbose --version -h --help; do
	has_opt "$o" man.txt || fail "global option '$o' is not in docs/stagecoach.1"
done

# each command: the options of its usage line and of its own parser are in
# its page and in the man page
for c in $cmds; do
	[ "$c" = help ] && continue
	page="$TOP/docs/commands/$c.md"
	sc "$c" --help >usage 2>&1 || fail "$c --help failed"
	uopts=$(head -1 usage | grep -oE -- '--?[a-z][a-z0-9-]*' | sort -u)
	src="$TOP/orchestrator/cmd-$c.c"
	popts=""
	[ -f "$src" ] && popts=$(opts_of "$src")
	for o in $uopts $popts; do
		case $o in --help | -h | --json | -y) continue ;; esac # global, or short for --yes: in the man page
		has_opt "$o" "$page" || fail "option '$o' of '$c' is not in docs/commands/$c.md"
		has_opt "$o" man.txt || fail "option '$o' of '$c' is not in docs/stagecoach.1"
	done
	# what its parser accepts is in its usage line
	for o in $popts; do
		# -y is short for --yes (the man page says so)
		case $o in --help | -h | --json | --| -y) continue ;; esac
		has_opt "$o" usage || fail "option '$o' that '$c' accepts is not in its usage line: $(head -1 usage)"
	done
done
pass
