"""End-to-end fixtures: the stack (nginx → pool → MariaDB) is started by scripts/test, which
exports where it runs. Tests talk HTTP to nginx on loopback and drive the pool with signals."""

import http.client
import json
import os
import subprocess
import time
import urllib.parse
import uuid

import pytest

BASE_URL = os.environ.get("COMPANIN_TEST_BASE_URL", "")
VAR_DIR = os.environ.get("COMPANIN_TEST_VAR_DIR", "")
STACK = os.environ.get("COMPANIN_TEST_STACK", "")
BIN = os.environ.get("COMPANIN_BIN", "")

if not BASE_URL:
    raise RuntimeError("run the end-to-end tests through scripts/test (COMPANIN_TEST_BASE_URL is not set)")

_parsed = urllib.parse.urlsplit(BASE_URL)
HOST, PORT = _parsed.hostname, _parsed.port
assert HOST in ("127.0.0.1", "localhost", "::1"), "end-to-end tests only talk to loopback"


class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)

    def header(self, name):
        return self.headers.get(name.lower())

    def __repr__(self):
        return f"<Reply {self.status} {self.body[:200]!r}>"


def request(method, path, key=None, body=None, raw=None, headers=None, timeout=30):
    """One request on a fresh connection. `body` is sent as JSON; `raw` as given."""
    all_headers = dict(headers or {})
    if key is not None:
        all_headers["X-API-Key"] = key
    payload = raw
    if body is not None:
        payload = json.dumps(body).encode()
        all_headers.setdefault("Content-Type", "application/json")
    connection = http.client.HTTPConnection(HOST, PORT, timeout=timeout)
    try:
        connection.request(method, path, body=payload, headers=all_headers)
        response = connection.getresponse()
        data = response.read()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
    finally:
        connection.close()


def cli(*args):
    """Runs the companin CLI against the test database and returns its stdout."""
    result = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=60, check=True)
    return result.stdout.strip()


def stack(command):
    subprocess.run(["bash", STACK, VAR_DIR, command], check=True, timeout=180,
                   stdout=subprocess.DEVNULL)


def sql(query):
    """Runs a query as the application's database user; returns the rows as tuples of strings."""
    result = subprocess.run(["bash", STACK, VAR_DIR, "sql", "--batch", "--skip-column-names", "-e", query],
                            capture_output=True, text=True, timeout=60, check=True)
    return [tuple(line.split("\t")) for line in result.stdout.splitlines()]


# Most tests send far more than the default 100 requests an hour; they get a limit they will not
# reach, so only the rate-limit tests meet the limiter.
GENEROUS_LIMIT = 1_000_000


def new_org_key(name=None, limit=GENEROUS_LIMIT):
    org = cli("org", "create", name or f"Test {uuid.uuid4().hex[:8]}")
    if limit is not None:
        cli("org", "set-limit", org, str(limit))
    key = cli("key", "create", "--org", org, "--name", "tests")
    return org, key


def master_pid():
    with open(os.path.join(VAR_DIR, "run", "companin.pid")) as handle:
        return int(handle.read().strip())


def responder_pids(master=None):
    master = master or master_pid()
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout
    return sorted(int(pid) for pid in out.split())


def wait_for(predicate, timeout=20.0, interval=0.05, message="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {message}")


@pytest.fixture(scope="session")
def org_key():
    return new_org_key("Acme")


@pytest.fixture(scope="session")
def key(org_key):
    return org_key[1]


@pytest.fixture(scope="session")
def other_key():
    return new_org_key("Globex")[1]
