# tests/examples/lib/example.sh: helpers for the tests that run an example
# of examples/ end to end, by its README's commands as written (so a README
# that does not run fails its test).  Source after common.sh, fake_api.sh
# and readme.sh; call sc_setup first.
#
#   ex_tree NAME            lay out the tree the README expects and load its
#                           commands (below)
#   ex_sandbox_api ENV      api_ctl/api_py at the sandbox's stand-in for ENV
#   q URL SQL               psql_q, for short

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
