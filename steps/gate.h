/*
 * gate: another configured step run as a gate inside the current step (see
 * gate.c).
 */
#ifndef SC_GATE_H
#define SC_GATE_H

#include "../lib/err.h"

#include <stddef.h>

struct run;
struct host;

/* Run step `step_name`'s apply in the current step; 0 when it passed. */
int gate_run(struct run *r, const char *step_name, struct err *e);

/* The gate after a batch of hosts: once per host of hosts[0..n), with that
 * host's ${host.name}/${host.address}, when the gate uses them (it is
 * `gate_only`); else once.  Stops at the first host that fails. */
int gate_run_hosts(struct run *r, const char *step_name, struct host **hosts, size_t n, struct err *e);

#endif
