"""The read-only reporting account, created on the primary with `companin db grant-reporting`, reaches
the replica with everything else: a DBA runs reports there, off the primary, and still sees only the
report_* views."""

import uuid

import pytest

from conftest import Database, DatabaseError, wait_for


def test_the_reporting_account_reads_the_views_on_the_replica(cluster):
    name = f"Reported {uuid.uuid4().hex[:8]}"
    org, key = cluster.new_org_key(name, limit=1_000_000)
    for host in cluster.hosts.values():
        assert host.request("GET", "/api/v1/assistants/", key=key).status == 200
    key_id = cluster.key_id(org)
    wait_for(lambda: cluster.db.scalar("SELECT SUM(requests) FROM request_log_hourly WHERE api_key_id = %s", [key_id]) == 3,
             timeout=15, interval=0.1, message="the rollups to hold the three requests")
    user, password = "reporter_" + uuid.uuid4().hex[:8], "Pw-" + uuid.uuid4().hex
    out = cluster.cli("db", "grant-reporting", user, "--password", password)
    assert "report_daily_usage" in out
    cluster.wait_replica()

    reporter = Database(f"mariadb://{user}:{password}@localhost/companin?socket={cluster.replica.mariadb_socket}")
    assert reporter.scalar("SELECT @@server_id") == cluster.replica_db.scalar("SELECT @@server_id")
    rows = reporter.query("SELECT requests, throttled FROM report_daily_usage WHERE organization_name = %s", [name])
    # One row a day (two if the requests straddled midnight UTC).
    assert (sum(int(row["requests"]) for row in rows), sum(int(row["throttled"]) for row in rows)) == (3, 0), rows
    views = reporter.column("SHOW TABLES")
    assert views and all(view.startswith("report_") for view in views), views
    for table in ("api_keys", "request_log", "organizations"):
        with pytest.raises(DatabaseError) as denied:
            reporter.query(f"SELECT * FROM {table} LIMIT 1")
        assert "denied" in str(denied.value), denied.value
