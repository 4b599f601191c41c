#!/bin/bash
# release and ${host.*}: config errors name FILE:LINE and change nothing:
# ${host.name} outside ssh/release commands and their gates, a hook using
# it, a bad release key, a `health` naming no step, keep below 2.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
conf() { # STEPS [HOOKS]
	cat >stagecoach.conf <<CONF
version = 1;
project = "relconf";
environments = { staging = { hosts = ( { name = "app1"; address = "127.0.0.1"; } ); }; };
steps = (
$1
);
${2:-}
CONF
}
conf '  { name = "ship"; kind = "release"; artifact = "a.txt"; path = "/srv/${host.name}"; health = "gate"; },
  { name = "gate"; kind = "shell"; command = "curl -fsS http://${host.address}/health"; },
  { name = "note"; kind = "shell"; command = "echo ${host.name}"; }'
expect_exit 2 sc -c stagecoach.conf validate
assert_contains "$T/err" "stagecoach.conf:7: step 'note': '\${host.name}' is defined only in the commands of ssh and release steps"

# the same without the stray use: valid (the gate and the release may use them)
conf '  { name = "ship"; kind = "release"; artifact = "a.txt"; path = "/srv/${host.name}"; health = "gate"; },
  { name = "gate"; kind = "shell"; command = "curl -fsS http://${host.address}/health"; }'
expect_exit 0 sc -c stagecoach.conf validate

conf '  { name = "ship"; kind = "release"; artifact = "a.txt"; path = "/srv"; }' 'hooks = { before = [ "echo ${host.name}" ]; };'
expect_exit 2 sc -c stagecoach.conf validate
assert_contains "$T/err" "stagecoach.conf:"
assert_contains "$T/err" "\${host.name}"

conf '  { name = "ship"; kind = "release"; artifact = "a.txt"; path = "/srv"; restart = "x"; }'
expect_exit 2 sc -c stagecoach.conf validate
assert_contains "$T/err" "stagecoach.conf:5: step 'ship': unknown key 'restart'"

conf '  { name = "ship"; kind = "release"; artifact = "a.txt"; path = "/srv"; health = "nope"; }'
expect_exit 2 sc -c stagecoach.conf validate
assert_contains "$T/err" "'health' names step 'nope', which does not exist"

conf '  { name = "ship"; kind = "release"; artifact = "a.txt"; path = "/srv"; keep = 1; }'
expect_exit 2 sc -c stagecoach.conf validate
assert_contains "$T/err" "'keep' must be between 2 and 1000"

# a missing artifact: plan refuses before anything (exit 2)
conf '  { name = "ship"; kind = "release"; artifact = "missing.tar.gz"; path = "/srv"; }'
expect_exit 2 sc -c stagecoach.conf deploy staging --release r1
assert_contains "$T/err" "missing.tar.gz"
pass
