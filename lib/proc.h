/*
 * proc: run a child process (/bin/sh -c COMMAND, or an argv) with a given
 * environment and working folder, its stdout and stderr captured together
 * line by line, a timeout, and a stop flag (SIGINT/SIGTERM of ours).  On
 * timeout or stop the child's process group gets SIGTERM, then SIGKILL.
 * proc_fork is the fork of every child of a run (proc_run's and pgtools'):
 * with a watch set, the child is handed to it before it runs anything.
 *
 * Ownership: res->output is the caller's (proc_result_release).  The child's
 * descriptors are closed by proc_run on every path.
 */
#ifndef SC_PROC_H
#define SC_PROC_H

#include <signal.h>
#include "err.h"
#include "util.h"

/*
 * line_cap: one output line being received, in bounded memory whatever
 * its length: the first LINE_CAP_HEAD and last LINE_CAP_TAIL bytes are kept,
 * the middle is counted ("[... 1048576 bytes dropped ...]").  '\r' bytes are
 * dropped.  line_cap_take gives the line as valid UTF-8 (lib/utf8.h).
 * head_max/tail_max other than 0 set other sizes (HTTP bodies), and
 * line_cap_add_bytes/line_cap_take_bytes keep every byte as it came.
 */
#define LINE_CAP_HEAD (32 * 1024)
#define LINE_CAP_TAIL (32 * 1024)
struct line_cap {
	struct buf head;           /* up to LINE_CAP_HEAD bytes */
	char *tail;                /* ring of LINE_CAP_TAIL bytes, allocated on overflow */
	size_t tail_pos, tail_len; /* next write position, bytes held */
	unsigned long long dropped;
	size_t head_max, tail_max; /* 0: LINE_CAP_HEAD, LINE_CAP_TAIL */
};
#define LINE_CAP_INIT { BUF_INIT, NULL, 0, 0, 0, 0, 0 }
void line_cap_add(struct line_cap *l, const char *data, size_t n);
void line_cap_add_bytes(struct line_cap *l, const char *data, size_t n);
/* The bytes so far, with the dropped marker; into *out (reset first), l emptied. */
void line_cap_take_bytes(struct line_cap *l, struct buf *out);
int line_cap_empty(const struct line_cap *l);
/* The line so far (caller frees), and l is empty again. */
char *line_cap_take(struct line_cap *l);
void line_cap_release(struct line_cap *l);

struct proc_result {
	int exited;        /* exited normally: status is its exit code */
	int status;
	int signaled;      /* killed by signal `status` */
	int timed_out;
	int stopped;       /* cut because *stop was set */
	char *output;      /* the last 64 KiB of combined output, NUL-terminated, valid UTF-8 */
	long long duration_ms;
};

/* on_line is called for each output line (without newline, capped and
 * repaired as by line_cap), may be NULL. */
int proc_run(char *const argv[], char *const envp[], const char *cwd, long long timeout_ms,
	     void (*on_line)(void *ctx, const char *line), void *ctx, volatile sig_atomic_t *stop,
	     struct proc_result *res, struct err *e);
int proc_run_shell(const char *command, char *const envp[], const char *cwd, long long timeout_ms,
		   void (*on_line)(void *ctx, const char *line), void *ctx, volatile sig_atomic_t *stop,
		   struct proc_result *res, struct err *e);
void proc_result_release(struct proc_result *res);
/* The last n lines of the output, for error messages; caller frees. */
char *proc_tail(const struct proc_result *res, int n);
/* "exited with status 3" / "was killed by signal 9" / "timed out after 5000 ms" */
void proc_describe(const struct proc_result *res, long long timeout_ms, char *buf, size_t len);

/*
 * The children of a run, for its recovery after a kill -9 of stagecoach
 * (env/recovery.h).  With a watch set, every child that proc_run or
 * proc_fork starts is handed to watch->started before it runs anything:
 * the child waits for the parent's go on a socket, so a parent killed
 * before it recorded the child leaves a child that exits at once (125)
 * without running its program.  One watch per process (one run).
 */
struct proc_child {
	pid_t pid;
	pid_t pgid;               /* == pid: the child leads a process group of its own */
	unsigned long long start; /* start time in clock ticks after boot (/proc/PID/stat) */
	const char *what;         /* its program's base name ("sh", "pg_dump") */
};
struct proc_watch {
	void (*started)(void *ctx, const struct proc_child *c);
	void *ctx;
};
/* Set (copied) or clear (NULL) the watch. */
void proc_set_watch(const struct proc_watch *w);
/* The watch's ctx, NULL when none is set. */
void *proc_watch_ctx(void);
/* fork() for a child that will run `what`; with new_group it leads a
 * process group of its own (set on both sides of the fork).  0 in the
 * child once the watch has it, its pid in the parent, -1 with errno. */
pid_t proc_fork(const char *what, int new_group);
/* pid's start time (clock ticks after boot) and, if pgid is not NULL,
 * its process group; 0 when pid is gone or a zombie. */
unsigned long long proc_start_time(pid_t pid, pid_t *pgid);
/* This boot's id (/proc/sys/kernel/random/boot_id), "" when unknown. */
const char *proc_boot_id(void);

#endif
