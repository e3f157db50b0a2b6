"""Faults: the database stopping under load, a responder killed in the middle of a multi-row write,
a full disk under the originals, and clients that are slow or hang up. Each must cost the requests
it touches and nothing else: no responder crash, no half-written resource, no stuck pool."""

import hashlib
import os
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections import Counter

import pytest

from conftest import (HOST, PORT, STACK, db, new_org_key, pool_log, pool_status, request, responder_pids, upload,
                      wait_for, wait_for_status)

RESPONDERS = int(os.environ.get("COMPANIN_RESPONDERS", "4"))


def responder_deaths(log_from):
    """Lines of the pool log, after offset `log_from`, that report a child dying unasked."""
    return [line for line in pool_log()[log_from:].splitlines() if " died" in line]


def qa_pairs(tag, count):
    return [{"question": f"Question {index} of {tag}?", "answer": f"Answer {index} of {tag}.", "tags": [tag]}
            for index in range(count)]


def committed_qas(org, tag):
    return db.scalar("SELECT COUNT(*) FROM knowledge_sources WHERE organization_id = %s "
                     "AND kind = 'qa' AND JSON_CONTAINS(tags, JSON_QUOTE(%s))", [org, tag])


def test_database_stopped_under_load_is_503_then_recovers_with_nothing_half_written():
    org, key = new_org_key()
    log_from = len(pool_log())
    results, failures = [], []
    stop = threading.Event()

    def writer(worker):
        for n in range(100_000):
            if stop.is_set():
                return
            tag = f"w{worker}n{n}"
            try:
                if n % 3 == 2:
                    reply = request("POST", "/api/v1/knowledge/qas/", key=key, body=qa_pairs(tag, 10), timeout=20)
                else:
                    reply = request("POST", "/api/v1/assistants/", key=key, timeout=20, body={
                        "name": tag, "description": "written under load",
                        "task_templates": [{"name": "greet", "template": "Olá {{customer_name}}"}]})
            except OSError as error:
                failures.append((tag, repr(error)))
                continue
            results.append((tag, reply, time.monotonic()))
            time.sleep(0.02)

    threads = [threading.Thread(target=writer, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1.5)
        STACK.mariadb_stop()
        stopped_at = time.monotonic()
        time.sleep(3)
        STACK.mariadb_start()
        wait_for(lambda: request("GET", "/api/v1/assistants/?limit=1", key=key).status == 200, timeout=30,
                 message="the pool to reconnect")
        recovered_at = time.monotonic()
        time.sleep(2)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        STACK.mariadb_start()  # already running unless the test failed half-way

    assert failures == [], "every request got an HTTP answer"
    statuses = Counter(reply.status for _, reply, _ in results)
    assert set(statuses) <= {201, 202, 503}, statuses
    assert statuses[503] > 0 and statuses[201] > 0 and statuses[202] > 0, statuses
    for _, reply, _ in results:
        if reply.status == 503:
            assert reply.header("Retry-After") and reply.json() == {"detail": "Service Unavailable"}, reply
    assert all(reply.status != 503 for _, reply, at in results if at > recovered_at + 0.5), "full recovery"
    assert any(reply.status == 503 for _, reply, at in results if stopped_at < at < recovered_at)
    assert responder_deaths(log_from) == []

    # Nothing half-written: every assistant has its first version, every bulk is all or nothing, and
    # every pair that exists reaches `ready` (its ingestion job was written with it).
    assert db.scalar("SELECT COUNT(*) FROM assistants a LEFT JOIN assistant_versions v ON v.organization_id = a.organization_id "
                     "AND v.assistant_id = a.id AND v.version = 1 WHERE a.organization_id = %s "
                     "AND v.assistant_id IS NULL", [org]) == 0
    created = {reply.json()["name"] for _, reply, _ in results if reply.status == 201}
    stored = set(db.column("SELECT name FROM assistants WHERE organization_id = %s", [org]))
    assert created <= stored
    # A 503 may still have committed (the connection died after COMMIT); it must then be whole.
    for tag, reply, _ in results:
        if reply.status == 202:
            assert committed_qas(org, tag) == 10, tag
    counts = Counter(db.column("SELECT JSON_UNQUOTE(JSON_EXTRACT(tags, '$[0]')) FROM knowledge_sources "
                               "WHERE organization_id = %s AND kind = 'qa'", [org]))
    assert set(counts.values()) <= {10}, counts
    wait_for(lambda: db.scalar("SELECT COUNT(*) FROM knowledge_sources WHERE organization_id = %s "
                               "AND kind = 'qa' AND status <> 'ready'", [org]) == 0,
             timeout=120, interval=0.5, message="every stored pair to be ingested")


def test_responder_killed_in_a_bulk_write_leaves_no_half_of_it():
    org, key = new_org_key()
    caught = 0
    for attempt in range(6):
        tag = f"kill{attempt}-{uuid.uuid4().hex[:6]}"
        replies = []
        sender = threading.Thread(target=lambda: replies.append(
            request("POST", "/api/v1/knowledge/qas/", key=key, body=qa_pairs(tag, 1000), timeout=60)))
        sender.start()
        # Wait for the transaction to be half done: its rows are visible to a dirty read only.
        dirty = wait_for(lambda: (n := uncommitted_qas(org, tag)) > 0 and n, timeout=30, interval=0.005,
                         message="the bulk insert to start")
        busy = [entry["pid"] for entry in pool_status()["requests_in_flight"]
                if entry["request"] == "POST /api/v1/knowledge/qas/"]
        for pid in busy:
            os.kill(pid, signal.SIGKILL)
        sender.join(timeout=60)
        assert replies, "the client got an answer"
        reply = replies[0]
        # Settles at none or all of the pairs, never part of them: MariaDB rolls the open transaction
        # back when the killed responder's connection drops.
        count = wait_for(lambda: (n := committed_qas(org, tag)) in (0, 1000) and str(n), timeout=30,
                         message="the bulk to be whole or absent")
        if reply.status == 503:
            # nginx's answer for a responder that died mid-request: the client may retry.
            assert busy and dirty > 0 and reply.header("Retry-After"), reply
            if count == "0":
                caught += 1
            # else the kill came just after COMMIT: the bulk is whole, as it must be.
        else:
            # The commit and the answer won the race with the kill.
            assert reply.status == 202 and count == "1000", (reply, count)
        if caught >= 2:
            break
    assert caught >= 1, "no kill landed inside the transaction"
    wait_for(lambda: len(responder_pids()) == RESPONDERS, timeout=30, message="the pool to respawn")
    assert request("POST", "/api/v1/knowledge/qas/", key=key, body=qa_pairs("after", 3)).status == 202


def uncommitted_qas(org, tag):
    with db.session() as session:
        session.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ UNCOMMITTED")
        return session.scalar("SELECT COUNT(*) FROM knowledge_sources WHERE organization_id = %s "
                              "AND kind = 'qa' AND JSON_CONTAINS(tags, JSON_QUOTE(%s))", [org, tag])


def test_a_full_disk_under_the_originals_fails_the_upload_cleanly():
    org, key = new_org_key()
    big = ("Returns are accepted within thirty days of delivery. " * 4000).encode()
    prefix = hashlib.sha256(big).hexdigest()[:2]
    small = next(text for n in range(1000) if hashlib.sha256(text := f"Opening hours, note {n}.\n".encode()).hexdigest()[:2] != prefix)
    kept = upload(key, "kept.txt", small)
    assert kept.status == 202, kept
    # A 64 KiB file system where this organization's original of `big` would go (ORG/ab/…): every
    # other original, this organization's `kept.txt` included, stays where it is.
    full = os.path.join(os.environ["COMPANIN_BLOB_DIR"], org.lower(), prefix)
    os.makedirs(full)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", full], capture_output=True)
    try:
        if mounted.returncode != 0:
            pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
        reply = upload(key, "big.txt", big)
        assert reply.status == 507, reply
        assert reply.header("Retry-After")
        assert reply.json() == {"detail": "The file could not be stored: storage is full"}
        leftovers = [os.path.join(root, name) for root, _, names in os.walk(full) for name in names]
        assert leftovers == [], "no partial original is left behind"
        listed = request("GET", "/api/v1/knowledge/files/", key=key).json()
        assert [item["id"] for item in listed["items"]] == [kept.json()["id"]]
        assert request("GET", f"/api/v1/knowledge/files/{kept.json()['id']}/content", key=key).body == small
    finally:
        if mounted.returncode == 0:
            subprocess.run(["umount", full], check=True)
        os.rmdir(full)
    retried = upload(key, "big.txt", big)
    assert retried.status == 202, retried
    assert wait_for_status(key, f"/api/v1/knowledge/files/{retried.json()['id']}")["status"] == "ready"


def busy_responders():
    """Responders on a request other than the status page asking."""
    return [entry for entry in pool_status()["requests_in_flight"]
            if entry["role"] == "responder" and entry["request"] != "GET /status"]


def test_slow_and_vanishing_clients_do_not_hold_responders():
    org, key = new_org_key()
    log_from = len(pool_log())
    content = os.urandom(8)  # distinct bytes, so the upload is new
    big = content.hex().encode() + b"\n" + b"Shipping takes five working days.\n" * 30_000  # about 1 MiB of text
    stored = upload(key, "big.txt", big)
    assert stored.status == 202, stored
    content_path = f"/api/v1/knowledge/files/{stored.json()['id']}/content"

    # Twice as many slow uploads as there are responders: headers sent, then the body a byte at a time.
    slow_writers = []
    for _ in range(2 * RESPONDERS):
        connection = socket.create_connection((HOST, PORT), timeout=10)
        connection.sendall((f"POST /api/v1/knowledge/files/ HTTP/1.1\r\nHost: {HOST}\r\nX-API-Key: {key}\r\n"
                            "Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 100000\r\n\r\n--x\r\n").encode())
        slow_writers.append(connection)
    # As many readers that ask for the 1 MiB original and read none of it.
    slow_readers = []
    for _ in range(2 * RESPONDERS):
        connection = socket.socket()
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        connection.settimeout(10)
        connection.connect((HOST, PORT))
        connection.sendall(f"GET {content_path} HTTP/1.1\r\nHost: {HOST}\r\nX-API-Key: {key}\r\n\r\n".encode())
        slow_readers.append(connection)
    try:
        for _ in range(5):
            for connection in slow_writers:
                connection.sendall(b"a")
            time.sleep(0.2)
        # nginx holds both kinds: no responder is busy with them, and other requests go straight through.
        wait_for(lambda: busy_responders() == [], timeout=10, message="responders to be free of slow clients")
        for _ in range(3 * RESPONDERS):
            started = time.monotonic()
            assert request("GET", "/api/v1/assistants/", key=key, timeout=5).status == 200
            assert time.monotonic() - started < 2
        # None is busy with a slow client (the last quick request may still be closing on one).
        slow = ("POST /api/v1/knowledge/files", f"GET {content_path}")
        assert [r for r in busy_responders() if r["request"].startswith(slow)] == []
    finally:
        for connection in slow_writers + slow_readers:
            connection.close()

    # Clients that hang up before their answer: the responder finishes or abandons it, and lives.
    accepted = pool_status()["accepted_requests"]
    for index in range(20):
        connection = socket.create_connection((HOST, PORT), timeout=10)
        path = content_path if index % 2 else "/api/v1/knowledge/search"
        body = f'{{"query": "shipping days {index}"}}'
        connection.sendall((f"{'GET' if index % 2 else 'POST'} {path} HTTP/1.1\r\nHost: {HOST}\r\nX-API-Key: {key}\r\n"
                            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n{body}").encode())
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        connection.close()  # a reset, not a polite close
    wait_for(lambda: busy_responders() == [], timeout=20, message="abandoned requests to finish")
    assert pool_status()["accepted_requests"] > accepted
    assert responder_deaths(log_from) == []
    assert len(responder_pids()) == RESPONDERS
    for _ in range(2 * RESPONDERS):
        assert request("GET", "/api/v1/assistants/", key=key, timeout=5).status == 200
