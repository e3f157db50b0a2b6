#!/usr/bin/env python3
"""A local web server for the URL fetcher tests (Python 3 standard library only).

GET endpoints:
  /page                 200 text/html; charset=UTF-8 with ETag "page-v1" and a Last-Modified;
                        304 when If-None-Match or If-Modified-Since matches.
  /web/NAME             a file of Tests/Fixtures/web/ (text/html without charset for .html).
  /gzip, /deflate       a text page compressed as asked for in Accept-Encoding (406 otherwise).
  /bomb                 10 MiB of zeros, gzip-compressed to about 10 KB.
  /redirect/N           302 down to /redirect/0 (a page), alternating absolute URL, absolute
                        path and relative path Locations.
  /redirect-to?url=U    302 to U (any string, sent as is); &status=301|303|307|308 for others.
  /no-location          302 without a Location.
  /stream?size=N&id=X   N bytes in 64 KiB pieces, a pause of &delay= seconds (default 0.01)
                        after each; &length=1 sends Content-Length, otherwise the body ends
                        when the connection closes. Records how far it got under X.
  /stats?id=X           {"sent": bytes written, "completed": bool, "finished": bool} of stream X.
  /slow?seconds=S       waits S seconds, then a small page.
  /status/CODE          that status with a small HTML body.
  /headers              the request headers as a JSON object (lowercased names).

Options: --port N (0 picks a free port; the chosen port is the first line on stdout).
Binds 127.0.0.1 only, and exits when its stdin closes, so a test cannot leak it.
"""
import argparse
import gzip
import json
import os
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

WEB_DIRECTORY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "web")
PAGE = ("<!doctype html><html><head><title>Página de teste</title></head>"
        "<body><p>Olá, mundo — a page for the fetcher.</p></body></html>").encode("utf-8")
PAGE_ETAG = '"page-v1"'
PAGE_LAST_MODIFIED = "Tue, 24 Nov 2026 17:51:43 GMT"
COMPRESSIBLE = ("Companin fetches pages for its knowledge base. " * 400).encode("utf-8")
BOMB = gzip.compress(b"\0" * (10 << 20), compresslevel=9, mtime=0)

streams = {}
streams_lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # keep test output quiet
        pass

    def send_body(self, status, body, content_type="text/html; charset=UTF-8", headers=()):
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def redirect(self, location, status=302):
        self.send_response(status)
        if location is not None:
            self.send_header("Location", location)
        self.send_header("Content-Type", "text/html")
        body = b"<p>Moved.</p>"
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urlsplit(self.path)
        query = {key: values[-1] for key, values in parse_qs(url.query).items()}
        path = url.path

        if path == "/page":
            validators = [("ETag", PAGE_ETAG), ("Last-Modified", PAGE_LAST_MODIFIED)]
            if (self.headers.get("If-None-Match") == PAGE_ETAG
                    or self.headers.get("If-Modified-Since") == PAGE_LAST_MODIFIED):
                self.send_response(304)
                for name, value in validators:
                    self.send_header(name, value)
                self.end_headers()
                return
            self.send_body(200, PAGE, headers=validators)
        elif path.startswith("/web/"):
            name = os.path.basename(path[len("/web/"):])
            file_path = os.path.join(WEB_DIRECTORY, name)
            if not name or not os.path.isfile(file_path):
                self.send_body(404, b"<p>No such fixture.</p>")
                return
            with open(file_path, "rb") as handle:
                body = handle.read()
            content_type = "text/html" if name.endswith(".html") else "text/plain; charset=UTF-8"
            self.send_body(200, body, content_type=content_type)
        elif path in ("/gzip", "/deflate"):
            encoding = path[1:]
            offered = [part.split(";")[0].strip() for part in self.headers.get("Accept-Encoding", "").split(",")]
            if encoding not in offered:
                self.send_body(406, b"<p>Ask for " + encoding.encode() + b".</p>")
                return
            body = gzip.compress(COMPRESSIBLE, mtime=0) if encoding == "gzip" else zlib.compress(COMPRESSIBLE)
            self.send_body(200, body, content_type="text/plain; charset=utf-8",
                           headers=[("Content-Encoding", encoding), ("X-Decoded-Length", str(len(COMPRESSIBLE)))])
        elif path == "/bomb":
            self.send_body(200, BOMB, content_type="text/plain", headers=[("Content-Encoding", "gzip")])
        elif path.startswith("/redirect/"):
            count = int(path[len("/redirect/"):])
            if count <= 0:
                self.send_body(200, PAGE)
                return
            host = self.headers.get("Host")
            style = count % 3
            if style == 0:
                location = "http://%s/redirect/%d" % (host, count - 1)
            elif style == 1:
                location = "/redirect/%d" % (count - 1)
            else:
                location = "%d" % (count - 1)
            self.redirect(location)
        elif path == "/redirect-to":
            self.redirect(query.get("url", "/page"), int(query.get("status", "302")))
        elif path == "/no-location":
            self.redirect(None)
        elif path == "/stream":
            self.stream(int(query.get("size", "0")), query.get("id", "default"),
                        float(query.get("delay", "0.01")), query.get("length") == "1")
        elif path == "/stats":
            with streams_lock:
                stats = dict(streams.get(query.get("id", "default"), {}))
            self.send_body(200, json.dumps(stats).encode(), content_type="application/json")
        elif path == "/slow":
            time.sleep(float(query.get("seconds", "5")))
            self.send_body(200, PAGE)
        elif path.startswith("/status/"):
            code = int(path[len("/status/"):])
            self.send_body(code, b"<p>Status %d.</p>" % code)
        elif path == "/headers":
            headers = {name.lower(): value for name, value in self.headers.items()}
            self.send_body(200, json.dumps(headers).encode(), content_type="application/json")
        else:
            self.send_body(404, b"<p>Not found.</p>")

    def stream(self, size, stream_id, delay, with_length):
        record = {"sent": 0, "completed": False, "finished": False}
        with streams_lock:
            streams[stream_id] = record
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        if with_length:
            self.send_header("Content-Length", str(size))
        else:
            self.send_header("Connection", "close")
        self.end_headers()
        piece = b"x" * 65536
        try:
            while record["sent"] < size:
                chunk = piece[: size - record["sent"]]
                self.wfile.write(chunk)
                self.wfile.flush()
                with streams_lock:
                    record["sent"] += len(chunk)
                time.sleep(delay)
            record["completed"] = True
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True
        finally:
            with streams_lock:
                record["finished"] = True


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # The fetcher hangs up on bodies it does not want (too large, error statuses): that is
        # the behaviour under test, not a server error.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)):
            return
        super().handle_error(request, client_address)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    options = parser.parse_args()

    server = Server(("127.0.0.1", options.port), Handler)
    print(server.server_address[1], flush=True)

    def exit_when_stdin_closes():
        while sys.stdin.buffer.read(4096):
            pass
        os._exit(0)

    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
