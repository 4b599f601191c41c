/* fdlimit: counting open descriptors, raising the soft limit, refusing
 * beyond the hard one (in this process: the limits are set and put back). */
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>
#include "unit.h"
#include "../../lib/fdlimit.h"

int main(void)
{
	struct rlimit saved, rl;
	struct fdlimit f;
	size_t n0 = fdlimit_in_use();
	int fds[5];
	for (int i = 0; i < 5; i++)
		fds[i] = open("/dev/null", O_RDONLY);
	CHECK_INT(fdlimit_in_use(), n0 + 5);
	for (int i = 0; i < 5; i++)
		close(fds[i]);
	CHECK_INT(fdlimit_in_use(), n0);

	CHECK(getrlimit(RLIMIT_NOFILE, &saved) == 0);
	if (saved.rlim_max != RLIM_INFINITY && saved.rlim_max < 300) {
		printf("hard limit %llu: the raise is not checked\n", (unsigned long long)saved.rlim_max);
		return unit_done();
	}
	/* soft 64: 100 more fit once raised, to exactly what is needed */
	rl = saved;
	rl.rlim_cur = 64;
	CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
	CHECK_INT(fdlimit_reserve(10, &f), 0);
	CHECK_INT(f.raised, 0);
	CHECK_INT(f.soft, 64);
	CHECK_INT(fdlimit_reserve(100, &f), 0);
	CHECK_INT(f.raised, 1);
	CHECK_INT(f.soft, n0 + 100);
	CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	CHECK_INT(rl.rlim_cur, n0 + 100);
	/* beyond the hard limit: refused, the soft limit left as it was */
	CHECK_INT(fdlimit_reserve(f.hard + 1, &f), -1);
	CHECK_INT(f.in_use, n0);
	CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	CHECK_INT(rl.rlim_cur, n0 + 100);
	setrlimit(RLIMIT_NOFILE, &saved);
	return unit_done();
}
