"""Companin's local stack: a private MariaDB, the FastCGI pool (`companin serve`) and nginx, all bound
to loopback or unix sockets, with their state in one VAR directory.

    stack = Stack(var_dir, "test")        paths, directories, profile (test: faster, less durable
                                          MariaDB and high nginx flood-guard limits)
    stack.save_config()                   remember COMPANIN_BIN, ports, limits, profile in VAR/stack.env
    stack.mariadb_start() / _stop() / _restart()
    replica.mariadb_start_replica(primary)   a read-only replica of PRIMARY (a Stack whose server has a
                                          binary log and a TCP port: STACK_MARIADB_SERVER_ID/_PORT)
    replica.replica_wait(primary) / replica_sql_stop() / replica_sql_start() / replica_status()
    stack.mariadb_create_database(name)   grants the application user ALL on NAME.*
    stack.database_url(name)              mariadb:// URL of the private server (application user)
    stack.admin_database_url(name)        the same as the server's root user
    stack.database(name)                  a Database (SQL with bound parameters, rows as dicts)
    stack.pool_start() / _stop() / _restart() / _wait()   needs COMPANIN_BIN and the database
    stack.nginx_render() / _start() / _stop() / _restart()   port COMPANIN_HTTP_PORT (default 8080)
    stack.stop_all()                      nginx, then the pool, then MariaDB
    stack.env_lines(), stack.status_lines(), stack.tail_logs(lines)

Settings come from `env` (default: this process's environment); those saved in VAR/stack.env fill
in what `env` does not set. Every method raises StackError on failure and leaves nothing running
that it started.

Settings:
  COMPANIN_DATABASE_URL   set to a URL that is not this VAR's private server: use that external
                          server, start no private MariaDB (e.g. several pools, each in a VAR of its
                          own with its own ports, on one VAR's server)
  STACK_MARIADB_PORT      the private server also listens on 127.0.0.1:PORT (TCP; never another
                          address); without it, only on its socket
  STACK_MARIADB_SERVER_ID the private server's server id, with a binary log (GTIDs, row format): a
                          replication primary. Set it from the server's FIRST start: a replica replays
                          the binary log from the beginning (no dump), provisioning included
  STACK_MARIADB_REPLICA_OF  (saved by mariadb_start_replica) the primary's VAR: this server starts
                          read-only, is never provisioned itself and resumes replicating
  COMPANIN_BIN            the companin executable (pool_start)
  COMPANIN_HTTP_PORT      nginx port on 127.0.0.1 (default 8080)
  COMPANIN_STATUS_PORT    nginx's operators-only status port on 127.0.0.1 (default 8081)
  COMPANIN_FLOOD_RATE / COMPANIN_FLOOD_BURST   per-address flood guard (run: 50r/s 200, test: 2000r/s 4000)
  COMPANIN_TRUSTED_PROXIES                     proxies whose X-Forwarded-For names the client (CIDRs; none)
  COMPANIN_NGINX_WORKERS  nginx worker_processes (default 2)
  STACK_PROFILE           run (default) or test, when not given to Stack()
  STACK_MARIADB_TIMEOUT (60) STACK_POOL_TIMEOUT (30) STACK_NGINX_TIMEOUT (15) STACK_STOP_TIMEOUT (30)
                          seconds allowed for start-up and for a graceful stop
  STACK_REPLICA_TIMEOUT (60)  seconds a replica may take to catch up with its primary
"""

import datetime
import ipaddress
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time

from . import processes, replication
from .database import Database, _driver
from .processes import StackError, log

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

CONFIG_NAMES = ("STACK_PROFILE", "COMPANIN_BIN", "COMPANIN_HTTP_PORT", "COMPANIN_STATUS_PORT", "COMPANIN_FLOOD_RATE",
                "COMPANIN_FLOOD_BURST", "COMPANIN_NGINX_WORKERS", "COMPANIN_TRUSTED_PROXIES", "STACK_MARIADB_PORT",
                "STACK_MARIADB_SERVER_ID", "STACK_MARIADB_REPLICA_OF")
PROFILES = ("run", "test")
# The application's database user and its database on the private server.
APP_USER = "companin"
APP_DATABASE = "companin"


class Stack:
    def __init__(self, var, profile=None, env=None, load_config=True):
        if not var:
            raise StackError("VAR directory missing")
        try:
            os.makedirs(var, exist_ok=True)
        except OSError as error:
            raise StackError(f"cannot create {var}: {error}") from None
        self.var = os.path.realpath(var)
        self.env = dict(os.environ if env is None else env)
        if profile:
            self.env["STACK_PROFILE"] = profile
        self.mariadb_dir = os.path.join(self.var, "mariadb")
        self.mariadb_socket = os.path.join(self.mariadb_dir, "mariadb.sock")
        self.run_dir = os.path.join(self.var, "run")
        self.log_dir = os.path.join(self.var, "log")
        self.nginx_dir = os.path.join(self.var, "nginx")
        self.fastcgi_socket = os.path.join(self.run_dir, "companin.sock")
        self.pool_log = os.path.join(self.log_dir, "companin.log")
        self.nginx_conf = os.path.join(self.nginx_dir, "nginx.conf")
        self.config_path = os.path.join(self.var, "stack.env")
        for directory in (self.run_dir, self.log_dir, self.nginx_dir):
            os.makedirs(directory, exist_ok=True)
        try:
            os.chmod(self.var, 0o700)
        except OSError:
            pass
        if load_config:
            self.load_config()
        if self.profile not in PROFILES:
            raise StackError(f"unknown profile '{self.profile}' (run|test)")
        self.mariadb_first_start = False
        self.pool_pid = None
        self.http_port = None

    # --- settings --------------------------------------------------------------------------------

    @property
    def profile(self):
        return self.env.get("STACK_PROFILE") or "run"

    def setting(self, name, default=""):
        return self.env.get(name) or default

    def seconds(self, name, default):
        value = self.setting(name, str(default))
        if not re.fullmatch(r"[0-9]+", value):
            raise StackError(f"invalid {name} '{value}' (seconds)")
        return int(value)

    def with_env(self, **settings):
        """A Stack on the same VAR whose environment has SETTINGS (None removes one): e.g. the pool
        restarted with other settings."""
        env = dict(self.env)
        for name, value in settings.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = str(value)
        return Stack(self.var, env=env, load_config=False)

    def save_config(self):
        """Writes VAR/stack.env (mode 600), shell syntax; the external database URL included."""
        lines = ["# written by companin_stack (Stack.save_config); the environment overrides these"]
        for name in CONFIG_NAMES:
            if self.env.get(name):
                lines.append(f"{name}={shlex.quote(self.env[name])}")
        if self.external_db():
            lines.append(f"COMPANIN_DATABASE_URL={shlex.quote(self.env['COMPANIN_DATABASE_URL'])}")
        processes.write_private(self.config_path, "\n".join(lines) + "\n")

    def load_config(self):
        """Sets the saved settings that the environment does not set."""
        try:
            with open(self.config_path) as handle:
                text = handle.read()
        except FileNotFoundError:
            return
        for line in text.splitlines():
            match = re.match(r"([A-Z_][A-Z0-9_]*)=(.*)", line)
            if not match:
                continue
            name, value = match.groups()
            if name not in CONFIG_NAMES and name != "COMPANIN_DATABASE_URL":
                continue
            if self.env.get(name):
                continue
            words = shlex.split(value) if value else [""]
            self.env[name] = words[0] if words else ""

    def external_db(self):
        """COMPANIN_DATABASE_URL names a server other than this VAR's private one."""
        url = self.env.get("COMPANIN_DATABASE_URL", "")
        return bool(url) and f"socket={self.mariadb_socket}" not in url

    # --- MariaDB ---------------------------------------------------------------------------------

    def _mariadb_tools(self):
        _driver()  # the client this module talks to the server with
        self.mariadbd = processes.find_bin("mariadbd")
        self.mariadb_install_db = processes.find_bin("mariadb-install-db")

    def _root(self, database=None, timeout=60):
        """The private server's root account over its socket."""
        return Database(self.admin_database_url(database or ""), connect_timeout=5, read_timeout=timeout,
                        write_timeout=timeout)

    def _mariadb_ping(self):
        """The server answers on its socket (a refused login counts: the server is up)."""
        driver = _driver()
        try:
            with self._root(timeout=5).session() as session:
                session.connection.ping(reconnect=False)
            return True
        except driver.err.OperationalError as error:
            return bool(error.args) and error.args[0] in (1044, 1045, 1698)
        except (driver.err.MySQLError, OSError):
            return False

    def is_replica(self):
        """This VAR's server is a replica (mariadb_start_replica made it one)."""
        return bool(self.setting("STACK_MARIADB_REPLICA_OF"))

    def mariadb_port(self):
        """STACK_MARIADB_PORT, or None: the server listens on its socket only."""
        return replication.tcp_port(self.setting("STACK_MARIADB_PORT"))

    def mariadb_server_id(self):
        """STACK_MARIADB_SERVER_ID, or None: no binary log."""
        return replication.server_id(self.setting("STACK_MARIADB_SERVER_ID"))

    def mariadb_options(self):
        """mariadbd's options (after the paths): the socket only, or also 127.0.0.1:STACK_MARIADB_PORT;
        a binary log with STACK_MARIADB_SERVER_ID; read-only for a replica."""
        # innodb_flush_log_at_trx_commit=2 (lose up to a second on a crash) for tests only.
        options = [
            *replication.network_options(self.mariadb_port()),
            "--skip-name-resolve",
            "--character-set-server=utf8mb4",
            "--collation-server=utf8mb4_unicode_ci",
            "--innodb-buffer-pool-size=128M",
            "--innodb-log-file-size=48M",
            "--key-buffer-size=8M",
            "--aria-pagecache-buffer-size=16M",
            "--max-connections=200",
        ]
        if self.profile == "test":
            options.append("--innodb-flush-log-at-trx-commit=2")
        server = self.mariadb_server_id()
        if server is not None:
            options += replication.binlog_options(server)
        if self.is_replica():
            if server is None:
                raise StackError("a replica needs STACK_MARIADB_SERVER_ID (mariadb_start_replica saves one)")
            options += replication.replica_options()
        if os.getuid() == 0:
            options.append("--user=root")
        return options

    def database_url(self, name=APP_DATABASE):
        """URL of the private server for the application user."""
        try:
            with open(os.path.join(self.mariadb_dir, "app-password")) as handle:
                password = handle.read().strip()
        except OSError:
            password = ""
        if not password:
            raise StackError(f"no application password in {self.mariadb_dir}/app-password (start MariaDB first)")
        return f"mariadb://{APP_USER}:{password}@localhost/{name}?socket={self.mariadb_socket}"

    def admin_database_url(self, name=APP_DATABASE):
        """The private server's root account over its socket (creating accounts, e.g.
        `companin db grant-reporting`)."""
        return f"mariadb://root@localhost/{name}?socket={self.mariadb_socket}"

    def database(self, name=APP_DATABASE, **overrides):
        """The application's database, as the application's user (an external server's URL as given);
        `overrides` are PyMySQL connect() arguments, e.g. a longer read_timeout for bulk loads."""
        if self.external_db():
            return Database(self.env["COMPANIN_DATABASE_URL"], **overrides)
        return Database(self.database_url(name), **overrides)

    def _ensure_database_url(self):
        """COMPANIN_DATABASE_URL for the external or the private server."""
        if not self.external_db():
            self.env["COMPANIN_DATABASE_URL"] = self.database_url(APP_DATABASE)

    def _mariadb_provision(self):
        password = os.urandom(16).hex()
        user = f"'{APP_USER}'@'localhost'"
        try:
            with self._root().session() as root:
                root.execute(f"CREATE DATABASE IF NOT EXISTS {APP_DATABASE} "
                             "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
                root.execute(f"CREATE USER IF NOT EXISTS {user} IDENTIFIED BY %s", [password])
                root.execute(f"ALTER USER {user} IDENTIFIED BY %s", [password])
                root.execute(f"GRANT ALL PRIVILEGES ON {APP_DATABASE}.* TO {user}")
        except (_driver().err.MySQLError, OSError) as error:
            raise StackError(f"creating database {APP_DATABASE} and user {APP_USER} failed: {error}") from None
        path = os.path.join(self.mariadb_dir, "app-password")
        processes.write_private(path, password + "\n")
        log(f"created database {APP_DATABASE} and user {APP_USER}@localhost (password in {path})")

    def mariadb_create_database(self, name):
        """Creates NAME (utf8mb4) and grants the application user ALL on it."""
        if not re.fullmatch(r"[A-Za-z0-9_]+", name or ""):
            raise StackError(f"invalid database name '{name}'")
        if self.external_db():
            raise StackError("cannot create databases on an external server")
        if self.is_replica():
            raise StackError("cannot create databases on a replica (create them on its primary)")
        try:
            with self._root().session() as root:
                root.execute(f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
                root.execute(f"GRANT ALL PRIVILEGES ON `{name}`.* TO '{APP_USER}'@'localhost'")
        except (_driver().err.MySQLError, OSError) as error:
            raise StackError(f"creating database {name} failed: {error}") from None

    def mariadb_start(self):
        """Starts (the first time: initializes) the private server; sets COMPANIN_DATABASE_URL in
        self.env and self.mariadb_first_start (True when the datadir was just created).

        With STACK_MARIADB_SERVER_ID the server keeps a binary log; for a replication primary it must
        be set from this first start, so that the log holds everything from provisioning on (a
        replica replays it from an empty GTID position). A replica's VAR (STACK_MARIADB_REPLICA_OF)
        starts read-only, unprovisioned (its accounts come from the primary) and resumes replicating."""
        directory, data = self.mariadb_dir, os.path.join(self.mariadb_dir, "data")
        timeout = self.seconds("STACK_MARIADB_TIMEOUT", 60)
        self.mariadb_first_start = False
        if self.external_db():
            log("COMPANIN_DATABASE_URL names an external server; not starting a private MariaDB")
            return
        self._mariadb_tools()
        processes.check_socket_path(self.mariadb_socket)
        try:
            os.makedirs(os.path.join(directory, "tmp"), exist_ok=True)
            os.chmod(directory, 0o700)
        except OSError:
            raise StackError(f"cannot create {directory}") from None
        options = self.mariadb_options()
        port = self.mariadb_port()
        pid_file = os.path.join(directory, "mariadbd.pid")
        error_log = os.path.join(directory, "error.log")

        pid = processes.pid_from(pid_file, "mariadbd")
        if pid:
            if self._mariadb_ping():
                log(f"MariaDB already running (pid {pid})")
                if not self._has_app_password() and not self.is_replica():
                    self._mariadb_provision()
                self._ensure_database_url()
                return
            raise StackError(f"a mariadbd (pid {pid}) owns {directory} but does not answer; stop it first "
                             f"(scripts/lib/stack {self.var} mariadb-stop)")
        processes.remove(self.mariadb_socket, pid_file)
        if port is not None and processes.port_open(port):
            raise StackError(f"port {port} on 127.0.0.1 is already in use (choose another STACK_MARIADB_PORT)")

        if not os.path.isdir(data):
            log(f"initializing MariaDB datadir {data}")
            shutil.rmtree(f"{data}.init", ignore_errors=True)
            install = [self.mariadb_install_db, "--no-defaults", f"--datadir={data}.init",
                       "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve",
                       "--innodb-log-file-size=48M", "--innodb-buffer-pool-size=128M"]
            if os.getuid() == 0:
                install.append("--user=root")
            install_log = os.path.join(directory, "install-db.log")
            with open(install_log, "wb") as output:
                status = subprocess.run(install, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT).returncode
            if status != 0:
                print("stack: error: mariadb-install-db failed:", file=sys.stderr)
                processes.tail(install_log, 30)
                shutil.rmtree(f"{data}.init", ignore_errors=True)
                raise StackError("mariadb-install-db failed")
            os.rename(f"{data}.init", data)
            self.mariadb_first_start = True
            marker = os.path.join(directory, replication.BINLOG_MARKER)
            if self.mariadb_server_id() is not None and not self.is_replica():
                with open(marker, "w") as handle:
                    handle.write("The binary log holds everything since this datadir was created "
                                 "(replicas replay it from the beginning).\n")
            else:
                processes.remove(marker)

        pid = processes.spawn([self.mariadbd, "--no-defaults", f"--datadir={data}", f"--socket={self.mariadb_socket}",
                               f"--pid-file={pid_file}", f"--log-error={error_log}",
                               f"--tmpdir={os.path.join(directory, 'tmp')}", *options], log_path=error_log)
        try:
            self._mariadb_wait(pid, timeout, error_log)
        except BaseException:
            if processes.alive(pid):
                processes.terminate("mariadbd", pid, signal.SIGTERM, 10)
            raise
        tcp = f", 127.0.0.1:{port}" if port is not None else ""
        log(f"MariaDB running (pid {pid}, socket {self.mariadb_socket}{tcp})")
        self._ensure_database_url()

    def _mariadb_wait(self, pid, timeout, error_log):
        """Waits for the just started server to answer, then provisions it if needed; the caller stops
        the server when this raises."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not processes.alive(pid):
                processes.tail(error_log, 30)
                raise StackError("mariadbd exited during start-up")
            if self._mariadb_ping():
                break
            time.sleep(0.2)
        else:
            if not self._mariadb_ping():
                processes.tail(error_log, 30)
                raise StackError(f"MariaDB did not answer within {timeout}s")
        if self.is_replica():
            return  # its databases and accounts arrive from the primary
        if self.mariadb_first_start or not self._has_app_password():
            self._mariadb_provision()

    def _has_app_password(self):
        try:
            return os.path.getsize(os.path.join(self.mariadb_dir, "app-password")) > 0
        except OSError:
            return False

    def mariadb_stop(self):
        if self.external_db():
            return
        timeout = self.seconds("STACK_STOP_TIMEOUT", 30)
        pid_file = os.path.join(self.mariadb_dir, "mariadbd.pid")
        pid = processes.pid_from(pid_file, "mariadbd")
        if pid:
            if self._mariadb_shutdown(timeout) and processes.wait_gone(pid, timeout):
                log("MariaDB stopped")
            else:
                log(f"SHUTDOWN did not stop MariaDB (pid {pid}); sending SIGTERM")
                processes.terminate("mariadbd", pid, signal.SIGTERM, timeout)
        processes.remove(self.mariadb_socket, pid_file)

    def _mariadb_shutdown(self, timeout):
        """SHUTDOWN as root; True when the statement reached the server."""
        driver = _driver()
        reached = False
        try:
            with self._root(timeout=timeout + 5).session() as session:
                reached = True
                session.execute("SHUTDOWN")
        except (driver.err.MySQLError, OSError):
            pass  # the server may close the connection as it goes down
        return reached

    def mariadb_restart(self):
        self.mariadb_stop()
        self.mariadb_start()

    # --- replication -----------------------------------------------------------------------------

    def mariadb_start_replica(self, primary):
        """Makes this VAR's server a read-only replica of PRIMARY's (a Stack whose server runs with
        STACK_MARIADB_SERVER_ID and STACK_MARIADB_PORT, set from its first start) and waits until it
        has caught up. Idempotent: an existing replica is started if needed and pointed at the
        primary again from the GTID position it has applied.

        The first time, the replica's datadir is initialized empty and the whole binary log is
        replayed (no dump): the application's database and user come from the primary, so the
        primary's app-password is copied here and database_url() works on the replica too. The
        primary gets (once) an account 'replication'@'127.0.0.1' with a random password; the replica
        connects to it over TCP on 127.0.0.1. The replica's server id is its STACK_MARIADB_SERVER_ID,
        else the primary's plus one; it listens on TCP only with a STACK_MARIADB_PORT of its own."""
        if os.path.realpath(primary.var) == self.var:
            raise StackError("a server cannot replicate itself (give the replica a VAR of its own)")
        if self.external_db() or primary.external_db():
            raise StackError("replication is between two private servers (unset COMPANIN_DATABASE_URL)")
        if not processes.pid_from(os.path.join(primary.mariadb_dir, "mariadbd.pid"), "mariadbd"):
            raise StackError(f"the primary's MariaDB ({primary.var}) is not running")
        port, primary_server = replication.primary_port(primary)
        server = self.mariadb_server_id()
        if server is None:
            server = primary_server + 1
        if server == primary_server:
            raise StackError(f"the replica needs a server id other than the primary's ({primary_server}): "
                             "set STACK_MARIADB_SERVER_ID for it, or leave it unset")
        if self.mariadb_port() == port:
            raise StackError(f"the replica cannot listen on the primary's port {port} (STACK_MARIADB_PORT)")
        password = replication.ensure_account(primary)
        try:
            with open(os.path.join(primary.mariadb_dir, "app-password")) as handle:
                app_password = handle.read()
        except OSError:
            raise StackError(f"the primary ({primary.var}) has no app-password (start it with mariadb_start)") from None
        os.makedirs(self.mariadb_dir, exist_ok=True)
        processes.write_private(os.path.join(self.mariadb_dir, "app-password"), app_password)
        self.env["STACK_MARIADB_SERVER_ID"] = str(server)
        self.env["STACK_MARIADB_REPLICA_OF"] = primary.var
        self.save_config()
        self.mariadb_start()
        replication.follow(self, port, password)
        self.replica_wait(primary)

    def replica_wait(self, primary, timeout=None):
        """Waits until this replica has applied everything PRIMARY had logged when called (bounded by
        STACK_REPLICA_TIMEOUT, 60 s); returns that GTID position."""
        timeout = self.seconds("STACK_REPLICA_TIMEOUT", 60) if timeout is None else timeout
        position = replication.wait_caught_up(self, primary, timeout)
        log(f"replica {self.var} caught up with the primary (GTID {position or 'empty'})")
        return position

    def replica_sql_stop(self):
        """STOP SLAVE SQL_THREAD: the replica keeps fetching the primary's log but applies nothing (it lags)."""
        replication.sql_thread(self, running=False)

    def replica_sql_start(self):
        """START SLAVE SQL_THREAD: the replica applies what it fetched meanwhile."""
        replication.sql_thread(self, running=True)

    def replica_status(self):
        """SHOW SLAVE STATUS as a dict (None when the server is not a replica)."""
        return replication.status(self)

    # --- the FastCGI pool ------------------------------------------------------------------------

    def pool_pids(self):
        """The alive pool master pid(s)."""
        seen = []
        for name in ("pool.pid", "companin.pid"):
            pid = processes.pid_from(os.path.join(self.run_dir, name), "companin")
            if pid and pid not in seen:
                seen.append(pid)
        return seen

    def pool_start(self):
        """`companin serve` on VAR/run/companin.sock, logs in VAR/log/companin.log; sets self.pool_pid."""
        binary = self.setting("COMPANIN_BIN")
        timeout = self.seconds("STACK_POOL_TIMEOUT", 30)
        if not binary:
            raise StackError("COMPANIN_BIN is not set (path of the companin executable)")
        if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
            raise StackError(f"COMPANIN_BIN={binary} is not an executable (build first)")
        self._ensure_database_url()
        processes.check_socket_path(self.fastcgi_socket)
        running = self.pool_pids()
        if running:
            log(f"pool already running (pid {running[0]})")
            self.pool_pid = running[0]
            return
        pool_pid_file = os.path.join(self.run_dir, "pool.pid")
        processes.remove(self.fastcgi_socket, pool_pid_file, os.path.join(self.run_dir, "companin.pid"))
        with open(self.pool_log, "a") as handle:
            now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            handle.write(f"{now} stack: starting {binary} serve\n")
        pid = processes.spawn([binary, "serve", "--socket", self.fastcgi_socket,
                               "--pid-file", os.path.join(self.run_dir, "companin.pid")],
                              log_path=self.pool_log, cwd=ROOT, env=self.env)
        with open(pool_pid_file, "w") as handle:
            handle.write(f"{pid}\n")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not processes.alive(pid):
                processes.tail(self.pool_log, 30)
                processes.remove(pool_pid_file)
                raise StackError("companin serve exited during start-up")
            if processes.is_socket(self.fastcgi_socket):
                break
            time.sleep(0.1)
        if not processes.is_socket(self.fastcgi_socket):
            processes.tail(self.pool_log, 30)
            processes.terminate("companin serve", pid, signal.SIGTERM, 10)
            processes.remove(pool_pid_file)
            raise StackError(f"companin serve did not create {self.fastcgi_socket} within {timeout}s")
        self.pool_pid = pid
        log(f"pool running (pid {pid}, socket {self.fastcgi_socket}, log {self.pool_log})")

    def pool_stop(self):
        """SIGTERM (the pool drains), bounded wait, then SIGKILL to its process group."""
        stopped = False
        for pid in self.pool_pids():
            processes.terminate("companin serve", pid, signal.SIGTERM, self.seconds("STACK_STOP_TIMEOUT", 30))
            stopped = True
        processes.remove(self.fastcgi_socket, os.path.join(self.run_dir, "pool.pid"),
                         os.path.join(self.run_dir, "companin.pid"))
        if stopped:
            log("pool stopped")

    def pool_restart(self):
        self.pool_stop()
        self.pool_start()

    def pool_wait(self):
        """Blocks until no pool master of this VAR runs."""
        while self.pool_pids():
            time.sleep(0.5)

    # --- nginx -----------------------------------------------------------------------------------

    def nginx_render(self):
        """nginx/companin.conf.template -> VAR/nginx/nginx.conf, with the shared server block (between
        the BEGIN/END markers of nginx/companin.conf) at @COMPANIN_SHARED@ and the status block at
        @COMPANIN_STATUS@."""
        template_path = os.path.join(ROOT, "nginx", "companin.conf.template")
        production_path = os.path.join(ROOT, "nginx", "companin.conf")
        port = self.setting("COMPANIN_HTTP_PORT", "8080")
        status_port = self.setting("COMPANIN_STATUS_PORT", "8081")
        rate, burst = ("2000r/s", "4000") if self.profile == "test" else ("50r/s", "200")
        rate = self.setting("COMPANIN_FLOOD_RATE", rate)
        burst = self.setting("COMPANIN_FLOOD_BURST", burst)
        workers = self.setting("COMPANIN_NGINX_WORKERS", "2")
        real_ip = self.real_ip_lines(self.setting("COMPANIN_TRUSTED_PROXIES", ""))
        if not (re.fullmatch(r"[0-9]+", port) and 0 < int(port) < 65536):
            raise StackError(f"invalid port '{port}'")
        if not (re.fullmatch(r"[0-9]+", status_port) and 0 < int(status_port) < 65536):
            raise StackError(f"invalid COMPANIN_STATUS_PORT '{status_port}'")
        if not re.fullmatch(r"[0-9]+r/[sm]", rate):
            raise StackError(f"invalid COMPANIN_FLOOD_RATE '{rate}' (e.g. 50r/s)")
        if not re.fullmatch(r"[0-9]+", burst):
            raise StackError(f"invalid COMPANIN_FLOOD_BURST '{burst}'")
        if not re.fullmatch(r"[0-9]+|auto", workers):
            raise StackError(f"invalid COMPANIN_NGINX_WORKERS '{workers}'")
        if not (os.path.isfile(template_path) and os.path.isfile(production_path)):
            raise StackError(f"missing {template_path} or {production_path}")
        if os.getuid() == 0:
            user_line = "user root;"  # workers must reach the pool's socket, owned by the user who started it
        else:
            user_line = "# (not root: the workers run as the invoking user)"
        os.makedirs(os.path.join(self.nginx_dir, "logs"), exist_ok=True)
        os.makedirs(os.path.join(self.nginx_dir, "tmp"), exist_ok=True)
        with open(production_path) as handle:
            production = handle.read().splitlines(keepends=True)
        with open(template_path) as handle:
            template = handle.read().splitlines(keepends=True)
        blocks = {"@COMPANIN_SHARED@": _block(production, "shared", production_path),
                  "@COMPANIN_STATUS@": _block(production, "status", production_path)}
        lines = []
        for line in template:
            marker = next((m for m in blocks if m in line), None)
            lines.extend(blocks[marker] if marker else [line])
        text = "".join(lines)
        for placeholder, value in (("@HTTP_PORT@", port), ("@STATUS_PORT@", status_port),
                                   ("@FASTCGI_SOCKET@", self.fastcgi_socket), ("@NGINX_DIR@", self.nginx_dir),
                                   ("@VAR_DIR@", self.var), ("@DOCROOT@", os.path.join(ROOT, "nginx")),
                                   ("@FLOOD_RATE@", rate), ("@FLOOD_BURST@", burst),
                                   ("@WORKER_PROCESSES@", workers), ("@USER_LINE@", user_line),
                                   ("@REAL_IP@", real_ip)):
            text = text.replace(placeholder, value)
        left = sorted(set(re.findall(r"@[A-Z_]*@", text)))
        output = f"{self.nginx_conf}.tmp"
        with open(output, "w") as handle:
            handle.write(text)
        if left:
            raise StackError(f"unrendered placeholders in {output}: {' '.join(left)}")
        os.replace(output, self.nginx_conf)
        self.http_port = int(port)

    @staticmethod
    def real_ip_lines(trusted):
        """nginx's realip directives for the proxies in TRUSTED (CIDRs separated by commas or spaces):
        the client is the rightmost X-Forwarded-For address that is not one of them, so a client
        cannot choose its own flood-guard bucket by sending the header itself."""
        networks = []
        for item in re.split(r"[,\s]+", trusted.strip()):
            if not item:
                continue
            try:
                networks.append(str(ipaddress.ip_network(item, strict=False)))
            except ValueError:
                raise StackError(f"invalid COMPANIN_TRUSTED_PROXIES entry '{item}' (e.g. 127.0.0.1/32)") from None
        if not networks:
            return "# (no trusted proxies: the flood guard and the log see the connecting address)"
        return " ".join(f"set_real_ip_from {network};" for network in networks) + \
            " real_ip_header X-Forwarded-For; real_ip_recursive on;"

    def _nginx(self, *arguments):
        return [self.nginx, "-p", self.nginx_dir + "/", "-c", self.nginx_conf,
                "-e", os.path.join(self.nginx_dir, "logs", "error.log"), *arguments]

    def nginx_start(self):
        """Renders, checks (nginx -t), starts nginx on 127.0.0.1:COMPANIN_HTTP_PORT."""
        timeout = self.seconds("STACK_NGINX_TIMEOUT", 15)
        self.nginx = processes.find_bin("nginx")
        pid_file = os.path.join(self.nginx_dir, "nginx.pid")
        error_log = os.path.join(self.nginx_dir, "logs", "error.log")
        pid = processes.pid_from(pid_file, "nginx")
        if pid:
            log(f"nginx already running (pid {pid})")
            return
        self.nginx_render()
        port = self.http_port
        if processes.port_open(port):
            raise StackError(f"port {port} on 127.0.0.1 is already in use (choose another with COMPANIN_HTTP_PORT)")
        checked = subprocess.run(self._nginx("-t", "-q"), stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                 timeout=60)
        if checked.returncode != 0:
            raise StackError(f"nginx -t rejected {self.nginx_conf}:\n{(checked.stdout + checked.stderr).strip()}")
        processes.remove(pid_file)
        # `daemon on`: this returns once the master has forked into its own session.
        started = subprocess.run(self._nginx(), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
        if started.returncode != 0:
            processes.tail(error_log, 20)
            raise StackError(f"nginx did not start:\n{(started.stdout + started.stderr).strip()}")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid = processes.pid_from(pid_file, "nginx")
            if pid and processes.port_open(port):
                log(f"nginx running (pid {pid}) on http://127.0.0.1:{port}/")
                return
            time.sleep(0.1)
        processes.tail(error_log, 20)
        self.nginx_stop()
        raise StackError(f"nginx did not answer on 127.0.0.1:{port} within {timeout}s")

    def nginx_stop(self):
        """Graceful quit (SIGQUIT), bounded wait, then SIGTERM/SIGKILL."""
        timeout = self.seconds("STACK_NGINX_TIMEOUT", 15)
        pid_file = os.path.join(self.nginx_dir, "nginx.pid")
        pid = processes.pid_from(pid_file, "nginx")
        if not pid:
            processes.remove(pid_file)
            return
        kids = processes.children(pid)
        try:
            os.kill(pid, signal.SIGQUIT)
        except ProcessLookupError:
            pass
        if not processes.wait_gone(pid, timeout):
            log(f"nginx (pid {pid}) did not quit within {timeout}s; sending SIGTERM")
            processes.terminate("nginx", pid, signal.SIGTERM, 5)
        for kid in kids:  # workers orphaned by a killed master
            if processes.alive(kid, "nginx"):
                log(f"killing leftover nginx worker {kid}")
                try:
                    os.kill(kid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        processes.remove(pid_file)
        log("nginx stopped")

    def nginx_restart(self):
        self.nginx_stop()
        self.nginx_start()

    # --- everything ------------------------------------------------------------------------------

    def stop_all(self):
        """nginx, then the pool, then MariaDB; each is tried even if one before failed."""
        failures = []
        for stop in (self.nginx_stop, self.pool_stop, self.mariadb_stop):
            try:
                stop()
            except (StackError, OSError) as error:
                print(f"stack: error: {error}", file=sys.stderr, flush=True)
                failures.append(str(error))
        if failures:
            raise StackError("stopping the stack failed: " + "; ".join(failures))

    def env_lines(self):
        """`export NAME=VALUE` lines for a shell."""
        port = self.setting("COMPANIN_HTTP_PORT", "8080")
        try:
            self._ensure_database_url()
        except StackError:
            pass
        values = [("COMPANIN_DATABASE_URL", self.env.get("COMPANIN_DATABASE_URL", ""))]
        if not self.external_db():
            values.append(("COMPANIN_MARIADB_SOCKET", self.mariadb_socket))
        values += [("COMPANIN_FASTCGI_SOCKET", self.fastcgi_socket), ("COMPANIN_HTTP_PORT", port),
                   ("COMPANIN_BASE_URL", f"http://127.0.0.1:{port}")]
        if self.env.get("COMPANIN_BIN"):
            values.append(("COMPANIN_BIN", self.env["COMPANIN_BIN"]))
        values.append(("COMPANIN_MIGRATIONS_DIR", os.path.join(ROOT, "db", "migrations")))
        return [f"export {name}={shlex.quote(value)}" for name, value in values]

    def status_lines(self):
        lines = []
        if self.external_db():
            url = re.sub(r"//([^:/@]*):[^@]*@", r"//\1:***@", self.env["COMPANIN_DATABASE_URL"])
            lines.append(f"mariadb: external ({url})")
        else:
            pid = processes.pid_from(os.path.join(self.mariadb_dir, "mariadbd.pid"), "mariadbd")
            lines.append(f"mariadb: running (pid {pid}){self._replication_note()}" if pid else "mariadb: stopped")
        pids = self.pool_pids()
        lines.append(f"pool: running (pid {' '.join(map(str, pids))})" if pids else "pool: stopped")
        pid = processes.pid_from(os.path.join(self.nginx_dir, "nginx.pid"), "nginx")
        lines.append(f"nginx: running (pid {pid})" if pid else "nginx: stopped")
        return lines

    def _replication_note(self):
        """`, replica of VAR (IO thread Yes, SQL thread Yes)` or `, binary log (server id N)`, for status."""
        if self.is_replica():
            try:
                row = self.replica_status()
            except (StackError, _driver().err.MySQLError, OSError):
                row = None
            threads = f"IO thread {row['Slave_IO_Running']}, SQL thread {row['Slave_SQL_Running']}" if row else "not replicating"
            return f", replica of {self.setting('STACK_MARIADB_REPLICA_OF')} ({threads})"
        server = self.mariadb_server_id()
        port = self.mariadb_port()
        return (f", binary log (server id {server})" if server is not None else "") + \
            (f", 127.0.0.1:{port}" if port is not None else "")

    def tail_logs(self, lines=40, out=None):
        """Tails of companin.log, nginx's error.log and MariaDB's error.log (on stderr unless OUT)."""
        processes.tail(self.pool_log, lines, out)
        processes.tail(os.path.join(self.nginx_dir, "logs", "error.log"), lines, out)
        if not self.external_db():
            processes.tail(os.path.join(self.mariadb_dir, "error.log"), lines, out)

    def sql_shell(self, arguments):
        """Replaces this process with the mariadb client as the application user (for people)."""
        if self.external_db():
            raise StackError("sql: external server; use its own client")
        client = processes.find_bin("mariadb")
        with open(os.path.join(self.mariadb_dir, "app-password")) as handle:
            password = handle.read().strip()
        env = dict(self.env, MYSQL_PWD=password)
        os.execve(client, [client, "--no-defaults", "--protocol=socket", f"--socket={self.mariadb_socket}",
                           f"--user={APP_USER}", f"--database={APP_DATABASE}", *arguments], env)


def _block(lines, name, path):
    """The lines of the `# BEGIN companin NAME` … `# END companin NAME` block of nginx/companin.conf."""
    begin = next((i for i, line in enumerate(lines) if f"# BEGIN companin {name}" in line), None)
    end = None if begin is None else next((i for i in range(begin, len(lines)) if f"# END companin {name}" in lines[i]), None)
    if end is None:
        raise StackError(f"{path} lacks the '# BEGIN companin {name}' ... '# END companin {name}' block")
    return lines[begin:end + 1]
