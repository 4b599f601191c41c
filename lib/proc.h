/*
 * proc: run a child process (/bin/sh -c COMMAND, or an argv) with a given
 * environment and working folder, its stdout and stderr captured together
 * line by line, a timeout, and a stop flag (SIGINT/SIGTERM of ours).  On
 * timeout or stop the child's process group gets SIGTERM, then SIGKILL.
 *
 * Ownership: res->output is the caller's (proc_result_release).  The child's
 * descriptors are closed by proc_run on every path.
 */
#ifndef SC_PROC_H
#define SC_PROC_H

#include <signal.h>
#include "err.h"

struct proc_result {
	int exited;        /* exited normally: status is its exit code */
	int status;
	int signaled;      /* killed by signal `status` */
	int timed_out;
	int stopped;       /* cut because *stop was set */
	char *output;      /* the last 64 KiB of combined output, NUL-terminated */
	long long duration_ms;
};

/* on_line is called for each output line (without newline), may be NULL. */
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

#endif
