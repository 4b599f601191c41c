/*
 * test-statefile: the file backend of the state records (env/statefile.c)
 * through the public state_* and lock_* API: run and step rows, ordering,
 * artifacts (newest of kind/name, a torn index line, a damaged blob),
 * redaction, the lock (held by a child process: busy, named; the child
 * killed: free, and its 'running' run interrupted).
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "unit.h"
#include "../../env/lock.h"
#include "../../env/run.h"
#include "../../env/state.h"
#include "../../orchestrator/config.h"
#include "../../lib/redact.h"
#include "../../lib/util.h"
#include "../../steps/step.h"

static char top[256];

static void fake_run(struct run *r, struct env_config *env, struct step *steps, struct step_exec *x, const char *id)
{
	memset(r, 0, sizeof(*r));
	r->env = env;
	r->command = "deploy";
	snprintf(r->run_id, sizeof(r->run_id), "%s", id);
	r->release = "rel1";
	r->actor = "alice";
	r->hostname = "box";
	r->execs = x;
	r->nexecs = 2;
	for (int i = 0; i < 2; i++) {
		memset(&x[i], 0, sizeof(x[i]));
		x[i].step = &steps[i];
		x[i].detail = json_object();
	}
}

static void test_runs(void)
{
	struct err e = ERR_INIT;
	struct state *st;
	CHECK_INT(state_open_dir(top, "staging", &st, &e), 0);
	char *dir = xasprintf("%s/staging", top);
	struct stat sb;
	CHECK(stat(dir, &sb) == 0 && (sb.st_mode & 0777) == 0700);
	free(dir);

	struct env_config env = { .name = "staging" };
	struct step steps[2] = { { .name = "one", .kind = "shell", .position = 1 },
				 { .name = "two", .kind = "ssh", .position = 2 } };
	struct step_exec x[2];
	struct run r;
	fake_run(&r, &env, steps, x, "20260101T000000Z-aaaaaa");
	redact_add("s3cr3t-value");
	CHECK_INT(state_run_begin(st, &r, &e), 0);
	CHECK(state_run_begin(st, &r, &e) < 0);  /* the same id twice, as a primary key */
	x[1].status = STEP_RUNNING;
	x[1].started_ms = time_wall_ms();
	json_object_set_new(x[1].detail, "hosts", json_pack("[{s:s}]", "out", "token=s3cr3t-value"));
	CHECK_INT(state_step_write(st, &r, 1, &e), 0);
	x[0].status = STEP_SUCCEEDED;
	x[0].started_ms = x[1].started_ms - 10;
	CHECK_INT(state_step_write(st, &r, 0, &e), 0);
	x[1].status = STEP_FAILED;
	x[1].error = xstrdup("exit 1: s3cr3t-value");
	CHECK_INT(state_step_write(st, &r, 1, &e), 0);

	struct state_step *ss;
	size_t n;
	CHECK_INT(state_run_steps(st, r.run_id, &ss, &n, &e), 0);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_INT(ss[0].position, 1);
		CHECK_STR(ss[0].name, "one");
		CHECK_STR(ss[1].status, "failed");
		CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(ss[1].detail, "hosts"), 0),
							    "out")), "token=***");
	}
	state_steps_free(ss, n);

	struct state_run sr;
	CHECK_INT(state_run_find(st, r.run_id, &sr, &e), 1);
	CHECK_STR(sr.status, "running");
	CHECK_STR(sr.last_step, "two");  /* started last */
	CHECK_STR(sr.last_step_status, "failed");
	CHECK_INT(sr.duration_ms, -1);
	state_run_release(&sr);
	CHECK_INT(state_run_find(st, "../../etc/passwd", &sr, &e), 0);
	CHECK_INT(state_run_find(st, "nope", &sr, &e), 0);

	CHECK_INT(state_run_finish(st, &r, "rolled_back", "failed: s3cr3t-value", &e), 0);
	CHECK_INT(state_last_success(st, &sr, &e), 0);
	char *path = xasprintf("%s/staging/runs/%s.json", top, r.run_id);
	char *text;
	size_t len;
	CHECK(file_read_all(path, &text, &len) == 0);
	CHECK(!strstr(text, "s3cr3t-value"));
	CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600);
	free(text);
	free(path);

	/* a later run that succeeds is the last success and lists first */
	struct step_exec x2[2];
	struct run r2;
	fake_run(&r2, &env, steps, x2, "20260101T000001Z-bbbbbb");
	r2.release = "rel2";
	CHECK_INT(state_run_begin(st, &r2, &e), 0);
	CHECK_INT(state_run_finish(st, &r2, "succeeded", NULL, &e), 0);
	CHECK_INT(state_last_success(st, &sr, &e), 1);
	CHECK_STR(sr.release, "rel2");
	CHECK(sr.duration_ms >= 0);
	state_run_release(&sr);
	struct state_run *list;
	CHECK_INT(state_runs_list(st, 10, &list, &n, &e), 0);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_STR(list[0].id, r2.run_id);
		CHECK_STR(list[1].status, "rolled_back");
	}
	for (size_t i = 0; i < n; i++)
		state_run_release(&list[i]);
	free(list);
	CHECK_INT(state_runs_list(st, 1, &list, &n, &e), 0);
	CHECK_INT(n, 1);
	state_run_release(&list[0]);
	free(list);
	CHECK_INT(state_run_set_status(st, r2.run_id, "rolled_back", &e), 0);
	CHECK_INT(state_last_success(st, &sr, &e), 0);

	/* raw SQL has no meaning here: an error, not a crash */
	CHECK(state_query(st, "SELECT 1", 0, NULL, &e) == NULL);
	CHECK(strstr(e.msg, "has no database") != NULL);
	for (int i = 0; i < 2; i++) {
		json_decref(x[i].detail);
		json_decref(x2[i].detail);
		free(x[i].error);
	}
	state_close(st);
}

static void test_artifacts(void)
{
	struct err e = ERR_INIT;
	struct state *st;
	CHECK_INT(state_open_dir(top, "arts", &st, &e), 0);
	char *sha = NULL;
	unsigned char *content = NULL;
	size_t len = 0;
	CHECK_INT(state_artifact_latest(st, "function_bundle", "fn", &sha, &content, &len, &e), 0);
	CHECK_INT(state_artifact_put(st, "r1", "run1", "function_bundle", "fn", "aa", "one", 3, &e), 0);
	CHECK_INT(state_artifact_put(st, "r1", "run1", "function_bundle", "other", "bb", "xx", 2, &e), 0);
	CHECK_INT(state_artifact_put(st, "r2", "run2", "function_bundle", "fn", "cc", "three", 5, &e), 0);
	CHECK_INT(state_artifact_put(st, "r2", "run2", "backup", "/x.dump", "dd", NULL, 0, &e), 0);
	CHECK_INT(state_artifact_latest(st, "function_bundle", "fn", &sha, &content, &len, &e), 1);
	CHECK_STR(sha, "cc");
	CHECK_INT(len, 5);
	CHECK(content && memcmp(content, "three", 5) == 0 && content[5] == 0);
	free(sha);
	free(content);
	CHECK_INT(state_artifact_latest(st, "backup", "/x.dump", &sha, &content, &len, &e), 1);
	CHECK_STR(sha, "dd");
	CHECK(content == NULL);
	free(sha);

	/* a line torn by a crash is ignored, and does not swallow the next one */
	char *idx = xasprintf("%s/arts/artifacts/index.jsonl", top);
	FILE *f = fopen(idx, "a");
	fputs("{\"kind\":\"function_bundle\",\"name\":\"fn\",\"sha2", f);
	fclose(f);
	CHECK_INT(state_artifact_latest(st, "function_bundle", "fn", &sha, NULL, NULL, &e), 1);
	CHECK_STR(sha, "cc");
	free(sha);
	CHECK_INT(state_artifact_put(st, "r3", "run3", "function_bundle", "fn", "ee", "four", 4, &e), 0);
	CHECK_INT(state_artifact_latest(st, "function_bundle", "fn", &sha, &content, &len, &e), 1);
	CHECK_STR(sha, "ee");
	free(sha);
	free(content);

	/* a damaged blob is an error, never wrong content */
	char hex[65];
	sha256_hex("four", 4, hex);
	char *blob = xasprintf("%s/arts/artifacts/blobs/%s", top, hex);
	f = fopen(blob, "w");
	fputs("fout", f);
	fclose(f);
	sha = NULL;
	content = NULL;
	CHECK(state_artifact_latest(st, "function_bundle", "fn", &sha, &content, &len, &e) < 0);
	CHECK(strstr(e.msg, "damaged") != NULL);
	CHECK(sha == NULL && content == NULL);
	free(blob);
	free(idx);
	state_close(st);
}

static void test_lock(void)
{
	struct err e = ERR_INIT;
	struct state *st;
	CHECK_INT(state_open_dir(top, "locked", &st, &e), 0);
	char holder[512];
	CHECK_INT(lock_holder(st, "p", "locked", holder, sizeof(holder), &e), 0);
	CHECK_STR(holder, "");

	/* a child takes the lock and starts a run, then waits to be killed */
	int ready[2];
	CHECK(pipe(ready) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		struct err ce = ERR_INIT;
		struct state *cs;
		close(ready[0]);
		if (state_open_dir(top, "locked", &cs, &ce) < 0)
			_exit(1);
		state_set_holder(cs, "deploy", "bob", "hostb");
		if (lock_acquire(cs, "p", "locked", "20260101T000000Z-cccccc", 0, &ce) < 0)
			_exit(2);
		struct env_config env = { .name = "locked" };
		struct step steps[2] = { { .name = "one", .kind = "shell", .position = 1 },
					 { .name = "two", .kind = "shell", .position = 2 } };
		struct step_exec x[2];
		struct run r;
		fake_run(&r, &env, steps, x, "20260101T000000Z-cccccc");
		if (state_run_begin(cs, &r, &ce) < 0)
			_exit(3);
		if (write(ready[1], "x", 1) != 1)
			_exit(4);
		pause();
		_exit(0);
	}
	close(ready[1]);
	char c;
	CHECK(read(ready[0], &c, 1) == 1);
	close(ready[0]);

	CHECK_INT(lock_holder(st, "p", "locked", holder, sizeof(holder), &e), 1);
	CHECK(strstr(holder, "deploy run '20260101T000000Z-cccccc' by bob on hostb, started ") == holder);
	struct state_run sr;
	CHECK_INT(state_interrupted_run(st, &sr, &e), 0);  /* running, and its holder lives */
	state_set_holder(st, "deploy", "carol", "hostc");
	long long t0 = time_mono_ms();
	CHECK_INT(lock_acquire(st, "p", "locked", "20260101T000001Z-dddddd", 0, &e), -SC_ELOCKED);
	CHECK(time_mono_ms() - t0 < 2000);
	CHECK(strstr(e.msg, "locked by deploy run '20260101T000000Z-cccccc' by bob") != NULL);
	t0 = time_mono_ms();
	CHECK_INT(lock_acquire(st, "p", "locked", "20260101T000001Z-dddddd", 600, &e), -SC_ELOCKED);
	CHECK(time_mono_ms() - t0 >= 600);

	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	CHECK_INT(lock_holder(st, "p", "locked", holder, sizeof(holder), &e), 0);
	CHECK_INT(state_interrupted_run(st, &sr, &e), 1);
	CHECK_STR(sr.id, "20260101T000000Z-cccccc");
	state_run_release(&sr);
	/* the killed run's lock went with it */
	CHECK_INT(lock_acquire(st, "p", "locked", "20260101T000001Z-dddddd", 0, &e), 0);
	CHECK_INT(state_interrupted_run(st, &sr, &e), 1);  /* we hold it, for another run id */
	state_run_release(&sr);
	state_close(st);
}

int main(void)
{
	snprintf(top, sizeof(top), "/tmp/sc-unit-statefile.%d/state", (int)getpid());
	char *parent = xstrndup(top, strlen(top) - 6);
	test_runs();
	test_artifacts();
	test_lock();
	char *cmd[] = { "rm", "-rf", parent, NULL };
	pid_t p = fork();
	if (p == 0) {
		execvp("rm", cmd);
		_exit(127);
	}
	waitpid(p, NULL, 0);
	free(parent);
	return unit_done();
}
