/*
 * fdlimit: see fdlimit.h.  The count of open descriptors matters, not the
 * highest one: socket() and open() take the lowest free number, and fail
 * with EMFILE only when as many as the soft limit are open.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include "fdlimit.h"

size_t fdlimit_in_use(void)
{
	size_t n = 0;
	DIR *d = opendir("/proc/self/fd");
	if (d) {
		struct dirent *de;
		while ((de = readdir(d)))
			if (de->d_name[0] != '.')
				n++;
		closedir(d);
		return n ? n - 1 : 0; /* the directory's own descriptor */
	}
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1 << 20)
		rl.rlim_cur = 1 << 20;
	for (rlim_t fd = 0; fd < rl.rlim_cur; fd++)
		if (fcntl((int)fd, F_GETFD) != -1)
			n++;
	return n;
}

static size_t fdlimit_size(rlim_t v)
{
	return v == RLIM_INFINITY || v > (rlim_t)((size_t)-1 / 2) ? (size_t)-1 / 2 : (size_t)v;
}

int fdlimit_reserve(size_t more, struct fdlimit *out)
{
	struct rlimit rl;
	struct fdlimit f = { 0 };
	f.in_use = fdlimit_in_use();
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
		f.soft = f.hard = (size_t)-1 / 2;
		*out = f;
		return 0; /* unknown: let the sockets themselves tell */
	}
	f.soft = fdlimit_size(rl.rlim_cur);
	f.hard = fdlimit_size(rl.rlim_max);
	size_t need = f.in_use + more;
	if (need <= f.soft) {
		*out = f;
		return 0;
	}
	if (need > f.hard) {
		*out = f;
		return -1;
	}
	struct rlimit want = rl;
	want.rlim_cur = (rlim_t)need;
	if (setrlimit(RLIMIT_NOFILE, &want) == 0) {
		f.soft = need;
		f.raised = 1;
		*out = f;
		return 0;
	}
	*out = f;
	return -1;
}
