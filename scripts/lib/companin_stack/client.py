"""HTTP to a stack's nginx, for the end-to-end and multi-host tests: one request on a fresh
connection, only to loopback, answered as a Reply."""

import http.client
import json

LOOPBACK = ("127.0.0.1", "localhost", "::1")


class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)

    def header(self, name):
        return self.headers.get(name.lower())

    def __repr__(self):
        return f"<Reply {self.status} {self.body[:200]!r}>"


def request(host, port, method, path, key=None, body=None, raw=None, headers=None, timeout=30):
    """One request to HOST:PORT (loopback only) on a fresh connection. `body` is sent as JSON; `raw` as given."""
    assert host in LOOPBACK, "tests only talk to loopback"
    all_headers = dict(headers or {})
    if key is not None:
        all_headers["X-API-Key"] = key
    payload = raw
    if body is not None:
        payload = json.dumps(body).encode()
        all_headers.setdefault("Content-Type", "application/json")
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request(method, path, body=payload, headers=all_headers)
        response = connection.getresponse()
        data = response.read()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
    finally:
        connection.close()
