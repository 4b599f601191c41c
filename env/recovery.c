/*
 * recovery: runs that block deploys, and the commands that unblock them
 * (see recovery.h); the record of each child process a run starts, and the
 * ending of a killed run's children from those records (and from their
 * STAGECOACH_RUN_ID mark, as a fallback).
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
#include "../lib/proc.h"
#include "../lib/redact.h"
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

void recovery_next_commands(const char *env, const char *status, const char *command, char *buf, size_t len)
{
	if (strcmp(status, "rollback_failed") == 0)
		snprintf(buf, len,
			 "run 'stagecoach rollback %s --last' to complete its rollback, or, once a person has fixed what "
			 "remains, 'stagecoach resolve %s --approve --note \"what was done\"'",
			 env, env);
	else if (command && strcmp(command, "deploy") != 0 && strcmp(command, "promote") != 0)
		/* a killed rollback, backup or restore: nothing to resume */
		snprintf(buf, len,
			 "run 'stagecoach rollback %s --last' to finish undoing (it closes the killed run), or, once a "
			 "person has fixed it, 'stagecoach resolve %s --approve --note \"what was done\"'",
			 env, env);
	else
		snprintf(buf, len,
			 "run 'stagecoach deploy %s --resume' to continue it, 'stagecoach rollback %s --last' to undo it, or, "
			 "once a person has fixed it, 'stagecoach resolve %s --approve --note \"what was done\"'",
			 env, env, env);
}

/* ---- recording a run's children ---- */

/* lib/proc's watch: each child of the run, before it runs anything */
static void recovery_child_started(void *ctx, const struct proc_child *c)
{
	struct run *r = ctx;
	if (!r->state || !r->state->run_id || !c->start)
		return; /* no run row yet (preflight), or the child is gone already */
	char *what = redact(c->what);
	json_t *rec = json_pack("{s:I,s:I,s:I,s:s,s:s}", "pid", (json_int_t)c->pid, "pgid", (json_int_t)c->pgid,
				"start", (json_int_t)c->start, "boot", proc_boot_id(), "what", what);
	struct err e = ERR_INIT;
	if (state_run_child_add(r->state, r->state->run_id, rec, &e) < 0)
		run_warn(r,
			 "cannot record process %d (%s) of run %s: %s; should this run be killed, the command that "
			 "moves it on finds it only if it keeps STAGECOACH_RUN_ID in its environment",
			 (int)c->pid, what, r->state->run_id, e.msg);
	json_decref(rec);
	free(what);
}

void recovery_watch(struct run *r)
{
	struct proc_watch w = { recovery_child_started, r };
	proc_set_watch(&w);
}

void recovery_unwatch(struct run *r)
{
	if (proc_watch_ctx() == r)
		proc_set_watch(NULL);
}

/* ---- ending a killed run's children ---- */

/* A process (group) to end: pid with its start time; group: pid leads a
 * group of its own and the whole group is signalled. */
struct recovery_target {
	pid_t pid;
	unsigned long long start;
	int group;
	const char *how; /* "recorded", "found by its environment" */
};

struct recovery_targets {
	struct recovery_target *v;
	size_t n;
};

static void recovery_add(struct recovery_targets *t, pid_t pid, unsigned long long start, int group, const char *how)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].pid == pid) {
			t->v[i].group |= group;
			return;
		}
	t->v = xrealloc(t->v, (t->n + 1) * sizeof(*t->v));
	t->v[t->n++] = (struct recovery_target){ pid, start, group, how };
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

/* The recorded children still alive as the same process (same pid and
 * start time, same boot): a pid reused by another process is never
 * touched.  A child that led its own group has the group ended with it. */
static void recovery_from_records(struct run *r, const struct state_run *killed, struct recovery_targets *t)
{
	json_t *kids = NULL;
	struct err e = ERR_INIT;
	if (state_run_children(r->state, killed->id, &kids, &e) < 0) {
		run_warn(r, "cannot read the processes recorded for run %s: %s", killed->id, e.msg);
		return;
	}
	const char *boot = proc_boot_id();
	size_t i;
	json_t *k;
	json_array_foreach(kids, i, k) {
		pid_t pid = (pid_t)json_integer_value(json_object_get(k, "pid"));
		pid_t pgid = (pid_t)json_integer_value(json_object_get(k, "pgid"));
		unsigned long long start = (unsigned long long)json_integer_value(json_object_get(k, "start"));
		const char *kb = json_string_value(json_object_get(k, "boot"));
		if (pid <= 1 || !start || (kb && *kb && *boot && strcmp(kb, boot) != 0))
			continue; /* the machine restarted since: nothing of that run runs */
		pid_t now_pgid = 0;
		if (proc_start_time(pid, &now_pgid) != start)
			continue; /* gone, or its pid now belongs to another process */
		recovery_add(t, pid, start, pgid == pid && now_pgid == pid, "recorded");
	}
	json_decref(kids);
}

/* The fallback: live processes carrying want in their environment (every
 * child of a run has STAGECOACH_RUN_ID): finds what left the recorded
 * groups (setsid, daemons) and children that could not be recorded.  A
 * group is ended only when its leader carries the mark too. */
static void recovery_from_environ(const char *want, struct recovery_targets *t)
{
	pid_t self = getpid(), mine = getpgrp();
	DIR *d = opendir("/proc");
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid_t pid = (pid_t)atoi(de->d_name), pgid = 0;
		if (pid == self || !recovery_environ_has(pid, want))
			continue;
		unsigned long long start = proc_start_time(pid, &pgid);
		if (!start)
			continue;
		int leads = pgid == pid && pgid != mine;
		recovery_add(t, pid, start, leads, "found by its environment");
	}
	closedir(d);
}

/* Whether target x is still running: its process, or for a group any of
 * the group's processes (a group's id is not reused while it has one). */
static int recovery_alive(const struct recovery_target *x)
{
	if (proc_start_time(x->pid, NULL) == x->start)
		return 1;
	if (!x->group)
		return 0;
	DIR *d = opendir("/proc");
	if (!d)
		return 0;
	struct dirent *de;
	int alive = 0;
	while (!alive && (de = readdir(d)) != NULL) {
		pid_t g = 0;
		if (isdigit((unsigned char)de->d_name[0]) && proc_start_time((pid_t)atoi(de->d_name), &g) && g == x->pid)
			alive = 1;
	}
	closedir(d);
	return alive;
}

static void recovery_signal(const struct recovery_target *x, int sig)
{
	pid_t g = 0;
	if (x->pid == getpid() || (x->group && x->pid == getpgrp()))
		return; /* never ourselves */
	int same = proc_start_time(x->pid, &g) == x->start;
	if (x->group && (!same || g == x->pid))
		kill(-x->pid, sig); /* its leader, or what is left of its group */
	else if (same)
		kill(x->pid, sig);
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
	struct recovery_targets t = { NULL, 0 };
	if (r->state)
		recovery_from_records(r, killed, &t);
	char *want = xasprintf("STAGECOACH_RUN_ID=%s", killed->id);
	recovery_from_environ(want, &t);
	free(want);
	if (t.n) {
		struct buf list = BUF_INIT;
		for (size_t i = 0; i < t.n; i++) {
			char comm[64] = "?";
			char path[64];
			snprintf(path, sizeof(path), "/proc/%d/comm", (int)t.v[i].pid);
			FILE *f = fopen(path, "re");
			if (f) {
				if (!fgets(comm, sizeof(comm), f))
					snprintf(comm, sizeof(comm), "?");
				comm[strcspn(comm, "\n")] = '\0';
				fclose(f);
			}
			buf_addf(&list, "%s%d %s%s, %s", i ? "; " : "", (int)t.v[i].pid, comm,
				 t.v[i].group ? " and its process group" : "", t.v[i].how);
			recovery_signal(&t.v[i], SIGTERM);
		}
		run_warn(r, "run %s was killed but left %zu process%s running (pid %s): ended before going on",
			 killed->id, t.n, t.n == 1 ? "" : "es", buf_str(&list));
		buf_release(&list);
		long long until = time_mono_ms() + 3000;
		size_t left = t.n;
		while (left) {
			left = 0;
			for (size_t i = 0; i < t.n; i++)
				left += recovery_alive(&t.v[i]);
			if (!left || time_mono_ms() >= until)
				break;
			usleep(50 * 1000);
		}
		for (size_t i = 0; left && i < t.n; i++)
			if (recovery_alive(&t.v[i]))
				recovery_signal(&t.v[i], SIGKILL);
	}
	int n = (int)t.n;
	free(t.v);
	return n;
}
