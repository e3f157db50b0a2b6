"""The multi-host suite's cluster, on loopback: one primary MariaDB (binary log, TCP on 127.0.0.1), one
read-only replica of it, and three pools — hosts a, b and c — each in a VAR directory of its own with
its own nginx on its own 127.0.0.1 port, all on the primary, with the replica for analytics, the
cluster-wide rate limit and one shared directory of originals. `scripts/test cluster` runs it (and
`scripts/test` after the end-to-end suite); by hand:

    COMPANIN_BIN=.build/debug/companin var/venv/bin/python -m pytest -q Tests/Cluster

The cluster is built once per session under COMPANIN_CLUSTER_DIR (scripts/test: $tmp/cluster) or a
temporary directory, and torn down at the end, also when a test fails or the run is interrupted
(SIGINT, SIGTERM). A temporary directory is removed when every test passed; otherwise its logs stay
and their tails are printed. scripts/test's own settings (COMPANIN_MAX_REQUESTS, …) apply to every
host; its database URLs do not: the cluster has its own servers."""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timezone

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts", "lib"))
from companin_stack import Database, DatabaseError, Stack, StackError, free_port, wait_for  # noqa: E402,F401
from companin_stack import client, processes  # noqa: E402

BIN = os.environ.get("COMPANIN_BIN", "")
if not BIN:
    raise RuntimeError("set COMPANIN_BIN (the companin executable), or run the suite through scripts/test cluster")
MIGRATIONS = os.environ.get("COMPANIN_MIGRATIONS_DIR") or os.path.join(ROOT, "db", "migrations")

HOSTS = ("a", "b", "c")
MAX_LAG_SECONDS = 2
# What every pool of the cluster is given, whoever runs the suite.
CLUSTER_SETTINGS = {
    "STACK_PROFILE": "test",
    "COMPANIN_REPLICA_MAX_LAG_SECONDS": str(MAX_LAG_SECONDS),
    "COMPANIN_RATE_LIMIT_SCOPE": "cluster",
    "COMPANIN_RESPONDERS": "2",
    "COMPANIN_INGEST_WORKERS": "1",
    "COMPANIN_NGINX_WORKERS": "1",
    "COMPANIN_ENRICHER": "local",
    "COMPANIN_AUTH_CACHE_SECONDS": "0",
}
# scripts/test's settings for its stacks, for a run without it (its exported values win).
TEST_DEFAULTS = {
    "COMPANIN_MAX_REQUESTS": "100",
    "COMPANIN_REQUEST_TIMEOUT": "5",
    "COMPANIN_MAX_UPLOAD_BYTES": "2097152",
    "COMPANIN_INGEST_LEASE_SECONDS": "8",
    "COMPANIN_FETCH_ALLOW": "127.0.0.1/32",
    "COMPANIN_FETCH_TIMEOUT": "5",
    "COMPANIN_SESSION_TTL_MIN_SECONDS": "1",
    "COMPANIN_SESSION_SWEEP_SECONDS": "1",
}
# Settings of other stacks that must not leak into the cluster's.
FOREIGN = ("COMPANIN_DATABASE_URL", "COMPANIN_TEST_DATABASE_URL", "COMPANIN_ADMIN_DATABASE_URL", "COMPANIN_TEST_BASE_URL",
           "COMPANIN_TEST_STATUS_URL", "COMPANIN_TEST_VAR_DIR", "COMPANIN_HTTP_PORT", "COMPANIN_STATUS_PORT",
           "COMPANIN_BLOB_DIR", "COMPANIN_HOST_ID", "COMPANIN_REPLICA_DATABASE_URL", "COMPANIN_SOCKET", "COMPANIN_PID_FILE",
           "STACK_MARIADB_PORT", "STACK_MARIADB_SERVER_ID", "STACK_MARIADB_REPLICA_OF")


def base_env():
    env = {name: value for name, value in os.environ.items() if name not in FOREIGN}
    for name, value in TEST_DEFAULTS.items():
        env.setdefault(name, value)
    env.update(CLUSTER_SETTINGS, COMPANIN_BIN=BIN, COMPANIN_MIGRATIONS_DIR=MIGRATIONS)
    return env


class Host:
    """One pool behind its own nginx: VAR directory, ports, processes."""

    def __init__(self, name, stack):
        self.name = name
        self.id = f"host-{name}"
        self.stack = stack
        self.port = int(stack.env["COMPANIN_HTTP_PORT"])

    def __repr__(self):
        return f"<Host {self.id} 127.0.0.1:{self.port}>"

    def request(self, method, path, key=None, body=None, raw=None, headers=None, timeout=30):
        """One request on a fresh connection to this host's nginx. `body` is sent as JSON; `raw` as given."""
        return client.request("127.0.0.1", self.port, method, path, key=key, body=body, raw=raw, headers=headers,
                              timeout=timeout)

    def wait_serving(self, timeout=30):
        """Until a responder answers through nginx (401 to a request without a key): a pool whose
        responders cannot start fails the build here, not every test on a timeout."""
        deadline, last = time.monotonic() + timeout, None
        while time.monotonic() < deadline:
            try:
                last = self.request("GET", "/api/v1/assistants/", timeout=5)
                if last.status == 401:
                    return
            except OSError as error:
                last = error
            time.sleep(0.2)
        raise StackError(f"{self.id} does not answer through 127.0.0.1:{self.port} within {timeout} s (last: {last!r}); "
                         f"see {self.stack.pool_log}")

    def master_pid(self):
        pids = self.stack.pool_pids()
        return pids[0] if pids else None

    def child_pids(self, command):
        """The pool master's children running `companin COMMAND` (respond, ingest-worker)."""
        master = self.master_pid()
        pids = []
        for pid in processes.children(master) if master else []:
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as handle:
                    argv = handle.read().split(b"\0")
            except OSError:
                continue
            if len(argv) > 1 and argv[1].decode() == command:
                pids.append(pid)
        return sorted(pids)

    def worker_pids(self):
        return self.child_pids("ingest-worker")

    def kill(self):
        """SIGKILL the pool: its master and every process below it, found from the pid file and
        /proc (a crashed host: nothing is drained or returned). Returns the pids killed."""
        master = self.master_pid()
        if not master:
            return []
        victims, frontier = [master], [master]
        while frontier:
            frontier = [kid for pid in frontier for kid in processes.children(pid)]
            victims += frontier
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for pid in victims:
            assert processes.wait_gone(pid, 10), f"pid {pid} of {self.id} survived SIGKILL"
        return victims


class Cluster:
    """The servers and hosts; `db` is the primary as the application's user, `replica_db` the replica."""

    def __init__(self, directory):
        self.dir = directory
        self.blob_dir = os.path.join(directory, "blobs")
        env = base_env()
        self.primary = Stack(os.path.join(directory, "primary"), env=dict(
            env, STACK_MARIADB_PORT=str(free_port()), STACK_MARIADB_SERVER_ID="1"), load_config=False)
        self.replica = Stack(os.path.join(directory, "replica"), env=env, load_config=False)
        self.hosts = {}
        self.primary_url = self.replica_url = None

    def build(self):
        os.makedirs(self.blob_dir, exist_ok=True)
        # The binary log from the primary's first start on: the replica replays all of it.
        self.primary.save_config()
        self.primary.mariadb_start()
        self.primary_url = self.primary.database_url()
        self.migrate()
        self.replica.mariadb_start_replica(self.primary)
        self.replica_url = self.replica.database_url()
        self.db = Database(self.primary_url)
        self.replica_db = Database(self.replica_url)
        ports = set()
        for name in HOSTS:
            http_port, status_port = free_port(), free_port()
            while {http_port, status_port} & ports or http_port == status_port:
                http_port, status_port = free_port(), free_port()
            ports |= {http_port, status_port}
            env = dict(base_env(), COMPANIN_DATABASE_URL=self.primary_url, COMPANIN_REPLICA_DATABASE_URL=self.replica_url,
                       COMPANIN_HOST_ID=f"host-{name}", COMPANIN_BLOB_DIR=self.blob_dir,
                       COMPANIN_HTTP_PORT=str(http_port), COMPANIN_STATUS_PORT=str(status_port))
            host = Host(name, Stack(os.path.join(self.dir, f"host-{name}"), env=env, load_config=False))
            self.hosts[name] = host
            host.stack.save_config()
            host.stack.pool_start()
            host.stack.nginx_start()
        for host in self.hosts.values():
            host.wait_serving()

    def cli_env(self):
        return dict(base_env(), COMPANIN_DATABASE_URL=self.primary_url,
                    COMPANIN_ADMIN_DATABASE_URL=self.primary.admin_database_url())

    def migrate(self):
        result = subprocess.run([BIN, "migrate"], env=dict(base_env(), COMPANIN_DATABASE_URL=self.primary_url),
                                capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise StackError(f"companin migrate failed:\n{result.stdout}{result.stderr}")

    def cli(self, *args):
        """The companin CLI against the primary; its stdout."""
        result = subprocess.run([BIN, *args], env=self.cli_env(), capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, (args, result.stdout, result.stderr)
        return result.stdout.strip()

    def new_org_key(self, name=None, limit=None):
        """A fresh organization (with LIMIT requests an hour when given) and a key of it."""
        org = self.cli("org", "create", name or f"Cluster {uuid.uuid4().hex[:8]}")
        if limit is not None:
            self.cli("org", "set-limit", org, str(limit))
        return org, self.cli("key", "create", "--org", org, "--name", "cluster")

    def key_id(self, org):
        """The id of the organization's newest key (from `key list`)."""
        return self.cli("key", "list", "--org", org).splitlines()[-1].split("\t")[0]

    def wait_replica(self, timeout=30):
        """Until the replica has applied everything the primary logged so far."""
        return self.replica.replica_wait(self.primary, timeout=timeout)

    def ensure_replica(self):
        """The replica running and replicating (after a test stopped it or its SQL thread)."""
        self.replica.mariadb_start_replica(self.primary)

    def seconds_left_in_hour(self):
        """Seconds until the next UTC hour by MariaDB's clock (the rate limit's windows)."""
        return self.db.scalar(
            "SELECT TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), DATE_FORMAT(UTC_TIMESTAMP() + INTERVAL 1 HOUR, '%Y-%m-%d %H:00:00'))")

    def within_one_window(self, needed=120):
        """Returns once at least NEEDED seconds remain in the current UTC hour: a load that straddled
        the hour would be counted against two windows. At most NEEDED + 2 seconds of waiting for the
        clock, which no poll can shorten."""
        left = self.seconds_left_in_hour()
        if left < needed:
            print(f"waiting {left + 2} s for the next UTC hour (the rate limit's window)", file=sys.stderr)
            time.sleep(left + 2)
        assert self.seconds_left_in_hour() >= needed

    def stop(self):
        """Every host (nginx, then pool), the replica, then the primary; each tried even if one before failed."""
        failures = []
        for stack in [*(host.stack for host in self.hosts.values()), self.replica, self.primary]:
            try:
                stack.stop_all()
            except (StackError, OSError) as error:
                failures.append(f"{stack.var}: {error}")
        return failures

    def tail_logs(self, lines=40):
        for stack in [*(host.stack for host in self.hosts.values()), self.replica, self.primary]:
            stack.tail_logs(lines, out=sys.__stderr__)


@pytest.fixture(scope="session")
def cluster(request):
    given = os.environ.get("COMPANIN_CLUSTER_DIR")
    if given:
        os.makedirs(given, exist_ok=True)
        directory = given
    else:
        directory = tempfile.mkdtemp(prefix="companin-cluster.", dir=os.environ.get("TMPDIR") or "/tmp")
    built = Cluster(directory)
    # SIGTERM ends the run like Ctrl-C, so the teardown below still stops everything.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    aborted = False
    try:
        try:
            built.build()
        except BaseException:
            aborted = True
            raise
        yield built
    finally:
        # A second Ctrl-C (or a SIGTERM) must not cut the teardown short and leave servers behind.
        previous_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        try:
            failures = built.stop()
        finally:
            signal.signal(signal.SIGINT, previous_int)
            signal.signal(signal.SIGTERM, previous)
        leftovers = [f"{name} {pid}" for name, pid in _running(built)]
        passed = not (aborted or INTERRUPTED or request.session.testsfailed or failures or leftovers)
        if not given:
            if passed:
                shutil.rmtree(directory, ignore_errors=True)
            else:
                print(f"\ncluster: logs and data kept in {directory}", file=sys.__stderr__)
                built.tail_logs(40)
        assert not failures, failures
        assert not leftovers, f"still running after the teardown: {leftovers}"


# Set when the run is interrupted (the cluster's directory is kept then).
INTERRUPTED = []


def pytest_keyboard_interrupt(excinfo):
    INTERRUPTED.append(excinfo)


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def _running(cluster):
    """Processes of the cluster still alive: servers, pool masters, nginx masters."""
    found = []
    for stack in [cluster.primary, cluster.replica]:
        pid = processes.pid_from(os.path.join(stack.mariadb_dir, "mariadbd.pid"), "mariadbd")
        if pid:
            found.append(("mariadbd", pid))
    for host in cluster.hosts.values():
        found += [("companin", pid) for pid in host.stack.pool_pids()]
        pid = processes.pid_from(os.path.join(host.stack.nginx_dir, "nginx.pid"), "nginx")
        if pid:
            found.append(("nginx", pid))
    return found


def iso(moment):
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now():
    return datetime.now(timezone.utc)


@contextlib.contextmanager
def frozen(pids):
    """SIGSTOP the processes for the block (e.g. ingest workers of some hosts, so that another
    host's must take a job), SIGCONT after it whatever happens."""
    stopped = []
    try:
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
            stopped.append(pid)
        yield
    finally:
        for pid in stopped:
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass


def upload(host, key, name, content, path="/api/v1/knowledge/files/"):
    """POSTs one file as multipart/form-data through HOST."""
    boundary = "companin" + uuid.uuid4().hex
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return host.request("POST", path, key=key, raw=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})


def wait_for_status(host, key, path, statuses=("ready", "failed"), timeout=60):
    def settled():
        reply = host.request("GET", path, key=key)
        assert reply.status == 200, reply
        return reply.json()["status"] in statuses and reply.json()
    return wait_for(settled, timeout=timeout, interval=0.2, message=f"{path} to reach {statuses} (through {host.id})")


def search(host, key, query, **fields):
    reply = host.request("POST", "/api/v1/knowledge/search", key=key, body={"query": query} | fields)
    assert reply.status == 200, reply
    return reply.json()["items"]


def in_threads(count, target):
    """Runs target(index) in COUNT threads started together; returns their results in order."""
    results = [None] * count
    errors = []
    start = threading.Barrier(count)

    def run(index):
        start.wait()
        try:
            results[index] = target(index)
        except BaseException as error:  # noqa: BLE001  (reported below, in the test's thread)
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results
