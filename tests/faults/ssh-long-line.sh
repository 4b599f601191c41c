#!/bin/bash
# A host that sends one 300 MB line without a newline (then exits 3): the
# ssh step keeps the line's first and last 4 KiB and says how many bytes it
# dropped between them, in the -v output and in the error's last lines,
# with stagecoach's peak RSS under 50 MB.  Before, the line came out cut
# into 36,622 lines of 8 KiB, and the error showed ten pieces of x's.
TD=$(cd "$(dirname "$0")" && pwd); until [ -f "$TD/lib/common.sh" ]; do TD=$(dirname "$TD"); done
. "$TD/lib/common.sh"
. "$TD/lib/sshd.sh"
sc_setup
sshd_start
pg_start
export APP_DB=$(pg_createdb app)

cat >stagecoach.conf <<CONF
version = 1;
project = "longline";
environments = {
  staging = {
    database = "\${APP_DB}";
    ssh = { user = "$SSH_USER"; identity = "$SSH_KEY"; known_hosts = "$KNOWN_HOSTS"; };
    $(ssh_hosts_conf app1)
  };
};
steps = (
  { name = "remote"; kind = "ssh"; timeout_ms = 120000;
    command = "printf head; head -c 300000000 /dev/zero | tr -c x x; printf tail; exit 3"; }
);
CONF
expect_exit 1 /usr/bin/time -f "%M" -o "$T/rss" "$SC" -v -c stagecoach.conf deploy staging --release r1
rss=$(tail -1 "$T/rss")
echo "peak RSS ${rss} KiB; $(wc -l <"$T/out") lines of output, $(wc -c <"$T/out") bytes"
# (an AddressSanitizer build, make check-asan, keeps freed memory in its
# quarantine and adds shadow memory: its RSS says nothing about ours)
case "$SC" in
*asan*) echo "peak RSS not checked: AddressSanitizer build" ;;
*) [ "$rss" -lt 51200 ] || fail "peak RSS ${rss} KiB (limit 50 MB)" ;;
esac
# 300,000,008 bytes, 8,192 kept
assert_contains "$T/out" "app1: headxxxx"
assert_contains "$T/out" "xxxx [... 299991816 bytes dropped ...] xxxx"
assert_contains "$T/out" "xxxxtail"
[ "$(grep -c "^ *| *app1: " "$T/out")" -le 2 ] || fail "the line came out in pieces: $(grep -c "app1: " "$T/out") lines"
assert_contains "$T/err" "command exited with status 3"
# the error keeps 240 bytes at each end of the line, and counts the rest
assert_contains "$T/err" "xxxx [... 299999528 bytes dropped ...] xxxx"
[ "$(wc -c <"$T/out")" -lt 100000 ] || fail "output of $(wc -c <"$T/out") bytes"
pass
