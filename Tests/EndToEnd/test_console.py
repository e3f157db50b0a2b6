"""The operator console in headless Chromium against the live stack, walked as an operator would:
knowledge (upload a file and watch it become ready, add a Q&A pair, search, delete after a
confirmation), conversations (open one that needs a human from the inbox, reply as an agent, hand it
off, close it), assistants (compare two versions field by field, roll back and promote, pause and
resume, and a change made behind the page's back refused with a 412 told in words), knowledge gaps
(answer one from the page; the same question asked again is answered from that Q&A pair). Every
page at 1280 and 390 px, with its screenshots in var/screenshots/console-<page>-<width>.png, no CSP
violation, no script error, every control labelled, text contrast of at least 4.5:1; Portuguese for
a pt-BR browser; the keyboard order; the key kept in session storage only."""

import os
import re
import time
import urllib.request
import uuid

import pytest

from conftest import BASE_URL, VAR_DIR, cli, new_org_key, request, wait_for_status
from webdriver import find_chromedriver

SCREENSHOTS = os.environ.get("COMPANIN_SCREENSHOT_DIR") or os.path.join(os.path.dirname(__file__), "..", "..", "var", "screenshots")
CONSOLE = BASE_URL.rstrip("/") + "/dashboard/"
DASHBOARD_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "nginx", "dashboard")
PAGES = ("overview", "knowledge", "conversations", "assistants", "gaps")

pytestmark = pytest.mark.skipif(not find_chromedriver() and not os.environ.get("CI"),
                                reason="chromium-driver is not installed (scripts/setup installs it)")

# Recorded from the first script on: CSP violations, uncaught errors, rejected promises and
# console.error calls. The console must cause none.
RECORDER = """
window.cspViolations = [];
window.pageErrors = [];
document.addEventListener('securitypolicyviolation', e => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
window.addEventListener('error', e => window.pageErrors.push(String(e.message) + ' at ' + e.filename + ':' + e.lineno));
window.addEventListener('unhandledrejection', e => window.pageErrors.push('unhandled rejection: ' + String(e.reason && e.reason.stack || e.reason)));
const consoleError = console.error;
console.error = (...parts) => { window.pageErrors.push('console.error: ' + parts.map(String).join(' ')); consoleError(...parts); };
"""

# Form controls without a label and buttons or links without a name, anywhere in the document.
UNLABELLED = """
const missing = [];
for (const e of document.querySelectorAll('input, select, textarea')) {
  if (e.type === 'hidden') continue;
  const labelled = (e.labels && [...e.labels].some(l => l.textContent.trim())) || (e.getAttribute('aria-label') || '').trim()
    || (e.getAttribute('aria-labelledby') || '').split(' ').some(id => id && document.getElementById(id) && document.getElementById(id).textContent.trim());
  if (!labelled) missing.push(e.id || e.name || e.outerHTML.slice(0, 80));
}
for (const e of document.querySelectorAll('button, a[href], summary')) {
  if (!((e.getAttribute('aria-label') || e.textContent || '').trim())) missing.push('unnamed ' + (e.id || e.outerHTML.slice(0, 80)));
}
return missing;
"""


# ---------------------------------------------------------------------------------------------
# Helpers


def create(key, path, body, status=201):
    reply = request("POST", path, key=key, body=body)
    assert reply.status == status, reply
    return reply.json()


def open_conversation(key, assistant_id):
    session = create(key, "/api/v1/sessions/", {"assistant_id": assistant_id})
    return create(key, "/api/v1/conversations/", {"assistant_id": assistant_id, "session_id": session["id"]})


def ask(key, conversation_id, text):
    return create(key, f"/api/v1/conversations/{conversation_id}/messages", {"role": "user", "content": text})


def new_session(driver, language="en-US"):
    session = driver.session(1280, 900, language=language)
    session.cdp("Page.addScriptToEvaluateOnNewDocument", {"source": RECORDER})
    return session


@pytest.fixture()
def browser(driver):
    session = new_session(driver)
    yield session
    session.quit()


@pytest.fixture()
def operator():
    """An organization of its own for each test, and its admin key."""
    org, key = new_org_key(f"Console {uuid.uuid4().hex[:6]}")
    return {"org": org, "key": key}


def sign_in(session, key):
    session.get(CONSOLE)
    session.type("#api-key", key)
    session.click("#sign-in")
    session.wait("return !document.querySelector('#nav').hidden", message="the navigation after signing in")


# The part of a page each route shows: a list, or one item.
VIEWS = {"conversations": ("#conversations-inbox", "#conversation-detail"), "assistants": ("#assistants-list-view", "#assistant-detail")}


def go(session, route):
    """Follows the route (#/knowledge, #/conversations/ID …) and waits until its page has loaded."""
    page, _, item = route.partition("/")
    session.run("location.hash = arguments[0]", "#/" + route)
    view = VIEWS[page][1 if item else 0] if page in VIEWS else f"#page-{page}"
    session.wait(f"const p = document.querySelector('#page-{page}'); return !p.hidden && !document.querySelector({view!r}).hidden "
                 f"&& document.querySelector('#nav a[aria-current]').dataset.page === {page!r} "
                 "&& p.querySelectorAll('[aria-busy=\"true\"]').length === 0", message=f"the {route} page")


def settled(session, page):
    session.wait(f"return document.querySelectorAll('#page-{page} [aria-busy=\"true\"]').length === 0", message=f"the {page} page to load")


def text_of(session, css):
    return session.run("const e = document.querySelector(arguments[0]); return e ? e.textContent.trim() : null", css)


def visible_text(session, css, words=""):
    """The text of the element once it is shown (and says `words`)."""
    return session.wait(f"const e = document.querySelector({css!r}); const text = e && e.offsetParent !== null && e.textContent.trim(); "
                        f"return text && text.includes({words!r}) && text", message=f"{css} to say {words!r}")


def check_page(session, name):
    """At 1280 and 390 px: nothing wider than the screen, every text legible, every control labelled;
    a full-page screenshot of each."""
    os.makedirs(SCREENSHOTS, exist_ok=True)
    assert session.run(UNLABELLED) == [], name
    try:
        for width, height, mobile in ((1280, 900, False), (390, 844, True)):
            session.cdp("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})
            session.run("window.dispatchEvent(new Event('resize'))")
            time.sleep(0.3)
            assert session.run("return document.documentElement.scrollWidth") <= width, (name, width)
            assert session.poor_contrast() == [], (name, width)
            path = os.path.join(SCREENSHOTS, f"console-{name}-{width}.png")
            session.full_page_screenshot(path, width, mobile=mobile)
            with open(path, "rb") as handle:
                assert handle.read(8) == b"\x89PNG\r\n\x1a\n"
    finally:
        session.cdp("Emulation.clearDeviceMetricsOverride")


def assert_clean(session, key):
    """No CSP violation, no script error, and the key nowhere but in session storage: not in local
    storage, a cookie, the URL, a requested address, or nginx's access log."""
    assert session.run("return window.cspViolations") == []
    assert session.run("return window.pageErrors") == []
    assert session.run("return sessionStorage.getItem('companin.apiKey')") == key
    assert session.run("return localStorage.length") == 0
    assert session.run("return document.cookie") == ""
    assert key not in session.run("return location.href")
    assert session.run("return document.querySelector('#api-key').value") == ""
    requested = session.run("return performance.getEntriesByType('resource').map(e => e.name)")
    assert requested and all(name.startswith(BASE_URL.rstrip("/") + "/") for name in requested), requested
    assert not any(key in name for name in requested)
    with open(os.path.join(VAR_DIR, "nginx", "logs", "access.log"), errors="replace") as log:
        assert key not in log.read()


# ---------------------------------------------------------------------------------------------
# The static files


def test_the_console_is_static_files_under_a_strict_policy():
    with urllib.request.urlopen(CONSOLE, timeout=10) as reply:
        policy = reply.headers["Content-Security-Policy"]
        page = reply.read().decode()
    assert "default-src 'none'" in policy and "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "<style" not in page and "style=" not in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page), "an inline script"
    assert not re.search(r"\son[a-z]+=", page), "an inline event handler"
    scripts = sorted(name for name in os.listdir(DASHBOARD_DIR) if name.endswith(".js"))
    for name in scripts + ["dashboard.css"]:
        with urllib.request.urlopen(CONSOLE + name, timeout=10) as reply:
            assert reply.headers["Content-Type"].startswith("text/css" if name.endswith(".css") else "text/javascript"), name
            body = reply.read().decode()
        # Nothing from elsewhere, nothing evaluated from text.
        assert "http://" not in body.replace("http://www.w3.org/2000/svg", "") and "https://" not in body.replace('"https://"', ""), name
        assert not re.search(r"\beval\(|new Function\(|innerHTML|insertAdjacentHTML|document\.write", body), name


# Each entry of the string table as the browser loads it: [English, Portuguese], both texts (or both
# plural forms, with "one" and "other"), the same {placeholders} in both.
STRING_TABLE = """
const done = arguments[arguments.length - 1];
import('./strings.js').then(({ STRINGS }) => {
  const problems = [];
  const holes = (text) => (String(text).match(/\\{\\w+\\}/g) || []).sort().join(' ');
  for (const [key, entry] of Object.entries(STRINGS)) {
    if (!Array.isArray(entry) || entry.length !== 2) { problems.push(key + ': not [English, Portuguese]'); continue; }
    const [en, pt] = entry.map(text => typeof text === 'string' ? { other: text } : text);
    for (const form of new Set(Object.keys(en).concat(Object.keys(pt)))) {
      if (!en[form] || !pt[form]) problems.push(key + ': no ' + form + ' form in both languages');
      else if (holes(en[form]) !== holes(pt[form])) problems.push(key + ': placeholders differ');
    }
    if (typeof entry[0] !== typeof entry[1] || (typeof entry[0] === 'object' && !(en.one && en.other))) problems.push(key + ': forms');
  }
  done({ count: Object.keys(STRINGS).length, keys: Object.keys(STRINGS), problems });
}, error => done({ error: String(error) }));
"""


def test_every_string_of_the_console_is_in_both_languages(browser):
    browser.get(CONSOLE)
    loaded = browser.run_async(STRING_TABLE)
    assert "error" not in loaded, loaded
    assert loaded["count"] > 300 and loaded["problems"] == []
    keys = set(loaded["keys"])
    # Every key the pages use is in the table.
    used = set()
    for name in os.listdir(DASHBOARD_DIR):
        path = os.path.join(DASHBOARD_DIR, name)
        if name.endswith(".js") and name != "strings.js":
            with open(path, encoding="utf-8") as handle:
                used |= set(re.findall(r'"([a-z][A-Za-z0-9]*(?:\.[A-Za-z0-9_]+)+)"', handle.read()))
        elif name.endswith(".html"):
            with open(path, encoding="utf-8") as handle:
                used |= set(re.findall(r'data-i18n(?:-[a-z-]+)?="([^"]+)"', handle.read()))
    used.discard("companin.apiKey")  # the storage key, not a string
    assert sorted(used - keys) == []
    for prefix, names in {"page.": PAGES, "kind.": ("file", "qa", "url"), "status.": ("pending", "processing", "ready", "failed"),
                          "reason.": ("handed_off", "no_sources", "low_rating"), "actor.": ("visitor", "agent", "system"),
                          "field.": ("name", "description", "tone", "language", "task_templates", "metadata"),
                          "assistants.mode.": ("all", "linked"), "conversation.status.": ("open", "handed_off", "closed"),
                          "count.sources.": ("file", "url", "qa"), "knowledge.empty.": ("file", "url", "qa"),
                          "knowledge.caption.": ("file", "url", "qa"), "series.": ("ok", "4xx", "throttled", "5xx")}.items():
        assert {prefix + name for name in names} <= keys, prefix


# ---------------------------------------------------------------------------------------------
# The pages


def test_knowledge_upload_qa_search_and_delete(operator, browser, tmp_path):
    key = operator["key"]
    # An assistant that sees only its linked sources: none, so its search finds nothing.
    narrow = create(key, "/api/v1/assistants/", {"name": "Narrow", "knowledge_mode": "linked"})
    sign_in(browser, key)
    go(browser, "knowledge")
    visible_text(browser, "#knowledge-list", "No files yet")

    hours = tmp_path / "opening-hours.txt"
    hours.write_text("Opening hours of the Lisbon store\n\nThe Lisbon store on Rua Augusta opens at nine in the morning "
                     "and closes at eight in the evening, every day but Sunday.\n")
    browser.choose_file("#upload-file", str(hours))
    browser.type("#upload-title", "Lisbon opening hours")
    browser.click("#upload-submit")
    visible_text(browser, "#upload-message", "being processed")
    file_id = browser.wait("const r = document.querySelector('#knowledge-list tr[data-source]'); return r && r.dataset.source",
                           message="the uploaded file's row")
    browser.wait(f"return document.querySelector('tr[data-source=\"{file_id}\"]')?.dataset.status === 'ready'", timeout=60,
                 message="the file to become ready on the page")
    stored = request("GET", f"/api/v1/knowledge/files/{file_id}", key=key).json()
    assert stored["status"] == "ready" and stored["title"] == "Lisbon opening hours" and stored["filename"] == "opening-hours.txt"
    assert "Ready" in text_of(browser, f"tr[data-source=\"{file_id}\"] [data-field=status]")

    browser.type("#qa-question", "Is the Lisbon store open on Sundays?")
    browser.type("#qa-answer", "No: the Lisbon store is closed on Sundays.")
    browser.click("#qa-submit")
    visible_text(browser, "#qa-message", "was added")
    assert browser.run("return document.querySelector('#knowledge-kind').value") == "qa"
    qa_id = browser.wait("const r = document.querySelector('#knowledge-list tr[data-source]'); return r && r.dataset.source",
                         message="the Q&A pair's row")
    browser.wait(f"return document.querySelector('tr[data-source=\"{qa_id}\"]')?.dataset.status === 'ready'", timeout=60,
                 message="the Q&A pair to become ready on the page")
    assert request("GET", f"/api/v1/knowledge/qas/{qa_id}", key=key).json()["question"] == "Is the Lisbon store open on Sundays?"

    browser.type("#search-query", "When does the Lisbon store open?")
    browser.click("#search-submit")
    browser.wait("return document.querySelectorAll('#search-hits .hit').length > 0", message="the search results")
    hits = browser.run("return [...document.querySelectorAll('#search-hits .hit')].map(h => ({source: h.dataset.source, "
                       "raw: Number(h.querySelector('[data-field=score]').dataset.value), "
                       "shown: h.querySelector('[data-field=score]').textContent, title: h.querySelector('.hit-title').textContent}))")
    scores = [hit["raw"] for hit in hits]
    assert all(score > 0 for score in scores) and scores == sorted(scores, reverse=True), hits
    assert {hit["source"] for hit in hits} == {file_id, qa_id}
    assert [hit["title"] for hit in hits if hit["source"] == file_id][0] == "Lisbon opening hours"
    assert all(hit["shown"] == f"{hit['raw']:.4f}" for hit in hits)
    api_hits = request("POST", "/api/v1/knowledge/search", key=key, body={"query": "When does the Lisbon store open?"}).json()["items"]
    assert [hit["source_id"] for hit in api_hits] == [hit["source"] for hit in hits]
    # As the narrow assistant sees the knowledge: nothing.
    browser.select("#search-assistant", narrow["id"])
    browser.click("#search-submit")
    browser.wait("const e = document.querySelector('#search-hits [data-total=hits]'); return e && e.dataset.value === '0' "
                 "&& e.textContent.includes('As Narrow sees')", message="the narrow assistant's search")
    assert "Nothing relevant" in text_of(browser, "#search-hits")
    browser.select("#search-assistant", "")
    browser.click("#search-submit")
    browser.wait("return document.querySelectorAll('#search-hits .hit').length > 0", message="the search results again")
    check_page(browser, "knowledge")

    # Deleting asks first: cancelled, nothing happens; confirmed, the file is gone.
    browser.select("#knowledge-kind", "file")
    settled(browser, "knowledge")
    delete = f"tr[data-source=\"{file_id}\"] button[data-action=delete]"
    browser.wait(f"return !!document.querySelector({delete!r})", message="the file's delete button")
    browser.click(delete)
    browser.wait("return document.querySelector('#confirm-dialog').open", message="the confirmation")
    assert "Lisbon opening hours" in text_of(browser, "#confirm-message")
    assert browser.run("return document.activeElement.id") == "confirm-cancel"
    browser.click("#confirm-cancel")
    browser.wait("return !document.querySelector('#confirm-dialog').open", message="the dialog to close")
    assert request("GET", f"/api/v1/knowledge/files/{file_id}", key=key).status == 200
    browser.click(delete)
    browser.wait("return document.querySelector('#confirm-dialog').open", message="the confirmation")
    browser.click("#confirm-ok")
    browser.wait(f"return !document.querySelector('tr[data-source=\"{file_id}\"]')", message="the row to go")
    visible_text(browser, "#knowledge-list-status", "was deleted")
    assert request("GET", f"/api/v1/knowledge/files/{file_id}", key=key).status == 404
    assert_clean(browser, key)


def test_conversations_inbox_reply_handoff_and_close(operator, browser):
    key = operator["key"]
    assistant = create(key, "/api/v1/assistants/", {"name": "Front desk", "language": "en"})
    quiet = open_conversation(key, assistant["id"])  # nobody asked anything: not in the inbox
    lost = open_conversation(key, assistant["id"])
    reply = ask(key, lost["id"], "Qwxz blorfing the zumbrella?")["reply"]
    assert reply["grounding"] == "none"
    assert request("GET", f"/api/v1/conversations/{lost['id']}", key=key).json()["needs_human"] is True

    sign_in(browser, key)
    go(browser, "conversations")
    row = f"#inbox-list tr[data-conversation=\"{lost['id']}\"]"
    browser.wait(f"return !!document.querySelector({row!r})", message="the conversation in the inbox")
    assert not browser.run(f"return !!document.querySelector('tr[data-conversation=\"{quiet['id']}\"]')")
    assert browser.run("return document.querySelector('#inbox-list [data-total=conversations]').dataset.value") == "1"
    check_page(browser, "conversations")

    browser.click(f"{row} a")
    browser.wait(f"return location.hash === '#/conversations/{lost['id']}'", message="the conversation's route")
    settled(browser, "conversations")
    browser.wait("return document.querySelectorAll('#conversation-transcript .message').length === 2", message="the transcript")
    assert browser.run("return document.activeElement.id") == "conversation-title"
    assert browser.run("return document.querySelector('[data-grounding]').dataset.grounding") == "none"
    assert "passed the question on to a human" in text_of(browser, "#conversation-transcript [data-grounding=none]")
    assert text_of(browser, "[data-fact=needs-human]") == "Yes"

    browser.type("#reply-content", "Hello, I am Ana from the shop: what are you looking for?")
    browser.type("#reply-agent", "ana")
    browser.click("#reply-submit")
    browser.wait("return document.querySelectorAll('#conversation-transcript .message-agent').length === 1", message="the agent's message")
    agent = text_of(browser, "#conversation-transcript .message-agent")
    assert "Agent ana" in agent and "what are you looking for?" in agent
    visible_text(browser, "#reply-message", "was added")
    messages = request("GET", f"/api/v1/conversations/{lost['id']}/messages", key=key).json()["items"]
    assert [(m["role"], m["actor"].get("id")) for m in messages][-1] == ("agent", "ana")
    assert messages[-1]["content"] == "Hello, I am Ana from the shop: what are you looking for?"

    browser.type("#handoff-reason", "The visitor asks about something we do not sell")
    browser.click("#handoff-submit")
    browser.wait("return document.querySelector('[data-fact=status]')?.dataset.value === 'handed_off'", message="the hand-off")
    assert browser.run("return document.querySelector('#handoff-submit').disabled")
    check_page(browser, "conversation")

    browser.type("#close-reason", "Answered by Ana")
    browser.click("#close-submit")
    browser.wait("return document.querySelector('#confirm-dialog').open", message="the confirmation")
    browser.click("#confirm-ok")
    browser.wait("return document.querySelector('[data-fact=status]')?.dataset.value === 'closed'", message="the conversation to close")
    closed = request("GET", f"/api/v1/conversations/{lost['id']}", key=key).json()
    assert closed["status"] == "closed" and closed["close_reason"] == "Answered by Ana"
    assert closed["handoff_reason"] == "The visitor asks about something we do not sell"
    assert browser.run("return document.querySelector('#reply-submit').disabled")
    visible_text(browser, "#reply-closed", "closed")

    # Back in the inbox (open ones), it is gone.
    browser.click("#conversation-detail .back a")
    settled(browser, "conversations")
    browser.wait("return !document.querySelector('#conversations-inbox').hidden && !!document.querySelector('#inbox-list .state.empty')",
                 message="the empty inbox")
    assert "No conversation needs a human." in text_of(browser, "#inbox-list")
    assert_clean(browser, key)


def test_assistants_diff_promote_rollback_pause_and_a_stale_change(operator, browser):
    key = operator["key"]
    assistant = create(key, "/api/v1/assistants/", {"name": "Concierge", "tone": "formal", "description": "Answers guests"})
    patched = request("PATCH", f"/api/v1/assistants/{assistant['id']}", key=key,
                      body={"tone": "cheerful", "change_note": "Friendlier for the summer"})
    assert patched.status == 200 and patched.json()["live_version"] == 2

    sign_in(browser, key)
    go(browser, "assistants")
    link = f"#assistants-list tr[data-assistant-id=\"{assistant['id']}\"] a"
    browser.wait(f"return !!document.querySelector({link!r})", message="the assistant in the list")
    check_page(browser, "assistants")
    browser.click(link)
    settled(browser, "assistants")
    browser.wait("return document.querySelectorAll('#assistant-versions tr[data-version]').length === 2", message="the versions")
    assert text_of(browser, "#assistant-title") == "Concierge"
    assert browser.run("return document.querySelector('[data-fact=live_version]').dataset.value") == "2"
    assert "Friendlier for the summer" in text_of(browser, "#assistant-versions tr[data-version='2']")

    browser.select("#diff-from", "1")
    browser.select("#diff-to", "2")
    browser.click("#diff-submit")
    browser.wait("return !!document.querySelector('#assistant-diff tr[data-field=tone]')", message="the comparison")
    changed = browser.run("return [...document.querySelectorAll('#assistant-diff tr[data-changed=true]')].map(r => r.dataset.field)")
    assert changed == ["tone"]
    tone = text_of(browser, "#assistant-diff tr[data-field=tone]")
    assert "formal" in tone and "cheerful" in tone and "Changed" in tone
    assert "Same" in text_of(browser, "#assistant-diff tr[data-field=name]")
    assert "changed: Tone" in text_of(browser, "#assistant-diff .diff-summary")
    check_page(browser, "assistant")

    def live_on_page(version):
        browser.wait(f"return document.querySelector('[data-fact=live_version]')?.dataset.value === '{version}' "
                     "&& document.querySelectorAll('#page-assistants [aria-busy]').length === 0", message=f"v{version} live on the page")

    def api_assistant():
        return request("GET", f"/api/v1/assistants/{assistant['id']}", key=key).json()

    browser.click("#assistant-versions button[data-action=rollback][data-version='1']")
    live_on_page(1)
    assert api_assistant()["live_version"] == 1 and api_assistant()["tone"] == "formal"
    visible_text(browser, "#assistant-message", "Rolled back")
    browser.click("#assistant-versions button[data-action=promote][data-version='2']")
    live_on_page(2)
    assert api_assistant()["live_version"] == 2

    browser.click("#assistant-toggle")
    browser.wait("return document.querySelector('[data-fact=is_active]')?.dataset.value === 'false'", message="the pause")
    assert api_assistant()["is_active"] is False
    assert text_of(browser, "#assistant-toggle") == "Resume"
    browser.click("#assistant-toggle")
    browser.wait("return document.querySelector('[data-fact=is_active]')?.dataset.value === 'true'", message="the resumption")
    assert api_assistant()["is_active"] is True

    # Someone changes it behind the page's back: the page's next change is refused and said so.
    behind = request("PATCH", f"/api/v1/assistants/{assistant['id']}", key=key, body={"description": "Changed elsewhere"})
    assert behind.status == 200 and behind.json()["live_version"] == 3
    browser.click("#assistant-versions button[data-action=rollback][data-version='1']")
    browser.wait("return document.querySelector('#assistant-message').dataset.stale === 'true'", message="the stale change refused")
    message = visible_text(browser, "#assistant-message")
    assert "Someone else changed this assistant" in message and "nothing was changed" in message
    assert browser.run("return document.querySelector('#assistant-message').getAttribute('role')") == "alert"
    now = api_assistant()
    assert now["live_version"] == 3 and now["description"] == "Changed elsewhere"
    live_on_page(3)  # reloaded: the page now shows the assistant as it is
    browser.wait("return document.querySelectorAll('#assistant-versions tr[data-version]').length === 3", message="the new version listed")
    # With the fresh ETag the same change goes through.
    browser.click("#assistant-versions button[data-action=rollback][data-version='1']")
    live_on_page(1)
    assert api_assistant()["live_version"] == 1
    assert_clean(browser, key)


def test_a_gap_answered_from_the_page_answers_the_next_question(operator, browser):
    key = operator["key"]
    assistant = create(key, "/api/v1/assistants/", {"name": "Helpdesk", "language": "en"})
    other = create(key, "/api/v1/assistants/", {"name": "Sales", "language": "en"})
    asked = []
    # Near-identical wordings: the hashed embeddings of the test stack group only those.
    for question in ("How do I reset my Zorblat password?", "how do I reset my zorblat password",
                     "How do I reset my Zorblat password, please?"):
        conversation = open_conversation(key, assistant["id"])
        posted = ask(key, conversation["id"], question)
        assert posted["reply"]["grounding"] == "none"
        asked.append((posted["message"]["id"], conversation["id"]))
    unrelated = open_conversation(key, other["id"])
    ask(key, unrelated["id"], "Do you deliver pianos to the Azores?")

    sign_in(browser, key)
    go(browser, "gaps")
    gap_id = browser.wait("const g = [...document.querySelectorAll('#gaps-list li.gap')].find(g => /zorblat/i.test(g.querySelector('.gap-question').textContent));"
                          " return g && g.dataset.gap", message="the Zorblat gap")
    gap = f"#gaps-list li.gap[data-gap=\"{gap_id}\"]"
    api_gap = request("GET", f"/analytics/gaps/{gap_id}", key=key).json()
    assert api_gap["count"] == 3, api_gap
    assert browser.run(f"return document.querySelector('{gap} [data-field=count]').dataset.value") == "3"
    assert "asked 3 times" in text_of(browser, f"{gap} .gap-count")
    assert "Helpdesk" in text_of(browser, f"{gap} .gap-facts") and "Handed off to a human" in text_of(browser, f"{gap} .gap-facts")
    assert "English" in text_of(browser, f"{gap} .gap-facts")
    bars = browser.run(f"return [...document.querySelectorAll('{gap} .sparkline rect')].map(r => Number(r.dataset.value))")
    assert len(bars) == 7 + 1 or len(bars) == 7, bars  # a week: seven or eight UTC days
    assert sum(bars) == 3
    assert "3" in browser.run(f"return document.querySelector('{gap} .sparkline').getAttribute('aria-label')")
    check_page(browser, "gaps")

    # An example leads to its conversation.
    browser.click(f"{gap} .examples-details summary")
    example = asked[-1][1]
    browser.click(f"{gap} a[data-conversation=\"{example}\"]")
    browser.wait(f"return location.hash === '#/conversations/{example}' && document.querySelectorAll('#conversation-transcript .message').length === 2",
                 message="the example's conversation")
    browser.run("history.back()")
    go(browser, "gaps")
    browser.wait(f"return !!document.querySelector('{gap}')", message="the gap again")

    browser.click(f"{gap} [data-answer-toggle]")
    assert browser.run(f"return document.querySelector('#gap-question-{gap_id}').value") == api_gap["question"]
    assert browser.run(f"return document.querySelectorAll('{gap} .checks input:checked').length") == 1
    browser.type(f"#gap-answer-{gap_id}", "Open Zorblat, choose Settings, then Reset password; the new one arrives by e-mail.")
    browser.click(f"{gap} [data-answer-submit]")
    visible_text(browser, f"{gap} [data-answer-message]", "saved as a Q&A pair")
    browser.wait(f"return document.querySelector('{gap} [data-qa-state]')?.dataset.status === 'ready'", timeout=60,
                 message="the Q&A pair to become ready on the page")
    assert "Ready" in text_of(browser, f"{gap} [data-qa-state]")
    answered = request("GET", f"/analytics/gaps/{gap_id}", key=key).json()
    assert answered["status"] == "answered" and answered["answer"]["qa_id"]
    qa = request("GET", f"/api/v1/knowledge/qas/{answered['answer']['qa_id']}", key=key).json()
    assert qa["status"] == "ready" and qa["answer"].startswith("Open Zorblat")

    # The same question, put slightly differently, is now answered from that pair.
    again = open_conversation(key, assistant["id"])
    reply = ask(key, again["id"], "How can I reset my Zorblat password?")["reply"]
    assert reply["grounding"] == "qa", reply
    assert reply["sources"][0]["source_id"] == qa["id"]

    # Answered once: the page says so, and the API refuses a second answer.
    browser.select("#gaps-status", "answered")
    settled(browser, "gaps")
    browser.wait(f"return document.querySelector('{gap}')?.dataset.status === 'answered'", message="the gap listed as answered")
    assert "Answered" in text_of(browser, f"{gap} .answered")
    assert request("POST", f"/analytics/gaps/{gap_id}/answer", key=key, body={"answer": "Twice"}).status == 409
    assert_clean(browser, key)


# ---------------------------------------------------------------------------------------------
# Across pages


def test_no_page_violates_the_policy_and_the_key_stays_in_session_storage(operator, browser):
    key = operator["key"]
    assistant = create(key, "/api/v1/assistants/", {"name": "Walker"})
    conversation = open_conversation(key, assistant["id"])
    sign_in(browser, key)
    for route in list(PAGES) + [f"conversations/{conversation['id']}", f"assistants/{assistant['id']}"]:
        go(browser, route)
        assert browser.run(UNLABELLED) == [], route
    # The overview's figures stay as they were.
    go(browser, "overview")
    browser.wait("return !!document.querySelector('[data-total=\"requests\"]')", message="the overview's figures")
    check_page(browser, "overview")
    assert_clean(browser, key)
    # An unknown route is the overview; a reload keeps the key (same tab) and the page.
    browser.run("location.hash = '#/no-such-page'")
    browser.wait("return !document.querySelector('#page-overview').hidden && document.querySelector('#nav a[aria-current]').dataset.page === 'overview'",
                 message="the overview for an unknown route")
    browser.get(CONSOLE + "#/knowledge")
    browser.wait("return !document.querySelector('#page-knowledge').hidden", message="the knowledge page after a reload")
    assert browser.run("return sessionStorage.getItem('companin.apiKey')") == key
    # Forgetting the key leaves nothing behind.
    browser.click("#forget-key")
    assert browser.run("return sessionStorage.length") == 0 and browser.run("return localStorage.length") == 0
    assert browser.run("return document.querySelector('#nav').hidden")
    assert all(browser.run(f"return document.querySelector('#page-{page}').hidden") for page in PAGES)
    assert browser.run("return window.cspViolations") == [] and browser.run("return window.pageErrors") == []


def test_errors_are_told_in_words(operator, driver, browser):
    key = operator["key"]
    # 403: a key that may only read, writing.
    reader = create(key, "/api/v1/keys/", {"name": "reader", "scopes": ["read"]})["secret"]
    session = new_session(driver)
    try:
        sign_in(session, reader)
        go(session, "knowledge")
        session.type("#qa-question", "Can a reader add this?")
        session.type("#qa-answer", "No.")
        session.click("#qa-submit")
        visible_text(session, "#qa-message.error", "This key may not do this")
        assert session.run("return document.querySelector('#qa-message').getAttribute('role')") == "alert"
        assert session.run("return window.cspViolations") == []
    finally:
        session.quit()

    sign_in(browser, key)
    # 422: each field with its message.
    go(browser, "knowledge")
    browser.type("#url-address", "not a web address")
    browser.click("#url-submit")
    assert re.match(r"Some fields are not valid: url: .+", visible_text(browser, "#url-message.error", "url:"))
    # 404: a conversation that is not there.
    go(browser, f"conversations/{uuid.uuid4()}")
    visible_text(browser, "#conversation-transcript .state.error", "This conversation does not exist")
    # 409: closed behind the page's back, then written to.
    assistant = create(key, "/api/v1/assistants/", {"name": "Errors"})
    conversation = open_conversation(key, assistant["id"])
    go(browser, f"conversations/{conversation['id']}")
    create(key, f"/api/v1/conversations/{conversation['id']}/close", {}, status=200)
    browser.type("#reply-content", "Anyone there?")
    browser.click("#reply-submit")
    visible_text(browser, "#reply-message.error", "This conversation is closed")
    browser.wait("return document.querySelector('#reply-submit').disabled", message="the reply form to close")
    # 429: the organization's hourly limit spent.
    cli("org", "set-limit", operator["org"], "1")
    try:
        go(browser, "knowledge")
        # The limiter may still let a request or two through from before: refresh until it refuses.
        deadline = time.monotonic() + 30
        while not (text := text_of(browser, "#knowledge-list .state.error")) and time.monotonic() < deadline:
            browser.click("#knowledge-refresh")
            settled(browser, "knowledge")
        assert text and re.fullmatch(r"Too many requests: try again in \d+ seconds?\.", text), text
    finally:
        cli("org", "set-limit", operator["org"], "1000000")
    assert browser.run("return window.cspViolations") == [] and browser.run("return window.pageErrors") == []


def test_a_browser_token_signs_in_as_well(operator, browser):
    """A short-lived browser token (sent as a bearer token) reads what its scopes allow."""
    key = operator["key"]
    pair = create(key, "/api/v1/knowledge/qas/", {"question": "Token?", "answer": "Yes."}, status=202)
    token = create(key, "/api/v1/tokens", {"scopes": ["read", "analytics"], "ttl_seconds": 600})["token"]
    assert token.startswith("cmt_")
    sign_in(browser, token)
    browser.wait("return !!document.querySelector('[data-total=\"requests\"]')", message="the overview's figures")
    go(browser, "knowledge")
    browser.select("#knowledge-kind", "qa")
    browser.wait(f"return !!document.querySelector('tr[data-source=\"{pair['id']}\"]')", message="the pair")
    assert browser.run("return sessionStorage.getItem('companin.apiKey')") == token
    assert browser.run("return window.cspViolations") == [] and browser.run("return window.pageErrors") == []


def test_portuguese_for_a_pt_br_browser(operator, driver):
    key = operator["key"]
    pair = create(key, "/api/v1/knowledge/qas/", {"question": "Qual é o prazo de entrega?", "answer": "De 3 a 5 dias úteis."}, status=202)
    wait_for_status(key, f"/api/v1/knowledge/qas/{pair['id']}", ("ready",))
    session = new_session(driver, language="pt-BR")
    try:
        sign_in(session, key)
        assert session.run("return document.documentElement.lang") == "pt-BR"
        assert session.run("return [...document.querySelectorAll('#nav a')].map(a => a.textContent)") == [
            "Visão geral", "Conhecimento", "Conversas", "Assistentes", "Lacunas de conhecimento"]
        assert session.run("return document.querySelector('#nav').getAttribute('aria-label')") == "Páginas do console"
        assert text_of(session, "#sign-in") == "Entrar"
        # The overview: the hourly limit with pt-BR grouping.
        go(session, "overview")
        session.wait("return !!document.querySelector('[data-live=limit]')", message="the live limit")
        assert text_of(session, "[data-live=limit]") == "1.000.000"
        assert "pedidos restantes nesta hora" in text_of(session, ".live")
        # Knowledge: words, dates and scores in Portuguese.
        go(session, "knowledge")
        assert text_of(session, "#knowledge-title") == "Conhecimento" and session.run("return document.title").startswith("Conhecimento")
        session.select("#knowledge-kind", "qa")
        session.wait(f"return !!document.querySelector('tr[data-source=\"{pair['id']}\"]')", message="the pair")
        assert "Pronto" in text_of(session, f"tr[data-source=\"{pair['id']}\"] [data-field=status]")
        assert re.fullmatch(r"\d{2}/\d{2}/\d{4},? \d{2}:\d{2}", text_of(session, f"tr[data-source=\"{pair['id']}\"] time"))
        assert text_of(session, "#knowledge-list [data-total=sources]") == "1 par de pergunta e resposta"
        session.type("#search-query", "prazo de entrega")
        session.click("#search-submit")
        session.wait("return document.querySelectorAll('#search-hits .hit').length > 0", message="the search results")
        raw, shown = session.run("const s = document.querySelector('#search-hits [data-field=score]'); return [s.dataset.value, s.textContent]")
        assert shown == f"{float(raw):.4f}".replace(".", ","), (raw, shown)
        assert "pontuação" in text_of(session, "#search-hits .hit-meta")
        assert session.poor_contrast() == []
        assert session.run("return window.cspViolations") == [] and session.run("return window.pageErrors") == []
    finally:
        session.quit()


def test_the_keyboard_reaches_every_control_in_order(operator, driver):
    key = operator["key"]
    session = new_session(driver)

    def tab_through(count):
        seen = []
        for _ in range(count):
            session.press("tab")
            seen.append(session.run("const e = document.activeElement; return e.id || e.getAttribute('href') || e.tagName"))
        return seen

    def in_order(seen, wanted):
        positions = [seen.index(item) for item in wanted if item in seen]
        assert len(positions) == len(wanted) and positions == sorted(positions), (wanted, seen)

    try:
        session.get(CONSOLE)
        session.press("tab")
        assert session.run("return document.activeElement.id") == "api-key"
        # Signing in from the keyboard: the key typed into the focused field, then Enter.
        session.type("#api-key", key)
        session.press("enter")
        session.wait("return !document.querySelector('#nav').hidden", message="signed in from the keyboard")
        # From the key field on (the browser goes on from where the focus was): the form, then the navigation.
        session.run("document.querySelector('#api-key').focus()")
        in_order(tab_through(8), ["sign-in", "forget-key", "#/overview", "#/knowledge", "#/conversations", "#/assistants", "#/gaps"])
        session.run("document.activeElement.blur(); window.scrollTo(0, 0)")
        for _ in range(8):
            session.press("tab")
            if session.run("return document.activeElement.getAttribute('href')") == "#/knowledge":
                break
        assert session.run("return document.activeElement.getAttribute('href')") == "#/knowledge"
        # The focus is visible where it is.
        outline = session.run("const s = getComputedStyle(document.activeElement); return [s.outlineStyle, parseFloat(s.outlineWidth)]")
        assert outline[0] != "none" and outline[1] >= 2, outline
        # Enter follows the link; the focus moves to the new page's heading, then on through its controls.
        session.press("enter")
        session.wait("return location.hash === '#/knowledge' && document.activeElement.id === 'knowledge-title'", message="the knowledge page")
        settled(session, "knowledge")
        order = tab_through(22)
        in_order(order, ["knowledge-kind", "knowledge-status", "knowledge-refresh", "upload-file", "upload-title", "upload-submit",
                         "qa-question", "qa-answer", "qa-submit", "url-address", "url-title", "url-submit",
                         "search-query", "search-assistant", "search-top-k", "search-submit"])
        outline = session.run("const s = getComputedStyle(document.activeElement); return [s.outlineStyle, parseFloat(s.outlineWidth)]")
        assert outline[0] != "none" and outline[1] >= 2, outline
        # The other pages' main controls, in reading order.
        for route, wanted in (("conversations", ["inbox-needs-human", "inbox-status", "inbox-refresh"]),
                              ("gaps", ["gaps-range", "gaps-status", "gaps-reason", "gaps-language", "gaps-assistant", "gaps-refresh"]),
                              ("overview", ["range", "key-filter", "refresh"])):
            go(session, route)
            session.run(f"document.querySelector('#page-{route} .page-title').focus()")
            in_order(tab_through(len(wanted) + 2), wanted)
        # The confirmation dialog is modal: Escape closes it and the focus returns to its button.
        pair = create(key, "/api/v1/knowledge/qas/", {"question": "Q?", "answer": "A."}, status=202)
        wait_for_status(key, f"/api/v1/knowledge/qas/{pair['id']}", ("ready",))
        go(session, "knowledge")
        session.select("#knowledge-kind", "qa")
        session.wait("return !!document.querySelector('#knowledge-list button[data-action=delete]')", message="a delete button")
        session.run("document.querySelector('#knowledge-list button[data-action=delete]').focus()")
        session.press("enter")
        session.wait("return document.querySelector('#confirm-dialog').open", message="the dialog")
        session.press("escape")
        session.wait("return !document.querySelector('#confirm-dialog').open && document.activeElement.dataset.action === 'delete'",
                     message="the focus back on the delete button")
        assert request("GET", "/api/v1/knowledge/qas/", key=key).json()["count"] == 1
        assert session.run("return window.cspViolations") == [] and session.run("return window.pageErrors") == []
    finally:
        session.quit()
