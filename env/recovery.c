/*
 * recovery: runs that block deploys, and the commands that unblock them
 * (see recovery.h).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "recovery.h"
#include "run.h"
#include "../lib/util.h"

int recovery_blocking_run(struct state *st, struct state_run *out, struct err *e)
{
	struct state_run *runs = NULL;
	size_t n = 0;
	int found = 0;
	memset(out, 0, sizeof(*out));
	if (state_runs_list(st, 1000, &runs, &n, e) < 0)
		return -SC_EFAIL;
	for (size_t i = 0; i < n; i++) {
		if (!found && strcmp(runs[i].status, "rollback_failed") == 0 &&
		    (strcmp(runs[i].command, "deploy") == 0 || strcmp(runs[i].command, "promote") == 0)) {
			*out = runs[i];
			found = 1;
			continue;
		}
		state_run_release(&runs[i]);
	}
	free(runs);
	return found;
}

void recovery_next_commands(const char *env, const char *status, char *buf, size_t len)
{
	if (strcmp(status, "rollback_failed") == 0)
		snprintf(buf, len,
			 "run 'stagecoach rollback %s --last' to complete its rollback, or, once a person has fixed what "
			 "remains, 'stagecoach resolve %s --approve --note \"what was done\"'",
			 env, env);
	else
		snprintf(buf, len,
			 "run 'stagecoach deploy %s --resume' to continue it, 'stagecoach rollback %s --last' to undo it, or, "
			 "once a person has fixed it, 'stagecoach resolve %s --approve --note \"what was done\"'",
			 env, env, env);
}

/* Whether process pid's environment holds the entry want ("NAME=value"). */
static int recovery_environ_has(pid_t pid, const char *want)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	struct buf b = BUF_INIT;
	char chunk[4096];
	ssize_t n;
	while (b.len < (1 << 20) && (n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_add(&b, chunk, (size_t)n);
	close(fd);
	int found = 0;
	size_t wl = strlen(want);
	for (size_t i = 0; i < b.len && !found;) {
		size_t l = strnlen(b.data + i, b.len - i);
		if (l == wl && memcmp(b.data + i, want, wl) == 0)
			found = 1;
		i += l + 1;
	}
	buf_release(&b);
	return found;
}

/* The process group of pid, -1 when it is gone. */
static pid_t recovery_pgrp(pid_t pid)
{
	char path[64], line[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	size_t n = fread(line, 1, sizeof(line) - 1, f);
	fclose(f);
	line[n] = '\0';
	char *p = strrchr(line, ')');
	char state;
	int ppid, pgrp;
	if (!p || sscanf(p + 1, " %c %d %d", &state, &ppid, &pgrp) != 3 || state == 'Z')
		return -1;
	return (pid_t)pgrp;
}

/* Whether pid is one of v[0..n): a process group is signalled only when its
 * leader carries the run's mark (a pg_dump started in stagecoach's own
 * group shares it with the shell or CI job that started stagecoach). */
static int recovery_in(const pid_t *v, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == pid)
			return 1;
	return 0;
}

/* The live processes carrying want in their environment; *n of them. */
static pid_t *recovery_find(const char *want, size_t *n)
{
	pid_t *v = NULL, self = getpid();
	*n = 0;
	DIR *d = opendir("/proc");
	if (!d)
		return NULL;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid_t pid = (pid_t)atoi(de->d_name);
		if (pid == self || !recovery_environ_has(pid, want) || recovery_pgrp(pid) < 0)
			continue;
		v = xrealloc(v, (*n + 1) * sizeof(*v));
		v[(*n)++] = pid;
	}
	closedir(d);
	return v;
}

int recovery_end_children(struct run *r, const struct state_run *killed)
{
	if (killed->host && r->hostname && strcmp(killed->host, r->hostname) != 0) {
		run_warn(r,
			 "run %s ran on host '%s': its local processes (shell steps, hooks, pg_dump) cannot be "
			 "checked from '%s': make sure none is still running there",
			 killed->id, killed->host, r->hostname);
		return 0;
	}
	char *want = xasprintf("STAGECOACH_RUN_ID=%s", killed->id);
	size_t n;
	pid_t *pids = recovery_find(want, &n);
	if (n) {
		struct buf list = BUF_INIT;
		pid_t mine = getpgrp();
		for (size_t i = 0; i < n; i++) {
			pid_t g = recovery_pgrp(pids[i]);
			buf_addf(&list, "%s%d", i ? ", " : "", (int)pids[i]);
			if (g > 1 && g != mine && recovery_in(pids, n, g))
				kill(-g, SIGTERM);
			kill(pids[i], SIGTERM);
		}
		run_warn(r, "run %s was killed but left %zu process%s running (pid %s): ended before going on", killed->id,
			 n, n == 1 ? "" : "es", buf_str(&list));
		buf_release(&list);
		long long until = time_mono_ms() + 3000;
		size_t left = n;
		while (left && time_mono_ms() < until) {
			usleep(50 * 1000);
			left = 0;
			for (size_t i = 0; i < n; i++)
				left += recovery_pgrp(pids[i]) >= 0;
		}
		for (size_t i = 0; left && i < n; i++) {
			pid_t g = recovery_pgrp(pids[i]);
			if (g < 0)
				continue;
			if (g > 1 && g != mine && recovery_in(pids, n, g))
				kill(-g, SIGKILL);
			kill(pids[i], SIGKILL);
		}
	}
	free(pids);
	free(want);
	return (int)n;
}
