"""The operator dashboard in headless Chromium against the live stack, after a seeded workload:
every panel shows the seeded figures (read from the DOM), the key filter changes them, a bad key
and a throttled organization are told in words, numbers follow the browser's locale, the page is
usable at 1280 px and at 390 px and from the keyboard, and its key never leaves session storage.
Screenshots of the whole page at both widths go to var/screenshots/ for people to look at."""

import os
import time
import urllib.request
import uuid

import pytest

from conftest import BASE_URL, VAR_DIR, cli, db, fixture, new_org_key, request, upload, wait_for, wait_for_status
from webdriver import find_chromedriver

SCREENSHOTS = os.environ.get("COMPANIN_SCREENSHOT_DIR") or os.path.join(os.path.dirname(__file__), "..", "..", "var", "screenshots")
DASHBOARD = BASE_URL.rstrip("/") + "/dashboard/"

pytestmark = pytest.mark.skipif(not find_chromedriver() and not os.environ.get("CI"),
                                reason="chromium-driver is not installed (scripts/setup installs it)")


def add_key(org, name):
    secret = cli("key", "create", "--org", org, "--name", name)
    key_id = [line.split("\t")[0] for line in cli("key", "list", "--org", org).splitlines()][-1]
    return secret, key_id


class Workload:
    """Requests made with known keys, counted as they are made."""

    def __init__(self):
        self.requests, self.errors_4xx = {}, {}

    def call(self, name, key, method, path, body=None, expect=200):
        reply = request(method, path, key=key, body=body)
        assert reply.status == expect, reply
        self.requests[name] = self.requests.get(name, 0) + 1
        if 400 <= reply.status < 500:
            self.errors_4xx[name] = self.errors_4xx.get(name, 0) + 1
        return reply.json() if reply.status != 204 else None


@pytest.fixture(scope="module")
def board():
    org, viewer = new_org_key("Dashboard organization", limit=10_000)
    web, web_id = add_key(org, "web widget")
    app, app_id = add_key(org, "mobile app")
    setup, _ = add_key(org, "setup")
    work = Workload()

    for _ in range(4):
        work.call("web", web, "GET", "/api/v1/assistants/")
    work.call("web", web, "GET", f"/api/v1/assistants/{uuid.uuid4()}", expect=404)
    shop = work.call("web", web, "POST", "/api/v1/assistants/", {"name": "Shop helper", "language": "en"}, expect=201)
    pairs = work.call("web", web, "POST", "/api/v1/knowledge/qas/", [
        {"question": "How long does delivery take?", "answer": "Delivery takes three working days."},
        {"question": "Can I return a gift?", "answer": "Gifts can be returned within thirty days."}], expect=202)
    for pair in pairs["items"]:
        wait_for_status(setup, f"/api/v1/knowledge/qas/{pair['id']}")
    failed = upload(setup, "deep.json", fixture("deep.json"))
    assert failed.status == 202, failed
    failed = wait_for_status(setup, f"/api/v1/knowledge/files/{failed.json()['id']}")
    assert failed["status"] == "failed"

    def conversation(name, key):
        session = work.call(name, key, "POST", "/api/v1/sessions/", {"assistant_id": shop["id"]}, expect=201)
        return work.call(name, key, "POST", "/api/v1/conversations/", {"assistant_id": shop["id"], "session_id": session["id"]},
                         expect=201)

    lost = conversation("web", web)
    posted = work.call("web", web, "POST", f"/api/v1/conversations/{lost['id']}/messages",
                       {"role": "user", "content": "Qwxz blorfing the zumbrella?"}, expect=201)
    assert posted["reply"]["grounding"] == "none"
    answered = conversation("app", app)
    posted = work.call("app", app, "POST", f"/api/v1/conversations/{answered['id']}/messages",
                       {"role": "user", "content": "How long does delivery take?"}, expect=201)
    assert posted["reply"]["grounding"] != "none"
    for rating, comment, actor in [(5, "Great help, thank you", "agent-1"), (4, None, "agent-2"), (2, "Too slow to answer", "agent-3")]:
        body = {"rating": rating, "actor": {"type": "agent", "id": actor}} | ({"comment": comment} if comment else {})
        work.call("web", web, "POST", f"/api/v1/conversations/{lost['id']}/feedback", body, expect=201)
    work.call("app", app, "POST", f"/api/v1/conversations/{answered['id']}/feedback",
              {"rating": 5, "comment": "Quick and right", "actor": {"type": "visitor"}}, expect=201)

    # Three requests of the app refused by the limiter, then a limit the dashboard stays under.
    cli("org", "set-limit", org, "1")
    for _ in range(3):
        work.call("app", app, "GET", "/api/v1/assistants/", expect=429)
    cli("org", "set-limit", org, "10000")

    for name, key_id in (("web", web_id), ("app", app_id)):
        wait_for(lambda: db.scalar("SELECT COUNT(*) FROM request_log WHERE api_key_id = %s", [key_id]) == work.requests[name],
                 timeout=15, interval=0.1, message=f"the {name} key's requests in the log")
    return {"org": org, "viewer": viewer, "web": web_id, "app": app_id, "work": work, "lost": lost["id"], "failed": failed}


@pytest.fixture()
def browser(driver):
    session = driver.session(1280, 900)
    # Record CSP violations from the first script on: the page must cause none.
    session.cdp("Page.addScriptToEvaluateOnNewDocument", {"source": """
        window.cspViolations = [];
        document.addEventListener('securitypolicyviolation', e => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
    """})
    yield session
    session.quit()


LOADED = "return document.querySelectorAll('[aria-busy=\"true\"]').length === 0 && !!document.querySelector('[data-total=\"requests\"]')"


def sign_in(browser, key):
    browser.get(DASHBOARD)
    browser.type("#api-key", key)
    browser.click("#sign-in")


def figure(browser, selector):
    return browser.run(f"const e = document.querySelector({selector!r}); return e ? [e.dataset.value, e.textContent.trim()] : null")


def filter_by_key(browser, key_id):
    browser.wait(f"return !!document.querySelector(\"#key-filter option[value='{key_id}']\")", message="the key list")
    browser.select("#key-filter", key_id)
    browser.wait(f"return document.querySelector('#key-filter').value === {key_id!r} && "
                 "document.querySelectorAll('[aria-busy=\"true\"]').length === 0", message="the filtered panels")
    time.sleep(0.3)
    browser.wait(LOADED, message="the panels")


def test_the_page_is_served_with_a_strict_policy_and_no_inline_script():
    with urllib.request.urlopen(DASHBOARD, timeout=10) as reply:
        policy = reply.headers["Content-Security-Policy"]
        page = reply.read().decode()
        assert reply.headers["Content-Type"].startswith("text/html")
    assert "script-src 'self'" in policy and "default-src 'none'" in policy and "connect-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy and "frame-ancestors 'none'" in policy
    assert "<script>" not in page.replace(" ", "") and "style=" not in page and "<style" not in page
    for asset, kind in (("dashboard.js", "text/javascript"), ("dashboard.css", "text/css")):
        with urllib.request.urlopen(DASHBOARD + asset, timeout=10) as reply:
            assert reply.headers["Content-Type"].startswith(kind)
    # The API answers no other origin: no CORS headers, so a foreign page cannot read it.
    preflight = request("OPTIONS", "/analytics/usage/", headers={"Origin": "http://example.com",
                                                               "Access-Control-Request-Method": "GET",
                                                               "Access-Control-Request-Headers": "x-api-key"})
    assert preflight.header("Access-Control-Allow-Origin") is None


def test_every_panel_shows_the_seeded_figures_and_the_key_filter_changes_them(board, browser):
    work = board["work"]
    sign_in(browser, board["viewer"])
    browser.wait(LOADED, message="the panels")
    assert browser.run("return sessionStorage.getItem('companin.apiKey')") == board["viewer"]
    assert browser.run("return localStorage.length") == 0
    assert board["viewer"] not in browser.run("return location.href")

    # All keys: at least the seeded requests (the dashboard's own are counted too).
    assert int(figure(browser, '[data-total="requests"]')[0]) >= work.requests["web"] + work.requests["app"]
    assert figure(browser, '[data-total="throttled-events"]')[0] == "3"
    assert figure(browser, '[data-live="limit"]')[0] == "10000"
    assert figure(browser, '[data-total="ratings"]')[0] == "4"
    assert float(figure(browser, '[data-total="csat"]')[0]) == 75.0
    assert figure(browser, '[data-total="needs-human"]')[0] == "1"
    assert browser.run(f"return !!document.querySelector('[data-conversation=\"{board['lost']}\"]')")
    assert browser.run('return document.querySelector(\'[data-kind="qa"][data-status="ready"]\').dataset.value') == "2"
    assert browser.run('return document.querySelector(\'[data-kind="file"][data-status="failed"]\').dataset.value') == "1"
    failed = browser.run(f"return document.querySelector('[data-source=\"{board['failed']['id']}\"]').textContent")
    assert board["failed"]["error"]["code"] in failed and board["failed"]["error"]["message"] in failed
    comments = browser.run("return [...document.querySelectorAll('.comment')].map(e => e.textContent)")
    assert any("Too slow to answer" in c for c in comments) and any("Quick and right" in c for c in comments)

    # One key: exactly what it did.
    filter_by_key(browser, board["web"])
    assert figure(browser, '[data-total="requests"]')[0] == str(work.requests["web"])
    assert figure(browser, '[data-total="errors_4xx"]')[0] == str(work.errors_4xx["web"])
    assert figure(browser, '[data-total="throttled"]')[0] == "0"
    assert browser.run('return document.querySelector(\'[data-endpoint="GET /api/v1/assistants/"] [data-value]\').dataset.value') == "4"
    assert figure(browser, '[data-total="ratings"]')[0] == "3"
    assert figure(browser, '[data-total="average"]')[1] == "3.67"
    assert float(figure(browser, '[data-total="csat"]')[0]) == 66.7
    assert figure(browser, '[data-total="needs-human"]')[0] == "1"
    assert browser.run("return [...document.querySelectorAll('[data-assistant]')].map(e => e.dataset.assistant)") == ["Shop helper v1"]
    comments = browser.run("return [...document.querySelectorAll('.comment')].map(e => e.textContent)")
    assert any("Too slow to answer" in c for c in comments) and not any("Quick and right" in c for c in comments)

    filter_by_key(browser, board["app"])
    assert figure(browser, '[data-total="requests"]')[0] == str(work.requests["app"])
    assert figure(browser, '[data-total="throttled"]')[0] == "3"
    assert figure(browser, '[data-total="ratings"]')[0] == "1"
    assert float(figure(browser, '[data-total="csat"]')[0]) == 100.0
    assert figure(browser, '[data-total="needs-human"]')[0] == "0"

    assert browser.run("return window.cspViolations") == []
    with open(os.path.join(VAR_DIR, "nginx", "logs", "access.log"), errors="replace") as log:
        assert board["viewer"] not in log.read()


def test_a_bad_key_is_told_in_words(browser):
    sign_in(browser, "ck_" + "0" * 40)
    text = browser.wait("const e = document.querySelector('#auth-error'); return e && e.offsetParent !== null && e.textContent",
                        message="the 401 message")
    assert "This key is not valid." in text
    assert browser.run("return sessionStorage.getItem('companin.apiKey')") in (None, "")


def test_a_throttled_organization_is_told_when_to_retry(board, browser):
    sign_in(browser, board["viewer"])
    browser.wait(LOADED, message="the panels")
    cli("org", "set-limit", board["org"], "1")
    try:
        browser.click("#refresh")
        text = browser.wait("return [...document.querySelectorAll('section')].map(s => s.textContent).join(' ')"
                            ".match(/Too many requests: try again in \\d+ seconds?\\./)?.[0]", message="the 429 message")
        assert text
    finally:
        cli("org", "set-limit", board["org"], "10000")


def test_numbers_follow_the_browsers_locale(board, driver):
    for language, average in (("pt-BR", "3,67"), ("en-US", "3.67")):
        session = driver.session(1280, 900, language=language)
        try:
            sign_in(session, board["viewer"])
            session.wait(LOADED, message="the panels")
            filter_by_key(session, board["web"])
            assert figure(session, '[data-total="average"]')[1] == average, language
        finally:
            session.quit()


def test_it_works_at_desktop_and_phone_widths_and_from_the_keyboard(board, driver):
    os.makedirs(SCREENSHOTS, exist_ok=True)
    session = driver.session(1280, 900)
    try:
        session.get(DASHBOARD)
        session.press("tab")
        assert session.run("return document.activeElement.id") == "api-key"
        session.run("document.activeElement.blur()")
        sign_in(session, board["viewer"])
        session.wait(LOADED, message="the panels")
        # Every control is reachable with Tab, in order, and shows where the focus is.
        session.run("document.activeElement.blur(); window.scrollTo(0, 0)")
        reached = set()
        for _ in range(40):
            session.press("tab")
            reached.add(session.run("return document.activeElement.id || document.activeElement.tagName"))
        assert {"range", "key-filter", "refresh"} <= reached, reached
        assert session.poor_contrast() == []
        assert session.run("return document.documentElement.scrollWidth") <= 1280
        session.full_page_screenshot(os.path.join(SCREENSHOTS, "dashboard-1280.png"), 1280)
        session.cdp("Emulation.setDeviceMetricsOverride", {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})
        session.run("window.dispatchEvent(new Event('resize'))")
        time.sleep(0.3)
        assert session.run("return document.documentElement.scrollWidth") <= 390
        assert session.poor_contrast() == []
        session.full_page_screenshot(os.path.join(SCREENSHOTS, "dashboard-390.png"), 390, mobile=True)
    finally:
        session.quit()
    for width in (1280, 390):
        with open(os.path.join(SCREENSHOTS, f"dashboard-{width}.png"), "rb") as handle:
            assert handle.read(8) == b"\x89PNG\r\n\x1a\n"
