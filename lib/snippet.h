/*
 * snippet: a short, safe, one-line view of bytes someone else sent (an HTTP
 * answer's body in an error message): secrets masked first, then cut to a
 * bounded length on a character boundary, control characters escaped, so
 * that whatever a server answers cannot leak a secret, flood a terminal or
 * break a log line.
 */
#ifndef SC_SNIPPET_H
#define SC_SNIPPET_H

#include <stddef.h>

/* How many bytes of a body an error shows (snippet_of's usual max). */
#define SNIPPET_MAX 256

/* A one-line view of len bytes of data (any bytes, NULs included):
 * redacted (lib/redact.h) on the whole text before anything is cut, so a
 * secret is never shown in part; then at most max bytes of it, never a
 * character cut in two, with \n, \r, \t, \\ and \0 escaped as such, other
 * control characters as \xNN; "... (N more bytes)" when it was cut, where N
 * counts dropped (bytes already dropped before data, as by httpc's cap)
 * too.  An empty body is "(empty)".  Caller frees. */
char *snippet_of(const char *data, size_t len, size_t max, unsigned long long dropped);

#endif
