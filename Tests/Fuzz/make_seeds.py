#!/usr/bin/env python3
"""Writes the seed inputs of each fuzz target under Tests/Fuzz/Corpus/<target>/seed-*.

Deterministic: running it again leaves `git status` clean. Inputs that once crashed a target are
kept beside the seeds as regression-* files and are not written here.
"""
import json
import pathlib
import struct

HERE = pathlib.Path(__file__).resolve().parent
CORPUS = HERE / "Corpus"
FIXTURES = HERE.parent / "Fixtures"
UUID = "3f2c1a9e-6d4b-4c1e-9a7f-2b8d5e6f7a10"


def write(target, name, data):
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"seed-{name}").write_bytes(data if isinstance(data, bytes) else data.encode())


def fastcgi_length(n):
    return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)


def fastcgi_params(pairs):
    out = b""
    for name, value in pairs:
        name, value = name.encode(), value.encode()
        out += fastcgi_length(len(name)) + fastcgi_length(len(value)) + name + value
    return out


def nginx_params(method, uri, headers=(), content_type="", body_length="", internal=False):
    path, _, query = uri.partition("?")
    pairs = [("QUERY_STRING", query), ("REQUEST_METHOD", method), ("CONTENT_TYPE", content_type),
             ("CONTENT_LENGTH", body_length), ("REQUEST_URI", uri), ("DOCUMENT_URI", path),
             ("SERVER_PROTOCOL", "HTTP/1.1"), ("REMOTE_ADDR", "127.0.0.1"), ("REMOTE_PORT", "51234"),
             ("REQUEST_ID", "0f1e2d3c4b5a69788796a5b4c3d2e1f0")]
    pairs += [("HTTP_" + name.upper().replace("-", "_"), value) for name, value in headers]
    if internal:
        pairs.append(("COMPANIN_INTERNAL_SERVER", "1"))
    return fastcgi_params(pairs)


def fastcgi_seeds():
    key = ("X-API-Key", "ck_live_0123456789abcdef0123456789abcdef")
    write("fastcgi-params", "get-list", nginx_params(
        "GET", "/api/v1/assistants/?limit=20&offset=40", [("Host", "127.0.0.1"), key, ("User-Agent", "curl/7.88")]))
    write("fastcgi-params", "get-filters", nginx_params(
        "GET", f"/api/v1/conversations/?assistant_id={UUID}&status=open&needs_human=true&from=2026-11-01T00:00:00Z",
        [key]))
    write("fastcgi-params", "post-json", nginx_params(
        "POST", "/api/v1/assistants/", [key, ("Content-Length", "27"), ("Accept", "application/json")],
        "application/json; charset=utf-8", "27"))
    write("fastcgi-params", "upload", nginx_params(
        "POST", "/api/v1/knowledge/files/", [key], "multipart/form-data; boundary=----x", "4096"))
    write("fastcgi-params", "percent-path", nginx_params(
        "GET", "/api/v1/assistants/%E2%82%AC%20x?q=caf%C3%A9", [key]))
    write("fastcgi-params", "internal-status", nginx_params("GET", "/status", internal=True))
    long_value = "v" * 300  # a 4-byte length
    write("fastcgi-params", "long-header", nginx_params("GET", "/api/v1/sessions/", [key, ("Cookie", long_value)]))


def multipart(boundary, parts):
    body = b""
    for headers, content in parts:
        body += b"--" + boundary.encode() + b"\r\n"
        for header in headers:
            body += header.encode() + b"\r\n"
        body += b"\r\n" + content + b"\r\n"
    body += b"--" + boundary.encode() + b"--\r\n"
    return boundary.encode() + b"\n" + body


def multipart_seeds():
    write("multipart", "file", multipart("----companin", [
        (['Content-Disposition: form-data; name="file"; filename="manual.txt"', "Content-Type: text/plain"],
         "Horário de atendimento: 9h às 18h.\n".encode()),
        (['Content-Disposition: form-data; name="title"'], b"Manual"),
    ]))
    write("multipart", "qa-csv", multipart("b0undary", [
        (['Content-Disposition: form-data; name="file"; filename="qas.csv"', "Content-Type: text/csv"],
         b'question,answer\n"How do I reset it?","Hold the button, then wait."\nDo you ship abroad?,Yes\n'),
    ]))
    write("multipart", "qa-csv-semicolon", multipart("x", [
        (['Content-Disposition: form-data; name="file"; filename="qas.csv"'],
         "pergunta;resposta\nQual o prazo?;Sete dias úteis\n".encode()),
    ]))
    write("multipart", "binary", multipart("AaB03x", [
        (['Content-Disposition: form-data; name="file"; filename="sign.png"', "Content-Type: image/png"],
         bytes(range(256))),
    ]))
    write("multipart", "no-headers", b"a70d\n--a70d\r\n" + bytes([0xF2, 0xBD, 0x9C, 0x9D, 0xC2, 0x95]) + b"--a70d--\r\n")


def json_seeds():
    models = ["assistant-create", "assistant-patch", "session-create", "session-patch", "context-create",
              "context-patch", "conversation", "message", "feedback", "qa-create", "qa-patch"]
    bodies = {
        "assistant-create": {"name": "Atendimento", "description": "Suporte", "tone": "friendly", "language": "pt-BR",
                             "metadata": {"team": "care", "tier": [1, 2]},
                             "task_templates": [{"name": "greet", "template": "Olá {{customer_name}}", "variables": ["customer_name"]}]},
        "assistant-patch": {"tone": "formal", "metadata": None},
        "session-create": {"assistant_id": UUID, "channel": "web", "ttl_seconds": 600, "sliding": True,
                           "visitor": {"external_id": "crm-42", "display_name": "Ana", "email": "ana@example.com"},
                           "attributes": {"plan": "gold", "nested": {"a": {"b": [1, 2.5, "x"]}}}},
        "session-patch": {"visitor": {"external_id": "crm-43"}},
        "context-create": {"session_id": UUID, "attributes": {"page": "/checkout", "cart": {"items": 3}},
                           "crm": {"system": "hubspot", "record_id": "123"}},
        "context-patch": {"attributes": {"page": "/done"}},
        "conversation": {"assistant_id": UUID, "session_id": UUID, "task": {"name": "greet", "variables": {"customer_name": "Ana"}}},
        "message": {"role": "user", "content": "Qual o horário?", "metadata": {"source": "widget"}},
        "feedback": {"rating": 5, "comment": "Ótimo", "actor": {"type": "visitor", "id": "crm-42"}},
        "qa-create": {"question": "Do you ship abroad?", "answer": "Yes, to 40 countries.", "tags": ["shipping"]},
        "qa-patch": {"answer": "Yes."},
    }
    for index, name in enumerate(models):
        write("json-bodies", name, bytes([index]) + json.dumps(bodies[name], ensure_ascii=False).encode())
    write("json-bodies", "numbers", bytes([0]) + b'{"name":"n","metadata":{"a":1e308,"b":-0.0,"c":9223372036854775808,"d":5.0}}')
    write("json-bodies", "escapes", bytes([7]) + b'{"role":"user","content":"\\u00e9\\ud83d\\ude00\\n\\t\\"","metadata":{}}')
    write("json-bodies", "deep", bytes([2]) + b'{"attributes":' + b'{"a":' * 40 + b'1' + b'}' * 41)
    write("json-bodies", "array", bytes([9]) + b'[{"question":"q","answer":"a"}]')


def html_seeds():
    for page in sorted((FIXTURES / "web").glob("*.html")):
        write("html", page.stem, bytes([0]) + page.read_bytes())
    write("html", "tiny", bytes([1]) + b"<html lang=pt-BR><title>Oi | Loja</title><p>Ol\xc3\xa1 mundo.</p></html>")
    write("html", "broken", bytes([3]) + b"<div><p>unclosed <b>bold <table><tr><td>cell</div><script>x</script><!-- c")
    write("html", "meta-charset", bytes([0]) + b'<meta charset="shift_jis"><p>\x82\xa0\x82\xa2</p>')
    write("html", "utf16", bytes([5]) + "<p>texto em UTF-16</p>".encode("utf-16"))


def router_seeds():
    paths = [
        ("GET", "/api/v1/assistants/"), ("POST", "/api/v1/assistants"), ("GET", f"/api/v1/assistants/{UUID}"),
        ("PATCH", f"/api/v1/assistants/{UUID}/"), ("DELETE", f"/api/v1/assistants/{UUID}"),
        ("POST", f"/api/v1/assistants/{UUID}/versions/3/promote"), ("GET", f"/api/v1/assistants/{UUID}/knowledge"),
        ("GET", "/api/v1/knowledge/files/"), ("POST", "/api/v1/knowledge/qas/"), ("POST", "/api/v1/knowledge/search"),
        ("GET", f"/api/v1/sessions/{UUID}"), ("POST", f"/api/v1/sessions/{UUID}/end"), ("GET", "/api/v1/contexts"),
        ("GET", f"/api/v1/visitors/{UUID}"), ("POST", f"/api/v1/conversations/{UUID}/messages"),
        ("GET", f"/api/v1/conversations/{UUID}/transcript"), ("GET", "/analytics/usage"), ("GET", "/analytics/endpoints/"),
        ("HEAD", "/api/v1/assistants/"), ("PUT", "/api/v1/assistants/"), ("GET", "/api/v1//assistants"), ("GET", "/"),
        ("OPTIONS", "*"), ("GET", "/api/v1/assistants/\u00e9/versions"),
    ]
    for index, (method, path) in enumerate(paths):
        write("router", f"{index:02d}", f"{method}\n{path}")


if __name__ == "__main__":
    fastcgi_seeds()
    multipart_seeds()
    json_seeds()
    html_seeds()
    router_seeds()
