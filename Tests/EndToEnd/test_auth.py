"""Every /api/v1/ and /analytics/ request needs a valid X-API-Key; failures reveal nothing."""

import pytest

from conftest import cli, new_org_key, request

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
