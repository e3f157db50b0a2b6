"""A responder runs alone under spawn-fcgi, the FastCGI convention: the socket on fd 0."""

import os
import signal
import subprocess
import time

from conftest import BIN, VAR_DIR, new_org_key, wait_for


def fastcgi_get(socket_path, path, key):
    """One request through libfcgi's own client, cgi-fcgi, as a web server would send it."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "REQUEST_METHOD": "GET", "REQUEST_URI": path, "DOCUMENT_URI": path, "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "HTTP_X_API_KEY": key,
    }
    result = subprocess.run(["cgi-fcgi", "-bind", "-connect", socket_path], env=env, input=b"",
                            capture_output=True, timeout=30)
    return result.stdout.decode()


def test_spawn_fcgi_runs_a_lone_responder():
    _, key = new_org_key()
    socket_path = os.path.join(VAR_DIR, "run", f"alone-{os.getpid()}.sock")
    responder = subprocess.Popen(
        ["spawn-fcgi", "-n", "-s", socket_path, "--", BIN, "respond"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: os.path.exists(socket_path), message="spawn-fcgi's socket")
        output = wait_for(lambda: (out := fastcgi_get(socket_path, "/api/v1/assistants/", key)) and out,
                          message="an answer")
        head, _, body = output.partition("\r\n\r\n")
        assert head.startswith("Status: 200 OK"), output
        assert "Content-Type: application/json" in head
        assert body == '{"items":[],"count":0}'
        assert fastcgi_get(socket_path, "/api/v1/assistants/", "wrong").startswith("Status: 401")
    finally:
        responder.send_signal(signal.SIGTERM)
        started = time.monotonic()
        responder.wait(timeout=30)
        if os.path.exists(socket_path):
            os.unlink(socket_path)
    # It drains and exits on SIGTERM, promptly and cleanly.
    assert responder.returncode == 0, responder.stderr.read().decode()[-2000:]
    assert time.monotonic() - started < 5
