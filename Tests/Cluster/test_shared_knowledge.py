"""Knowledge across hosts: one queue of ingestion jobs in the primary that every host's workers take
from, one directory of originals, so what is written through one host is processed by another's
worker and found through a third."""

import os

from conftest import HOSTS, frozen, in_threads, search, upload, wait_for, wait_for_status

FILES = "/api/v1/knowledge/files/"


def host_of_worker(cluster, worker):
    """The host whose ingest worker is WORKER (`jobs.worker`: a name and the worker's pid)."""
    name, _, pid = worker.rpartition(":")
    for host in cluster.hosts.values():
        if name == host.id or (pid.isdigit() and int(pid) in host.worker_pids()):
            return host.name
    raise AssertionError(f"no host runs the ingest worker {worker}")


def claimed_by(cluster, source_id):
    """The host whose worker did the source's one job (marked done just after the source is ready)."""
    jobs = wait_for(lambda: (rows := cluster.db.query("SELECT worker, state FROM ingestion_jobs WHERE source_id = %s",
                                                      [source_id])) and [row["state"] for row in rows] == ["done"] and rows,
                    timeout=15, message=f"the job of {source_id} done")
    return host_of_worker(cluster, jobs[0]["worker"])


def others(cluster, name):
    """The ingest workers of every host but NAME."""
    return [pid for host in cluster.hosts.values() if host.name != name for pid in host.worker_pids()]


def test_knowledge_written_through_one_host_is_processed_by_another_and_found_through_a_third(cluster):
    a, b, c = (cluster.hosts[name] for name in "abc")
    _, key = cluster.new_org_key("Shared knowledge", limit=1_000_000)
    content = "The Quillwort lighthouse lends brass lanterns to visiting sailors every solstice.".encode()
    # Only host c's worker is awake: it must take the job that host a queued.
    with frozen(others(cluster, "c")):
        reply = upload(a, key, "lighthouse.txt", content)
        assert reply.status == 202, reply
        source = wait_for_status(b, key, f"{FILES}{reply.json()['id']}")
    assert source["status"] == "ready", source
    assert claimed_by(cluster, source["id"]) == "c"

    hits = search(c, key, "quillwort lighthouse brass lanterns", top_k=3)
    assert hits and hits[0]["source_id"] == source["id"], hits
    original = b.request("GET", f"{FILES}{source['id']}/content", key=key)
    assert original.status == 200 and original.body == content
    # The one shared directory of originals holds it.
    blob = cluster.db.scalar("SELECT blob_path FROM knowledge_sources WHERE id = %s", [source["id"]])
    with open(os.path.join(cluster.blob_dir, blob), "rb") as handle:
        assert handle.read() == content


def test_every_host_takes_jobs_from_the_one_queue(cluster):
    _, key = cluster.new_org_key("One queue", limit=1_000_000)
    # Each host's worker alone in turn, with the file uploaded through the next host.
    took = {}
    for index, name in enumerate(HOSTS):
        through = cluster.hosts[HOSTS[(index + 1) % len(HOSTS)]]
        with frozen(others(cluster, name)):
            reply = upload(through, key, f"turn-{name}.txt", f"Turn of host {name}: ingested by its worker alone.".encode())
            assert reply.status == 202, reply
            assert wait_for_status(through, key, f"{FILES}{reply.json()['id']}")["status"] == "ready"
        took[reply.json()["id"]] = claimed_by(cluster, reply.json()["id"])
    assert sorted(took.values()) == sorted(HOSTS), took

    # All awake: a burst through every host at once is processed, whoever takes each job.
    def send(index):
        host = cluster.hosts[HOSTS[index % len(HOSTS)]]
        reply = upload(host, key, f"burst-{index}.txt", f"Burst file number {index} sent through {host.id}.".encode())
        assert reply.status == 202, reply
        return reply.json()["id"]
    ids = in_threads(9, send)
    reader = cluster.hosts["b"]
    assert [wait_for_status(reader, key, f"{FILES}{source_id}")["status"] for source_id in ids] == ["ready"] * 9
    burst = [claimed_by(cluster, source_id) for source_id in ids]
    print(f"\nalone in turn: {sorted(took.values())}; burst of 9 taken by {dict((n, burst.count(n)) for n in HOSTS)}")
    for source_id in [*took, *ids]:
        blob = cluster.db.scalar("SELECT blob_path FROM knowledge_sources WHERE id = %s", [source_id])
        assert os.path.isfile(os.path.join(cluster.blob_dir, blob))
