"""Conversations through nginx against MariaDB: opening rules, grounded replies (Q&A, document
chunks, nothing relevant), excluded sources, agent messages, idempotent retries, feedback,
transcripts, cursor paging, handoff and closing, session expiry, a reply model, and isolation."""

import os
import subprocess
import sys
import time
import uuid

import pytest

from conftest import (FIXTURES, DatabaseError, db, new_org_key, request, restart_pool, upload, wait_for, wait_for_status)

SHIPPING_Q = "Qual é o prazo de entrega para a região Nordeste?"
SHIPPING_A = "Para a região Nordeste o prazo de entrega é de 5 a 8 dias úteis após a confirmação do pagamento."
WARRANTY_TEXT = """Garantia dos produtos Aurora

Todos os produtos vendidos pela Aurora têm garantia legal de 90 dias contra defeitos de fabricação.
A garantia estendida Aurora Mais pode ser contratada no checkout por até 24 meses adicionais.
Para acionar a garantia, leve o produto a uma assistência técnica autorizada com a nota fiscal.

Produtos com sinais de mau uso, quedas ou contato com líquidos não são cobertos pela garantia.
"""
NOTHING_PT = "Desculpe, não encontrei essa informação. Vou encaminhar a sua pergunta a um atendente humano."


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


def test_opening_requires_an_active_assistant_and_an_open_session(shop):
    key = shop["key"]
    idle = create(key, "/api/v1/assistants/", {"name": "Idle", "is_active": False})
    session = create(key, "/api/v1/sessions/", {"ttl_seconds": 2, "sliding": False})
    refused = request("POST", "/api/v1/conversations/", key=key, body={"assistant_id": idle["id"], "session_id": session["id"]})
    assert refused.status == 409 and refused.json() == {"detail": "Assistant is not active"}

    opened = create(key, "/api/v1/conversations/", {
        "assistant_id": shop["assistant"]["id"], "session_id": session["id"], "metadata": {"ticket": "T-1"},
        "task": {"name": "pedido", "variables": {"order_id": "A-77"}}})
    assert opened["status"] == "open" and opened["needs_human"] is False and opened["message_count"] == 0
    assert opened["assistant_version"] == shop["assistant"]["live_version"]
    assert opened["task"] == {"name": "pedido", "text": "Ajudar com o pedido A-77"} and opened["metadata"] == {"ticket": "T-1"}

    time.sleep(2.5)
    gone = request("POST", "/api/v1/conversations/", key=key, body={"assistant_id": shop["assistant"]["id"], "session_id": session["id"]})
    assert gone.status == 410 and gone.json() == {"detail": "Session expired"}
    late = say(key, opened["id"], "Ainda está aí?")
    assert late.status == 410 and late.json() == {"detail": "Session expired"}
    # Still readable for audit.
    assert request("GET", f"/api/v1/conversations/{opened['id']}", key=key).json() == opened
    assert request("GET", f"/api/v1/sessions/{session['id']}", key=key).json()["state"] == "expired"

    bad = request("POST", "/api/v1/conversations/", key=key, body={
        "assistant_id": shop["assistant"]["id"], "session_id": "x", "task": {"name": "pedido"}, "extra": 1})
    assert bad.status == 422
    assert {tuple(e["loc"]) for e in bad.json()["detail"]} == {("body", "session_id"), ("body", "extra")}
    session = create(key, "/api/v1/sessions/", {})
    missing = request("POST", "/api/v1/conversations/", key=key, body={
        "assistant_id": shop["assistant"]["id"], "session_id": session["id"], "task": {"name": "pedido"}})
    assert missing.status == 422 and missing.json()["detail"][0]["loc"] == ["body", "task", "variables", "order_id"]
    # A template that repeats a variable cannot be made to render past what the conversation keeps.
    echo = create(key, "/api/v1/assistants/", {"name": "Echo", "task_templates": [{"name": "big", "template": "{{v}}" * 100}]})
    huge = request("POST", "/api/v1/conversations/", key=key, body={
        "assistant_id": echo["id"], "session_id": session["id"], "task": {"name": "big", "variables": {"v": "x" * 1000}}})
    assert huge.status == 422 and huge.json()["detail"][0]["loc"] == ["body", "task", "variables"], huge
    unknown = request("POST", "/api/v1/conversations/", key=key, body={"assistant_id": str(uuid.uuid4()), "session_id": session["id"]})
    assert unknown.status == 404 and unknown.json() == {"detail": "Assistant not found"}
    assert request("GET", f"/api/v1/conversations/?session_id={session['id']}", key=key).json()["count"] == 0


def test_a_question_in_the_qa_bank_gets_its_answer(shop):
    conversation = open_conversation(shop)
    reply = say(shop["key"], conversation["id"], "Qual o prazo de entrega para o Nordeste?")
    assert reply.status == 201, reply
    body = reply.json()
    message, answer = body["message"], body["reply"]
    assert message["role"] == "user" and message["position"] == 1 and message["actor"]["type"] == "visitor"
    assert answer["role"] == "assistant" and answer["position"] == 2 and answer["in_reply_to"] == message["id"]
    assert answer["content"] == SHIPPING_A and answer["grounding"] == "qa"
    assert [s["source_id"] for s in answer["sources"]] == [shop["qa"]["id"]] and answer["sources"][0]["kind"] == "qa"
    assert answer["assistant_version"] == shop["assistant"]["live_version"] and answer["actor"]["type"] == "assistant"
    assert message["api_key_id"] == answer["api_key_id"] is not None
    assert request("GET", f"/api/v1/conversations/{conversation['id']}", key=shop["key"]).json()["message_count"] == 2


def test_a_question_answered_by_a_document_cites_its_chunk(shop):
    conversation = open_conversation(shop)
    answer = say(shop["key"], conversation["id"], "Por quanto tempo posso contratar a garantia estendida?").json()["reply"]
    assert answer["grounding"] == "chunks", answer
    assert "24 meses" in answer["content"]
    assert shop["warranty"]["id"] in [s["source_id"] for s in answer["sources"]]
    chunk_ids = set(db.column("SELECT id FROM knowledge_chunks WHERE source_id = %s", [shop["warranty"]["id"]]))
    assert {s["chunk_id"] for s in answer["sources"] if s["source_id"] == shop["warranty"]["id"]} <= chunk_ids
    assert request("GET", f"/api/v1/conversations/{conversation['id']}", key=shop["key"]).json()["needs_human"] is False


def test_an_unanswerable_question_flags_the_conversation(shop):
    conversation = open_conversation(shop)
    answer = say(shop["key"], conversation["id"], "Vocês vendem passagens de foguete para Marte?").json()["reply"]
    assert answer["grounding"] == "none" and answer["sources"] == [] and answer["content"] == NOTHING_PT
    flagged = request("GET", f"/api/v1/conversations/{conversation['id']}", key=shop["key"]).json()
    assert flagged["needs_human"] is True and flagged["status"] == "open"
    waiting = request("GET", "/api/v1/conversations/?needs_human=true&status=open&limit=1000", key=shop["key"]).json()["items"]
    assert conversation["id"] in [c["id"] for c in waiting]


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


def test_agent_and_system_messages_get_no_reply(shop):
    conversation = open_conversation(shop)
    agent = say(shop["key"], conversation["id"], "Olá, sou a Marta do suporte.", role="agent", actor_id="agent-42")
    assert agent.status == 201 and agent.json()["reply"] is None
    assert agent.json()["message"]["actor"] == {"type": "agent", "id": "agent-42"}
    system = say(shop["key"], conversation["id"], "Cliente transferido da fila de vendas.", role="system").json()
    assert system["reply"] is None and system["message"]["actor"]["type"] == "system"
    listing = request("GET", f"/api/v1/conversations/{conversation['id']}/messages", key=shop["key"]).json()
    assert [m["role"] for m in listing["items"]] == ["agent", "system"] and listing["count"] == 2

    for body in [{"role": "assistant", "content": "x"}, {"role": "user", "content": "  "}, {"role": "user", "content": "x", "actor_id": "me"},
                 {"content": "x" * 20_001, "role": "user"}, {"role": "user"}]:
        reply = request("POST", f"/api/v1/conversations/{conversation['id']}/messages", key=shop["key"], body=body)
        assert reply.status == 422, (body, reply)
    assert request("GET", f"/api/v1/conversations/{conversation['id']}", key=shop["key"]).json()["message_count"] == 2
    # Messages are append-only: no route edits or deletes them, and the table refuses it.
    message_id = agent.json()["message"]["id"]
    path = f"/api/v1/conversations/{conversation['id']}/messages/{message_id}"
    assert request("PATCH", path, key=shop["key"], body={"content": "changed"}).status == 404
    assert request("DELETE", f"/api/v1/conversations/{conversation['id']}/messages", key=shop["key"]).status == 405
    with pytest.raises(DatabaseError):
        db.execute("UPDATE messages SET content = 'changed' WHERE id = %s", [message_id])


def test_an_idempotent_retry_returns_the_same_pair(shop):
    conversation = open_conversation(shop)
    headers = {"Idempotency-Key": "retry-" + uuid.uuid4().hex}
    first = say(shop["key"], conversation["id"], "Quais formas de pagamento vocês aceitam?", headers=headers)
    again = say(shop["key"], conversation["id"], "Quais formas de pagamento vocês aceitam?", headers=headers)
    assert first.status == again.status == 201
    assert again.json() == first.json() and again.header("Idempotent-Replayed") == "true"
    assert first.json()["reply"]["grounding"] == "qa"
    assert request("GET", f"/api/v1/conversations/{conversation['id']}", key=shop["key"]).json()["message_count"] == 2
    reused = say(shop["key"], conversation["id"], "Outra pergunta", headers=headers)
    assert reused.status == 422 and reused.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    bad = say(shop["key"], conversation["id"], "x", headers={"Idempotency-Key": "has spaces"})
    assert bad.status == 422 and bad.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    assert db.scalar("SELECT COUNT(*) FROM messages WHERE conversation_id = %s", [conversation["id"]]) == 2


def test_feedback_validation_update_and_history(shop):
    conversation = open_conversation(shop)
    pair = say(shop["key"], conversation["id"], "Qual o prazo de entrega para o Nordeste?").json()
    path = f"/api/v1/conversations/{conversation['id']}/feedback"
    for body in [{"rating": 0, "actor": {"type": "visitor"}}, {"rating": 6, "actor": {"type": "visitor"}},
                 {"rating": "5", "actor": {"type": "visitor"}}, {"rating": 5}, {"rating": 5, "actor": {"type": "robot"}}]:
        reply = request("POST", path, key=shop["key"], body=body)
        assert reply.status == 422, (body, reply)
    assert request("GET", path, key=shop["key"]).json() == {"items": [], "count": 0}

    first = request("POST", path, key=shop["key"], body={
        "rating": 5, "message_id": pair["reply"]["id"], "actor": {"type": "visitor"}, "comment": "Ótimo"})
    assert first.status == 201, first
    rated = first.json()
    assert rated["rating"] == 5 and rated["is_current"] is True and rated["message_id"] == pair["reply"]["id"]
    assert rated["assistant_version"] == pair["reply"]["assistant_version"]
    assert rated["actor"] == {"type": "visitor", "id": pair["message"]["actor"]["id"]}
    update = request("POST", path, key=shop["key"], body={"rating": 2, "message_id": pair["reply"]["id"], "actor": {"type": "visitor"}})
    assert update.status == 200 and update.json()["rating"] == 2
    whole = request("POST", path, key=shop["key"], body={"rating": 4, "actor": {"type": "visitor"}})
    assert whole.status == 201 and whole.json()["message_id"] is None
    agent = request("POST", path, key=shop["key"], body={"rating": 3, "actor": {"type": "agent", "id": "agent-7"}})
    assert agent.status == 201

    current = request("GET", path, key=shop["key"]).json()
    assert [(f["rating"], f["message_id"]) for f in current["items"]] == [(2, pair["reply"]["id"]), (4, None), (3, None)]
    history = request("GET", path + "?history=true", key=shop["key"]).json()["items"]
    assert [(f["rating"], f["is_current"]) for f in history] == [(5, False), (2, True), (4, True), (3, True)]
    assert history[0]["superseded_at"] is not None

    elsewhere = open_conversation(shop)
    foreign = request("POST", f"/api/v1/conversations/{elsewhere['id']}/feedback", key=shop["key"],
                      body={"rating": 1, "message_id": pair["reply"]["id"], "actor": {"type": "visitor"}})
    assert foreign.status == 404 and foreign.json() == {"detail": "Message not found"}


def test_transcript_has_the_whole_conversation(shop):
    conversation = open_conversation(shop, metadata={"channel_ref": "W-9"})
    pair = say(shop["key"], conversation["id"], "Qual o prazo de entrega para o Nordeste?").json()
    say(shop["key"], conversation["id"], "Vou verificar o seu pedido.", role="agent")
    request("POST", f"/api/v1/conversations/{conversation['id']}/feedback", key=shop["key"],
            body={"rating": 5, "actor": {"type": "visitor"}})
    request("POST", f"/api/v1/conversations/{conversation['id']}/feedback", key=shop["key"],
            body={"rating": 4, "actor": {"type": "visitor"}, "comment": "Bom"})
    transcript = request("GET", f"/api/v1/conversations/{conversation['id']}/transcript", key=shop["key"]).json()
    assert transcript["conversation"]["id"] == conversation["id"] and transcript["conversation"]["message_count"] == 3
    assert transcript["assistant"] == {"id": shop["assistant"]["id"], "version": conversation["assistant_version"], "name": "Aurora"}
    assert transcript["session"]["id"] == conversation["session_id"] and transcript["session"]["channel"] == "web"
    assert [m["role"] for m in transcript["messages"]] == ["user", "assistant", "agent"]
    assert transcript["messages"][1] == pair["reply"]
    assert [(f["rating"], f["is_current"]) for f in transcript["feedback"]] == [(5, False), (4, True)]


def test_cursor_paging_over_250_messages(shop):
    conversation = open_conversation(shop)
    ids = []
    for number in range(250):
        reply = say(shop["key"], conversation["id"], f"Nota {number:03d}", role="system")
        assert reply.status == 201, reply
        ids.append(reply.json()["message"]["id"])
    seen, after, pages = [], None, 0
    while True:
        path = f"/api/v1/conversations/{conversation['id']}/messages?limit=100" + (f"&after={after}" if after else "")
        page = request("GET", path, key=shop["key"]).json()
        assert page["count"] == 250
        seen += page["items"]
        pages += 1
        after = page["next_after"]
        if after is None:
            break
        assert after == page["items"][-1]["id"]
    assert pages == 3 and [m["id"] for m in seen] == ids
    assert [m["position"] for m in seen] == list(range(1, 251))
    assert [m["content"] for m in seen[:2]] == ["Nota 000", "Nota 001"]
    tail = request("GET", f"/api/v1/conversations/{conversation['id']}/messages?after={ids[247]}", key=shop["key"]).json()
    assert [m["id"] for m in tail["items"]] == ids[248:] and tail["next_after"] is None
    assert request("GET", f"/api/v1/conversations/{conversation['id']}/messages?after={uuid.uuid4()}", key=shop["key"]).status == 422
    assert request("GET", f"/api/v1/conversations/{conversation['id']}/messages?limit=1001", key=shop["key"]).status == 422


def test_handoff_quiets_the_assistant_and_close_ends_the_conversation(shop):
    conversation = open_conversation(shop)
    path = f"/api/v1/conversations/{conversation['id']}"
    assert request("POST", path + "/handoff", key=shop["key"], body={}).status == 422
    handed = request("POST", path + "/handoff", key=shop["key"], body={"reason": "Cliente pediu um humano"})
    assert handed.status == 200
    assert handed.json()["status"] == "handed_off" and handed.json()["handoff_reason"] == "Cliente pediu um humano"
    assert request("POST", path + "/handoff", key=shop["key"], body={"reason": "again"}).status == 409
    quiet = say(shop["key"], conversation["id"], "Qual o prazo de entrega para o Nordeste?").json()
    assert quiet["reply"] is None
    assert request("GET", f"/api/v1/conversations/?status=handed_off&session_id={conversation['session_id']}",
                   key=shop["key"]).json()["count"] == 1

    closed = request("POST", path + "/close", key=shop["key"], body={"reason": "resolvido"})
    assert closed.status == 200 and closed.json()["status"] == "closed" and closed.json()["close_reason"] == "resolvido"
    assert request("POST", path + "/close", key=shop["key"]).json() == closed.json()
    refused = say(shop["key"], conversation["id"], "Mais uma coisa")
    assert refused.status == 409 and refused.json() == {"detail": "Conversation is closed"}
    assert request("POST", path + "/handoff", key=shop["key"], body={"reason": "late"}).status == 409
    assert request("GET", path, key=shop["key"]).json()["message_count"] == 1


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


def test_conversation_filters(shop):
    key = shop["key"]
    visitor_session = create(key, "/api/v1/sessions/", {"visitor": {"external_id": f"f-{uuid.uuid4().hex[:6]}"}})
    first = create(key, "/api/v1/conversations/", {"assistant_id": shop["assistant"]["id"], "session_id": visitor_session["id"]})
    again = create(key, "/api/v1/sessions/", {"visitor": {"external_id": visitor_session["visitor"]["external_id"]}, "channel": "app"})
    second = create(key, "/api/v1/conversations/", {"assistant_id": shop["assistant"]["id"], "session_id": again["id"]})
    by_visitor = request("GET", f"/api/v1/conversations/?visitor_id={visitor_session['visitor']['id']}", key=key).json()
    assert [c["id"] for c in by_visitor["items"]] == [first["id"], second["id"]]
    by_session = request("GET", f"/api/v1/conversations/?session_id={again['id']}", key=key).json()
    assert [c["id"] for c in by_session["items"]] == [second["id"]]
    by_assistant = request("GET", f"/api/v1/conversations/?assistant_id={shop['assistant']['id']}&limit=1000", key=key).json()
    assert {first["id"], second["id"]} <= {c["id"] for c in by_assistant["items"]}
    assert request("GET", f"/api/v1/conversations/?created_after={second['created_at']}&session_id={again['id']}", key=key).json()["count"] == 1
    bad = request("GET", "/api/v1/conversations/?status=waiting&needs_human=maybe", key=key)
    assert bad.status == 422 and [e["loc"] for e in bad.json()["detail"]] == [["query", "status"], ["query", "needs_human"]]


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


def test_every_route_answers_404_across_organizations(shop, other_key):
    key = shop["key"]
    conversation = open_conversation(shop)
    pair = say(key, conversation["id"], "Qual o prazo de entrega para o Nordeste?").json()
    base = f"/api/v1/conversations/{conversation['id']}"
    foreign_session = create(other_key, "/api/v1/sessions/", {})
    calls = [
        ("GET", base, None), ("POST", base + "/close", None), ("POST", base + "/handoff", {"reason": "x"}),
        ("GET", base + "/messages", None), ("POST", base + "/messages", {"role": "user", "content": "oi"}),
        ("GET", base + "/feedback", None), ("POST", base + "/feedback", {"rating": 1, "actor": {"type": "visitor"}}),
        ("GET", base + "/transcript", None),
        ("POST", "/api/v1/conversations/", {"assistant_id": shop["assistant"]["id"], "session_id": foreign_session["id"]}),
    ]
    for method, path, body in calls:
        reply = request(method, path, key=other_key, body=body)
        assert reply.status == 404, (method, path, reply)
    own_assistant = create(other_key, "/api/v1/assistants/", {"name": "Theirs"})
    reply = request("POST", "/api/v1/conversations/", key=other_key,
                    body={"assistant_id": own_assistant["id"], "session_id": conversation["session_id"]})
    assert reply.status == 404 and reply.json() == {"detail": "Session not found"}
    listing = request("GET", "/api/v1/conversations/?limit=1000", key=other_key).json()["items"]
    assert conversation["id"] not in [c["id"] for c in listing]
    after = request("GET", base, key=key).json()
    assert after["status"] == "open" and after["message_count"] == 2
    assert request("GET", base + "/feedback", key=key).json()["count"] == 0
    assert request("GET", base + "/messages", key=key).json()["items"][1] == pair["reply"]
