"""Behind a TLS-terminating proxy on the same host, nginx's per-address flood guard must see each
client's address (from X-Forwarded-For, trusted only from the configured proxies), not the
proxy's, which every client would otherwise share. The proxy is played by this test on 127.0.0.1;
the forwarded addresses are documentation addresses that only ever appear in a header."""

import os

import pytest

from conftest import STACK, VAR_DIR, request


def hits(forwarded_for, count):
    """Statuses of COUNT unauthenticated requests "from" FORWARDED_FOR (401 until the guard's 429)."""
    return [request("GET", "/api/v1/assistants/", headers={"X-Forwarded-For": forwarded_for}).status
            for _ in range(count)]


@pytest.fixture
def strict_guard():
    """nginx with a flood guard of one request a minute and a burst of 2; restored afterwards."""
    def restart(**settings):
        STACK.with_env(COMPANIN_FLOOD_RATE="1r/m", COMPANIN_FLOOD_BURST="2", **settings).nginx_restart()
    yield restart
    STACK.nginx_restart()


def test_each_client_behind_a_trusted_proxy_has_its_own_bucket(strict_guard):
    strict_guard(COMPANIN_TRUSTED_PROXIES="127.0.0.1/32")
    assert hits("203.0.113.7", 4) == [401, 401, 401, 429]
    # Another client through the same proxy is not held back by the first one's burst.
    assert hits("203.0.113.8", 1) == [401]
    # A client cannot choose a fresh bucket by sending the header itself: the proxy appends the
    # address it saw, and that rightmost untrusted address is the one that counts.
    assert hits("198.51.100.1, 203.0.113.7", 1) == [429]
    with open(os.path.join(VAR_DIR, "nginx", "logs", "access.log"), errors="replace") as log:
        assert "203.0.113.8 [" in log.read()


def test_without_trusted_proxies_the_header_is_ignored(strict_guard):
    strict_guard(COMPANIN_TRUSTED_PROXIES=None)
    assert hits("203.0.113.7", 3) == [401, 401, 401]
    assert hits("203.0.113.8", 1) == [429]
