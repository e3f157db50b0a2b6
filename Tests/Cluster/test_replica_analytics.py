"""Analytics read from the replica while it is fresh (its copy of the pool masters' heartbeat at most
COMPANIN_REPLICA_MAX_LAG_SECONDS old), from the primary while it lags or is gone, and from the
replica again once it has caught up; every answer says which in X-Analytics-Source."""

from datetime import timedelta

from conftest import MAX_LAG_SECONDS, iso, now, wait_for

# A lagging replica is noticed within the allowed lag, plus a second between heartbeats and a
# second between a responder's looks at the replica; a lost one is retried after five seconds.
SWITCH_SECONDS = MAX_LAG_SECONDS + 10


def usage(host, key, key_id, since):
    """GET /analytics/usage/ for KEY_ID's requests since SINCE: the source header and the count."""
    reply = host.request("GET", f"/analytics/usage/?api_key_id={key_id}&from={iso(since)}", key=key)
    assert reply.status == 200, reply
    source = reply.header("X-Analytics-Source")
    assert source, reply.headers
    return source, reply.json()["totals"]["requests"]


def until_source(host, key, key_id, since, prefix, requests):
    """Polls until the answer comes from PREFIX (replica or primary) with REQUESTS counted; every
    answer on the way must be a 200."""
    seen = []

    def check():
        answer = usage(host, key, key_id, since)
        if not seen or seen[-1] != answer:
            seen.append(answer)
        return answer[0].startswith(prefix) and answer[1] == requests and answer
    try:
        return wait_for(check, timeout=SWITCH_SECONDS, interval=0.2, message=f"{prefix} with {requests} requests")
    except AssertionError as error:
        raise AssertionError(f"{error}; answers seen: {seen}") from None


def logged(cluster, key_id, count):
    wait_for(lambda: cluster.db.scalar("SELECT COUNT(*) FROM request_log WHERE api_key_id = %s", [key_id]) == count,
             timeout=15, interval=0.1, message=f"{count} request log rows on the primary")


def test_analytics_follow_the_replica_while_it_is_fresh_and_the_primary_otherwise(cluster):
    a, b, c = (cluster.hosts[name] for name in "abc")
    since = now() - timedelta(seconds=1)
    # A limit the polls below cannot reach; the key whose requests are counted, and one to read them.
    org, key = cluster.new_org_key("Analytics across hosts", limit=1_000_000)
    counted = cluster.key_id(org)
    reader = cluster.cli("key", "create", "--org", org, "--name", "analytics")
    for host in (a, b, c, a, b):
        assert host.request("GET", "/api/v1/assistants/", key=key).status == 200
    logged(cluster, counted, 5)
    cluster.wait_replica()

    # Fresh: the replica answers, with the figures the primary holds.
    source, requests = until_source(b, reader, counted, since, "replica", 5)
    assert requests == cluster.db.scalar("SELECT COUNT(*) FROM request_log WHERE api_key_id = %s", [counted])
    print(f"\nfresh replica: {source!r}")
    try:
        # The replica stops applying: newer requests are only on the primary, which answers once
        # the replica's heartbeat is too old.
        cluster.replica.replica_sql_stop()
        for host in (c, a):
            assert host.request("GET", "/api/v1/assistants/", key=key).status == 200
        logged(cluster, counted, 7)
        source, _ = until_source(c, reader, counted, since, "primary", 7)
        assert cluster.replica_db.scalar("SELECT COUNT(*) FROM request_log WHERE api_key_id = %s", [counted]) == 5
        print(f"lagging replica: {source!r}")

        # Applying again: back to the replica, which now has all seven.
        cluster.replica.replica_sql_start()
        cluster.wait_replica()
        source, _ = until_source(c, reader, counted, since, "replica", 7)
        print(f"caught up: {source!r}")

        # The replica's server stops: every answer is still a 200, from the primary.
        cluster.replica.mariadb_stop()
        source, _ = until_source(a, reader, counted, since, "primary", 7)
        for host in (a, b, c):
            assert usage(host, reader, counted, since)[0].startswith("primary")
        print(f"replica stopped: {source!r}")
    finally:
        cluster.ensure_replica()
    # Back: the replica answers again once it runs and has caught up.
    source, _ = until_source(b, reader, counted, since, "replica", 7)
    print(f"replica back: {source!r}")
