# tests/lib/readme.sh: run a README's commands as written.  Source after
# common.sh.  Which commands, and what they must exit with: the ```sh blocks
# (see tests/lib/readme_cmds.py for the convention).  Each runs in the
# calling shell, with eval, so `cd`, `export` and `. ./.sandbox/env` carry
# over to the next command and to the test's own checks in between.
#
#   readme_load FILE        read FILE's commands (fails when it has none)
#   readme_next [TEXT]      run the next command; with TEXT, the command must
#                           contain it (so a test notices a README that no
#                           longer says what the test checks after it)
#   readme_upto TEXT        run the commands up to the first that contains TEXT
#   readme_rest             run every command not run yet
#   readme_done             fail unless every command was run
#
# A command's stdout and stderr land in $T/out and $T/err (as expect_exit);
# one that exits other than its expected code fails the test, naming
# FILE:LINE.  Each command and its exit code are logged on stderr.

readme_load() {
	RM_FILE=$1
	RM_LINE=() RM_WANT=() RM_CMD=()
	local line want cmd
	python3 "$TOP/tests/lib/readme_cmds.py" "$RM_FILE" >"$T/readme.cmds" || fail "cannot read the commands of $RM_FILE"
	while IFS=$'\t' read -r line want cmd; do
		RM_LINE+=("$line") RM_WANT+=("$want") RM_CMD+=("$cmd")
	done <"$T/readme.cmds"
	RM_NEXT=0
	[ ${#RM_CMD[@]} -gt 0 ] || fail "$RM_FILE has no command in a \`\`\`sh block"
}

readme_next() {
	local _rm_i=$RM_NEXT
	[ "$_rm_i" -lt ${#RM_CMD[@]} ] || fail "$RM_FILE: no command left${1:+ (the test expected one with '$1')}"
	local _rm_cmd=${RM_CMD[$_rm_i]} _rm_where="$RM_FILE:${RM_LINE[$_rm_i]}"
	if [ -n "${1:-}" ]; then
		case "$_rm_cmd" in *"$1"*) ;; *) fail "$_rm_where: the test expected a command with '$1' here, the README says: $_rm_cmd" ;; esac
	fi
	RM_NEXT=$((_rm_i + 1))
	local _rm_t0 _rm_rc
	_rm_t0=$(date +%s)
	echo "\$ $_rm_cmd" >&2
	eval "$_rm_cmd" >"$T/out" 2>"$T/err" </dev/null
	_rm_rc=$?
	echo "  (exit $_rm_rc, $(($(date +%s) - _rm_t0)) s)" >&2
	[ "$_rm_rc" = "${RM_WANT[$_rm_i]}" ] || fail "$_rm_where: \`$_rm_cmd\` exited $_rm_rc, the README expects ${RM_WANT[$_rm_i]}
stdout: $(tail -20 "$T/out")
stderr: $(tail -20 "$T/err")"
	return 0
}

readme_upto() {
	while :; do
		[ "$RM_NEXT" -lt ${#RM_CMD[@]} ] || fail "$RM_FILE: no command with '$1' left to run"
		case "${RM_CMD[$RM_NEXT]}" in
		*"$1"*) readme_next; return 0 ;;
		*) readme_next ;;
		esac
	done
}

readme_rest() {
	while [ "$RM_NEXT" -lt ${#RM_CMD[@]} ]; do readme_next; done
}

readme_done() {
	[ "$RM_NEXT" = ${#RM_CMD[@]} ] || fail "$RM_FILE: $((${#RM_CMD[@]} - RM_NEXT)) command(s) not run, from line ${RM_LINE[$RM_NEXT]}: ${RM_CMD[$RM_NEXT]}"
}
