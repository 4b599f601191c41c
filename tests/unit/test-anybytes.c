/* Unit tests of the "any bytes" helpers: UTF-8 repair, capped lines,
 * shell-quoted expansion, redaction of URL passwords and multi-line
 * secrets before encoding (issue 13, classes 1, 2, 6). */
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "../../lib/expand.h"
#include "../../lib/proc.h"
#include "../../lib/redact.h"
#include "../../lib/shellexpand.h"
#include "../../lib/utf8.h"
#include "../../lib/util.h"

static void check_clean(const char *in, size_t n, const char *want)
{
	char *s = utf8_clean(in, n);
	CHECK_STR(s, want);
	CHECK(utf8_valid(s, strlen(s)));
	free(s);
}

int main(void)
{
	/* UTF-8 repair */
	CHECK(utf8_valid("plain ascii text, longer than eight", 35));
	CHECK(utf8_valid("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14));
	CHECK(!utf8_valid("a\0b", 3));
	check_clean("ok", 2, "ok");
	check_clean("a\xff" "b", 3, "a\xef\xbf\xbd" "b");
	check_clean("\xc3\x28", 2, "\xef\xbf\xbd(");                      /* cut sequence */
	check_clean("\xe0\x80\xaf", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* overlong '/' */
	check_clean("\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* surrogate */
	check_clean("\xf4\x90\x80\x80", 4, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* > U+10FFFF */
	check_clean("x\0y", 3, "x\xef\xbf\xbdy");
	check_clean("\xe2\x82", 2, "\xef\xbf\xbd\xef\xbf\xbd"); /* truncated at the end */

	/* capped lines: head and tail kept, the drop counted */
	struct line_cap l = LINE_CAP_INIT;
	line_cap_add(&l, "short\r", 6);
	char *s = line_cap_take(&l);
	CHECK_STR(s, "short");
	free(s);
	char *big = malloc(1000000);
	memset(big, 'a', 1000000);
	big[0] = 'H';
	big[999999] = 'T';
	for (int i = 0; i < 10; i++)
		line_cap_add(&l, big, 1000000);
	s = line_cap_take(&l);
	CHECK(strlen(s) < LINE_CAP_HEAD + LINE_CAP_TAIL + 64);
	CHECK(s[0] == 'H');
	CHECK(s[strlen(s) - 1] == 'T');
	CHECK(strstr(s, "[... 9934464 bytes dropped ...]") != NULL);
	free(s);
	CHECK(line_cap_empty(&l));
	line_cap_release(&l);
	free(big);

	/* ${...} in commands: one quoted word, exported */
	struct kv vars[] = { { "branch", "main'; touch x; echo '" } };
	struct expand_ctx ctx = { .vars = vars, .nvars = 1, .env = "staging", .release = "v1;$(id)`id`|x\ny",
				  .run_id = "RID" };
	struct err e = ERR_INIT;
	char **exports = NULL;
	CHECK(expand_command("deploy ${release} ${vars.branch} $$HOME ${NOPE_X:-d f}", &ctx, &s, &exports, &e) == 0);
	CHECK_STR(s, "deploy 'v1;$(id)`id`|x\ny' 'main'\\''; touch x; echo '\\''' $HOME 'd f'");
	free(s);
	CHECK_INT(strv_len(exports), 3);
	CHECK_STR(exports[0], "STAGECOACH_RELEASE=v1;$(id)`id`|x\ny");
	CHECK_STR(exports[1], "STAGECOACH_VAR_BRANCH=main'; touch x; echo '");
	CHECK_STR(exports[2], "NOPE_X=d f");
	strv_free(exports);
	CHECK(expand_command("x ${unclosed", &ctx, &s, NULL, &e) < 0);
	s = expand_export_name("host.name");
	CHECK_STR(s, "STAGECOACH_HOST_NAME");
	free(s);

	/* URL passwords whatever they hold, and what a parser cuts them into */
	redact_add_url_password("postgresql://u:pass/word?more#stuff@host:5432/db");
	s = redact("could not connect: postgresql://u:pass/word?more#stuff@host:5432/db, port \"pass\", "
		   "'word?more' \"stuff@host\"");
	CHECK(strstr(s, "pass") == NULL && strstr(s, "word") == NULL && strstr(s, "more") == NULL &&
	      strstr(s, "stuff") == NULL);
	CHECK(strstr(s, "u:***@host") != NULL);
	free(s);
	redact_add_url_password("postgresql://u:p%40ss%2Fw%3Fx@h/db");
	s = redact("p@ss/w?x and p%40ss%2Fw%3Fx");
	CHECK_STR(s, "*** and ***");
	free(s);
	redact_add_url_password("run psql 'postgresql://me:hunter22@db/x' now");
	s = redact("hunter22");
	CHECK_STR(s, "***");
	free(s);
	redact_add_url_password("host=db password='it\\'s a pw' user=x");
	s = redact("it\\'s a pw");
	CHECK_STR(s, "***");
	free(s);

	/* a multi-line secret: each line; redaction before JSON encoding */
	redact_add("-----BEGIN KEY-----\nAAAABBBBCCCCDDDD\r\nEEEEFFFF\nab\n-----END KEY-----\n");
	s = redact("line AAAABBBBCCCCDDDD and EEEEFFFF but ab");
	CHECK_STR(s, "line *** and *** but ab");
	free(s);
	redact_add("q\"uo\\te\tx");
	json_t *j = json_pack("{s:s, s:[s]}", "a", "say q\"uo\\te\tx", "b", "q\"uo\\te\tx");
	redact_json_tree(j);
	char *d = json_dumps(j, JSON_COMPACT);
	CHECK_STR(d, "{\"a\":\"say ***\",\"b\":[\"***\"]}");
	free(d);
	json_decref(j);
	j = redact_json_string("bad \xff bytes");
	CHECK_STR(json_string_value(j), "bad \xef\xbf\xbd bytes");
	json_decref(j);
	redact_clear();
	return unit_done();
}
