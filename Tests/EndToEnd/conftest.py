"""End-to-end fixtures: the stack (nginx → pool → MariaDB) is started by scripts/test, which
exports where it runs. Tests talk HTTP to nginx on loopback, drive the pool with signals, restart
pieces of the stack with `STACK` (companin_stack.Stack, scripts/lib/companin_stack) and read or
change the database with `db` (companin_stack.Database: bound parameters, rows as dicts)."""

import http.client
import json
import os
import subprocess
import sys
import urllib.parse
import uuid

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                "scripts", "lib"))
from companin_stack import DatabaseError, Stack, client, wait_for  # noqa: E402,F401  (DatabaseError: for the tests)
from webdriver import Driver, WebDriverError  # noqa: E402

BASE_URL = os.environ.get("COMPANIN_TEST_BASE_URL", "")
VAR_DIR = os.environ.get("COMPANIN_TEST_VAR_DIR", "")
BIN = os.environ.get("COMPANIN_BIN", "")

if not BASE_URL or not VAR_DIR:
    raise RuntimeError("run the end-to-end tests through scripts/test (COMPANIN_TEST_BASE_URL is not set)")

# The stack scripts/test started (its settings: this environment, then VAR/stack.env).
STACK = Stack(VAR_DIR)
# The application's database as the application's user; a connection per call, so a restarted
# server is simply reconnected to.
db = STACK.database()


def restart_pool(**settings):
    """Restarts the pool with SETTINGS added to its environment (None removes one); without
    settings, as scripts/test configured it."""
    STACK.with_env(**settings).pool_restart()

_parsed = urllib.parse.urlsplit(BASE_URL)
HOST, PORT = _parsed.hostname, _parsed.port
assert HOST in client.LOOPBACK, "end-to-end tests only talk to loopback"


def request(method, path, key=None, body=None, raw=None, headers=None, timeout=30):
    """One request to the stack's nginx on a fresh connection. `body` is sent as JSON; `raw` as given."""
    return client.request(HOST, PORT, method, path, key=key, body=body, raw=raw, headers=headers, timeout=timeout)


def cli(*args):
    """Runs the companin CLI against the test database and returns its stdout."""
    result = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=60, check=True)
    return result.stdout.strip()


# Most tests send far more than the default 100 requests an hour; they get a limit they will not
# reach, so only the rate-limit tests meet the limiter.
GENEROUS_LIMIT = 1_000_000


def new_org_key(name=None, limit=GENEROUS_LIMIT):
    org = cli("org", "create", name or f"Test {uuid.uuid4().hex[:8]}")
    if limit is not None:
        cli("org", "set-limit", org, str(limit))
    key = cli("key", "create", "--org", org, "--name", "tests")
    return org, key


STATUS_URL = urllib.parse.urlsplit(os.environ.get("COMPANIN_TEST_STATUS_URL", ""))
assert STATUS_URL.hostname in (None, "127.0.0.1"), "the internal status server is on loopback"


def internal(path):
    """GET on nginx's internal (operators') server: status, content type and text."""
    connection = http.client.HTTPConnection(STATUS_URL.hostname, STATUS_URL.port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), response.read().decode()
    finally:
        connection.close()


def pool_status():
    code, kind, body = internal("/status")
    assert code == 200 and kind == "application/json", (code, body)
    return json.loads(body)


def pool_log():
    """The pool's log so far (the master's and every child's lines)."""
    with open(os.path.join(VAR_DIR, "log", "companin.log"), errors="replace") as handle:
        return handle.read()


def master_pid():
    with open(os.path.join(VAR_DIR, "run", "companin.pid")) as handle:
        return int(handle.read().strip())


def child_pids(master=None, command="respond"):
    """The master's children running `companin COMMAND` (responders, or ingest workers)."""
    master = master or master_pid()
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout
    pids = []
    for pid in out.split():
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                argv = handle.read().split(b"\0")
        except (FileNotFoundError, ProcessLookupError):
            continue  # exited between pgrep and the read
        if len(argv) > 1 and argv[1].decode() == command:
            pids.append(int(pid))
    return sorted(pids)


def responder_pids(master=None):
    return child_pids(master, "respond")


@pytest.fixture(scope="module")
def driver():
    """One headless Chromium driver for a module's browser tests."""
    try:
        chromedriver = Driver()
    except WebDriverError as error:
        pytest.fail(str(error))
    yield chromedriver
    chromedriver.quit()


@pytest.fixture(scope="session")
def org_key():
    return new_org_key("Acme")


@pytest.fixture(scope="session")
def key(org_key):
    return org_key[1]


@pytest.fixture(scope="session")
def other_key():
    return new_org_key("Globex")[1]


FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "Fixtures")


def fixture(name):
    with open(os.path.join(FIXTURES, name), "rb") as handle:
        return handle.read()


def upload(key, name, content, title=None, metadata=None, path="/api/v1/knowledge/files/"):
    """POSTs one file as multipart/form-data."""
    boundary = "companin" + uuid.uuid4().hex
    parts = []

    def part(field, value, filename=None, content_type=None):
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"'
        if filename is not None:
            head += f'; filename="{filename}"'
        head += "\r\n"
        if content_type:
            head += f"Content-Type: {content_type}\r\n"
        parts.append(head.encode() + b"\r\n" + value + b"\r\n")

    part("file", content, filename=name, content_type="application/octet-stream")
    if title is not None:
        part("title", title.encode())
    if metadata is not None:
        part("metadata", json.dumps(metadata).encode())
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return request("POST", path, key=key, raw=body,
                   headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})


def wait_for_status(key, path, statuses=("ready", "failed"), timeout=60):
    return wait_for(lambda: (r := request("GET", path, key=key).json()) and r["status"] in statuses and r,
                    timeout=timeout, interval=0.2, message=f"{path} to reach {statuses}")


def search(key, query, **fields):
    reply = request("POST", "/api/v1/knowledge/search", key=key, body={"query": query} | fields)
    assert reply.status == 200, reply
    return reply.json()["items"]
