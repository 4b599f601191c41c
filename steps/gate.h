/*
 * gate: another configured step run as a gate inside the current step (see
 * gate.c).
 */
#ifndef SC_GATE_H
#define SC_GATE_H

#include "../lib/err.h"

struct run;

/* Run step `step_name`'s apply in the current step; 0 when it passed. */
int gate_run(struct run *r, const char *step_name, struct err *e);

#endif
