"""Search scores vectors each responder keeps in memory: what it returns must be what the database
holds at that moment, on every responder, whoever changed it (the API, a worker or a DBA's SQL),
and the same as searching without the cache."""

from conftest import db, new_org_key, request, restart_pool, search, wait_for_status

QAS = "/api/v1/knowledge/qas/"
# More searches than responders, so every responder answers some of them.
ROUNDS = 16


def pairs(key, *texts):
    ids = []
    for question, answer in texts:
        reply = request("POST", QAS, key=key, body={"question": question, "answer": answer})
        assert reply.status == 202, reply
        ids.append(reply.json()["id"])
    for source_id in ids:
        assert wait_for_status(key, f"{QAS}{source_id}")["status"] == "ready"
    return ids


def found(key, query, **fields):
    """The source ids of the hits, the same on every round (hence on every responder)."""
    answers = {tuple(hit["source_id"] for hit in search(key, query, top_k=10, **fields)) for _ in range(ROUNDS)}
    assert len(answers) == 1, f"responders disagree: {answers}"
    return list(answers.pop())


def test_every_responder_sees_each_change_on_the_next_search():
    _, key = new_org_key()
    # "shipment" shares no indexed word with these texts: only vector similarity finds them, so
    # what comes back is what the vectors in memory say.
    public, margin, warranty = pairs(key, ("Public shipping policy", "Shipping is free over fifty euros."),
                                     ("Internal shipping margin", "Our shipping margin is twelve percent."),
                                     ("Warranty length", "Two years on every appliance."))
    assert set(found(key, "shipment")) == {public, margin, warranty}

    db.execute("UPDATE knowledge_sources SET status = 'failed' WHERE id = %s", [warranty])
    assert set(found(key, "shipment")) == {public, margin}

    db.execute("UPDATE knowledge_chunks SET embedding = %s WHERE source_id = %s", [bytes(4 * 384), margin])
    assert found(key, "shipment") == [public]

    db.execute("UPDATE knowledge_sources SET status = 'ready' WHERE id = %s", [warranty])
    assert set(found(key, "shipment")) == {public, warranty}

    assert request("DELETE", f"{QAS}{public}", key=key).status == 204
    assert found(key, "shipment") == [warranty]

    added, = pairs(key, ("Shipment tracking", "Every parcel gets a tracking link."))
    assert found(key, "shipment")[0] == added


def test_the_cache_answers_what_the_database_would():
    _, key = new_org_key()
    ids = pairs(key, *[(f"Question {n} about {topic}", f"About {topic}: {detail} {n}.")
                       for n, (topic, detail) in enumerate([("refunds", "money back within fourteen days"),
                                                            ("shipping", "free over fifty euros"),
                                                            ("warranty", "two years on appliances"),
                                                            ("invoices", "sent by email each month"),
                                                            ("passwords", "reset from the login page"),
                                                            ("returns", "thirty days with the receipt")])])
    file = request("POST", "/api/v1/assistants/", key=key, body={"name": "Scoped"}).json()["id"]
    linked = request("POST", "/api/v1/assistants/", key=key, body={"name": "Linked", "knowledge_mode": "linked"}).json()["id"]
    for source_id in ids[:2]:
        assert request("PUT", f"/api/v1/assistants/{file}/knowledge/{source_id}", key=key, body={"mode": "exclude"}).status == 200
    for source_id in ids[2:5]:
        assert request("PUT", f"/api/v1/assistants/{linked}/knowledge/{source_id}", key=key, body={"mode": "include"}).status == 200
    queries = [("refund money", {}), ("shipment warranties", {}), ("email invoice", {"kinds": ["qa"]}), ("files", {"kinds": ["file"]}),
               ("returns and refunds", {"assistant_id": file}), ("password warranty appliance", {"assistant_id": linked}),
               ("about", {"assistant_id": linked, "kinds": ["qa", "url"]})]

    def answers():
        return [search(key, query, top_k=10, **fields) for query, fields in queries]

    cached = answers()
    restart_pool(COMPANIN_VECTOR_CACHE_MIB="0")
    try:
        uncached = answers()
    finally:
        restart_pool()
    assert any(cached), "the queries find something"
    for query, with_cache, without in zip(queries, cached, uncached):
        assert [h["source_id"] for h in with_cache] == [h["source_id"] for h in without], query
        assert [h["score"] for h in with_cache] == [h["score"] for h in without], query

