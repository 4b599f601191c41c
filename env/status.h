/*
 * status: the states a step of a run goes through, and their names as the
 * records (run_steps.status) and the output write them.
 */
#ifndef SC_STATUS_H
#define SC_STATUS_H

enum step_status {
	STEP_PENDING = 0,
	STEP_RUNNING,
	STEP_SUCCEEDED,
	STEP_FAILED,
	STEP_SKIPPED,
	STEP_ROLLED_BACK,
	STEP_ROLLBACK_FAILED,
	STEP_PAUSED,         /* a checkpoint waiting for its approval */
};
const char *step_status_name(enum step_status s);

#endif
