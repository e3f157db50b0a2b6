"""The demo data a first scripts/run adds (scripts/lib/companin_stack/demo.py), seeded through the
stack's command line into an organization of its own and checked through the API: the assistant
with its knowledge linked and ready, answered conversations, handed-off ones, an agent's reply, a
closed one, ratings good and bad, the knowledge gap — and a second run that does nothing."""

import os
import subprocess

import pytest

from conftest import BASE_URL, VAR_DIR, new_org_key, request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STACK_CLI = os.path.join(ROOT, "scripts", "lib", "stack")


def seed(key_file, marker, base_url=BASE_URL):
    return subprocess.run([STACK_CLI, VAR_DIR, "demo-seed", "--base-url", base_url, "--key-file", str(key_file),
                           "--marker", str(marker)], capture_output=True, text=True, timeout=400)


def get(key, path):
    reply = request("GET", path, key=key)
    assert reply.status == 200, (path, reply)
    return reply.json()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The Demo organization as scripts/run makes it (10000 requests an hour), seeded once."""
    _, key = new_org_key("Demo", limit=10000)
    directory = tmp_path_factory.mktemp("demo")
    key_file = directory / "demo-api-key"
    key_file.write_text(key + "\n")
    marker = directory / "demo-seeded"
    run = seed(key_file, marker)
    assert run.returncode == 0, run.stdout + run.stderr
    assert marker.exists()
    conversations = get(key, "/api/v1/conversations/?limit=1000")["items"]
    messages = {c["id"]: get(key, f"/api/v1/conversations/{c['id']}/messages?limit=1000")["items"] for c in conversations}
    ratings = [f["rating"] for c in conversations for f in get(key, f"/api/v1/conversations/{c['id']}/feedback")["items"]]
    return {"key": key, "key_file": key_file, "marker": marker, "output": run.stdout, "conversations": conversations,
            "messages": messages, "ratings": ratings}


def test_the_assistant_sees_only_its_linked_knowledge_all_ready(demo):
    key = demo["key"]
    assistants = get(key, "/api/v1/assistants/")["items"]
    assert len(assistants) == 1, assistants
    assistant = assistants[0]
    assert assistant["language"] == "pt-BR" and assistant["tone"] and assistant["description"]
    assert [t["name"] for t in assistant["task_templates"]] == ["pedido"]
    assert assistant["knowledge_mode"] == "linked"
    files = get(key, "/api/v1/knowledge/files/?limit=1000")
    qas = get(key, "/api/v1/knowledge/qas/?limit=1000")
    assert files["count"] >= 3 and 6 <= qas["count"] <= 10
    assert {s["status"] for s in files["items"] + qas["items"]} == {"ready"}
    questions = " ".join(q["question"] for q in qas["items"])
    assert "prazo" in questions and "refund" in questions  # Portuguese and English pairs
    linked = get(key, f"/api/v1/assistants/{assistant['id']}/knowledge?limit=1000")
    assert linked["knowledge_mode"] == "linked"
    assert {s["source_id"] for s in linked["items"]} == {s["id"] for s in files["items"] + qas["items"]}
    assert {(s["link"], s["status"]) for s in linked["items"]} == {("include", "ready")}


def test_conversations_answered_handed_off_agent_closed(demo):
    conversations, messages = demo["conversations"], demo["messages"]
    assert 6 <= len(conversations) <= 12
    replies = [m for items in messages.values() for m in items if m["role"] == "assistant"]
    answered = [m for m in replies if m["grounding"] in ("qa", "chunks")]
    assert {m["grounding"] for m in answered} == {"qa", "chunks"}, [(m["grounding"], m["content"][:60]) for m in replies]
    assert len(answered) >= 4
    unanswered = [m for m in replies if m["grounding"] == "none"]
    assert len(unanswered) >= 3
    waiting = [c for c in conversations if c["needs_human"]]
    assert len(waiting) >= 3
    assert get(demo["key"], "/api/v1/conversations/?needs_human=true")["count"] == len(waiting)
    handed_off = [c for c in conversations if c["status"] == "handed_off"]
    assert len(handed_off) == 1 and handed_off[0]["handoff_reason"]
    assert len([c for c in conversations if c["status"] == "closed"]) == 1
    agents = [m for items in messages.values() for m in items if m["role"] == "agent"]
    assert len(agents) == 1
    # The agent answered a visitor whose question the assistant could not.
    agent_conversation = messages[next(cid for cid, items in messages.items() if agents[0] in items)]
    assert [m["grounding"] for m in agent_conversation if m["role"] == "assistant"] == ["none"]
    # A task template rendered for one conversation.
    assert any((c.get("task") or {}).get("name") == "pedido" for c in conversations)


def test_ratings_good_and_bad(demo):
    ratings = demo["ratings"]
    assert len(ratings) >= 4
    assert min(ratings) <= 2 and max(ratings) >= 4
    # The dashboard's satisfaction panel counts them.
    assert get(demo["key"], "/analytics/feedback/")["totals"]["ratings"] == len(ratings)


def test_the_summary_says_what_was_made(demo):
    output = demo["output"]
    assert "4 documents" in output and "assistant \"Girassol\"" in output
    assert f"{len(demo['conversations'])} conversations" in output
    assert "FAILED" not in output


def test_a_second_run_does_nothing(demo):
    before = get(demo["key"], "/api/v1/conversations/")["count"]
    run = seed(demo["key_file"], demo["marker"])
    assert run.returncode == 0, run.stdout + run.stderr
    assert "already seeded" in run.stdout
    assert get(demo["key"], "/api/v1/conversations/")["count"] == before
    assert get(demo["key"], "/api/v1/assistants/")["count"] == 1


def test_the_unanswered_paraphrases_make_one_knowledge_gap(demo):
    reply = request("GET", "/analytics/gaps/", key=demo["key"])
    assert reply.status == 200, reply
    gaps = reply.json()
    assert gaps["count"] >= len(gaps["items"])
    clustered = [g for g in gaps["items"] if g["count"] >= 2]
    assert clustered, gaps
    assert any("parcel" in g["question"].lower() or "install" in g["question"].lower() for g in clustered), gaps


def test_a_failed_seed_says_what_failed_and_writes_no_marker(tmp_path):
    key_file = tmp_path / "demo-api-key"
    key_file.write_text("cmp_not_a_key\n")
    marker = tmp_path / "demo-seeded"
    run = seed(key_file, marker)
    assert run.returncode == 1
    assert "FAILED" in run.stdout and "401" in run.stdout, run.stdout + run.stderr
    assert not marker.exists()
