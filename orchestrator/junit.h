/*
 * junit: the steps of a run as a JUnit XML report (--junit FILE) for CI
 * systems: one testsuite per run, one testcase per step (and one per
 * rollback of a step), a <failure> carrying the error, durations in seconds.
 * Everything written is redacted.  The file is written to a temp name and
 * renamed, so a CI never reads half a report.
 */
#ifndef SC_JUNIT_H
#define SC_JUNIT_H

#include "../lib/err.h"

struct run;

int junit_write(struct run *r, const char *path, const char *status, const char *error, struct err *e);

#endif
