"""The configuration is read and checked once at start: a bad value stops the command with every
problem named, and `companin config` shows the effective values without their secrets."""

import json
import os
import subprocess
import urllib.parse

from conftest import BIN


def run(*args, **environment):
    env = dict(os.environ, **environment)
    return subprocess.run([BIN, *args], env=env, capture_output=True, text=True, timeout=60)


def test_serve_refuses_a_bad_value_at_start_naming_the_variable(tmp_path):
    socket = tmp_path / "companin.sock"
    result = run("serve", "--socket", str(socket), COMPANIN_RESPONDERS="abc")
    assert result.returncode != 0
    assert 'COMPANIN_RESPONDERS: expected an integer from 1 to 256, got "abc"' in result.stderr, result.stderr
    assert not socket.exists()


def test_serve_reports_every_bad_value_at_once_and_names_a_bad_flag(tmp_path):
    result = run("serve", "--socket", str(tmp_path / "companin.sock"), "--ingest-workers", "65",
                 COMPANIN_FETCH_TIMEOUT="soon", COMPANIN_LOG_LEVEL="loud", COMPANIN_INGEST_WORKERS="1")
    assert result.returncode != 0
    assert "3 configuration problems" in result.stderr, result.stderr
    assert 'COMPANIN_FETCH_TIMEOUT: expected a number of seconds greater than 0 and below 86400, got "soon"' in result.stderr
    assert 'COMPANIN_LOG_LEVEL: expected one of trace, debug, info, notice, warning, error, critical, got "loud"' in result.stderr
    assert '--ingest-workers: expected an integer from 0 to 64, got "65"' in result.stderr


def test_other_commands_refuse_a_bad_value_too():
    for command in (["migrate"], ["org", "list"], ["ingest-worker"]):
        result = run(*command, COMPANIN_SESSION_TTL_MIN_SECONDS="-5")
        assert result.returncode != 0, command
        assert 'COMPANIN_SESSION_TTL_MIN_SECONDS: expected an integer of at least 1, got "-5"' in result.stderr, (
            command, result.stderr)


def test_a_bad_database_url_is_named_without_its_password():
    result = run("config", COMPANIN_DATABASE_URL="mariadb://companin:hunter2-pw@localhost")
    assert result.returncode != 0
    assert "COMPANIN_DATABASE_URL: invalid database URL: missing database name" in result.stderr, result.stderr
    assert "hunter2-pw" not in result.stderr + result.stdout


def test_config_shows_values_and_origins_and_redacts_the_database_password():
    url = "mariadb://companin:s3cret-pw@localhost/companin?socket=/run/mysqld/mysqld.sock"
    result = run("config", "--responders", "8", COMPANIN_DATABASE_URL=url, COMPANIN_OPENAI_API_KEY="sk-hidden-1",
                 COMPANIN_FETCH_TIMEOUT="2.5")
    assert result.returncode == 0, result.stderr
    assert "s3cret-pw" not in result.stdout and "sk-hidden-1" not in result.stdout
    lines = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines()[1:]}
    assert lines["COMPANIN_DATABASE_URL"] == [
        "mariadb://companin:***@localhost/companin?socket=/run/mysqld/mysqld.sock", "environment"]
    assert lines["COMPANIN_RESPONDERS"] == ["8", "flag", "--responders"]
    assert lines["COMPANIN_OPENAI_API_KEY"] == ["***", "environment"]
    assert lines["COMPANIN_FETCH_TIMEOUT"] == ["2.5", "environment"]
    assert lines["COMPANIN_SOCKET_MODE"] == ["660", "default"]


def test_config_json_redacts_the_stack_database_password():
    """The stack's own URL, whose password is a generated one."""
    password = urllib.parse.unquote(urllib.parse.urlsplit(os.environ["COMPANIN_DATABASE_URL"]).password or "")
    assert password, "the test stack's application account has a password"
    result = run("config", "--json")
    assert result.returncode == 0, result.stderr
    assert password not in result.stdout
    settings = {entry["variable"]: entry for entry in json.loads(result.stdout)["settings"]}
    database = settings["COMPANIN_DATABASE_URL"]
    assert database["value"].startswith("mariadb://companin:***@localhost/companin?socket=")
    assert database["origin"] == "environment" and database["secret"] is True
    assert settings["COMPANIN_PID_FILE"]["value"] is None
    assert settings["COMPANIN_RESPONDERS"] == {
        "variable": "COMPANIN_RESPONDERS", "section": "pool", "flag": "--responders",
        "value": os.environ.get("COMPANIN_RESPONDERS", "4"),
        "origin": "environment" if os.environ.get("COMPANIN_RESPONDERS") else "default", "secret": False}
