"""The operators' pool status page and Prometheus metrics: on nginx's internal server block only."""

import os
import signal

from conftest import internal, new_org_key, pool_status, request, responder_pids, restart_pool, wait_for

def metrics():
    code, kind, body = internal("/metrics")
    assert code == 200 and kind.startswith("text/plain; version=0.0.4"), (code, body)
    samples = {}
    for line in body.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return body, samples


def test_status_page_counts_the_pool():
    _, key = new_org_key()
    before = pool_status()
    assert before["responders"]["total"] == int(os.environ.get("COMPANIN_RESPONDERS", "4"))
    assert before["ingest_workers"]["total"] == int(os.environ.get("COMPANIN_INGEST_WORKERS", "2"))
    assert before["responders"]["active"] >= 1  # this request
    assert before["responders"]["active"] + before["responders"]["idle"] + before["responders"]["starting"] == before["responders"]["total"]
    assert any(r["request"] == "GET /status" and r["role"] == "responder" and r["duration_ms"] >= 0
               for r in before["requests_in_flight"])
    assert before["listen_queue"] is None  # a unix socket: Linux reports no accept queue for it here
    for _ in range(5):
        assert request("GET", "/api/v1/assistants/", key=key).status == 200
    after = pool_status()
    assert after["accepted_requests"] >= before["accepted_requests"] + 6  # the five and the status request before


def test_metrics_expose_counters_and_a_duration_histogram():
    body, samples = metrics()
    assert "# TYPE companin_request_duration_seconds histogram" in body
    assert "# TYPE companin_requests_total counter" in body
    buckets = [(line.split('le="')[1].split('"')[0], float(line.rsplit(" ", 1)[1]))
               for line in body.splitlines() if line.startswith("companin_request_duration_seconds_bucket")]
    assert buckets[-1][0] == "+Inf" and len(buckets) == 15
    counts = [count for _, count in buckets]
    assert counts == sorted(counts)
    assert samples["companin_request_duration_seconds_count"] == buckets[-1][1]
    # Requests finished before this scrape; the scrape itself is still in flight.
    assert samples["companin_requests_total"] == samples["companin_request_duration_seconds_count"] > 0
    assert samples['companin_pool_children{role="responder",stage="busy"}'] >= 1


def test_status_is_not_served_by_the_public_server():
    _, key = new_org_key()
    for path in ["/status", "/metrics", "/status/"]:
        reply = request("GET", path, key=key, headers={"Companin-Internal-Server": "1"})
        assert reply.status == 404, (path, reply)
    # Nor does the application serve it to a request that did not come through the internal block.
    assert request("GET", "/api/v1/status", key=key, headers={"Companin-Internal-Server": "1"}).status == 404
    assert internal("/api/v1/assistants/")[0] == 404


def test_respawns_and_slow_requests_are_counted():
    try:
        restart_pool(COMPANIN_SLOW_REQUEST_MS="0")
        wait_for(lambda: internal("/status")[0] == 200, message="the new pool")
        _, key = new_org_key()
        for _ in range(3):
            request("GET", "/api/v1/assistants/", key=key)
        counted = pool_status()
        assert counted["slow_requests"] == counted["accepted_requests"] >= 3
        victim = responder_pids()[0]
        os.kill(victim, signal.SIGKILL)
        wait_for(lambda: pool_status()["respawns"] >= 1 and len(responder_pids()) == int(os.environ.get("COMPANIN_RESPONDERS", "4"))
                 and victim not in responder_pids(), message="the killed responder to be replaced")
        _, samples = metrics()
        assert samples["companin_respawns_total"] >= 1 and samples["companin_slow_requests_total"] >= 3
    finally:
        restart_pool()
        wait_for(lambda: internal("/status")[0] == 200, message="the pool back")
