#!/bin/bash
# health_check: a slow endpoint fails max_latency_ms; retries wait for an
# endpoint that comes up; expect_body; samples with max_error_rate and p95_ms.
# http: headers and body sent, expect_status checked, rollback_request sent
# when a later step fails.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/fake_api.sh"
sc_setup
pg_start
export DB_URL=$(pg_createdb hc)
api_start
export SB_ACCESS=$API_TOKEN
conf() { write_fn_conf stagecoach.conf "$1"; }

# slow: 300 ms answers against max_latency_ms = 150
api_ctl POST config '{"health_delay_ms": 300}' >/dev/null
conf '{ name = "health"; kind = "health_check"; url = "${API_BASE}/health"; max_latency_ms = 150; retries = 2; interval_ms = 50; }'
expect_exit 1 sc -c stagecoach.conf deploy staging
assert_contains "$T/err" "step 'health'"
assert_contains "$T/err" "over max_latency_ms 150 (after 2 tries)"
assert_eq "$(api_log_count GET '^/health$')" 2 "tries"

# comes up on the third try; the body is checked
api_ctl POST config '{"health_delay_ms": 0, "health_body": "status: ok"}' >/dev/null
api_ctl POST fail '{"match": "health", "count": 2, "status": 503}' >/dev/null
api_ctl POST reset >/dev/null
conf '{ name = "health"; kind = "health_check"; url = "${API_BASE}/health"; expect_body = "status: ok"; retries = 5; interval_ms = 100; }'
expect_exit 0 sc -c stagecoach.conf deploy staging
assert_eq "$(api_log_count GET '^/health$')" 3 "tries until healthy"
conf '{ name = "health"; kind = "health_check"; url = "${API_BASE}/health"; expect_body = "degraded"; retries = 1; }'
expect_exit 1 sc -c stagecoach.conf deploy staging
assert_contains "$T/err" "the body does not contain 'degraded'"

# samples: 1 bad answer in 20 is 5%: over 2%, under 10%
conf '{ name = "health"; kind = "health_check"; url = "${API_BASE}/health"; samples = 20; max_error_rate = 0.02; }'
api_ctl POST fail '{"match": "health", "count": 1, "status": 500}' >/dev/null
api_ctl POST reset >/dev/null
expect_exit 0 sc -c stagecoach.conf deploy staging   # the first try is retried, the samples are all good
api_ctl POST fail '{"match": "/health", "count": 2, "status": 200, "body": "x"}' >/dev/null
api_ctl POST config '{"health_body": "ok"}' >/dev/null
conf '{ name = "health"; kind = "health_check"; url = "${API_BASE}/health"; retries = 1; samples = 20; max_error_rate = 0.02; }'
api_ctl POST fail '{"match": "health", "count": 0}' >/dev/null
expect_exit 0 sc -c stagecoach.conf deploy staging   # the 200 "x" answers are fine without expect_body
conf '{ name = "health"; kind = "health_check"; url = "${API_BASE}/health"; retries = 1; samples = 20; max_error_rate = 0.02; }'
api_ctl POST fail '{"match": "health", "count": 1, "status": 200}' >/dev/null   # the first try
api_ctl POST fail '{"match": "health", "count": 1, "status": 502}' >/dev/null   # one sample
expect_exit 1 sc -c stagecoach.conf deploy staging
assert_contains "$T/err" "1 of 20 samples failed (5.0%, max_error_rate 2.0%)"
sed -i 's/max_error_rate = 0.02/max_error_rate = 0.1/' stagecoach.conf
api_ctl POST fail '{"match": "health", "count": 1, "status": 200}' >/dev/null
api_ctl POST fail '{"match": "health", "count": 1, "status": 502}' >/dev/null
expect_exit 0 sc -c stagecoach.conf deploy staging
# p95: 2 slow answers of 10 are over the 95th percentile
conf '{ name = "health"; kind = "health_check"; url = "${API_BASE}/health"; retries = 1; samples = 10; p95_ms = 100; }'
api_ctl POST fail '{"match": "health", "count": 1, "status": 200}' >/dev/null
api_ctl POST fail '{"match": "health", "count": 2, "status": 200, "delay_ms": 250}' >/dev/null
expect_exit 1 sc -c stagecoach.conf deploy staging
assert_contains "$T/err" "over p95_ms 100 (10 samples)"

# http: method, headers (expanded), body, expect_status; rollback_request after a later failure
export HOOK_SECRET="s3cr3t-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
conf '{ name = "flag"; kind = "http"; method = "PUT"; url = "${API_BASE}/flags/billing";
    headers = [ "X-Env: ${env}", "X-Secret: ${HOOK_SECRET}" ]; body = "{\"on\": true, \"release\": \"${release}\"}";
    expect_status = 200;
    rollback_request = { method = "PUT"; url = "${API_BASE}/flags/billing"; body = "{\"on\": false}"; }; },
  { name = "health"; kind = "health_check"; url = "${API_BASE}/status/503"; retries = 1; }'
api_ctl POST reset >/dev/null
expect_exit 1 sc -c stagecoach.conf deploy staging --release rel-7
assert_eq "$(api_py '[(q["method"], q["body"]) for q in R if q["path"] == "/flags/billing"]')" \
	'[["PUT", "{\"on\": true, \"release\": \"rel-7\"}"], ["PUT", "{\"on\": false}"]]' "request and rollback_request"
assert_eq "$(api_py '[q["headers"].get("X-Env") for q in R if q["path"] == "/flags/billing"][0]')" "staging" "expanded header"
assert_not_contains "$T/out" "$HOOK_SECRET"
assert_not_contains "$T/err" "$HOOK_SECRET"
# a wrong status fails the step, naming the request
conf '{ name = "purge"; kind = "http"; method = "POST"; url = "${API_BASE}/status/404"; }'
expect_exit 1 sc -c stagecoach.conf deploy staging
assert_contains "$T/err" "POST '$API_BASE/status/404': HTTP 404: status (expected 200)"
pass
