/*
 * sshc: the SSH client layer of the ssh step, on libssh2.  It runs one
 * command on many hosts from one process: every host is a non-blocking
 * libssh2 session, and one poll() loop drives them all (no threads).
 *
 * A run of sshc_run() over a set of hosts (one rolling batch) goes in two
 * phases:
 *   1. connect (TCP, with the connect timeout), SSH handshake asking for the
 *      host key types known_hosts lists for that host, in the file's order,
 *      host key check against known_hosts BEFORE authenticating (unknown or
 *      changed keys are refused, with the SHA256 fingerprint and the line to
 *      add), authentication (key file, or the ssh-agent), channel open;
 *   2. only when every host of the set got through phase 1: exec the command
 *      on at most `parallel` hosts at once, capture output line by line,
 *      send EOF, wait for EOF, close, wait closed, and only then read the
 *      exit status (a channel that closes without one is a failure).
 * So a host that is unreachable, or whose key or credentials are refused,
 * means the command ran nowhere in that set.  The price: every host of the
 * set holds its socket from phase 1 until its command ends (then its
 * socket and session are freed at once); sshc_fds_per_host() says how many
 * descriptors that is, for the caller to check against RLIMIT_NOFILE.  Once a command fails, no new
 * host is started; those already running finish (or time out).
 *
 * Pure helpers (known_hosts parsing with hashed |1|salt|hash and
 * [host]:port entries, fingerprints, base64, batch sizes) are exported for
 * the step and the unit tests.
 *
 * Ownership: struct sshc_host's name/address are borrowed; the strings it
 * gets (error, tail lines) are owned and freed by sshc_host_release().
 * sshc_run() opens and closes every socket and session itself.  Output
 * lines are capped by lib/proc.h's line_cap (a line over 8 KiB keeps its
 * first and last 4 KiB and says how many bytes were dropped between them),
 * so memory stays bounded whatever a host sends.
 */
#ifndef SC_SSHC_H
#define SC_SSHC_H

#include <stddef.h>

#define SSHC_TAIL 10 /* output lines kept per host for the error */

/* --- pure helpers --- */

struct sshc_khentry {
	char *type;    /* "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa", ... */
	char *key_b64; /* the key blob, base64 as in the file */
	int line;      /* 1-based line of the file */
	int revoked;   /* an @revoked line */
};

/* The entries of known_hosts text (OpenSSH format) that match host:port:
 * plain, wildcard (* ?) and negated (!) patterns, comma lists, hashed
 * |1|salt|hash entries, and "[host]:port" for a port other than 22.  In file
 * order; @cert-authority lines are skipped.  Returns the count; *out (may be
 * NULL when 0) is freed with sshc_khentries_free(). */
size_t sshc_known_hosts_find(const char *text, const char *host, int port, struct sshc_khentry **out);
void sshc_khentries_free(struct sshc_khentry *v, size_t n);

/* The libssh2 LIBSSH2_METHOD_HOSTKEY preference for these entries: their
 * types in order, without duplicates or revoked ones ("ssh-rsa" becomes
 * "rsa-sha2-512,rsa-sha2-256,ssh-rsa"), keeping only the methods in
 * `supported` (a comma list; NULL keeps all).  Caller frees; NULL when none. */
char *sshc_hostkey_pref(const struct sshc_khentry *v, size_t n, const char *supported);

/* "[host]:port", or "host" for port 22 (the name known_hosts uses); caller frees */
char *sshc_known_hosts_name(const char *host, int port);

/* "SHA256:<base64 without padding>" of a key blob, as ssh-keygen -l prints it */
void sshc_fingerprint(const unsigned char *blob, size_t len, char out[64]);

/* base64 (with '=' padding when pad); caller frees */
char *sshc_base64(const unsigned char *data, size_t len, int pad);
/* 0 and *out (caller frees) or -1 on bad input */
int sshc_base64_decode(const char *s, size_t slen, unsigned char **out, size_t *outlen);

/* HMAC-SHA1, for hashed known_hosts entries */
void sshc_hmac_sha1(const unsigned char *key, size_t klen, const unsigned char *msg, size_t mlen,
		    unsigned char out[20]);

/* A batch size: "N" hosts, or "P%" of nhosts (rounded down, at least 1),
 * capped at nhosts.  0 and *out, or -1 when spec is not a positive number or
 * a percentage in 1..100. */
int sshc_batch_size(const char *spec, size_t nhosts, size_t *out);

/* The command a second channel runs to cut a command whose session leader
 * (and process group) is pid: TERM to the group, else to the leader alone.
 * It runs under the account's login shell, any POSIX sh: dash's kill
 * refuses "--", so the group is named as "-PID" first.  Caller frees. */
char *sshc_kill_command(long pid);

/* --- running commands --- */

enum sshc_outcome {
	SSHC_PENDING = 0, /* not attempted */
	SSHC_OK,          /* command exited with status 0 (or host key fine, in check mode) */
	SSHC_EXIT,        /* command exited with a non-zero status */
	SSHC_SIGNAL,      /* command killed by a signal */
	SSHC_TIMEOUT,     /* command cut by the command timeout */
	SSHC_LOST,        /* connection lost, or channel closed without an exit status */
	SSHC_STOPPED,     /* cut because the run was asked to stop */
	SSHC_UNREACHABLE, /* TCP connect or SSH handshake failed or timed out */
	SSHC_HOSTKEY,     /* host key unknown, changed or revoked */
	SSHC_AUTH,        /* authentication refused */
	SSHC_SKIPPED,     /* not run: another host failed first */
};
const char *sshc_outcome_name(enum sshc_outcome o);

struct sshc_conn;
struct _LIBSSH2_SESSION;

struct sshc_host {
	const char *name;    /* borrowed */
	const char *address; /* borrowed */
	int port;
	const char *command; /* this host's own command (borrowed); NULL: sshc_run()'s */
	void *data;          /* the caller's, for opts.work */
	enum sshc_outcome outcome;
	int touched;         /* the exec request was sent: the command may have run */
	int exit_status;     /* valid when outcome is SSHC_OK or SSHC_EXIT */
	char exit_signal[32];
	char *error;         /* what went wrong (no host name in it), owned */
	char *tail[SSHC_TAIL]; /* last output lines, oldest first, owned */
	size_t ntail;
	long long duration_ms;
	struct sshc_conn *conn; /* private to sshc.c */
};

struct sshc_opts {
	const char *user;
	const char *identity;          /* private key path; NULL: the ssh-agent */
	/* the key file's contents, read once per run by the caller
	 * (sshc_identity_read); NULL: sshc_run() reads `identity` once per
	 * call.  Borrowed. */
	const char *identity_data;
	size_t identity_len;
	const char *passphrase;        /* of identity; NULL when none */
	const char *known_hosts;       /* path */
	long long connect_timeout_ms;  /* 0: 10000 */
	long long command_timeout_ms;  /* 0: none */
	int parallel;                  /* connections and commands at once; < 1 means 1 */
	int no_marker;                 /* do not wrap the command (see sshc.c) */
	int keep_going;                /* a failed host does not stop the others (rollback) */
	/* a complete output line of a host (stdout or stderr, no newline) */
	void (*on_line)(void *ctx, const struct sshc_host *h, const char *line);
	/* a host finished (any outcome) */
	void (*on_done)(void *ctx, const struct sshc_host *h);
	/* polled: non-zero asks every running command to be cut */
	int (*should_stop)(void *ctx);
	/* instead of a command: phase 2 calls work(ctx, host, session) whenever
	 * the host's session may progress (the session is non-blocking); it
	 * returns 1 while it waits for the network, 0 when done, -1 when it
	 * failed (after setting h->error with xstrdup/xasprintf).  work_end is
	 * called once before the session closes, however the host ended (done,
	 * failed, cut by a timeout or a stop), to free what work made. */
	int (*work)(void *ctx, struct sshc_host *h, struct _LIBSSH2_SESSION *s);
	void (*work_end)(void *ctx, struct sshc_host *h, struct _LIBSSH2_SESSION *s);
	void *ctx;
};

/* Run command on hosts[0..n) as described above (each host's own command
 * where it has one, or opts.work); with no command, no host command and no
 * work, only checks the host keys (connect, handshake, check; no
 * authentication).  Returns 0
 * when every host ended SSHC_OK, else -1 (see each host's outcome and
 * error).  Hosts must be fresh (zeroed but for name/address/port). */
int sshc_run(struct sshc_host *hosts, size_t n, const char *command, const struct sshc_opts *o);

/* The private key file at path, read once for every host of a run: 0 and
 * *data (a secret: free it with sshc_identity_free) or -1 with errno set. */
int sshc_identity_read(const char *path, char **data, size_t *len);
void sshc_identity_free(char *data, size_t len);

/* File descriptors sshc_run() holds per host of a set at most (its socket,
 * and an ssh-agent connection when there is no identity): a set of N hosts
 * needs N times this, since phase 1 keeps every host of the set connected
 * until the command starts. */
size_t sshc_fds_per_host(const struct sshc_opts *o);

/* Free what sshc_run() stored in h (not h itself). */
void sshc_host_release(struct sshc_host *h);

#endif
