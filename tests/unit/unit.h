/*
 * unit.h: the smallest test harness.  Each tests/unit/test-*.c is one binary
 * linked with every module but main.c; it exits non-zero when a check failed.
 *   CHECK(cond)            record a failure with file:line
 *   CHECK_STR(a, b)        strings equal (NULL-safe)
 *   CHECK_INT(a, b)
 *   return unit_done();    at the end of main
 */
#ifndef SC_UNIT_H
#define SC_UNIT_H
#include <stdio.h>
#include <string.h>

static int unit_checks, unit_failures;
#define CHECK(c) do { unit_checks++; if (!(c)) { unit_failures++; \
	fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); } } while (0)
#define CHECK_STR(a, b) do { const char *a_ = (a), *b_ = (b); unit_checks++; \
	if (!((a_ == NULL && b_ == NULL) || (a_ && b_ && strcmp(a_, b_) == 0))) { unit_failures++; \
	fprintf(stderr, "%s:%d: got \"%s\", want \"%s\"\n", __FILE__, __LINE__, a_ ? a_ : "(null)", \
		b_ ? b_ : "(null)"); } } while (0)
#define CHECK_INT(a, b) do { long long a_ = (a), b_ = (b); unit_checks++; if (a_ != b_) { unit_failures++; \
	fprintf(stderr, "%s:%d: got %lld, want %lld (%s)\n", __FILE__, __LINE__, a_, b_, #a); } } while (0)
static inline int unit_done(void)
{
	printf("%d checks, %d failed\n", unit_checks, unit_failures);
	return unit_failures ? 1 : 0;
}
#endif
