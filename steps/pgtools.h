/*
 * pgtools: PostgreSQL's own client programs (pg_dump, pg_restore, psql) run
 * as child processes, and the two operations built on them that the
 * pg_backup and migrate steps and the `backup` and `restore` commands share:
 * taking a backup and restoring one.
 *
 * Children are started with fork/execvp (never a shell), each in its own
 * process group: a stop request (SIGINT/SIGTERM of ours, a step's timeout)
 * sends SIGTERM to the group, then SIGKILL half a second later.  The connection
 * parameters of the environment's live connection are handed to them as
 * PG* variables of the child's environment, the password through a password
 * file in memory (pgtools_env): it is never on a command line (visible in
 * ps), in a child's environment, on disk, nor in a message.
 *
 * Binaries: next to the configured `pg_dump` path when one is set, else in
 * the newest /usr/lib/postgresql/N/bin, else found on PATH.
 *
 * Ownership: strings and vectors returned are the caller's (free, strv_free).
 * File descriptors passed in are borrowed: pgtools never closes them.
 */
#ifndef SC_PGTOOLS_H
#define SC_PGTOOLS_H

#include <stddef.h>
#include <jansson.h>
#include <libpq-fe.h>
#include "../lib/err.h"
#include "../lib/util.h"

struct run;

/* The program `tool` ("pg_dump", "pg_restore", "psql") to run.
 * configured_pg_dump: the step's `pg_dump` key (expanded) or NULL. */
char *pgtools_find(const char *configured_pg_dump, const char *tool);

/* A child environment: base (NULL: the process environment) without
 * DATABASE_URL, PGPASSWORD and every variable holding a secret (redact.h),
 * plus the parameters of db's connection as
 * PG* variables; the password is in a password file that lives in memory
 * only (a memfd, mode 0600, PGPASSFILE=/proc/self/fd/N, kept open across
 * exec by the children pgtools starts), never in the environment, where
 * /proc/PID/environ would show it.  Free with pgtools_env_free (closes the
 * memfd). */
char **pgtools_env(PGconn *db, char *const *base);
void pgtools_env_free(char **envp);

/*
 * Run argv[0] (found on PATH when it has no '/') with environment envp.
 * stdin is in_fd (-1: /dev/null); stdout goes to out_fd, or when out_fd is
 * -1 into *out (when out is NULL: /dev/null).  stderr is kept in *errout
 * (its first 16 KiB; may be NULL).  tick, when set, is called about every
 * 200 ms while the child runs; a nonzero return kills the child (SIGTERM)
 * and the function fails with the code tick put in e.
 * Returns 0 with *status the exit status (128+N when killed by signal N),
 * or a negative code with e filled when the program could not be started.
 */
int pgtools_run(char *const *argv, char *const *envp, int in_fd, int out_fd, struct buf *out,
		struct buf *errout, int (*tick)(void *arg, struct err *e), void *arg, int *status, struct err *e);

/* The first line of a child's stderr, for messages ("" when none); the
 * pointer is into b, which is modified. */
const char *pgtools_first_error(struct buf *b);

/* Major version (15, 16, ...) of a client program from `bin --version`;
 * *text (when non-NULL) gets "15.8".  SC_EUSAGE when it cannot be run. */
int pgtools_client_version(const char *bin, int *major, char **text, struct err *e);

/* Refuse (SC_EUSAGE) when the client program bin is older than the server
 * of db, naming both versions. */
int pgtools_check_version(const char *bin, PGconn *db, struct err *e);

/*
 * Take a backup of db in one pass: `pg_dump -Fc`'s output streamed through
 * us into dir/ENV-RUNID.dump.tmp and the sha256 at once, fsync, rename to
 * dir/ENV-RUNID.dump (mode 0600), its table of contents checked with
 * `pg_restore --list` (verify_full: also the sha256 of the file on disk and
 * a full read by pg_restore); then every
 * ENV-*.dump of dir but the newest `keep` is removed.  dir is absolute (made
 * when missing, mode 0700).  Progress bytes go to run_progress.  Fills
 * detail with path, file, size, sha256, pg_dump_version, server_version,
 * pruned, and records the artifact (kind "backup", name = path).
 */
int pgtools_backup(struct run *run, PGconn *db, const char *dir, int keep, const char *pg_dump, char *const *schemas,
		   int verify_full, int jobs, json_t *detail, struct err *e);
/* (pgtools_backup, continued) jobs > 0: a directory-format backup instead,
 * `pg_dump -Fd -j jobs` into the folder dir/ENV-RUNID.dumpdir (through
 * dir/ENV-RUNID.dumpdir.tmp, renamed when complete, mode 0700); its sha256
 * is that of its manifest (pgtools_dir_manifest), which the artifact's
 * content holds with format "directory" and jobs: it is restored with
 * pg_restore -j jobs.  Pruning removes such folders as it removes files. */
/* (pgtools_backup, continued) It covers the schemas in scope (pgscope.h:
 * schemas, the step's `schemas` or NULL for the role's own) and schema
 * stagecoach, with the extensions living in them; detail also gets
 * schemas, writes_base (the write counters, pgscope_snapshot) and
 * db_release (the release the database was at), and the artifact's content
 * is {schemas, writes_base, db_release}.  Backups that a rollback still
 * reachable restores are never pruned, nor safety backups. */

/* A safety backup before a restore: dir/ENV-RUNID.pre-restore.dump (one per
 * run; not an artifact, never pruned).  *path is the caller's. */
int pgtools_safety_backup(struct run *run, PGconn *db, const char *dir, const char *pg_dump, char *const *schemas,
			  char **path, struct err *e);

/* The records of a backup file of ours (its artifact's content): 1 and
 * *rec (the caller's) when found, 0 when the file is not one of ours. */
int pgtools_backup_record(struct run *run, const char *file, json_t **rec, struct err *e);

/*
 * Restore the backup file (or directory backup) into db, so that afterwards
 * the schemas it covers hold exactly what the backup holds; schema
 * stagecoach's records are kept (its migration history comes back as the
 * backup has it).  `pg_restore --single-transaction --exit-on-error -d`,
 * limited by a -L list to everything outside schema stagecoach but its
 * history's rows; the transaction opens with a clean-up (below), carried
 * by the archive's table of contents (pgarchive.h).  Any failure leaves
 * the database as it was.  A directory backup taken with jobs = N > 1 is
 * restored with pg_restore -j N instead: the clean-up commits first, and
 * a failure or a stop midway (SC_EROLLBACK) leaves part of the backup
 * restored, which the message says.
 *
 * When the file is one of ours (an artifact of kind "backup" names its real
 * path), its sha256 must match the record: a changed file is refused
 * (SC_EUSAGE) before anything changes.  So is a file whose table of
 * contents cannot be read.
 */
int pgtools_restore(struct run *run, PGconn *db, const char *file, const char *pg_dump, char *const *schemas,
		    struct err *e);
/* (pgtools_restore, continued) The clean-up drops only the schemas the
 * backup holds and those of the scope `schemas` (NULL: the role's own) now,
 * never a system or platform schema, so a role that is not superuser can
 * restore. */

/* Only the checks of pgtools_restore (checksum against the records, and
 * `pg_restore --list`): 0 when the file can be restored.  *known is set to 1
 * when the file is one of ours and its checksum matched. */
int pgtools_check_backup(struct run *run, const char *file, const char *pg_dump, int *known, struct err *e);

/* The sha256 of a backup: a file's bytes, or a directory backup's
 * manifest (below).  The last one computed is remembered with what stat
 * says of it, so a backup checked before a restore is not read twice.
 * 0, or -1 with errno. */
int pgtools_backup_sha256(const char *path, char out[65]);

/* A directory backup's manifest: "SHA256 SIZE NAME\n" per file, sorted by
 * name, appended to manifest; sha gets the manifest's sha256.  0, or -1
 * with errno. */
int pgtools_dir_manifest(const char *dir, struct buf *manifest, char sha[65]);

/* "1.2 MB" style size, into out (at least 32 bytes). */
void pgtools_human_size(long long bytes, char *out, size_t outlen);

/* Whether a `pg_restore --list` line is an entry of schema `schema` itself
 * (its SCHEMA entry, or the COMMENT/ACL/SECURITY LABEL on it). */
int pgtools_list_line_is_schema(const char *line, const char *schema);

/* steps/pg_backup.c: a backup with the settings of the configured
 * pg_backup step st (NULL or another kind: dir "backups", keep 5), into
 * run_detail(run); and st's `pg_dump` key expanded (NULL when none). */
struct step;
int pg_backup_run(struct step *st, struct run *run, struct err *e);
char *pg_backup_pg_dump(struct step *st, struct run *run);
/* st's `schemas` (NULL: none set, or st is not a pg_backup step) and its
 * `safety_backup` (1 when st is NULL or another kind). */
char *const *pg_backup_schemas(const struct step *st);
int pg_backup_safety(const struct step *st);

#endif
