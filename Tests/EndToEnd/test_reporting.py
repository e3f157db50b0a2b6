"""DBA reporting: the report views, every db/reports/*.sql run as it is by the mariadb client under
the read-only reporting account, and what that account may not read."""

import glob
import os
import subprocess
import uuid

import pytest

from conftest import STACK, cli, db, new_org_key, request, wait_for

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REPORTS = sorted(glob.glob(os.path.join(ROOT, "db", "reports", "*.sql")))


def as_reporter(account, *arguments, stdin=None):
    """The mariadb client, as a DBA runs it, under the reporting account."""
    user, password = account
    return subprocess.run(
        ["mariadb", "--no-defaults", "--protocol=socket", f"--socket={STACK.mariadb_socket}",
         f"--user={user}", "--database=companin", *arguments],
        input=stdin, capture_output=True, text=True, timeout=60, env=dict(os.environ, MYSQL_PWD=password))


@pytest.fixture(scope="module")
def reporter():
    """Activity of every kind the reports show, and a reporting account."""
    org, key = new_org_key("Reported", limit=5)
    assistant = request("POST", "/api/v1/assistants/", key=key, body={"name": "Reported assistant"}).json()
    session = request("POST", "/api/v1/sessions/", key=key, body={}).json()
    conversation = request("POST", "/api/v1/conversations/", key=key,
                           body={"assistant_id": assistant["id"], "session_id": session["id"]}).json()
    assert request("POST", f"/api/v1/conversations/{conversation['id']}/feedback", key=key,
                   body={"rating": 5, "actor": {"type": "visitor"}, "comment": "secret comment"}).status == 201
    assert [request("GET", "/api/v1/assistants/", key=key).status for _ in range(2)] == [200, 429]
    key_id = cli("key", "list", "--org", org).split("\t")[0]
    wait_for(lambda: db.scalar("SELECT SUM(throttled) FROM request_log_hourly WHERE api_key_id = %s", [key_id]) == 1,
             timeout=15, interval=0.1, message="the rollups to hold the throttled request")
    user = "reporter_" + uuid.uuid4().hex[:8]
    password = "Pw-" + uuid.uuid4().hex
    out = cli("db", "grant-reporting", user, "--password", password)
    assert "report_daily_usage" in out and "report_csat" in out
    return user, password


def test_every_report_runs_under_the_reporting_account_and_returns_rows(reporter):
    assert len(REPORTS) >= 5
    for path in REPORTS:
        with open(path) as handle:
            result = as_reporter(reporter, "--table", stdin=handle.read())
        assert result.returncode == 0, (path, result.stderr)
        lines = result.stdout.splitlines()
        # +---+ border, header, border, at least one row, border
        assert len(lines) >= 5 and lines[0].startswith("+") and lines[1].startswith("|"), (path, result.stdout)


def test_the_views_show_the_activity(reporter):
    daily = as_reporter(reporter, "--batch", "-e", "SELECT requests, throttled FROM report_daily_usage WHERE organization_name = 'Reported'")
    [(requests, throttled)] = [tuple(line.split("\t")) for line in daily.stdout.splitlines()[1:]]
    assert int(requests) >= 5 and throttled == "1"
    csat = as_reporter(reporter, "--batch", "-e",
                       "SELECT ratings, csat_percent FROM report_csat WHERE assistant_name = 'Reported assistant'")
    assert csat.stdout.splitlines()[1:] == ["1\t100.0"]
    conversations = as_reporter(reporter, "--batch", "-e",
                                "SELECT conversations FROM report_conversations WHERE assistant_name = 'Reported assistant'")
    assert conversations.stdout.splitlines()[1:] == ["1"]


def test_the_reporting_account_cannot_read_secrets_or_contents(reporter):
    for table in ["api_keys", "messages", "feedback", "visitors", "request_log", "knowledge_sources", "organizations"]:
        result = as_reporter(reporter, "-e", f"SELECT * FROM {table} LIMIT 1")
        assert result.returncode != 0 and "denied" in result.stderr, (table, result.stdout, result.stderr)
    views = as_reporter(reporter, "--batch", "--skip-column-names", "-e", "SHOW TABLES").stdout.split()
    assert views and all(name.startswith("report_") for name in views)
    everything = "\n".join(as_reporter(reporter, "--batch", "-e", f"SELECT * FROM {name}").stdout for name in views)
    assert "secret comment" not in everything and "cmp_" not in everything
    assert as_reporter(reporter, "-e", "UPDATE report_csat SET ratings = 0").returncode != 0
