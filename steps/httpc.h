/*
 * httpc: the libcurl layer shared by the HTTP steps (functions_deploy, http,
 * health_check) and the notify hooks.
 *
 * A struct httpc_req is one logical request: method, URL, headers, a body
 * (bytes or a curl_mime multipart), timeouts, TLS verification, and how many
 * times it may be retried.  httpc_run() performs a set of them through one
 * curl multi handle in the calling thread, at most `parallel` at once.  A
 * request whose attempt ends in a timeout, a dropped or refused connection,
 * or HTTP 408, 429, 500, 502, 503, 504 is tried again after an exponential
 * backoff with jitter, never sooner than the server's Retry-After (capped at
 * HTTPC_RETRY_AFTER_CAP_MS); any other answer is final.
 *
 * Secrets: the bearer token is put in the Authorization header by
 * httpc_req_bearer() and is never logged: the debug callback that feeds
 * curl's verbose output to opts->log masks every Authorization line, and the
 * header strings are wiped when the request is freed.
 *
 * Ownership: httpc_req_new() returns a request the caller frees with
 * httpc_req_free() (NULL is fine).  Every string given to a request is
 * copied.  Results (status, body_in, content_type, errbuf) belong to the
 * request.
 */
#ifndef SC_HTTPC_H
#define SC_HTTPC_H

#include <stddef.h>
#include <curl/curl.h>
#include "../lib/err.h"
#include "../lib/util.h"
#include "../lib/proc.h"

#define HTTPC_BODY_CAP (1024 * 1024)
#define HTTPC_BODY_TAIL (64 * 1024)
#define HTTPC_RETRY_AFTER_CAP_MS 30000LL
#define HTTPC_BACKOFF_BASE_MS 500LL
#define HTTPC_BACKOFF_MAX_MS 10000LL

struct httpc_opts;

struct httpc_req {
	/* set through the functions below */
	char *method;
	char *url;
	struct curl_slist *headers;
	char *body;                /* request body bytes, NULL for none */
	size_t body_len;
	curl_mime *mime;           /* multipart body (httpc_req_mime), or NULL */
	long timeout_ms;           /* per attempt, total; default 60000 */
	long connect_timeout_ms;   /* default 10000 */
	int insecure_tls;          /* 1: no peer/host verification */
	int retries;               /* attempts after the first; default 0 */
	void *user;                /* the caller's tag, untouched */
	size_t max_body;           /* answer bytes kept; 0: HTTPC_BODY_CAP.  Beyond it
				    * the first max_body and last HTTPC_BODY_TAIL bytes
				    * stay, with "[... N bytes dropped ...]" between */

	/* results of the last attempt */
	int attempts;
	CURLcode curl_code;
	long status;               /* 0 when no HTTP answer */
	struct buf body_in;
	unsigned long long body_dropped; /* bytes of the answer not kept */
	char *content_type;        /* of the answer, NULL when none */
	long long latency_ms;      /* total time of the last attempt */
	long long waited_ms;       /* time spent waiting between attempts */
	long long retry_after_ms;  /* last Retry-After seen, -1 none */
	char errbuf[CURL_ERROR_SIZE];
	int done;

	/* internal to httpc.c */
	struct line_cap body_cap;
	CURL *easy;
	const struct httpc_opts *opts;
	long long next_at_ms;
	int in_flight;
};

struct httpc_opts {
	int parallel;              /* at most this many at once (>= 1) */
	void *ctx;
	/* curl's verbose lines, Authorization masked; NULL: not verbose */
	void (*log)(void *ctx, const char *line);
	/* a request finished (for good); ndone of n are finished */
	void (*done)(void *ctx, struct httpc_req *q, size_t ndone, size_t n);
	/* a request will be retried after wait_ms */
	void (*retrying)(void *ctx, struct httpc_req *q, long long wait_ms);
	/* 1: stop now (SIGINT/SIGTERM) */
	int (*should_stop)(void *ctx);
	/* 1: once a request is refused for good (a final 4xx other than 408/429),
	 * start no more: the others end with attempts == 0 (never sent) */
	int stop_after_refusal;
};

struct httpc_req *httpc_req_new(const char *method, const char *url);
void httpc_req_free(struct httpc_req *q);
/* "Name: value" */
void httpc_req_header(struct httpc_req *q, const char *line);
/* Authorization: Bearer TOKEN (the token is registered for redaction) */
void httpc_req_bearer(struct httpc_req *q, const char *token);
/* copies data; content_type NULL keeps whatever headers say */
void httpc_req_body(struct httpc_req *q, const void *data, size_t len, const char *content_type);
/* the request's multipart body, created on first call (owned by q) */
curl_mime *httpc_req_mime(struct httpc_req *q);

/*
 * Perform every request, at most opts->parallel at once, with retries.
 * Returns 0 when every request has a final outcome (look at each one: a
 * failed request is not an error of httpc_run), or a negative code with e
 * filled when curl could not be set up or the run was asked to stop.
 */
int httpc_run(struct httpc_req **reqs, size_t n, const struct httpc_opts *opts, struct err *e);
/* One request; same contract. */
int httpc_run1(struct httpc_req *q, const struct httpc_opts *opts, struct err *e);

/* 1 when the final answer is an HTTP status in [200, 300) (expect == 0) or equal to expect */
int httpc_req_ok(const struct httpc_req *q, long expect);
/* 1 when no HTTP answer was had (connection, DNS, TLS, timeout) */
int httpc_req_transport_failed(const struct httpc_req *q);
/* Append why the request failed: curl's error buffer, or "HTTP 401: <the
 * API's message>", and "after N attempts" when it was retried. */
void httpc_req_describe(const struct httpc_req *q, struct buf *out);

/* Pure parts, exposed for the unit tests */
/* 1 when an attempt ending with this curl code and status should be retried */
int httpc_retryable(CURLcode cc, long status);
/* Retry-After (delta seconds or an HTTP date) in ms from now_wall_s; -1 when invalid */
long long httpc_parse_retry_after(const char *value, long long now_wall_s);
/* Wait before attempt number attempt+1, after `attempt` failed attempts
 * (>= 1): base*2^(attempt-1) capped at HTTPC_BACKOFF_MAX_MS, of which a
 * random half (rnd) is dropped (jitter); never below retry_after_ms (capped
 * at HTTPC_RETRY_AFTER_CAP_MS) when that is >= 0. */
long long httpc_backoff_ms(int attempt, long long retry_after_ms, unsigned int rnd);
/* The message of an API's JSON error body ("message", "msg", "error",
 * "error_description"), else the body's first line (at most 200 bytes);
 * NULL when empty.  Caller frees. */
char *httpc_api_message(const char *body, size_t len);
/* Mask the value of an Authorization (or Proxy-Authorization) header line
 * in place; returns 1 when it did. */
int httpc_mask_auth_line(char *line);

#endif
