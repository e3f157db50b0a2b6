"""Sessions, contexts and visitors through nginx against MariaDB: anonymous and authenticated
sessions, expiry (fixed and sliding), ending, identification of anonymous visitors, merged contexts,
attribute limits, the visitor journey, and isolation between organizations."""

import time
import uuid
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


def test_anonymous_session_and_continuing_as_the_same_visitor():
    _, key = new_org_key()
    first = open_session(key)
    assert first["authenticated"] is False and first["state"] == "active" and first["channel"] == "api"
    visitor = first["visitor"]
    assert uuid.UUID(visitor["id"]) and visitor["identified"] is False and visitor["external_id"] is None
    assert first["initial_visitor_id"] == visitor["id"]
    assert first["ttl_seconds"] == 1800 and first["sliding"] is True
    assert parse(first["expires_at"]) - parse(first["created_at"]) == timedelta(seconds=1800)
    assert first["attributes"] == {} and first["crm"] == [] and first["context_count"] == 0

    # The channel kept the visitor id (a cookie) and sends it again.
    second = open_session(key, visitor={"id": visitor["id"]}, channel="Web")
    assert second["visitor"]["id"] == visitor["id"] and second["channel"] == "web" and second["authenticated"] is False
    journey = request("GET", f"/api/v1/visitors/{visitor['id']}", key=key).json()
    assert [s["id"] for s in journey["sessions"]] == [first["id"], second["id"]]
    assert journey["session_count"] == 2 and journey["channels"] == ["api", "web"]

    unknown = request("POST", "/api/v1/sessions/", key=key, body={"visitor": {"id": str(uuid.uuid4())}})
    assert unknown.status == 404 and unknown.json() == {"detail": "Visitor not found"}
    assert request("GET", f"/api/v1/sessions/{first['id']}/", key=key).json()["id"] == first["id"]


def test_authenticated_session_maps_the_external_id_to_one_visitor():
    _, key = new_org_key()
    web = open_session(key, channel="web", metadata={"page": "/pricing"},
                       visitor={"external_id": "crm-1", "display_name": "Ana Souza", "email": "ana@example.com",
                                "locale": "pt-br"})
    assert web["authenticated"] is True and web["metadata"] == {"page": "/pricing"}
    visitor = web["visitor"]
    assert visitor["external_id"] == "crm-1" and visitor["identified"] is True
    assert visitor["display_name"] == "Ana Souza" and visitor["locale"] == "pt-BR"
    assert visitor["identified_at"] is not None

    phone = open_session(key, channel="whatsapp", visitor={"external_id": "crm-1", "phone": "+55 11 99999-0000"})
    assert phone["visitor"]["id"] == visitor["id"]
    # What was known stays; what is new is added.
    assert phone["visitor"]["display_name"] == "Ana Souza" and phone["visitor"]["phone"] == "+55 11 99999-0000"
    assert db.scalar("SELECT COUNT(*) FROM visitors WHERE external_id = 'crm-1' AND id = %s", [visitor["id"]]) == 1


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


def test_end_is_final_and_idempotent():
    _, key = new_org_key()
    session = open_session(key)
    ended = request("POST", f"/api/v1/sessions/{session['id']}/end", key=key, body={"reason": "resolved"})
    assert ended.status == 200
    body = ended.json()
    assert body["state"] == "ended" and body["end_reason"] == "resolved" and body["ended_at"] is not None
    again = request("POST", f"/api/v1/sessions/{session['id']}/end", key=key)
    assert again.status == 200 and again.json() == body
    assert add_context(key, session["id"], {"after": "end"}).json() == EXPIRED
    assert request("GET", f"/api/v1/sessions/{session['id']}", key=key).json() == body
    assert request("GET", "/api/v1/sessions/?state=ended", key=key).json()["items"] == [body]
    reply = request("POST", f"/api/v1/sessions/{session['id']}/end", key=key, body={"reason": "", "why": 1})
    assert reply.status == 422
    assert {tuple(e["loc"]) for e in reply.json()["detail"]} == {("body", "reason"), ("body", "why")}


def test_identifying_an_anonymous_visitor_links_their_earlier_sessions():
    _, key = new_org_key()
    # A new identity: the anonymous visitor takes it, with both sessions.
    first = open_session(key, channel="web")
    anonymous = first["visitor"]["id"]
    second = open_session(key, channel="app", visitor={"id": anonymous})
    identified = request("PATCH", f"/api/v1/sessions/{second['id']}", key=key,
                         body={"visitor": {"external_id": "cust-9", "email": "joao@example.com"}})
    assert identified.status == 200, identified
    body = identified.json()
    assert body["authenticated"] is True and body["identified_at"] is not None
    assert body["visitor"]["id"] == anonymous and body["visitor"]["external_id"] == "cust-9"
    journey = request("GET", f"/api/v1/visitors/{anonymous}", key=key).json()
    assert journey["external_id"] == "cust-9" and journey["session_count"] == 2
    assert request("GET", f"/api/v1/sessions/{first['id']}", key=key).json()["authenticated"] is False

    # An identity that already exists: the anonymous visitor is linked to it, sessions and all.
    known = open_session(key, channel="whatsapp", visitor={"external_id": "cust-7", "display_name": "Rita"})
    known_id = known["visitor"]["id"]
    early = open_session(key, channel="web", visitor={"display_name": "Visitante", "locale": "pt-PT"})
    stranger = early["visitor"]["id"]
    late = open_session(key, channel="web", visitor={"id": stranger})
    linked = request("PATCH", f"/api/v1/sessions/{late['id']}", key=key, body={"visitor": {"external_id": "cust-7"}}).json()
    assert linked["visitor"]["id"] == known_id and linked["initial_visitor_id"] == stranger
    assert linked["visitor"]["display_name"] == "Rita" and linked["visitor"]["locale"] == "pt-PT"
    early_now = request("GET", f"/api/v1/sessions/{early['id']}", key=key).json()
    assert early_now["visitor"]["id"] == known_id and early_now["initial_visitor_id"] == stranger
    assert early_now["authenticated"] is False

    journey = request("GET", f"/api/v1/visitors/{stranger}", key=key).json()
    assert journey["id"] == known_id and journey["linked_visitor_ids"] == [stranger]
    assert [s["id"] for s in journey["sessions"]] == [known["id"], early["id"], late["id"]]
    assert journey["channels"] == ["whatsapp", "web"]
    assert request("GET", f"/api/v1/sessions/?visitor_id={stranger}", key=key).json()["count"] == 3
    assert request("GET", "/api/v1/sessions/?external_id=cust-7", key=key).json()["count"] == 3
    # The old cookie keeps working: it names the identified visitor now.
    assert open_session(key, visitor={"id": stranger})["visitor"]["id"] == known_id
    assert request("GET", "/api/v1/visitors/?identified=false", key=key).json()["count"] == 0

    conflict = request("PATCH", f"/api/v1/sessions/{known['id']}", key=key, body={"visitor": {"external_id": "cust-8"}})
    assert conflict.status == 409
    assert request("GET", f"/api/v1/visitors/{known_id}", key=key).json()["external_id"] == "cust-7"


def test_contexts_are_kept_in_order_and_merged_later_wins():
    _, key = new_org_key()
    session = open_session(key, channel="web")
    before = session["last_activity_at"]
    time.sleep(1.1)
    one = add_context(key, session["id"], {"plan": "basic", "address": {"city": "Lisboa", "zip": "1000-001"}, "tags": ["a"]},
                      crm={"system": "hubspot", "record_id": "42"})
    assert one.status == 201, one
    one = one.json()
    assert one["position"] == 1 and one["crm"] == {"system": "hubspot", "record_id": "42", "url": None}
    two = add_context(key, session["id"], {"plan": "pro", "address": {"city": "Porto"}},
                      crm={"system": "salesforce", "record_id": "003X", "url": "https://crm.example.com/r/003X"},
                      path="/api/v1/contexts/").json()
    assert two["position"] == 2

    merged = request("GET", f"/api/v1/sessions/{session['id']}", key=key).json()
    assert merged["attributes"] == {"plan": "pro", "address": {"city": "Porto", "zip": "1000-001"}, "tags": ["a"]}
    assert merged["crm"] == [
        {"system": "hubspot", "record_id": "42", "url": None, "context_id": one["id"]},
        {"system": "salesforce", "record_id": "003X", "url": "https://crm.example.com/r/003X", "context_id": two["id"]},
    ]
    assert merged["context_count"] == 2 and merged["last_activity_at"] > before

    listing = request("GET", f"/api/v1/contexts?session_id={session['id']}", key=key).json()
    assert [c["id"] for c in listing["items"]] == [one["id"], two["id"]] and listing["count"] == 2
    assert request("GET", "/api/v1/contexts/?crm_system=salesforce&crm_record_id=003X", key=key).json()["items"] == [two]
    assert request("GET", f"/api/v1/contexts/{one['id']}", key=key).json() == one

    # A change to the first context does not override the later one.
    changed = request("PATCH", f"/api/v1/contexts/{one['id']}", key=key, body={"attributes": {"plan": "enterprise", "vip": True}})
    assert changed.status == 200 and changed.json()["attributes"] == {"plan": "enterprise", "vip": True}
    assert changed.json()["crm"] == one["crm"]
    merged = request("GET", f"/api/v1/sessions/{session['id']}", key=key).json()["attributes"]
    assert merged == {"plan": "pro", "vip": True, "address": {"city": "Porto"}}

    assert request("PATCH", f"/api/v1/contexts/{two['id']}", key=key, body={"crm": None}).json()["crm"] is None
    assert [r["system"] for r in request("GET", f"/api/v1/sessions/{session['id']}", key=key).json()["crm"]] == ["hubspot"]
    assert request("DELETE", f"/api/v1/contexts/{two['id']}", key=key).status == 204
    assert request("GET", f"/api/v1/contexts/{two['id']}", key=key).status == 404
    merged = request("GET", f"/api/v1/sessions/{session['id']}", key=key).json()
    assert merged["attributes"] == {"plan": "enterprise", "vip": True} and merged["context_count"] == 1
    assert add_context(key, session["id"], {"again": 1}).json()["position"] == 2


def test_attribute_limits_answer_422_and_store_nothing():
    _, key = new_org_key()
    session = open_session(key)
    nested = {"a": {"b": {"c": {"d": {"e": 1}}}}}
    cases = [
        ({f"k{i}": i for i in range(101)}, ["body", "attributes"], "too_long"),
        ({"x" * 101: 1}, ["body", "attributes", "x" * 101], "string_too_long"),
        ({"note": "y" * 2001}, ["body", "attributes", "note"], "string_too_long"),
        ({"list": ["z" * 2001]}, ["body", "attributes", "list", 0], "string_too_long"),
        (nested, ["body", "attributes"], "too_deep"),
        ({"items": list(range(101))}, ["body", "attributes", "items"], "too_long"),
        ({f"k{i}": "v" * 1000 for i in range(20)}, ["body", "attributes"], "too_long"),
    ]
    for attributes, loc, kind in cases:
        reply = add_context(key, session["id"], attributes)
        assert reply.status == 422, (loc, reply)
        assert {"loc": loc, "type": kind} in [{"loc": e["loc"], "type": e["type"]} for e in reply.json()["detail"]], reply
    assert add_context(key, session["id"], {"a": {"b": {"c": {"d": 1}}}}).status == 201  # 4 levels is the limit

    reply = request("POST", "/api/v1/contexts", key=key, body={"attributes": [], "crm": {"system": "", "url": "ftp://x"}, "extra": 1})
    assert reply.status == 422
    assert {tuple(e["loc"]) for e in reply.json()["detail"]} == {
        ("body", "session_id"), ("body", "attributes"), ("body", "crm", "system"), ("body", "crm", "record_id"),
        ("body", "crm", "url"), ("body", "extra")}
    assert request("POST", "/api/v1/contexts", key=key, body={"session_id": "nope", "attributes": {}}).status == 422
    context_id = request("GET", f"/api/v1/contexts?session_id={session['id']}", key=key).json()["items"][0]["id"]
    assert request("PATCH", f"/api/v1/contexts/{context_id}", key=key, body={"attributes": {"q": "w" * 2001}}).status == 422
    assert request("PATCH", f"/api/v1/contexts/{context_id}", key=key, body={"session_id": session["id"]}).status == 422
    assert db.scalar("SELECT COUNT(*) FROM session_contexts WHERE session_id = %s", [session["id"]]) == 1
    assert request("GET", f"/api/v1/contexts/{context_id}", key=key).json()["attributes"] == {"a": {"b": {"c": {"d": 1}}}}


def test_session_validation_and_filters():
    org, key = new_org_key()
    before = db.scalar("SELECT COUNT(*) FROM sessions WHERE organization_id = %s", [org])
    reply = request("POST", "/api/v1/sessions/", key=key, body={
        "ttl_seconds": 0, "channel": "web widget", "assistant_id": "x", "sliding": "yes", "visitor": {"email": "no", "locale": "?"},
        "surprise": True})
    assert reply.status == 422
    assert {tuple(e["loc"]) for e in reply.json()["detail"]} == {
        ("body", "ttl_seconds"), ("body", "channel"), ("body", "assistant_id"), ("body", "sliding"),
        ("body", "visitor", "email"), ("body", "visitor", "locale"), ("body", "surprise")}
    assert request("POST", "/api/v1/sessions/", key=key, body={"ttl_seconds": 2_592_001}).status == 422
    assert request("POST", "/api/v1/sessions/", key=key, body={"assistant_id": str(uuid.uuid4())}).json() == {
        "detail": "Assistant not found"}
    assert db.scalar("SELECT COUNT(*) FROM sessions WHERE organization_id = %s", [org]) == before

    assistant = request("POST", "/api/v1/assistants/", key=key, body={"name": "Concierge"}).json()
    web = open_session(key, channel="web", assistant_id=assistant["id"])
    phone = open_session(key, channel="phone", visitor={"external_id": "p-1"})
    everything = request("GET", "/api/v1/sessions/", key=key).json()
    assert [s["id"] for s in everything["items"]] == [web["id"], phone["id"]] and everything["count"] == 2
    assert [s["id"] for s in request("GET", f"/api/v1/sessions/?assistant_id={assistant['id']}", key=key).json()["items"]] == [web["id"]]
    assert [s["id"] for s in request("GET", "/api/v1/sessions/?channel=phone", key=key).json()["items"]] == [phone["id"]]
    assert [s["id"] for s in request("GET", "/api/v1/sessions/?external_id=p-1", key=key).json()["items"]] == [phone["id"]]
    assert request("GET", "/api/v1/sessions/?limit=1&offset=1", key=key).json() == {"items": [everything["items"][1]], "count": 2}
    ahead = (datetime.now(timezone.utc) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert request("GET", f"/api/v1/sessions/?created_after={ahead}", key=key).json()["count"] == 0
    assert request("GET", f"/api/v1/sessions/?created_before={ahead}", key=key).json()["count"] == 2
    assert request("GET", f"/api/v1/sessions/?created_before={web['created_at']}", key=key).json()["count"] == 0
    assert request("GET", f"/api/v1/sessions/?created_after={web['created_at']}&created_before={ahead}", key=key).json()["count"] == 2
    bad = request("GET", "/api/v1/sessions/?state=closed&created_after=yesterday&assistant_id=1", key=key)
    assert bad.status == 422
    assert [e["loc"] for e in bad.json()["detail"]] == [["query", "assistant_id"], ["query", "state"], ["query", "created_after"]]

    patched = request("PATCH", f"/api/v1/sessions/{web['id']}", key=key, body={"ttl_seconds": 600, "sliding": False, "metadata": {"a": 1}})
    assert patched.status == 200
    body = patched.json()
    assert body["ttl_seconds"] == 600 and body["sliding"] is False and body["metadata"] == {"a": 1}
    assert request("PATCH", f"/api/v1/sessions/{web['id']}", key=key, body={"channel": "app"}).status == 422


def test_organization_default_lifetime():
    org, key = new_org_key()
    assert cli("org", "set-session-ttl", org, "120").endswith("\t120")
    assert open_session(key)["ttl_seconds"] == 120
    assert open_session(key, ttl_seconds=30)["ttl_seconds"] == 30
    cli("org", "set-session-ttl", org, "default")
    assert open_session(key)["ttl_seconds"] == 1800


def test_visitor_journey_across_two_channels():
    _, key = new_org_key()
    web = open_session(key, channel="web", visitor={"external_id": "j-1"})
    assert add_context(key, web["id"], {"cart": 3}).status == 201
    whatsapp = open_session(key, channel="whatsapp", visitor={"external_id": "j-1"})
    assert add_context(key, whatsapp["id"], {"topic": "delivery"}, crm={"system": "zendesk", "record_id": "T-5"}).status == 201
    other = open_session(key, channel="web", visitor={"external_id": "j-2"})

    journey = request("GET", f"/api/v1/visitors/{web['visitor']['id']}", key=key).json()
    assert journey["external_id"] == "j-1" and journey["channels"] == ["web", "whatsapp"] and journey["session_count"] == 2
    assert [s["id"] for s in journey["sessions"]] == [web["id"], whatsapp["id"]]
    assert [c["attributes"] for c in journey["sessions"][0]["contexts"]] == [{"cart": 3}]
    assert journey["sessions"][1]["contexts"][0]["crm"] == {"system": "zendesk", "record_id": "T-5", "url": None}
    assert journey["sessions"][1]["attributes"] == {"topic": "delivery"}
    assert other["id"] not in [s["id"] for s in journey["sessions"]]

    by_external = request("GET", "/api/v1/visitors/?external_id=j-1", key=key).json()
    assert by_external["count"] == 1 and by_external["items"][0] == journey
    assert request("GET", "/api/v1/visitors/", key=key).json()["count"] == 2
    assert request("GET", f"/api/v1/visitors/{uuid.uuid4()}", key=key).status == 404
    assert request("GET", "/api/v1/visitors/not-a-uuid", key=key).status == 404


def test_the_same_external_id_in_two_organizations_is_two_visitors():
    _, mine = new_org_key()
    _, theirs = new_org_key()
    a = open_session(mine, channel="web", visitor={"external_id": "shared-1", "display_name": "Mine"})
    b = open_session(theirs, channel="app", visitor={"external_id": "shared-1", "display_name": "Theirs"})
    assert a["visitor"]["id"] != b["visitor"]["id"]
    assert add_context(mine, a["id"], {"secret": "a"}, crm={"system": "hubspot", "record_id": "77"}).status == 201
    assert add_context(theirs, b["id"], {"secret": "b"}, crm={"system": "hubspot", "record_id": "77"}).status == 201

    for key, session, name in [(mine, a, "Mine"), (theirs, b, "Theirs")]:
        found = request("GET", "/api/v1/visitors/?external_id=shared-1", key=key).json()
        assert found["count"] == 1 and found["items"][0]["id"] == session["visitor"]["id"]
        assert found["items"][0]["display_name"] == name
        assert [s["id"] for s in found["items"][0]["sessions"]] == [session["id"]]
        listed = request("GET", "/api/v1/sessions/?external_id=shared-1", key=key).json()
        assert [s["id"] for s in listed["items"]] == [session["id"]]
        crm = request("GET", "/api/v1/contexts/?crm_system=hubspot&crm_record_id=77", key=key).json()
        assert [c["session_id"] for c in crm["items"]] == [session["id"]]
    # Identifying in one organization does not touch the other's visitor.
    anon = open_session(theirs)
    linked = request("PATCH", f"/api/v1/sessions/{anon['id']}", key=theirs, body={"visitor": {"external_id": "shared-1"}}).json()
    assert linked["visitor"]["id"] == b["visitor"]["id"]
    assert request("GET", f"/api/v1/visitors/{a['visitor']['id']}", key=mine).json()["session_count"] == 1


def test_every_route_answers_404_across_organizations(key, other_key):
    assistant = request("POST", "/api/v1/assistants/", key=key, body={"name": "Mine"}).json()
    session = open_session(key, assistant_id=assistant["id"], visitor={"external_id": f"iso-{uuid.uuid4().hex[:6]}"})
    context = add_context(key, session["id"], {"private": True}).json()
    visitor = session["visitor"]["id"]
    before = request("GET", f"/api/v1/sessions/{session['id']}", key=key).json()
    calls = [
        ("GET", f"/api/v1/sessions/{session['id']}", None),
        ("PATCH", f"/api/v1/sessions/{session['id']}", {"metadata": {"stolen": True}}),
        ("PATCH", f"/api/v1/sessions/{session['id']}", {"visitor": {"external_id": "hijack"}}),
        ("POST", f"/api/v1/sessions/{session['id']}/end", None),
        ("POST", "/api/v1/contexts", {"session_id": session["id"], "attributes": {"x": 1}}),
        ("GET", f"/api/v1/contexts?session_id={session['id']}", None),
        ("GET", f"/api/v1/contexts/{context['id']}", None),
        ("PATCH", f"/api/v1/contexts/{context['id']}", {"attributes": {}}),
        ("DELETE", f"/api/v1/contexts/{context['id']}", None),
        ("GET", f"/api/v1/visitors/{visitor}", None),
        ("POST", "/api/v1/sessions/", {"visitor": {"id": visitor}}),
        ("POST", "/api/v1/sessions/", {"assistant_id": assistant["id"]}),
    ]
    for method, path, body in calls:
        reply = request(method, path, key=other_key, body=body)
        assert reply.status == 404, (method, path, reply)
    for path in ["/api/v1/sessions/", "/api/v1/contexts/", "/api/v1/visitors/",
                 f"/api/v1/sessions/?visitor_id={visitor}", f"/api/v1/sessions/?assistant_id={assistant['id']}"]:
        ids = [item["id"] for item in request("GET", path + ("&" if "?" in path else "?") + "limit=1000", key=other_key).json()["items"]]
        assert session["id"] not in ids and context["id"] not in ids and visitor not in ids, path
    # Nothing of the owner's changed.
    assert request("GET", f"/api/v1/sessions/{session['id']}", key=key).json() == before
    assert before["state"] == "active" and before["attributes"] == {"private": True}
