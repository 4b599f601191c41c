/* junit: JUnit XML report of a run (see junit.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config.h"
#include "junit.h"
#include "../lib/redact.h"
#include "../lib/util.h"
#include "../env/run.h"
#include "../steps/step.h"

static void xml_escaped(struct buf *b, const char *s)
{
	char *r = redact(s ? s : "");
	for (const unsigned char *p = (const unsigned char *)r; *p; p++) {
		switch (*p) {
		case '<': buf_adds(b, "&lt;"); break;
		case '>': buf_adds(b, "&gt;"); break;
		case '&': buf_adds(b, "&amp;"); break;
		case '"': buf_adds(b, "&quot;"); break;
		case '\'': buf_adds(b, "&apos;"); break;
		default:
			if (*p < 0x20 && *p != '\n' && *p != '\t')
				buf_addc(b, ' '); /* not allowed in XML 1.0 */
			else
				buf_addc(b, (char)*p);
		}
	}
	free(r);
}

int junit_write(struct run *r, const char *path, const char *status, const char *error, struct err *e)
{
	struct buf b = BUF_INIT;
	int tests = 0, failures = 0, skipped = 0;
	long long total = 0;
	for (size_t i = 0; i < r->nexecs; i++) {
		struct step_exec *x = &r->execs[i];
		if (x->status == STEP_PENDING)
			continue;
		tests++;
		total += x->duration_ms;
		if (x->failed)
			failures++;
		if (x->status == STEP_ROLLBACK_FAILED)
			failures++;
		if (x->status == STEP_SKIPPED || x->status == STEP_PAUSED)
			skipped++;
		if (x->status == STEP_ROLLED_BACK || x->status == STEP_ROLLBACK_FAILED)
			tests++; /* the step, and its rollback */
	}
	buf_adds(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
	buf_adds(&b, "  <testsuite name=\"");
	xml_escaped(&b, r->command);
	buf_adds(&b, " ");
	xml_escaped(&b, r->env->name);
	buf_addf(&b, "\" tests=\"%d\" failures=\"%d\" skipped=\"%d\" time=\"%.3f\" id=\"", tests, failures, skipped,
		 (double)total / 1000.0);
	xml_escaped(&b, r->run_id);
	buf_adds(&b, "\">\n    <properties>\n");
	const char *props[][2] = { { "run_id", r->run_id }, { "release", r->release },
				   { "content_hash", r->content_hash ? r->content_hash : "" }, { "status", status },
				   { "actor", r->actor } };
	for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
		buf_addf(&b, "      <property name=\"%s\" value=\"", props[i][0]);
		xml_escaped(&b, props[i][1]);
		buf_adds(&b, "\"/>\n");
	}
	buf_adds(&b, "    </properties>\n");
	for (size_t i = 0; i < r->nexecs; i++) {
		struct step_exec *x = &r->execs[i];
		if (x->status == STEP_PENDING)
			continue;
		int undone = x->status == STEP_ROLLED_BACK || x->status == STEP_ROLLBACK_FAILED;
		buf_adds(&b, "    <testcase classname=\"");
		xml_escaped(&b, x->step->kind);
		buf_adds(&b, "\" name=\"");
		xml_escaped(&b, x->step->name);
		buf_addf(&b, "\" time=\"%.3f\"", (double)x->duration_ms / 1000.0);
		if (x->status == STEP_SKIPPED) {
			buf_adds(&b, "><skipped message=\"not run on this environment\"/></testcase>\n");
		} else if (x->status == STEP_PAUSED) {
			buf_adds(&b, "><skipped message=\"paused at this checkpoint: waiting for approval\"/></testcase>\n");
		} else if (x->failed) {
			buf_adds(&b, "><failure message=\"");
			xml_escaped(&b, x->error);
			buf_adds(&b, "\"/></testcase>\n");
		} else {
			buf_adds(&b, "/>\n");
		}
		if (undone) {
			buf_adds(&b, "    <testcase classname=\"rollback\" name=\"");
			xml_escaped(&b, x->step->name);
			buf_addf(&b, "\" time=\"%.3f\"", (double)x->rollback_ms / 1000.0);
			if (x->status == STEP_ROLLBACK_FAILED) {
				buf_adds(&b, "><failure message=\"");
				xml_escaped(&b, x->rollback_error);
				buf_adds(&b, "\"/></testcase>\n");
			} else {
				buf_adds(&b, "/>\n");
			}
		}
	}
	if (error) {
		buf_adds(&b, "    <system-err>");
		xml_escaped(&b, error);
		buf_adds(&b, "</system-err>\n");
	}
	buf_adds(&b, "  </testsuite>\n</testsuites>\n");
	char *tmp = xasprintf("%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	int rc = 0;
	if (!f || fwrite(b.data, 1, b.len, f) != b.len || fclose(f) != 0 || rename(tmp, path) != 0) {
		rc = err_set(e, SC_EFAIL, "cannot write the JUnit report '%s': %s", path, strerror(errno));
		unlink(tmp);
	}
	free(tmp);
	buf_release(&b);
	return rc;
}
