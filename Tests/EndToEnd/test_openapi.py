"""The contract served by the live stack: the OpenAPI document and the docs page, and every
documented operation answered by a route."""

import json
import uuid

from conftest import new_org_key, request


def test_the_document_is_served_without_a_key():
    reply = request("GET", "/api/v1/openapi.json")
    assert reply.status == 200 and reply.header("Content-Type") == "application/json"
    document = reply.json()
    assert document["openapi"] == "3.1.0"
    assert document["components"]["securitySchemes"]["ApiKey"] == {"type": "apiKey", "in": "header", "name": "X-API-Key"}
    assert "/api/v1/assistants/{assistant_id}" in document["paths"] and "/analytics/usage/" in document["paths"]
    assert request("GET", "/api/v1/openapi.json/").body == reply.body
    assert request("POST", "/api/v1/openapi.json").status == 405


def test_the_docs_page_renders_the_document_without_inline_script():
    page = request("GET", "/api/v1/docs")
    assert page.status == 200 and page.header("Content-Type").startswith("text/html")
    html = page.body.decode()
    assert '<script src="/api/v1/docs/docs.js" defer></script>' in html and "<script>" not in html and "style=" not in html
    assert "script-src 'self'" in page.header("Content-Security-Policy")
    script = request("GET", "/api/v1/docs/docs.js")
    assert script.status == 200 and "openapi.json" in script.body.decode()
    assert request("GET", "/api/v1/docs/docs.css").header("Content-Type").startswith("text/css")


def test_every_documented_operation_has_a_route():
    _, key = new_org_key()
    document = request("GET", "/api/v1/openapi.json").json()
    checked = 0
    for path, methods in document["paths"].items():
        concrete = path.replace("{version}", "1").replace("{name}", "x")
        while "{" in concrete:
            start = concrete.index("{")
            concrete = concrete[:start] + str(uuid.uuid4()) + concrete[concrete.index("}") + 1:]
        for method, operation in methods.items():
            body = {} if "requestBody" in operation and "application/json" in operation["requestBody"]["content"] else None
            reply = request(method.upper(), concrete, key=key, body=body)
            assert reply.status != 405, (method, path, reply)
            documented = {int(status) for status in operation["responses"]}
            assert reply.status in documented, (method, path, reply.status, sorted(documented))
            if "{" not in path and method == "get":
                assert reply.status == 200, (path, reply)
            json.loads(reply.body or b"{}") if reply.header("Content-Type") == "application/json" else None
            checked += 1
    assert checked == sum(len(methods) for methods in document["paths"].values()) >= 59


def test_documented_limits_answer_4xx():
    _, key = new_org_key()
    huge = request("GET", "/api/v1/assistants/", key=key, headers={"X-Padding": "x" * 9000})
    assert huge.status == 400 and huge.json() == {"detail": "Bad Request"}
    many = request("POST", "/api/v1/assistants/", key=key, body={"name": "Keys", "metadata": {f"k{i}": i for i in range(101)}})
    assert many.status == 422 and many.json()["detail"][0]["loc"] == ["body", "metadata"]
    boundary = "limits"
    parts = "".join(f'--{boundary}\r\nContent-Disposition: form-data; name="f{i}"\r\n\r\nx\r\n' for i in range(17))
    form = request("POST", "/api/v1/knowledge/files/", key=key, raw=(parts + f"--{boundary}--\r\n").encode(),
                   headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert form.status == 400 and form.json() == {"detail": "Multipart body with more than 16 parts"}
    assert request("GET", "/api/v1/assistants/?limit=1001", key=key).status == 422
