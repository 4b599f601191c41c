/*
 * filecache: the files a command reads, each read from disk once per
 * process.  Migration discovery (every file's text) and the release's
 * content hash (every shipped file's sha256) read the same files; on a
 * folder of 3,000 migrations each extra pass is 12,000 system calls.  Both
 * go through this cache, so a file is opened once, its sha256 computed
 * once, and what the content hash describes is the very text that was
 * checked and applied (one snapshot of the tree per run).
 *
 * Files of at most FILECACHE_KEEP_MAX bytes are kept whole (while the
 * cache holds less than FILECACHE_TOTAL_MAX); a larger file (a release
 * artifact, a seed file) is hashed as a stream and only its sha256 is
 * kept, and filecache_read() reads it again when asked for its bytes.
 *
 * Keys are paths as given, with repeated '/' collapsed: callers that join
 * the same folder and name get the same entry.  The cache lives as long as
 * the process (one command); filecache_clear() empties it (tests, and a
 * command that rewrites files it read).
 *
 * Ownership: the bytes returned are the cache's, valid until
 * filecache_clear(); callers that change them copy first.
 */
#ifndef SC_FILECACHE_H
#define SC_FILECACHE_H

#include <stddef.h>

#define FILECACHE_KEEP_MAX (1024 * 1024)
#define FILECACHE_TOTAL_MAX (256 * 1024 * 1024)

/*
 * The bytes of the regular file at path: *data (NUL-terminated, *len
 * bytes without the NUL; may hold NUL bytes) is borrowed from the cache.
 * Returns 0, or -1 with errno (ENOENT, EISDIR, EACCES...; EINVAL for what
 * is not a regular file).
 */
int filecache_read(const char *path, const char **data, size_t *len);
/* sha256 of the file's bytes as 64 hex digits into out: 0, or -1 with errno. */
int filecache_sha256(const char *path, char out[65]);
/* Forget every file read so far. */
void filecache_clear(void);
/* Files read from disk since the start (or the last clear): for tests. */
size_t filecache_disk_reads(void);

#endif
