"""URL sources end to end: a local nginx on loopback serves fixture pages; the pool may fetch from
127.0.0.1 only (COMPANIN_FETCH_ALLOW=127.0.0.1/32), so every other loopback address stands in for
a forbidden target. No request ever leaves 127.0.0.0/8 and ::1."""

import gzip
import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

from conftest import FIXTURES, new_org_key, request, search, wait_for, wait_for_status

URLS = "/api/v1/knowledge/urls/"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def site():
    """nginx serving Tests/Fixtures/web plus generated pages, on a free 127.0.0.1 port."""
    root = tempfile.mkdtemp(prefix="companin-site-")
    docroot = os.path.join(root, "www")
    shutil.copytree(os.path.join(FIXTURES, "web"), docroot)
    shutil.copy(os.path.join(FIXTURES, "manual.pdf"), os.path.join(docroot, "manual.pdf"))
    with open(os.path.join(docroot, "big.html"), "wb") as handle:
        handle.write(b"<html><body><p>" + b"filler words " * (10 * 1024 * 1024 // 13) + b"</p></body></html>")
    with open(os.path.join(docroot, "article.html"), "rb") as source, gzip.open(os.path.join(docroot, "zipped.html.gz"), "wb") as target:
        target.write(source.read())
    port = free_port()
    config = os.path.join(root, "nginx.conf")
    with open(config, "w") as handle:
        handle.write(f"""
daemon off;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
{"user root;" if os.getuid() == 0 else ""}
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {root}/tmp;
    fastcgi_temp_path {root}/tmp; proxy_temp_path {root}/tmp; scgi_temp_path {root}/tmp; uwsgi_temp_path {root}/tmp;
    types {{ text/html html; application/pdf pdf; }}
    server {{
        listen 127.0.0.1:{port};
        root {docroot};
        location = /latin1.html {{ charset iso-8859-1; }}
        location = /zipped.html {{ gzip_static always; gunzip off; add_header Content-Encoding gzip; types {{}} default_type text/html; try_files /zipped.html.gz =404; }}
        location = /hop1 {{ return 302 /hop2; }}
        location = /hop2 {{ return 301 http://127.0.0.1:{port}/hop3; }}
        location = /hop3 {{ return 302 /article.html; }}
        location = /slow.html {{ limit_rate 1; try_files /article.html =404; }}
        location = /to-forbidden {{ return 302 http://127.0.0.2:{port}/article.html; }}
        location = /to-ipv6 {{ return 302 http://[::1]:{port}/article.html; }}
    }}
}}
""")
    os.makedirs(os.path.join(root, "tmp"))
    server = subprocess.Popen(["nginx", "-p", root, "-c", config], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: _port_open(port), timeout=10, message="the fixture site")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)


def _port_open(port):
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def add(key, url, **fields):
    return request("POST", URLS, key=key, body={"url": url} | fields)


def ingest(key, url, **fields):
    reply = add(key, url, **fields)
    assert reply.status == 202, reply
    assert reply.json()["status"] == "pending"
    return wait_for_status(key, f"{URLS}{reply.json()['id']}", timeout=90)


@pytest.fixture(scope="module")
def key():
    return new_org_key()[1]


def test_article_page(site, key):
    page = ingest(key, f"{site}/article.html")
    assert page["status"] == "ready", page
    assert page["http_status"] == 200 and page["content_type"] == "text/html"
    assert page["final_url"] == f"{site}/article.html"
    assert page["title"] and page["title"] != f"{site}/article.html"
    assert page["text"] and page["summary"] and page["keywords"] and page["chunk_count"] >= 1
    assert page["fetched_at"].endswith("Z")
    first_words = " ".join(page["text"].split()[:6])
    assert search(key, first_words, kinds=["url"])[0]["source_id"] == page["id"]


def test_boilerplate_is_stripped(site, key):
    page = ingest(key, f"{site}/boilerplate.html")
    assert page["status"] == "ready", page
    text = page["text"].lower()
    assert "cookie" not in text and "share on" not in text


def test_latin1_page_is_decoded(site, key):
    page = ingest(key, f"{site}/latin1.html")
    assert page["status"] == "ready", page
    assert any(ch in page["text"] for ch in "ãçéõâ"), page["text"][:200]
    assert "\ufffd" not in page["text"]


def test_gzip_redirects_and_pdf(site, key):
    zipped = ingest(key, f"{site}/zipped.html")
    assert zipped["status"] == "ready", zipped
    hopped = ingest(key, f"{site}/hop1")
    assert hopped["status"] == "ready" and hopped["final_url"] == f"{site}/article.html"
    pdf = ingest(key, f"{site}/manual.pdf")
    assert pdf["status"] == "ready" and pdf["content_type"] == "application/pdf"
    assert "Refunds" in pdf["text"]


def test_refresh_uses_a_conditional_get(site, key):
    page = ingest(key, f"{site}/article.html", title="Refreshed article")
    path = f"{URLS}{page['id']}"
    again = request("POST", f"{path}/refresh", key=key)
    assert again.status == 202
    refreshed = wait_for(lambda: (r := request("GET", path, key=key).json()) and r["status"] == "ready"
                         and r["fetched_at"] and r["fetched_at"] >= page["fetched_at"] and r, timeout=60, message="refresh")
    assert refreshed["chunk_count"] == page["chunk_count"] and refreshed["title"] == "Refreshed article"
    from conftest import db
    # nginx answered the second fetch 304 (its ETag came back): the stored status says so.
    assert db.scalar("SELECT http_status FROM knowledge_sources WHERE id = %s", [page["id"]]) == 304


def test_failures_say_why(site, key):
    missing = ingest(key, f"{site}/missing.html")
    assert missing["status"] == "failed" and missing["error"]["code"] == "http_status"
    big = ingest(key, f"{site}/big.html")
    assert big["status"] == "failed" and big["error"]["code"] == "too_large"


def test_slow_page_hits_the_time_limit(site, key):
    started = time.monotonic()
    slow = ingest(key, f"{site}/slow.html")
    assert slow["status"] == "failed", slow
    assert "timeout" in (slow["error"]["code"] + slow["error"]["message"])
    assert time.monotonic() - started < 90


@pytest.mark.parametrize("url", [
    "http://127.0.0.2/", "http://[::1]/", "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/",
    "http://100.64.0.1/", "http://[fd00::1]/", "http://[::ffff:127.0.0.2]/", "http://0.0.0.0/",
    "http://2130706434/", "http://0177.0.0.2/", "http://127.2/",
])
def test_forbidden_addresses_are_refused_before_anything_is_stored(key, url):
    # 127.0.0.1 itself is allowlisted for the fixture site, so the loopback spellings here name
    # 127.0.0.2 (2130706434, 0177.0.0.2, 127.2, ::ffff:127.0.0.2): outside the allowlist, forbidden.
    before = request("GET", URLS, key=key).json()["count"]
    reply = add(key, url)
    assert reply.status == 422, reply
    assert reply.json() == {"detail": "URL resolves to a forbidden address"}
    assert request("GET", URLS, key=key).json()["count"] == before


def test_redirects_to_forbidden_addresses_fail_the_source(site, key):
    for target in ("to-forbidden", "to-ipv6"):
        page = ingest(key, f"{site}/{target}")
        assert page["status"] == "failed", page
        assert page["error"]["code"] == "forbidden_address"


def test_bad_urls_are_422(key):
    for url in ["ftp://127.0.0.1/file", "not a url", "http://user:secret@127.0.0.1/"]:
        reply = add(key, url)
        assert reply.status == 422, (url, reply)
