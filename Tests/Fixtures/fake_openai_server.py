#!/usr/bin/env python3
"""A fake OpenAI-compatible model server for tests (Python 3 standard library only).

Endpoints:
  POST /v1/embeddings        {"model", "input": str | [str]} -> deterministic 8-dimensional
                             vectors derived from SHA-256 of model + text, returned in reverse
                             order with their "index" so clients must sort.
  POST /v1/chat/completions  {"model", "messages"} -> "Summary: " + first 60 characters of the
                             last user message; for model "echo", every message it was sent as
                             "ROLE: CONTENT" lines, so a test can read the prompt back.
  POST /redirect             302 to /v1/embeddings (for clients that must not follow redirects).
  POST /large                a 1 MiB body with Content-Length (for response size limits).
  POST /stream               a 1 MiB body without Content-Length, ended by closing the
                             connection (for limits enforced while streaming).

Options: --port N (0 picks a free port; the chosen port is the first line on stdout),
--api-key K (then every request needs "Authorization: Bearer K", else 401).
Binds 127.0.0.1 only, and exits when its stdin closes, so a test cannot leak it.
"""
import argparse
import hashlib
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DIMENSION = 8


def vector_for(model, text):
    digest = hashlib.sha256((model + "\0" + text).encode("utf-8")).digest()
    return [round((digest[i] - 127.5) / 127.5, 6) for i in range(DIMENSION)]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    api_key = None

    def log_message(self, format, *args):  # keep test output quiet
        pass

    def send_json(self, status, payload):
        body = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if self.api_key is not None and self.headers.get("Authorization") != "Bearer " + self.api_key:
            self.send_json(401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}})
            return
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/v1/embeddings")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path == "/large":
            body = b"x" * (1 << 20)
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped reading at its size limit
            return
        if self.path == "/stream":
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            try:
                for _ in range(64):
                    self.wfile.write(b"y" * (1 << 14))
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        try:
            request = json.loads(raw)
        except ValueError:
            self.send_json(400, {"error": {"message": "body is not JSON"}})
            return
        if self.path == "/v1/embeddings":
            model = request.get("model")
            inputs = request.get("input")
            if isinstance(inputs, str):
                inputs = [inputs]
            if not isinstance(model, str) or not isinstance(inputs, list) or not all(isinstance(t, str) for t in inputs):
                self.send_json(400, {"error": {"message": "model and input are required"}})
                return
            data = [{"object": "embedding", "index": i, "embedding": vector_for(model, t)} for i, t in enumerate(inputs)]
            data.reverse()
            self.send_json(200, {"object": "list", "model": model, "data": data,
                                 "usage": {"prompt_tokens": 0, "total_tokens": 0}})
        elif self.path == "/v1/chat/completions":
            model = request.get("model")
            messages = request.get("messages") or []
            user = [m.get("content", "") for m in messages if m.get("role") == "user"]
            if not isinstance(model, str) or not user:
                self.send_json(400, {"error": {"message": "model and a user message are required"}})
                return
            if model == "echo":
                content = "\n".join(f"{m.get('role')}: {m.get('content', '')}" for m in messages)
            else:
                content = "Summary: " + user[-1][:60]
            self.send_json(200, {"object": "chat.completion", "model": model, "choices": [
                {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}]})
        else:
            self.send_json(404, {"error": {"message": "no such endpoint"}})


def exit_when_stdin_closes():
    try:
        while sys.stdin.buffer.read(4096):
            pass
    finally:
        os._exit(0)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--api-key", default=None)
    arguments = parser.parse_args()

    Handler.api_key = arguments.api_key
    server = ThreadingHTTPServer(("127.0.0.1", arguments.port), Handler)
    server.daemon_threads = True
    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
