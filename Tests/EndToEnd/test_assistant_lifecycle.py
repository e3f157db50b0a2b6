"""Assistant lifecycle: immutable versions, promote and roll back, ETags, activation, templates, deletion."""

import threading

from conftest import cli, db, new_org_key, request


def create(key, **fields):
    reply = request("POST", "/api/v1/assistants/", key=key, body={"name": "Ana"} | fields)
    assert reply.status == 201, reply
    assert reply.header("ETag")
    return reply.json()


def get(key, assistant_id):
    return request("GET", f"/api/v1/assistants/{assistant_id}", key=key)


def test_versions_promote_and_roll_back():
    org, key = new_org_key()
    created = create(key, tone="friendly", change_note="first cut")
    path = f"/api/v1/assistants/{created['id']}"
    assert (created["live_version"], created["latest_version"]) == (1, 1)

    v2 = request("PATCH", path, key=key, body={"tone": "formal", "change_note": "legal asked"})
    assert v2.status == 200, v2
    assert (v2.json()["live_version"], v2.json()["latest_version"], v2.json()["tone"]) == (2, 2, "formal")

    draft = request("PATCH", path, key=key, body={"tone": "playful", "description": "Try this", "promote": False})
    assert draft.status == 200, draft
    body = draft.json()
    assert (body["live_version"], body["latest_version"]) == (2, 3)
    assert body["tone"] == "formal" and body["description"] == ""  # v2 still served
    assert get(key, created["id"]).json()["tone"] == "formal"

    promoted = request("POST", f"{path}/versions/3/promote", key=key)
    assert promoted.status == 200, promoted
    assert (promoted.json()["live_version"], promoted.json()["tone"], promoted.json()["description"]) == (3, "playful", "Try this")

    assert request("POST", f"{path}/versions/1/", key=key).status == 405  # promotion is explicit
    rolled_back = request("POST", f"{path}/versions/1/promote/", key=key)
    assert rolled_back.status == 200
    assert (rolled_back.json()["live_version"], rolled_back.json()["latest_version"], rolled_back.json()["tone"]) == (1, 3, "friendly")
    assert get(key, created["id"]).json()["tone"] == "friendly"

    history = request("GET", f"{path}/versions", key=key).json()
    assert history["count"] == 3
    assert [v["version"] for v in history["items"]] == [3, 2, 1]
    key_id = cli("key", "list", "--org", org).split("\t")[0]
    assert {v["created_by_api_key_id"] for v in history["items"]} == {key_id}
    assert all(v["created_at"].endswith("Z") for v in history["items"])
    assert [v["is_live"] for v in history["items"]] == [False, False, True]
    assert [v["changed_fields"] for v in history["items"]] == [
        ["description", "tone"], ["tone"], ["name", "description", "tone", "language", "task_templates", "metadata"]]
    assert [v["change_note"] for v in history["items"]] == [None, "legal asked", "first cut"]

    v2_read = request("GET", f"{path}/versions/2", key=key).json()
    assert v2_read["tone"] == "formal" and v2_read["changed_fields"] == ["tone"] and v2_read["version"] == 2
    assert request("GET", f"{path}/versions/4", key=key).status == 404
    assert request("GET", f"{path}/versions/zero", key=key).status == 404
    assert request("POST", f"{path}/versions/9/promote", key=key).status == 404

    # Versions are immutable in the database itself.
    assert db.scalar("SELECT COUNT(*) FROM assistant_versions WHERE assistant_id = %s", [created["id"]]) == 3


def test_patch_without_changes_writes_no_version(key):
    created = create(key, tone="friendly")
    path = f"/api/v1/assistants/{created['id']}"
    same = request("PATCH", path, key=key, body={"tone": "friendly"})
    assert same.status == 200 and same.json()["latest_version"] == 1
    assert same.header("ETag") == request("GET", path, key=key).header("ETag")


def test_concurrent_patches_with_the_same_etag_one_wins(key):
    created = create(key)
    path = f"/api/v1/assistants/{created['id']}"
    etag = get(key, created["id"]).header("ETag")
    replies = [None, None]
    start = threading.Barrier(2)

    def edit(index):
        start.wait()
        replies[index] = request("PATCH", path, key=key, body={"tone": f"tone-{index}"}, headers={"If-Match": etag})

    threads = [threading.Thread(target=edit, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.status for r in replies) == [200, 412], replies
    stale = next(r for r in replies if r.status == 412)
    assert "changed" in stale.json()["detail"]
    winner = next(r for r in replies if r.status == 200)
    assert winner.header("ETag") != etag
    assert get(key, created["id"]).json()["latest_version"] == 2

    # The fresh tag works; a stale one is refused for promote too.
    assert request("PATCH", path, key=key, body={"tone": "calm"}, headers={"If-Match": winner.header("ETag")}).status == 200
    assert request("POST", f"{path}/versions/1/promote", key=key, headers={"If-Match": etag}).status == 412
    assert request("POST", f"{path}/versions/1/promote", key=key, headers={"If-Match": "*"}).status == 200


def test_activation_writes_no_version(key):
    created = create(key)
    path = f"/api/v1/assistants/{created['id']}"
    off = request("POST", f"{path}/deactivate", key=key)
    assert off.status == 200 and off.json()["is_active"] is False and off.json()["latest_version"] == 1
    assert get(key, created["id"]).json()["is_active"] is False
    on = request("POST", f"{path}/activate/", key=key)
    assert on.status == 200 and on.json()["is_active"] is True
    off = request("PATCH", path, key=key, body={"is_active": False})
    assert off.status == 200 and off.json()["is_active"] is False and off.json()["latest_version"] == 1
    assert request("GET", f"{path}/versions", key=key).json()["count"] == 1
    assert db.scalar("SELECT COUNT(*) FROM assistant_versions WHERE assistant_id = %s", [created["id"]]) == 1


def test_template_render_and_its_422s(key):
    created = create(key, task_templates=[
        {"name": "refund", "template": "Refund order {{order_id}} for {{ customer.name }}."}])
    path = f"/api/v1/assistants/{created['id']}"
    rendered = request("POST", f"{path}/templates/refund/render", key=key,
                       body={"variables": {"order_id": 42, "customer.name": "Ana"}})
    assert rendered.status == 200, rendered
    assert rendered.json() == {"name": "refund", "text": "Refund order 42 for Ana.", "variables": ["order_id", "customer.name"]}

    missing = request("POST", f"{path}/templates/refund/render", key=key, body={"variables": {}})
    assert missing.status == 422
    assert [e["loc"] for e in missing.json()["detail"]] == [["body", "variables", "order_id"], ["body", "variables", "customer.name"]]
    assert request("POST", f"{path}/templates/nope/render", key=key, body={"variables": {}}).status == 404

    bad = request("PATCH", path, key=key, body={"task_templates": [{"name": "broken", "template": "Hi {{name"}]})
    assert bad.status == 422
    [error] = bad.json()["detail"]
    assert error["loc"] == ["body", "task_templates", 0, "template"] and "broken" in error["msg"]
    assert get(key, created["id"]).json()["latest_version"] == 1


def test_delete_hides_but_keeps_the_versions(key):
    created = create(key, name="Short-lived")
    path = f"/api/v1/assistants/{created['id']}"
    request("PATCH", path, key=key, body={"tone": "calm"})
    assert request("DELETE", path, key=key).status == 204
    for method, suffix, body in [("GET", "", None), ("PATCH", "", {"tone": "x"}), ("DELETE", "", None),
                                 ("GET", "/versions", None), ("GET", "/versions/1", None),
                                 ("POST", "/versions/1/promote", None), ("POST", "/activate", None)]:
        assert request(method, path + suffix, key=key, body=body).status == 404, (method, suffix)
    ids = [a["id"] for a in request("GET", "/api/v1/assistants/?limit=1000", key=key).json()["items"]]
    assert created["id"] not in ids
    assert db.query("SELECT COUNT(*) AS versions, MIN(deleted_at IS NOT NULL) AS deleted FROM assistants a "
                    "JOIN assistant_versions v ON v.assistant_id = a.id WHERE a.id = %s", [created["id"]]) \
        == [{"versions": 2, "deleted": 1}]

    # The operator's purge removes it for good once old enough.
    assert "purged 0 " in cli("assistant", "purge", "--older-than", "1d")
    assert "purged" in cli("assistant", "purge", "--older-than", "0s")
    assert db.scalar("SELECT COUNT(*) FROM assistant_versions WHERE assistant_id = %s", [created["id"]]) == 0


def test_another_organization_reaches_none_of_it(key, other_key):
    created = create(key, task_templates=[{"name": "t", "template": "x"}])
    path = f"/api/v1/assistants/{created['id']}"
    for method, suffix, body in [
        ("GET", "", None), ("PATCH", "", {"tone": "x"}), ("DELETE", "", None),
        ("GET", "/versions", None), ("GET", "/versions/1", None), ("POST", "/versions/1/promote", None),
        ("POST", "/activate", None), ("POST", "/deactivate", None),
        ("POST", "/templates/t/render", {"variables": {}}),
    ]:
        reply = request(method, path + suffix, key=other_key, body=body)
        assert reply.status == 404 and reply.json() == {"detail": "Not Found"}, (method, suffix, reply)
    after = get(key, created["id"]).json()
    assert after == created | {"updated_at": after["updated_at"]}
