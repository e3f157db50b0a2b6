"""The responder pool under signals: crashes, reloads and shutdown lose no request."""

import os
import signal
import threading
import time

import pytest

from conftest import master_pid, request, responder_pids, stack, wait_for


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
        stack("pool-start")
    names = {a["name"] for a in request("GET", "/api/v1/assistants/?limit=1000", key=key).json()["items"]}
    assert {f"inflight-{i}" for i in range(50)} <= names


def test_pool_refuses_a_second_master_on_the_same_socket():
    import subprocess
    from conftest import BIN, VAR_DIR
    result = subprocess.run([BIN, "serve", "--socket", os.path.join(VAR_DIR, "run", "companin.sock")],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert "in use" in result.stderr
