#!/bin/bash
# Values never become code.  A release name and a branch var holding `;`,
# `$( )`, backquotes, `|`, `&&`, a newline and a single quote are expanded
# into a shell step's command and rollback_command, an ssh step's command
# and rollback_command (real sshd), and the before/on_failure hooks.  Nothing
# they hold runs (no marker file appears), each command gets the value as
# one word, byte for byte, and the child also sees it in its environment
# ($STAGECOACH_RELEASE, $STAGECOACH_VAR_BRANCH, locally and on the host).
# A failing step makes every rollback_command run too.
TD=$(cd "$(dirname "$0")" && pwd); until [ -f "$TD/lib/common.sh" ]; do TD=$(dirname "$TD"); done
. "$TD/lib/common.sh"
. "$TD/lib/sshd.sh"
sc_setup
pg_start
sshd_start
export APP_DB=$(pg_createdb app)
PD=$(mktemp -d /tmp/qiXXXX); at_exit "rm -rf $PD"
P="$PD/p"
REL="v1;touch $P.semi"'$(touch '"$P"'.dollar)`touch '"$P"'.tick`|touch '"$P"'.pipe&&touch '"$P"'.and'
REL="$REL
touch $P.newline 'x"
export BRANCH="main'; touch $P.branch; echo '"
cat >stagecoach.conf <<CONF
version = 1;
project = "quoting";
environments = {
  staging = {
    database = "\${APP_DB}";
    vars = { branch = "\${BRANCH}"; };
    ssh = { user = "$SSH_USER"; identity = "$SSH_KEY"; known_hosts = "$KNOWN_HOSTS"; };
    $(ssh_hosts_conf app1)
  };
};
steps = (
  { name = "local"; kind = "shell";
    command = "printf '%s|%s' \${release} \${vars.branch} > $T/local.args; printf '%s|%s' \"\$STAGECOACH_RELEASE\" \"\$STAGECOACH_VAR_BRANCH\" > $T/local.env";
    rollback_command = "printf '%s' \${release} > $T/local-undo.args"; },
  { name = "remote"; kind = "ssh";
    command = "printf '%s|%s' \${release} \${vars.branch} > $RD/remote.args; printf '%s' \"\$STAGECOACH_RELEASE\" > $RD/remote.env";
    rollback_command = "printf '%s' \${vars.branch} > $RD/remote-undo.args"; },
  { name = "fail"; kind = "shell"; command = "exit \${FAIL:-0}"; }
);
hooks = {
  before = [ "printf '%s' \${release} > $T/hook.args" ];
  on_failure = [ "printf '%s' \${vars.branch} > $T/hook-fail.args" ];
};
CONF
expect_exit 0 sc deploy staging --release "$REL"
[ -z "$(ls "$PD")" ] || fail "a value ran as code: $(ls "$PD")"
want="$REL|$BRANCH"
[ "$(cat local.args)" = "$want" ] || fail "shell step got: $(cat local.args)"
[ "$(cat local.env)" = "$want" ] || fail "shell step environment: $(cat local.env)"
[ "$(cat "$RD/remote.args")" = "$want" ] || fail "ssh step got: $(cat "$RD/remote.args")"
[ "$(cat "$RD/remote.env")" = "$REL" ] || fail "ssh step environment: $(cat "$RD/remote.env")"
[ "$(cat hook.args)" = "$REL" ] || fail "before hook got: $(cat hook.args)"

# a failure: the rollback_commands and the on_failure hook get the values too
FAIL=1 expect_exit 1 sc deploy staging --release "$REL"
[ -z "$(ls "$PD")" ] || fail "a value ran as code: $(ls "$PD")"
[ "$(cat local-undo.args)" = "$REL" ] || fail "rollback_command got: $(cat local-undo.args)"
[ "$(cat "$RD/remote-undo.args")" = "$BRANCH" ] || fail "ssh rollback_command got: $(cat "$RD/remote-undo.args")"
[ "$(cat hook-fail.args)" = "$BRANCH" ] || fail "on_failure hook got: $(cat hook-fail.args)"

# plan shows the quoted words; other strings (the URL) keep plain expansion
expect_exit 0 sc plan staging --release "x;y"
assert_contains "$T/out" "would run: printf '%s|%s' 'x;y' 'main'"
pass
