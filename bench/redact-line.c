/*
 * redact-line: the cost of what every output line goes through: redaction
 * (with a realistic registry: a token, a database URL's password and its
 * pieces, a PEM key's lines) and, through proc_run, line splitting, the
 * line cap and UTF-8 repair.  Built and run by bench/redact.sh against a
 * build's lib/ objects, so two builds can be compared on one machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "../lib/proc.h"
#include "../lib/redact.h"

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void on_line(void *ctx, const char *line)
{
	char *r = redact(line);
	*(size_t *)ctx += strlen(r);
	free(r);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 2000000;
	redact_add("sbp_0123456789abcdef0123456789abcdef01234567");
	redact_add("tok-deploy-9f8e7d6c5b4a");
	redact_add_url_password("postgresql://app:s3cr3t%2Fpass%3Fword@db.internal:5432/app");
	redact_add("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
		   "QyNTUxOQAAACDk1rXhZ3wqmbYvCVLx5T0g2rQWEkrQ8C3Vb9tF7r3lVwAAAJgYc1WOGHNV\n"
		   "-----END OPENSSH PRIVATE KEY-----\n");
	const char *plain = "2026-12-06T19:20:01Z app[42]: GET /api/v1/rates?country=us 200 12ms bytes=1834 "
			    "user=anonymous";
	const char *secret = "connecting to postgresql://app:s3cr3t/pass?word@db.internal:5432/app as app";
	size_t sink = 0;
	for (int k = 0; k < 2; k++) {
		const char *line = k ? secret : plain;
		double t0 = now_s();
		for (long i = 0; i < n; i++) {
			char *r = redact(line);
			sink += strlen(r);
			free(r);
		}
		double dt = now_s() - t0;
		printf("redact, %s line (%zu bytes): %.0f ns/line\n", k ? "secret" : "plain", strlen(line),
		       dt / (double)n * 1e9);
	}
	/* the whole path of a step's output: pipe, lines, cap, repair, redaction */
	char cmd[256];
	long lines = n / 4;
	snprintf(cmd, sizeof(cmd), "yes '%s' | head -n %ld", plain, lines);
	struct proc_result res;
	struct err e = ERR_INIT;
	double t0 = now_s();
	if (proc_run_shell(cmd, NULL, NULL, 0, on_line, &sink, NULL, &res, &e) < 0)
		return 1;
	double dt = now_s() - t0;
	proc_result_release(&res);
	printf("proc_run output, %ld lines: %.0f ns/line (our CPU time only)\n", lines, dt / (double)lines * 1e9);
	return sink == 0;
}
