#!/bin/bash
# Descriptors under a low open files limit: 100 hosts (one loopback sshd,
# one port) with `parallel = 10`.  Every host of a batch holds its socket
# until its command ends (so that a host refused in phase 1 means the batch
# ran nowhere), so a batch of 100 needs about 100 descriptors.
#   (1) ulimit -Sn 64, hard limit above: the soft limit is raised for the
#       batch and the command runs on all 100 hosts (before: hosts failed
#       with "cannot create a socket" or, the key file reopened per host,
#       as an authentication failure).
#   (2) hard limit 64 too (ulimit -Hn, in a subshell): refused at plan,
#       exit 2, no host contacted (sshd saw no connection), the message
#       names the limit and the batch that fits.
#   (3) the same hard limit with `batch = 20`: fits, runs on all 100.
#   (4) a key that cannot be read: exit 2 naming the file, no host contacted.
TD=$(cd "$(dirname "$0")" && pwd); until [ -f "$TD/lib/common.sh" ]; do TD=$(dirname "$TD"); done
. "$TD/lib/common.sh"
. "$TD/lib/sshd.sh"
sc_setup
sshd_start
pg_start
export APP_DB=$(pg_createdb app)

hosts() {
	local out="hosts = (" sep="" i
	for i in $(seq 1 100); do out="$out$sep { name = \"h$i\"; address = \"127.0.0.1\"; port = $SSHD_PORT; }"; sep=","; done
	echo "$out );"
}
conf() { # BATCH IDENTITY
	cat >stagecoach.conf <<CONF
version = 1;
project = "fdlimit";
environments = {
  staging = {
    database = "\${APP_DB}";
    ssh = { user = "$SSH_USER"; identity = "$2"; known_hosts = "$KNOWN_HOSTS"; connect_timeout_ms = 60000; };
    $(hosts)
  };
};
steps = (
  { name = "remote"; kind = "ssh"; command = "echo \${host.name} >> $RD/ran"; parallel = 10; $1 }
);
CONF
}
connections() { local c; c=$(grep -c "Connection from" "$T/sshd/log" 2>/dev/null); echo "${c:-0}"; }
ran() { sort -u "$RD/ran" 2>/dev/null | wc -l; }

# (1) soft limit 64 (ulimit -Sn: bash's ulimit -n sets both), hard limit as it
# is: raised, all 100 hosts ran
[ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -ge 200 ] || fail "this test needs a hard limit of 200 or more (ulimit -Hn: $(ulimit -Hn))"
conf "" "$SSH_KEY"
expect_exit 0 bash -c 'ulimit -Sn 64 && exec "$0" -v -c stagecoach.conf deploy staging --release r1' "$SC"
assert_eq "$(ran)" 100 "hosts the command ran on under ulimit -n 64"
assert_contains "$T/out" "raised the open files limit"
rm -f "$RD/ran"

# (2) hard limit 64 (bash: ulimit -n sets soft and hard): refused before any
# host is contacted
before=$(connections)
( ulimit -n 64 && expect_exit 2 sc -c stagecoach.conf deploy staging --release r2 ) || fail "(2) see above"
echo "(2): $(tail -1 "$T/err")"
assert_contains "$T/err" "stagecoach.conf:"
assert_contains "$T/err" "step 'remote': a batch of 100 hosts needs"
assert_contains "$T/err" "open files limit is 64"
assert_contains "$T/err" "set 'batch' to at most"
assert_not_contains "$T/err" "authentication"
assert_eq "$(connections)" "$before" "connections to sshd after the refusal"
[ ! -e "$RD/ran" ] || fail "(2) the command ran"
assert_eq "$(psql_q "$APP_DB" "SELECT count(*) FROM stagecoach.runs WHERE release = 'r2' AND status <> 'failed'" 2>/dev/null || echo 0)" 0 "a run r2 that changed anything"

# (3) the same hard limit, batches of 20: fits
conf "batch = 20;" "$SSH_KEY"
( ulimit -n 64 && expect_exit 0 sc -c stagecoach.conf deploy staging --release r3 ) || fail "(3) see above"
assert_eq "$(ran)" 100 "hosts the command ran on in batches of 20 under ulimit -Hn 64"
rm -f "$RD/ran"

# (4) a key that cannot be read: its file named, no host contacted
conf "batch = 20;" "$T/no-such-key"
before=$(connections)
expect_exit 2 sc -c stagecoach.conf deploy staging --release r4
echo "(4): $(tail -1 "$T/err")"
assert_contains "$T/err" "cannot read the key ssh.identity '$T/no-such-key': No such file or directory"
assert_eq "$(connections)" "$before" "connections to sshd with an unreadable key"
[ ! -e "$RD/ran" ] || fail "(4) the command ran"
pass
