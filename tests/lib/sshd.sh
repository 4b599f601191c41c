# tests/lib/sshd.sh: a real OpenSSH sshd on a loopback port, for the ssh
# step's tests.  Source it after common.sh and call sc_setup first.
#
#   sshd_start [N] start /usr/sbin/sshd -D on N (default 1) free 127.0.0.1 ports with host
#                  keys generated for this test (ed25519 and ecdsa) and one
#                  authorized client key (ed25519, no passphrase).  Sets:
#                    SSHD_PORT     the (first) port
#                    SSHD_PORTS    all N ports, space-separated: host entries on
#                                  different ports tell the hosts apart on the
#                                  remote side (${SSH_CONNECTION##* } is the port)
#                    SSH_USER      the user to log in as
#                    SSH_KEY       the authorized client private key
#                    KNOWN_HOSTS   an OpenSSH known_hosts file with the
#                                  `[127.0.0.1]:PORT ssh-ed25519 ...` entry of each port
#                    KH_ED25519, KH_ECDSA  the known_hosts lines of both host keys (first port)
#                    SSHD_FP_ED25519       the ed25519 host key's SHA256:... fingerprint
#                    RD            a folder the remote commands may write to
#                                  (markers such as `echo app1 >> $RD/ran`)
#                  sshd is stopped at exit (at_exit).  SSHD_EXTRA_CONFIG, if
#                  set, is appended to sshd_config; without a Subsystem line
#                  in it, sftp is OpenSSH's sftp-server.
#   ssh_floor CMD  run CMD once with the OpenSSH client against the test sshd
#                  (strict host key checking against KNOWN_HOSTS)
#
# The user: as root (CI), always the dedicated account `sctest`, made on
# first use and kept: login shell /bin/sh, password field "*" (no password,
# not locked: sshd without PAM refuses a locked "!..." account).  Why not root:
# the remote commands run under a shell that reads no rc file, so a command
# starts in milliseconds on any machine.  root's /bin/bash reads ~/.bashrc
# for a command run by sshd, and on the CI machine that file runs
# `pyenv init` (0.8 s idle, over 1.5 s with two tests beside it): the command
# then had not started when ssh-no-exit-status.sh's 1 s ChannelTimeout or
# ssh-timeout.sh's 1.5 s timeout_ms (both since raised) hit.  Nothing of the
# account is shared state: each sshd has its own authorized_keys, host keys
# and remote folder.
# Not as root, sshd runs as the current user and logs in as that user (whose
# login shell and rc files then count in the tests' timings).

_sshd_pick_user() {
	if [ "$(id -u)" != 0 ]; then
		SSH_USER=$(id -un)
		return
	fi
	# two tests may create it at once: useradd then fails on the lock of
	# /etc/passwd, or says it exists; wait (bounded) until it is there
	local i
	for i in $(seq 1 100); do
		id sctest >/dev/null 2>&1 && break
		useradd -m -s /bin/sh -p '*' sctest >/dev/null 2>&1 || sleep 0.1
	done
	id sctest >/dev/null 2>&1 || fail "cannot create user sctest"
	local shell pw
	shell=$(getent passwd sctest | cut -d: -f7)
	pw=$(getent shadow sctest | cut -d: -f2)
	[ "$shell" = /bin/sh ] || fail "user sctest has login shell '$shell': the ssh tests need /bin/sh (usermod -s /bin/sh sctest)"
	case "$pw" in '!'*) fail "user sctest is locked: sshd would refuse it (usermod -p '*' sctest)" ;; esac
	# a home left by an earlier sctest with another uid (the account made
	# again): ansible and the release tests write there, so give it back
	local home
	home=$(getent passwd sctest | cut -d: -f6)
	if [ -d "$home" ] && [ "$(stat -c %u "$home")" != "$(id -u sctest)" ]; then
		chown -R sctest: "$home" 2>/dev/null || fail "$home is not owned by sctest (chown -R sctest: $home)"
	fi
	SSH_USER=sctest
}

sshd_start() {
	local d="$T/sshd"
	mkdir -p "$d" "$T/remote"
	chmod 777 "$T/remote"
	RD="$T/remote"
	_sshd_pick_user
	[ "$(id -u)" = 0 ] && mkdir -p /run/sshd && chmod 755 /run/sshd
	ssh-keygen -q -t ed25519 -N '' -C sctest-host -f "$d/host_ed25519" || fail "ssh-keygen host key"
	ssh-keygen -q -t ecdsa -b 256 -N '' -C sctest-host -f "$d/host_ecdsa" || fail "ssh-keygen host key"
	ssh-keygen -q -t ed25519 -N '' -C sctest-client -f "$d/id_ed25519" || fail "ssh-keygen client key"
	cp "$d/id_ed25519.pub" "$d/authorized_keys"
	chmod 644 "$d/authorized_keys"
	local nports=${1:-1} port tries=0 ports p
	while :; do
		ports=""
		for p in $(seq 1 "$nports"); do ports="$ports $(free_port)"; done
		ports=${ports# }
		port=${ports%% *}
		{ for p in $ports; do echo "ListenAddress 127.0.0.1:$p"; done; } >"$d/sshd_config"
		cat >>"$d/sshd_config" <<CONF
HostKey $d/host_ed25519
HostKey $d/host_ecdsa
PidFile none
AuthorizedKeysFile $d/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
MaxStartups 200:30:300
MaxSessions 200
MaxAuthTries 20
LoginGraceTime 30
PrintMotd no
PrintLastLog no
UseDNS no
LogLevel VERBOSE
${SSHD_EXTRA_CONFIG:-}
CONF
		# SFTP for the release step, unless the test brings its own
		case "${SSHD_EXTRA_CONFIG:-}" in
		*Subsystem*) ;;
		*) echo "Subsystem sftp /usr/lib/openssh/sftp-server" >>"$d/sshd_config" ;;
		esac
		/usr/sbin/sshd -t -f "$d/sshd_config" 2>"$d/check.log" || fail "sshd config: $(cat "$d/check.log")"
		/usr/sbin/sshd -D -e -f "$d/sshd_config" 2>>"$d/log" &
		SSHD_PID=$!
		at_exit "kill $SSHD_PID 2>/dev/null"
		local i
		for i in $(seq 1 100); do
			if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
			kill -0 "$SSHD_PID" 2>/dev/null || break
			sleep 0.05
		done
		if kill -0 "$SSHD_PID" 2>/dev/null; then break; fi
		tries=$((tries + 1))
		[ $tries -lt 3 ] || fail "sshd did not start: $(tail -5 "$d/log")"
	done
	SSHD_PORT=$port
	SSHD_PORTS=$ports
	SSH_KEY="$d/id_ed25519"
	KH_ED25519="[127.0.0.1]:$port $(cut -d' ' -f1,2 "$d/host_ed25519.pub")"
	KH_ECDSA="[127.0.0.1]:$port $(cut -d' ' -f1,2 "$d/host_ecdsa.pub")"
	SSHD_FP_ED25519=$(ssh-keygen -l -E sha256 -f "$d/host_ed25519.pub" | cut -d' ' -f2)
	KNOWN_HOSTS="$d/known_hosts"
	: >"$KNOWN_HOSTS"
	for p in $ports; do echo "[127.0.0.1]:$p $(cut -d' ' -f1,2 "$d/host_ed25519.pub")" >>"$KNOWN_HOSTS"; done
	export SSHD_PORT SSHD_PORTS SSH_USER SSH_KEY KNOWN_HOSTS RD
}

# ssh_hosts_conf [NAMES...]: the `hosts = ( ... );` of an environment, one
# host per name (default app1 app2 app3), each on the next of SSHD_PORTS
# (the last port repeats when there are more names than ports).
ssh_hosts_conf() {
	[ $# -gt 0 ] || set -- app1 app2 app3
	local ports=($SSHD_PORTS) i=0 sep="" out="hosts = ("
	for name in "$@"; do
		local p=${ports[$i]:-${ports[${#ports[@]}-1]}}
		out="$out$sep { name = \"$name\"; address = \"127.0.0.1\"; port = $p; }"
		sep=","
		i=$((i + 1))
	done
	echo "$out );"
}

ssh_floor() {
	ssh -q -n -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$KNOWN_HOSTS" \
		-o GlobalKnownHostsFile=/dev/null -o IdentitiesOnly=yes -i "$SSH_KEY" -p "$SSHD_PORT" \
		"$SSH_USER@127.0.0.1" "$@"
}
