/*
 * pgtools: pg_dump, pg_restore and psql as child processes, and the backup
 * and restore built on them (see pgtools.h).
 *
 * A custom-format backup is pg_dump's stdout streamed through us into the
 * file and the sha256 at once; a directory-format one (pg_dump -Fd -j N)
 * is written by pg_dump, then hashed file by file into a manifest.  A
 * restore runs pg_restore straight into the database (-d): one
 * transaction, whose first statements are the clean-up, carried by the
 * archive's table of contents (pgarchive.h); a custom-format backup's data
 * goes from the file into pg_restore's stdin by splice, never through our
 * memory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "pgtools.h"
#include "pgarchive.h"
#include "pgscope.h"
#include "step.h"
#include "../env/run.h"
#include "../env/state.h"
#include "../env/config.h"
#include "../lib/proc.h"
#include "../lib/redact.h"

extern char **environ;

#define PGTOOLS_ERR_KEEP (16 * 1024)

char *pgtools_find(const char *configured_pg_dump, const char *tool)
{
	if (configured_pg_dump && *configured_pg_dump) {
		if (strcmp(tool, "pg_dump") == 0)
			return xstrdup(configured_pg_dump);
		const char *slash = strrchr(configured_pg_dump, '/');
		if (slash) {
			char *p = xasprintf("%.*s/%s", (int)(slash - configured_pg_dump), configured_pg_dump, tool);
			if (access(p, X_OK) == 0)
				return p;
			free(p);
		}
	}
	/* Debian's layout: one folder per major version, newest wins */
	char *pattern = xasprintf("/usr/lib/postgresql/*/bin/%s", tool);
	glob_t g;
	char *best = NULL;
	long best_v = -1;
	if (glob(pattern, 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++) {
			long v = strtol(g.gl_pathv[i] + strlen("/usr/lib/postgresql/"), NULL, 10);
			if (v > best_v && access(g.gl_pathv[i], X_OK) == 0) {
				best_v = v;
				free(best);
				best = xstrdup(g.gl_pathv[i]);
			}
		}
		globfree(&g);
	}
	free(pattern);
	return best ? best : xstrdup(tool);
}

static void env_set(char ***v, const char *name, const char *value)
{
	size_t nl = strlen(name);
	char *entry = xasprintf("%s=%s", name, value);
	for (size_t i = 0; *v && (*v)[i]; i++) {
		if (strncmp((*v)[i], name, nl) == 0 && (*v)[i][nl] == '=') {
			explicit_bzero((*v)[i], strlen((*v)[i]));
			free((*v)[i]);
			(*v)[i] = entry;
			return;
		}
	}
	strv_push(v, entry);
	explicit_bzero(entry, strlen(entry));
	free(entry);
}

/* The password as a libpq password file that exists only in memory: a
 * memfd (mode 0600, close-on-exec) whose line matches any host, port,
 * database and user.  The children reach it as /proc/self/fd/N: spawn keeps
 * that one descriptor open across exec (pgtools_spawn).  -1 when memfds
 * are not available. */
static int pgtools_passfd(const char *password)
{
	int fd = memfd_create("stagecoach-pgpass", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	struct buf b = BUF_INIT;
	buf_adds(&b, "*:*:*:*:");
	for (const char *p = password; *p; p++) {
		if (*p == ':' || *p == '\\')
			buf_addc(&b, '\\');
		buf_addc(&b, *p);
	}
	buf_addc(&b, '\n');
	int ok = fchmod(fd, 0600) == 0 && write(fd, b.data, b.len) == (ssize_t)b.len;
	explicit_bzero(b.data, b.len);
	buf_release(&b);
	if (!ok) {
		close(fd);
		return -1;
	}
	return fd;
}

char **pgtools_env(PGconn *db, char *const *base)
{
	char **v = NULL;
	/* the children connect with the PG* variables below: DATABASE_URL
	 * (the run's, password included) and a PGPASSWORD of ours are not
	 * handed on */
	for (char *const *p = base ? base : environ; p && *p; p++) {
		if (starts_with(*p, "DATABASE_URL=") || starts_with(*p, "PGPASSWORD=") || starts_with(*p, "PGPASSFILE="))
			continue;
		/* nor any variable holding a secret (a URL with the password,
		 * a token): the PostgreSQL programs need none of them */
		char *masked = redact(*p);
		int secret = strcmp(masked, *p) != 0;
		free(masked);
		if (!secret)
			strv_push(&v, *p);
	}
	PQconninfoOption *opts = db ? PQconninfo(db) : NULL;
	int in_memory = 0;
	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val && *o->val)
			in_memory = 1;
	for (PQconninfoOption *o = opts; o && o->keyword; o++) {
		if (!o->envvar || !o->val || !*o->val)
			continue;
		if (strcmp(o->keyword, "password") == 0) {
			/* not in the environment, where /proc/PID/environ shows it */
			int fd = pgtools_passfd(o->val);
			if (fd >= 0) {
				char *pf = xasprintf("/proc/self/fd/%d", fd);
				env_set(&v, "PGPASSFILE", pf);
				free(pf);
				continue;
			}
		}
		if (strcmp(o->keyword, "passfile") == 0 && in_memory)
			continue; /* the password is known: ours replaces it */
		env_set(&v, o->envvar, o->val);
	}
	if (opts)
		PQconninfoFree(opts);
	if (!v)
		strv_push(&v, "PATH=/usr/bin:/bin");
	return v;
}

/* The memfd of envp's password file, -1 when none. */
static int pgtools_env_passfd(char *const *envp)
{
	for (size_t i = 0; envp && envp[i]; i++)
		if (starts_with(envp[i], "PGPASSFILE=/proc/self/fd/"))
			return atoi(envp[i] + strlen("PGPASSFILE=/proc/self/fd/"));
	return -1;
}

void pgtools_env_free(char **envp)
{
	int fd = pgtools_env_passfd(envp);
	if (fd > 2)
		close(fd);
	for (size_t i = 0; envp && envp[i]; i++)
		explicit_bzero(envp[i], strlen(envp[i]));
	strv_free(envp);
}

/* Start argv with the given fds as its stdin/stdout/stderr (-1: /dev/null).
 * The fds are the caller's; the child gets duplicates. */
static int pgtools_spawn(char *const *argv, char *const *envp, int in_fd, int out_fd, int err_fd, pid_t *pid,
			 struct err *e)
{
	/* recorded with the run before it runs (lib/proc.h), in its own process
	 * group: a stop ends it and whatever it started (pg_dump -j's workers, a
	 * wrapper's children) at once, and recovery ends the recorded group */
	pid_t p = proc_fork(argv[0], 1);
	if (p < 0)
		return err_set(e, SC_EFAIL, "cannot start '%s': %s", argv[0], strerror(errno));
	if (p == 0) {
		int null_fd = open("/dev/null", O_RDWR);
		int fds[3] = { in_fd, out_fd, err_fd };
		for (int i = 0; i < 3; i++) {
			int src = fds[i] >= 0 ? fds[i] : null_fd;
			if (src != i && dup2(src, i) < 0)
				_exit(127);
			if (src == i)
				fcntl(i, F_SETFD, 0);
		}
		signal(SIGPIPE, SIG_DFL);
		/* everything but the password file (pgtools_env) */
		int passfd = pgtools_env_passfd(envp);
		if (passfd > 2) {
			closefrom(passfd + 1);
			for (int fd = 3; fd < passfd; fd++)
				close(fd);
			fcntl(passfd, F_SETFD, 0);
		} else {
			closefrom(3);
		}
		execvpe(argv[0], argv, envp);
		/* the parent recognises this line (exit status 127) */
		const char *msg = strerror(errno);
		if (write(2, "exec: ", 6) < 0 || write(2, msg, strlen(msg)) < 0 || write(2, "\n", 1) < 0)
			_exit(127);
		_exit(127);
	}
	*pid = p;
	return 0;
}

struct pgtools_child {
	pid_t pid;
	int err_fd;          /* read end of its stderr pipe, -1 when closed */
	struct buf *errout;  /* may be NULL */
	int status;
	int done;
};

static void pgtools_keep(struct buf *b, const char *data, size_t n)
{
	if (!b || b->len >= PGTOOLS_ERR_KEEP)
		return;
	if (n > PGTOOLS_ERR_KEEP - b->len)
		n = PGTOOLS_ERR_KEEP - b->len;
	buf_add(b, data, n);
}

/* What to do with a child's stdout, besides stderr: keep it in buf, or
 * hand each chunk to write (a nonzero return stops the children with the
 * code it put in e); tick is called about every 200 ms (nonzero: stop). */
struct pgtools_feed;
struct pgtools_io {
	int out_fd; /* read end of the stdout pipe, -1: none */
	struct buf *out;
	int (*write)(void *arg, const char *data, size_t n, struct err *e);
	int (*tick)(void *arg, struct err *e);
	void *arg;
	struct pgtools_feed *feed; /* a child's stdin we write, NULL: none */
};

/* What pgtools_wait writes into a child's stdin: head, then the bytes of
 * file src from off to end, moved by splice (they never pass through our
 * memory).  fd is the pipe's write end, non-blocking; pgtools_wait closes
 * it when everything is written or the child is gone. */
struct pgtools_feed {
	int fd;
	const unsigned char *head;
	size_t head_len, head_off;
	int src;
	off_t off, end;
	int no_splice;
};

/* Write what the pipe takes now: 0, 1 when everything is written, -1 when
 * the reader is gone (its exit status says why) or the file cannot be read
 * (errno). */
static int pgtools_feed_some(struct pgtools_feed *f)
{
	while (f->head_off < f->head_len) {
		ssize_t w = write(f->fd, f->head + f->head_off, f->head_len - f->head_off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno == EAGAIN ? 0 : -1;
		f->head_off += (size_t)w;
	}
	while (f->off < f->end) {
		size_t want = (size_t)(f->end - f->off) < (size_t)1 << 20 ? (size_t)(f->end - f->off) : (size_t)1 << 20;
		ssize_t w;
		if (!f->no_splice) {
			w = splice(f->src, &f->off, f->fd, NULL, want, SPLICE_F_NONBLOCK | SPLICE_F_MORE);
			if (w < 0 && errno == EINVAL) {
				f->no_splice = 1; /* a file system without splice: read and write */
				continue;
			}
		} else {
			char chunk[65536];
			ssize_t r = pread(f->src, chunk, want < sizeof chunk ? want : sizeof chunk, f->off);
			if (r <= 0) {
				w = r;
			} else {
				w = write(f->fd, chunk, (size_t)r);
				if (w > 0)
					f->off += w; /* what the pipe did not take is read again */
			}
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno == EAGAIN ? 0 : -1;
		if (w == 0) {
			errno = EIO; /* the file is shorter than when it was read */
			return -1;
		}
	}
	return 1;
}

/* How long a child stopped with SIGTERM gets before SIGKILL: a stop must
 * end pg_dump or pg_restore within a second, also one that ignores SIGTERM
 * or waits for a server that does not answer its cancel request. */
#define PGTOOLS_TERM_GRACE_MS 500

/* Stop the children still running: SIGTERM to their process groups, then
 * SIGKILL after the grace period; reaps them all. */
static void pgtools_stop(struct pgtools_child *ch, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!ch[i].done) {
			kill(-ch[i].pid, SIGTERM);
			kill(ch[i].pid, SIGTERM);
		}
	long long kill_at = time_mono_ms() + PGTOOLS_TERM_GRACE_MS;
	int killed = 0;
	for (;;) {
		int left = 0;
		for (size_t i = 0; i < n; i++) {
			if (ch[i].done)
				continue;
			int st;
			pid_t w = waitpid(ch[i].pid, &st, killed ? 0 : WNOHANG);
			if (w == ch[i].pid || (w < 0 && errno != EINTR)) {
				ch[i].done = 1;
				ch[i].status = w == ch[i].pid && WIFEXITED(st) ? WEXITSTATUS(st) : 128 + SIGTERM;
				/* nothing of its group outlives it */
				kill(-ch[i].pid, SIGKILL);
			} else {
				left++;
			}
		}
		if (!left)
			break;
		if (!killed && time_mono_ms() >= kill_at) {
			for (size_t i = 0; i < n; i++)
				if (!ch[i].done) {
					kill(-ch[i].pid, SIGKILL);
					kill(ch[i].pid, SIGKILL);
				}
			killed = 1;
			continue;
		}
		if (!killed)
			poll(NULL, 0, 20);
	}
}

/* Wait for every child, draining their stderr and io's stdout pipe,
 * calling io->tick about every 200 ms. */
static int pgtools_wait(struct pgtools_child *ch, size_t n, struct pgtools_io *io, struct err *e)
{
	long long last_tick = time_mono_ms();
	int rc = 0;
	int out_fd = io->out_fd;
	size_t chunk_size = 256 * 1024;
	char *chunk = xmalloc(chunk_size);
	for (;;) {
		struct pollfd pfd[5];
		int which[5];
		nfds_t np = 0;
		for (size_t i = 0; i < n && np < 3; i++)
			if (ch[i].err_fd >= 0) {
				pfd[np].fd = ch[i].err_fd;
				pfd[np].events = POLLIN;
				which[np++] = (int)i;
			}
		if (out_fd >= 0) {
			pfd[np].fd = out_fd;
			pfd[np].events = POLLIN;
			which[np++] = -1;
		}
		if (io->feed && io->feed->fd >= 0) {
			pfd[np].fd = io->feed->fd;
			pfd[np].events = POLLOUT;
			which[np++] = -2;
		}
		int all_done = 1;
		for (size_t i = 0; i < n; i++) {
			if (ch[i].done)
				continue;
			int st;
			pid_t w = waitpid(ch[i].pid, &st, WNOHANG);
			if (w == ch[i].pid) {
				ch[i].done = 1;
				ch[i].status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			} else {
				all_done = 0;
			}
		}
		if (all_done && io->feed && io->feed->fd >= 0) {
			/* nobody reads it any more */
			close(io->feed->fd);
			io->feed->fd = -1;
			continue;
		}
		if (all_done && np == 0)
			break;
		int pr = poll(pfd, np, np ? 200 : 50);
		if (pr < 0 && errno != EINTR) {
			rc = err_set(e, SC_EFAIL, "poll: %s", strerror(errno));
			break;
		}
		for (nfds_t k = 0; pr > 0 && k < np && rc == 0; k++) {
			if (!(pfd[k].revents & (POLLIN | POLLOUT | POLLHUP | POLLERR)))
				continue;
			if (which[k] == -2) {
				int f = pgtools_feed_some(io->feed);
				if (f < 0 && errno != EPIPE)
					rc = err_set(e, SC_EFAIL, "cannot read the backup while restoring it: %s",
						     strerror(errno));
				if (f != 0) {
					/* all written, or the reader is gone: its exit status tells */
					close(io->feed->fd);
					io->feed->fd = -1;
				}
				continue;
			}
			ssize_t r = read(pfd[k].fd, chunk, which[k] < 0 ? chunk_size : 65536);
			if (r < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (r <= 0) {
				close(pfd[k].fd);
				if (which[k] < 0)
					out_fd = -1;
				else
					ch[which[k]].err_fd = -1;
				continue;
			}
			if (which[k] >= 0)
				pgtools_keep(ch[which[k]].errout, chunk, (size_t)r);
			else if (io->write)
				rc = io->write(io->arg, chunk, (size_t)r, e) != 0 ? -(e->code ? e->code : SC_EFAIL) : 0;
			else if (io->out)
				buf_add(io->out, chunk, (size_t)r);
		}
		if (rc < 0)
			break;
		/* a stop request is seen within one poll timeout, whatever the output */
		if (io->tick && time_mono_ms() - last_tick >= 200) {
			last_tick = time_mono_ms();
			if (io->tick(io->arg, e) != 0) {
				rc = -(e->code ? e->code : SC_EFAIL);
				break;
			}
		}
	}
	free(chunk);
	if (rc < 0)
		pgtools_stop(ch, n);
	for (size_t i = 0; i < n; i++)
		if (ch[i].err_fd >= 0) {
			close(ch[i].err_fd);
			ch[i].err_fd = -1;
		}
	if (out_fd >= 0)
		close(out_fd);
	if (io->feed && io->feed->fd >= 0) {
		close(io->feed->fd);
		io->feed->fd = -1;
	}
	return rc;
}

/* pgtools_run with io: stdout to out_fd when >= 0, else through a pipe to
 * io->write or io->out (neither: /dev/null). */
static int pgtools_run_io(char *const *argv, char *const *envp, int in_fd, int out_fd, struct pgtools_io *io,
			  struct buf *errout, int *status, struct err *e)
{
	int errp[2], outp[2] = { -1, -1 };
	if (pipe2(errp, O_CLOEXEC) < 0)
		return err_set(e, SC_EFAIL, "cannot create a pipe: %s", strerror(errno));
	if (out_fd < 0 && (io->out || io->write)) {
		if (pipe2(outp, O_CLOEXEC) < 0) {
			close(errp[0]);
			close(errp[1]);
			return err_set(e, SC_EFAIL, "cannot create a pipe: %s", strerror(errno));
		}
		/* fewer, larger reads for a dump streamed through us (best effort) */
		if (io->write)
			fcntl(outp[1], F_SETPIPE_SZ, 1024 * 1024);
	}
	struct pgtools_child ch = { 0, errp[0], errout, 0, 0 };
	int rc = pgtools_spawn(argv, envp, in_fd, out_fd >= 0 ? out_fd : outp[1], errp[1], &ch.pid, e);
	close(errp[1]);
	if (outp[1] >= 0)
		close(outp[1]);
	if (rc < 0) {
		close(errp[0]);
		if (outp[0] >= 0)
			close(outp[0]);
		return rc;
	}
	io->out_fd = outp[0];
	rc = pgtools_wait(&ch, 1, io, e);
	*status = ch.status;
	if (rc == 0 && ch.status == 127 && errout && starts_with(buf_str(errout), "exec: ")) {
		char *why = xstrdup(buf_str(errout) + 6);
		why[strcspn(why, "\n")] = '\0';
		rc = err_set(e, SC_EUSAGE, "cannot run '%s': %s", argv[0], why);
		free(why);
	}
	return rc;
}

int pgtools_run(char *const *argv, char *const *envp, int in_fd, int out_fd, struct buf *out,
		struct buf *errout, int (*tick)(void *arg, struct err *e), void *arg, int *status, struct err *e)
{
	struct pgtools_io io = { -1, out, NULL, tick, arg, NULL };
	return pgtools_run_io(argv, envp, in_fd, out_fd, &io, errout, status, e);
}

const char *pgtools_first_error(struct buf *b)
{
	if (!b || !b->len)
		return "";
	char *s = b->data;
	/* prefer the first line saying error/fatal; else the first line */
	char *line = s;
	for (char *p = s; *p;) {
		char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (memmem(p, len, "ERROR", 5) || memmem(p, len, "error:", 6) || memmem(p, len, "FATAL", 5)) {
			line = p;
			break;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	line[strcspn(line, "\n")] = '\0';
	size_t l = strlen(line);
	while (l && (line[l - 1] == '\r' || line[l - 1] == ' '))
		line[--l] = '\0';
	return line;
}

int pgtools_client_version(const char *bin, int *major, char **text, struct err *e)
{
	char *argv[] = { (char *)bin, "--version", NULL };
	struct buf out = BUF_INIT, errb = BUF_INIT;
	int status = 0;
	char **envp = pgtools_env(NULL, NULL); /* without the variables that hold secrets */
	int rc = pgtools_run(argv, envp, -1, -1, &out, &errb, NULL, NULL, &status, e);
	pgtools_env_free(envp);
	if (rc == 0 && status != 0)
		rc = err_set(e, SC_EUSAGE, "cannot run '%s': exit status %d %s", bin, status,
			     pgtools_first_error(&errb));
	if (rc == 0) {
		const char *s = buf_str(&out);
		const char *v = strstr(s, "PostgreSQL) ");
		v = v ? v + strlen("PostgreSQL) ") : strpbrk(s, "0123456789");
		if (!v || *v < '0' || *v > '9') {
			rc = err_set(e, SC_EUSAGE, "cannot tell the version of '%s' from '%s'", bin, s);
		} else {
			*major = (int)strtol(v, NULL, 10);
			if (text)
				*text = xstrndup(v, strcspn(v, " \n"));
		}
	}
	buf_release(&out);
	buf_release(&errb);
	return rc;
}

/* pgtools_check_version, with bin's version text in *text (the caller's). */
static int pgtools_version_ok(const char *bin, PGconn *db, char **text, struct err *e)
{
	int major = 0;
	*text = NULL;
	int rc = pgtools_client_version(bin, &major, text, e);
	if (rc < 0)
		return rc;
	int sv = PQserverVersion(db);
	int smajor = sv >= 100000 ? sv / 10000 : sv / 100;
	const char *stext = PQparameterStatus(db, "server_version");
	if (major < smajor) {
		rc = err_set(e, SC_EUSAGE,
			     "'%s' is version %s, older than the server (PostgreSQL %.*s): install a client of version %d "
			     "or newer, or set the step's 'pg_dump' key to one",
			     bin, *text, stext ? (int)strcspn(stext, " ") : 1, stext ? stext : "?", smajor);
	}
	return rc;
}

int pgtools_check_version(const char *bin, PGconn *db, struct err *e)
{
	char *text = NULL;
	int rc = pgtools_version_ok(bin, db, &text, e);
	free(text);
	return rc;
}

/* The tick of the short runs (pg_restore --list...): a stop request ends
 * them too. */
struct stop_tick {
	struct run *run;
};

static int stop_tick(void *arg, struct err *e)
{
	struct stop_tick *t = arg;
	if (t->run && run_should_stop(t->run))
		return err_set(e, SC_EFAIL, "interrupted");
	return 0;
}

void pgtools_human_size(long long bytes, char *out, size_t outlen)
{
	const char *unit[] = { "B", "kB", "MB", "GB", "TB" };
	double v = (double)bytes;
	int u = 0;
	while (v >= 1000.0 && u < 4) {
		v /= 1000.0;
		u++;
	}
	if (u == 0)
		snprintf(out, outlen, "%lld B", bytes);
	else
		snprintf(out, outlen, "%.1f %s", v, unit[u]);
}

int pgtools_list_line_is_schema(const char *line, const char *schema)
{
	/* "6; 2615 16386 SCHEMA - stagecoach owner", "3362; 0 0 COMMENT - SCHEMA stagecoach owner" */
	const char *p = line;
	if (*p < '0' || *p > '9')
		return 0;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p++ != ';')
		return 0;
	for (int field = 0; field < 2; field++) {
		while (*p == ' ')
			p++;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	while (*p == ' ')
		p++;
	size_t sl = strlen(schema);
	if (starts_with(p, "SCHEMA - ") && strncmp(p + 9, schema, sl) == 0 && (p[9 + sl] == ' ' || !p[9 + sl] ||
									   p[9 + sl] == '\n'))
		return 1;
	const char *kinds[] = { "COMMENT - SCHEMA ", "ACL - SCHEMA ", "SECURITY LABEL - SCHEMA ", NULL };
	for (int i = 0; kinds[i]; i++) {
		size_t kl = strlen(kinds[i]);
		if (strncmp(p, kinds[i], kl) == 0 && strncmp(p + kl, schema, sl) == 0 &&
		    (p[kl + sl] == ' ' || !p[kl + sl] || p[kl + sl] == '\n'))
			return 1;
	}
	return 0;
}

/* ---- backup ---- */

static int pgtools_mkdir_p(const char *dir, struct err *e)
{
	char *p = xstrdup(dir);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST) {
			int r = err_set(e, SC_EFAIL, "cannot create folder '%s': %s", p, strerror(errno));
			free(p);
			return r;
		}
		*s = '/';
	}
	int r = 0;
	if (mkdir(p, 0700) < 0 && errno != EEXIST)
		r = err_set(e, SC_EFAIL, "cannot create folder '%s': %s", p, strerror(errno));
	free(p);
	return r;
}

/* A directory backup's manifest: one line "SHA256 SIZE NAME" per file,
 * sorted by name (pg_dump -Fd writes a flat folder: toc.dat, one data
 * file per table, large objects).  Its sha256 is the backup's sha256. */
static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **dir_files(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return NULL;
	char **v = NULL;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			strv_push(&v, de->d_name);
	closedir(d);
	if (!v)
		v = xcalloc(1, sizeof *v);
	qsort(v, strv_len(v), sizeof *v, name_cmp);
	return v;
}

int pgtools_dir_manifest(const char *dir, struct buf *manifest, char sha[65])
{
	char **files = dir_files(dir);
	if (!files)
		return -1;
	int rc = 0;
	for (size_t i = 0; files[i] && rc == 0; i++) {
		char *p = path_join(dir, files[i]);
		struct stat sb;
		char h[65];
		if (lstat(p, &sb) < 0)
			rc = -1;
		else if (!S_ISREG(sb.st_mode))
			buf_addf(manifest, "- %lld %s\n", (long long)sb.st_size, files[i]); /* never matches a record */
		else if (sha256_file_hex(p, h) < 0)
			rc = -1;
		else
			buf_addf(manifest, "%s %lld %s\n", h, (long long)sb.st_size, files[i]);
		free(p);
	}
	strv_free(files);
	if (rc == 0)
		sha256_hex(manifest->data ? manifest->data : "", manifest->len, sha);
	return rc;
}

/* Remove a flat folder (a directory backup, a restore's view of one) and
 * its files; nothing below it is followed. */
static void rm_flat(const char *dir)
{
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *de;
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
				unlinkat(dirfd(d), de->d_name, 0);
		closedir(d);
	}
	rmdir(dir);
}

struct backup_tick {
	struct run *run;
	int fd;                /* the temporary dump: pg_dump's output goes there through us */
	const char *tmp;       /* its name, for messages */
	struct sha256 sha;     /* of every byte written, as it is written */
	long long written, last_size;
	long long deadline_ms; /* monotonic; 0: none */
};

/* pg_dump's output, a chunk at a time: into the file and the hash, so the
 * dump is read once, as it is made. */
static int backup_write(void *arg, const char *data, size_t n, struct err *e)
{
	struct backup_tick *t = arg;
	sha256_update(&t->sha, data, n);
	t->written += (long long)n;
	while (n) {
		ssize_t w = write(t->fd, data, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return err_set(e, SC_EFAIL, "cannot write '%s': %s", t->tmp, w < 0 ? strerror(errno) : "no space");
		data += w;
		n -= (size_t)w;
	}
	return 0;
}

/* A backup's progress ("N MB written" when size moved since *last), then
 * a stop or the step's deadline ends it: both ticks, file and folder. */
static int dump_tick(struct run *run, long long size, long long *last, long long deadline_ms, struct err *e)
{
	if (size != *last) {
		char h[32];
		*last = size;
		pgtools_human_size(size, h, sizeof h);
		run_progress(run, "%s written", h);
	}
	if (run_should_stop(run))
		return err_set(e, SC_EFAIL, "interrupted");
	if (deadline_ms && time_mono_ms() > deadline_ms)
		return err_set(e, SC_EFAIL, "timed out (timeout_ms)");
	return 0;
}

static int backup_tick(void *arg, struct err *e)
{
	struct backup_tick *t = arg;
	return dump_tick(t->run, t->written, &t->last_size, t->deadline_ms, e);
}

static long long step_deadline(struct run *run)
{
	if (run->cur && run->cur->step && run->cur->step->timeout_ms > 0)
		return time_mono_ms() + run->cur->step->timeout_ms;
	return 0;
}

struct dump_file {
	char *name;
	long long mtime_ns;
};

static int dump_file_cmp(const void *a, const void *b)
{
	const struct dump_file *x = a, *y = b;
	if (x->mtime_ns != y->mtime_ns)
		return x->mtime_ns > y->mtime_ns ? -1 : 1;
	return -strcmp(x->name, y->name);
}

/* Whether name is one of env's dumps (ENV-RUNID.dump, or the folder
 * ENV-RUNID.dumpdir), not another environment's whose name starts with
 * "ENV-". */
static int backup_is_env_dump(struct run *run, const char *name, const char *env)
{
	size_t el = strlen(env);
	if (strncmp(name, env, el) != 0 || name[el] != '-' || (!ends_with(name, ".dump") && !ends_with(name, ".dumpdir")))
		return 0;
	if (strstr(name, ".pre-restore.dump"))
		return 0; /* safety backups are removed by hand only */
	/* run ids start with the date: "staging-eu-..." is not staging's */
	if (name[el + 1] < '0' || name[el + 1] > '9')
		return 0;
	for (size_t i = 0; run->cfg && i < run->cfg->nenvs; i++) {
		const char *other = run->cfg->envs[i].name;
		size_t ol = strlen(other);
		if (ol > el && strncmp(other, env, el) == 0 && other[el] == '-' && strncmp(name, other, ol) == 0 &&
		    name[ol] == '-')
			return 0;
	}
	return 1;
}

/* A dump being written (NAME.tmp, a file or pg_dump -Fd's folder) is held
 * with flock() by the run writing it, for as long as it writes: one that
 * nobody holds was left by a run killed with -9 (or a machine that
 * stopped) and is removed by the next backup of the same environment,
 * whichever run that is.  A live writer's is left alone (its lock), so is
 * another environment's. */
static int tmp_hold(const char *tmp)
{
	int fd = open(tmp, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void backup_sweep_tmp(struct run *run, const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	char **stale = NULL;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (n < 5 || strcmp(de->d_name + n - 4, ".tmp") != 0)
			continue;
		char *name = xstrndup(de->d_name, n - 4);
		char *pre = strstr(name, ".pre-restore.dump");
		if (pre && strcmp(pre, ".pre-restore.dump") == 0)
			memcpy(pre, ".dump", sizeof ".dump"); /* a safety backup's: the same name checks */
		if (backup_is_env_dump(run, name, run->env->name))
			strv_push(&stale, de->d_name);
		free(name);
	}
	closedir(d);
	for (size_t i = 0; stale && stale[i]; i++) {
		char *p = path_join(dir, stale[i]);
		int fd = tmp_hold(p);
		if (fd >= 0) {
			struct stat sb;
			int gone;
			if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
				rm_flat(p);
				gone = rmdir(p) == 0 || errno == ENOENT;
			} else {
				gone = unlink(p) == 0;
			}
			int why = errno;
			close(fd);
			if (!gone)
				run_warn(run, "cannot remove '%s', left by a backup that was stopped: %s", p, strerror(why));
			else
				run_warn(run, "removed '%s', left by a backup that was stopped", p);
		}
		free(p);
	}
	strv_free(stale);
}

/* The backups a rollback still reachable needs: those of runs not rolled
 * back whose migrate step restores its backup (rollback = "restore", a
 * migration without down, a no-transaction migration run in part). */
static char **backup_needed(struct run *run)
{
	char **v = NULL;
	if (!run->state || !run->state->conn)
		return NULL;
	struct err e = ERR_INIT;
	const char *p[1] = { run->env->name };
	PGresult *res = state_query(
		run->state,
		"SELECT b.detail->>'path' FROM stagecoach.run_steps b JOIN stagecoach.runs r ON r.id = b.run_id "
		"WHERE r.env = $1 AND b.kind = 'pg_backup' AND b.detail ? 'path' AND r.command IN ('deploy', 'promote') "
		"AND r.status IN ('succeeded', 'failed', 'running', 'rollback_failed') AND EXISTS ("
		"SELECT 1 FROM stagecoach.run_steps m WHERE m.run_id = r.id AND m.kind = 'migrate' AND ("
		"m.detail->>'rollback' = 'restore' OR m.detail ? 'partial' OR EXISTS (SELECT 1 FROM "
		"jsonb_array_elements(CASE WHEN jsonb_typeof(m.detail->'applied') = 'array' THEN m.detail->'applied' "
		"ELSE '[]'::jsonb END) a WHERE a->>'down' IS DISTINCT FROM 'true')))",
		1, p, &e);
	if (!res) {
		run_warn(run, "cannot tell which backups a rollback needs, none is pruned: %s", e.msg);
		strv_push(&v, "*");
		return v;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		const char *path = PQgetvalue(res, i, 0);
		const char *slash = strrchr(path, '/');
		strv_push(&v, slash ? slash + 1 : path);
	}
	PQclear(res);
	return v;
}

static void backup_prune(struct run *run, const char *dir, int keep, json_t *pruned)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	char **needed = backup_needed(run);
	struct dump_file *files = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!backup_is_env_dump(run, de->d_name, run->env->name))
			continue;
		char *p = path_join(dir, de->d_name);
		struct stat sb;
		if (lstat(p, &sb) == 0 && (S_ISREG(sb.st_mode) || (S_ISDIR(sb.st_mode) && ends_with(de->d_name, ".dumpdir")))) {
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				files = xrealloc(files, cap * sizeof *files);
			}
			files[n].name = xstrdup(de->d_name);
			files[n].mtime_ns = (long long)sb.st_mtim.tv_sec * 1000000000LL + sb.st_mtim.tv_nsec;
			n++;
		}
		free(p);
	}
	closedir(d);
	if (n)
		qsort(files, n, sizeof *files, dump_file_cmp);
	for (size_t i = 0; i < n; i++) {
		if ((int)i < keep) {
			/* the newest `keep` */
		} else if (strv_contains(needed, files[i].name) || strv_contains(needed, "*")) {
			run_log(run, "kept %s beyond keep = %d: a rollback still reachable restores it", files[i].name, keep);
		} else {
			char *p = path_join(dir, files[i].name);
			struct stat sb;
			if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
				rm_flat(p);
			if (access(p, F_OK) != 0 || unlink(p) == 0)
				json_array_append_new(pruned, json_string(files[i].name));
			else
				run_warn(run, "cannot remove old backup '%s': %s", p, strerror(errno));
			free(p);
		}
		free(files[i].name);
	}
	free(files);
	strv_free(needed);
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int r = fsync(fd);
	close(fd);
	return r;
}

/* A pg_dump pattern matching exactly name (quoted, quotes doubled). */
static char *backup_pattern(const char *name)
{
	struct buf b = BUF_INIT;
	buf_addc(&b, '"');
	for (const char *p = name; *p; p++) {
		if (*p == '"')
			buf_addc(&b, '"');
		buf_addc(&b, *p);
	}
	buf_addc(&b, '"');
	return buf_detach(&b);
}

/* pg_dump's selection for the schemas in scope: -n for each, and for
 * schema stagecoach (its migration history comes back with a restore), -e
 * for the extensions living in them, -b when the role owns large objects.
 * Fills *scope (schemas without stagecoach). */
static int backup_selection(PGconn *db, char *const *configured, char ***args, char ***scope, struct err *e)
{
	char **exts = NULL;
	*args = NULL;
	if (pgscope_schemas(db, configured, scope, e) < 0)
		return -SC_EFAIL;
	if (pgscope_extensions(db, *scope, &exts, e) < 0)
		return -SC_EFAIL;
	for (size_t i = 0; (*scope)[i]; i++) {
		char *pat = backup_pattern((*scope)[i]);
		strv_push(args, "--schema");
		strv_push(args, pat);
		free(pat);
	}
	PGresult *res = PQexec(db, "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'stagecoach'), "
				   "EXISTS (SELECT 1 FROM pg_catalog.pg_largeobject_metadata "
				   "WHERE pg_catalog.pg_has_role(current_user, lomowner, 'USAGE'))");
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
		if (PQgetvalue(res, 0, 0)[0] == 't') {
			strv_push(args, "--schema");
			strv_push(args, "stagecoach");
		}
		if (PQgetvalue(res, 0, 1)[0] == 't')
			strv_push(args, "--large-objects");
	}
	PQclear(res);
	for (size_t i = 0; exts && exts[i]; i++) {
		char *pat = backup_pattern(exts[i]);
		strv_push(args, "--extension");
		strv_push(args, pat);
		free(pat);
	}
	strv_free(exts);
	if (!*args) {
		/* nothing in scope and no records: an empty selection, not everything */
		strv_push(args, "--schema");
		strv_push(args, "\"stagecoach\"");
	}
	return 0;
}

static json_t *backup_strv_json(char *const *v)
{
	json_t *a = json_array();
	for (size_t i = 0; v && v[i]; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static int backup_take(struct run *run, PGconn *db, const char *dir, const char *file, int keep, const char *pg_dump,
		       char *const *schemas, int verify_full, int jobs, json_t *detail, int record, struct err *e);

int pgtools_backup(struct run *run, PGconn *db, const char *dir, int keep, const char *pg_dump, char *const *schemas,
		   int verify_full, int jobs, json_t *detail, struct err *e)
{
	char *file = xasprintf("%s-%s.%s", run->env->name, run->run_id, jobs ? "dumpdir" : "dump");
	int rc = backup_take(run, db, dir, file, keep, pg_dump, schemas, verify_full, jobs, detail, 1, e);
	free(file);
	return rc;
}

int pgtools_safety_backup(struct run *run, PGconn *db, const char *dir, const char *pg_dump, char *const *schemas,
			  char **path, struct err *e)
{
	char *file = xasprintf("%s-%s.pre-restore.dump", run->env->name, run->run_id);
	char *p = path_join(dir, file);
	int rc = 0;
	*path = NULL;
	if (access(p, F_OK) == 0) {
		/* one per run: the state before its first restore */
		*path = p;
		free(file);
		return 0;
	}
	json_t *d = json_object();
	run_log(run, "safety backup before the restore: %s", p);
	rc = backup_take(run, db, dir, file, 0, pg_dump, schemas, 0, 0, d, 0, e);
	if (rc < 0)
		err_prefix(e, "safety backup before the restore failed, nothing was restored");
	else
		*path = xstrdup(json_string_value(json_object_get(d, "path")));
	json_decref(d);
	free(p);
	free(file);
	return rc;
}

struct dir_tick {
	struct run *run;
	const char *tmp;
	long long last_size, last_ms, deadline_ms;
};

/* Progress of pg_dump -Fd: the folder's size, once a second. */
static int dir_tick(void *arg, struct err *e)
{
	struct dir_tick *t = arg;
	long long size = t->last_size;
	if (time_mono_ms() - t->last_ms >= 1000) {
		t->last_ms = time_mono_ms();
		size = 0;
		char **files = dir_files(t->tmp);
		for (size_t i = 0; files && files[i]; i++) {
			struct stat sb;
			char *p = path_join(t->tmp, files[i]);
			if (stat(p, &sb) == 0)
				size += (long long)sb.st_size;
			free(p);
		}
		strv_free(files);
	}
	return dump_tick(t->run, size, &t->last_size, t->deadline_ms, e);
}

/* pg_dump -Fd -j N into the folder tmp (pg_dump fsyncs its files), the
 * manifest of its files and their sha256, then tmp renamed to path.  On
 * failure nothing is left. */
static int backup_take_dir(struct run *run, char **argv, char **envp, const char *tmp, const char *path,
			   const char *dir, struct buf *manifest, char sha[65], struct buf *errb, struct err *e)
{
	struct dir_tick t = { run, tmp, -1, 0, step_deadline(run) };
	struct pgtools_io io = { -1, NULL, NULL, dir_tick, &t, NULL };
	int status = 0;
	int rc = pgtools_run_io(argv, envp, -1, -1, &io, errb, &status, e);
	if (rc == 0 && status != 0)
		rc = err_set(e, SC_EFAIL, "pg_dump failed (exit status %d): %s", status, pgtools_first_error(errb));
	if (rc == 0 && chmod(tmp, 0700) < 0)
		rc = err_set(e, SC_EFAIL, "cannot change the mode of '%s': %s", tmp, strerror(errno));
	if (rc == 0 && pgtools_dir_manifest(tmp, manifest, sha) < 0)
		rc = err_set(e, SC_EFAIL, "cannot read '%s': %s", tmp, strerror(errno));
	if (rc == 0 && rename(tmp, path) < 0)
		rc = err_set(e, SC_EFAIL, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
	if (rc < 0) {
		rm_flat(tmp);
		return rc;
	}
	fsync_dir(dir);
	return 0;
}

/* jobs: 0 for a custom-format file, N for a directory-format folder written
 * by pg_dump -j N. */
static int backup_take(struct run *run, PGconn *db, const char *dir, const char *file_name, int keep,
		       const char *pg_dump, char *const *schemas, int verify_full, int jobs, json_t *detail, int record,
		       struct err *e)
{
	char *bin = pgtools_find(pg_dump, "pg_dump");
	char *restore_bin = pgtools_find(pg_dump, "pg_restore");
	char *file = xstrdup(file_name);
	char *path = path_join(dir, file);
	char **sel = NULL, **scope = NULL;
	char *tmp = xasprintf("%s.tmp", path);
	char **envp = NULL, **base = NULL;
	json_t *base_counters = NULL;
	struct buf errb = BUF_INIT, list = BUF_INIT, manifest = BUF_INIT;
	char *client_v = NULL;
	int fd = -1, hold = -1, rc, status = 0;
	struct stop_tick st = { run };
	char sha[65];

	if ((rc = pgtools_version_ok(bin, db, &client_v, e)) < 0)
		goto out;
	if ((rc = pgtools_mkdir_p(dir, e)) < 0)
		goto out;
	backup_sweep_tmp(run, dir);
	if (jobs) {
		/* pg_dump -Fd writes into an empty folder that exists; ours, held
		 * while it writes (backup_sweep_tmp) */
		rm_flat(tmp);
		if (mkdir(tmp, 0700) == 0)
			hold = tmp_hold(tmp);
	} else {
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd >= 0)
			hold = flock(fd, LOCK_EX | LOCK_NB) == 0 ? fd : -1;
	}
	if (hold < 0) {
		rc = err_set(e, SC_EFAIL, "cannot create '%s': %s", tmp,
			     errno == EWOULDBLOCK ? "another process holds it" : strerror(errno));
		goto out;
	}
	if (fd >= 0)
		fchmod(fd, 0600);
	base = run_child_env(run);
	envp = pgtools_env(db, base);
	/* the counters first: a write between them and pg_dump's snapshot is
	 * counted though the dump holds it (counted too often, never missed) */
	if ((rc = backup_selection(db, schemas, &sel, &scope, e)) < 0 ||
	    (rc = pgscope_snapshot(db, scope, &base_counters, e)) < 0)
		goto out;
	char **argv = NULL;
	strv_push(&argv, bin);
	strv_push(&argv, jobs ? "--format=directory" : "--format=custom");
	strv_push(&argv, "--no-password");
	if (jobs) {
		char *j = xasprintf("--jobs=%d", jobs);
		strv_push(&argv, j);
		free(j);
		strv_push(&argv, "--file");
		strv_push(&argv, tmp);
	}
	for (size_t i = 0; sel[i]; i++)
		strv_push(&argv, sel[i]);
	if (jobs) {
		rc = backup_take_dir(run, argv, envp, tmp, path, dir, &manifest, sha, &errb, e);
		strv_free(argv);
		if (rc < 0)
			goto out;
		goto written;
	}
	/* One pass: pg_dump writes into a pipe, and each chunk goes into the
	 * file and the sha256 at once; no second read of the dump.  (Written
	 * to a pipe, a custom-format dump has no data offsets in its table of
	 * contents: pg_restore reads its data in order, which is what a
	 * restore in one transaction does anyway.) */
	struct backup_tick t;
	memset(&t, 0, sizeof t);
	t.run = run;
	t.fd = fd;
	t.tmp = tmp;
	t.last_size = -1;
	t.deadline_ms = step_deadline(run);
	sha256_init(&t.sha);
	struct pgtools_io io = { -1, NULL, backup_write, backup_tick, &t, NULL };
	rc = pgtools_run_io(argv, envp, -1, -1, &io, &errb, &status, e);
	strv_free(argv);
	if (rc == 0 && status != 0)
		rc = err_set(e, SC_EFAIL, "pg_dump failed (exit status %d): %s", status, pgtools_first_error(&errb));
	if (rc == 0 && fsync(fd) < 0)
		rc = err_set(e, SC_EFAIL, "cannot write '%s': %s", tmp, strerror(errno));
	if (close(fd) < 0 && rc == 0)
		rc = err_set(e, SC_EFAIL, "cannot write '%s': %s", tmp, strerror(errno));
	fd = -1;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = err_set(e, SC_EFAIL, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
	if (rc < 0) {
		unlink(tmp);
		goto out;
	}
	fsync_dir(dir);
	backup_tick(&t, e);
	unsigned char digest[32];
	sha256_final(&t.sha, digest);
	sha256_to_hex(digest, sha);
written:
	{
		/* the artifact names the file by its real path: what restore looks up */
		char *real = realpath(path, NULL);
		if (real) {
			free(path);
			path = real;
		}
	}
	/* The file must be readable by the program that will restore it:
	 * `pg_restore --list` reads its header and table of contents only (a
	 * few kB, whatever the dump's size).  verify = "full" reads it all
	 * back: the sha256 of what is on disk, and every data block through
	 * pg_restore. */
	char *largv[] = { restore_bin, "--list", path, NULL };
	buf_reset(&errb);
	rc = pgtools_run(largv, envp, -1, -1, &list, &errb, stop_tick, &st, &status, e);
	if (rc == 0 && status != 0)
		rc = err_set(e, SC_EFAIL, "backup '%s' does not verify with pg_restore --list: %s", path,
			     pgtools_first_error(&errb));
	if (rc == 0 && verify_full) {
		char disk[65];
		struct buf again = BUF_INIT;
		if ((jobs ? pgtools_dir_manifest(path, &again, disk) : sha256_file_hex(path, disk)) < 0)
			rc = err_set(e, SC_EFAIL, "cannot read '%s': %s", path, strerror(errno));
		else if (strcmp(disk, sha) != 0)
			rc = err_set(e, SC_EFAIL, "backup '%s' does not verify: its sha256 on disk is %s, pg_dump wrote %s",
				     path, disk, sha);
		buf_release(&again);
		char *fargv[] = { restore_bin, "--file", "/dev/null", path, NULL };
		buf_reset(&errb);
		if (rc == 0)
			rc = pgtools_run(fargv, envp, -1, -1, NULL, &errb, stop_tick, &st, &status, e);
		if (rc == 0 && status != 0)
			rc = err_set(e, SC_EFAIL, "backup '%s' does not verify with a full read by pg_restore: %s", path,
				     pgtools_first_error(&errb));
		if (rc == 0)
			run_log(run, "verified %s in full (sha256 on disk, every data block read by pg_restore)", path);
	}
	if (rc < 0) {
		if (jobs)
			rm_flat(path);
		else
			unlink(path);
		goto out;
	}
	json_object_set_new(detail, "verify", json_string(verify_full ? "full" : "toc"));
	json_object_set_new(detail, "format", json_string(jobs ? "directory" : "custom"));
	if (jobs)
		json_object_set_new(detail, "jobs", json_integer(jobs));

	struct stat sb;
	if (stat(path, &sb) < 0) {
		rc = err_set(e, SC_EFAIL, "cannot read '%s': %s", path, strerror(errno));
		goto out;
	}
	const char *sv = PQparameterStatus(db, "server_version");
	json_object_set_new(detail, "path", json_string(path));
	json_object_set_new(detail, "file", json_string(file));
	json_object_set_new(detail, "size", json_integer((json_int_t)sb.st_size));
	json_object_set_new(detail, "sha256", json_string(sha));
	json_object_set_new(detail, "pg_dump", json_string(bin));
	if (client_v)
		json_object_set_new(detail, "pg_dump_version", json_string(client_v));
	if (sv)
		json_object_set_new(detail, "server_version", json_stringn(sv, strcspn(sv, " ")));
	json_object_set_new(detail, "schemas", backup_strv_json(scope));
	json_object_set_new(detail, "writes_base", json_incref(base_counters));
	if (record && run->state) {
		/* what the database is at: the release a restore of it comes back to */
		struct state_run cur = { 0 };
		struct err ce = ERR_INIT;
		int has = state_last_success(run->state, &cur, &ce);
		json_t *rec = json_pack("{s:O,s:O,s:s?}", "schemas", json_object_get(detail, "schemas"), "writes_base",
					base_counters, "db_release", has == 1 ? cur.release : NULL);
		if (jobs) {
			/* a directory backup is restored with pg_restore -j as many */
			json_object_set_new(rec, "format", json_string("directory"));
			json_object_set_new(rec, "jobs", json_integer(jobs));
			json_object_set_new(rec, "manifest", json_string(buf_str(&manifest)));
		}
		json_object_set(detail, "db_release", json_object_get(rec, "db_release"));
		state_run_release(&cur);
		char *content = json_dumps(rec, JSON_COMPACT);
		json_decref(rec);
		rc = state_artifact_put(run->state, run->release, run->run_id, "backup", path, sha, content,
					strlen(content), e);
		free(content);
		if (rc < 0)
			goto out;
	}
	if (keep > 0) {
		json_t *pruned = json_array();
		backup_prune(run, dir, keep, pruned);
		json_object_set_new(detail, "pruned", pruned);
	}
	char h[32];
	pgtools_human_size((long long)sb.st_size, h, sizeof h);
	run_log(run, "backup %s (%s, sha256 %s)", path, h, sha);
	rc = 0;
out:
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	if (jobs && hold >= 0)
		close(hold); /* the file's hold is its fd, closed above or once written */
	pgtools_env_free(envp);
	strv_free(base);
	strv_free(sel);
	strv_free(scope);
	json_decref(base_counters);
	buf_release(&errb);
	buf_release(&list);
	buf_release(&manifest);
	free(client_v);
	free(bin);
	free(restore_bin);
	free(file);
	free(path);
	free(tmp);
	return rc;
}

/* ---- restore ---- */

/* The clean-up run in front of the restore, in its transaction: it drops
 * only what the restore recreates (the schemas the backup holds) and the
 * schemas of the same scope made since (so that objects created after the
 * backup are gone too), never schema stagecoach, a system or a platform
 * schema, so it needs no superuser.  Public comes back as it was made (its
 * owner kept), since pg_dump never creates public and dumps only changes to
 * it.  Large objects the role owns go when the backup holds some. */
static char *restore_prelude(PGconn *db, char *const *clean, int blobs, int history)
{
	struct buf b = BUF_INIT;
	buf_adds(&b, "SET LOCAL client_min_messages = warning;\nDO $stagecoach$\nDECLARE r record; "
		     "pub_owner name;\nBEGIN\n"
		     "  FOR r IN SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname <> 'public' AND nspname IN (");
	int any = 0, pub = 0;
	for (size_t i = 0; clean && clean[i]; i++) {
		if (strcmp(clean[i], "public") == 0) {
			pub = 1;
			continue;
		}
		char *lit = PQescapeLiteral(db, clean[i], strlen(clean[i]));
		buf_addf(&b, "%s%s", any++ ? ", " : "", lit ? lit : "''");
		PQfreemem(lit);
	}
	if (!any)
		buf_adds(&b, "NULL");
	buf_adds(&b, ") LOOP\n    EXECUTE format('DROP SCHEMA IF EXISTS %I CASCADE', r.nspname);\n  END LOOP;\n");
	if (pub)
		buf_adds(&b,
			 "  SELECT nspowner::regrole::name INTO pub_owner FROM pg_catalog.pg_namespace WHERE nspname = 'public';\n"
			 "  DROP SCHEMA IF EXISTS public CASCADE;\n"
			 "  IF pub_owner IS NULL THEN\n"
			 "    pub_owner := CASE WHEN current_setting('server_version_num')::int >= 150000\n"
			 "      THEN 'pg_database_owner' ELSE (SELECT rolname FROM pg_catalog.pg_roles WHERE oid = 10) END;\n"
			 "  END IF;\n"
			 "  EXECUTE format('CREATE SCHEMA public AUTHORIZATION %I', pub_owner);\n"
			 "  IF current_setting('server_version_num')::int >= 150000 THEN\n"
			 "    GRANT USAGE ON SCHEMA public TO PUBLIC;\n"
			 "  ELSE\n"
			 "    GRANT CREATE, USAGE ON SCHEMA public TO PUBLIC;\n"
			 "  END IF;\n"
			 "  COMMENT ON SCHEMA public IS 'standard public schema';\n");
	if (blobs)
		buf_adds(&b, "  PERFORM pg_catalog.lo_unlink(oid) FROM pg_catalog.pg_largeobject_metadata\n"
			     "    WHERE pg_catalog.pg_has_role(current_user, lomowner, 'USAGE');\n");
	buf_adds(&b, "END\n$stagecoach$;\n");
	/* the migration history describes the database's content: it comes
	 * back as the backup has it (its rows are in the restore) */
	if (history)
		buf_adds(&b, "DELETE FROM stagecoach.schema_migrations;\n");
	return buf_detach(&b);
}

int pgtools_backup_record(struct run *run, const char *file, json_t **rec, struct err *e)
{
	*rec = NULL;
	char *abs = realpath(file, NULL);
	if (!abs || !run->state)
		return free(abs), 0;
	unsigned char *content = NULL;
	size_t len = 0;
	int found = state_artifact_latest(run->state, "backup", abs, NULL, &content, &len, e);
	free(abs);
	if (found == 1 && content && len)
		*rec = json_loadb((const char *)content, len, 0, NULL);
	free(content);
	return found < 0 ? found : *rec != NULL;
}

/* What stat says of a backup (a file; a folder and each of its files):
 * equal signatures, same bytes (ctime cannot be set back). */
static void backup_signature(const char *path, struct buf *sig)
{
	struct stat sb;
	if (stat(path, &sb) < 0)
		return;
	buf_addf(sig, "%llu:%llu:%lld:%lld.%ld:%lld.%ld;", (unsigned long long)sb.st_dev,
		 (unsigned long long)sb.st_ino, (long long)sb.st_size, (long long)sb.st_mtim.tv_sec, sb.st_mtim.tv_nsec,
		 (long long)sb.st_ctim.tv_sec, sb.st_ctim.tv_nsec);
	if (!S_ISDIR(sb.st_mode))
		return;
	char **files = dir_files(path);
	for (size_t i = 0; files && files[i]; i++) {
		char *p = path_join(path, files[i]);
		if (lstat(p, &sb) == 0)
			buf_addf(sig, "%s:%llu:%lld:%lld.%ld:%lld.%ld;", files[i], (unsigned long long)sb.st_ino,
				 (long long)sb.st_size, (long long)sb.st_mtim.tv_sec, sb.st_mtim.tv_nsec,
				 (long long)sb.st_ctim.tv_sec, sb.st_ctim.tv_nsec);
		free(p);
	}
	strv_free(files);
}

/* The last backup whose sha256 was computed, with what stat said of it:
 * `restore` and `rollback` check the backup before they ask, then restore
 * it, and it is read once for that, not twice.  Any change to it (size,
 * times, inode, a file added to a folder) makes it be read again. */
static struct {
	char *path;
	char *sig;
	char sha[65];
} restore_checked;

int pgtools_backup_sha256(const char *path, char got[65])
{
	struct buf before = BUF_INIT, after = BUF_INIT;
	backup_signature(path, &before);
	if (!before.len)
		return -1;
	if (restore_checked.path && strcmp(restore_checked.path, path) == 0 &&
	    strcmp(restore_checked.sig, buf_str(&before)) == 0) {
		memcpy(got, restore_checked.sha, 65);
		buf_release(&before);
		return 0;
	}
	struct stat sb;
	int rc = stat(path, &sb);
	if (rc == 0 && S_ISDIR(sb.st_mode)) {
		struct buf m = BUF_INIT;
		rc = pgtools_dir_manifest(path, &m, got);
		buf_release(&m);
	} else if (rc == 0) {
		rc = sha256_file_hex(path, got);
	}
	int saved = errno;
	if (rc == 0)
		backup_signature(path, &after);
	free(restore_checked.path);
	free(restore_checked.sig);
	restore_checked.path = restore_checked.sig = NULL;
	if (rc == 0 && strcmp(buf_str(&before), buf_str(&after)) == 0) {
		restore_checked.path = xstrdup(path);
		restore_checked.sig = buf_detach(&after);
		memcpy(restore_checked.sha, got, 65);
	}
	buf_release(&before);
	buf_release(&after);
	errno = saved;
	return rc < 0 ? -1 : 0;
}

static int restore_check_sha(struct run *run, const char *file, int *known, struct err *e)
{
	char *abs = realpath(file, NULL);
	*known = 0;
	if (!abs)
		return err_set(e, SC_EUSAGE, "cannot read backup '%s': %s", file, strerror(errno));
	int rc = 0;
	if (run->state) {
		char *want = NULL;
		int found = state_artifact_latest(run->state, "backup", abs, &want, NULL, NULL, e);
		if (found < 0) {
			rc = found;
		} else if (found == 1 && want && *want) {
			char got[65];
			if (pgtools_backup_sha256(abs, got) < 0)
				rc = err_set(e, SC_EUSAGE, "cannot read backup '%s': %s", file, strerror(errno));
			else if (strcmp(got, want) != 0)
				rc = err_set(e, SC_EUSAGE,
					     "backup '%s' is corrupted: its sha256 is %s, the records say %s; refusing to "
					     "restore it",
					     file, got, want);
			else
				*known = 1;
		}
		free(want);
	}
	free(abs);
	return rc;
}

/* The backup's table of contents, read by stagecoach itself (pgarchive.h):
 * a file or folder pg_restore could not read is refused here, without
 * starting pg_restore --list for it. */
static int restore_read_toc(const char *file, struct pgarchive *ar, struct err *e)
{
	struct stat sb;
	if (stat(file, &sb) < 0)
		return err_set(e, SC_EUSAGE, "cannot read backup '%s': %s", file, strerror(errno));
	char *toc = S_ISDIR(sb.st_mode) ? path_join(file, "toc.dat") : xstrdup(file);
	int fd = open(toc, O_RDONLY | O_CLOEXEC);
	int rc;
	if (fd < 0) {
		rc = err_set(e, SC_EUSAGE, "cannot read backup '%s': %s", toc, strerror(errno));
	} else {
		rc = pgarchive_read(fd, toc, ar, e);
		close(fd);
		if (rc == 0 && ar->format != (S_ISDIR(sb.st_mode) ? PGARCHIVE_DIRECTORY : PGARCHIVE_CUSTOM)) {
			pgarchive_release(ar);
			rc = err_set(e, SC_EUSAGE, "backup '%s' is not a %s archive", file,
				     S_ISDIR(sb.st_mode) ? "directory-format" : "custom-format");
		}
		if (rc < 0)
			err_prefix(e, "backup '%s' cannot be restored", file);
	}
	free(toc);
	return rc;
}

int pgtools_check_backup(struct run *run, const char *file, const char *pg_dump, int *known, struct err *e)
{
	int rc = restore_check_sha(run, file, known, e);
	if (rc < 0)
		return rc;
	struct pgarchive ar;
	rc = restore_read_toc(file, &ar, e);
	if (rc == 0)
		pgarchive_release(&ar);
	return rc;
}

struct restore_tick {
	struct run *run;
	long long started, deadline_ms;
};

static int restore_tick(void *arg, struct err *e)
{
	struct restore_tick *t = arg;
	run_progress(t->run, "restoring, %llds", (time_mono_ms() - t->started) / 1000);
	if (run_should_stop(t->run))
		return err_set(e, SC_EFAIL, "interrupted");
	if (t->deadline_ms && time_mono_ms() > t->deadline_ms)
		return err_set(e, SC_EFAIL, "timed out (timeout_ms)");
	return 0;
}

/* Whether the restore takes an archive entry: everything but schema
 * stagecoach (its records are kept; its migration history's data alone
 * comes back) and schema public itself (the clean-up makes it again, with
 * its owner; its ACL is restored). */
static int restore_takes(const struct pgarchive_entry *en, int *history)
{
	if (strcmp(en->nspace, "stagecoach") == 0) {
		if (strcmp(en->desc, "TABLE DATA") == 0 && strcmp(en->tag, "schema_migrations") == 0) {
			*history = 1;
			return 1;
		}
		return 0;
	}
	if (strcmp(en->desc, "SCHEMA") == 0)
		return strcmp(en->tag, "stagecoach") != 0 && strcmp(en->tag, "public") != 0;
	if (strcmp(en->tag, "SCHEMA stagecoach") == 0)
		return 0;
	if (strcmp(en->tag, "SCHEMA public") == 0)
		return strcmp(en->desc, "ACL") == 0;
	return 1;
}

/* A folder where pg_restore finds the directory backup src with toc.dat
 * replaced by toc (its other files are symbolic links to src's).  The
 * caller removes it (rm_flat). */
static int restore_dir_view(const char *src, const unsigned char *toc, size_t toc_len, char *view, struct err *e)
{
	if (!mkdtemp(view))
		return err_set(e, SC_EFAIL, "cannot create a temporary folder: %s", strerror(errno));
	char **files = dir_files(src);
	int rc = 0;
	for (size_t i = 0; files && files[i] && rc == 0; i++) {
		if (strcmp(files[i], "toc.dat") == 0)
			continue;
		char *from = path_join(src, files[i]), *to = path_join(view, files[i]);
		if (symlink(from, to) < 0)
			rc = err_set(e, SC_EFAIL, "cannot link '%s': %s", to, strerror(errno));
		free(from);
		free(to);
	}
	strv_free(files);
	if (rc == 0) {
		char *p = path_join(view, "toc.dat");
		int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, toc, toc_len) != (ssize_t)toc_len)
			rc = err_set(e, SC_EFAIL, "cannot write '%s': %s", p, strerror(errno));
		if (fd >= 0 && close(fd) < 0 && rc == 0)
			rc = err_set(e, SC_EFAIL, "cannot write '%s': %s", p, strerror(errno));
		free(p);
	}
	return rc;
}

/* pg_restore's -d: a connection string naming the database alone; the
 * rest (host, port, user, the password file) comes from pgtools_env. */
static char *restore_dbname(PGconn *db)
{
	const char *name = db ? PQdb(db) : NULL;
	struct buf b = BUF_INIT;
	buf_adds(&b, "dbname='");
	for (const char *p = name ? name : ""; *p; p++) {
		if (*p == '\'' || *p == '\\')
			buf_addc(&b, '\\');
		buf_addc(&b, *p);
	}
	buf_addc(&b, '\'');
	return buf_detach(&b);
}

/* The record a restore in one transaction writes in that transaction
 * (artifact kind "restore", named by the file): found afterwards, the
 * restore committed; not found once its session has ended, it did not. */
static char *restore_mark_sql(PGconn *db, struct run *run, const char *file)
{
	PGresult *res = PQexec(db, "SELECT to_regclass('stagecoach.artifacts') IS NOT NULL");
	int have = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	if (!have)
		return NULL;
	char *env = PQescapeLiteral(db, run->env->name, strlen(run->env->name));
	char *id = PQescapeLiteral(db, run->run_id, strlen(run->run_id));
	char *rel = run->release ? PQescapeLiteral(db, run->release, strlen(run->release)) : NULL;
	char *name = PQescapeLiteral(db, file, strlen(file));
	char *sql = env && id && name ? xasprintf("INSERT INTO stagecoach.artifacts (env, release, run_id, kind, name) "
						  "VALUES (%s, %s, %s, 'restore', %s);\n",
						  env, rel ? rel : "NULL", id, name)
				      : NULL;
	PQfreemem(env);
	PQfreemem(id);
	PQfreemem(rel);
	PQfreemem(name);
	return sql;
}

/*
 * After pg_restore was stopped (a signal, timeout_ms): did its transaction
 * commit?  Its server session may outlive it, finishing (and committing)
 * what it was sent: it is ended first and waited for (its children connect
 * with the steps connection's application_name), then the mark is looked
 * up.  1 committed, 0 not, -1 unknown (why in e).
 */
/* the first column of a one-row count query as a number, -1 (why in e) when it fails */
static int count_query(PGconn *db, const char *sql, int n, const char *const *params, const char *what,
		       struct err *e)
{
	PGresult *res = PQexecParams(db, sql, n, NULL, params, NULL, NULL, 0);
	int count = -1;
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		count = atoi(PQgetvalue(res, 0, 0));
	else
		err_set(e, SC_EFAIL, "cannot %s: %s", what, PQerrorMessage(db));
	PQclear(res);
	return count;
}

static int restore_committed(PGconn *db, struct run *run, const char *file, struct err *e)
{
	const char *p[] = { run->run_id, file };
	int n = -1;
	for (int i = 0; i < 150 && n != 0; i++) {
		if (i)
			usleep(100 * 1000);
		n = count_query(db, "SELECT count(pg_catalog.pg_terminate_backend(pid)) FROM "
				    "pg_catalog.pg_stat_activity WHERE application_name = "
				    "pg_catalog.current_setting('application_name') AND pid <> "
				    "pg_catalog.pg_backend_pid() AND datname = pg_catalog.current_database()",
				0, NULL, "end pg_restore's session", e);
		if (n < 0)
			return -1;
	}
	if (n != 0) {
		err_set(e, SC_EFAIL, "pg_restore's database session was still there after 15 s");
		return -1;
	}
	int found = count_query(db, "SELECT count(*) FROM stagecoach.artifacts WHERE run_id = $1 AND "
				    "kind = 'restore' AND name = $2",
				2, p, "read the restore's record", e);
	return found < 0 ? -1 : found > 0;
}

int pgtools_restore(struct run *run, PGconn *db, const char *file, const char *pg_dump, char *const *schemas,
		    struct err *e)
{
	char **clean = NULL, **scope = NULL;
	json_t *rec = NULL;
	int known = 0, rc;
	char *restore_bin = pgtools_find(pg_dump, "pg_restore");
	char **base = run_child_env(run);
	char **envp = pgtools_env(db, base);
	struct buf errr = BUF_INIT, listb = BUF_INIT;
	char listpath[] = "/tmp/stagecoach-restore-XXXXXX";
	char view[] = "/tmp/stagecoach-restore-view-XXXXXX";
	int view_made = 0, list_made = 0;
	int src = -1, has_history = 0, blobs = 0, is_dir = 0;
	long long jobs = 1;
	char *toc_path = NULL, *prelude = NULL, *sql = NULL, *mark = NULL, *dbname = restore_dbname(db);
	unsigned char *head = NULL;
	size_t head_len = 0;
	struct pgarchive ar;
	struct stat sb;
	memset(&ar, 0, sizeof ar);
	struct sigaction ign, old_pipe;
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &old_pipe);

	/* The backup is opened first and read through that descriptor: what
	 * is hashed below is what pg_restore gets. */
	if (stat(file, &sb) < 0) {
		rc = err_set(e, SC_EUSAGE, "cannot read backup '%s': %s", file, strerror(errno));
		goto out;
	}
	is_dir = S_ISDIR(sb.st_mode);
	toc_path = is_dir ? path_join(file, "toc.dat") : xstrdup(file);
	src = open(toc_path, O_RDONLY | O_CLOEXEC);
	if (src < 0) {
		rc = err_set(e, SC_EUSAGE, "cannot read backup '%s': %s", toc_path, strerror(errno));
		goto out;
	}
	/* the sha256 before anything changes: a file whose sha256 does not
	 * match its record is never handed to pg_restore */
	if ((rc = restore_check_sha(run, file, &known, e)) < 0)
		goto out;
	{
		struct stat now;
		if (fstat(src, &now) < 0 || stat(toc_path, &sb) < 0 || now.st_ino != sb.st_ino || now.st_dev != sb.st_dev) {
			rc = err_set(e, SC_EUSAGE, "backup '%s' was replaced while it was checked: refusing to restore it",
				     file);
			goto out;
		}
	}
	if ((rc = pgarchive_read(src, toc_path, &ar, e)) < 0)
		goto out;
	if (ar.format != (is_dir ? PGARCHIVE_DIRECTORY : PGARCHIVE_CUSTOM)) {
		rc = err_set(e, SC_EUSAGE, "backup '%s' cannot be read by pg_restore: not a %s archive", file,
			     is_dir ? "directory-format" : "custom-format");
		goto out;
	}
	/* what to restore: a list of the entries' ids for pg_restore -L */
	for (size_t i = 0; i < ar.n; i++) {
		const struct pgarchive_entry *en = &ar.entries[i];
		if (restore_takes(en, &has_history))
			buf_addf(&listb, "%d;\n", en->dump_id);
		if (strcmp(en->desc, "BLOB") == 0 || strcmp(en->desc, "BLOBS") == 0 || strcmp(en->desc, "BLOB METADATA") == 0)
			blobs = 1;
	}
	if (!has_history)
		run_warn(run, "backup '%s' holds no migration history (stagecoach.schema_migrations): the database's "
			 "history is kept as it is", file);
	{
		int lfd = mkstemp(listpath);
		if (lfd < 0) {
			rc = err_set(e, SC_EFAIL, "cannot create a temporary file: %s", strerror(errno));
			goto out;
		}
		list_made = 1;
		int ok = write(lfd, listb.data ? listb.data : "", listb.len) == (ssize_t)listb.len;
		if (close(lfd) < 0 || !ok) {
			rc = err_set(e, SC_EFAIL, "cannot write '%s': %s", listpath, strerror(errno));
			goto out;
		}
	}
	/* what to drop first: the schemas the backup holds (its records say
	 * which; else its entries), and those of the same scope now */
	if ((rc = pgtools_backup_record(run, file, &rec, e)) < 0)
		goto out;
	rc = 0;
	err_clear(e);
	json_t *rs = json_object_get(rec, "schemas");
	if (json_is_array(rs)) {
		size_t i;
		json_t *v;
		json_array_foreach(rs, i, v)
			if (json_is_string(v))
				strv_push(&clean, json_string_value(v));
	} else {
		for (size_t i = 0; i < ar.n; i++) {
			const struct pgarchive_entry *en = &ar.entries[i];
			const char *sch = strcmp(en->desc, "SCHEMA") == 0 ? en->tag
					  : strcmp(en->nspace, "public") == 0 ? "public" : NULL;
			if (sch && strcmp(sch, "stagecoach") != 0 && !strv_contains(clean, sch))
				strv_push(&clean, sch);
		}
	}
	if (is_dir && json_is_integer(json_object_get(rec, "jobs")))
		jobs = json_integer_value(json_object_get(rec, "jobs"));
	if ((rc = pgscope_schemas(db, schemas, &scope, e)) < 0)
		goto out;
	for (size_t i = 0; scope[i]; i++)
		if (!strv_contains(clean, scope[i]))
			strv_push(&clean, scope[i]);
	for (size_t i = 0; clean && clean[i]; i++)
		if (pgscope_is_platform(clean[i]) && strcmp(clean[i], "stagecoach") != 0)
			rc = err_set(e, SC_EUSAGE, "backup '%s' holds schema '%s', which a restore never replaces: "
				     "refusing to restore it", file, clean[i]);
	if (rc < 0)
		goto out;
	prelude = restore_prelude(db, clean, blobs, has_history);

	/* an open transaction of the steps' connection would hold locks the drops wait for */
	if (db && PQtransactionStatus(db) != PQTRANS_IDLE)
		PQclear(PQexec(db, "ROLLBACK"));

	char *argv[16];
	int ac = 0;
	char jobs_arg[32];
	argv[ac++] = restore_bin;
	argv[ac++] = "--exit-on-error";
	argv[ac++] = "--no-password";
	argv[ac++] = "--use-list";
	argv[ac++] = listpath;
	argv[ac++] = "--dbname";
	argv[ac++] = dbname;
	struct pgtools_feed feed = { -1, NULL, 0, 0, -1, 0, 0, 0 };
	struct pgtools_io io = { -1, NULL, NULL, restore_tick, NULL, NULL };
	if (jobs > 1) {
		/* pg_restore -j N: each worker restores on its own connection,
		 * so there is no one transaction: the clean-up commits first */
		snprintf(jobs_arg, sizeof jobs_arg, "--jobs=%lld", jobs);
		argv[ac++] = jobs_arg;
		argv[ac++] = "--format=directory";
		argv[ac++] = (char *)file;
		char *tx = xasprintf("BEGIN;\n%sCOMMIT;\n", prelude);
		PGresult *res = PQexec(db, tx);
		free(tx);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			rc = err_set(e, SC_EFAIL, "restore of '%s' failed, nothing was changed: the clean-up before it: %s",
				     file, PQerrorMessage(db));
			PQclear(res);
			PQclear(PQexec(db, "ROLLBACK"));
			goto out;
		}
		PQclear(res);
	} else {
		/* One transaction: pg_restore --single-transaction runs the
		 * archive's SEARCHPATH entry right after its BEGIN, so the
		 * archive it reads has one more, with the clean-up
		 * (pgarchive.h); a failure anywhere leaves the database as it
		 * was. */
		argv[ac++] = "--single-transaction";
		mark = restore_mark_sql(db, run, file);
		sql = xasprintf("SELECT pg_catalog.set_config('search_path', '', false);\n%s%s", prelude,
				mark ? mark : "");
		head = pgarchive_with_sql(&ar, sql, &head_len);
		if (is_dir) {
			view_made = 1;
			if ((rc = restore_dir_view(file, head, head_len, view, e)) < 0)
				goto out;
			argv[ac++] = "--format=directory";
			argv[ac++] = view;
		} else {
			/* custom: the new table of contents, then the backup's
			 * data from where its own table of contents ends, into
			 * pg_restore's stdin */
			argv[ac++] = "--format=custom";
			feed.head = head;
			feed.head_len = head_len;
			feed.src = src;
			feed.off = (off_t)ar.raw_len;
			struct stat fs;
			if (fstat(src, &fs) < 0) {
				rc = err_set(e, SC_EUSAGE, "cannot read backup '%s': %s", file, strerror(errno));
				goto out;
			}
			feed.end = fs.st_size;
			io.feed = &feed;
		}
	}
	argv[ac] = NULL;

	int inp[2] = { -1, -1 }, errp[2] = { -1, -1 };
	if ((io.feed && pipe2(inp, O_CLOEXEC) < 0) || pipe2(errp, O_CLOEXEC) < 0) {
		rc = err_set(e, SC_EFAIL, "cannot create a pipe: %s", strerror(errno));
		if (inp[0] >= 0) {
			close(inp[0]);
			close(inp[1]);
		}
		goto out;
	}
	if (io.feed) {
		fcntl(inp[1], F_SETPIPE_SZ, 1024 * 1024);
		fcntl(inp[1], F_SETFL, O_NONBLOCK);
	}
	struct pgtools_child ch = { 0, errp[0], &errr, 0, 0 };
	rc = pgtools_spawn(argv, envp, inp[0], -1, errp[1], &ch.pid, e);
	close(errp[1]);
	if (inp[0] >= 0)
		close(inp[0]);
	feed.fd = inp[1];
	if (rc < 0) {
		close(errp[0]);
		if (feed.fd >= 0)
			close(feed.fd);
		goto out;
	}
	struct restore_tick t = { run, time_mono_ms(), step_deadline(run) };
	io.arg = &t;
	rc = pgtools_wait(&ch, 1, &io, e);
	/* pg_restore --jobs restores without one transaction: stopped or
	 * failed midway, the database holds part of the backup */
	const char *midway = "the database holds part of the backup (pg_restore --jobs restores without one "
			     "transaction): restore it again, or restore the safety backup";
	if (rc < 0 && jobs <= 1 && mark) {
		/* stopped: pg_restore may have sent its COMMIT (or ended)
		 * before the stop reached it; say what is true */
		struct err e2 = ERR_INIT;
		int committed = restore_committed(db, run, file, &e2);
		if (committed == 1) {
			run_warn(run, "%s came after the restore of '%s' had committed: the database holds the backup",
				 e->msg, file);
			err_clear(e);
			rc = 0;
			ch.status = 0;
		} else if (committed < 0) {
			err_prefix(e, "restore of '%s' stopped, and whether it committed is unknown (%s): check the "
				   "database, then restore again or 'stagecoach resolve'", file, e2.msg);
			e->code = SC_EROLLBACK;
			rc = -SC_EROLLBACK;
			goto out;
		}
	}
	if (rc < 0) {
		if (jobs > 1) {
			err_prefix(e, "restore of '%s' stopped midway; %s", file, midway);
			e->code = SC_EROLLBACK;
			rc = -SC_EROLLBACK;
		} else {
			err_prefix(e, "restore of '%s' stopped, nothing was changed", file);
		}
		goto out;
	}
	if (ch.status != 0) {
		const char *why = pgtools_first_error(&errr);
		if (!*why)
			why = "pg_restore failed";
		if (ch.status == 127 && starts_with(why, "exec: "))
			rc = err_set(e, SC_EUSAGE, "cannot run '%s': %s", restore_bin, why + 6);
		else if (jobs > 1)
			rc = err_set(e, SC_EROLLBACK, "restore of '%s' failed midway: %s; %s", file, why, midway);
		else
			rc = err_set(e, SC_EFAIL, "restore of '%s' failed, nothing was changed: %s", file, why);
		goto out;
	}
	run_log(run, "restored %s%s", file, known ? " (sha256 checked against the records)" : "");
	rc = 0;
out:
	sigaction(SIGPIPE, &old_pipe, NULL);
	if (src >= 0)
		close(src);
	if (list_made)
		unlink(listpath);
	if (view_made)
		rm_flat(view);
	pgarchive_release(&ar);
	free(head);
	free(sql);
	free(mark);
	free(prelude);
	free(toc_path);
	free(dbname);
	strv_free(clean);
	strv_free(scope);
	json_decref(rec);
	buf_release(&listb);
	buf_release(&errr);
	pgtools_env_free(envp);
	strv_free(base);
	free(restore_bin);
	return rc;
}
