#!/usr/bin/env python3
"""HTTP benchmark driver (scripts/bench): seeds a running private stack, then drives each scenario
with wrk at a fixed number of connections and prints one table — scenario, requests/s, p50, p99,
unexpected answers, ratio to `ceiling` — and writes it as JSON.

`ceiling` is a minimal C responder on libfcgi (scripts/lib/bench_ceiling.c) run as the same number
of processes on the pool's own socket, behind the same nginx, answering with the bytes of the
assistant the `get` scenario reads: the upper bound for the pool on this machine, in this run.
"""

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_analytics  # noqa: E402
import bench_knowledge  # noqa: E402
import soak  # noqa: E402
import companin_stack  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
WARM_UP_SECONDS = 2


def say(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)


class Bench:
    """The running stack (companin_stack.Stack on VAR), its database and the companin CLI."""

    def __init__(self, var, companin):
        self.stack = companin_stack.Stack(var)
        # Seeding runs statements that insert a million rows each: minutes, not the default 60 s.
        self.db = self.stack.database(read_timeout=3600, write_timeout=3600)
        self.companin = companin

    def cli(self, *args):
        return subprocess.run([self.companin, *args], check=True, capture_output=True, text=True, timeout=600).stdout.strip()

    def organization(self, name, limit=100_000_000):
        org = self.cli("org", "create", name)
        self.cli("org", "set-limit", org, str(limit))
        return org, self.cli("key", "create", "--org", org, "--name", "bench")


def seed_assistants(stack, org, count):
    """`count` assistants with their first versions, written by SQL in one statement each."""
    stack.db.execute(f"""
        INSERT INTO assistants (id, organization_id, name, description, tone, language, task_templates, metadata,
            is_active, knowledge_mode, live_version, latest_version, revision, created_at, updated_at)
        SELECT UUID(), %s, CONCAT('Bench assistant ', seq), 'Answers questions about orders and deliveries',
               'professional', IF(seq MOD 2, 'en', 'pt-BR'), %s, %s,
               TRUE, 'all', 1, 1, 1, NOW(6) - INTERVAL seq SECOND, NOW(6) - INTERVAL seq SECOND
        FROM seq_1_to_{int(count)}""",
                     [org, '[{"name": "greet", "template": "Hello {{customer_name}}"}]', '{"team": "care"}'])
    stack.db.execute("""
        INSERT INTO assistant_versions (assistant_id, version, organization_id, name, description, tone, language,
            task_templates, metadata, changed_fields, created_at)
        SELECT id, 1, organization_id, name, description, tone, language, task_templates, metadata,
               '["name", "description", "tone", "language", "task_templates", "metadata"]', created_at
        FROM assistants WHERE organization_id = %s""", [org])
    ids = stack.db.column("SELECT id FROM assistants WHERE organization_id = %s ORDER BY RAND(7) LIMIT 2000", [org])
    return ids


def wrk(base_url, key, paths, seconds, connections, method="GET", bodies=None, expect=200):
    with tempfile.TemporaryDirectory() as scratch:
        path_file = os.path.join(scratch, "paths")
        with open(path_file, "w") as handle:
            handle.write("\n".join(paths) + "\n")
        body_file = ""
        if bodies:
            body_file = os.path.join(scratch, "bodies")
            with open(body_file, "w") as handle:
                handle.write("\n".join(json.dumps(body) for body in bodies) + "\n")
        environment = dict(os.environ, BENCH_KEY=key, BENCH_METHOD=method, BENCH_PATHS=path_file, BENCH_BODIES=body_file,
                           BENCH_EXPECT=str(expect))
        output = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
                                 "-s", os.path.join(HERE, "bench.lua"), base_url],
                                env=environment, capture_output=True, text=True, timeout=seconds + 120)
    match = re.search(r"^BENCH (\{.*\})$", output.stdout, re.MULTILINE)
    if not match:
        raise SystemExit(f"bench: wrk printed no result:\n{output.stdout}\n{output.stderr}")
    result = json.loads(match.group(1))
    duration = result["duration_us"] / 1e6
    return {"requests": result["requests"], "requests_per_second": round(result["requests"] / duration, 1),
            "p50_ms": round(result["p50_us"] / 1000, 2), "p99_ms": round(result["p99_us"] / 1000, 2),
            "errors": result["unexpected"] + result["socket_errors"],
            "error_example": result["unexpected_example"] or None}


def responder_memory(master):
    """Resident and proportional memory (MiB: RSS, PSS) of each responder of the pool."""
    return {pid: (child["rss_kib"] / 1024, child["pss_kib"] / 1024)
            for pid, child in soak.memory(master).items() if child["role"] == "responder"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--var", required=True, help="the stack's VAR directory (companin_stack)")
    parser.add_argument("--companin", required=True)
    parser.add_argument("--ceiling", required=True, help="the compiled bench_ceiling.c")
    parser.add_argument("--responders", type=int, required=True)
    parser.add_argument("--seconds", type=int, default=20, help="wrk's duration per scenario")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--big-organization", type=int, default=100_000)
    parser.add_argument("--log-rows", type=int, default=10_000_000)
    parser.add_argument("--memory-requests", type=int, default=1_000_000)
    parser.add_argument("--json", required=True)
    args = parser.parse_args()
    url = urllib.parse.urlsplit(args.base_url)
    assert url.hostname in ("127.0.0.1", "localhost", "::1"), "benchmarks only talk to loopback"
    stack = Bench(args.var, args.companin)
    began = time.monotonic()

    say("seeding: assistants")
    small_org, small_key = stack.organization("Bench 1,000 assistants")
    small_ids = seed_assistants(stack, small_org, 1_000)
    big_org, big_key = stack.organization("Bench 100,000 assistants")
    big_ids = seed_assistants(stack, big_org, args.big_organization)
    _, write_key = stack.organization("Bench writes")
    throttled_org, throttled_key = stack.organization("Bench throttled", limit=1)

    say(f"seeding: {args.chunks:,} knowledge chunks through the API")
    knowledge_org, knowledge_key = stack.organization("Bench knowledge")
    rng = random.Random(7)
    for first in range(0, args.chunks, 1000):
        batch = [bench_knowledge.pair(rng, index) for index in range(first, min(first + 1000, args.chunks))]
        status, body = bench_knowledge.call(args.base_url, knowledge_key, "POST", "/api/v1/knowledge/qas/", batch)
        if status != 202:
            raise SystemExit(f"bench: bulk import failed: {status} {body}")
    deadline = time.monotonic() + 1800
    while bench_knowledge.call(args.base_url, knowledge_key, "GET", "/api/v1/knowledge/qas/?status=pending&limit=1")[1]["count"] \
            + bench_knowledge.call(args.base_url, knowledge_key, "GET", "/api/v1/knowledge/qas/?status=processing&limit=1")[1]["count"]:
        if time.monotonic() > deadline:
            raise SystemExit("bench: ingestion did not finish in 30 minutes")
        time.sleep(1)
    chunks = int(stack.db.scalar("SELECT COUNT(*) FROM knowledge_chunks WHERE organization_id = %s", [knowledge_org]))
    status, assistant = bench_knowledge.call(args.base_url, knowledge_key, "POST", "/api/v1/assistants/",
                                             {"name": "Bench support", "language": "en"})
    status, session = bench_knowledge.call(args.base_url, knowledge_key, "POST", "/api/v1/sessions/",
                                           {"assistant_id": assistant["id"], "ttl_seconds": 86_400, "sliding": True})
    status, conversation = bench_knowledge.call(args.base_url, knowledge_key, "POST", "/api/v1/conversations/",
                                                {"assistant_id": assistant["id"], "session_id": session["id"]})
    if status != 201:
        raise SystemExit(f"bench: could not open a conversation: {status} {conversation}")

    say(f"seeding: {args.log_rows:,} request-log rows")
    analytics_org, analytics_key = stack.organization("Bench analytics")
    key_ids = []
    for name in ("web", "app", "whatsapp", "phone", "partner"):
        stack.cli("key", "create", "--org", analytics_org, "--name", name)
    for line in stack.cli("key", "list", "--org", analytics_org).splitlines():
        fields = line.split("\t")
        if len(fields) > 5 and fields[5] != "bench":
            key_ids.append(fields[0])
    log_rows = bench_analytics.load(stack.db, analytics_org, key_ids, args.log_rows)
    seeded = time.monotonic() - began
    say(f"seeded in {seeded:.0f} s")

    # The body the ceiling answers with: the assistant `get` reads, as the API serves it.
    get_paths = [f"/api/v1/assistants/{assistant_id}" for assistant_id in small_ids]
    big_paths = [f"/api/v1/assistants/{assistant_id}" for assistant_id in big_ids]
    body = subprocess.run(["curl", "-s", "-H", f"X-API-Key: {small_key}", args.base_url.rstrip("/") + get_paths[0]],
                          capture_output=True, check=True).stdout
    body_file = os.path.join(args.var, "ceiling-body.json")
    with open(body_file, "wb") as handle:
        handle.write(body)

    results = []

    def scenario(name, key, paths, **options):
        say(f"{name}: {args.seconds} s at {args.connections} connections (after {WARM_UP_SECONDS} s not measured)")
        # Unmeasured first: caches, buffer pool pages and prepared statements as in steady use.
        wrk(args.base_url, key, paths, WARM_UP_SECONDS, args.connections, **options)
        result = wrk(args.base_url, key, paths, args.seconds, args.connections, **options)
        result["scenario"] = name
        results.append(result)
        return result

    # ceiling: the pool's socket served by the C responder instead, as many processes, same nginx.
    stack.stack.pool_stop()
    socket_path = os.path.join(args.var, "run", "companin.sock")
    pid_file = os.path.join(args.var, "run", "ceiling.pids")
    subprocess.run(["spawn-fcgi", "-s", socket_path, "-M", "0660", "-F", str(args.responders), "-P", pid_file,
                    "--", args.ceiling, body_file], check=True, capture_output=True)
    try:
        scenario("ceiling", small_key, get_paths)
    finally:
        with open(pid_file) as handle:
            for pid in handle.read().split():
                try:
                    os.kill(int(pid), 15)
                except ProcessLookupError:
                    pass
        time.sleep(0.5)
        os.unlink(socket_path)
        stack.stack.pool_start()
    time.sleep(1)
    with open(os.path.join(args.var, "run", "companin.pid")) as handle:
        master = int(handle.read())
    wrk(args.base_url, small_key, get_paths, 2, args.connections)  # warm every responder

    scenario("get", small_key, get_paths)
    scenario("get (100,000 assistants)", big_key, big_paths)
    scenario("list", small_key, ["/api/v1/assistants/?limit=20"])
    scenario("list (100,000 assistants)", big_key, ["/api/v1/assistants/?limit=20"])
    scenario("create", write_key, ["/api/v1/assistants/"], method="POST", expect=201,
             bodies=[{"name": f"Bench {index}", "description": "Created by the benchmark", "tone": "friendly"}
                     for index in range(100)])
    bench_knowledge.call(args.base_url, throttled_key, "GET", "/api/v1/assistants/")  # spends the hour's one request
    scenario("throttled", throttled_key, ["/api/v1/assistants/"], expect=429)
    queries = [f"{rng.choice(bench_knowledge.TOPICS)} {rng.choice(bench_knowledge.WORDS)} {rng.choice(bench_knowledge.WORDS)}"
               for _ in range(100)]
    scenario("search", knowledge_key, ["/api/v1/knowledge/search"], method="POST",
             bodies=[{"query": query, "top_k": 5} for query in queries])
    scenario("message", knowledge_key, [f"/api/v1/conversations/{conversation['id']}/messages"], method="POST", expect=201,
             bodies=[{"role": "user", "content": query} for query in queries])
    # The last 30 days until now (no `to`), as a dashboard asks for them, starting at two minutes
    # of the hour: what is read at the range's start depends on where in its hour it falls.
    for minute in (5, 35):
        start = (datetime.now(timezone.utc) - timedelta(days=30)).replace(minute=minute, second=17, microsecond=0)
        month = f"from={start.strftime('%Y-%m-%dT%H:%M:%SZ')}"
        scenario(f"analytics usage (from :{minute:02d})", analytics_key, [f"/analytics/usage/?granularity=day&{month}"])
        scenario(f"analytics endpoints (from :{minute:02d})", analytics_key, [f"/analytics/endpoints/?{month}"])

    # Memory: the same responders (no recycling) before and after many requests.
    say(f"memory: {args.memory_requests:,} requests")
    before = responder_memory(master)
    served = 0
    while served < args.memory_requests:
        served += wrk(args.base_url, small_key, get_paths, 10, args.connections)["requests"]
    after = responder_memory(master)
    memory = {"requests": served, "responders": [
        {"pid": pid, "start_mib": round(before[pid][0], 1), "end_mib": round(after.get(pid, (0, 0))[0], 1),
         "start_pss_mib": round(before[pid][1], 1), "end_pss_mib": round(after.get(pid, (0, 0))[1], 1)} for pid in sorted(before)]}

    ceiling = results[0]["requests_per_second"]
    for result in results:
        result["ratio"] = round(result["requests_per_second"] / ceiling, 3)
    print(f"\n{'scenario':<26} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'ratio':>6}")
    for result in results:
        example = f"  (e.g. {result['error_example']})" if result["error_example"] else ""
        print(f"{result['scenario']:<26} {result['requests_per_second']:>9.0f} {result['p50_ms']:>8.2f} {result['p99_ms']:>8.2f} "
              f"{result['errors']:>7} {result['ratio']:>6.2f}{example}")
    print(f"\nembedding model: {os.environ.get('COMPANIN_ENRICHER', 'e5')}")
    print(f"responder memory over {served:,} requests, RSS (MiB): "
          + ", ".join(f"{r['start_mib']} → {r['end_mib']}" for r in memory["responders"]))
    print(f"responder memory over {served:,} requests, PSS (MiB; shared pages divided among the processes mapping them): "
          + ", ".join(f"{r['start_pss_mib']} → {r['end_pss_mib']}" for r in memory["responders"]))
    with open(args.json, "w") as handle:
        json.dump({"seconds_per_scenario": args.seconds, "connections": args.connections, "responders": args.responders,
                   "chunks": chunks, "enricher": os.environ.get("COMPANIN_ENRICHER", "e5"), "log_rows": log_rows, "seeded_seconds": round(seeded), "scenarios": results,
                   "memory": memory, "run_id": str(uuid.uuid4())}, handle, indent=1)


if __name__ == "__main__":
    main()
