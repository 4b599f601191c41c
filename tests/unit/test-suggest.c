/* suggest and errloc: did-you-mean names and the FILE:LINE of a message */
#include "unit.h"
#include "../../lib/errloc.h"
#include "../../lib/suggest.h"

int main(void)
{
	CHECK_INT(suggest_distance("", ""), 0);
	CHECK_INT(suggest_distance("limit", "limit"), 0);
	CHECK_INT(suggest_distance("limt", "limit"), 1);
	CHECK_INT(suggest_distance("lmiit", "limit"), 1); /* a swap is one edit */
	CHECK_INT(suggest_distance("deploy", "plan"), 4);
	CHECK_INT(suggest_distance("", "abc"), 3);

	const char *const opts[] = { "--limit", "--json", "--release", "--resume", "--approve", NULL };
	CHECK_STR(suggest_closest("--limt", opts), "--limit");
	CHECK_STR(suggest_closest("--lmiit", opts), "--limit");
	CHECK_STR(suggest_closest("--jsn", opts), "--json");
	CHECK_STR(suggest_closest("--relase", opts), "--release");
	CHECK_STR(suggest_closest("--resum", opts), "--resume");
	CHECK_STR(suggest_closest("--lim", opts), "--limit");     /* a prefix */
	CHECK_STR(suggest_closest("--force", opts), NULL);        /* nothing close */
	CHECK_STR(suggest_closest("--x", opts), NULL);
	CHECK_STR(suggest_closest("--limit", opts), NULL);        /* itself is no suggestion */
	const char *const cmds[] = { "deploy", "plan", "status", "history", "rollback", NULL };
	CHECK_STR(suggest_closest("deplyo", cmds), "deploy");
	CHECK_STR(suggest_closest("stats", cmds), "status");
	CHECK_STR(suggest_closest("plam", cmds), "plan");
	CHECK_STR(suggest_closest("frobnicate", cmds), NULL);
	CHECK_STR(suggest_closest("x", NULL), NULL);

	char f[256];
	int line = 0;
	CHECK_INT(errloc_find("stagecoach.conf:3: unknown key 'bogus'", f, sizeof f, &line), 1);
	CHECK_STR(f, "stagecoach.conf");
	CHECK_INT(line, 3);
	CHECK_INT(errloc_find("deploy 'prod': step 'migrate': m/0002_x.up.sql:14: relation \"t\" does not exist", f,
			      sizeof f, &line), 1);
	CHECK_STR(f, "m/0002_x.up.sql");
	CHECK_INT(line, 14);
	CHECK_INT(errloc_find("at 2026-12-07 00:43:52 the lock was taken", f, sizeof f, &line), 0);
	CHECK_INT(errloc_find("cannot connect to postgresql://sc:***@127.0.0.1:5432/x: refused", f, sizeof f, &line),
		  0);
	CHECK_INT(errloc_find("deploy 'x': cannot connect: port 5432: refused", f, sizeof f, &line), 0);
	CHECK_INT(errloc_find("'/tmp/a b/c.conf':0: nothing", f, sizeof f, &line), 0);
	CHECK_INT(errloc_find("", f, sizeof f, &line), 0);
	/* cut to the buffer */
	CHECK_INT(errloc_find("abcdefgh.conf:9: x", f, 5, &line), 1);
	CHECK_STR(f, "abcd");
	return unit_done();
}
