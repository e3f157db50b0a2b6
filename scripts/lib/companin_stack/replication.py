"""MariaDB replication on loopback for the stack: the options that make a private server a
replication primary (a TCP port on 127.0.0.1, a binary log with GTIDs) or a read-only replica, the
primary's replication account, and a replica following, pausing and catching up.

A replica replays the primary's binary log from an empty GTID position: no dump is taken, so the
primary must have logged everything from its first start on (its provisioning included). Stack
writes BINLOG_MARKER into the primary's mariadb directory when it initializes a datadir with a
server id, and a replica is only started from a primary that has it.
"""

import os
import re
import time

from . import processes
from .database import _driver
from .processes import StackError, log

# The primary's account the replicas connect with, on 127.0.0.1 only.
USER = "replication"
HOST = "127.0.0.1"
# In the primary's mariadb directory: the replication account's password, and the marker of a
# binary log that holds everything since the datadir was created.
PASSWORD_FILE = "replication-password"
BINLOG_MARKER = "binlog-since-init"
# Names relative to the datadir.
BINLOG_NAME = "mariadb-bin"
RELAY_LOG_NAME = "relay-bin"


def tcp_port(value, name="STACK_MARIADB_PORT"):
    """VALUE as a TCP port (None when empty)."""
    if not value:
        return None
    if not (re.fullmatch(r"[0-9]+", value) and 0 < int(value) < 65536):
        raise StackError(f"invalid {name} '{value}' (a TCP port)")
    return int(value)


def server_id(value, name="STACK_MARIADB_SERVER_ID"):
    """VALUE as a MariaDB server id (None when empty)."""
    if not value:
        return None
    if not (re.fullmatch(r"[0-9]+", value) and 0 < int(value) < 2**32):
        raise StackError(f"invalid {name} '{value}' (1 to 4294967295)")
    return int(value)


def network_options(port):
    """No TCP at all without a port; with one, 127.0.0.1:PORT (never another address) besides the socket."""
    if port is None:
        return ["--skip-networking"]
    return ["--bind-address=127.0.0.1", f"--port={port}"]


def binlog_options(server):
    """A binary log with GTIDs, in row format, that also holds what the server applies as a
    replica (so a replica could serve as a primary). Trusting function creators lets the
    application's account create the migrations' triggers, which MariaDB otherwise reserves for
    SUPER while a binary log is on (in row format the replica applies the rows, not the trigger)."""
    return [f"--server-id={server}", f"--log-bin={BINLOG_NAME}", f"--relay-log={RELAY_LOG_NAME}",
            "--binlog-format=ROW", "--log-slave-updates", "--gtid-strict-mode=ON",
            "--log-bin-trust-function-creators=1"]


def replica_options():
    """A replica accepts writes only from its replication threads (and root)."""
    return ["--read-only"]


def change_master(port, password):
    """The statement that points a replica at the primary on 127.0.0.1:PORT from its GTID position,
    and its parameters (PyMySQL binds them on the client side; CHANGE MASTER takes no placeholders
    on the server)."""
    return ("CHANGE MASTER TO MASTER_HOST=%s, MASTER_PORT=%s, MASTER_USER=%s, MASTER_PASSWORD=%s, "
            "MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1", [HOST, port, USER, password])


def primary_port(primary):
    """The running primary's TCP port; a StackError when it has none, no binary log, or a binary log
    that does not go back to its first start."""
    with primary._root(timeout=10).session() as root:
        row = root.query("SELECT @@log_bin AS log_bin, @@skip_networking AS skip_networking, @@port AS port, "
                         "@@server_id AS server_id")[0]
    if not row["log_bin"]:
        raise StackError(f"the primary ({primary.var}) has no binary log: start it with STACK_MARIADB_SERVER_ID "
                         "(and STACK_MARIADB_PORT) from its first start")
    if row["skip_networking"]:
        raise StackError(f"the primary ({primary.var}) does not listen on TCP: start it with STACK_MARIADB_PORT")
    if not os.path.exists(os.path.join(primary.mariadb_dir, BINLOG_MARKER)):
        raise StackError(f"the primary's binary log ({primary.var}) does not go back to its first start (no "
                         f"{BINLOG_MARKER}): a replica replays it from the beginning, so the primary must be "
                         "created with STACK_MARIADB_SERVER_ID set")
    return int(row["port"]), int(row["server_id"])


def ensure_account(primary):
    """Creates (or keeps) the replication account on the primary; returns its password, kept in the
    primary's mariadb directory (mode 600)."""
    path = os.path.join(primary.mariadb_dir, PASSWORD_FILE)
    try:
        with open(path) as handle:
            password = handle.read().strip()
    except FileNotFoundError:
        password = ""
    if not password:
        password = os.urandom(16).hex()
        processes.write_private(path, password + "\n")
    account = f"'{USER}'@'{HOST}'"
    try:
        with primary._root().session() as root:
            root.execute(f"CREATE USER IF NOT EXISTS {account} IDENTIFIED BY %s", [password])
            root.execute(f"ALTER USER {account} IDENTIFIED BY %s", [password])
            root.execute(f"GRANT REPLICATION SLAVE ON *.* TO {account}")
    except (_driver().err.MySQLError, OSError) as error:
        raise StackError(f"creating the replication account on the primary failed: {error}") from None
    return password


def follow(replica, port, password):
    """Points the running replica at the primary on 127.0.0.1:PORT (from the GTID position it has
    applied: empty at first, so the whole binary log) and starts both replication threads."""
    statement, parameters = change_master(port, password)
    driver = _driver()
    try:
        with replica._root().session() as root:
            if root.query("SHOW SLAVE STATUS"):
                root.execute("STOP SLAVE")
            root.execute(statement, parameters)
            root.execute("START SLAVE")
    except (driver.err.MySQLError, OSError) as error:
        raise StackError(f"starting replication failed: {error}") from None
    log(f"replica {replica.var} follows 127.0.0.1:{port} (GTID, from its own position)")


def status(replica):
    """SHOW SLAVE STATUS of the replica as a dict (None when it is not configured)."""
    rows = replica._root(timeout=10).query("SHOW SLAVE STATUS")
    return rows[0] if rows else None


def _problem(row):
    """A replication thread's error, as text (None when there is none)."""
    if row is None:
        return "replication is not configured"
    for thread in ("IO", "SQL"):
        error = row.get(f"Last_{thread}_Error")
        if error:
            return f"{thread} thread: {error}"
    return None


def wait_caught_up(replica, primary, timeout):
    """Waits until the replica has applied everything the primary had logged when this was called
    (MASTER_GTID_WAIT on the primary's @@gtid_binlog_pos); a StackError after TIMEOUT seconds or as
    soon as a replication thread reports an error."""
    driver = _driver()
    try:
        position = primary._root(timeout=10).scalar("SELECT @@gtid_binlog_pos")
        deadline = time.monotonic() + timeout
        with replica._root(timeout=timeout + 10).session() as root:
            while True:
                left = deadline - time.monotonic()
                if root.scalar("SELECT MASTER_GTID_WAIT(%s, %s)", [position, max(0.0, min(1.0, left))]) == 0:
                    return position
                row = (root.query("SHOW SLAVE STATUS") or [None])[0]
                problem = _problem(row)
                if problem:
                    raise StackError(f"the replica ({replica.var}) stopped replicating: {problem}")
                if left <= 0:
                    applied = root.scalar("SELECT @@gtid_slave_pos")
                    raise StackError(f"the replica ({replica.var}) did not reach the primary's GTID position "
                                     f"{position} within {timeout}s (applied: {applied or 'nothing'}; IO thread "
                                     f"{row['Slave_IO_Running']}, SQL thread {row['Slave_SQL_Running']})")
    except (driver.err.MySQLError, OSError) as error:
        raise StackError(f"waiting for the replica failed: {error}") from None


def sql_thread(replica, running):
    """Starts or stops the replica's SQL thread (the IO thread keeps fetching the primary's log)."""
    driver = _driver()
    try:
        replica._root(timeout=30).execute("START SLAVE SQL_THREAD" if running else "STOP SLAVE SQL_THREAD")
    except (driver.err.MySQLError, OSError) as error:
        raise StackError(f"{'starting' if running else 'stopping'} the replica's SQL thread failed: {error}") from None
