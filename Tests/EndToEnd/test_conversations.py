"""Conversations through nginx against MariaDB, where the pool, the ingest workers or the clock take
part: replies from documents the workers extracted, sources excluded from them, a sliding session
kept alive by messages, and a reply model behind a restarted pool. Per-endpoint behaviour (opening,
Q&A replies, hand-off, idempotent retries, feedback, transcripts, paging, isolation) is tested in
process: Tests/CompaninTests/ConversationAPITests.swift."""

import os
import subprocess
import sys
import time

import pytest

from conftest import (FIXTURES, db, new_org_key, request, restart_pool, upload, wait_for, wait_for_status)

SHIPPING_Q = "Qual é o prazo de entrega para a região Nordeste?"
SHIPPING_A = "Para a região Nordeste o prazo de entrega é de 5 a 8 dias úteis após a confirmação do pagamento."
WARRANTY_TEXT = """Garantia dos produtos Aurora

Todos os produtos vendidos pela Aurora têm garantia legal de 90 dias contra defeitos de fabricação.
A garantia estendida Aurora Mais pode ser contratada no checkout por até 24 meses adicionais.
Para acionar a garantia, leve o produto a uma assistência técnica autorizada com a nota fiscal.

Produtos com sinais de mau uso, quedas ou contato com líquidos não são cobertos pela garantia.
"""


def create(key, path, body, status=201):
    reply = request("POST", path, key=key, body=body)
    assert reply.status == status, reply
    return reply.json()


def say(key, conversation_id, content, role="user", headers=None, **fields):
    return request("POST", f"/api/v1/conversations/{conversation_id}/messages", key=key,
                   body={"role": role, "content": content} | fields, headers=headers)


@pytest.fixture(scope="module")
def shop():
    """An organization with an assistant that knows a Q&A pair and a warranty document."""
    org, key = new_org_key("Aurora")
    assistant = create(key, "/api/v1/assistants/", {
        "name": "Aurora", "language": "pt-BR", "tone": "cordial",
        "task_templates": [{"name": "pedido", "template": "Ajudar com o pedido {{order_id}}"}]})
    qa = create(key, "/api/v1/knowledge/qas/", {"question": SHIPPING_Q, "answer": SHIPPING_A}, status=202)
    create(key, "/api/v1/knowledge/qas/", {
        "question": "Quais formas de pagamento vocês aceitam?",
        "answer": "Aceitamos cartão de crédito em até 10 vezes, Pix e boleto bancário."}, status=202)
    reply = upload(key, "garantia.txt", WARRANTY_TEXT.encode(), title="Garantia")
    assert reply.status == 202, reply
    warranty = reply.json()
    wait_for_status(key, f"/api/v1/knowledge/qas/{qa['id']}", ("ready",))
    wait_for_status(key, f"/api/v1/knowledge/files/{warranty['id']}", ("ready",))
    wait_for(lambda: request("GET", "/api/v1/knowledge/qas/?status=ready", key=key).json()["count"] == 2,
             message="both Q&A pairs to be ready")
    return {"org": org, "key": key, "assistant": assistant, "qa": qa, "warranty": warranty}


def open_conversation(shop, **fields):
    key = shop["key"]
    session = create(key, "/api/v1/sessions/", {"channel": "web", "assistant_id": shop["assistant"]["id"]})
    return create(key, "/api/v1/conversations/", {"assistant_id": shop["assistant"]["id"], "session_id": session["id"]} | fields)


def test_a_question_answered_by_a_document_cites_its_chunk(shop):
    conversation = open_conversation(shop)
    answer = say(shop["key"], conversation["id"], "Por quanto tempo posso contratar a garantia estendida?").json()["reply"]
    assert answer["grounding"] == "chunks", answer
    assert "24 meses" in answer["content"]
    assert shop["warranty"]["id"] in [s["source_id"] for s in answer["sources"]]
    chunk_ids = set(db.column("SELECT id FROM knowledge_chunks WHERE source_id = %s", [shop["warranty"]["id"]]))
    assert {s["chunk_id"] for s in answer["sources"] if s["source_id"] == shop["warranty"]["id"]} <= chunk_ids
    assert request("GET", f"/api/v1/conversations/{conversation['id']}", key=shop["key"]).json()["needs_human"] is False


def test_an_excluded_source_is_never_cited():
    org, key = new_org_key()
    assistant = create(key, "/api/v1/assistants/", {"name": "Scoped", "language": "en"})
    other = create(key, "/api/v1/assistants/", {"name": "Unscoped", "language": "en"})
    text = ("Returns policy\n\nYou can return any product within 30 days of delivery for a full refund. "
            "Refunds are paid to the original card within 5 business days.\n")
    source = upload(key, "returns.txt", text.encode()).json()
    wait_for_status(key, f"/api/v1/knowledge/files/{source['id']}", ("ready",))
    linked = request("PUT", f"/api/v1/assistants/{assistant['id']}/knowledge/{source['id']}", key=key, body={"mode": "exclude"})
    assert linked.status in (200, 201), linked
    session = create(key, "/api/v1/sessions/", {})
    scoped = create(key, "/api/v1/conversations/", {"assistant_id": assistant["id"], "session_id": session["id"]})
    unscoped = create(key, "/api/v1/conversations/", {"assistant_id": other["id"], "session_id": session["id"]})
    for question in ["How many days do I have to return a product?", "When is my refund paid to my card?",
                     "returns policy refund 30 days delivery"]:
        hidden = say(key, scoped["id"], question).json()["reply"]
        assert source["id"] not in [s["source_id"] for s in hidden["sources"]], hidden
        assert hidden["grounding"] == "none"
        seen = say(key, unscoped["id"], question).json()["reply"]
        assert source["id"] in [s["source_id"] for s in seen["sources"]], seen
    assert hidden["content"] == "Sorry, I couldn't find that information. I'll pass your question on to a human agent."


def test_messages_keep_a_sliding_session_alive(shop):
    key = shop["key"]
    session = create(key, "/api/v1/sessions/", {"ttl_seconds": 4})
    conversation = create(key, "/api/v1/conversations/", {"assistant_id": shop["assistant"]["id"], "session_id": session["id"]})
    started = time.monotonic()
    for _ in range(3):
        time.sleep(1.5)
        assert say(key, conversation["id"], "Oi", role="system").status == 201
    # Six seconds in: past the first expiry, alive because of the messages.
    assert time.monotonic() - started > 4
    assert request("GET", f"/api/v1/sessions/{session['id']}", key=key).json()["state"] == "active"
    time.sleep(4.5)
    assert say(key, conversation["id"], "Oi", role="system").status == 410


def test_a_reply_model_writes_from_the_live_version_and_the_chunks(shop):
    """With a reply model configured (a fake OpenAI-compatible server that echoes its prompt), the
    reply is the model's, written from the assistant's tone, language and task and the retrieved
    chunks, citing the same sources."""
    server = subprocess.Popen([sys.executable, os.path.join(FIXTURES, "fake_openai_server.py"), "--port", "0"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    base_url = f"http://127.0.0.1:{server.stdout.readline().strip()}"
    try:
        restart_pool(COMPANIN_REPLY_MODEL="echo", COMPANIN_REPLY_BASE_URL=base_url)
        wait_for(lambda: request("GET", "/api/v1/assistants/", key=shop["key"]).status == 200, message="the pool to answer")
        conversation = open_conversation(shop, task={"name": "pedido", "variables": {"order_id": "B-12"}})
        answer = say(shop["key"], conversation["id"], "Por quanto tempo posso contratar a garantia estendida?").json()["reply"]
        assert answer["grounding"] == "model" and answer["model"] == "echo"
        prompt = answer["content"]
        assert "You are Aurora" in prompt and "Tone: cordial" in prompt and "pt-BR" in prompt
        assert "Ajudar com o pedido B-12" in prompt and "24 meses adicionais" in prompt
        assert prompt.rstrip().endswith("user: Por quanto tempo posso contratar a garantia estendida?")
        assert shop["warranty"]["id"] in [s["source_id"] for s in answer["sources"]]
        # A strong Q&A match still answers with the pair itself; nothing relevant still needs a human.
        assert say(shop["key"], conversation["id"], "Qual o prazo de entrega para o Nordeste?").json()["reply"]["grounding"] == "qa"
        assert say(shop["key"], conversation["id"], "Vocês vendem passagens de foguete para Marte?").json()["reply"]["grounding"] == "none"
    finally:
        server.stdin.close()
        server.wait(timeout=10)
        restart_pool()
        wait_for(lambda: request("GET", "/api/v1/assistants/", key=shop["key"]).status == 200, message="the pool to answer")
