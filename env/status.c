/*
 * status: names of step statuses (see status.h).
 */
#include "status.h"

const char *step_status_name(enum step_status s)
{
	switch (s) {
	case STEP_PENDING: return "pending";
	case STEP_RUNNING: return "running";
	case STEP_SUCCEEDED: return "succeeded";
	case STEP_FAILED: return "failed";
	case STEP_SKIPPED: return "skipped";
	case STEP_ROLLED_BACK: return "rolled_back";
	case STEP_ROLLBACK_FAILED: return "rollback_failed";
	case STEP_PAUSED: return "paused";
	}
	return "unknown";
}
