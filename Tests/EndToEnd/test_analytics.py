"""Analytics through nginx against MariaDB: the request log (route templates, statuses, keys) and
usage as the responders wrote them, throttling across responders, operator access to other
organizations, rollups that agree with the rows, exact figures over any window, and pruning of
monthly partitions. Per-endpoint behaviour (filters, endpoint mix, satisfaction, keys and knowledge
figures) is tested in process: Tests/CompaninTests/AnalyticsAPITests.swift."""

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from conftest import cli, db, new_org_key, request, wait_for


def iso(moment):
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def key_id(org):
    """The id of the organization's only key so far (from `key list`)."""
    return cli("key", "list", "--org", org).split("\t")[0]


def add_key(org, *flags):
    secret = cli("key", "create", "--org", org, "--name", "analytics", *flags)
    ids = [line.split("\t")[0] for line in cli("key", "list", "--org", org).splitlines()]
    return secret, ids[-1]


def logged(api_key_id, count):
    wait_for(lambda: db.scalar("SELECT COUNT(*) FROM request_log WHERE api_key_id = %s", [api_key_id]) == count,
             timeout=15, interval=0.1, message=f"{count} request log rows for key {api_key_id}")


@pytest.fixture(scope="module")
def workload():
    """Organization A: key a1 makes 5 requests, a2 makes 2; B: b1 makes 1. Query keys are separate."""
    started = datetime.now(timezone.utc) - timedelta(seconds=1)
    org_a, a1 = new_org_key("Analytics A")
    a1_id = key_id(org_a)
    a2, a2_id = add_key(org_a)
    aq, aq_id = add_key(org_a)
    org_b, b1 = new_org_key("Analytics B")
    b1_id = key_id(org_b)
    bq, _ = add_key(org_b)
    for _ in range(3):
        assert request("GET", "/api/v1/assistants/", key=a1, headers={"User-Agent": "analytics-test/1"}).status == 200
    assert request("GET", f"/api/v1/assistants/{uuid.uuid4()}", key=a1).status == 404
    assert request("POST", "/api/v1/assistants/", key=a1, body={}).status == 422
    for name in ("One", "Two"):
        assert request("POST", "/api/v1/assistants/", key=a2, body={"name": name}).status == 201
    assert request("GET", "/api/v1/sessions/", key=b1).status == 200
    logged(a1_id, 5)
    logged(a2_id, 2)
    logged(b1_id, 1)
    finished = datetime.now(timezone.utc) + timedelta(seconds=1)
    return {"org_a": org_a, "org_b": org_b, "a1": a1_id, "a2": a2_id, "aq": aq, "aq_id": aq_id, "b1": b1_id, "bq": bq,
            "from": iso(started), "to": iso(finished)}


def get(key, path, **query):
    reply = request("GET", path + "?" + "&".join(f"{k}={v}" for k, v in query.items()), key=key)
    return reply


def test_log_rows_carry_route_templates_statuses_and_keys(workload):
    w = workload
    reply = get(w["aq"], "/analytics/logs/", api_key_id=w["a1"], **{"from": w["from"], "to": w["to"]})
    assert reply.status == 200, reply
    page = reply.json()
    assert page["count"] == 5
    items = page["items"]
    times = [item["occurred_at"] for item in items]
    assert times == sorted(times, reverse=True)
    assert sorted((i["method"], i["route"], i["status"]) for i in items) == sorted([
        ("GET", "/api/v1/assistants/", 200)] * 3 + [("GET", "/api/v1/assistants/:assistant_id", 404),
                                                   ("POST", "/api/v1/assistants/", 422)])
    first = next(i for i in items if i["status"] == 404)
    assert first["path"].startswith("/api/v1/assistants/") and first["organization_id"] == w["org_a"]
    assert first["api_key_id"] == w["a1"] and len(first["request_id"]) >= 16 and first["throttled"] is False
    assert first["duration_us"] > 0 and first["client_address"] == "127.0.0.1"
    assert {i["user_agent"] for i in items if i["status"] == 200} == {"analytics-test/1"}
    assert next(i for i in items if i["status"] == 422)["request_bytes"] == 2

    # Filters: status, method, route, duration, key, time.
    assert get(w["aq"], "/analytics/logs/", api_key_id=w["a1"], status=404).json()["count"] == 1
    assert get(w["aq"], "/analytics/logs/", api_key_id=w["a1"], method="post").json()["count"] == 1
    assert get(w["aq"], "/analytics/logs/", route="/api/v1/assistants/:assistant_id", api_key_id=w["a1"]).json()["count"] == 1
    assert get(w["aq"], "/analytics/logs/", api_key_id=w["a2"], min_duration_ms=0).json()["count"] == 2
    assert get(w["aq"], "/analytics/logs/", api_key_id=w["a2"], min_duration_ms=60000).json()["count"] == 0
    assert get(w["aq"], "/analytics/logs/", api_key_id=w["a1"], to=w["from"]).json()["count"] == 0
    assert get(w["aq"], "/analytics/logs/", api_key_id=w["a1"], limit=2).json()["items"] == items[:2]
    # Another organization's rows are not there, with or without its key id.
    assert get(w["aq"], "/analytics/logs/", api_key_id=w["b1"]).json()["count"] == 0
    theirs = get(w["bq"], "/analytics/logs/", api_key_id=w["b1"]).json()
    assert theirs["count"] == 1 and theirs["items"][0]["route"] == "/api/v1/sessions/"
    bad = get(w["aq"], "/analytics/logs/", status="teapot", min_duration_ms=-1, api_key_id="x", **{"from": "yesterday"})
    assert bad.status == 422
    assert {tuple(e["loc"]) for e in bad.json()["detail"]} == {
        ("query", "from"), ("query", "api_key_id"), ("query", "status"), ("query", "min_duration_ms")}


def test_usage_counts_the_requests_made(workload):
    w = workload
    for granularity in ("hour", "day"):
        reply = get(w["aq"], "/analytics/usage/", api_key_id=w["a1"], granularity=granularity, **{"from": w["from"], "to": w["to"]})
        assert reply.status == 200, reply
        usage = reply.json()
        totals = usage["totals"]
        assert (totals["requests"], totals["errors_4xx"], totals["errors_5xx"], totals["throttled"]) == (5, 2, 0, 0)
        assert 0 < totals["p50_ms"] <= totals["p95_ms"]
        assert sum(b["requests"] for b in usage["buckets"]) == 5 and usage["granularity"] == granularity
        assert all(set(b) == {"start", "requests", "errors_4xx", "errors_5xx", "throttled", "p50_ms", "p95_ms"} for b in usage["buckets"])
    both = get(w["aq"], "/analytics/usage/", **{"from": w["from"], "to": w["to"]}).json()["totals"]
    assert both["requests"] >= 7  # a1 and a2, plus this test's own analytics calls with aq
    # A whole-hour range is read from the rollups; the same requests are counted.
    start = datetime.fromisoformat(w["from"].replace("Z", "+00:00")).replace(minute=0, second=0, microsecond=0)
    hours = get(w["aq"], "/analytics/usage/", api_key_id=w["a2"], **{"from": iso(start), "to": iso(start + timedelta(hours=2))}).json()
    assert hours["totals"]["requests"] == 2 and len(hours["buckets"]) == 2
    assert db.scalar("SELECT SUM(requests) FROM request_log_hourly WHERE api_key_id = %s", [w["a2"]]) == 2
    too_long = get(w["aq"], "/analytics/usage/", granularity="hour", **{"from": "2025-01-01T00:00:00Z", "to": "2025-12-01T00:00:00Z"})
    assert too_long.status == 422
    assert get(w["aq"], "/analytics/usage/", granularity="minute").status == 422


def test_throttling_shows_in_rate_limits_after_a_burst():
    org, key = new_org_key("Throttled", limit=3)
    burst_key = key_id(org)
    operator_org, _ = new_org_key("Operators")
    operator, _ = add_key(operator_org, "--operator")
    statuses = [request("GET", "/api/v1/assistants/", key=key).status for _ in range(6)]
    assert statuses == [200, 200, 200, 429, 429, 429]
    logged(burst_key, 6)
    reply = get(operator, "/analytics/rate-limits/", organization_id=org)
    assert reply.status == 200, reply
    limits = reply.json()
    assert limits["throttled"] == 3 and sum(b["throttled"] for b in limits["buckets"]) == 3
    assert limits["keys"] == [{"api_key_id": burst_key, "requests": 6, "throttled": 3}]
    assert limits["live"]["limit"] == 3 and limits["live"]["remaining"] == 0 and limits["live"]["reset_seconds"] > 0
    rows = get(operator, "/analytics/logs/", organization_id=org, status=429).json()
    assert rows["count"] == 3 and all(r["throttled"] for r in rows["items"])
    usage = get(operator, "/analytics/usage/", organization_id=org).json()["totals"]
    assert (usage["requests"], usage["throttled"], usage["errors_4xx"]) == (6, 3, 3)


def test_operator_keys_may_read_other_organizations(workload):
    w = workload
    ordinary = get(w["aq"], "/analytics/usage/", organization_id=w["org_b"])
    assert ordinary.status == 403
    operator_org, _ = new_org_key("Operators 2")
    operator, _ = add_key(operator_org, "--operator")
    other = get(operator, "/analytics/logs/", organization_id=w["org_a"], api_key_id=w["a1"]).json()
    assert other["count"] == 5
    everyone = get(operator, "/analytics/logs/", organization_id="all", limit=1000, **{"from": w["from"], "to": w["to"]}).json()
    organizations = {row["organization_id"] for row in everyone["items"]}
    assert {w["org_a"], w["org_b"]} <= organizations
    endpoints = get(operator, "/analytics/endpoints/", organization_id="all", **{"from": w["from"], "to": w["to"]}).json()["items"]
    assert sum(e["requests"] for e in endpoints if e["route"] == "/api/v1/sessions/") >= 1
    assert get(operator, "/analytics/rate-limits/", organization_id="all").json()["live"] is None
    assert get(operator, "/analytics/usage/", organization_id="nobody").status == 422
    # Without organization_id an operator key sees its own organization, like any key.
    assert get(operator, "/analytics/logs/", api_key_id=w["a1"]).json()["count"] == 0


def test_monthly_partitions_are_pruned_whole():
    partitions = cli("logs", "partitions").splitlines()
    names = [line.split("\t")[0] for line in partitions]
    now = datetime.now(timezone.utc)
    assert f"p{now.year:04d}{now.month:02d}" in names and names[-1] == "pfuture"
    org, key = new_org_key()
    old = (now - timedelta(days=400)).replace(microsecond=0)
    db.execute("""INSERT INTO request_log (occurred_at, organization_id, request_id, method, route, path, status, duration_us,
                  request_bytes, response_bytes, throttled) VALUES (%s, %s, 'old', 'GET', '', '/old', 200, 1, 0, 0, 0)""",
               [old, org])
    db.execute("""INSERT INTO request_log_5min (organization_id, minute, api_key_id, route, method, requests, errors_4xx, errors_5xx,
                  throttled, duration_us_sum, request_bytes, response_bytes) VALUES (%s, %s, %s, '', 'GET', 1, 0, 0, 0, 1, 0, 0)""",
               [org, old.replace(minute=old.minute // 5 * 5, second=0), key_id(org)])
    assert request("GET", "/api/v1/assistants/", key=key).status == 200
    logged(key_id(org), 1)
    assert "no partition" in cli("logs", "prune", "--older-than", "800d")
    assert cli("logs", "prune", "--older-than", "0d").startswith("dropped p")
    assert db.scalar("SELECT COUNT(*) FROM request_log WHERE request_id = 'old'") == 0
    assert db.scalar("SELECT COUNT(*) FROM request_log_5min WHERE organization_id = %s AND minute < %s", [org, now - timedelta(days=40)]) == 0
    assert db.scalar("SELECT SUM(requests) FROM request_log_5min WHERE organization_id = %s", [org]) == 1
    assert db.scalar("SELECT COUNT(*) FROM request_log WHERE organization_id = %s AND request_id <> 'old'", [org]) == 1
    names = [line.split("\t")[0] for line in cli("logs", "partitions").splitlines()]
    assert f"p{now.year:04d}{now.month:02d}" in names


ROLLUP_COUNTERS = ("requests", "errors_4xx", "errors_5xx", "throttled", "duration_us_sum", "request_bytes", "response_bytes",
                   "latency_le_500us", "latency_le_1000us", "latency_le_2500us", "latency_le_5000us", "latency_le_10000us",
                   "latency_le_25000us", "latency_le_50000us", "latency_le_100000us", "latency_le_250000us",
                   "latency_le_500000us", "latency_le_1000000us", "latency_le_2500000us", "latency_le_5000000us",
                   "latency_le_10000000us", "latency_over_10000000us")


def test_the_request_logs_rollups_agree_with_its_rows(workload):
    """What the responders wrote: every five minutes', hour's and day's rollups sum to the rows logged."""
    for org in (workload["org_a"], workload["org_b"]):
        raw = db.query("""SELECT COUNT(*) AS requests, SUM(status >= 400 AND status < 500) AS errors_4xx,
                                 SUM(duration_us) AS duration_us FROM request_log WHERE organization_id = %s""", [org])
        for table in ("request_log_5min", "request_log_hourly", "request_log_daily"):
            assert db.query(f"""SELECT SUM(requests) AS requests, SUM(errors_4xx) AS errors_4xx, SUM(duration_us_sum) AS duration_us
                                FROM {table} WHERE organization_id = %s""", [org]) == raw, table
    by_hour = db.query(f"""SELECT DATE(hour) AS day, api_key_id, route, method, {", ".join(f"SUM({c}) AS {c}" for c in ROLLUP_COUNTERS)}
                           FROM request_log_hourly WHERE organization_id = %s GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4""",
                       [workload["org_a"]])
    by_five = db.query(f"""SELECT DATE(minute) AS day, api_key_id, route, method, {", ".join(f"SUM({c}) AS {c}" for c in ROLLUP_COUNTERS)}
                           FROM request_log_5min WHERE organization_id = %s GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4""",
                       [workload["org_a"]])
    by_day = db.query(f"""SELECT day, api_key_id, route, method, {", ".join(ROLLUP_COUNTERS)}
                          FROM request_log_daily WHERE organization_id = %s ORDER BY 1, 2, 3, 4""", [workload["org_a"]])
    assert by_five == by_hour == by_day and by_day


def test_figures_are_exact_for_any_window_across_hours_and_days():
    """Three days of rows with their rollups (as the responders and the migration build them):
    windows that start and end inside hours, on hour and day boundaries, and span days read
    whole days, whole hours and raw rows — and must give exactly what the rows say."""
    org, key = new_org_key()
    _, first_key = add_key(org)
    _, second_key = add_key(org)
    start = (datetime.now(timezone.utc) - timedelta(days=6)).replace(hour=0, minute=0, second=0, microsecond=0)
    routes = ["/api/v1/assistants/", "/api/v1/assistants/:id", "/api/v1/knowledge/search"]
    db.execute("""INSERT INTO request_log (occurred_at, organization_id, api_key_id, request_id, method, route, path, status,
                duration_us, request_bytes, response_bytes, throttled)
            SELECT %s + INTERVAL (seq * 257 + seq MOD 60) SECOND, %s,
                   IF(seq MOD 3 = 0, %s, %s), CONCAT('exact-', seq), ELT(1 + seq MOD 2, 'GET', 'POST'),
                   ELT(1 + seq MOD 3, %s, %s, %s), '/exact',
                   CASE WHEN seq MOD 11 = 0 THEN 429 WHEN seq MOD 17 = 0 THEN 503 WHEN seq MOD 5 = 0 THEN 404 ELSE 200 END,
                   100 + (seq * 7919) MOD 60000, seq MOD 700, 50 + seq MOD 900, seq MOD 11 = 0
            FROM seq_0_to_1199""", [start, org, second_key, first_key, *routes])
    buckets, lower = [], 0
    for column in ROLLUP_COUNTERS[7:]:
        upper = column.removeprefix("latency_le_").removesuffix("us")
        if upper.isdigit():
            buckets.append(f"SUM(duration_us > {lower} AND duration_us <= {upper})")
            lower = upper
        else:
            buckets.append(f"SUM(duration_us > {lower})")
    db.execute(f"""INSERT INTO request_log_5min (organization_id, minute, api_key_id, route, method, {", ".join(ROLLUP_COUNTERS)})
            SELECT organization_id, CAST(DATE_FORMAT(occurred_at, '%%Y-%%m-%%d %%H:00:00') AS DATETIME)
                       + INTERVAL (MINUTE(occurred_at) DIV 5 * 5) MINUTE, api_key_id, route, method,
                   COUNT(*), SUM(status BETWEEN 400 AND 499), SUM(status >= 500), SUM(throttled), SUM(duration_us),
                   SUM(request_bytes), SUM(response_bytes), {", ".join(buckets)}
            FROM request_log WHERE organization_id = %s GROUP BY 1, 2, 3, 4, 5""", [org])
    db.execute(f"""INSERT INTO request_log_hourly (organization_id, hour, api_key_id, route, method, {", ".join(ROLLUP_COUNTERS)})
            SELECT organization_id, CAST(DATE_FORMAT(minute, '%%Y-%%m-%%d %%H:00:00') AS DATETIME), api_key_id, route, method,
                   {", ".join(f"SUM({c})" for c in ROLLUP_COUNTERS)}
            FROM request_log_5min WHERE organization_id = %s GROUP BY 1, 2, 3, 4, 5""", [org])
    db.execute(f"""INSERT INTO request_log_daily (organization_id, day, api_key_id, route, method, {", ".join(ROLLUP_COUNTERS)})
            SELECT organization_id, DATE(hour), api_key_id, route, method, {", ".join(f"SUM({c})" for c in ROLLUP_COUNTERS)}
            FROM request_log_hourly WHERE organization_id = %s GROUP BY 1, 2, 3, 4, 5""", [org])

    def raw(lower, upper, group, api_key=None):
        """{group values as text: (requests, 4xx, 5xx, throttled)} from the rows (GROUP is SQL text)."""
        rows = db.query(f"""SELECT {group}, COUNT(*), SUM(status BETWEEN 400 AND 499), SUM(status >= 500), SUM(throttled)
                            FROM request_log WHERE organization_id = %s AND occurred_at >= %s AND occurred_at < %s
                            {"AND api_key_id = %s" if api_key else ""} GROUP BY {group}""",
                        [org, lower, upper, *([api_key] if api_key else [])])
        return {tuple(str(v) for v in list(row.values())[:-4]): tuple(int(v) for v in list(row.values())[-4:]) for row in rows}

    hour = timedelta(hours=1)
    windows = [
        (start + timedelta(minutes=17, seconds=3), start + timedelta(days=2, hours=5, minutes=3)),
        (start + hour + timedelta(minutes=5), start + hour + timedelta(minutes=25)),
        (start + timedelta(days=1), start + timedelta(days=2)),
        (start + timedelta(hours=23, minutes=59), start + timedelta(days=1, minutes=1)),
        (start + 5 * hour, start + timedelta(days=3, hours=19)),
        (start - timedelta(days=1), start + timedelta(days=4, minutes=30)),
        # Ends read as the hour's rollup less the rows outside the range (more than half an hour in).
        (start + timedelta(hours=2, minutes=10), start + timedelta(days=1, hours=3, minutes=50)),
        (start + timedelta(hours=7, minutes=5), start + timedelta(hours=7, minutes=55)),
        (start + timedelta(hours=9, minutes=40), start + timedelta(hours=11, minutes=45)),
        (start + timedelta(hours=4, minutes=50), start + timedelta(hours=5, minutes=10)),
        # Every kind of edge inside five minutes: on a boundary, within the first or the second half
        # of the five minutes (raw rows, or the rollup less the rows outside), and both ends inside
        # the same five minutes or adjacent ones.
        *[(start + timedelta(hours=12, minutes=minute, seconds=second), start + timedelta(days=1, hours=2, minutes=end, seconds=second))
          for minute, end in ((5, 35), (35, 5), (0, 59), (2, 3), (4, 1), (57, 58)) for second in (0, 31)],
        (start + timedelta(hours=14, minutes=1, seconds=10), start + timedelta(hours=14, minutes=3, seconds=50)),
        (start + timedelta(hours=14, minutes=3), start + timedelta(hours=14, minutes=6, seconds=40)),
        (start + timedelta(hours=14, minutes=0, seconds=20), start + timedelta(hours=14, minutes=4, seconds=40)),
    ]
    for lower, upper in windows:
        for api_key in (None, second_key):
            query = {"from": iso(lower), "to": iso(upper)} | ({"api_key_id": api_key} if api_key else {})
            endpoints = get(key, "/analytics/endpoints/", **query)
            assert endpoints.status == 200, endpoints
            assert {(i["route"], i["method"]): (i["requests"], i["errors_4xx"], i["errors_5xx"])
                    for i in endpoints.json()["items"]} == \
                {group: figures[:3] for group, figures in raw(lower, upper, "route, method", api_key).items()}, (lower, upper, api_key)
            for granularity, group in (("day", "DATE(occurred_at)"), ("hour", "DATE_FORMAT(occurred_at, '%%Y-%%m-%%d %%H:00')")):
                usage = get(key, "/analytics/usage/", granularity=granularity, **query)
                assert usage.status == 200, usage
                shown = {b["start"][:10 if granularity == "day" else 16].replace("T", " "): (b["requests"], b["errors_4xx"], b["errors_5xx"], b["throttled"])
                         for b in usage.json()["buckets"] if b["requests"]}
                assert shown == {k[0]: v for k, v in raw(lower, upper, group, api_key).items()}, (lower, upper, granularity, api_key)
            limits = get(key, "/analytics/rate-limits/", granularity="day", **query).json()
            assert {k["api_key_id"]: k["throttled"] for k in limits["keys"]} == \
                {k[0]: v[3] for k, v in raw(lower, upper, "api_key_id", api_key).items() if v[3]}
