"""MariaDB restarts: the pool answers 503 with Retry-After while it is down, then recovers by itself."""

from conftest import STACK, request, wait_for


def test_restart_between_two_requests(key):
    # However soon after the restart the request comes, a responder whose session died either
    # pings it (idle over a second) or fails to send on it; both reconnect before answering.
    assert request("GET", "/api/v1/assistants/", key=key).status == 200
    STACK.mariadb_restart()
    for _ in range(12):
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
