/* test-httpc: the pure parts of the libcurl layer: what is retried, Retry-After,
 * backoff with jitter, API error messages, masking of Authorization lines. */
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "../../steps/httpc.h"

static void test_retryable(void)
{
	CHECK(httpc_retryable(CURLE_OPERATION_TIMEDOUT, 0));
	CHECK(httpc_retryable(CURLE_GOT_NOTHING, 0));
	CHECK(httpc_retryable(CURLE_COULDNT_CONNECT, 0));
	CHECK(httpc_retryable(CURLE_RECV_ERROR, 0));
	CHECK(!httpc_retryable(CURLE_PEER_FAILED_VERIFICATION, 0));
	CHECK(!httpc_retryable(CURLE_COULDNT_RESOLVE_HOST, 0));
	long yes[] = { 408, 429, 500, 502, 503, 504 };
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		CHECK(httpc_retryable(CURLE_OK, yes[i]));
	long no[] = { 200, 201, 400, 401, 403, 404, 409, 422, 501 };
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		CHECK(!httpc_retryable(CURLE_OK, no[i]));
}

static void test_retry_after(void)
{
	CHECK_INT(httpc_parse_retry_after("2", 1000), 2000);
	CHECK_INT(httpc_parse_retry_after(" 0\r\n", 1000), 0);
	CHECK_INT(httpc_parse_retry_after("120", 1000), 120000);
	CHECK_INT(httpc_parse_retry_after("", 1000), -1);
	CHECK_INT(httpc_parse_retry_after("soon", 1000), -1);
	CHECK_INT(httpc_parse_retry_after("-3", 1000), -1);
	CHECK_INT(httpc_parse_retry_after(NULL, 1000), -1);
	/* Sun, 06 Nov 1994 08:49:37 GMT is 784111777 */
	CHECK_INT(httpc_parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111770), 7000);
	CHECK_INT(httpc_parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT\r\n", 784111790), 0);
	/* absurd values are capped by the backoff, not here */
	CHECK(httpc_parse_retry_after("99999999999", 0) >= HTTPC_RETRY_AFTER_CAP_MS);
}

static void test_backoff(void)
{
	/* attempt 1: 500 ms base, between 250 and 500 */
	CHECK_INT(httpc_backoff_ms(1, -1, 0), 250);
	CHECK_INT(httpc_backoff_ms(1, -1, 250), 500);
	CHECK_INT(httpc_backoff_ms(1, -1, 251), 250);
	/* doubles */
	CHECK_INT(httpc_backoff_ms(2, -1, 0), 500);
	CHECK_INT(httpc_backoff_ms(3, -1, 0), 1000);
	CHECK_INT(httpc_backoff_ms(3, -1, 1000), 2000);
	/* capped at HTTPC_BACKOFF_MAX_MS */
	CHECK_INT(httpc_backoff_ms(30, -1, 0), HTTPC_BACKOFF_MAX_MS / 2);
	CHECK(httpc_backoff_ms(30, -1, 123456) <= HTTPC_BACKOFF_MAX_MS);
	/* Retry-After is a minimum ... */
	CHECK_INT(httpc_backoff_ms(1, 2000, 7), 2000);
	/* ... not a maximum */
	CHECK_INT(httpc_backoff_ms(4, 100, 0), 2000);
	/* ... capped */
	CHECK_INT(httpc_backoff_ms(1, 3600000, 0), HTTPC_RETRY_AFTER_CAP_MS);
	/* jitter spreads */
	long long lo = 1 << 30, hi = 0;
	for (unsigned int r = 0; r < 1000; r++) {
		long long w = httpc_backoff_ms(2, -1, r * 2654435761u);
		lo = w < lo ? w : lo;
		hi = w > hi ? w : hi;
	}
	CHECK(lo >= 500 && hi <= 1000 && hi - lo > 300);
}

static void test_api_message(void)
{
	char *m = httpc_api_message("{\"message\":\"unauthorized: bad token\"}", 37);
	CHECK_STR(m, "unauthorized: bad token");
	free(m);
	const char *nested = "{\"error\":{\"message\":\"slug taken\"}}";
	m = httpc_api_message(nested, strlen(nested));
	CHECK_STR(m, "slug taken");
	free(m);
	const char *plain = "Bad Gateway\n<html>...";
	m = httpc_api_message(plain, strlen(plain));
	CHECK_STR(m, "Bad Gateway");
	free(m);
	CHECK(httpc_api_message("", 0) == NULL);
	CHECK(httpc_api_message(NULL, 0) == NULL);
	m = httpc_api_message("{\"other\":1}", 11);
	CHECK_STR(m, "{\"other\":1}");
	free(m);
}

static void test_mask(void)
{
	char a[] = "Authorization: Bearer sbp_0123456789abcdef";
	CHECK(httpc_mask_auth_line(a));
	CHECK_STR(a, "Authorization: Bearer ***");
	char b[] = "authorization: sekrit-value";
	CHECK(httpc_mask_auth_line(b));
	CHECK_STR(b, "authorization: ***");
	char c[] = "Content-Type: application/json";
	CHECK(!httpc_mask_auth_line(c));
	CHECK_STR(c, "Content-Type: application/json");
	char d[] = "Proxy-Authorization: Basic dXNlcjpwYXNz";
	CHECK(httpc_mask_auth_line(d));
	CHECK(strstr(d, "dXNlcjpwYXNz") == NULL);
}

/* a request to a closed port: a transport failure, retried, described with curl's message */
static void test_unreachable(void)
{
	struct httpc_req *q = httpc_req_new("GET", "http://127.0.0.1:1/x");
	q->retries = 1;
	q->connect_timeout_ms = 2000;
	struct err e = ERR_INIT;
	CHECK_INT(httpc_run1(q, NULL, &e), 0);
	CHECK(q->done);
	CHECK_INT(q->attempts, 2);
	CHECK(httpc_req_transport_failed(q));
	CHECK(!httpc_req_ok(q, 0));
	CHECK(q->waited_ms >= 250 && q->waited_ms <= 500);
	struct buf b = BUF_INIT;
	httpc_req_describe(q, &b);
	CHECK(strstr(buf_str(&b), "127.0.0.1") != NULL || strstr(buf_str(&b), "onnect") != NULL);
	CHECK(strstr(buf_str(&b), "after 2 attempts") != NULL);
	buf_release(&b);
	httpc_req_free(q);
}

int main(void)
{
	test_retryable();
	test_retry_after();
	test_backoff();
	test_api_message();
	test_mask();
	test_unreachable();
	return unit_done();
}
