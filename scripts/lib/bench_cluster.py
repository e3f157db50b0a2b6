#!/usr/bin/env python3
"""Cost of the cluster rate-limit tier (scripts/bench cluster): the pool of a running private stack is
restarted with COMPANIN_RATE_LIMIT_SCOPE=host, then =cluster, and the `get` scenario runs under wrk
each time. For the cluster scope it counts the lease round trips (rate_limit_leases.round_trips:
leases and give-backs) per 1,000 requests — for an organization far from its limit (slices of
COMPANIN_RATE_LIMIT_MAX_SLICE) and for one whose limit is half of what the run asks for, so the
window runs out halfway and the slices shrink to single requests before it does.

During the host-scope run it also reads what MariaDB does per request — rows written and updated
(handler calls), commits, redo log and data file bytes (SHOW GLOBAL STATUS before and after) — and how many bytes a request-log row
takes on disk (data and indexes of request_log over its rows, after ANALYZE TABLE): the inputs of the
README's capacity model.
"""

import argparse
import json
import os
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_http import WARM_UP_SECONDS, Bench, say, seed_assistants, wrk  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--var", required=True, help="the stack's VAR directory (companin_stack)")
    parser.add_argument("--companin", required=True)
    parser.add_argument("--seconds", type=int, default=20, help="wrk's duration per scenario")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--json", required=True)
    args = parser.parse_args()
    assert urllib.parse.urlsplit(args.base_url).hostname in ("127.0.0.1", "localhost", "::1"), \
        "benchmarks only talk to loopback"
    bench = Bench(args.var, args.companin)

    org, key = bench.organization("Bench cluster, far from its limit")
    paths = [f"/api/v1/assistants/{assistant_id}" for assistant_id in seed_assistants(bench, org, 200)]
    results = []

    def status():
        names = ("Handler_write", "Handler_update", "Com_commit", "Innodb_os_log_written", "Innodb_data_written", "Questions")
        rows = bench.db.query("SHOW GLOBAL STATUS WHERE Variable_name IN (" + ",".join(["%s"] * len(names)) + ")", list(names))
        return {row["Variable_name"]: int(row["Value"]) for row in rows}

    def round_trips(org):
        """Leases and give-backs so far (the measured run's are the difference)."""
        return int(bench.db.scalar(
            "SELECT CAST(COALESCE(SUM(round_trips), 0) AS SIGNED) FROM rate_limit_leases WHERE organization_id = %s", [org]))

    def run(name, scope, key, org, paths, warm_up=True):
        bench.stack.with_env(COMPANIN_RATE_LIMIT_SCOPE=scope, COMPANIN_HOST_ID="bench-host").pool_restart()
        if warm_up:
            wrk(args.base_url, key, paths, WARM_UP_SECONDS, args.connections)
        say(f"{name}: {args.seconds} s at {args.connections} connections")
        before, trips_before = status(), round_trips(org)
        result = wrk(args.base_url, key, paths, args.seconds, args.connections)
        trips = round_trips(org) - trips_before
        time.sleep(2)  # the request log's last batch
        after = status()
        result["mariadb_per_request"] = {name: round((after[name] - before[name]) / max(1, result["requests"]), 3)
                                         for name in before}
        result["scenario"] = name
        if scope == "cluster":
            result["lease_round_trips"] = trips
            result["admitted"] = result["requests"] - result["errors"]
            result["round_trips_per_1000"] = round(1000 * trips / max(1, result["requests"]), 2)
        results.append(result)
        return result

    run("get, scope host", "host", key, org, paths)
    cluster = run("get, scope cluster", "cluster", key, org, paths)
    # Limit: half of what the cluster run served in as long, so the window runs out midway.
    limit = max(100, int(cluster["requests"] / 2))
    tight_org, tight_key = bench.organization("Bench cluster, reaching its limit", limit=limit)
    # No warm-up: it would spend the quota being measured.
    tight_paths = [f"/api/v1/assistants/{assistant_id}" for assistant_id in seed_assistants(bench, tight_org, 200)]
    tight = run(f"get, cluster, limit {limit:,}/h", "cluster", tight_key, tight_org, tight_paths, warm_up=False)
    tight["limit"] = limit
    bench.stack.pool_restart()

    print(f"\n{'scenario':<34} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'admitted':>9} {'lease trips':>11} {'per 1,000':>9}")
    for result in results:
        trips = result.get("lease_round_trips")
        print(f"{result['scenario']:<34} {result['requests_per_second']:>9.0f} {result['p50_ms']:>8.2f} {result['p99_ms']:>8.2f} "
              + (f"{result['admitted']:>9} {trips:>11} {result['round_trips_per_1000']:>9.2f}" if trips is not None else
                 f"{result['requests'] - result['errors']:>9} {'—':>11} {'—':>9}"))
    print("\nlease round trips: leases and give-backs in rate_limit_leases; per 1,000 requests answered (admitted or 429)")
    print("\nMariaDB per request (SHOW GLOBAL STATUS deltas over the run, statements of the benchmark's own reads included):")
    for result in results:
        print(f"  {result['scenario']:<34} " + ", ".join(f"{name} {value}" for name, value in result["mariadb_per_request"].items()))
    bench.db.execute("ANALYZE TABLE request_log")
    size = bench.db.query("""
        SELECT CAST(SUM(TABLE_ROWS) AS SIGNED) AS row_count, CAST(SUM(DATA_LENGTH) AS SIGNED) AS data_bytes,
               CAST(SUM(INDEX_LENGTH) AS SIGNED) AS index_bytes
        FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'request_log'""")[0]
    per_row = (size["data_bytes"] + size["index_bytes"]) / max(1, size["row_count"])
    print(f"request_log: {size['row_count']:,} rows (InnoDB's estimate), {size['data_bytes']:,} bytes of data and "
          f"{size['index_bytes']:,} of indexes: {per_row:.0f} bytes a row, {per_row * 1e6 / 2**20:,.0f} MiB per million requests")
    with open(args.json, "w") as handle:
        json.dump({"seconds_per_scenario": args.seconds, "connections": args.connections, "scenarios": results,
                   "request_log": {**size, "bytes_per_row": round(per_row)}}, handle, indent=1)


if __name__ == "__main__":
    main()
