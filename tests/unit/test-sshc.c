/*
 * test-sshc: the pure parts of steps/sshc.c: known_hosts matching (plain,
 * [host]:port, hashed |1|salt|hash entries made by `ssh-keygen -H`, wildcards,
 * negation, @revoked, @cert-authority), the host key preference order,
 * fingerprints as ssh-keygen -l prints them, base64, HMAC-SHA1, batch sizes;
 * and the cut's kill command, run by each installed shell against a real
 * process group shaped like the one sshd starts.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "unit.h"
#include "../../steps/sshc.h"

#define ED "AAAAC3NzaC1lZDI1NTE5AAAAIC30hz71oSI8f7BBoCYIpbToiFQN9StmP2PKi88OUvqa"
#define EC "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBPResZAiU1XZac+IfxCwYHkxkJrdZBUUhEfaeD/JWvddJQBR4+18yIjUcaOFm+ZlL9aFeV0uV4dWPoY0bkOIom4="

static size_t find(const char *text, const char *host, int port, struct sshc_khentry **v)
{
	return sshc_known_hosts_find(text, host, port, v);
}

static void test_known_hosts(void)
{
	struct sshc_khentry *v;
	size_t n;
	/* hashed entries from `ssh-keygen -H`: [127.0.0.1]:2222 and db.example.com */
	const char *hashed = "|1|TdB8uahv0AHH2hKukRdmH4nDvWQ=|8IQjTt7tdlXjCSb366Zx/LR8oN8= ssh-ed25519 " ED "\n"
			     "|1|LYu3k/HZgMmDhD8V/yJcK2wQjzY=|rzyTEof0RyoAMWMGQV998t/rbIg= ecdsa-sha2-nistp256 " EC "\n";
	n = find(hashed, "127.0.0.1", 2222, &v);
	CHECK_INT(n, 1);
	if (n == 1) {
		CHECK_STR(v[0].type, "ssh-ed25519");
		CHECK_STR(v[0].key_b64, ED);
		CHECK_INT(v[0].line, 1);
	}
	sshc_khentries_free(v, n);
	n = find(hashed, "127.0.0.1", 22, &v); /* another port is another name */
	CHECK_INT(n, 0);
	sshc_khentries_free(v, n);
	n = find(hashed, "DB.example.com", 22, &v); /* hashed names are lowercase in ssh; ours is hashed as given */
	CHECK_INT(n, 0);
	sshc_khentries_free(v, n);
	n = find(hashed, "db.example.com", 22, &v);
	CHECK_INT(n, 1);
	if (n == 1) {
		CHECK_STR(v[0].type, "ecdsa-sha2-nistp256");
		CHECK_INT(v[0].line, 2);
	}
	sshc_khentries_free(v, n);

	/* plain entries, [host]:port, lists, wildcards, negation, markers, comments */
	const char *plain = "# comment\n"
			    "\n"
			    "[10.0.0.5]:2222 ssh-ed25519 " ED " app1\n"
			    "10.0.0.5 ecdsa-sha2-nistp256 " EC "\n"
			    "app2.example.com,10.0.0.6 ssh-rsa AAAAB3NzaC1yc2E=\n"
			    "*.web.example.com,!bad.web.example.com ssh-ed25519 " ED "\n"
			    "@cert-authority *.example.com ssh-ed25519 " ED "\n"
			    "@revoked 10.0.0.6 ssh-ed25519 " ED "\n"
			    "   10.0.0.6   ecdsa-sha2-nistp256   " EC "\r\n"
			    "broken-line-without-key\n"
			    "10.0.0.7 ssh-ed25519"; /* no key, no newline */
	n = find(plain, "10.0.0.5", 2222, &v);
	CHECK_INT(n, 1);
	if (n == 1)
		CHECK_INT(v[0].line, 3);
	sshc_khentries_free(v, n);
	n = find(plain, "10.0.0.5", 22, &v); /* port 22: plain name only */
	CHECK_INT(n, 1);
	if (n == 1)
		CHECK_STR(v[0].type, "ecdsa-sha2-nistp256");
	sshc_khentries_free(v, n);
	n = find(plain, "10.0.0.6", 22, &v);
	CHECK_INT(n, 3);
	if (n == 3) {
		CHECK_STR(v[0].type, "ssh-rsa");
		CHECK_INT(v[0].revoked, 0);
		CHECK_INT(v[1].revoked, 1);
		CHECK_INT(v[1].line, 8);
		CHECK_STR(v[2].key_b64, EC); /* trailing \r not part of the key */
		char *pref = sshc_hostkey_pref(v, n, NULL);
		CHECK_STR(pref, "rsa-sha2-512,rsa-sha2-256,ssh-rsa,ecdsa-sha2-nistp256");
		free(pref);
		pref = sshc_hostkey_pref(v, n, "ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-256");
		CHECK_STR(pref, "rsa-sha2-256,ecdsa-sha2-nistp256");
		free(pref);
		CHECK(sshc_hostkey_pref(v, n, "ssh-dss") == NULL);
	}
	sshc_khentries_free(v, n);
	n = find(plain, "APP2.example.com", 22, &v); /* plain patterns: case-insensitive */
	CHECK_INT(n, 1);
	sshc_khentries_free(v, n);
	n = find(plain, "a.web.example.com", 22, &v);
	CHECK_INT(n, 1);
	sshc_khentries_free(v, n);
	n = find(plain, "bad.web.example.com", 22, &v); /* negated, and @cert-authority never matches */
	CHECK_INT(n, 0);
	sshc_khentries_free(v, n);
	n = find(plain, "10.0.0.7", 22, &v);
	CHECK_INT(n, 0);
	sshc_khentries_free(v, n);
	n = find("", "10.0.0.5", 22, &v);
	CHECK_INT(n, 0);
	sshc_khentries_free(v, n);

	char *name = sshc_known_hosts_name("127.0.0.1", 2222);
	CHECK_STR(name, "[127.0.0.1]:2222");
	free(name);
	name = sshc_known_hosts_name("app1", 22);
	CHECK_STR(name, "app1");
	free(name);
}

static void test_crypto(void)
{
	unsigned char *blob;
	size_t len;
	char fp[64];
	CHECK_INT(sshc_base64_decode(ED, sizeof(ED) - 1, &blob, &len), 0);
	CHECK_INT(len, 51);
	/* ssh-keygen -l -E sha256 of this key */
	sshc_fingerprint(blob, len, fp);
	CHECK_STR(fp, "SHA256:jsXCmKhYwujuL4byYy9n9xkN/sWgyQP4ASP9XWz+LYs");
	char *again = sshc_base64(blob, len, 1);
	CHECK_STR(again, ED);
	free(again);
	free(blob);
	CHECK_INT(sshc_base64_decode(EC, sizeof(EC) - 1, &blob, &len), 0);
	again = sshc_base64(blob, len, 1);
	CHECK_STR(again, EC);
	free(again);
	free(blob);
	CHECK(sshc_base64_decode("AB$C", 4, &blob, &len) < 0);
	CHECK(sshc_base64_decode("AB=C", 4, &blob, &len) < 0);
	char *b = sshc_base64((const unsigned char *)"ab", 2, 0);
	CHECK_STR(b, "YWI");
	free(b);
	b = sshc_base64((const unsigned char *)"a", 1, 1);
	CHECK_STR(b, "YQ==");
	free(b);

	unsigned char mac[20];
	char hex[41];
	sshc_hmac_sha1((const unsigned char *)"key", 3, (const unsigned char *)"The quick brown fox jumps over the lazy dog",
		       43, mac);
	for (int i = 0; i < 20; i++)
		snprintf(hex + 2 * i, 3, "%02x", mac[i]);
	CHECK_STR(hex, "de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9");
}

static void test_batch(void)
{
	size_t n = 0;
	CHECK_INT(sshc_batch_size("25%", 10, &n), 0);
	CHECK_INT(n, 2); /* rounded down */
	CHECK_INT(sshc_batch_size("25%", 3, &n), 0);
	CHECK_INT(n, 1); /* at least one */
	CHECK_INT(sshc_batch_size("100%", 7, &n), 0);
	CHECK_INT(n, 7);
	CHECK_INT(sshc_batch_size("1", 7, &n), 0);
	CHECK_INT(n, 1);
	CHECK_INT(sshc_batch_size("50", 7, &n), 0);
	CHECK_INT(n, 7); /* capped */
	CHECK(sshc_batch_size("0", 7, &n) < 0);
	CHECK(sshc_batch_size("0%", 7, &n) < 0);
	CHECK(sshc_batch_size("101%", 7, &n) < 0);
	CHECK(sshc_batch_size("-1", 7, &n) < 0);
	CHECK(sshc_batch_size("25 %", 7, &n) < 0);
	CHECK(sshc_batch_size("ten", 7, &n) < 0);
	CHECK(sshc_batch_size("", 7, &n) < 0);
}

static long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Like sshd: a session leader running `shell -c` with a subshell whose
 * child outlives a kill of the leader alone.  Then the cut's command, by
 * the same shell; 1 when the whole group is gone within 5 s. */
static int kill_group_with(const char *shell)
{
	int ready[2], gone = 0;
	char c;
	if (pipe(ready) != 0)
		return 0;
	pid_t leader = fork();
	if (leader == 0) {
		setsid();
		dup2(ready[1], 1);
		close(ready[0]);
		execl(shell, shell, "-c", "( sleep 60; true ) & echo; wait", (char *)NULL);
		_exit(127);
	}
	close(ready[1]);
	if (leader < 0 || read(ready[0], &c, 1) != 1) {
		close(ready[0]);
		return 0;
	}
	close(ready[0]);
	char *cmd = sshc_kill_command((long)leader);
	pid_t k = fork();
	if (k == 0) {
		execl(shell, shell, "-c", cmd, (char *)NULL);
		_exit(127);
	}
	free(cmd);
	if (k > 0)
		waitpid(k, NULL, 0);
	/* we are the subreaper: the group's orphans come back to us */
	for (long long end = mono_ms() + 5000; mono_ms() < end;) {
		while (waitpid(-leader, NULL, WNOHANG) > 0)
			;
		if (kill(-leader, 0) != 0 && errno == ESRCH) {
			gone = 1;
			break;
		}
		usleep(10000);
	}
	if (!gone) {
		fprintf(stderr, "%s: the kill command left the process group %ld alive\n", shell, (long)leader);
		kill(-leader, SIGKILL);
		while (waitpid(-leader, NULL, 0) > 0)
			;
	}
	return gone;
}

static void test_kill_command(void)
{
	static const char *const shells[] = { "/bin/sh", "/bin/dash", "/bin/bash", "/bin/zsh", "/bin/ksh", NULL };
	char *cmd = sshc_kill_command(4242);
	CHECK_STR(cmd, "kill -TERM -4242 2>/dev/null || kill -TERM -- -4242 2>/dev/null || kill -TERM 4242");
	free(cmd);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	for (int i = 0; shells[i]; i++) {
		if (access(shells[i], X_OK) != 0)
			continue;
		CHECK(kill_group_with(shells[i]));
	}
}

int main(void)
{
	test_known_hosts();
	test_crypto();
	test_batch();
	test_kill_command();
	return unit_done();
}
