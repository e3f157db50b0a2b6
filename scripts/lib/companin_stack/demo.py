"""The demo organization's first data, so that a first `scripts/run` shows something real: a small
shop's knowledge (the files and Q&A pairs in companin_stack/demo/), an assistant that sees only that
knowledge, and a handful of conversations — answered ones, questions nobody answered (three of them
the same question in other words, a knowledge gap), one handed off, one with an agent's reply, one
closed — with a few ratings.

Everything goes through the public HTTP API on loopback with the organization's key, as a client
would. A marker file, written only when every step succeeded, keeps it from running twice; after a
partial failure the marker is not written, and the next run makes what is missing (sources and the
assistant are found again, conversations are made anew).

    scripts/lib/stack VAR demo-seed [--base-url URL] [--key-file FILE] [--marker FILE] [--timeout SECONDS]
    python3 -m companin_stack.demo --base-url URL --key-file FILE --marker FILE

The defaults under scripts/lib/stack are scripts/run's: http://127.0.0.1:$COMPANIN_HTTP_PORT,
VAR/demo-api-key and VAR/demo-seeded. Exit status 0 when seeded (or already seeded), 1 otherwise.
"""

import argparse
import json
import os
import sys
import time
import urllib.parse
import uuid

from . import client

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "demo")

# The documents: file name, title, content type.
FILES = [
    ("entregas.md", "Política de entregas", "text/markdown"),
    ("trocas-e-devolucoes.md", "Trocas e devoluções", "text/markdown"),
    ("hours-and-contact.md", "Opening hours and contact", "text/markdown"),
    ("garantia-faq.txt", "Garantia dos utensílios (FAQ)", "text/plain"),
]

ASSISTANT = {
    "name": "Girassol",
    "description": "Atende os clientes do Empório Girassol (cafés especiais e utensílios de cozinha) sobre entregas, "
                   "trocas, garantia, horários e contato, a partir da base de conhecimento da loja.",
    "tone": "cordial e objetivo",
    "language": "pt-BR",
    "task_templates": [
        {"name": "pedido", "template": "Ajudar o cliente com o pedido {{order_id}}: prazo, rastreio, troca ou devolução."},
    ],
    "metadata": {"demo": True},
    "knowledge_mode": "linked",
}

# Sessions live a week, so that an agent can still answer the waiting conversations days later.
SESSION_TTL_SECONDS = 7 * 24 * 3600

# One session and one conversation each. Steps: ("user", text), ("agent", text, agent),
# ("handoff", reason), ("rate", rating, comment), ("close", reason).
CONVERSATIONS = [
    {"channel": "web", "visitor": {"external_id": "crm-1001", "display_name": "Mariana Costa", "locale": "pt-BR"},
     "steps": [("user", "Qual é o prazo de entrega para São Paulo capital?"),
               ("user", "E o frete é grátis?"),
               ("rate", 5, "Resposta rápida, obrigada!")]},
    {"channel": "whatsapp", "visitor": {"display_name": "João Pereira", "phone": "+55 11 98765-4321", "locale": "pt-BR"},
     "steps": [("user", "Qual é a garantia do moedor elétrico?"),
               ("rate", 4, None)]},
    {"channel": "web", "visitor": {"locale": "en"},
     "steps": [("user", "What are your opening hours on Saturday?"),
               ("rate", 5, "Thanks, that's what I needed."),
               ("close", "Resolved")]},
    {"channel": "web", "visitor": {"external_id": "crm-1002", "display_name": "Camila Rocha", "locale": "pt-BR"},
     "task": {"name": "pedido", "variables": {"order_id": "EG-10482"}},
     "steps": [("user", "Como acompanho o meu pedido?"),
               ("rate", 4, None)]},
    # The same question three times, in other words and in English: the knowledge does not say.
    {"channel": "whatsapp", "visitor": {"display_name": "Rafael Lima", "phone": "+55 21 99876-1234", "locale": "pt-BR"},
     "steps": [("user", "Posso parcelar a compra no cartão de crédito?"),
               ("agent", "Olá, Rafael! Pode sim: parcelamos em até 6 vezes sem juros no cartão de crédito, "
                         "para compras a partir de R$ 150.", "ana.souza")]},
    {"channel": "web", "visitor": {"locale": "pt-BR"},
     "steps": [("user", "Dá pra parcelar minha compra no cartão de crédito?"),
               ("rate", 1, "Não consegui saber se posso parcelar.")]},
    {"channel": "web", "visitor": {"locale": "en"},
     "steps": [("user", "Can I pay for my order in installments with a credit card?")]},
    {"channel": "whatsapp", "visitor": {"display_name": "Beatriz Nunes", "phone": "+55 31 97654-3210", "locale": "pt-BR"},
     "steps": [("user", "Meu moedor chegou com a tampa trincada. O que eu faço?"),
               ("handoff", "Produto chegou danificado: a equipe de trocas assume o atendimento"),
               ("rate", 2, "Ainda estou esperando alguém me responder.")]},
    {"channel": "web", "visitor": {"locale": "en"},
     "steps": [("user", "Do you offer gift wrapping?")]},
]

ANSWERED = ("qa", "chunks", "model")


class DemoError(Exception):
    """A request that did not answer as expected; the message names it and the answer."""


class API:
    """The organization's API on a loopback base URL, with its key."""

    def __init__(self, base_url, key):
        parsed = urllib.parse.urlsplit(base_url)
        if parsed.scheme != "http" or parsed.hostname not in client.LOOPBACK:
            raise DemoError(f"the base URL must be http:// on loopback (127.0.0.1), not {base_url}")
        self.host, self.port = parsed.hostname, parsed.port or 80
        self.prefix = parsed.path.rstrip("/")
        self.key = key
        self.requests = 0

    def call(self, method, path, body=None, raw=None, headers=None, expect=(200, 201, 202, 204)):
        """One request; a 503 or 429 with a short Retry-After is tried again, twice at most."""
        for attempt in range(3):
            self.requests += 1
            try:
                reply = client.request(self.host, self.port, method, self.prefix + path, key=self.key, body=body,
                                       raw=raw, headers=headers)
            except OSError as error:
                raise DemoError(f"{method} {path}: {error}") from None
            retry_after = reply.header("Retry-After")
            if (reply.status in (429, 503) and attempt < 2 and retry_after and retry_after.isdigit()
                    and int(retry_after) <= 5):
                time.sleep(int(retry_after) or 1)
                continue
            break
        if reply.status not in expect:
            detail = reply.body[:300].decode(errors="replace")
            hint = ""
            if reply.status == 429:
                hint = " (the organization's hourly limit is spent: companin org set-limit ORG 10000)"
            raise DemoError(f"{method} {path} answered {reply.status}: {detail}{hint}")
        return reply.json() if reply.body else None

    def upload(self, name, content, title, content_type):
        """POSTs one file as multipart/form-data: 202 when new, 200 when these bytes are already there."""
        boundary = "companin-demo-" + uuid.uuid4().hex
        parts = [
            (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
             f"Content-Type: {content_type}\r\n\r\n").encode() + content + b"\r\n",
            (f'--{boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\n').encode() + title.encode() + b"\r\n",
            (f'--{boundary}\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n').encode()
            + json.dumps({"demo": True}).encode() + b"\r\n",
        ]
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.call("POST", "/api/v1/knowledge/files/", raw=body,
                         headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}, expect=(200, 202))


def read_data(name):
    with open(os.path.join(DATA, name), "rb") as handle:
        return handle.read()


def qa_pairs():
    return json.loads(read_data("qas.json"))


def add_knowledge(api):
    """Uploads the documents and the Q&A pairs a first run lacks; returns {source id: title}."""
    sources = {}
    for name, title, content_type in FILES:
        record = api.upload(name, read_data(name), title, content_type)
        if record["status"] == "failed":  # uploaded by an earlier attempt that went wrong
            api.call("POST", f"/api/v1/knowledge/files/{record['id']}/reprocess", expect=(202,))
        sources[record["id"]] = title
    existing = {item["question"]: item for item in api.call("GET", "/api/v1/knowledge/qas/?limit=1000")["items"]}
    missing = [pair for pair in qa_pairs() if pair["question"] not in existing]
    for pair in qa_pairs():
        if pair["question"] in existing:
            sources[existing[pair["question"]]["id"]] = pair["question"]
    if missing:
        for item in api.call("POST", "/api/v1/knowledge/qas/", body=missing, expect=(202,))["items"]:
            sources[item["id"]] = item["question"]
    return sources


def wait_until_ready(api, sources, timeout):
    """Polls the file and Q&A lists until every source is ready; a failed one or the timeout is an error."""
    deadline = time.monotonic() + timeout
    while True:
        status = {}
        for path in ("/api/v1/knowledge/files/?limit=1000", "/api/v1/knowledge/qas/?limit=1000"):
            for item in api.call("GET", path)["items"]:
                status[item["id"]] = (item["status"], item.get("error"))
        failed = [f"{sources[i]} ({(status[i][1] or {}).get('message', 'failed')})"
                  for i in sources if status.get(i, ("",))[0] == "failed"]
        if failed:
            raise DemoError("ingestion failed for " + "; ".join(failed))
        waiting = [sources[i] for i in sources if status.get(i, ("",))[0] != "ready"]
        if not waiting:
            return
        if time.monotonic() > deadline:
            raise DemoError(f"not ready after {timeout} s: " + "; ".join(waiting))
        time.sleep(1)


def add_assistant(api, sources):
    """The demo assistant (found by name, else created) in linked mode, with every source linked."""
    found = [item for item in api.call("GET", "/api/v1/assistants/?limit=1000")["items"]
             if item["name"] == ASSISTANT["name"]]
    if found:
        assistant = found[0]
        if assistant.get("knowledge_mode") != "linked":
            assistant = api.call("PATCH", f"/api/v1/assistants/{assistant['id']}", body={"knowledge_mode": "linked"})
    else:
        assistant = api.call("POST", "/api/v1/assistants/", body=ASSISTANT, expect=(201,))
    for source_id in sources:
        api.call("PUT", f"/api/v1/assistants/{assistant['id']}/knowledge/{source_id}", body={"mode": "include"})
    return assistant


def hold_conversation(api, assistant, scenario, tally):
    """One visitor's session and conversation, played step by step."""
    session = api.call("POST", "/api/v1/sessions/", expect=(201,), body={
        "assistant_id": assistant["id"], "channel": scenario["channel"], "visitor": scenario["visitor"],
        "ttl_seconds": SESSION_TTL_SECONDS, "metadata": {"demo": True}})
    fields = {"assistant_id": assistant["id"], "session_id": session["id"], "metadata": {"demo": True}}
    if "task" in scenario:
        fields["task"] = scenario["task"]
    conversation = api.call("POST", "/api/v1/conversations/", body=fields, expect=(201,))
    path = f"/api/v1/conversations/{conversation['id']}"
    for step in scenario["steps"]:
        kind = step[0]
        if kind == "user":
            posted = api.call("POST", f"{path}/messages", body={"role": "user", "content": step[1]},
                              headers={"Idempotency-Key": uuid.uuid4().hex}, expect=(201,))
            reply = posted.get("reply")
            if reply is not None:
                tally["replies"][reply["grounding"]] = tally["replies"].get(reply["grounding"], 0) + 1
        elif kind == "agent":
            api.call("POST", f"{path}/messages", body={"role": "agent", "content": step[1], "actor_id": step[2]},
                     headers={"Idempotency-Key": uuid.uuid4().hex}, expect=(201,))
            tally["agent replies"] += 1
        elif kind == "handoff":
            api.call("POST", f"{path}/handoff", body={"reason": step[1]})
            tally["handed off"] += 1
        elif kind == "close":
            api.call("POST", f"{path}/close", body={"reason": step[1]})
            tally["closed"] += 1
        elif kind == "rate":
            rating = {"rating": step[1], "actor": {"type": "visitor", "id": session["visitor"]["id"]}}
            if step[2]:
                rating["comment"] = step[2]
            api.call("POST", f"{path}/feedback", body=rating)
            tally["ratings"].append(step[1])
    if api.call("GET", path)["needs_human"]:
        tally["needing a human"] += 1
    tally["conversations"] += 1


def seed(base_url, key, marker, timeout=180, out=None):
    """Seeds the organization of KEY unless MARKER exists; returns True when the demo data is all there."""
    out = out or sys.stdout

    def say(message):
        print(f"demo: {message}", file=out, flush=True)

    if os.path.exists(marker):
        say(f"already seeded ({marker} exists; remove it to seed again)")
        return True
    api = API(base_url, key)
    failures = []
    try:
        sources = add_knowledge(api)
        files = len(FILES)
        say(f"knowledge: {files} documents and {len(sources) - files} Q&A pairs; waiting until they are ready")
        wait_until_ready(api, sources, timeout)
        assistant = add_assistant(api, sources)
        say(f"assistant \"{assistant['name']}\" ({assistant['id']}), {assistant['language']}, "
            f"linked to {len(sources)} sources")
    except DemoError as error:
        say(f"FAILED: {error}")
        return False
    tally = {"conversations": 0, "replies": {}, "needing a human": 0, "handed off": 0, "agent replies": 0,
             "closed": 0, "ratings": []}
    for number, scenario in enumerate(CONVERSATIONS, 1):
        try:
            hold_conversation(api, assistant, scenario, tally)
        except DemoError as error:
            failures.append(f"conversation {number} ({scenario['steps'][0][1]!r}): {error}")
    replies = ", ".join(f"{count} {grounding}" for grounding, count in sorted(tally["replies"].items()))
    ratings = tally["ratings"]
    say(f"{tally['conversations']} conversations in as many sessions; assistant replies: {replies or 'none'}")
    say(f"{tally['needing a human']} need a human, {tally['handed off']} handed off, {tally['agent replies']} "
        f"agent reply, {tally['closed']} closed; {len(ratings)} ratings ({', '.join(map(str, ratings))})")
    if failures:
        for failure in failures:
            say(f"FAILED: {failure}")
        return False
    with open(marker + ".tmp", "w") as handle:
        handle.write(time.strftime("%Y-%m-%dT%H:%M:%SZ\n", time.gmtime()))
    os.replace(marker + ".tmp", marker)
    say(f"done ({api.requests} requests); {marker} keeps it from running again")
    return True


def parser(defaults=None):
    defaults = defaults or {}
    result = argparse.ArgumentParser(
        prog=defaults.get("prog", "python3 -m companin_stack.demo"),
        description="Seeds an organization with demo knowledge, an assistant and conversations, through the API.")
    result.add_argument("--base-url", default=defaults.get("base_url"), required="base_url" not in defaults,
                        help="the stack's loopback URL (http://127.0.0.1:8080)")
    result.add_argument("--key-file", default=defaults.get("key_file"), required="key_file" not in defaults,
                        help="a file whose first line is the organization's API key")
    result.add_argument("--marker", default=defaults.get("marker"), required="marker" not in defaults,
                        help="written after success; while it exists, nothing is done")
    result.add_argument("--timeout", type=int, default=180, help="seconds to wait for the knowledge to be ready (180)")
    return result


def main(argv=None, defaults=None):
    """The command line; returns the exit status."""
    arguments = parser(defaults).parse_args(argv)
    if os.path.exists(arguments.marker):
        print(f"demo: already seeded ({arguments.marker} exists; remove it to seed again)", flush=True)
        return 0
    try:
        with open(arguments.key_file) as handle:
            key = handle.readline().strip()
    except OSError as error:
        print(f"demo: FAILED: cannot read the API key: {error}", file=sys.stderr)
        return 1
    if not key:
        print(f"demo: FAILED: {arguments.key_file} holds no API key", file=sys.stderr)
        return 1
    try:
        return 0 if seed(arguments.base_url, key, arguments.marker, arguments.timeout) else 1
    except DemoError as error:
        print(f"demo: FAILED: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
