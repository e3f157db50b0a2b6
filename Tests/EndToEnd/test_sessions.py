"""Sessions through nginx against MariaDB, where the clock, the workers or the command line take
part: expiry by waiting (and the sweeper marking the row), sliding expiry, and an organization's
default lifetime set with `companin org`. Per-endpoint behaviour (anonymous and authenticated
sessions, identification, contexts, attribute limits, filters, journeys, isolation) is tested in
process: Tests/CompaninTests/SessionAPITests.swift."""

import time
from datetime import datetime, timedelta, timezone

from conftest import cli, db, new_org_key, request, wait_for

EXPIRED = {"detail": "Session expired"}


def open_session(key, **fields):
    reply = request("POST", "/api/v1/sessions/", key=key, body=fields)
    assert reply.status == 201, reply
    return reply.json()


def add_context(key, session_id, attributes, crm=None, path="/api/v1/contexts"):
    body = {"session_id": session_id, "attributes": attributes}
    if crm is not None:
        body["crm"] = crm
    return request("POST", path, key=key, body=body)


def parse(timestamp):
    return datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def test_short_ttl_expires_refuses_additions_and_stays_readable():
    org, key = new_org_key()
    session = open_session(key, ttl_seconds=2, sliding=False)
    assert add_context(key, session["id"], {"step": 1}).status == 201
    time.sleep(2.5)

    refused = add_context(key, session["id"], {"step": 2})
    assert refused.status == 410 and refused.json() == EXPIRED
    assert request("PATCH", f"/api/v1/sessions/{session['id']}", key=key, body={"metadata": {"x": 1}}).json() == EXPIRED
    assert request("POST", f"/api/v1/sessions/{session['id']}/end", key=key).status == 410

    # Still readable for audit, with what it held.
    read = request("GET", f"/api/v1/sessions/{session['id']}", key=key)
    assert read.status == 200
    body = read.json()
    assert body["state"] == "expired" and body["attributes"] == {"step": 1} and body["metadata"] == {}
    assert [s["id"] for s in request("GET", "/api/v1/sessions/?state=expired", key=key).json()["items"]] == [session["id"]]
    assert request("GET", "/api/v1/sessions/?state=active", key=key).json()["count"] == 0

    # The sweeper marks the row, so reports read the same state.
    wait_for(lambda: db.scalar("SELECT state FROM sessions WHERE id = %s", [session["id"]]) == "expired",
             timeout=15, interval=0.2, message="the sweeper to mark the session expired")
    assert db.scalar("SELECT COUNT(*) FROM session_contexts WHERE session_id = %s", [session["id"]]) == 1


def test_sliding_expiry_is_extended_by_activity():
    _, key = new_org_key()
    started = time.monotonic()
    fixed = open_session(key, ttl_seconds=6, sliding=False)
    sliding = open_session(key, ttl_seconds=6)
    time.sleep(2)
    assert add_context(key, fixed["id"], {"seen": True}).status == 201
    assert add_context(key, sliding["id"], {"seen": True}).status == 201

    fixed_now = request("GET", f"/api/v1/sessions/{fixed['id']}", key=key).json()
    sliding_now = request("GET", f"/api/v1/sessions/{sliding['id']}", key=key).json()
    assert fixed_now["expires_at"] == fixed["expires_at"]
    assert parse(sliding_now["expires_at"]) >= parse(sliding["expires_at"]) + timedelta(seconds=1)
    assert parse(sliding_now["last_activity_at"]) > parse(sliding["last_activity_at"])

    # Past the first expiry: the fixed session is closed, the sliding one is not.
    time.sleep(max(0.0, started + 6.5 - time.monotonic()))
    assert add_context(key, fixed["id"], {"late": True}).json() == EXPIRED
    assert add_context(key, sliding["id"], {"late": True}).status == 201
    assert request("GET", f"/api/v1/sessions/{sliding['id']}", key=key).json()["state"] == "active"


def test_organization_default_lifetime():
    org, key = new_org_key()
    assert cli("org", "set-session-ttl", org, "120").endswith("\t120")
    assert open_session(key)["ttl_seconds"] == 120
    assert open_session(key, ttl_seconds=30)["ttl_seconds"] == 30
    cli("org", "set-session-ttl", org, "default")
    assert open_session(key)["ttl_seconds"] == 1800
