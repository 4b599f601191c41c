/*
 * utf8: output from steps, servers and hosts is any bytes; what stagecoach
 * stores and shows is valid UTF-8.  Each byte that does not start or belong
 * to a well-formed UTF-8 sequence (overlong forms, surrogates and code
 * points above U+10FFFF included), and each NUL, becomes U+FFFD.
 */
#ifndef SC_UTF8_H
#define SC_UTF8_H

#include <stddef.h>

/* Whether s[0..n) is valid UTF-8 without NUL bytes. */
int utf8_valid(const char *s, size_t n);
/* s[0..n) with bad bytes replaced by U+FFFD, NUL-terminated; caller frees. */
char *utf8_clean(const char *s, size_t n);

#endif
