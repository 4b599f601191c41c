/*
 * test-filecache: each file is read from disk once per process, its bytes
 * and sha256 shared; large files are hashed as a stream and not kept;
 * errors keep errno; paths with repeated '/' are the same entry.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "unit.h"
#include "../../lib/filecache.h"
#include "../../lib/util.h"

static void put(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	fwrite(data, 1, len, f);
	fclose(f);
}

int main(void)
{
	char dir[] = "/tmp/sc-unit-filecache.XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	char *a = xasprintf("%s/a.sql", dir), *a2 = xasprintf("%s//a.sql", dir), *big = xasprintf("%s/big", dir);
	char *nul = xasprintf("%s/nul", dir);
	put(a, "CREATE TABLE a (id int);\n", 25);

	/* read once: bytes, then the sha256, then the bytes again: one disk read */
	const char *data;
	size_t len;
	char hex[65], want[65];
	CHECK_INT(filecache_read(a, &data, &len), 0);
	CHECK_INT(len, 25);
	CHECK_STR(data, "CREATE TABLE a (id int);\n");
	CHECK_INT(filecache_sha256(a, hex), 0);
	sha256_hex("CREATE TABLE a (id int);\n", 25, want);
	CHECK_STR(hex, want);
	CHECK_INT(filecache_read(a2, &data, &len), 0); /* "dir//a.sql" is the same file */
	CHECK_INT(filecache_disk_reads(), 1);
	/* what this run read stays what it read (one snapshot per run) */
	put(a, "DROP TABLE a;\n", 14);
	CHECK_INT(filecache_read(a, &data, &len), 0);
	CHECK_STR(data, "CREATE TABLE a (id int);\n");
	filecache_clear();
	CHECK_INT(filecache_read(a, &data, &len), 0);
	CHECK_STR(data, "DROP TABLE a;\n");
	CHECK_INT(filecache_disk_reads(), 1);

	/* the sha256 first, then the bytes: still one read for a small file */
	filecache_clear();
	CHECK_INT(filecache_sha256(a, hex), 0);
	CHECK_INT(filecache_read(a, &data, &len), 0);
	CHECK_INT(filecache_disk_reads(), 1);

	/* a file larger than FILECACHE_KEEP_MAX: hashed as a stream, its bytes
	 * read again only when asked for */
	size_t n = FILECACHE_KEEP_MAX + 4097;
	char *bytes = xmalloc(n);
	for (size_t i = 0; i < n; i++)
		bytes[i] = (char)(i * 7);
	put(big, bytes, n);
	sha256_hex(bytes, n, want);
	CHECK_INT(filecache_sha256(big, hex), 0);
	CHECK_STR(hex, want);
	CHECK_INT(filecache_sha256(big, hex), 0);
	CHECK_INT(filecache_disk_reads(), 2);
	CHECK_INT(filecache_read(big, &data, &len), 0);
	CHECK_INT(len, n);
	CHECK(memcmp(data, bytes, n) == 0);
	CHECK_INT(filecache_disk_reads(), 3);
	CHECK_INT(filecache_sha256(big, hex), 0);
	CHECK_STR(hex, want);

	/* NUL bytes are kept (the caller decides what they mean) */
	put(nul, "a\0b", 3);
	CHECK_INT(filecache_read(nul, &data, &len), 0);
	CHECK_INT(len, 3);
	CHECK(data[1] == '\0' && data[2] == 'b' && data[3] == '\0');

	/* errors: errno says why, nothing is cached */
	char *missing = xasprintf("%s/missing.sql", dir);
	errno = 0;
	CHECK_INT(filecache_read(missing, &data, &len), -1);
	CHECK_INT(errno, ENOENT);
	CHECK_INT(filecache_sha256(dir, hex), -1);
	CHECK_INT(errno, EISDIR);
	put(missing, "x", 1);
	CHECK_INT(filecache_read(missing, &data, &len), 0);
	CHECK_STR(data, "x");

	/* many files: the table grows */
	filecache_clear();
	for (int i = 0; i < 700; i++) {
		char *p = xasprintf("%s/m%03d.sql", dir, i), *t = xasprintf("SELECT %d;", i);
		put(p, t, strlen(t));
		CHECK_INT(filecache_sha256(p, hex), 0);
		free(p);
		free(t);
	}
	int bad = 0;
	for (int i = 0; i < 700; i++) {
		char *p = xasprintf("%s/m%03d.sql", dir, i), *t = xasprintf("SELECT %d;", i);
		bad += filecache_read(p, &data, &len) != 0 || strcmp(data, t) != 0;
		unlink(p);
		free(p);
		free(t);
	}
	CHECK_INT(bad, 0);
	CHECK_INT(filecache_disk_reads(), 700);

	filecache_clear();
	unlink(a);
	unlink(big);
	unlink(nul);
	unlink(missing);
	rmdir(dir);
	free(a);
	free(a2);
	free(big);
	free(nul);
	free(missing);
	free(bytes);
	return unit_done();
}
