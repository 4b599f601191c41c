/*
 * fdlimit: room for more file descriptors under RLIMIT_NOFILE.  Before a
 * step opens many sockets at once (an SSH batch), it asks for them here:
 * the soft limit is raised toward the hard one when the descriptors open
 * now plus those asked for do not fit, and the caller is told when even
 * the hard limit is too low, so that it refuses before opening any.
 */
#ifndef SC_FDLIMIT_H
#define SC_FDLIMIT_H

#include <stddef.h>

struct fdlimit {
	size_t in_use; /* descriptors open when asked */
	size_t soft;   /* the soft limit after the call (raised or not) */
	size_t hard;   /* the hard limit */
	int raised;    /* the soft limit was raised */
};

/* Descriptors open in this process now (/proc/self/fd; else a count of the
 * open ones below the soft limit). */
size_t fdlimit_in_use(void);

/* Room for `more` descriptors on top of those open now.  Raises the soft
 * limit as far as needed (never beyond the hard one; never lowers it).
 * 0 when they fit, -1 when even the hard limit is too low (the soft limit
 * is then left as it was).  *out says what was found. */
int fdlimit_reserve(size_t more, struct fdlimit *out);

#endif
