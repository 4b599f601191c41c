# tests/examples/lib/example.sh: helpers for the tests that run an example
# of examples/ end to end.  Source after common.sh (and sshd.sh/fake_api.sh
# when used); call sc_setup first.
#
#   ex_copy NAME            copy examples/NAME to $T/ex (so backups and state
#                           stay in the scratch folder); sets EX and CONF
#   ex_ports PORT...        replace the `port = 22;` of each host in $CONF,
#                           in order, by the given ports (the throwaway sshd's)
#   ex_seed URL FILE        run an SQL file on a database (ON_ERROR_STOP)
#   ex_promote FROM TO ...  run `promote FROM TO --approve ...` into $T/out,
#                           $T/err; returns its exit code, or 99 (and says
#                           so: the caller fails) on a build without promote
#   q URL SQL               psql_q, for short

ex_copy() {
	rm -rf "$T/ex"
	cp -r "$TOP/examples/$1" "$T/ex"
	rm -rf "$T/ex/backups" "$T/ex/.stagecoach"
	EX="$T/ex"
	CONF="$EX/stagecoach.conf"
}

ex_ports() {
	python3 - "$CONF" "$@" <<'PY'
import sys
path, ports = sys.argv[1], sys.argv[2:]
s = open(path).read()
for p in ports:
    if "port = 22;" not in s:
        sys.exit("fewer hosts with 'port = 22;' than ports given")
    s = s.replace("port = 22;", "port = %s;" % p, 1)
open(path, "w").write(s)
PY
}

ex_seed() {
	psql "$1" -X -q -v ON_ERROR_STOP=1 -f "$2" >/dev/null || fail "seeding $1 with $2 failed"
}

ex_promote() {
	local from=$1 to=$2; shift 2
	sc -c "$CONF" promote "$from" "$to" --approve "$@" >"$T/out" 2>"$T/err"
	local rc=$?
	if grep -q "not yet implemented" "$T/err"; then
		echo "note: 'promote' is not implemented in this build: its part of the test is skipped" >&2
		return 99
	fi
	return $rc
}

q() { psql_q "$@"; }

# ex_tree NAME: lay out $T/w as the top of the tree for the README of
# examples/NAME and cd there: the example copied (its backups and state stay
# in the scratch folder), ./stagecoach the binary under test, the Makefile,
# tests/ and examples/sandbox linked as they are.  Sets W, EX and CONF, and
# loads the README's commands (tests/lib/readme.sh: readme_next, readme_upto,
# readme_rest, readme_done).  The sandbox the README starts is stopped at exit.
ex_tree() {
	W="$T/w"
	mkdir -p "$W/examples"
	cp -r "$TOP/examples/$1" "$W/examples/$1"
	rm -rf "$W/examples/$1/backups" "$W/examples/$1/.stagecoach" "$W/examples/$1/out"
	ln -s "$TOP/examples/sandbox" "$W/examples/sandbox"
	ln -s "$TOP/tests" "$W/tests"
	ln -s "$TOP/Makefile" "$W/Makefile"
	ln -s "$SC" "$W/stagecoach"
	EX="$W/examples/$1"
	CONF="$EX/stagecoach.conf"
	cd "$W" || fail "cd $W"
	at_exit "cd '$W' && examples/sandbox/sandbox.sh stop"
	# not the flags of a `make test` around the test
	unset MAKEFLAGS MFLAGS MAKELEVEL
	readme_load "$EX/README.md"
}

# ex_sandbox_api ENV: point api_ctl/api_py at the sandbox's stand-in for ENV
# (staging or production)
ex_sandbox_api() {
	case "$1" in
	staging) API_CONTROL="$SANDBOX_STAGING_API/_control" ;;
	production) API_CONTROL="$SANDBOX_PRODUCTION_API/_control" ;;
	*) fail "ex_sandbox_api: no environment '$1'" ;;
	esac
	API_TOKEN=$SANDBOX_API_TOKEN
}
