"""Knowledge end to end: files of every type, Q&A banks, background ingestion, scoping, search."""

import os
import signal

import pytest

from conftest import (db, fixture, master_pid, child_pids, new_org_key, request, search, upload, wait_for,
                      wait_for_status)

FILES = "/api/v1/knowledge/files/"


def ingest(key, name, **kwargs):
    """Uploads a fixture and waits for the outcome; the same bytes again return the existing record."""
    reply = upload(key, name, fixture(name), **kwargs)
    assert reply.status in (200, 202), reply
    body = reply.json()
    assert body["kind"] == "file"
    if reply.status == 202:
        assert body["status"] == "pending"
    return wait_for_status(key, f"{FILES}{body['id']}")


@pytest.fixture(scope="module")
def library():
    _, key = new_org_key()
    return key


@pytest.mark.parametrize("name, kind, query, expected", [
    ("manual.pdf", "pdf", "refunds processed fourteen days", "Refunds are processed"),
    ("clientes.csv", "csv", "Ana Conceição São Paulo atendimento", "cidade: São Paulo"),
    ("customer.json", "json", "pão de queijo", "pão de queijo"),
    ("latin1.txt", "text", "política de privacidade dados pessoais", "confidencialidade"),
    ("ocr-sign.png", "image", "fatura paga em dinheiro", "Fatura"),
])
def test_each_type_becomes_searchable(library, name, kind, query, expected):
    source = ingest(library, name)
    assert source["status"] == "ready", source
    assert source["content_kind"] == kind
    assert source["chunk_count"] >= 1
    assert source["summary"] and source["keywords"]
    assert source["ready_at"] and source["processing_started_at"] and source["queued_at"]
    hits = search(library, query, top_k=3)
    assert hits and hits[0]["source_id"] == source["id"], hits
    assert expected.lower() in " ".join(h["snippet"] for h in hits if h["source_id"] == source["id"]).lower()
    original = request("GET", f"{FILES}{source['id']}/content", key=library)
    assert original.status == 200 and original.body == fixture(name)


def test_type_details(library):
    pdf = ingest(library, "manual.pdf")
    # No title was sent: the PDF's own Title replaces the file name.
    assert pdf["title"] == "Manual de Atendimento — Companin" and pdf["attributes"]["pages"] == "2"
    _, other = new_org_key()
    image = ingest(other, "ocr-sign.png", title="Sign")
    assert image["title"] == "Sign"
    assert image["media_type"] == "image/png"
    assert image["attributes"]["width"].isdigit() and image["attributes"]["height"].isdigit()
    text = ingest(library, "latin1.txt")
    assert text["attributes"]["encoding"] == "latin-1"
    csv = ingest(library, "clientes.csv")
    assert csv["attributes"]["delimiter"] == ";"


def test_duplicate_upload_returns_the_existing_record(library):
    first = ingest(library, "customer.json")
    again = upload(library, "copy.json", fixture("customer.json"))
    assert again.status == 200 and again.json()["id"] == first["id"]
    assert request("GET", f"{FILES}?limit=1000", key=library).json()["count"] == len(
        {f["id"] for f in request("GET", f"{FILES}?limit=1000", key=library).json()["items"]})


def test_unknown_type_is_415_and_oversize_is_413(library):
    reply = upload(library, "random.bin", fixture("random.bin"))
    assert reply.status == 415 and "accepted" in reply.json()["detail"]
    # A .pdf name does not make text a PDF: content decides.
    named = upload(library, "text-named.pdf", fixture("text-named.pdf"))
    assert named.status == 202 and named.json()["content_kind"] == "text"
    big = upload(library, "big.txt", b"word " * (int(os.environ.get("COMPANIN_MAX_UPLOAD_BYTES", "2097152")) // 5 + 10))
    assert big.status == 413 and "exceeds" in big.json()["detail"]
    reply = request("POST", FILES, key=library, body={"file": "not multipart"})
    assert reply.status == 415


@pytest.mark.parametrize("name, code", [
    ("manual-truncated.pdf", None),
    ("huge-dimensions.png", "image_too_large"),
    ("deep.json", "too_deep"),
])
def test_hostile_inputs_fail_with_a_reason_and_workers_survive(library, name, code):
    master = master_pid()
    workers = set(child_pids(master, "ingest-worker"))
    source = ingest(library, name)
    assert source["status"] == "failed", source
    assert source["error"]["code"] and source["error"]["message"]
    if code:
        assert source["error"]["code"] == code
    assert source["failed_at"]
    assert set(child_pids(master, "ingest-worker")) == workers
    # And the next upload is processed normally.
    ok = upload(library, f"after-{name}.txt", f"Worker still fine after {name}".encode())
    assert wait_for_status(library, f"{FILES}{ok.json()['id']}")["status"] == "ready"


def test_killed_worker_job_is_retried_and_finishes():
    _, key = new_org_key()
    master = master_pid()
    # The full-page OCR takes seconds, so the workers are caught in the middle of it (the small
    # sign is read in about 0.2 s, which can fall between two polls).
    reply = upload(key, "ocr-page.png", fixture("ocr-page.png"))
    path = f"{FILES}{reply.json()['id']}"
    wait_for(lambda: request("GET", path, key=key).json()["status"] == "processing", timeout=30, interval=0.02,
             message=f"{path} to be processing")
    for pid in child_pids(master, "ingest-worker"):
        os.kill(pid, signal.SIGKILL)
    source = wait_for_status(key, path, timeout=60)
    assert source["status"] == "ready", source
    assert db.scalar("SELECT MAX(attempts) FROM ingestion_jobs WHERE source_id = %s", [source["id"]]) >= 2
    wait_for(lambda: len(child_pids(master, "ingest-worker")) == int(os.environ.get("COMPANIN_INGEST_WORKERS", "2")),
             message="workers respawned")


def test_delete_and_reprocess(library):
    source = ingest(library, "manual.pdf", title="Manual to delete")
    path = f"{FILES}{source['id']}"
    again = request("POST", f"{path}/reprocess", key=library)
    assert again.status == 202 and again.json()["status"] == "pending"
    assert wait_for_status(library, path)["status"] == "ready"
    blob = db.scalar("SELECT blob_path FROM knowledge_sources WHERE id = %s", [source["id"]])
    original = os.path.join(os.environ["COMPANIN_BLOB_DIR"], blob)
    assert os.path.exists(original)
    assert request("DELETE", path, key=library).status == 204
    assert not os.path.exists(original)
    assert request("GET", path, key=library).status == 404
    assert db.scalar("SELECT COUNT(*) FROM knowledge_chunks WHERE source_id = %s", [source["id"]]) == 0


def test_qa_crud_and_bulk_import():
    _, key = new_org_key()
    created = request("POST", "/api/v1/knowledge/qas/", key=key, body={
        "question": "Qual é o prazo de reembolso?", "answer": "O reembolso é feito em até catorze dias.", "tags": ["billing"]})
    assert created.status == 202, created
    qa = created.json()
    path = f"/api/v1/knowledge/qas/{qa['id']}"
    assert wait_for_status(key, path)["status"] == "ready"
    assert search(key, "prazo de reembolso", kinds=["qa"])[0]["source_id"] == qa["id"]

    changed = request("PATCH", path, key=key, body={"answer": "Reembolsos levam até dez dias úteis."})
    assert changed.status == 202
    assert wait_for_status(key, path)["answer"] == "Reembolsos levam até dez dias úteis."
    assert request("PATCH", path, key=key, body={"tags": ["billing", "refunds"]}).status == 200
    assert request("GET", "/api/v1/knowledge/qas/?tag=refunds", key=key).json()["count"] == 1

    before = request("GET", "/api/v1/knowledge/qas/", key=key).json()["count"]
    bad = request("POST", "/api/v1/knowledge/qas/", key=key, body=[
        {"question": "Horário?", "answer": "Das 9h às 18h."}, {"question": "", "answer": "x"}, {"answer": "no question"}])
    assert bad.status == 422
    assert {tuple(e["loc"]) for e in bad.json()["detail"]} == {("body", 1, "question"), ("body", 2, "question")}
    assert request("GET", "/api/v1/knowledge/qas/", key=key).json()["count"] == before

    good = request("POST", "/api/v1/knowledge/qas/", key=key, body=[
        {"question": "Opening hours?", "answer": "We open at nine."}, {"question": "Do you ship abroad?", "answer": "Yes, to the EU."}])
    assert good.status == 202 and good.json()["count"] == 2

    csv_reply = upload(key, "qas.csv", "question,answer,tags\nWhere is the office?,Rua Augusta 1,office;address\n".encode(),
                       path="/api/v1/knowledge/qas/")
    assert csv_reply.status == 202 and csv_reply.json()["items"][0]["tags"] == ["office", "address"]
    bad_csv = upload(key, "qas.csv", b"question,answer\nOk?,Yes\n,missing question\n", path="/api/v1/knowledge/qas/")
    assert bad_csv.status == 422 and bad_csv.json()["detail"][0]["loc"] == ["body", "file", 3, "question"]

    assert request("DELETE", path, key=key).status == 204
    assert request("GET", path, key=key).status == 404


def test_scoping_changes_search_results():
    _, key = new_org_key()
    public = request("POST", "/api/v1/knowledge/qas/", key=key, body={"question": "Public shipping policy", "answer": "Shipping is free over fifty euros."}).json()
    secret = request("POST", "/api/v1/knowledge/qas/", key=key, body={"question": "Internal shipping margin", "answer": "Our shipping margin is twelve percent."}).json()
    for qa in (public, secret):
        wait_for_status(key, f"/api/v1/knowledge/qas/{qa['id']}")
    assistant = request("POST", "/api/v1/assistants/", key=key, body={"name": "Shop"}).json()
    a = assistant["id"]

    def found(**extra):
        return {h["source_id"] for h in search(key, "shipping", assistant_id=a, top_k=10, **extra)}

    assert found() == {public["id"], secret["id"]}
    assert request("PUT", f"/api/v1/assistants/{a}/knowledge/{secret['id']}", key=key, body={"mode": "exclude"}).status == 200
    assert found() == {public["id"]}
    assert {h["source_id"] for h in search(key, "shipping", top_k=10)} == {public["id"], secret["id"]}

    assert request("PATCH", f"/api/v1/assistants/{a}", key=key, body={"knowledge_mode": "linked"}).json()["knowledge_mode"] == "linked"
    assert found() == set()
    assert request("PUT", f"/api/v1/assistants/{a}/knowledge/{public['id']}", key=key, body={"mode": "include"}).status == 200
    assert found() == {public["id"]}
    effective = request("GET", f"/api/v1/assistants/{a}/knowledge", key=key).json()
    assert effective["knowledge_mode"] == "linked" and [i["source_id"] for i in effective["items"]] == [public["id"]]

    assert request("DELETE", f"/api/v1/assistants/{a}/knowledge/{public['id']}", key=key).status == 204
    assert found() == set()
    bad = request("PUT", f"/api/v1/assistants/{a}/knowledge/{public['id']}", key=key, body={"mode": "maybe"})
    assert bad.status == 422


def test_search_never_crosses_organizations():
    _, mine = new_org_key()
    _, theirs = new_org_key()
    qa = request("POST", "/api/v1/knowledge/qas/", key=mine, body={"question": "Secret recipe zebrafruit", "answer": "Zebrafruit syrup and mint."}).json()
    wait_for_status(mine, f"/api/v1/knowledge/qas/{qa['id']}")
    assert search(mine, "zebrafruit recipe")[0]["source_id"] == qa["id"]
    assert search(theirs, "zebrafruit recipe") == []
    for path in [f"/api/v1/knowledge/qas/{qa['id']}", f"{FILES}{qa['id']}"]:
        assert request("GET", path, key=theirs).status == 404
    assistant = request("POST", "/api/v1/assistants/", key=theirs, body={"name": "Other"}).json()
    assert request("PUT", f"/api/v1/assistants/{assistant['id']}/knowledge/{qa['id']}", key=theirs, body={"mode": "include"}).status == 404


def test_reembed_replaces_vectors():
    _, key = new_org_key()
    qa = request("POST", "/api/v1/knowledge/qas/", key=key, body={"question": "Warranty length", "answer": "Two years on every appliance."}).json()
    wait_for_status(key, f"/api/v1/knowledge/qas/{qa['id']}")
    # Pretend the vectors came from an older model: search (which never mixes models) loses them.
    db.execute("UPDATE knowledge_chunks SET embedding_model = 'retired-model' WHERE source_id = %s", [qa["id"]])
    batch = request("POST", "/api/v1/knowledge/reembed", key=key, body={"source_ids": [qa["id"]]})
    assert batch.status == 202 and batch.json()["total"] == 1
    done = wait_for(lambda: (b := request("GET", f"/api/v1/knowledge/reembed/{batch.json()['id']}", key=key).json())["status"] == "done" and b,
                    timeout=30, message="re-embedding")
    assert done["done"] == 1
    model = request("POST", "/api/v1/knowledge/search", key=key, body={"query": "warranty"}).json()["embedding_model"]
    assert db.column("SELECT DISTINCT embedding_model FROM knowledge_chunks WHERE source_id = %s", [qa["id"]]) == [model]


def test_a_query_of_full_text_operators_only_is_searched_not_refused():
    """Found by contract fuzzing: InnoDB parses `*` even in natural language mode."""
    _, key = new_org_key()
    for query in ["*", "+-<>()~\"@", "pedido*"]:
        reply = request("POST", "/api/v1/knowledge/search", key=key, body={"query": query})
        assert reply.status == 200, (query, reply)


def test_an_upload_title_is_limited_in_code_points():
    """Found by contract fuzzing: 300 characters with combining marks overflowed the 300-code-point column."""
    _, key = new_org_key()
    reply = upload(key, "notes.txt", b"Some notes to keep.", title="A\u0300" * 200)
    assert reply.status == 422 and reply.json()["detail"][0]["loc"] == ["body", "title"], reply
    assert upload(key, "notes.txt", b"Some notes to keep.", title="\u00c0" * 300).status == 202

