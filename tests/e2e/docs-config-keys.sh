#!/bin/bash
# docs/config.md lists every key the config parser accepts, and no key it
# refuses. The keys come from the parser's own tables (`stagecoach help
# config --keys`), and every table a cfg_check_keys*() call checks against
# must be listed among them, so a key added anywhere fails this test until
# it is documented.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
DOC="$TOP/docs/config.md"

expect_exit 0 sc help config --keys
sort -u out >keys
n=$(wc -l <keys)
[ "$n" -ge 100 ] || fail "help config --keys printed only $n keys"
# one key of each table, so that a table dropped from the listing is noticed
for k in version project environments.NAME.database environments.NAME.functions_api.token \
	environments.NAME.ssh.known_hosts 'environments.NAME.hosts[].port' hooks.notify 'steps[].continue_on_error' \
	pg_backup.keep migrate.history 'migrate[tool=alembic].alembic_ini' sql_check.checks 'sql_check.checks[].expect_rows' \
	functions_deploy.parallel 'functions_deploy.settings[].entrypoint' http.rollback_request \
	http.rollback_request.body_file health_check.p95_ms ssh.exit_marker release.keep shell.cwd approval.pause; do
	grep -qxF -- "$k" keys || fail "help config --keys does not list '$k'"
done

# the documented keys: the first cell of each table row under "## Every key"
awk '/^## Every key/ { on = 1; next } on && /^## / { on = 0 } on' "$DOC" |
	sed -n 's/^| `\([^`]*\)` |.*/\1/p' | sort -u >documented
[ -s documented ] || fail "docs/config.md has no key tables under '## Every key'"
comm -23 keys documented >missing
comm -13 keys documented >extra
[ -s missing ] && fail "keys the parser accepts that docs/config.md does not list (add a row '| \`KEY\` | type | default | example | ... |'): $(tr '\n' ' ' <missing)"
[ -s extra ] && fail "keys docs/config.md lists that the parser refuses: $(tr '\n' ' ' <extra)"
# each row has its type, default and example filled in
awk '/^## Every key/ { on = 1; next } on && /^## / { on = 0 } on && /^\| `/' "$DOC" >rows
while IFS= read -r row; do
	cells=$(printf '%s\n' "$row" | awk -F' \\| ' '{ print NF }')
	[ "$cells" -ge 5 ] || fail "docs/config.md: row without type, default and example: $row"
	printf '%s\n' "$row" | awk -F' \\| ' '{ exit !($2 != "" && $3 != "" && $4 ~ /`/) }' ||
		fail "docs/config.md: empty type, default or example: $row"
done <rows

# every key table the parser checks against is listed: each table given to
# cfg_check_keys()/cfg_check_keys_with() appears in a { "PATH", TABLE } entry
cd "$TOP"
srcs="lib/*.c env/*.c steps/*.c hooks/*.c orchestrator/*.c"
tables=$( {
	# cfg_check_keys(GROUP, TABLE, e)
	grep -ohE 'cfg_check_keys\([^,]+, *[A-Za-z_][A-Za-z_0-9]*' $srcs | sed -E 's/^[^,]+, *//'
	# cfg_check_keys_with(GROUP, TABLE, ALSO, e)
	grep -ohE 'cfg_check_keys_with\([^,]+, *[A-Za-z_][A-Za-z_0-9]*, *[A-Za-z_][A-Za-z_0-9]*' $srcs |
		sed -E 's/^[^,]+, *//; s/, */\n/'
} | grep -vxE 'NULL|const' | sort -u)
[ -n "$tables" ] || fail "found no cfg_check_keys() call in the sources"
for t in $tables; do
	# settings.c's own wrapper passes its parameter on
	[ "$t" = known ] && grep -q 'cfg_check_keys_with(s, known, cfg_common_step_keys' lib/settings.c && continue
	grep -qE "\{ *\"[^\"]*\", *$t *\}" $srcs ||
		fail "key table '$t' is checked by the parser but listed in no { \"PATH.\", $t } entry (step_ops.keys or config_keys[]): help config --keys misses its keys"
done
pass
