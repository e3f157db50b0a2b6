"""Knowledge end to end: files of every type through the ingest workers and their extractors,
hostile inputs, killed workers, reprocessing and re-embedding. Per-endpoint behaviour (Q&A pairs,
uploads, search, assistants' links, isolation) is tested in process:
Tests/CompaninTests/KnowledgeAPITests.swift."""

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
