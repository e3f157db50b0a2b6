"""MariaDB restarts: the pool answers 503 with Retry-After while it is down, then recovers by itself."""

import time

from conftest import STACK, request, wait_for

# A responder pings its connection before the first statement after more than a second idle
# (MariaDB.Connection.validationInterval) and replaces it if the server went away. A real restart
# takes longer than that; the private test server can restart in less, so the test waits it out.
VALIDATION_INTERVAL = 1.0


def test_restart_between_two_requests(key):
    assert request("GET", "/api/v1/assistants/", key=key).status == 200
    began = time.monotonic()
    STACK.mariadb_restart()
    time.sleep(max(0.0, VALIDATION_INTERVAL + 0.2 - (time.monotonic() - began)))
    reply = request("GET", "/api/v1/assistants/", key=key)
    assert reply.status == 200, reply


def test_down_is_503_with_retry_after_then_recovers(key):
    STACK.mariadb_stop()
    try:
        for _ in range(5):
            reply = request("GET", "/api/v1/assistants/", key=key)
            assert reply.status == 503, reply
            assert reply.header("Retry-After")
            assert reply.json() == {"detail": "Service Unavailable"}
    finally:
        STACK.mariadb_start()
    wait_for(lambda: request("GET", "/api/v1/assistants/", key=key).status == 200, timeout=30,
             message="the pool to reconnect")
    for _ in range(10):
        assert request("GET", "/api/v1/assistants/", key=key).status == 200
