"""Every /api/v1/ and /analytics/ request needs a valid X-API-Key; failures reveal nothing."""

import time

import pytest

from conftest import cli, new_org_key, request, restart_pool, wait_for

UNAUTHORIZED = {"detail": "Unauthorized"}


@pytest.mark.parametrize("path", ["/api/v1/assistants/", "/api/v1/assistants/00000000-0000-0000-0000-000000000000",
                                  "/api/v1/no-such-route", "/analytics/usage/"])
def test_missing_key_is_401(path):
    reply = request("GET", path)
    assert reply.status == 401
    assert reply.json() == UNAUTHORIZED
    assert reply.header("X-Request-ID")


@pytest.mark.parametrize("value", ["", "   ", "cmp_" + "x" * 40, "not-a-key", "k" * 500])
def test_unknown_key_is_401(value):
    reply = request("GET", "/api/v1/assistants/", key=value)
    assert reply.status == 401
    assert reply.json() == UNAUTHORIZED


def test_revoked_key_is_401_at_once():
    # scripts/test runs the pool without the credential cache (COMPANIN_AUTH_CACHE_SECONDS=0).
    org, key = new_org_key()
    assert request("GET", "/api/v1/assistants/", key=key).status == 200
    listing = cli("key", "list", "--org", org).splitlines()
    assert len(listing) == 1
    key_id, prefix = listing[0].split("\t")[:2]
    assert key.startswith(prefix.rstrip("…"))
    assert key not in listing[0]
    cli("key", "revoke", key_id)
    reply = request("GET", "/api/v1/assistants/", key=key)
    assert reply.status == 401
    assert reply.json() == UNAUTHORIZED
    assert "revoked" in cli("key", "list", "--org", org)


def test_unauthenticated_write_changes_nothing(key):
    before = request("GET", "/api/v1/assistants/", key=key).json()["count"]
    reply = request("POST", "/api/v1/assistants/", key="cmp_wrong", body={"name": "Intruder"})
    assert reply.status == 401
    assert request("GET", "/api/v1/assistants/", key=key).json()["count"] == before


def test_with_the_credential_cache_a_revoked_key_is_401_within_its_lifetime():
    """One responder caching credentials for 2 s: a revoked key still works from its cache, then
    stops within the lifetime and stays stopped."""
    org, key = new_org_key()
    restart_pool(COMPANIN_AUTH_CACHE_SECONDS="2", COMPANIN_RESPONDERS="1")
    try:
        assert request("GET", "/api/v1/assistants/", key=key).status == 200
        key_id = cli("key", "list", "--org", org).split("\t")[0]
        cli("key", "revoke", key_id)
        revoked_at = time.monotonic()
        assert request("GET", "/api/v1/assistants/", key=key).status == 200, "answered from the cache"
        wait_for(lambda: request("GET", "/api/v1/assistants/", key=key).status == 401, timeout=10,
                 message="the revocation to be seen")
        assert time.monotonic() - revoked_at < 2 + 1
        assert all(request("GET", "/api/v1/assistants/", key=key).status == 401 for _ in range(5))
    finally:
        restart_pool()


def test_scoped_keys_and_a_browser_token_through_nginx(key):
    """Keys made through the API, a widget key minting a token, and the token as a bearer: the
    Authorization header reaches the pool through nginx and FastCGI."""
    assistant = request("POST", "/api/v1/assistants/", key=key, body={"name": "Widget assistant"}).json()["id"]
    made = request("POST", "/api/v1/keys/", key=key,
                   body={"name": "site widget", "scopes": ["widget"], "assistant_id": assistant})
    assert made.status == 201
    widget = made.json()["secret"]
    assert request("GET", "/api/v1/assistants/", key=widget).json() == {
        "detail": "This key's scopes do not allow this request"}
    session = request("POST", "/api/v1/sessions/", key=widget, body={}).json()
    assert session["assistant_id"] == assistant
    minted = request("POST", "/api/v1/tokens", key=widget, body={"session_id": session["id"], "ttl_seconds": 120})
    assert minted.status == 201
    token = minted.json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert request("GET", f"/api/v1/sessions/{session['id']}", headers=bearer).status == 200
    assert request("GET", "/api/v1/assistants/", headers=bearer).status == 403
    tampered = {"Authorization": f"Bearer {token[:-1]}{'B' if token.endswith('A') else 'A'}"}
    reply = request("GET", f"/api/v1/sessions/{session['id']}", headers=tampered)
    assert reply.status == 401 and reply.json() == UNAUTHORIZED
    # Revoking the key ends its tokens (the test pool caches no credentials).
    assert request("DELETE", f"/api/v1/keys/{made.json()['id']}", key=key).status == 204
    assert request("GET", f"/api/v1/sessions/{session['id']}", headers=bearer).status == 401
    actions = [event["action"] for event in request("GET", "/analytics/audit/", key=key).json()["items"]]
    assert actions[:2] == ["key.revoked", "key.created"]
