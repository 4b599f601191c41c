/*
 * sshc: one command on many hosts over libssh2, from one process: each host
 * is a non-blocking session driven by a state machine, and one poll() loop
 * drives them all.  See sshc.h for the two phases and what they guarantee.
 *
 * Why the exit marker: libssh2 1.10 reads 0 from
 * libssh2_channel_get_exit_status() both for "exited 0" and for a channel the
 * server closed without any exit-status (OpenSSH's ChannelTimeout does that
 * to a command that is still running).  So the command runs as
 *     ( COMMAND
 *     ); s=$?; printf 'MARKER:%d\n' "$s" >&2; exit $s
 * with a random MARKER per run; a channel that closes with neither the
 * marker nor an exit signal nor a non-zero status is a failure.  The marker
 * line is stripped from the output.  (sshc_opts.no_marker turns it off for
 * accounts with a forced command.)
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>
#include <ctype.h>
#include <libssh2.h>
#include "sshc.h"
#include "../lib/proc.h"
#include "../lib/util.h"

/* ---------------------------------------------------------------- base64 */

static const char sshc_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *sshc_base64(const unsigned char *data, size_t len, int pad)
{
	struct buf b = BUF_INIT;
	size_t i;
	for (i = 0; i + 2 < len; i += 3) {
		unsigned v = (unsigned)data[i] << 16 | (unsigned)data[i + 1] << 8 | data[i + 2];
		buf_addc(&b, sshc_b64[v >> 18 & 63]);
		buf_addc(&b, sshc_b64[v >> 12 & 63]);
		buf_addc(&b, sshc_b64[v >> 6 & 63]);
		buf_addc(&b, sshc_b64[v & 63]);
	}
	if (i < len) {
		unsigned v = (unsigned)data[i] << 16 | (i + 1 < len ? (unsigned)data[i + 1] << 8 : 0);
		buf_addc(&b, sshc_b64[v >> 18 & 63]);
		buf_addc(&b, sshc_b64[v >> 12 & 63]);
		if (i + 1 < len)
			buf_addc(&b, sshc_b64[v >> 6 & 63]);
		else if (pad)
			buf_addc(&b, '=');
		if (pad)
			buf_addc(&b, '=');
	}
	return buf_detach(&b);
}

int sshc_base64_decode(const char *s, size_t slen, unsigned char **out, size_t *outlen)
{
	unsigned char *o = xmalloc(slen / 4 * 3 + 3);
	size_t n = 0;
	unsigned v = 0;
	int bits = 0, padding = 0;
	for (size_t i = 0; i < slen; i++) {
		const char *p;
		if (s[i] == '=') {
			padding++;
			continue;
		}
		if (padding || !s[i] || !(p = strchr(sshc_b64, s[i]))) {
			free(o);
			return -1;
		}
		v = v << 6 | (unsigned)(p - sshc_b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			o[n++] = (unsigned char)(v >> bits & 0xff);
		}
	}
	if (padding > 2 || bits >= 6) {
		free(o);
		return -1;
	}
	*out = o;
	*outlen = n;
	return 0;
}

/* ------------------------------------------------------------ HMAC-SHA1 */

struct sshc_sha1 {
	uint32_t h[5];
	unsigned char block[64];
	size_t used;
	uint64_t total;
};

static uint32_t sshc_rol(uint32_t x, int n)
{
	return x << n | x >> (32 - n);
}

static void sshc_sha1_block(struct sshc_sha1 *c, const unsigned char *p)
{
	uint32_t w[80], a, b, d, e, f, k, t, cc;
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 |
		       p[4 * i + 3];
	for (int i = 16; i < 80; i++)
		w[i] = sshc_rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	a = c->h[0], b = c->h[1], cc = c->h[2], d = c->h[3], e = c->h[4];
	for (int i = 0; i < 80; i++) {
		if (i < 20)
			f = (b & cc) | (~b & d), k = 0x5a827999;
		else if (i < 40)
			f = b ^ cc ^ d, k = 0x6ed9eba1;
		else if (i < 60)
			f = (b & cc) | (b & d) | (cc & d), k = 0x8f1bbcdc;
		else
			f = b ^ cc ^ d, k = 0xca62c1d6;
		t = sshc_rol(a, 5) + f + e + k + w[i];
		e = d, d = cc, cc = sshc_rol(b, 30), b = a, a = t;
	}
	c->h[0] += a, c->h[1] += b, c->h[2] += cc, c->h[3] += d, c->h[4] += e;
}

static void sshc_sha1_init(struct sshc_sha1 *c)
{
	static const uint32_t iv[5] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0 };
	memcpy(c->h, iv, sizeof(iv));
	c->used = 0;
	c->total = 0;
}

static void sshc_sha1_update(struct sshc_sha1 *c, const unsigned char *p, size_t len)
{
	c->total += len;
	while (len) {
		size_t take = 64 - c->used < len ? 64 - c->used : len;
		memcpy(c->block + c->used, p, take);
		c->used += take, p += take, len -= take;
		if (c->used == 64) {
			sshc_sha1_block(c, c->block);
			c->used = 0;
		}
	}
}

static void sshc_sha1_final(struct sshc_sha1 *c, unsigned char out[20])
{
	uint64_t bits = c->total * 8;
	unsigned char pad = 0x80, zero = 0, len[8];
	sshc_sha1_update(c, &pad, 1);
	while (c->used != 56)
		sshc_sha1_update(c, &zero, 1);
	for (int i = 0; i < 8; i++)
		len[i] = (unsigned char)(bits >> (56 - 8 * i));
	sshc_sha1_update(c, len, 8);
	for (int i = 0; i < 5; i++) {
		out[4 * i] = (unsigned char)(c->h[i] >> 24);
		out[4 * i + 1] = (unsigned char)(c->h[i] >> 16);
		out[4 * i + 2] = (unsigned char)(c->h[i] >> 8);
		out[4 * i + 3] = (unsigned char)c->h[i];
	}
}

void sshc_hmac_sha1(const unsigned char *key, size_t klen, const unsigned char *msg, size_t mlen,
		    unsigned char out[20])
{
	unsigned char k[64] = { 0 }, pad[64], inner[20];
	struct sshc_sha1 c;
	if (klen > 64) {
		sshc_sha1_init(&c);
		sshc_sha1_update(&c, key, klen);
		sshc_sha1_final(&c, k);
	} else {
		memcpy(k, key, klen);
	}
	for (int i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x36;
	sshc_sha1_init(&c);
	sshc_sha1_update(&c, pad, 64);
	sshc_sha1_update(&c, msg, mlen);
	sshc_sha1_final(&c, inner);
	for (int i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x5c;
	sshc_sha1_init(&c);
	sshc_sha1_update(&c, pad, 64);
	sshc_sha1_update(&c, inner, 20);
	sshc_sha1_final(&c, out);
}

/* ----------------------------------------------------------- known_hosts */

char *sshc_known_hosts_name(const char *host, int port)
{
	if (port == 22 || port <= 0)
		return xstrdup(host);
	return xasprintf("[%s]:%d", host, port);
}

void sshc_fingerprint(const unsigned char *blob, size_t len, char out[64])
{
	struct sha256 c;
	unsigned char d[32];
	sha256_init(&c);
	sha256_update(&c, blob, len);
	sha256_final(&c, d);
	char *b = sshc_base64(d, 32, 0);
	snprintf(out, 64, "SHA256:%s", b);
	free(b);
}

/* OpenSSH's match_pattern: '*' and '?', case-insensitive (host names) */
static int sshc_glob(const char *p, size_t plen, const char *s)
{
	if (plen == 0)
		return *s == 0;
	if (*p == '*') {
		for (;;) {
			if (sshc_glob(p + 1, plen - 1, s))
				return 1;
			if (!*s)
				return 0;
			s++;
		}
	}
	if (!*s)
		return 0;
	if (*p != '?' && tolower((unsigned char)*p) != tolower((unsigned char)*s))
		return 0;
	return sshc_glob(p + 1, plen - 1, s + 1);
}

/* |1|base64(salt)|base64(HMAC-SHA1(salt, name)) */
static int sshc_hashed_match(const char *field, size_t flen, const char *name)
{
	const char *salt = field + 3, *bar = memchr(salt, '|', flen - 3);
	unsigned char *s = NULL, *h = NULL, mac[20];
	size_t slen, hlen;
	int ok = 0;
	if (!bar)
		return 0;
	if (sshc_base64_decode(salt, (size_t)(bar - salt), &s, &slen) == 0 &&
	    sshc_base64_decode(bar + 1, flen - (size_t)(bar + 1 - field), &h, &hlen) == 0 && hlen == 20) {
		sshc_hmac_sha1(s, slen, (const unsigned char *)name, strlen(name), mac);
		ok = memcmp(mac, h, 20) == 0;
	}
	free(s);
	free(h);
	return ok;
}

static int sshc_hosts_field_match(const char *field, size_t flen, const char *name)
{
	int matched = 0;
	if (flen > 3 && strncmp(field, "|1|", 3) == 0)
		return sshc_hashed_match(field, flen, name);
	for (size_t i = 0; i < flen;) {
		size_t j = i;
		while (j < flen && field[j] != ',')
			j++;
		const char *p = field + i;
		size_t plen = j - i;
		int neg = plen > 0 && *p == '!';
		if (neg)
			p++, plen--;
		if (plen > 0 && sshc_glob(p, plen, name)) {
			if (neg)
				return 0; /* a negated match rules the line out */
			matched = 1;
		}
		i = j + 1;
	}
	return matched;
}

/* the next whitespace-separated word of [*p, end) */
static int sshc_word(const char **p, const char *end, const char **w, size_t *wlen)
{
	const char *s = *p;
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	const char *b = s;
	while (s < end && *s != ' ' && *s != '\t' && *s != '\r')
		s++;
	*w = b;
	*wlen = (size_t)(s - b);
	*p = s;
	return *wlen > 0;
}

size_t sshc_known_hosts_find(const char *text, const char *host, int port, struct sshc_khentry **out)
{
	char *name = sshc_known_hosts_name(host, port);
	struct sshc_khentry *v = NULL;
	size_t n = 0, cap = 0;
	int lineno = 0;
	for (const char *l = text; l && *l;) {
		const char *end = strchr(l, '\n'), *p = l, *w;
		size_t wlen;
		int revoked = 0;
		if (!end)
			end = l + strlen(l);
		lineno++;
		if (!sshc_word(&p, end, &w, &wlen) || *w == '#')
			goto next;
		if (*w == '@') {
			if (wlen != 8 || strncmp(w, "@revoked", 8) != 0)
				goto next; /* @cert-authority: not supported, never a match */
			revoked = 1;
			if (!sshc_word(&p, end, &w, &wlen))
				goto next;
		}
		const char *hosts = w, *type, *key;
		size_t hlen = wlen, tlen, klen;
		if (!sshc_word(&p, end, &type, &tlen) || !sshc_word(&p, end, &key, &klen))
			goto next;
		if (!sshc_hosts_field_match(hosts, hlen, name))
			goto next;
		if (n == cap) {
			cap = cap ? cap * 2 : 4;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n].type = xstrndup(type, tlen);
		v[n].key_b64 = xstrndup(key, klen);
		v[n].line = lineno;
		v[n].revoked = revoked;
		n++;
	next:
		l = *end ? end + 1 : end;
	}
	free(name);
	*out = v;
	return n;
}

void sshc_khentries_free(struct sshc_khentry *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].type);
		free(v[i].key_b64);
	}
	free(v);
}

static int sshc_list_has(const char *list, const char *item)
{
	size_t il = strlen(item);
	for (const char *p = list; p && *p;) {
		const char *c = strchr(p, ',');
		size_t l = c ? (size_t)(c - p) : strlen(p);
		if (l == il && strncmp(p, item, l) == 0)
			return 1;
		p = c ? c + 1 : NULL;
	}
	return 0;
}

char *sshc_hostkey_pref(const struct sshc_khentry *v, size_t n, const char *supported)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		static const char *const rsa[] = { "rsa-sha2-512", "rsa-sha2-256", "ssh-rsa", NULL };
		const char *one[] = { v[i].type, NULL };
		const char *const *methods = strcmp(v[i].type, "ssh-rsa") == 0 ? rsa : one;
		if (v[i].revoked)
			continue;
		for (size_t j = 0; methods[j]; j++) {
			if (supported && !sshc_list_has(supported, methods[j]))
				continue;
			if (b.len && sshc_list_has(b.data, methods[j]))
				continue;
			if (b.len)
				buf_addc(&b, ',');
			buf_adds(&b, methods[j]);
		}
	}
	if (!b.len) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

int sshc_batch_size(const char *spec, size_t nhosts, size_t *out)
{
	char *end;
	long long v;
	if (!spec || !*spec || !isdigit((unsigned char)*spec))
		return -1;
	errno = 0;
	v = strtoll(spec, &end, 10);
	if (errno || v <= 0)
		return -1;
	if (*end == '%') {
		if (end[1] || v > 100)
			return -1;
		v = (long long)nhosts * v / 100;
		if (v < 1)
			v = 1;
	} else if (*end) {
		return -1;
	}
	if ((size_t)v > nhosts)
		v = (long long)nhosts;
	*out = (size_t)v;
	return 0;
}

const char *sshc_outcome_name(enum sshc_outcome o)
{
	switch (o) {
	case SSHC_PENDING: return "pending";
	case SSHC_OK: return "ok";
	case SSHC_EXIT: return "exit";
	case SSHC_SIGNAL: return "signal";
	case SSHC_TIMEOUT: return "timeout";
	case SSHC_LOST: return "lost";
	case SSHC_STOPPED: return "stopped";
	case SSHC_UNREACHABLE: return "unreachable";
	case SSHC_HOSTKEY: return "hostkey";
	case SSHC_AUTH: return "auth";
	case SSHC_SKIPPED: return "skipped";
	}
	return "?";
}

char *sshc_kill_command(long pid)
{
	/* `kill -TERM -- -PID` alone left the group alive under dash (Debian's
	 * /bin/sh): "Illegal number", then only the leader was killed */
	return xasprintf("kill -TERM -%ld 2>/dev/null || kill -TERM -- -%ld 2>/dev/null || kill -TERM %ld", pid, pid,
			 pid);
}

/* -------------------------------------------------------- the fan-out */

enum sshc_state {
	C_IDLE = 0,    /* not started */
	C_CONNECT,     /* TCP connect in progress */
	C_HANDSHAKE,
	C_AUTH,        /* key file */
	C_AGENT,       /* ssh-agent identities, one after the other */
	C_OPEN,        /* channel open */
	C_READY,       /* phase 1 done: waiting for the others */
	C_EXEC,
	C_SEND_EOF,
	C_READ,
	C_CLOSE,
	C_WAIT_CLOSED,
	C_WORK,        /* opts.work instead of a command */
	C_CUT_SIGNAL,  /* cutting: a second channel to kill the command */
	C_CUT_KILL,
	C_CUT_WAIT,    /* then wait for the command's channel to end */
	C_CUT_CLOSE,
	C_CUT_CLOSED,
	C_DONE,
};

struct sshc_conn {
	enum sshc_state st;
	int fd;
	struct addrinfo *ai, *ai_cur;
	LIBSSH2_SESSION *s;
	LIBSSH2_CHANNEL *ch;
	LIBSSH2_CHANNEL *kill_ch; /* the channel that kills a command being cut */
	long remote_pid;          /* the command's process group on the host, 0 unknown */
	LIBSSH2_AGENT *agent;
	struct libssh2_agent_publickey *ident;
	int agent_tried;
	long long t0;          /* start of this host, monotonic */
	long long deadline;    /* of the current phase; 0 none */
	enum sshc_outcome cut; /* why it is being cut */
	struct line_cap part[2]; /* partial output lines: stdout, stderr (capped) */
	int marker_status;     /* -1 until the marker line came */
	int khcount;           /* known_hosts entries for this host (any type) */
	char *cmd;             /* the command sent to this host (wrapped), owned */
	int worked;            /* opts.work was called: work_end is due */
	short revents;         /* of the last poll() */
};

struct sshc_ctx {
	const struct sshc_opts *o;
	int active;            /* a command or work to do (else: host key check only) */
	char marker[48];       /* "stagecoach-exit-<hex>:" */
	char pid_marker[48];   /* "stagecoach-pid-<hex>:" */
	const char *kh_text;   /* known_hosts text, "" when missing */
	int kh_errno;          /* why it could not be read, 0 when read */
	long long connect_timeout;
	const char *key;       /* the identity's contents (read once), NULL: agent */
	size_t key_len;
};

static void sshc_session_error(struct sshc_conn *c, struct buf *b)
{
	char *msg = NULL;
	int len = 0;
	if (c->s)
		libssh2_session_last_error(c->s, &msg, &len, 0);
	buf_adds(b, msg && *msg ? msg : "unknown libssh2 error");
}

/* Close everything.  Unless clean (the channel closed, or none opened), the
 * socket is shut down first, so that libssh2 does not wait for replies. */
static void sshc_teardown(struct sshc_conn *c, int clean)
{
	if (!clean && c->fd >= 0)
		shutdown(c->fd, SHUT_RDWR);
	if (c->s) {
		/* free can need I/O (channel close); keep it short and blocking */
		libssh2_session_set_timeout(c->s, 1000);
		libssh2_session_set_blocking(c->s, 1);
		if (c->agent) {
			libssh2_agent_disconnect(c->agent);
			libssh2_agent_free(c->agent);
			c->agent = NULL;
		}
		if (c->kill_ch)
			libssh2_channel_free(c->kill_ch);
		if (c->ch)
			libssh2_channel_free(c->ch);
		c->ch = c->kill_ch = NULL;
		if (clean && c->st >= C_AUTH)
			libssh2_session_disconnect(c->s, "done");
		libssh2_session_free(c->s);
		c->s = NULL;
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	if (c->ai)
		freeaddrinfo(c->ai);
	c->ai = c->ai_cur = NULL;
}

/* The lines kept for the error are shorter still (an error holds 4 KiB):
 * SSHC_TAIL_KEEP bytes at each end of a longer line, cut at character
 * boundaries, and the count of what is left out, line_cap's included. */
#define SSHC_TAIL_KEEP 240
static char *sshc_tail_line(const char *line)
{
	size_t len = strlen(line);
	if (len <= 2 * SSHC_TAIL_KEEP + 32)
		return xstrdup(line);
	unsigned long long before = 0;
	const char *m = strstr(line, " [... ");
	int mlen = 0;
	if (!m || sscanf(m, " [... %llu bytes dropped ...] %n", &before, &mlen) != 1 || !mlen)
		before = 0, mlen = 0;
	size_t hl = SSHC_TAIL_KEEP, ts = len - SSHC_TAIL_KEEP;
	while (hl && ((unsigned char)line[hl] & 0xc0) == 0x80)
		hl--;
	while (ts < len && ((unsigned char)line[ts] & 0xc0) == 0x80)
		ts++;
	unsigned long long dropped = (unsigned long long)(ts - hl) - (unsigned long long)mlen + before;
	return xasprintf("%.*s [... %llu bytes dropped ...] %s", (int)hl, line, dropped, line + ts);
}

static void sshc_tail_push(struct sshc_host *h, const char *line)
{
	if (h->ntail == SSHC_TAIL) {
		free(h->tail[0]);
		memmove(h->tail, h->tail + 1, (SSHC_TAIL - 1) * sizeof(h->tail[0]));
		h->ntail--;
	}
	h->tail[h->ntail++] = sshc_tail_line(line);
}

static void sshc_emit_line(struct sshc_ctx *x, struct sshc_host *h, int stream, char *line)
{
	struct sshc_conn *c = h->conn;
	size_t l = strlen(line);
	if (l && line[l - 1] == '\r')
		line[--l] = 0;
	if (stream == 1 && x->pid_marker[0] && !c->remote_pid) {
		char *m = strstr(line, x->pid_marker);
		if (m) {
			c->remote_pid = atol(m + strlen(x->pid_marker));
			*m = 0;
			if (!*line)
				return;
		}
	}
	if (stream == 1 && x->marker[0]) {
		char *m = strstr(line, x->marker);
		if (m) {
			c->marker_status = atoi(m + strlen(x->marker));
			*m = 0; /* what came before it on the line is output */
			if (!*line)
				return;
		}
	}
	sshc_tail_push(h, line);
	if (x->o->on_line)
		x->o->on_line(x->o->ctx, h, line);
}

/* a line is whole (or the output ended): emit it, capped and made UTF-8 */
static void sshc_take_line(struct sshc_ctx *x, struct sshc_host *h, int stream)
{
	char *line = line_cap_take(&h->conn->part[stream]);
	sshc_emit_line(x, h, stream, line);
	free(line);
}

/* An over-long line keeps its head and tail and says how many bytes were
 * dropped between them (line_cap): a host sending 300 MB without a newline
 * costs 8 KiB here, not 300 MB, and the line is not cut into pieces.  8 KiB
 * per line (the size lines were cut at before) keeps the SSHC_TAIL lines
 * of every host of a large batch small. */
#define SSHC_LINE_HEAD 4096
#define SSHC_LINE_TAIL 4096
static void sshc_output(struct sshc_ctx *x, struct sshc_host *h, int stream, const char *data, size_t len)
{
	struct line_cap *p = &h->conn->part[stream];
	while (len) {
		const char *nl = memchr(data, '\n', len);
		size_t k = nl ? (size_t)(nl - data) : len;
		line_cap_add(p, data, k);
		if (!nl)
			break;
		sshc_take_line(x, h, stream);
		data += k + 1;
		len -= k + 1;
	}
}

static void sshc_flush_output(struct sshc_ctx *x, struct sshc_host *h)
{
	for (int s = 0; s < 2; s++)
		if (!line_cap_empty(&h->conn->part[s]))
			sshc_take_line(x, h, s);
}

/* The host is finished: outcome, error message, sockets closed. */
static void sshc_finish(struct sshc_ctx *x, struct sshc_host *h, enum sshc_outcome out, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void sshc_finish(struct sshc_ctx *x, struct sshc_host *h, enum sshc_outcome out, const char *fmt, ...)
{
	struct sshc_conn *c = h->conn;
	if (c->st == C_DONE)
		return;
	if (c->st >= C_EXEC)
		sshc_flush_output(x, h);
	if (c->worked && x->o->work_end) {
		c->worked = 0;
		x->o->work_end(x->o->ctx, h, c->s);
	}
	h->outcome = out;
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		free(h->error);
		h->error = xvasprintf(fmt, ap);
		va_end(ap);
	}
	sshc_teardown(c, out == SSHC_OK || out == SSHC_EXIT || out == SSHC_SIGNAL || out == SSHC_HOSTKEY ||
				 out == SSHC_AUTH);
	c->st = C_DONE;
	h->duration_ms = time_mono_ms() - c->t0;
	if (x->o->on_done)
		x->o->on_done(x->o->ctx, h);
}

/* the finish with the library's message appended */
static void sshc_finish_lib(struct sshc_ctx *x, struct sshc_host *h, enum sshc_outcome out, const char *what)
{
	struct buf b = BUF_INIT;
	buf_adds(&b, what);
	buf_adds(&b, ": ");
	sshc_session_error(h->conn, &b);
	sshc_finish(x, h, out, "%s", buf_str(&b));
	buf_release(&b);
}

static void sshc_start_connect(struct sshc_ctx *x, struct sshc_host *h)
{
	struct sshc_conn *c = h->conn;
	struct addrinfo hints = { 0 };
	char port[16];
	int rc;
	c->t0 = time_mono_ms();
	c->deadline = c->t0 + x->connect_timeout;
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%d", h->port);
	/* getaddrinfo blocks; host addresses are usually IPs or in /etc/hosts */
	rc = getaddrinfo(h->address, port, &hints, &c->ai);
	if (rc) {
		c->ai = NULL;
		c->st = C_CONNECT;
		sshc_finish(x, h, SSHC_UNREACHABLE, "cannot resolve '%s': %s", h->address, gai_strerror(rc));
		return;
	}
	c->ai_cur = c->ai;
	c->st = C_CONNECT;
	c->fd = -1;
}

/* Next step of a TCP connect: 1 would block, 0 progressed */
static int sshc_tcp(struct sshc_ctx *x, struct sshc_host *h, int revents)
{
	struct sshc_conn *c = h->conn;
	int one = 1;
	for (;;) {
		if (c->fd >= 0) {
			int soerr = 0;
			socklen_t sl = sizeof(soerr);
			if (!(revents & (POLLOUT | POLLERR | POLLHUP)))
				return 1;
			getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
			if (soerr == 0)
				break;
			close(c->fd);
			c->fd = -1;
			c->ai_cur = c->ai_cur->ai_next;
			if (!c->ai_cur) {
				sshc_finish(x, h, SSHC_UNREACHABLE, "cannot connect: %s", strerror(soerr));
				return 0;
			}
		}
		c->fd = socket(c->ai_cur->ai_family, c->ai_cur->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			       c->ai_cur->ai_protocol);
		if (c->fd < 0) {
			sshc_finish(x, h, SSHC_UNREACHABLE, "cannot create a socket: %s", strerror(errno));
			return 0;
		}
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(c->fd, c->ai_cur->ai_addr, c->ai_cur->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS)
			return 1;
		int err = errno;
		close(c->fd);
		c->fd = -1;
		c->ai_cur = c->ai_cur->ai_next;
		if (!c->ai_cur) {
			sshc_finish(x, h, SSHC_UNREACHABLE, "cannot connect: %s", strerror(err));
			return 0;
		}
		revents = 0;
	}
	/* connected: start the SSH session */
	c->s = libssh2_session_init_ex(NULL, NULL, NULL, h);
	if (!c->s) {
		sshc_finish(x, h, SSHC_UNREACHABLE, "cannot create an SSH session");
		return 0;
	}
	libssh2_session_set_blocking(c->s, 0);
	struct sshc_khentry *kh;
	size_t nkh = sshc_known_hosts_find(x->kh_text, h->address, h->port, &kh);
	c->khcount = (int)nkh;
	{
		const char **algs = NULL;
		struct buf sup = BUF_INIT;
		int na = libssh2_session_supported_algs(c->s, LIBSSH2_METHOD_HOSTKEY, &algs);
		for (int i = 0; i < na; i++) {
			if (i)
				buf_addc(&sup, ',');
			buf_adds(&sup, algs[i]);
		}
		if (na > 0)
			libssh2_free(c->s, algs);
		/* with no entry, OpenSSH's order, so the line to add is the key
		 * `ssh-keyscan` and `ssh` would show */
		static const struct sshc_khentry defaults[] = {
			{ "ssh-ed25519", "", 0, 0 }, { "ecdsa-sha2-nistp256", "", 0, 0 },
			{ "ecdsa-sha2-nistp384", "", 0, 0 }, { "ecdsa-sha2-nistp521", "", 0, 0 },
			{ "ssh-rsa", "", 0, 0 },
		};
		char *pref = nkh ? sshc_hostkey_pref(kh, nkh, na > 0 ? buf_str(&sup) : NULL)
				 : sshc_hostkey_pref(defaults, 5, na > 0 ? buf_str(&sup) : NULL);
		buf_release(&sup);
		/* when none is supported, connect anyway: the key will be refused
		 * with its fingerprint */
		if (pref && libssh2_session_method_pref(c->s, LIBSSH2_METHOD_HOSTKEY, pref) != 0) {
			free(pref);
			sshc_khentries_free(kh, nkh);
			sshc_finish_lib(x, h, SSHC_UNREACHABLE, "cannot set the host key preference");
			return 0;
		}
		free(pref);
	}
	sshc_khentries_free(kh, nkh);
	c->st = C_HANDSHAKE;
	return 0;
}

static int sshc_keytype_mask(int type)
{
	switch (type) {
	case LIBSSH2_HOSTKEY_TYPE_RSA: return LIBSSH2_KNOWNHOST_KEY_SSHRSA;
	case LIBSSH2_HOSTKEY_TYPE_DSS: return LIBSSH2_KNOWNHOST_KEY_SSHDSS;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
	case LIBSSH2_HOSTKEY_TYPE_ED25519: return LIBSSH2_KNOWNHOST_KEY_ED25519;
	}
	return 0;
}

/* The key type name is the first string of the blob. */
static char *sshc_blob_type(const unsigned char *blob, size_t len)
{
	if (len < 4)
		return xstrdup("unknown");
	size_t n = (size_t)blob[0] << 24 | (size_t)blob[1] << 16 | (size_t)blob[2] << 8 | blob[3];
	if (n > len - 4 || n > 64)
		return xstrdup("unknown");
	return xstrndup((const char *)blob + 4, n);
}

/* libssh2's verdict: the known_hosts text through libssh2_knownhost_readline */
static int sshc_libssh2_check(struct sshc_ctx *x, struct sshc_host *h, const char *key, size_t klen, int type)
{
	struct sshc_conn *c = h->conn;
	LIBSSH2_KNOWNHOSTS *kh = libssh2_knownhost_init(c->s);
	int rc = LIBSSH2_KNOWNHOST_CHECK_FAILURE;
	if (!kh)
		return rc;
	for (const char *l = x->kh_text; *l;) {
		const char *end = strchr(l, '\n');
		size_t len = end ? (size_t)(end - l) : strlen(l);
		const char *p = l;
		while (p < l + len && (*p == ' ' || *p == '\t'))
			p++;
		/* comments and @markers: libssh2 would stop at them.  The length
		 * includes the newline: libssh2 drops the last character when the
		 * byte after the line is a newline. */
		if (p < l + len && *p != '#' && *p != '@')
			libssh2_knownhost_readline(kh, l, end ? len + 1 : len, LIBSSH2_KNOWNHOST_FILE_OPENSSH);
		l = end ? end + 1 : l + len;
	}
	rc = libssh2_knownhost_checkp(kh, h->address, h->port, key, klen,
				      LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW |
					      sshc_keytype_mask(type),
				      NULL);
	libssh2_knownhost_free(kh);
	return rc;
}

/* Host key check right after the handshake: 0 accepted, -1 refused (finished) */
static int sshc_hostkey_check(struct sshc_ctx *x, struct sshc_host *h)
{
	struct sshc_conn *c = h->conn;
	size_t klen = 0;
	int type = 0;
	const char *key = libssh2_session_hostkey(c->s, &klen, &type);
	char fp[64];
	if (!key || !klen) {
		sshc_finish_lib(x, h, SSHC_HOSTKEY, "no host key from the server");
		return -1;
	}
	sshc_fingerprint((const unsigned char *)key, klen, fp);
	char *ktype = sshc_blob_type((const unsigned char *)key, klen);
	char *b64 = sshc_base64((const unsigned char *)key, klen, 1);
	char *khname = sshc_known_hosts_name(h->address, h->port);
	struct sshc_khentry *kh;
	size_t nkh = sshc_known_hosts_find(x->kh_text, h->address, h->port, &kh);
	int ours = 0, revoked = 0, same_type_line = 0, any_line = 0;
	for (size_t i = 0; i < nkh; i++) {
		unsigned char *blob = NULL;
		size_t blen;
		int same = sshc_base64_decode(kh[i].key_b64, strlen(kh[i].key_b64), &blob, &blen) == 0 &&
			   blen == klen && memcmp(blob, key, klen) == 0;
		free(blob);
		if (kh[i].revoked) {
			revoked |= same;
			continue;
		}
		if (!any_line)
			any_line = kh[i].line;
		if (same)
			ours = 1;
		else if (!same_type_line && strcmp(kh[i].type, ktype) == 0)
			same_type_line = kh[i].line;
	}
	sshc_khentries_free(kh, nkh);
	int lib = LIBSSH2_KNOWNHOST_CHECK_NOTFOUND;
	if (ours && !revoked)
		lib = sshc_libssh2_check(x, h, key, klen, type);
	int rc = -1;
	const char *path = x->o->known_hosts ? x->o->known_hosts : "(none)";
	if (revoked) {
		sshc_finish(x, h, SSHC_HOSTKEY, "host key %s %s is marked @revoked in known_hosts '%s'; refusing to connect",
			    ktype, fp, path);
	} else if (ours && lib == LIBSSH2_KNOWNHOST_CHECK_MATCH) {
		rc = 0;
	} else if (same_type_line || any_line) {
		sshc_finish(x, h, SSHC_HOSTKEY,
			    "HOST KEY CHANGED: the server presents %s %s, which is not the key known_hosts '%s' "
			    "line %d has for '%s'; refusing to connect (someone may be intercepting the connection; if the "
			    "key was changed on purpose, replace that line with: %s %s %s)",
			    ktype, fp, path, same_type_line ? same_type_line : any_line, khname, khname, ktype, b64);
	} else if (ours) {
		sshc_finish(x, h, SSHC_HOSTKEY, "host key %s %s for '%s' was not accepted by libssh2's known_hosts check",
			    ktype, fp, khname);
	} else {
		sshc_finish(x, h, SSHC_HOSTKEY,
			    "unknown host key %s %s: '%s' is not in known_hosts '%s'%s; refusing to connect (after "
			    "checking the fingerprint out of band, add this line to it: %s %s %s)",
			    ktype, fp, khname, path, x->kh_errno ? " (the file cannot be read)" : "", khname, ktype, b64);
	}
	free(ktype);
	free(b64);
	free(khname);
	return rc;
}

static void sshc_agent_start(struct sshc_ctx *x, struct sshc_host *h)
{
	struct sshc_conn *c = h->conn;
	c->agent = libssh2_agent_init(c->s);
	if (!c->agent) {
		sshc_finish_lib(x, h, SSHC_AUTH, "cannot use the ssh-agent");
		return;
	}
	/* the agent socket is local and blocking: these return at once */
	if (libssh2_agent_connect(c->agent) != 0) {
		sshc_finish_lib(x, h, SSHC_AUTH, "no ssh.identity set and cannot connect to the ssh-agent (SSH_AUTH_SOCK)");
		return;
	}
	int rc;
	while ((rc = libssh2_agent_list_identities(c->agent)) == LIBSSH2_ERROR_EAGAIN)
		;
	if (rc != 0) {
		sshc_finish_lib(x, h, SSHC_AUTH, "cannot list the ssh-agent's identities");
		return;
	}
	c->ident = NULL;
	rc = libssh2_agent_get_identity(c->agent, &c->ident, NULL);
	if (rc != 0) {
		sshc_finish(x, h, SSHC_AUTH, "no ssh.identity set and the ssh-agent holds no identity");
		return;
	}
	c->st = C_AGENT;
}

/*
 * Advance one host as far as it goes without blocking.  Returns 1 when it
 * waits for the network, 0 when it changed state (READY, DONE, or a state
 * that must be stepped again).
 */
static int sshc_step(struct sshc_ctx *x, struct sshc_host *h, int revents)
{
	struct sshc_conn *c = h->conn;
	const struct sshc_opts *o = x->o;
	int rc;
	switch (c->st) {
	case C_IDLE:
	case C_READY:
	case C_DONE:
		return 0;
	case C_CONNECT:
		return sshc_tcp(x, h, revents);
	case C_HANDSHAKE:
		rc = libssh2_session_handshake(c->s, c->fd);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 1;
		if (rc) {
			sshc_finish_lib(x, h, SSHC_UNREACHABLE, "ssh handshake failed");
			return 0;
		}
		if (sshc_hostkey_check(x, h) != 0)
			return 0;
		if (!x->active) { /* host key check only */
			sshc_finish(x, h, SSHC_OK, NULL);
			return 0;
		}
		if (o->identity) {
			c->st = C_AUTH;
		} else {
			sshc_agent_start(x, h);
		}
		return 0;
	case C_AUTH:
		/* the key as read once for the whole run: no file opened per
		 * host (which, out of descriptors, read as a refused key) */
		rc = libssh2_userauth_publickey_frommemory(c->s, o->user, strlen(o->user), NULL, 0, x->key, x->key_len,
							   o->passphrase);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 1;
		if (rc) {
			struct buf b = BUF_INIT;
			buf_addf(&b, "authentication as '%s' with key '%s' failed", o->user, o->identity);
			if (rc == LIBSSH2_ERROR_FILE || rc == LIBSSH2_ERROR_KEYFILE_AUTH_FAILED)
				buf_adds(&b, " (the key cannot be decoded, or wrong passphrase)");
			sshc_finish_lib(x, h, SSHC_AUTH, buf_str(&b));
			buf_release(&b);
			return 0;
		}
		c->st = C_OPEN;
		return 0;
	case C_AGENT:
		rc = libssh2_agent_userauth(c->agent, o->user, c->ident);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 1;
		if (rc == 0) {
			c->st = C_OPEN;
			return 0;
		}
		c->agent_tried++;
		if (libssh2_agent_get_identity(c->agent, &c->ident, c->ident) != 0) {
			struct buf b = BUF_INIT;
			buf_addf(&b, "authentication as '%s' with the ssh-agent failed (%d identities tried)", o->user,
				 c->agent_tried);
			sshc_finish_lib(x, h, SSHC_AUTH, buf_str(&b));
			buf_release(&b);
		}
		return 0;
	case C_OPEN:
		c->ch = libssh2_channel_open_session(c->s);
		if (!c->ch) {
			if (libssh2_session_last_errno(c->s) == LIBSSH2_ERROR_EAGAIN)
				return 1;
			sshc_finish_lib(x, h, SSHC_UNREACHABLE, "cannot open a session channel");
			return 0;
		}
		c->st = C_READY;
		return 0;
	case C_EXEC:
		h->touched = 1; /* from the first try: the request may reach the host */
		rc = libssh2_channel_exec(c->ch, c->cmd);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 1;
		if (rc) {
			sshc_finish_lib(x, h, SSHC_LOST, "cannot start the command");
			return 0;
		}
		c->st = C_SEND_EOF;
		return 0;
	case C_SEND_EOF:
		rc = libssh2_channel_send_eof(c->ch);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 1;
		/* a command may close its side first: not an error by itself */
		c->st = C_READ;
		return 0;
	case C_READ: {
		char buf[16384];
		for (;;) {
			int progress = 0;
			for (int stream = 0; stream < 2; stream++) {
				ssize_t n = libssh2_channel_read_ex(c->ch, stream, buf, sizeof(buf));
				if (n > 0) {
					sshc_output(x, h, stream, buf, (size_t)n);
					progress = 1;
				} else if (n < 0 && n != LIBSSH2_ERROR_EAGAIN) {
					sshc_finish_lib(x, h, SSHC_LOST, "connection lost while the command ran");
					return 0;
				}
			}
			if (!progress)
				break;
		}
		if (!libssh2_channel_eof(c->ch))
			return 1;
		c->st = C_CLOSE;
		return 0;
	}
	case C_CLOSE:
		rc = libssh2_channel_close(c->ch);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 1;
		if (rc) {
			sshc_finish_lib(x, h, SSHC_LOST, "cannot close the channel");
			return 0;
		}
		c->st = C_WAIT_CLOSED;
		return 0;
	case C_WAIT_CLOSED: {
		rc = libssh2_channel_wait_closed(c->ch);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 1;
		if (rc) {
			sshc_finish_lib(x, h, SSHC_LOST, "connection lost before the command's exit status");
			return 0;
		}
		char *sig = NULL;
		size_t siglen = 0;
		int status = libssh2_channel_get_exit_status(c->ch);
		libssh2_channel_get_exit_signal(c->ch, &sig, &siglen, NULL, NULL, NULL, NULL);
		sshc_flush_output(x, h);
		if (sig) {
			snprintf(h->exit_signal, sizeof(h->exit_signal), "%.*s", (int)siglen, sig);
			libssh2_free(c->s, sig);
			sshc_finish(x, h, SSHC_SIGNAL, "command killed by signal %s", h->exit_signal);
		} else if (status == 0 && x->marker[0] && c->marker_status < 0) {
			sshc_finish(x, h, SSHC_LOST, "channel closed without an exit status (the command may still be running)");
		} else if (status == 0) {
			h->exit_status = 0;
			sshc_finish(x, h, SSHC_OK, NULL);
		} else {
			h->exit_status = status;
			sshc_finish(x, h, SSHC_EXIT, "command exited with status %d", status);
		}
		return 0;
	}
	case C_WORK:
		h->touched = 1;
		c->worked = 1;
		rc = o->work(o->ctx, h, c->s);
		if (rc > 0)
			return 1;
		if (rc == 0)
			sshc_finish(x, h, SSHC_OK, NULL);
		else
			sshc_finish(x, h, SSHC_EXIT, h->error ? NULL : "failed");
		return 0;
	case C_CUT_SIGNAL:
		/* libssh2 1.10 cannot send a "signal" request on a channel that
		 * ran exec: kill the command's process group (sshd made it a
		 * session leader) from a second channel of the same session */
		if (c->remote_pid <= 1) {
			c->st = C_CUT_CLOSE;
			return 0;
		}
		c->kill_ch = libssh2_channel_open_session(c->s);
		if (!c->kill_ch) {
			if (libssh2_session_last_errno(c->s) == LIBSSH2_ERROR_EAGAIN)
				return 1;
			c->st = C_CUT_CLOSE;
			return 0;
		}
		c->st = C_CUT_KILL;
		return 0;
	case C_CUT_KILL: {
		char *cmd = sshc_kill_command(c->remote_pid);
		rc = libssh2_channel_exec(c->kill_ch, cmd);
		free(cmd);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 1;
		c->st = rc ? C_CUT_CLOSE : C_CUT_WAIT;
		return 0;
	}
	case C_CUT_WAIT: {
		char buf[16384];
		ssize_t r0, r1;
		do {
			r0 = libssh2_channel_read_ex(c->ch, 0, buf, sizeof(buf));
			if (r0 > 0)
				sshc_output(x, h, 0, buf, (size_t)r0);
			r1 = libssh2_channel_read_ex(c->ch, 1, buf, sizeof(buf));
			if (r1 > 0)
				sshc_output(x, h, 1, buf, (size_t)r1);
		} while (r0 > 0 || r1 > 0);
		if ((r0 < 0 && r0 != LIBSSH2_ERROR_EAGAIN) || (r1 < 0 && r1 != LIBSSH2_ERROR_EAGAIN)) {
			sshc_finish(x, h, c->cut, NULL);
			return 0;
		}
		if (!libssh2_channel_eof(c->ch))
			return 1;
		c->st = C_CUT_CLOSE;
		return 0;
	}
	case C_CUT_CLOSE:
		rc = libssh2_channel_close(c->ch);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 1;
		c->st = C_CUT_CLOSED;
		return 0;
	case C_CUT_CLOSED:
		rc = libssh2_channel_wait_closed(c->ch);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 1;
		sshc_finish(x, h, c->cut, NULL);
		return 0;
	}
	BUG("sshc: state %d", c->st);
}

/* Cut a host (timeout or stop): from phase 2 the command is signalled and
 * the channel closed; before, the host just ends. */
static void sshc_cut(struct sshc_ctx *x, struct sshc_host *h, enum sshc_outcome why, long long now)
{
	struct sshc_conn *c = h->conn;
	if (c->st == C_WORK) {
		sshc_finish(x, h, why,
			    why == SSHC_TIMEOUT ? "timed out after %lld ms and was cut" : "cut: the run was asked to stop",
			    x->o->command_timeout_ms);
		return;
	}
	if (c->st >= C_EXEC && c->st <= C_WAIT_CLOSED) {
		c->cut = why;
		free(h->error);
		if (why == SSHC_TIMEOUT)
			h->error = xasprintf("command timed out after %lld ms and was cut", x->o->command_timeout_ms);
		else
			h->error = xstrdup("command cut: the run was asked to stop");
		c->st = c->st == C_EXEC ? C_CUT_CLOSE : C_CUT_SIGNAL;
		c->deadline = now + 3000; /* grace for the kill and the close */
		return;
	}
	if (c->st >= C_CUT_SIGNAL && c->st <= C_CUT_CLOSED) {
		sshc_finish(x, h, c->cut, NULL); /* grace over */
		return;
	}
	if (why == SSHC_STOPPED) {
		sshc_finish(x, h, SSHC_STOPPED, "stopped before the command ran");
		return;
	}
	const char *what = c->st == C_CONNECT     ? "connecting"
			   : c->st == C_HANDSHAKE ? "in the SSH handshake"
			   : c->st == C_OPEN      ? "opening a channel"
						  : "authenticating";
	sshc_finish(x, h, c->st == C_AUTH || c->st == C_AGENT ? SSHC_AUTH : SSHC_UNREACHABLE,
		    "timed out after %lld ms %s", x->connect_timeout, what);
}

static int sshc_phase1(enum sshc_state s)
{
	return s >= C_CONNECT && s <= C_OPEN;
}

static int sshc_phase2(enum sshc_state s)
{
	return s >= C_EXEC && s <= C_CUT_CLOSED;
}

static char *sshc_wrap(const char *command, const char *marker, const char *pid_marker)
{
	/* $$ is the session leader sshd started: a cut kills its group.  A
	 * subshell keeps `exit` in the command from skipping the marker. */
	return xasprintf("printf '%s%%d\\n' $$ >&2; ( %s\n); __sc_status=$?; printf '%s%%d\\n' \"$__sc_status\" >&2; "
			 "exit $__sc_status",
			 pid_marker, command, marker);
}

int sshc_run(struct sshc_host *hosts, size_t n, const char *command, const struct sshc_opts *o)
{
	static int initialized;
	struct sshc_ctx x = { 0 };
	char *kh_text = NULL;
	size_t kh_len, next1 = 0, next2 = 0;
	int parallel = o->parallel < 1 ? 1 : o->parallel, failed = 0, stopped = 0;
	struct pollfd *pfd = xcalloc(n ? n : 1, sizeof(*pfd));
	size_t *pidx = xcalloc(n ? n : 1, sizeof(*pidx));

	if (!initialized) {
		if (libssh2_init(0) != 0)
			BUG("libssh2_init failed");
		initialized = 1;
	}
	x.o = o;
	x.connect_timeout = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 10000;
	if (o->known_hosts && file_read_all(o->known_hosts, &kh_text, &kh_len) != 0) {
		x.kh_errno = errno ? errno : ENOENT;
		kh_text = NULL;
	}
	if (!o->known_hosts)
		x.kh_errno = ENOENT;
	x.kh_text = kh_text ? kh_text : "";
	x.active = command || o->work;
	for (size_t i = 0; i < n; i++)
		x.active |= hosts[i].command != NULL;
	/* the key, once for every host; unreadable: no host is contacted */
	char *key_own = NULL;
	size_t key_own_len = 0;
	int key_errno = 0;
	if (x.active && o->identity) {
		if (o->identity_data) {
			x.key = o->identity_data;
			x.key_len = o->identity_len;
		} else if (sshc_identity_read(o->identity, &key_own, &key_own_len) == 0) {
			x.key = key_own;
			x.key_len = key_own_len;
		} else {
			key_errno = errno ? errno : EIO;
		}
	}
	if (x.active && !o->work && !o->no_marker) {
		unsigned char rnd[12];
		char hex[25];
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			BUG("getrandom failed");
		for (int i = 0; i < 12; i++)
			snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
		snprintf(x.marker, sizeof(x.marker), "stagecoach-exit-%s:", hex);
		snprintf(x.pid_marker, sizeof(x.pid_marker), "stagecoach-pid-%s:", hex);
	}
	for (size_t i = 0; i < n; i++) {
		hosts[i].conn = xcalloc(1, sizeof(struct sshc_conn));
		hosts[i].conn->fd = -1;
		hosts[i].conn->marker_status = -1;
		for (int k = 0; k < 2; k++) {
			hosts[i].conn->part[k].head_max = SSHC_LINE_HEAD;
			hosts[i].conn->part[k].tail_max = SSHC_LINE_TAIL;
		}
		hosts[i].outcome = SSHC_PENDING;
		const char *hc = hosts[i].command ? hosts[i].command : command;
		if (hc && !o->work)
			hosts[i].conn->cmd = x.marker[0] ? sshc_wrap(hc, x.marker, x.pid_marker) : xstrdup(hc);
		if (key_errno) {
			hosts[i].conn->st = C_CONNECT;
			hosts[i].conn->t0 = time_mono_ms();
			sshc_finish(&x, &hosts[i], SSHC_AUTH, "cannot read the key ssh.identity '%s': %s", o->identity,
				    strerror(key_errno));
		}
	}
	if (key_errno)
		next1 = n; /* nothing to connect */

	for (;;) {
		long long now = time_mono_ms();
		size_t active1 = 0, active2 = 0, ready = 0;
		if (!stopped && o->should_stop && o->should_stop(o->ctx)) {
			stopped = 1;
			for (size_t i = 0; i < n; i++)
				if (sshc_phase1(hosts[i].conn->st) || sshc_phase2(hosts[i].conn->st))
					sshc_cut(&x, &hosts[i], SSHC_STOPPED, now);
		}
		for (size_t i = 0; i < n; i++) {
			enum sshc_state s = hosts[i].conn->st;
			active1 += sshc_phase1(s);
			active2 += sshc_phase2(s);
			ready += s == C_READY;
			if (hosts[i].outcome != SSHC_PENDING && hosts[i].outcome != SSHC_OK &&
			    hosts[i].outcome != SSHC_SKIPPED)
				failed = 1;
		}
		/* phase 1: connect up to `parallel` at once */
		int starting = (!failed || !x.active || o->keep_going) && !stopped;
		while (starting && next1 < n && active1 < (size_t)parallel) {
			sshc_start_connect(&x, &hosts[next1++]);
			active1++;
		}
		/* hosts left that will never start (a failure or a stop) do not
		 * keep phase 1 open: with none active there is nothing to poll,
		 * and going round again would spin */
		if (active1 || (starting && next1 < n))
			goto step;
		/* phase 1 is over for every host */
		if ((failed && !o->keep_going) || stopped || !x.active) {
			if (active2)
				goto step; /* let the running commands end */
			break;
		}
		while (next2 < n && active2 < (size_t)parallel) {
			struct sshc_host *h = &hosts[next2++];
			if (h->conn->st != C_READY)
				continue;
			h->conn->st = o->work ? C_WORK : C_EXEC;
			h->conn->deadline = o->command_timeout_ms > 0 ? now + o->command_timeout_ms : 0;
			active2++;
		}
		if (!active2)
			break;
	step:;
		/* step every host until each waits for the network */
		size_t np = 0;
		long long wait = 200;
		for (size_t i = 0; i < n; i++) {
			struct sshc_host *h = &hosts[i];
			struct sshc_conn *c = h->conn;
			if (!sshc_phase1(c->st) && !sshc_phase2(c->st))
				continue;
			if (c->deadline && now >= c->deadline) {
				sshc_cut(&x, h, SSHC_TIMEOUT, now);
				if (c->st == C_DONE)
					continue;
			}
			short rev = c->revents;
			c->revents = 0;
			if (!sshc_step(&x, h, rev)) {
				wait = 0; /* it moved: go round again before sleeping */
				continue;
			}
			short ev = 0;
			if (c->st == C_CONNECT) {
				ev = POLLOUT;
			} else {
				int dir = libssh2_session_block_directions(c->s);
				if (dir & LIBSSH2_SESSION_BLOCK_INBOUND)
					ev |= POLLIN;
				if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND)
					ev |= POLLOUT;
				if (!ev)
					ev = POLLIN;
			}
			pfd[np].fd = c->fd;
			pfd[np].events = ev;
			pfd[np].revents = 0;
			pidx[np++] = i;
			if (c->deadline) {
				long long left = c->deadline - now;
				if (left < wait)
					wait = left < 0 ? 0 : left;
			}
		}
		if (np && wait > 0) {
			int pr = poll(pfd, np, (int)wait);
			if (pr < 0 && errno != EINTR)
				BUG("poll: %s", strerror(errno));
			/* a connecting socket needs its revents for SO_ERROR */
			for (size_t k = 0; pr > 0 && k < np; k++)
				hosts[pidx[k]].conn->revents = pfd[k].revents;
		}
	}

	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		struct sshc_host *h = &hosts[i];
		if (h->conn->st != C_DONE) {
			/* never started, or ready but not run */
			h->conn->t0 = h->conn->t0 ? h->conn->t0 : time_mono_ms();
			sshc_finish(&x, h, SSHC_SKIPPED,
				    stopped ? "not run: the run was asked to stop" : "not run: another host failed first");
		}
		for (int s = 0; s < 2; s++)
			line_cap_release(&h->conn->part[s]);
		free(h->conn->cmd);
		free(h->conn);
		h->conn = NULL;
		if (h->outcome != SSHC_OK)
			rc = -1;
	}
	free(pfd);
	free(pidx);
	free(kh_text);
	sshc_identity_free(key_own, key_own_len);
	return rc;
}

/* read straight into one buffer: no copy of the key left behind by a
 * growing buffer (private keys are a few KiB; 64 KiB is far beyond) */
#define SSHC_KEY_MAX (64 * 1024)
int sshc_identity_read(const char *path, char **data, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	char *b = xmalloc(SSHC_KEY_MAX + 1);
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, b + n, SSHC_KEY_MAX + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || (r > 0 && n + (size_t)r > SSHC_KEY_MAX)) {
			int saved = r < 0 ? errno : EFBIG;
			close(fd);
			sshc_identity_free(b, SSHC_KEY_MAX + 1);
			errno = saved;
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	b[n] = 0;
	*data = b;
	*len = n;
	return 0;
}

void sshc_identity_free(char *data, size_t len)
{
	if (!data)
		return;
	explicit_bzero(data, len);
	free(data);
}

size_t sshc_fds_per_host(const struct sshc_opts *o)
{
	return o->identity ? 1 : 2;
}

void sshc_host_release(struct sshc_host *h)
{
	free(h->error);
	h->error = NULL;
	for (size_t i = 0; i < h->ntail; i++)
		free(h->tail[i]);
	h->ntail = 0;
}
