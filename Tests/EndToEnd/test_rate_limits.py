"""The per-organization limiter, exact across every responder, with its headers and audit trail."""

import threading

from conftest import cli, db, new_org_key, request, wait_for

LIMIT = 100  # COMPANIN_RATE_LIMIT_PER_HOUR in the test stack (the default)


def rate_headers_ok(reply, limit):
    assert reply.header("X-RateLimit-Limit") == str(limit), reply.headers
    remaining = int(reply.header("X-RateLimit-Remaining"))
    reset = int(reply.header("X-RateLimit-Reset"))
    assert 0 <= remaining < limit
    assert 0 < reset <= 3600
    assert reply.header("RateLimit-Policy") == f'"org-hourly";q={limit};w=3600'
    assert reply.header("RateLimit") == f'"org-hourly";r={remaining};t={reset}'
    return remaining, reset


def test_150_concurrent_requests_admit_exactly_100():
    org, key = new_org_key(limit=None)
    other_org, other_key = new_org_key(limit=None)
    replies = [None] * 150
    start = threading.Barrier(150)

    def client(index):
        start.wait()
        replies[index] = request("GET", "/api/v1/assistants/", key=key)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(150)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    ok = [r for r in replies if r.status == 200]
    refused = [r for r in replies if r.status == 429]
    assert (len(ok), len(refused)) == (100, 50), sorted({r.status for r in replies})
    assert sorted(rate_headers_ok(r, LIMIT)[0] for r in ok) == list(range(100))
    for reply in refused:
        assert reply.json() == {"detail": "Rate limit exceeded"}
        remaining, reset = rate_headers_ok(reply, LIMIT)
        assert remaining == 0
        retry = int(reply.header("Retry-After"))
        assert 1 <= retry <= 36
        assert reset >= 3564

    # A second organization is unaffected.
    other = request("GET", "/api/v1/assistants/", key=other_key)
    assert other.status == 200
    assert other.header("X-RateLimit-Remaining") == str(LIMIT - 1)

    # Every refusal is on record (written in batches after the responses; give them a moment).
    rows = wait_for(lambda: (r := db.query("SELECT COUNT(*) AS breaches, COUNT(DISTINCT api_key_id) AS api_keys, "
                                           "MIN(method) AS method, MIN(path) AS path, MIN(limit_per_hour) AS limit_per_hour, "
                                           "MIN(client_address) AS client_address FROM rate_limit_breaches "
                                           "WHERE organization_id = %s", [org])) and r[0]["breaches"] == 50 and r,
                    timeout=15, message="50 breach records")
    assert rows == [{"breaches": 50, "api_keys": 1, "method": "GET", "path": "/api/v1/assistants/", "limit_per_hour": 100,
                     "client_address": "127.0.0.1"}]
    assert db.scalar("SELECT COUNT(*) FROM rate_limit_breaches WHERE organization_id = %s", [other_org]) == 0


def test_refused_requests_consume_nothing_and_unauthenticated_ones_touch_nothing():
    org, key = new_org_key(limit=None)
    cli("org", "set-limit", org, "3")
    for expected in (2, 1, 0):
        reply = request("GET", "/api/v1/assistants/", key=key)
        assert reply.status == 200 and reply.header("X-RateLimit-Remaining") == str(expected)
    for _ in range(5):
        assert request("GET", "/api/v1/assistants/", key=key).status == 429
    # Requests without a valid key are answered 401 and never counted against anyone.
    for _ in range(5):
        assert request("GET", "/api/v1/assistants/", key="cmp_nobody").status == 401
    # Raising the limit applies from the next request, in every responder, without a restart.
    cli("org", "set-limit", org, "10")
    reply = request("GET", "/api/v1/assistants/", key=key)
    assert reply.status == 200, reply
    assert reply.header("X-RateLimit-Limit") == "10"
    assert reply.header("X-RateLimit-Remaining") == "6"  # the 3 already spent stay spent


def test_errors_carry_the_headers_too():
    _, key = new_org_key(limit=None)
    reply = request("GET", "/api/v1/assistants/not-an-id", key=key)
    assert reply.status == 404
    rate_headers_ok(reply, LIMIT)


def test_state_survives_a_reload():
    import os
    import signal
    from conftest import master_pid, responder_pids
    org, key = new_org_key(limit=None)
    cli("org", "set-limit", org, "5")
    for _ in range(5):
        assert request("GET", "/api/v1/assistants/", key=key).status == 200
    master = master_pid()
    before = set(responder_pids(master))
    os.kill(master, signal.SIGHUP)
    wait_for(lambda: not (set(responder_pids(master)) & before) and len(responder_pids(master)) == len(before),
             message="every responder replaced")
    assert request("GET", "/api/v1/assistants/", key=key).status == 429
