#!/bin/bash
# ssh: host keys.  An unknown key is refused before anything runs (plan
# fetches it and stops the deploy, exit 6), with the SHA256 fingerprint and
# the known_hosts line to add; a changed key is refused before
# authenticating, also with its fingerprint; the line we print, once added,
# is accepted; hashed entries (ssh-keygen -H) and an entry of the host's
# other key type (ecdsa only: asked for in the handshake) are accepted.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/sshd.sh"
sc_setup
sshd_start
pg_start
URL=$(pg_createdb app)
write_conf() {
	cat >stagecoach.conf <<CONF
version = 1;
project = "sshkeys";
environments = {
  staging = {
    database = "$URL";
    ssh = { user = "$SSH_USER"; identity = "$SSH_KEY"; known_hosts = "$1"; };
    $(ssh_hosts_conf app1 app2)
  };
};
steps = (
  { name = "before"; kind = "shell"; command = "echo before >> $RD/before"; },
  { name = "restart"; kind = "ssh"; command = "echo ran >> $RD/ran"; }
);
CONF
}

# unknown: an empty known_hosts
: >"$T/kh-empty"
write_conf "$T/kh-empty"
expect_exit 6 sc -c stagecoach.conf deploy staging
assert_contains "$T/err" "host 'app1' (127.0.0.1:$SSHD_PORT): unknown host key ssh-ed25519 $SSHD_FP_ED25519"
assert_contains "$T/err" "add this line to it: $KH_ED25519"
[ ! -e "$RD/ran" ] || fail "the command ran despite an unknown host key"
[ ! -e "$RD/before" ] || fail "an earlier step ran: the refusal should come at plan time"
# the line we print is the one to add: then it works
grep -o "add this line to it: \[127.0.0.1\]:$SSHD_PORT ssh-ed25519 [A-Za-z0-9+/=]*" "$T/err" | head -1 |
	sed 's/^add this line to it: //' >"$T/kh-added"
[ "$(cat "$T/kh-added")" = "$KH_ED25519" ] || fail "printed line differs: $(cat "$T/kh-added")"
write_conf "$T/kh-added"
expect_exit 0 sc -c stagecoach.conf deploy staging --release r1
assert_eq "$(wc -l <"$RD/ran")" "2" "ran on both hosts"
rm -f "$RD/ran" "$RD/before"

# changed: known_hosts holds another ed25519 key for [127.0.0.1]:PORT
ssh-keygen -q -t ed25519 -N '' -f "$T/other"
echo "[127.0.0.1]:$SSHD_PORT $(cut -d' ' -f1,2 "$T/other.pub")" >"$T/kh-changed"
write_conf "$T/kh-changed"
auth_before=$(grep -c 'publickey\|Accepted key' "$T/sshd/log")
expect_exit 6 sc -c stagecoach.conf deploy staging --release r2
assert_contains "$T/err" "HOST KEY CHANGED: the server presents ssh-ed25519 $SSHD_FP_ED25519"
assert_contains "$T/err" "line 1"
[ ! -e "$RD/ran" ] || fail "the command ran despite a changed host key"
# refused before authenticating: sshd saw no new publickey attempt
assert_eq "$(grep -c 'publickey\|Accepted key' "$T/sshd/log")" "$auth_before" "publickey attempts after a changed key"
[ "$auth_before" -gt 0 ] || fail "the sshd log shows no authentication at all: the check above proves nothing"

# hashed entries
cp "$KNOWN_HOSTS" "$T/kh-hashed"
ssh-keygen -H -f "$T/kh-hashed" >/dev/null 2>&1
grep -q '^|1|' "$T/kh-hashed" || fail "ssh-keygen -H did not hash"
write_conf "$T/kh-hashed"
expect_exit 0 sc -c stagecoach.conf deploy staging --release r3
assert_eq "$(wc -l <"$RD/ran")" "2" "ran with hashed known_hosts"

# only the ecdsa key is known: we must ask for ecdsa, not take ed25519
echo "$KH_ECDSA" >"$T/kh-ecdsa"
write_conf "$T/kh-ecdsa"
expect_exit 0 sc -c stagecoach.conf deploy staging --release r4
assert_eq "$(wc -l <"$RD/ran")" "4" "ran with an ecdsa-only known_hosts"
pass
