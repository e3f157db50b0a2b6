"""The responder pool under signals: crashes, reloads and shutdown lose no request."""

import os
import signal
import threading
import time


from conftest import STACK, master_pid, request, responder_pids, wait_for


def pool_size():
    return int(os.environ.get("COMPANIN_RESPONDERS", "4"))


def wait_for_full_pool(master):
    return wait_for(lambda: len(responder_pids(master)) == pool_size() and responder_pids(master),
                    message="a full pool")


class Load:
    """Clients sending requests until stopped; every reply is kept."""

    def __init__(self, key, threads=4):
        self.key = key
        self.replies = []
        self.errors = []
        self.running = True
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.client) for _ in range(threads)]

    def client(self):
        deadline = time.monotonic() + 60
        while self.running and time.monotonic() < deadline:
            try:
                reply = request("GET", "/api/v1/assistants/?limit=5", key=self.key)
                with self.lock:
                    self.replies.append(reply.status)
            except Exception as error:  # a refused or reset connection is a lost request
                with self.lock:
                    self.errors.append(repr(error))

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.running = False
        for thread in self.threads:
            thread.join()


def test_killed_responder_is_respawned(key):
    master = master_pid()
    before = wait_for_full_pool(master)
    victim = before[0]
    os.kill(victim, signal.SIGKILL)
    after = wait_for(lambda: (pids := responder_pids(master)) and victim not in pids and len(pids) == pool_size() and pids,
                     message="a respawned responder")
    assert victim not in after
    for _ in range(20):
        assert request("GET", "/api/v1/assistants/", key=key).status == 200


def test_sighup_under_load_replaces_every_responder_and_loses_nothing(key):
    master = master_pid()
    before = set(wait_for_full_pool(master))
    with Load(key) as load:
        wait_for(lambda: len(load.replies) > 20, message="load to start")
        os.kill(master, signal.SIGHUP)
        wait_for(lambda: not (set(responder_pids(master)) & before) and len(responder_pids(master)) == pool_size(),
                 message="every responder replaced")
        served = len(load.replies)
        wait_for(lambda: len(load.replies) > served + 20, message="load after the reload")
    assert load.errors == []
    assert set(load.replies) == {200}, sorted(set(load.replies))
    assert master_pid() == master


def test_recycling_after_max_requests_loses_nothing(key):
    # scripts/test runs the pool with a small --max-requests, so this many requests recycle responders.
    master = master_pid()
    before = set(wait_for_full_pool(master))
    budget = int(os.environ.get("COMPANIN_MAX_REQUESTS", "100"))
    statuses = [request("GET", "/api/v1/assistants/?limit=1", key=key).status
                for _ in range(budget * pool_size() + 10)]
    assert set(statuses) == {200}
    # By pigeonhole at least one responder spent its budget and was replaced.
    assert set(wait_for_full_pool(master)) != before


def test_sigterm_completes_all_50_requests_in_flight(key):
    master = master_pid()
    wait_for_full_pool(master)
    # Heavy-ish bodies keep the responders busy long enough for requests to queue behind them.
    metadata = {f"k{i}": "v" * 200 for i in range(60)}
    results = [None] * 50
    sent = threading.Barrier(51)

    def client(index):
        sent.wait()
        try:
            results[index] = request("POST", "/api/v1/assistants/", key=key,
                                     body={"name": f"inflight-{index}", "metadata": metadata}).status
        except Exception as error:
            results[index] = repr(error)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(50)]
    for thread in threads:
        thread.start()
    sent.wait()
    time.sleep(0.05)
    os.kill(master, signal.SIGTERM)
    for thread in threads:
        thread.join()
    try:
        assert results == [201] * 50, results
        wait_for(lambda: not os.path.exists(f"/proc/{master}"), message="the master to exit")
    finally:
        STACK.pool_start()
    names = {a["name"] for a in request("GET", "/api/v1/assistants/?limit=1000", key=key).json()["items"]}
    assert {f"inflight-{i}" for i in range(50)} <= names


def test_pool_refuses_a_second_master_on_the_same_socket():
    import subprocess
    from conftest import BIN, VAR_DIR
    result = subprocess.run([BIN, "serve", "--socket", os.path.join(VAR_DIR, "run", "companin.sock")],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert "in use" in result.stderr


def test_responder_stuck_past_the_request_timeout_is_killed_and_replaced(key):
    """A pool of its own, so its timeout and database settings are the test's: one responder,
    a 2 s request timeout, and a database that accepts connections but never answers."""
    import subprocess
    from conftest import BIN, VAR_DIR
    from test_responder_alone import fastcgi_get

    socket_path = os.path.join(VAR_DIR, "run", f"stuck-{os.getpid()}.sock")
    env = dict(os.environ, COMPANIN_DATABASE_URL=os.environ["COMPANIN_DATABASE_URL"] + "&connect_timeout=20&read_timeout=20",
               COMPANIN_LOG_LEVEL="info")
    log_path = os.path.join(VAR_DIR, "log", "stuck-pool.log")
    with open(log_path, "w") as log:
        pool = subprocess.Popen([BIN, "serve", "--socket", socket_path, "--responders", "1", "--request-timeout", "2"],
                                env=env, stdout=log, stderr=log)
    with open(os.path.join(VAR_DIR, "mariadb", "mariadbd.pid")) as handle:
        mariadb = int(handle.read().strip())
    try:
        wait_for(lambda: os.path.exists(socket_path), message="the pool's socket")
        assert fastcgi_get(socket_path, "/api/v1/assistants/", key).startswith("Status: 200")
        [stuck] = responder_pids(pool.pid)
        os.kill(mariadb, signal.SIGSTOP)
        try:
            started = time.monotonic()
            output = fastcgi_get(socket_path, "/api/v1/assistants/", key)
            elapsed = time.monotonic() - started
        finally:
            os.kill(mariadb, signal.SIGCONT)
        assert output == "", output  # killed mid-request: the web server sees the connection close
        assert 2 <= elapsed < 6, elapsed
        [replacement] = wait_for(lambda: (pids := responder_pids(pool.pid)) and stuck not in pids and pids,
                                 message="a replacement responder")
        assert replacement != stuck
        wait_for(lambda: fastcgi_get(socket_path, "/api/v1/assistants/", key).startswith("Status: 200"),
                 timeout=30, message="service after the database thawed")
    finally:
        pool.send_signal(signal.SIGTERM)
        pool.wait(timeout=30)
    with open(log_path) as log:
        text = log.read()
    assert "stuck past the request timeout; killing it" in text
    assert f"child_pid={stuck}" in text
    assert pool.returncode == 0
