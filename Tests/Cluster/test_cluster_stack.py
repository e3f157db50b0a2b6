"""The cluster as built: three pools, each behind its own nginx, on one primary; a read-only replica
that follows the primary; one directory of originals."""

import pytest

from conftest import HOSTS, DatabaseError, wait_for


def test_every_host_answers_through_its_own_nginx_with_a_pool_of_its_own(cluster):
    _, key = cluster.new_org_key(limit=1000)
    masters = set()
    for name in HOSTS:
        host = cluster.hosts[name]
        reply = host.request("GET", "/api/v1/assistants/", key=key)
        assert reply.status == 200, (host, reply)
        masters.add(host.master_pid())
        assert len(host.child_pids("respond")) == 2 and len(host.worker_pids()) == 1, host
        assert host.stack.env["COMPANIN_BLOB_DIR"] == cluster.blob_dir
    assert len(masters) == 3 and None not in masters
    assert len({host.port for host in cluster.hosts.values()}) == 3


def test_the_replica_is_a_read_only_copy_of_the_primary(cluster):
    org, _ = cluster.new_org_key("Replicated")
    cluster.wait_replica()
    assert cluster.replica_db.scalar("SELECT name FROM organizations WHERE id = %s", [org]) == "Replicated"
    assert cluster.replica_db.scalar("SELECT @@read_only") == 1
    assert cluster.replica_db.scalar("SELECT @@server_id") != cluster.db.scalar("SELECT @@server_id")
    with pytest.raises(DatabaseError) as refused:
        cluster.replica_db.execute("UPDATE organizations SET name = 'changed on the replica' WHERE id = %s", [org])
    assert refused.value.args[0] == 1290, refused.value  # --read-only
    status = cluster.replica.replica_status()
    assert (status["Slave_IO_Running"], status["Slave_SQL_Running"], status["Using_Gtid"]) == ("Yes", "Yes", "Slave_Pos")
    assert (status["Master_Host"], int(status["Master_Port"])) == ("127.0.0.1", cluster.primary.mariadb_port())


def test_a_lagging_replica_catches_up(cluster):
    cluster.replica.replica_sql_stop()
    try:
        org, _ = cluster.new_org_key("Applied later")
        wait_for(lambda: cluster.replica.replica_status()["Slave_SQL_Running"] == "No", timeout=10, message="SQL thread stopped")
        assert cluster.replica_db.scalar("SELECT COUNT(*) FROM organizations WHERE id = %s", [org]) == 0
    finally:
        cluster.replica.replica_sql_start()
    cluster.wait_replica()
    assert cluster.replica_db.scalar("SELECT COUNT(*) FROM organizations WHERE id = %s", [org]) == 1
