"""Retrieval as a customer meets it: words found through their stems in Portuguese, Spanish and
English, meaning across languages through the neural model, ingestion progress, the background move
to a new embedding model, and search that keeps answering by words when the model is unreachable.

The rest of the suite runs on the hashed embeddings (scripts/test); this module restarts the pool
with the default, neural model and puts the suite's back when it is done."""

import os
import socket
import subprocess

import pytest

from conftest import VAR_DIR, db, new_org_key, request, restart_pool, search, upload, wait_for, wait_for_status

FILES = "/api/v1/knowledge/files/"

DEVOLUCAO = """Política de devolução da Loja Girassol

Você pode pedir a devolução de qualquer produto em até sete dias corridos depois de recebê-lo. \
A coleta é gratuita e o reembolso sai na mesma forma de pagamento da compra.

Produtos personalizados com gravação não podem ser devolvidos, salvo defeito de fabricação.
"""

GARANTIA = """Garantia dos eletrodomésticos Girassol

Todos os eletrodomésticos vendidos pela Girassol têm garantia de dois anos contra defeitos de fabricação. \
O conserto é feito pela assistência técnica autorizada mais próxima da sua casa.
"""

FACTURAS = """Facturación de Conecta Norte

La factura mensual llega por correo electrónico el día cinco de cada mes. \
Puedes pagarla con tarjeta, transferencia bancaria o en cualquier sucursal.
"""

LEASH = """Pet policy of the Sunflower café

Dogs on a leash are welcome on the terrace. Cats must stay in their carriers, and only guide dogs may come inside.
"""


NEURAL = {"COMPANIN_ENRICHER": "e5"}


@pytest.fixture(scope="module", autouse=True)
def neural_pool():
    restart_pool(**NEURAL)
    yield
    restart_pool()


def ready_files(key, *documents):
    ids = []
    for name, text in documents:
        reply = upload(key, name, text.encode())
        assert reply.status == 202, reply
        ids.append(reply.json()["id"])
    views = [wait_for_status(key, f"{FILES}{source_id}", timeout=120) for source_id in ids]
    assert all(view["status"] == "ready" for view in views), views
    return ids, views


def first(key, query, **fields):
    hits = search(key, query, **fields)
    return hits[0]["source_id"] if hits else None


def test_words_meet_through_their_stems_and_without_accents():
    _, key = new_org_key()
    (devolucao, garantia, facturas, leash), _ = ready_files(
        key, ("devolucao.txt", DEVOLUCAO), ("garantia.txt", GARANTIA), ("facturas.txt", FACTURAS), ("pets.txt", LEASH))
    for query in ["devoluções", "devolucao de produtos", "quantos dias para devolver?"]:
        assert first(key, query) == devolucao, query
    assert first(key, "eletrodoméstico com defeito, tem garantia?") == garantia
    assert first(key, "¿cuándo llegan las facturas?") == facturas
    assert first(key, "are leashed dogs allowed?") == leash


def test_a_question_in_one_language_finds_a_document_in_another():
    _, key = new_org_key()
    (devolucao, garantia, facturas, leash), _ = ready_files(
        key, ("devolucao.txt", DEVOLUCAO), ("garantia.txt", GARANTIA), ("facturas.txt", FACTURAS), ("pets.txt", LEASH))
    body = request("POST", "/api/v1/knowledge/search", key=key, body={"query": "How long is the warranty on home appliances?"}).json()
    assert body["embedding_model"] == "multilingual-e5-small-q4"
    assert body["items"][0]["source_id"] == garantia, body
    assert first(key, "Posso entrar com meu cachorro?") == leash
    assert first(key, "How do I pay my monthly bill?") == facturas


def test_sources_show_their_embedding_progress():
    _, key = new_org_key()
    text = "\n\n".join(f"Seção {n}. " + DEVOLUCAO.replace("sete", f"{n + 7}") * 3 for n in range(6))
    _, (view,) = ready_files(key, ("longo.txt", text))
    assert view["chunk_count"] > 1
    assert view["progress"] == {"chunks_done": view["chunk_count"], "chunks_total": view["chunk_count"]}


def test_knowledge_of_another_model_is_reembedded_in_the_background():
    _, key = new_org_key()
    # Long enough to move in more than one slice of 32 chunks.
    long_text = "\n\n".join(f"Capítulo {n}. " + GARANTIA.replace("dois anos", f"{n + 2} anos") * 4 for n in range(40))
    (devolucao, manual), (_, manual_view) = ready_files(key, ("devolucao.txt", DEVOLUCAO), ("manual.txt", long_text))
    assert manual_view["chunk_count"] > 32
    # As after an upgrade: the chunks carry vectors of a model the pool no longer runs.
    db.execute("UPDATE knowledge_chunks SET embedding_model = 'retired-model' WHERE source_id IN (%s, %s)", [devolucao, manual])
    # Still found by its words meanwhile.
    assert first(key, "devolução") == devolucao
    wait_for(lambda: db.column("SELECT DISTINCT embedding_model FROM knowledge_chunks WHERE source_id IN (%s, %s)",
                               [devolucao, manual]) == ["multilingual-e5-small-q4"], timeout=300, interval=0.5, message="the background re-embedding")
    batches = request("GET", "/api/v1/knowledge/reembed/", key=key).json()
    upgrades = [b for b in batches["items"] if b["scope"] == "model upgrade to multilingual-e5-small-q4"]
    assert upgrades and len(upgrades) == batches["count"], batches
    # Both sources were moved by the workers' own batches (one pass or two: a pass skips a source
    # whose ingestion job is still being closed).
    moved = db.column("SELECT DISTINCT j.source_id FROM ingestion_jobs j JOIN reembed_batches b ON b.id = j.batch_id "
                      "WHERE j.task = 'reembed' AND b.scope = 'model upgrade to multilingual-e5-small-q4' "
                      "AND j.source_id IN (%s, %s)", [devolucao, manual])
    assert sorted(moved) == sorted([devolucao, manual])
    for batch in upgrades:
        wait_for(lambda: request("GET", f"/api/v1/knowledge/reembed/{batch['id']}", key=key).json()["status"] == "done",
                 timeout=60, message="the upgrade batch to finish")
        assert request("GET", f"/api/v1/knowledge/reembed/{batch['id']}", key=key).json()["done"] == batch["total"]
    # The long source took several jobs (slices), counted as one source.
    assert db.scalar("SELECT COUNT(*) FROM ingestion_jobs WHERE source_id = %s AND task = 'reembed'", [manual]) >= 2
    view = request("GET", f"{FILES}{manual}", key=key).json()
    assert view["progress"] == {"chunks_done": view["chunk_count"], "chunks_total": view["chunk_count"]}
    models = request("GET", "/analytics/knowledge/", key=key).json()["embedding_models"]
    assert models == [{"model": "multilingual-e5-small-q4", "chunks": 1 + view["chunk_count"]}]
    assert first(key, "What is the return policy?") == devolucao


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_search_answers_by_words_when_the_embedding_provider_is_down():
    _, key = new_org_key()
    (devolucao, garantia), _ = ready_files(key, ("devolucao.txt", DEVOLUCAO), ("garantia.txt", GARANTIA))
    # No workers: they would start moving every organization to the unreachable model.
    try:
        restart_pool(COMPANIN_ENRICHER="openai", COMPANIN_OPENAI_BASE_URL=f"http://127.0.0.1:{closed_port()}",
                     COMPANIN_OPENAI_EMBEDDING_MODEL="unreachable-model", COMPANIN_INGEST_WORKERS="0")
        assert first(key, "garantia de eletrodomésticos") == garantia
        assert first(key, "devoluções") == devolucao
        with open(os.path.join(VAR_DIR, "log", "companin.log"), encoding="utf-8", errors="replace") as log:
            assert "embedding the query failed; ranking by words alone" in log.read()
    finally:
        restart_pool(**NEURAL)


def test_serve_refuses_to_start_without_the_model_and_says_how_to_install_it(tmp_path):
    environment = dict(os.environ, COMPANIN_E5_DIR=str(tmp_path / "missing"))
    environment.pop("COMPANIN_ENRICHER", None)
    result = subprocess.run([os.environ["COMPANIN_BIN"], "serve", "--socket", str(tmp_path / "companin.sock")],
                            env=environment, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "not installed" in result.stderr and "scripts/setup" in result.stderr, result.stderr
    assert not (tmp_path / "companin.sock").exists()
