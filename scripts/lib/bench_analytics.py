#!/usr/bin/env python3
"""Analytics benchmark driver (run by scripts/bench): loads ROWS request-log rows (10 million by
default) for one organization over the last 30 days straight into MariaDB — multi-row
INSERT … SELECT from the sequence engine, then the hourly rollups from them — and measures the
latency of sequential calls to each /analytics endpoint."""

import argparse
import http.client
import json
import os
import statistics
import sys
import time
import urllib.parse
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from companin_stack import Stack  # noqa: E402

ROUTES = ["/api/v1/assistants/", "/api/v1/assistants/:assistant_id", "/api/v1/sessions/", "/api/v1/sessions/:session_id",
          "/api/v1/conversations/", "/api/v1/conversations/:conversation_id/messages", "/api/v1/knowledge/search",
          "/api/v1/knowledge/files/", "/api/v1/contexts/", "/api/v1/visitors/:visitor_id"]
METHODS = ["GET", "GET", "POST", "GET", "PATCH"]
BOUNDS = [500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000]
CHUNK = 1_000_000
SPAN_SECONDS = 30 * 86_400


def _list(values):
    """Placeholders for VALUES, one bound parameter each."""
    return ", ".join(["%s"] * len(values))


def load(db, organization, keys, rows):
    """Loads ROWS request-log rows of ORGANIZATION, spread over KEYS, and their rollups; DB is the
    stack's Database (companin_stack)."""
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(seconds=SPAN_SECONDS)
    step_us = SPAN_SECONDS * 1_000_000 // rows
    began = time.monotonic()
    for first in range(0, rows, CHUNK):
        last = min(rows, first + CHUNK)
        db.execute(f"""
            INSERT INTO request_log (occurred_at, organization_id, api_key_id, request_id, method, route, path, status,
                duration_us, request_bytes, response_bytes, client_address, user_agent, throttled)
            SELECT %s + INTERVAL (seq * %s) MICROSECOND, %s,
                   ELT(1 + seq MOD {len(keys)}, {_list(keys)}), LPAD(HEX(seq), 32, '0'),
                   ELT(1 + seq MOD {len(METHODS)}, {_list(METHODS)}), ELT(1 + (seq DIV 7) MOD {len(ROUTES)}, {_list(ROUTES)}),
                   CONCAT('/bench/', seq MOD 1000),
                   CASE WHEN seq MOD 100 = 0 THEN 429 WHEN seq MOD 97 = 0 THEN 500 WHEN seq MOD 13 = 0 THEN 404 ELSE 200 END,
                   200 + (seq * 7919) MOD 40000 + IF(seq MOD 211 = 0, 900000, 0), (seq * 31) MOD 2000, 100 + (seq * 17) MOD 8000,
                   '127.0.0.1', 'bench/1', seq MOD 100 = 0
            FROM seq_{first}_to_{last - 1}""",
                   [start.strftime("%Y-%m-%d %H:%M:%S"), step_us, organization, *keys, *METHODS, *ROUTES])
        print(f"bench analytics: {last:,} rows loaded ({time.monotonic() - began:.0f} s)", file=sys.stderr, flush=True)
    buckets, lower = [], 0
    for bound in BOUNDS:
        buckets.append(f"SUM(duration_us > {lower} AND duration_us <= {bound})")
        lower = bound
    buckets.append(f"SUM(duration_us > {lower})")
    columns = ", ".join([f"latency_le_{b}us" for b in BOUNDS] + ["latency_over_10000000us"])
    sums = ", ".join(f"SUM({column})" for column in ["requests", "errors_4xx", "errors_5xx", "throttled", "duration_us_sum",
                                                     "request_bytes", "response_bytes"] + columns.split(", "))
    # Five minutes from the rows, hours from the five minutes, days from the hours.
    db.execute(f"""
        INSERT INTO request_log_5min (organization_id, minute, api_key_id, route, method, requests, errors_4xx, errors_5xx,
            throttled, duration_us_sum, request_bytes, response_bytes, {columns})
        SELECT organization_id,
               CAST(DATE_FORMAT(occurred_at, '%%Y-%%m-%%d %%H:00:00') AS DATETIME) + INTERVAL (MINUTE(occurred_at) DIV 5 * 5) MINUTE
                   AS five, api_key_id, route, method,
               COUNT(*), SUM(status BETWEEN 400 AND 499), SUM(status >= 500), SUM(throttled), SUM(duration_us),
               SUM(request_bytes), SUM(response_bytes), {", ".join(buckets)}
        FROM request_log WHERE organization_id = %s
        GROUP BY organization_id, five, api_key_id, route, method""", [organization])
    db.execute(f"""
        INSERT INTO request_log_hourly (organization_id, hour, api_key_id, route, method, requests, errors_4xx, errors_5xx,
            throttled, duration_us_sum, request_bytes, response_bytes, {columns})
        SELECT organization_id, CAST(DATE_FORMAT(minute, '%%Y-%%m-%%d %%H:00:00') AS DATETIME) AS hour, api_key_id, route, method, {sums}
        FROM request_log_5min WHERE organization_id = %s GROUP BY organization_id, hour, api_key_id, route, method""", [organization])
    db.execute(f"""
        INSERT INTO request_log_daily (organization_id, day, api_key_id, route, method, requests, errors_4xx, errors_5xx,
            throttled, duration_us_sum, request_bytes, response_bytes, {columns})
        SELECT organization_id, DATE(hour), api_key_id, route, method, {sums}
        FROM request_log_hourly WHERE organization_id = %s GROUP BY organization_id, DATE(hour), api_key_id, route, method
        """, [organization])
    db.query("ANALYZE TABLE request_log, request_log_5min, request_log_hourly, request_log_daily")
    total = db.scalar("SELECT COUNT(*) FROM request_log")
    rollups = db.scalar("SELECT COUNT(*) FROM request_log_hourly")
    print(f"bench analytics: request_log holds {total:,} rows, request_log_hourly {rollups:,} "
          f"({time.monotonic() - began:.0f} s to load)", file=sys.stderr, flush=True)
    return int(total)


def call(base, key, path):
    url = urllib.parse.urlsplit(base)
    assert url.hostname in ("127.0.0.1", "localhost", "::1")
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
    began = time.perf_counter()
    connection.request("GET", path, headers={"X-API-Key": key})
    response = connection.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - began) * 1000
    connection.close()
    if response.status != 200:
        raise SystemExit(f"bench analytics: {path}: HTTP {response.status}: {body[:300]!r}")
    return elapsed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--org", required=True)
    parser.add_argument("--keys", required=True, help="comma-separated API key ids the rows are spread over")
    parser.add_argument("--var", required=True, help="the stack's VAR directory (companin_stack)")
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args()

    rows = load(Stack(args.var).database(read_timeout=3600, write_timeout=3600), args.org, args.keys.split(","), args.rows)
    now = datetime.now(timezone.utc)

    def stamp(moment):
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    week = f"from={stamp(now - timedelta(days=7, minutes=17))}&to={stamp(now - timedelta(minutes=3))}"
    month = f"from={stamp(now - timedelta(days=30, minutes=17))}&to={stamp(now)}"
    key = args.keys.split(",")[0]
    scenarios = [
        ("usage, hourly, 7 days", f"/analytics/usage/?granularity=hour&{week}"),
        ("usage, daily, 30 days", f"/analytics/usage/?granularity=day&{month}"),
        ("usage, 1 key, 30 days", f"/analytics/usage/?granularity=day&api_key_id={key}&{month}"),
        ("endpoints, 30 days", f"/analytics/endpoints/?{month}"),
        ("rate-limits, 7 days", f"/analytics/rate-limits/?{week}"),
        ("logs, newest 100, 30 days", f"/analytics/logs/?{month}"),
        ("logs, status=500, 7 days", f"/analytics/logs/?status=500&{week}"),
    ]
    results = []
    print(f"\nAnalytics at {rows:,} request-log rows ({args.requests} sequential requests each)")
    print(f"{'scenario':<28} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, path in scenarios:
        call(args.base_url, args.key, path)  # warm
        samples = sorted(call(args.base_url, args.key, path) for _ in range(args.requests))
        p50 = statistics.median(samples)
        p99 = samples[min(len(samples) - 1, int(round(0.99 * (len(samples) - 1))))]
        results.append({"scenario": name, "path": path.split("?")[0], "p50_ms": round(p50, 1), "p99_ms": round(p99, 1),
                        "max_ms": round(samples[-1], 1)})
        print(f"{name:<28} {p50:>8.1f} {p99:>8.1f} {samples[-1]:>8.1f}", flush=True)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"rows": rows, "requests": args.requests, "scenarios": results}, handle, indent=1)


if __name__ == "__main__":
    main()
