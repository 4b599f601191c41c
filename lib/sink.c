/*
 * sink: dispatch to the implementation a run carries (see sink.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "redact.h"
#include "sink.h"
#include "util.h"

void sink_plan_line(const struct sink *s, struct run *r, struct step_exec *x, const char *text)
{
	if (s && s->ops && s->ops->plan_line)
		s->ops->plan_line(s->ctx, r, x, text);
}

void sink_progress(const struct sink *s, struct run *r, struct step_exec *x, const char *text)
{
	if (s && s->ops && s->ops->progress)
		s->ops->progress(s->ctx, r, x, text);
}

void sink_log(const struct sink *s, struct run *r, struct step_exec *x, const char *line)
{
	if (s && s->ops && s->ops->log)
		s->ops->log(s->ctx, r, x, line);
}

void sink_warn(const struct sink *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (s && s->ops && s->ops->warn) {
		s->ops->warn(s->ctx, msg);
	} else {
		char *red = redact(msg);
		fflush(stdout);
		fprintf(stderr, "stagecoach: warning: %s\n", red);
		free(red);
	}
	free(msg);
}

void sink_prompt(const struct sink *s)
{
	if (s && s->ops && s->ops->prompt)
		s->ops->prompt(s->ctx);
	fflush(stdout);
}
