/*
 * proc: child processes with captured output and a timeout (see proc.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "proc.h"
#include "utf8.h"
#include "util.h"

#define KEEP_BYTES (64 * 1024)

static void keep_tail(struct buf *all, const char *data, size_t n)
{
	buf_add(all, data, n);
	if (all->len > 2 * KEEP_BYTES) {
		size_t drop = all->len - KEEP_BYTES;
		memmove(all->data, all->data + drop, all->len - drop);
		all->len -= drop;
		all->data[all->len] = '\0';
	}
}

#define HEAD_MAX(l) ((l)->head_max ? (l)->head_max : LINE_CAP_HEAD)
#define TAIL_MAX(l) ((l)->tail_max ? (l)->tail_max : LINE_CAP_TAIL)

void line_cap_add_bytes(struct line_cap *l, const char *data, size_t n)
{
	const size_t tmax = TAIL_MAX(l);
	if (l->head.len < HEAD_MAX(l)) {
		size_t k = HEAD_MAX(l) - l->head.len;
		if (k > n)
			k = n;
		buf_add(&l->head, data, k);
		data += k;
		n -= k;
	}
	if (!n)
		return;
	if (!l->tail)
		l->tail = xmalloc(tmax);
	if (n > tmax) { /* only the last tmax bytes can stay */
		l->dropped += l->tail_len + (n - tmax);
		data += n - tmax;
		n = tmax;
		l->tail_pos = l->tail_len = 0;
	}
	size_t over = l->tail_len + n > tmax ? l->tail_len + n - tmax : 0;
	l->dropped += over;
	l->tail_len -= over;
	while (n) {
		size_t k = tmax - l->tail_pos;
		if (k > n)
			k = n;
		memcpy(l->tail + l->tail_pos, data, k);
		l->tail_pos = (l->tail_pos + k) % tmax;
		l->tail_len += k;
		data += k;
		n -= k;
	}
}

void line_cap_add(struct line_cap *l, const char *data, size_t n)
{
	while (n) {
		const char *cr = memchr(data, '\r', n);
		size_t k = cr ? (size_t)(cr - data) : n;
		line_cap_add_bytes(l, data, k);
		if (cr)
			k++;
		data += k;
		n -= k;
	}
}

int line_cap_empty(const struct line_cap *l)
{
	return l->head.len == 0 && l->tail_len == 0;
}

void line_cap_take_bytes(struct line_cap *l, struct buf *b)
{
	const size_t tmax = TAIL_MAX(l);
	buf_reset(b);
	buf_add(b, l->head.data, l->head.len);
	if (l->dropped)
		buf_addf(b, " [... %llu bytes dropped ...] ", l->dropped);
	if (l->tail_len) {
		size_t start = (l->tail_pos + tmax - l->tail_len) % tmax;
		size_t k = tmax - start < l->tail_len ? tmax - start : l->tail_len;
		buf_add(b, l->tail + start, k);
		buf_add(b, l->tail, l->tail_len - k);
	}
	buf_reset(&l->head);
	l->tail_pos = l->tail_len = 0;
	l->dropped = 0;
}

char *line_cap_take(struct line_cap *l)
{
	char *out;
	if (!l->tail_len && !l->dropped) {
		out = utf8_clean(l->head.data ? l->head.data : "", l->head.len);
		buf_reset(&l->head);
		return out;
	}
	struct buf b = BUF_INIT;
	line_cap_take_bytes(l, &b);
	out = utf8_clean(b.data, b.len);
	buf_release(&b);
	return out;
}

void line_cap_release(struct line_cap *l)
{
	buf_release(&l->head);
	free(l->tail);
	l->tail = NULL;
	l->tail_pos = l->tail_len = 0;
	l->dropped = 0;
}

static void emit_lines(struct line_cap *line, const char *data, size_t n, void (*on_line)(void *, const char *),
		       void *ctx, int flush)
{
	while (n) {
		const char *nl = memchr(data, '\n', n);
		size_t k = nl ? (size_t)(nl - data) : n;
		line_cap_add(line, data, k);
		if (nl) {
			char *s = line_cap_take(line);
			if (on_line)
				on_line(ctx, s);
			free(s);
			k++;
		}
		data += k;
		n -= k;
	}
	if (flush && !line_cap_empty(line)) {
		char *s = line_cap_take(line);
		if (on_line)
			on_line(ctx, s);
		free(s);
	}
}

static struct proc_watch proc_watch;

void proc_set_watch(const struct proc_watch *w)
{
	if (w)
		proc_watch = *w;
	else
		memset(&proc_watch, 0, sizeof(proc_watch));
}

void *proc_watch_ctx(void)
{
	return proc_watch.started ? proc_watch.ctx : NULL;
}

unsigned long long proc_start_time(pid_t pid, pid_t *pgid)
{
	char path[64], line[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	line[n] = '\0';
	/* after the command's closing parenthesis: state ppid pgrp ..., the
	 * start time is field 22 (the 20th after it) */
	char *p = strrchr(line, ')');
	if (!p)
		return 0;
	char *field[20];
	int nf = 0;
	for (char *save = NULL, *tok = strtok_r(p + 1, " ", &save); tok && nf < 20; tok = strtok_r(NULL, " ", &save))
		field[nf++] = tok;
	if (nf < 20 || field[0][0] == 'Z' || field[0][0] == 'X')
		return 0;
	long pgrp = strtol(field[2], NULL, 10);
	unsigned long long start = strtoull(field[19], NULL, 10);
	if (pgid)
		*pgid = (pid_t)pgrp;
	return start ? start : 1;
}

const char *proc_boot_id(void)
{
	static char id[40];
	static int done;
	if (!done) {
		int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, id, sizeof(id) - 1) : -1;
		if (fd >= 0)
			close(fd);
		id[n > 0 ? n : 0] = '\0';
		id[strcspn(id, "\n")] = '\0';
		done = 1;
	}
	return id;
}

pid_t proc_fork(const char *what, int new_group)
{
	int gate[2] = { -1, -1 };
	if (proc_watch.started && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, gate) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		int saved = errno;
		if (gate[0] >= 0) {
			close(gate[0]);
			close(gate[1]);
		}
		errno = saved;
		return -1;
	}
	if (pid == 0) {
		if (new_group)
			setpgid(0, 0);
		if (gate[0] >= 0) {
			/* run nothing before the parent has recorded us */
			char go = 0;
			ssize_t n;
			close(gate[1]);
			do
				n = read(gate[0], &go, 1);
			while (n < 0 && errno == EINTR);
			close(gate[0]);
			if (n != 1)
				_exit(125);
		}
		return 0;
	}
	if (new_group)
		setpgid(pid, pid);
	if (gate[0] >= 0) {
		close(gate[0]);
		const char *base = what ? strrchr(what, '/') : NULL;
		struct proc_child c = { pid, 0, 0, base ? base + 1 : what ? what : "?" };
		c.start = proc_start_time(pid, &c.pgid);
		proc_watch.started(proc_watch.ctx, &c);
		char go = 1;
		if (send(gate[1], &go, 1, MSG_NOSIGNAL) < 0) {
			/* the child is gone already (killed): waitpid will say so */
		}
		close(gate[1]);
	}
	return pid;
}

int proc_run(char *const argv[], char *const envp[], const char *cwd, long long timeout_ms,
	     void (*on_line)(void *ctx, const char *line), void *ctx, volatile sig_atomic_t *stop,
	     struct proc_result *res, struct err *e)
{
	memset(res, 0, sizeof(*res));
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return err_set(e, SC_EFAIL, "cannot create a pipe: %s", strerror(errno));
	long long t0 = time_mono_ms();
	pid_t pid = proc_fork(argv[0], 1);
	if (pid < 0) {
		int saved = errno;
		close(fds[0]);
		close(fds[1]);
		return err_set(e, SC_EFAIL, "cannot fork: %s", strerror(saved));
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		if (cwd && chdir(cwd) < 0) {
			dprintf(2, "cannot enter folder %s: %s\n", cwd, strerror(errno));
			_exit(126);
		}
		if (envp)
			execve(argv[0], argv, envp);
		else
			execv(argv[0], argv);
		dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	struct buf all = BUF_INIT;
	struct line_cap line = LINE_CAP_INIT;
	int killed = 0;
	long long kill_at = 0;
	char chunk[8192];
	for (;;) {
		long long now = time_mono_ms();
		int wait = 200;
		if (!killed && timeout_ms > 0 && now - t0 >= timeout_ms) {
			res->timed_out = 1;
			killed = 1;
		} else if (!killed && stop && *stop) {
			res->stopped = 1;
			killed = 1;
		}
		if (killed == 1) {
			kill(-pid, SIGTERM);
			kill_at = now + 3000;
			killed = 2;
		} else if (killed == 2 && now >= kill_at) {
			kill(-pid, SIGKILL);
			killed = 3;
		}
		struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
		int pr = poll(&pfd, 1, wait);
		if (pr < 0 && errno != EINTR)
			break;
		if (pr > 0) {
			ssize_t n = read(fds[0], chunk, sizeof(chunk));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			keep_tail(&all, chunk, (size_t)n);
			emit_lines(&line, chunk, (size_t)n, on_line, ctx, 0);
		}
	}
	emit_lines(&line, "", 0, on_line, ctx, 1);
	close(fds[0]);
	/* the pipe closed: the child (or all of its group) is done writing; reap it,
	 * still honouring the timeout for a child that closed its output */
	int status = 0;
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			break;
		long long now = time_mono_ms();
		if (!killed && ((timeout_ms > 0 && now - t0 >= timeout_ms) || (stop && *stop))) {
			res->timed_out = !(stop && *stop);
			res->stopped = stop && *stop;
			kill(-pid, SIGTERM);
			kill_at = now + 3000;
			killed = 2;
		} else if (killed == 2 && now >= kill_at) {
			kill(-pid, SIGKILL);
			killed = 3;
		}
		usleep(10000);
	}
	kill(-pid, SIGKILL); /* leave no grandchild behind */
	res->duration_ms = time_mono_ms() - t0;
	if (WIFEXITED(status)) {
		res->exited = 1;
		res->status = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		res->signaled = 1;
		res->status = WTERMSIG(status);
	}
	line_cap_release(&line);
	res->output = utf8_clean(all.data ? all.data : "", all.len);
	buf_release(&all);
	return 0;
}

int proc_run_shell(const char *command, char *const envp[], const char *cwd, long long timeout_ms,
		   void (*on_line)(void *ctx, const char *line), void *ctx, volatile sig_atomic_t *stop,
		   struct proc_result *res, struct err *e)
{
	char *argv[] = { "/bin/sh", "-c", (char *)command, NULL };
	return proc_run(argv, envp, cwd, timeout_ms, on_line, ctx, stop, res, e);
}

void proc_result_release(struct proc_result *res)
{
	free(res->output);
	res->output = NULL;
}

char *proc_tail(const struct proc_result *res, int n)
{
	const char *s = res->output ? res->output : "";
	size_t len = strlen(s);
	while (len && (s[len - 1] == '\n' || s[len - 1] == ' '))
		len--;
	size_t start = len;
	int lines = 0;
	while (start > 0) {
		if (s[start - 1] == '\n' && ++lines == n)
			break;
		start--;
	}
	return xstrndup(s + start, len - start);
}

void proc_describe(const struct proc_result *res, long long timeout_ms, char *buf, size_t len)
{
	if (res->timed_out)
		snprintf(buf, len, "timed out after %lld ms and was stopped", timeout_ms);
	else if (res->stopped)
		snprintf(buf, len, "was stopped: stagecoach was interrupted");
	else if (res->signaled)
		snprintf(buf, len, "was killed by signal %d (%s)", res->status, strsignal(res->status));
	else
		snprintf(buf, len, "exited with status %d", res->status);
}
