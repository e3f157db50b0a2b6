#!/usr/bin/env python3
"""Knowledge benchmark driver (run by scripts/bench): ingests 10,000 Q&A chunks through the API,
reports ingestion throughput, then the latency of sequential searches (p50, p99)."""

import argparse
import http.client
import json
import random
import statistics
import sys
import time
import urllib.parse

TOPICS = ["refund", "delivery", "invoice", "warranty", "password", "loyalty points", "store hours", "payment",
          "reembolso", "entrega", "fatura", "garantia", "senha", "pontos de fidelidade", "horário", "pagamento"]
WORDS = ("order customer account card address parcel courier return exchange discount coupon receipt tax "
         "pedido cliente conta cartão morada encomenda estafeta devolução troca desconto cupão recibo imposto").split()


def call(base, key, method, path, body=None):
    url = urllib.parse.urlsplit(base)
    assert url.hostname in ("127.0.0.1", "localhost", "::1")
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
    headers = {"X-API-Key": key}
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    connection.request(method, path, body=payload, headers=headers)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, json.loads(data) if data else None


def pair(rng, index):
    topic = rng.choice(TOPICS)
    words = " ".join(rng.choice(WORDS) for _ in range(25))
    return {"question": f"Question {index} about {topic}: {' '.join(rng.choice(WORDS) for _ in range(6))}?",
            "answer": f"About {topic}, {words}. Reference {index}."}


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--searches", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(7)

    started = time.monotonic()
    for first in range(0, args.chunks, 1000):
        batch = [pair(rng, index) for index in range(first, min(first + 1000, args.chunks))]
        status, body = call(args.base_url, args.key, "POST", "/api/v1/knowledge/qas/", batch)
        if status != 202:
            sys.exit(f"bulk import failed: {status} {body}")
    accepted = time.monotonic() - started
    deadline = time.monotonic() + 1800
    while True:
        _, ready = call(args.base_url, args.key, "GET", "/api/v1/knowledge/qas/?status=ready&limit=1")
        _, failed = call(args.base_url, args.key, "GET", "/api/v1/knowledge/qas/?status=failed&limit=1")
        if ready["count"] + failed["count"] >= args.chunks:
            break
        if time.monotonic() > deadline:
            sys.exit("ingestion did not finish in 30 minutes")
        time.sleep(1)
    ingested = time.monotonic() - started
    print(f"ingestion: {args.chunks} Q&A chunks accepted in {accepted:.1f} s, ready in {ingested:.1f} s "
          f"({args.chunks / ingested:.0f} chunks/s; {failed['count']} failed)")

    latencies = []
    for _ in range(args.searches):
        query = f"{rng.choice(TOPICS)} {rng.choice(WORDS)} {rng.choice(WORDS)}"
        begin = time.monotonic()
        status, body = call(args.base_url, args.key, "POST", "/api/v1/knowledge/search", {"query": query, "top_k": 5})
        latencies.append((time.monotonic() - begin) * 1000)
        if status != 200 or not body["items"]:
            sys.exit(f"search failed: {status} {body}")
    print(f"search at {args.chunks} chunks: p50 {percentile(latencies, 0.5):.1f} ms, p99 {percentile(latencies, 0.99):.1f} ms, "
          f"mean {statistics.mean(latencies):.1f} ms ({args.searches} sequential searches)")


if __name__ == "__main__":
    main()
