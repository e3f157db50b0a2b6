"""Assistants CRUD through nginx against MariaDB, with the API's error shapes."""

import re
import uuid

from conftest import new_org_key, request

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def create(key, **fields):
    body = {"name": "Ana"} | fields
    reply = request("POST", "/api/v1/assistants/", key=key, body=body)
    assert reply.status == 201, reply
    return reply.json()


def test_full_crud():
    _, key = new_org_key()
    empty = request("GET", "/api/v1/assistants/", key=key)
    assert empty.body == b'{"items":[],"count":0}'
    assert empty.header("Content-Type") == "application/json"

    created = create(key, description="Billing questions", tone="friendly", language="pt-br",
                     task_templates=[{"name": "refund", "template": "Refund order {order_id}"}],
                     metadata={"team": "billing", "nested": {"camelCase": [1, 2.5, None, True]}})
    assert uuid.UUID(created["id"]).version == 4
    assert created["name"] == "Ana"
    assert created["language"] == "pt-BR"
    assert created["is_active"] is True
    assert created["metadata"] == {"team": "billing", "nested": {"camelCase": [1, 2.5, None, True]}}
    assert ISO.match(created["created_at"]) and created["created_at"] == created["updated_at"]

    path = f"/api/v1/assistants/{created['id']}"
    assert request("GET", path, key=key).json() == created
    assert request("GET", path + "/", key=key).json() == created

    changed = request("PATCH", path, key=key, body={"tone": "formal", "is_active": False, "metadata": {}})
    assert changed.status == 200, changed
    body = changed.json()
    assert body["tone"] == "formal" and body["is_active"] is False and body["metadata"] == {}
    assert body["name"] == "Ana" and body["task_templates"] == created["task_templates"]
    assert body["created_at"] == created["created_at"]
    assert request("GET", path, key=key).json() == body

    listing = request("GET", "/api/v1/assistants", key=key).json()
    assert listing == {"items": [body], "count": 1}

    deleted = request("DELETE", path, key=key)
    assert deleted.status == 204 and deleted.body == b""
    assert request("GET", path, key=key).status == 404
    assert request("DELETE", path, key=key).status == 404
    assert request("GET", "/api/v1/assistants/", key=key).json() == {"items": [], "count": 0}


def test_pagination():
    _, key = new_org_key()
    names = [f"A{i:02d}" for i in range(7)]
    for name in names:
        create(key, name=name)
    first = request("GET", "/api/v1/assistants/?limit=3", key=key).json()
    second = request("GET", "/api/v1/assistants/?limit=3&offset=3", key=key).json()
    last = request("GET", "/api/v1/assistants/?limit=3&offset=6", key=key).json()
    assert [first["count"], second["count"], last["count"]] == [7, 7, 7]
    assert [a["name"] for a in first["items"] + second["items"] + last["items"]] == names
    reply = request("GET", "/api/v1/assistants/?limit=0&offset=-1", key=key)
    assert reply.status == 422
    assert [e["loc"] for e in reply.json()["detail"]] == [["query", "limit"], ["query", "offset"]]


def test_another_organization_gets_404(key, other_key):
    mine = create(key, name="Private")
    path = f"/api/v1/assistants/{mine['id']}"
    not_found = {"detail": "Not Found"}
    for method, body in [("GET", None), ("PATCH", {"name": "Stolen"}), ("DELETE", None)]:
        reply = request(method, path, key=other_key, body=body)
        assert reply.status == 404 and reply.json() == not_found, (method, reply)
    assert mine["id"] not in [a["id"] for a in request("GET", "/api/v1/assistants/?limit=1000", key=other_key).json()["items"]]
    assert request("GET", path, key=key).json() == mine


def test_unknown_and_malformed_ids_are_404(key):
    for ident in [str(uuid.uuid4()), "not-a-uuid", "1"]:
        reply = request("GET", f"/api/v1/assistants/{ident}", key=key)
        assert reply.status == 404 and reply.json() == {"detail": "Not Found"}


def test_validation_is_422_with_field_paths(key):
    before = request("GET", "/api/v1/assistants/", key=key).json()["count"]
    reply = request("POST", "/api/v1/assistants/", key=key, body={
        "language": "english please", "task_templates": [{"name": "x"}], "is_active": "yes", "surprise": 1})
    assert reply.status == 422
    detail = reply.json()["detail"]
    assert {tuple(e["loc"]) for e in detail} == {
        ("body", "name"), ("body", "language"), ("body", "task_templates", 0, "template"),
        ("body", "is_active"), ("body", "surprise")}
    assert all(set(e) == {"loc", "msg", "type"} for e in detail)
    assert next(e for e in detail if e["loc"] == ["body", "name"]) == {
        "loc": ["body", "name"], "msg": "Field required", "type": "missing"}
    assert request("GET", "/api/v1/assistants/", key=key).json()["count"] == before

    mine = create(key)
    reply = request("PATCH", f"/api/v1/assistants/{mine['id']}", key=key, body={"name": "", "metadata": "x"})
    assert reply.status == 422
    assert {tuple(e["loc"]) for e in reply.json()["detail"]} == {("body", "name"), ("body", "metadata")}
    assert request("GET", f"/api/v1/assistants/{mine['id']}", key=key).json() == mine

    reply = request("POST", "/api/v1/assistants/", key=key, body=["not", "an", "object"])
    assert reply.status == 422 and reply.json()["detail"][0]["loc"] == ["body"]


def test_malformed_json_is_400(key):
    reply = request("POST", "/api/v1/assistants/", key=key, raw=b'{"name": "Ana"',
                    headers={"Content-Type": "application/json"})
    assert reply.status == 400
    assert reply.json() == {"detail": "Malformed JSON body"}


def test_wrong_content_type_is_415(key):
    reply = request("POST", "/api/v1/assistants/", key=key, raw=b"name=Ana",
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert reply.status == 415
    assert reply.json() == {"detail": "Content-Type must be application/json"}


def test_too_large_is_413(key):
    before = request("GET", "/api/v1/assistants/", key=key).json()["count"]
    # Over the application's limit (1 MiB) but under nginx's: the responder answers.
    body = b'{"name": "Big", "description": "' + b"x" * (1_200_000) + b'"}'
    reply = request("POST", "/api/v1/assistants/", key=key, raw=body, headers={"Content-Type": "application/json"})
    assert reply.status == 413
    assert "exceeds" in reply.json()["detail"]
    assert reply.header("X-Request-ID")
    # Over nginx's limit: nginx answers, in the same shape.
    reply = request("POST", "/api/v1/assistants/", key=key, raw=b"x" * (3 << 20), headers={"Content-Type": "application/json"})
    assert reply.status == 413
    assert reply.json() == {"detail": "Request Entity Too Large"}
    assert request("GET", "/api/v1/assistants/", key=key).json()["count"] == before


def test_wrong_method_is_405(key):
    reply = request("PUT", "/api/v1/assistants/", key=key, body={"name": "x"})
    assert reply.status == 405
    assert reply.json() == {"detail": "Method Not Allowed"}
    assert set(reply.header("Allow").split(", ")) == {"GET", "POST"}


def test_methods_nginx_refuses_itself_are_405_in_the_error_shape(key):
    # TRACE and CONNECT never reach the pool: nginx answers them, in the API's shape, with Allow.
    for method, path in [("TRACE", "/api/v1/assistants/"), ("TRACE", "/analytics/usage/"), ("CONNECT", "/api/v1/keys/")]:
        reply = request(method, path, key=key)
        assert reply.status == 405, (method, path, reply)
        assert reply.header("Content-Type") == "application/json", reply.headers
        assert reply.json() == {"detail": "Method Not Allowed"}
        assert {"GET", "POST", "DELETE"} <= set(reply.header("Allow").split(", ")), reply.headers
        value = reply.header("X-Request-ID")
        assert value and "," not in value, reply.headers


def test_unknown_route_is_404(key):
    reply = request("GET", "/api/v1/nothing-here/", key=key)
    assert reply.status == 404 and reply.json() == {"detail": "Not Found"}
    reply = request("GET", "/not-the-api")
    assert reply.status == 404 and reply.json() == {"detail": "Not Found"}


def test_every_response_has_one_request_id(key):
    ids = set()
    for method, path in [("GET", "/api/v1/assistants/"), ("GET", "/api/v1/nope"), ("GET", "/elsewhere")]:
        reply = request(method, path, key=key)
        value = reply.header("X-Request-ID")
        assert value and "," not in value, reply.headers
        ids.add(value)
    assert len(ids) == 3


def test_unicode_round_trips(key):
    created = create(key, name="Atendente São Paulo 🤖", description="Olá, ação! 你好",
                     metadata={"emoji": "👍", "quote": "\"x\"\n"})
    fetched = request("GET", f"/api/v1/assistants/{created['id']}", key=key).json()
    assert fetched["name"] == "Atendente São Paulo 🤖"
    assert fetched["description"] == "Olá, ação! 你好"
    assert fetched["metadata"] == {"emoji": "👍", "quote": "\"x\"\n"}
