/*
 * notify: POST a JSON summary of a finished run to every URL of
 * hooks.notify.  A failure is a warning, never a failed run.
 */
#ifndef SC_NOTIFY_H
#define SC_NOTIFY_H

struct run;

void notify_send(struct run *r, const char *status, const char *error);

#endif
