/* Unit tests of pgtools' pure parts: TOC list filtering, sizes, messages. */
#include <stdlib.h>
#include "unit.h"
#include "../../steps/pgtools.h"

int main(void)
{
	CHECK(pgtools_list_line_is_schema("6; 2615 16386 SCHEMA - stagecoach sc", "stagecoach"));
	CHECK(pgtools_list_line_is_schema("3362; 0 0 COMMENT - SCHEMA stagecoach sc", "stagecoach"));
	CHECK(pgtools_list_line_is_schema("3363; 0 0 ACL - SCHEMA stagecoach postgres", "stagecoach"));
	CHECK(!pgtools_list_line_is_schema("216; 1259 16387 TABLE stagecoach runs sc", "stagecoach"));
	CHECK(!pgtools_list_line_is_schema("7; 2615 16401 SCHEMA - stagecoach_old sc", "stagecoach"));
	CHECK(!pgtools_list_line_is_schema("217; 1259 16394 TABLE public stagecoach sc", "stagecoach"));
	CHECK(!pgtools_list_line_is_schema(";     dbname: stagecoach", "stagecoach"));
	CHECK(!pgtools_list_line_is_schema("3359; 0 0 COMMENT - SCHEMA public sc", "stagecoach"));

	char h[32];
	pgtools_human_size(999, h, sizeof h);
	CHECK_STR(h, "999 B");
	pgtools_human_size(1500000, h, sizeof h);
	CHECK_STR(h, "1.5 MB");

	struct buf b = BUF_INIT;
	buf_adds(&b, "pg_dump: last built-in OID is 16383\npg_dump: error: connection failed: FATAL:  no\nmore\n");
	CHECK_STR(pgtools_first_error(&b), "pg_dump: error: connection failed: FATAL:  no");
	buf_release(&b);
	CHECK_STR(pgtools_first_error(NULL), "");

	char *p = pgtools_find("/opt/pg/bin/pg_dump", "pg_dump");
	CHECK_STR(p, "/opt/pg/bin/pg_dump");
	free(p);
	p = pgtools_find(NULL, "no_such_tool_xyz");
	CHECK_STR(p, "no_such_tool_xyz");
	free(p);
	return unit_done();
}
