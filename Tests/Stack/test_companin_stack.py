"""scripts/lib/companin_stack without starting anything: settings, saved config, the nginx config it
renders, database URLs, process helpers and the command line's answers. (Starting and stopping
MariaDB, the pool and nginx is exercised by every scripts/test run and by Tests/EndToEnd.)"""

import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts", "lib"))
from companin_stack import Stack, StackError, free_port, port_open  # noqa: E402
from companin_stack.database import connection_options  # noqa: E402
from companin_stack import processes, replication  # noqa: E402

CLI = os.path.join(ROOT, "scripts", "lib", "stack")


def clean_env(**settings):
    env = {name: value for name, value in os.environ.items() if not name.startswith(("COMPANIN_", "STACK_"))}
    env.update(settings)
    return env


def test_layout_and_profile(tmp_path):
    stack = Stack(str(tmp_path / "var"), env=clean_env())
    assert stack.profile == "run"
    assert stack.mariadb_socket == str(tmp_path / "var" / "mariadb" / "mariadb.sock")
    assert stack.fastcgi_socket == str(tmp_path / "var" / "run" / "companin.sock")
    for name in ("run", "log", "nginx"):
        assert (tmp_path / "var" / name).is_dir()
    assert Stack(str(tmp_path / "var"), "test", env=clean_env()).profile == "test"
    with pytest.raises(StackError, match="unknown profile 'fast'"):
        Stack(str(tmp_path / "var"), env=clean_env(STACK_PROFILE="fast"))


def test_saved_settings_are_defaults_the_environment_overrides(tmp_path):
    var = str(tmp_path)
    Stack(var, "test", env=clean_env(COMPANIN_BIN="/opt/my build/companin", COMPANIN_HTTP_PORT="9000",
                                     COMPANIN_RESPONDERS="3")).save_config()
    assert oct(os.stat(tmp_path / "stack.env").st_mode & 0o777) == "0o600"
    text = (tmp_path / "stack.env").read_text()
    assert "COMPANIN_RESPONDERS" not in text  # only the stack's own settings are saved
    loaded = Stack(var, env=clean_env())
    assert loaded.profile == "test"
    assert loaded.env["COMPANIN_BIN"] == "/opt/my build/companin" and loaded.env["COMPANIN_HTTP_PORT"] == "9000"
    assert Stack(var, env=clean_env(COMPANIN_HTTP_PORT="9100")).env["COMPANIN_HTTP_PORT"] == "9100"
    # The saved file stays readable by a shell.
    out = subprocess.run(["bash", "-c", 'source "$1" && printf %s "$COMPANIN_BIN"', "_", str(tmp_path / "stack.env")],
                         capture_output=True, text=True, check=True).stdout
    assert out == "/opt/my build/companin"


def test_an_external_database_is_saved_and_the_private_one_is_not(tmp_path):
    private = Stack(str(tmp_path / "a"), env=clean_env())
    (tmp_path / "a" / "mariadb").mkdir()
    (tmp_path / "a" / "mariadb" / "app-password").write_text("secret\n")
    url = private.database_url()
    assert url == f"mariadb://companin:secret@localhost/companin?socket={private.mariadb_socket}"
    assert not Stack(str(tmp_path / "a"), env=clean_env(COMPANIN_DATABASE_URL=url)).external_db()
    external = Stack(str(tmp_path / "b"), env=clean_env(COMPANIN_DATABASE_URL="mariadb://u:p@db.internal/app"))
    assert external.external_db()
    external.save_config()
    assert Stack(str(tmp_path / "b"), env=clean_env()).env["COMPANIN_DATABASE_URL"] == "mariadb://u:p@db.internal/app"
    assert Stack(str(tmp_path / "b"), env=clean_env()).status_lines()[0] == "mariadb: external (mariadb://u:***@db.internal/app)"
    with pytest.raises(StackError, match="cannot create databases on an external server"):
        external.mariadb_create_database("x")
    with pytest.raises(StackError, match="start MariaDB first"):
        Stack(str(tmp_path / "c"), env=clean_env()).database_url()


def test_database_names_are_checked(tmp_path):
    with pytest.raises(StackError, match="invalid database name 'a-b'"):
        Stack(str(tmp_path), env=clean_env()).mariadb_create_database("a-b")


def test_connection_options_from_urls():
    assert connection_options("mariadb://companin:p%40ss@localhost/companin?socket=/v/m.sock&read_timeout=20") == {
        "user": "companin", "password": "p@ss", "database": "companin", "unix_socket": "/v/m.sock", "read_timeout": 20}
    assert connection_options("mariadb://root@db.example:3307/") == {
        "user": "root", "password": "", "database": None, "host": "db.example", "port": 3307}
    with pytest.raises(StackError):
        connection_options("postgres://x@y/z")


@pytest.mark.parametrize("profile, rate, burst", [("run", "50r/s", "200"), ("test", "2000r/s", "4000")])
def test_nginx_config_is_rendered_whole(tmp_path, profile, rate, burst):
    stack = Stack(str(tmp_path), profile, env=clean_env(COMPANIN_HTTP_PORT="18080", COMPANIN_STATUS_PORT="18081"))
    stack.nginx_render()
    text = open(stack.nginx_conf).read()
    assert not re.search(r"@[A-Z_]*@", text)
    assert "listen 127.0.0.1:18080;" in text and "listen 127.0.0.1:18081;" in text
    assert f"rate={rate};" in text and f"burst={burst} nodelay" in text
    assert f"server unix:{stack.fastcgi_socket};" in text
    assert "worker_processes 2;" in text
    assert ("user root;" in text) == (os.getuid() == 0)
    # The shared and status blocks of the production file are copied in.
    production = open(os.path.join(ROOT, "nginx", "companin.conf")).read()
    for name in ("shared", "status"):
        block = production[production.index(f"# BEGIN companin {name}"):production.index(f"# END companin {name}")]
        assert block in text
    assert re.search(r"listen\s+(?!127\.0\.0\.1)", text) is None, "everything listens on loopback"


def test_nginx_settings_are_checked(tmp_path):
    for settings, message in ((dict(COMPANIN_HTTP_PORT="70000"), "invalid port '70000'"),
                              (dict(COMPANIN_FLOOD_RATE="fast"), "invalid COMPANIN_FLOOD_RATE 'fast'"),
                              (dict(COMPANIN_FLOOD_BURST="-1"), "invalid COMPANIN_FLOOD_BURST"),
                              (dict(COMPANIN_NGINX_WORKERS="many"), "invalid COMPANIN_NGINX_WORKERS")):
        with pytest.raises(StackError, match=re.escape(message)):
            Stack(str(tmp_path), env=clean_env(**settings)).nginx_render()
    stack = Stack(str(tmp_path), env=clean_env(COMPANIN_FLOOD_RATE="1r/s", COMPANIN_FLOOD_BURST="1",
                                               COMPANIN_NGINX_WORKERS="auto"))
    stack.nginx_render()
    text = open(stack.nginx_conf).read()
    assert "rate=1r/s;" in text and "burst=1 nodelay" in text and "worker_processes auto;" in text


def test_long_socket_paths_are_refused(tmp_path):
    with pytest.raises(StackError, match="socket path too long"):
        processes.check_socket_path("/" + "v" * 120 + "/companin.sock")


def test_pool_start_needs_an_executable(tmp_path):
    with pytest.raises(StackError, match="COMPANIN_BIN is not set"):
        Stack(str(tmp_path), env=clean_env()).pool_start()
    with pytest.raises(StackError, match="is not an executable"):
        Stack(str(tmp_path), env=clean_env(COMPANIN_BIN=str(tmp_path / "missing"))).pool_start()


def test_processes_alive_pid_files_and_terminate(tmp_path):
    assert processes.alive(os.getpid()) and processes.alive(os.getpid(), "python")
    assert not processes.alive(os.getpid(), "nginx")
    (tmp_path / "pid").write_text(f"{os.getpid()}\n")
    assert processes.pid_from(str(tmp_path / "pid"), "python") == os.getpid()
    assert processes.pid_from(str(tmp_path / "nothing"), "python") is None
    pid = processes.spawn(["sleep", "60"], log_path=str(tmp_path / "log"))
    assert processes.alive(pid, "sleep") and processes.process_group(pid) == pid
    processes.terminate("sleep", pid, 15, 5)
    assert processes.wait_gone(pid, 5)
    assert not os.path.exists(f"/proc/{pid}"), "reaped, not left a zombie"


def test_free_ports():
    port = free_port()
    assert 0 < port < 65536 and not port_open(port)


def test_command_line(tmp_path):
    run = lambda *args: subprocess.run([CLI, *args], capture_output=True, text=True, env=clean_env(), timeout=60)  # noqa: E731
    assert run().returncode == 2 and "usage: scripts/lib/stack VAR_DIR COMMAND" in run().stderr
    assert run(str(tmp_path), "no-such-command").returncode == 2
    assert run("help").returncode == 0
    assert run("free-port").stdout.strip().isdigit() and run(str(tmp_path), "free-port").stdout.strip().isdigit()
    assert run("port-in-use", str(free_port())).returncode == 1
    status = run(str(tmp_path), "status")
    assert status.returncode == 0 and status.stdout.splitlines() == ["mariadb: stopped", "pool: stopped", "nginx: stopped"]
    failed = run(str(tmp_path), "database-url")
    assert failed.returncode == 1 and failed.stderr.startswith("stack: error: no application password")
    env = run(str(tmp_path), "env").stdout
    assert f"export COMPANIN_FASTCGI_SOCKET={tmp_path}/run/companin.sock" in env
    assert "export COMPANIN_BASE_URL=http://127.0.0.1:8080" in env
    assert run(str(tmp_path), "stop-all").returncode == 0


def test_mariadb_listens_on_its_socket_only_unless_given_a_loopback_port(tmp_path):
    options = Stack(str(tmp_path), env=clean_env()).mariadb_options()
    assert "--skip-networking" in options
    assert not [option for option in options if option.startswith(("--port", "--bind-address", "--log-bin", "--server-id"))]
    options = Stack(str(tmp_path), env=clean_env(STACK_MARIADB_PORT="13306")).mariadb_options()
    assert "--skip-networking" not in options
    assert "--bind-address=127.0.0.1" in options and "--port=13306" in options
    assert not [option for option in options if option.startswith("--bind-address") and option != "--bind-address=127.0.0.1"]


def test_a_server_id_gives_mariadb_a_binary_log_and_a_replica_is_read_only(tmp_path):
    primary = Stack(str(tmp_path / "p"), "test", env=clean_env(STACK_MARIADB_SERVER_ID="1", STACK_MARIADB_PORT="13306"))
    options = primary.mariadb_options()
    for option in ("--server-id=1", "--log-bin=mariadb-bin", "--relay-log=relay-bin", "--binlog-format=ROW",
                   "--log-slave-updates", "--gtid-strict-mode=ON", "--log-bin-trust-function-creators=1"):
        assert option in options
    assert "--read-only" not in options and not primary.is_replica()
    replica = Stack(str(tmp_path / "r"), env=clean_env(STACK_MARIADB_SERVER_ID="2", STACK_MARIADB_REPLICA_OF=primary.var))
    assert replica.is_replica() and {"--read-only", "--server-id=2", "--skip-networking"} <= set(replica.mariadb_options())
    with pytest.raises(StackError, match="a replica needs STACK_MARIADB_SERVER_ID"):
        Stack(str(tmp_path / "r2"), env=clean_env(STACK_MARIADB_REPLICA_OF=primary.var)).mariadb_options()
    with pytest.raises(StackError, match="cannot create databases on a replica"):
        replica.mariadb_create_database("x")
    for settings, message in ((dict(STACK_MARIADB_PORT="0"), "invalid STACK_MARIADB_PORT '0'"),
                              (dict(STACK_MARIADB_PORT="http"), "invalid STACK_MARIADB_PORT"),
                              (dict(STACK_MARIADB_SERVER_ID="4294967296"), "invalid STACK_MARIADB_SERVER_ID")):
        with pytest.raises(StackError, match=re.escape(message)):
            Stack(str(tmp_path / "x"), env=clean_env(**settings)).mariadb_options()


def test_replication_settings_are_saved(tmp_path):
    Stack(str(tmp_path), env=clean_env(STACK_MARIADB_PORT="13306", STACK_MARIADB_SERVER_ID="7",
                                       STACK_MARIADB_REPLICA_OF="/v/primary")).save_config()
    loaded = Stack(str(tmp_path), env=clean_env())
    assert (loaded.mariadb_port(), loaded.mariadb_server_id(), loaded.is_replica()) == (13306, 7, True)


def test_change_master_points_at_loopback_from_the_gtid_position():
    statement, parameters = replication.change_master(13306, "secret")
    assert "MASTER_USE_GTID=slave_pos" in statement and statement.count("%s") == len(parameters)
    assert parameters == ["127.0.0.1", 13306, "replication", "secret"]


def test_a_replica_needs_another_var_and_a_running_primary(tmp_path):
    primary = Stack(str(tmp_path / "p"), env=clean_env())
    with pytest.raises(StackError, match="cannot replicate itself"):
        Stack(str(tmp_path / "p"), env=clean_env()).mariadb_start_replica(primary)
    with pytest.raises(StackError, match="is not running"):
        Stack(str(tmp_path / "r"), env=clean_env()).mariadb_start_replica(primary)
    run = lambda *args: subprocess.run([CLI, *args], capture_output=True, text=True, env=clean_env(), timeout=60)  # noqa: E731
    missing = run(str(tmp_path / "r"), "mariadb-start-replica")
    assert missing.returncode == 1 and "give the primary's VAR directory" in missing.stderr
    absent = run(str(tmp_path / "r"), "replica-wait", str(tmp_path / "nowhere"))
    assert absent.returncode == 1 and "no primary VAR directory" in absent.stderr
    assert not (tmp_path / "nowhere").exists()
