/* cmd-promote: placeholder until its issue lands: answers "not yet implemented". */
#include "cmd.h"

int cmd_promote(int argc, char **argv, struct global *g, struct err *e)
{
	return err_set(e, SC_EUSAGE, "'promote' is not yet implemented in this version");
}
