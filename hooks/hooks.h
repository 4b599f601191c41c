/*
 * hooks: the `before`, `after` and `on_failure` shell commands of the
 * config, run with the same variables as the `shell` step.  A failing
 * `before` hook stops the run before anything changes; `after` and
 * `on_failure` failures are warnings.
 */
#ifndef SC_HOOKS_H
#define SC_HOOKS_H

#include "../lib/err.h"

struct run;

/* Run each command of list (raw, expanded here); stops at the first failure. */
int hooks_run(struct run *r, char **list, const char *which, struct err *e);

#endif
