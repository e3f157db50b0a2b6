#!/usr/bin/env python3
"""Steady mixed load against a running stack for a fixed time (scripts/soak).

Every area of the API at a fixed pace: assistants read, listed, created and changed; knowledge
searched, added and removed (Q&A pairs, small files: what one worker added beyond a few dozen is
deleted again, so the corpus every search reads stays the same size and the load stays steady);
sessions, contexts, conversations, messages with their grounded replies, feedback; analytics. Every request is valid, so every answer must be
2xx. Prints one report (and writes it as JSON): requests and statuses per operation, latency,
and the resident memory of each responder and ingest worker after the warm-up and at the end.
Exits non-zero on any 5xx or unexpected status, a child that died, or memory that kept growing.
"""

import argparse
import http.client
import json
import random
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections import Counter, defaultdict


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--master-pid", type=int, required=True)
    parser.add_argument("--seconds", type=float, default=1800)
    parser.add_argument("--rate", type=float, default=40, help="requests per second, all workers together")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--warmup", type=float, default=None, help="seconds before the first memory reading")
    parser.add_argument("--max-growth-mib", type=float, default=8,
                        help="growth of a child's memory between the readings that fails the soak")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    url = urllib.parse.urlsplit(args.base_url)
    assert url.hostname in ("127.0.0.1", "localhost", "::1"), "the soak only talks to loopback"
    warmup = args.warmup if args.warmup is not None else min(60.0, args.seconds / 6)

    client = Client(url.hostname, url.port, args.key)
    world = seed(client)
    say(f"seeded {len(world.assistants)} assistants, {len(world.conversations)} conversations; "
        f"{args.rate:g} requests/s from {args.workers} workers for {args.seconds:g} s (memory read after {warmup:g} s)")

    results = []
    lock = threading.Lock()
    deadline = time.monotonic() + args.seconds
    threads = [threading.Thread(target=worker, args=(index, args, world, deadline, results, lock), daemon=True)
               for index in range(args.workers)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(min(warmup, args.seconds))
    first = memory(args.master_pid)
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    last = memory(args.master_pid)

    report = summarize(results, elapsed, first, last, args)
    print_report(report)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(report, handle, indent=2)
    problems = report["problems"]
    for problem in problems:
        say(f"FAILED: {problem}")
    sys.exit(1 if problems else 0)


def say(message):
    print(f"soak: {message}", file=sys.stderr, flush=True)


class Client:
    """One keep-alive connection; reconnects when the server closed it."""

    def __init__(self, host, port, key):
        self.host, self.port, self.key = host, port, key
        self.connection = None

    def call(self, method, path, body=None, raw=None, content_type=None):
        headers = {"X-API-Key": self.key}
        payload = raw
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if content_type:
            headers["Content-Type"] = content_type
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                self.connection.request(method, path, body=payload, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.close()
                return response.status, data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A keep-alive connection nginx closed between two requests; a fresh one is tried once.
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None


class World:
    def __init__(self):
        self.assistants = []
        self.sessions = []
        self.conversations = []


# Knowledge one worker keeps while it adds and removes: a steady corpus, not a growing one.
KEPT_PAIRS = 40
KEPT_FILES = 10


FACTS = [
    ("Qual o prazo de entrega?", "A entrega leva até sete dias úteis para todo o Brasil."),
    ("Do you ship abroad?", "Yes, we ship to forty countries; customs fees are paid on delivery."),
    ("How do I reset my password?", "Use the 'Forgot password' link on the sign-in page and follow the e-mail."),
    ("Posso trocar um produto?", "Trocas são aceitas em até trinta dias com a nota fiscal."),
    ("What are your opening hours?", "The support desk is open from 9:00 to 18:00, Monday to Friday."),
]


def multipart(name, content):
    boundary = "soak" + uuid.uuid4().hex
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: text/plain\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def expect(result, *statuses):
    status, data = result
    if status not in statuses:
        raise RuntimeError(f"seeding got {status}: {data[:300]!r}")
    return json.loads(data) if data else None


def seed(client):
    world = World()
    for index in range(20):
        created = expect(client.call("POST", "/api/v1/assistants/", body={
            "name": f"Soak assistant {index}", "description": "Answers shipping and account questions",
            "language": "pt-BR" if index % 2 else "en",
            "task_templates": [{"name": "greet", "template": "Hello {{customer_name}}"}]}), 201)
        world.assistants.append(created["id"])
    expect(client.call("POST", "/api/v1/knowledge/qas/",
                       body=[{"question": q, "answer": a, "tags": ["soak"]} for q, a in FACTS]), 202)
    body, kind = multipart("policy.txt", ("Returns policy. " + " ".join(a for _, a in FACTS) + "\n").encode())
    expect(client.call("POST", "/api/v1/knowledge/files/", raw=body, content_type=kind), 200, 202)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        pending = expect(client.call("GET", "/api/v1/knowledge/qas/?status=pending&limit=1"), 200)["count"]
        if pending == 0:
            break
        time.sleep(0.5)
    for index in range(10):
        world.sessions.append(open_session(client, world))
        world.conversations.append(open_conversation(client, world, world.sessions[-1]))
    return world


def open_session(client, world):
    session = expect(client.call("POST", "/api/v1/sessions/", body={
        "assistant_id": random.choice(world.assistants), "channel": "web", "ttl_seconds": 7200,
        "visitor": {"external_id": f"soak-{uuid.uuid4().hex[:12]}", "display_name": "Ana"}}), 201)
    return session["id"]


def open_conversation(client, world, session):
    conversation = expect(client.call("POST", "/api/v1/conversations/", body={
        "assistant_id": random.choice(world.assistants), "session_id": session}), 201)
    return conversation["id"]


# (operation, weight, build(world, mine, rng) -> (method, path, options, expected statuses, on_success)).
# `mine` is the worker's own list of what it added, per kind; `on_success` sees the answer's body.
def operations():
    def plain(method, path, statuses, **options):
        return method, path, options, statuses, None

    def get_assistant(world, mine, rng):
        return plain("GET", f"/api/v1/assistants/{rng.choice(world.assistants)}", (200,))

    def list_assistants(world, mine, rng):
        return plain("GET", f"/api/v1/assistants/?limit=20&offset={rng.randrange(0, 20)}", (200,))

    def create_assistant(world, mine, rng):
        return plain("POST", "/api/v1/assistants/", (201,), body={"name": f"Soak {uuid.uuid4().hex[:8]}", "tone": "friendly"})

    def change_assistant(world, mine, rng):
        return plain("PATCH", f"/api/v1/assistants/{rng.choice(world.assistants)}", (200,),
                     body={"description": f"Revised {rng.randrange(1_000_000)}"})

    def search(world, mine, rng):
        return plain("POST", "/api/v1/knowledge/search", (200,), body={"query": rng.choice(FACTS)[0], "top_k": 5})

    def churn(kind, kept, path, add):
        # Adds until the worker holds `kept` of this kind, then removes its oldest before adding again.
        def build(world, mine, rng):
            held = mine[kind]
            if len(held) >= kept:
                return "DELETE", f"{path}{held.pop(0)}", {}, (204,), None
            method, options = add(rng)
            return method, path, options, (202,), lambda data: held.append(json.loads(data)["id"])
        return build

    def new_pair(rng):
        question, answer = rng.choice(FACTS)
        return "POST", {"body": {"question": f"{question} ({uuid.uuid4().hex[:6]})", "answer": answer, "tags": ["soak"]}}

    def new_file(rng):
        body, kind = multipart("note.txt", f"Note {uuid.uuid4()}: {rng.choice(FACTS)[1]}\n".encode())
        return "POST", {"raw": body, "content_type": kind}

    def open_session(world, mine, rng):
        return plain("POST", "/api/v1/sessions/", (201,), body={
            "assistant_id": rng.choice(world.assistants), "channel": "whatsapp",
            "visitor": {"external_id": f"soak-{uuid.uuid4().hex[:12]}"}})

    def add_context(world, mine, rng):
        return plain("POST", "/api/v1/contexts/", (201,), body={
            "session_id": rng.choice(world.sessions),
            "attributes": {"page": f"/produtos/{rng.randrange(100)}", "cart": {"items": rng.randrange(5)}}})

    def message(world, mine, rng):
        return plain("POST", f"/api/v1/conversations/{rng.choice(world.conversations)}/messages", (201,),
                     body={"role": "user", "content": rng.choice(FACTS)[0]})

    def read_messages(world, mine, rng):
        return plain("GET", f"/api/v1/conversations/{rng.choice(world.conversations)}/messages?limit=50", (200,))

    def feedback(world, mine, rng):
        return plain("POST", f"/api/v1/conversations/{rng.choice(world.conversations)}/feedback", (200, 201),
                     body={"rating": rng.randrange(1, 6), "comment": "soak", "actor": {"type": "visitor"}})

    def usage(world, mine, rng):
        return plain("GET", "/analytics/usage/?granularity=hour", (200,))

    def endpoints(world, mine, rng):
        return plain("GET", "/analytics/endpoints/", (200,))

    return [
        ("get assistant", 20, get_assistant),
        ("list assistants", 10, list_assistants),
        ("create assistant", 4, create_assistant),
        ("change assistant", 4, change_assistant),
        ("search", 10, search),
        ("add/remove Q&A", 6, churn("qa", KEPT_PAIRS, "/api/v1/knowledge/qas/", new_pair)),
        ("add/remove file", 2, churn("file", KEPT_FILES, "/api/v1/knowledge/files/", new_file)),
        ("open session", 5, open_session),
        ("add context", 5, add_context),
        ("message", 10, message),
        ("read messages", 5, read_messages),
        ("feedback", 2, feedback),
        ("usage", 3, usage),
        ("endpoints", 2, endpoints),
    ]


def worker(index, args, world, deadline, results, lock):
    rng = random.Random(index)
    table = operations()
    weights = [weight for _, weight, _ in table]
    mine = defaultdict(list)
    interval = args.workers / args.rate
    url = urllib.parse.urlsplit(args.base_url)
    client = Client(url.hostname, url.port, args.key)
    next_at = time.monotonic() + rng.uniform(0, interval)
    while True:
        now = time.monotonic()
        if now >= deadline:
            break
        if next_at > now:
            time.sleep(min(next_at - now, deadline - now))
            continue
        next_at += interval
        name, _, build = rng.choices(table, weights)[0]
        method, path, options, statuses, on_success = build(world, mine, rng)
        started = time.monotonic()
        try:
            status, data = client.call(method, path, **options)
        except OSError as error:
            status, data = None, repr(error).encode()
        took = time.monotonic() - started
        ok = status in statuses
        if ok and on_success:
            on_success(data)
        with lock:
            results.append((name, status, took, ok, b"" if ok else data[:300]))
    client.close()


def proportional_kib(pid):
    """PSS (KiB): resident memory with each shared page divided among the processes mapping it."""
    with open(f"/proc/{pid}/smaps_rollup") as handle:
        return next(int(line.split()[1]) for line in handle if line.startswith("Pss:"))


def memory(master):
    """Resident memory (KiB) of each child of the pool's master, by pid, with its role; PSS too."""
    children = {}
    listing = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    for pid in listing:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                argv = handle.read().split(b"\0")
            with open(f"/proc/{pid}/status") as handle:
                rss = next(int(line.split()[1]) for line in handle if line.startswith("VmRSS:"))
            pss = proportional_kib(pid)
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue
        role = argv[1].decode() if len(argv) > 1 else "?"
        children[int(pid)] = {"role": "responder" if role == "respond" else "ingest worker", "rss_kib": rss, "pss_kib": pss}
    return children


def percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def summarize(results, elapsed, first, last, args):
    by_operation = defaultdict(list)
    for name, status, took, ok, body in results:
        by_operation[name].append((status, took, ok, body))
    operations_report = {}
    problems = []
    for name, entries in sorted(by_operation.items()):
        statuses = Counter(str(status) for status, _, _, _ in entries)
        unexpected = [(status, body) for status, _, ok, body in entries if not ok]
        latencies = [took for _, took, _, _ in entries]
        operations_report[name] = {
            "requests": len(entries), "statuses": dict(statuses),
            "p50_ms": round(percentile(latencies, 0.5) * 1000, 1), "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        }
        if unexpected:
            status, body = unexpected[0]
            problems.append(f"{name}: {len(unexpected)} unexpected answers, e.g. {status} {body!r}")
    everything = [took for _, _, took, _, _ in results]
    server_errors = sum(1 for _, status, _, _, _ in results if status is None or status >= 500)
    children = []
    for pid in sorted(set(first) | set(last)):
        before, after = first.get(pid), last.get(pid)
        role = (before or after)["role"]
        entry = {"pid": pid, "role": role, "start_rss_mib": before and round(before["rss_kib"] / 1024, 1),
                 "end_rss_mib": after and round(after["rss_kib"] / 1024, 1)}
        children.append(entry)
        if before is None or after is None:
            problems.append(f"{role} {pid} {'appeared' if before is None else 'disappeared'} during the soak "
                            "(children are never recycled here, so one died)")
        elif (after["rss_kib"] - before["rss_kib"]) / 1024 > args.max_growth_mib:
            problems.append(f"{role} {pid} grew from {entry['start_rss_mib']} to {entry['end_rss_mib']} MiB")
    if server_errors:
        problems.append(f"{server_errors} answers were 5xx or no answer at all")
    return {
        "seconds": round(elapsed, 1), "requests": len(results), "requests_per_second": round(len(results) / elapsed, 1),
        "server_errors": server_errors,
        "p50_ms": round(percentile(everything, 0.5) * 1000, 1), "p99_ms": round(percentile(everything, 0.99) * 1000, 1),
        "operations": operations_report, "children": children, "problems": problems,
    }


def print_report(report):
    print(f"{report['requests']} requests in {report['seconds']} s ({report['requests_per_second']}/s), "
          f"{report['server_errors']} 5xx, p50 {report['p50_ms']} ms, p99 {report['p99_ms']} ms")
    print(f"{'operation':<18} {'requests':>8} {'p50 ms':>8} {'p99 ms':>8}  statuses")
    for name, entry in report["operations"].items():
        statuses = " ".join(f"{status}×{count}" for status, count in sorted(entry["statuses"].items()))
        print(f"{name:<18} {entry['requests']:>8} {entry['p50_ms']:>8} {entry['p99_ms']:>8}  {statuses}")
    print(f"{'child':<22} {'start MiB':>10} {'end MiB':>10}")
    for child in report["children"]:
        print(f"{child['role'] + ' ' + str(child['pid']):<22} {child['start_rss_mib'] or '-':>10} {child['end_rss_mib'] or '-':>10}")


if __name__ == "__main__":
    main()
