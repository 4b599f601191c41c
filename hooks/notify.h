/*
 * notify: POST a message about a run to every target of hooks.notify, in
 * its format (stagecoach's JSON summary, Slack's or Microsoft Teams'
 * incoming-webhook shape), when the run starts and when it ends.  Each
 * request is bounded by its timeout; a failure is a warning, never a failed
 * run, and no secret is in any payload.
 */
#ifndef SC_NOTIFY_H
#define SC_NOTIFY_H

struct run;

/* The run's row is written and its steps are about to run: the targets
 * whose events hold "start" are told; the release to roll back to is
 * looked up now. */
void notify_run_started(struct run *r);
/* The run ended with this status (its records' word), error (NULL on
 * success) and exit code. */
void notify_send(struct run *r, const char *status, const char *error, int exit_code);

#endif
