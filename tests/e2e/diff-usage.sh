#!/bin/bash
# diff's usage errors exit 2 without connecting; an unreachable database exits
# 6 naming the environment (and never its password).
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
export STG_DB=$(pg_createdb stg)
DOWN_PORT=$(free_port)
export DOWN_DB="postgresql://sc:$DB_PASS@127.0.0.1:$DOWN_PORT/prd"
cat >stagecoach.conf <<'CONF'
version = 1;
project = "diffusage";
environments = {
  staging = { database = "${STG_DB}"; };
  production = { database = "${DOWN_DB}"; };
};
steps = ( { name = "noop"; kind = "shell"; command = "true"; } );
CONF
expect_exit 2 sc diff staging
assert_contains err "usage: stagecoach diff ENV_A ENV_B"
expect_exit 2 sc diff staging production extra
assert_contains err "unexpected argument 'extra'"
expect_exit 2 sc diff staging --bogus production
expect_exit 2 sc diff staging nowhere
assert_contains err "nowhere"
expect_exit 0 sc diff --help
assert_contains out "diff ENV_A ENV_B"

expect_exit 6 sc diff staging production
assert_contains err "stagecoach: error: diff 'production'"
assert_not_contains err "$DB_PASS"
expect_exit 6 sc diff production staging
assert_contains err "diff 'production'"
expect_exit 6 sc --json diff staging production
assert_not_contains err "$DB_PASS"
pass
