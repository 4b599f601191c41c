/*
 * sink: how the lower layers (env/, steps/, hooks/) report to the user
 * without knowing how it is shown (libcurl's CURLOPT_XFERINFOFUNCTION): a
 * table of functions and an opaque pointer that a run carries.  The
 * orchestrator provides the text and JSON implementations
 * (orchestrator/output.c, output_sink()); a zeroed sink prints warnings to
 * stderr and drops the rest.
 *
 * Every text is borrowed; the implementation redacts it before showing it.
 */
#ifndef SC_SINK_H
#define SC_SINK_H

struct run;
struct step_exec;

struct sink_ops {
	/* a line of what plan/--dry-run would do for step x */
	void (*plan_line)(void *ctx, struct run *r, struct step_exec *x, const char *text);
	/* live progress of step x ("migration 3/12") */
	void (*progress)(void *ctx, struct run *r, struct step_exec *x, const char *text);
	/* an output line of step x (shown with -v) */
	void (*log)(void *ctx, struct run *r, struct step_exec *x, const char *line);
	/* a warning, always shown ("stagecoach: warning: ...") */
	void (*warn)(void *ctx, const char *msg);
	/* a question is about to be asked on the terminal: end the live
	 * progress line, so the question starts on a line of its own */
	void (*prompt)(void *ctx);
};

struct sink {
	const struct sink_ops *ops;  /* NULL: warnings to stderr, nothing else */
	void *ctx;                   /* borrowed: the implementation's */
	int verbose;                 /* -v: output lines are shown */
};

void sink_plan_line(const struct sink *s, struct run *r, struct step_exec *x, const char *text);
void sink_progress(const struct sink *s, struct run *r, struct step_exec *x, const char *text);
void sink_log(const struct sink *s, struct run *r, struct step_exec *x, const char *line);
void sink_warn(const struct sink *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Call before writing a question to the terminal (then flush stdout). */
void sink_prompt(const struct sink *s);

#endif
