"""One organization's hourly limit shared by three hosts (COMPANIN_RATE_LIMIT_SCOPE=cluster): hosts
lease slices of the quota from MariaDB, so across hosts at most the limit is admitted in a window,
and, when demand exceeds it, at least the limit less one slice per host — also when a host dies
holding its slice."""

import collections
import threading
import time

from conftest import HOSTS, wait_for

LIMIT = 300
PATH = "/api/v1/assistants/"


def window_and_leases(cluster, org):
    """The organization's only window (a load that fits in one clock hour) and its leases per host."""
    windows = cluster.db.query("SELECT window_start, quota, granted, largest_slice FROM rate_limit_windows "
                               "WHERE organization_id = %s", [org])
    assert len(windows) == 1, windows
    leases = cluster.db.query("SELECT host, granted, returned, round_trips FROM rate_limit_leases "
                              "WHERE organization_id = %s AND window_start = %s ORDER BY host",
                              [org, windows[0]["window_start"]])
    return windows[0], leases


def check_refusal(reply):
    assert reply.json() == {"detail": "Rate limit exceeded"}, reply
    assert int(reply.header("Retry-After")) >= 1, reply.headers


class Load:
    """Threads per host sending PATH with KEY until stopped (or a host is dropped), each answer
    recorded as (host, status); a connection that fails is recorded with status None."""

    def __init__(self, cluster, key, threads_per_host, per_host=None):
        self.cluster, self.key, self.per_host = cluster, key, per_host
        self.lock = threading.Lock()
        self.answers = []
        self.sent = collections.Counter()
        self.refusing = collections.Counter()  # consecutive 429s per host
        self.dropped = set()
        self.stopped = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(name,), name=f"load-{name}-{i}")
                        for name in HOSTS for i in range(threads_per_host)]

    def _claim(self, name):
        with self.lock:
            if self.stopped.is_set() or name in self.dropped or (self.per_host and self.sent[name] >= self.per_host):
                return False
            self.sent[name] += 1
            return True

    def _run(self, name):
        host = self.cluster.hosts[name]
        while self._claim(name):
            try:
                reply = host.request("GET", PATH, key=self.key, timeout=30)
            except OSError:
                reply = None
            with self.lock:
                self.answers.append((name, reply.status if reply else None, reply))
                if reply is not None and reply.status == 429:
                    self.refusing[name] += 1
                else:
                    self.refusing[name] = 0

    def start(self):
        for thread in self.threads:
            thread.start()
        return self

    def drop(self, name):
        """Send nothing more to NAME (what is in flight finishes)."""
        with self.lock:
            self.dropped.add(name)

    def admitted(self):
        with self.lock:
            return sum(1 for _, status, _ in self.answers if status not in (429, None) and status < 500)

    def refused_in_a_row(self, name, count):
        with self.lock:
            return self.refusing[name] >= count

    def finish(self, timeout=120):
        """Waits for every thread to have sent its share (per_host); returns the answers."""
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0, deadline - time.monotonic()))
        return self.stop()

    def stop(self):
        self.stopped.set()
        for thread in self.threads:
            thread.join(60)
        assert not any(thread.is_alive() for thread in self.threads), "a load thread hangs"
        return self.answers


def test_the_limit_holds_across_hosts_under_concurrent_load(cluster):
    org, key = cluster.new_org_key("Shared limit", limit=LIMIT)
    cluster.within_one_window()
    started = time.monotonic()
    answers = Load(cluster, key, threads_per_host=3, per_host=200).start().finish()
    elapsed = time.monotonic() - started

    statuses = collections.Counter(status for _, status, _ in answers)
    admitted = statuses[200]
    per_host = {name: sum(1 for host, status, _ in answers if host == name and status == 200) for name in HOSTS}
    print(f"\n{len(answers)} requests over 3 hosts in {elapsed:.1f} s: {dict(statuses)}, admitted per host {per_host}")
    assert len(answers) == 600 and set(statuses) <= {200, 429}, statuses  # no 5xx, no failed connection
    for _, status, reply in answers:
        if status == 429:
            check_refusal(reply)
    window, leases = window_and_leases(cluster, org)
    print(f"window {window}, leases {leases}")
    assert window["quota"] == LIMIT and window["granted"] <= LIMIT
    assert LIMIT - len(HOSTS) * window["largest_slice"] <= admitted <= LIMIT
    assert all(per_host.values()), "every host leased and admitted some"
    held = sum(lease["granted"] - lease["returned"] for lease in leases)
    assert admitted <= held <= window["quota"], (admitted, held)
    assert {lease["host"] for lease in leases} == {f"host-{name}" for name in HOSTS}


def test_a_host_killed_mid_window_does_not_let_the_organization_exceed_its_limit(cluster):
    org, key = cluster.new_org_key("Killed host", limit=LIMIT)
    c = cluster.hosts["c"]
    cluster.within_one_window()
    load = Load(cluster, key, threads_per_host=2).start()
    try:
        wait_for(lambda: load.admitted() >= 100, timeout=60, interval=0.01, message="100 requests admitted")
        # Host c crashes: nothing it holds is given back. Nothing more is sent to it; what was in
        # flight fails (502 from its nginx) or was answered just before.
        load.drop("c")
        at_kill = load.admitted()
        killed = c.kill()
        wait_for(lambda: load.refused_in_a_row("a", 10) and load.refused_in_a_row("b", 10), timeout=90, interval=0.05,
                 message="hosts a and b to refuse (the quota spent)")
    finally:
        answers = load.stop()
        c.stack.pool_start()  # host c again, for what follows
    wait_for(lambda: c.request("GET", PATH, key=key).status in (200, 429), timeout=30, message="host c serving again")

    admitted = sum(1 for _, status, _ in answers if status == 200)
    failed_at_c = [status for name, status, _ in answers if name == "c" and status not in (200, 429)]
    elsewhere = collections.Counter(status for name, status, _ in answers if name != "c")
    per_host = {name: sum(1 for host, status, _ in answers if host == name and status == 200) for name in HOSTS}
    print(f"\nkilled host c ({len(killed)} processes) at {at_kill} admitted; {admitted} admitted in all of "
          f"{len(answers)} ({per_host}; {len(failed_at_c)} lost in flight at c)")
    assert set(elsewhere) <= {200, 429}, elsewhere
    assert set(failed_at_c) <= {502, None}, failed_at_c
    for _, status, reply in answers:
        if status == 429:
            check_refusal(reply)
    window, leases = window_and_leases(cluster, org)
    print(f"window {window}, leases {leases}")
    assert admitted <= LIMIT and window["granted"] <= window["quota"] == LIMIT
    # Short of the limit by at most one slice per host (c's is lost with it), and by the requests c
    # had admitted but could not answer before it died.
    assert admitted >= LIMIT - len(HOSTS) * window["largest_slice"] - len(failed_at_c), (admitted, window)
    assert sum(lease["granted"] - lease["returned"] for lease in leases) <= LIMIT
