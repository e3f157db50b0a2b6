"""A small W3C WebDriver client for Debian's chromium-driver: enough to drive the operator console in
headless Chromium (navigate, find, type, choose a file, click, press keys, run a script, check text
contrast, screenshots through the DevTools protocol). chromedriver listens on loopback only; the
browser it starts talks only to the stack."""

import base64
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"
KEYS = {"tab": "\ue004", "enter": "\ue007", "escape": "\ue00c", "space": "\ue00d", "shift": "\ue008"}

# Text whose contrast with its background is below 4.5:1 (WCAG AA), among the visible elements
# with text of their own (SVG excepted): a list of "TAG text ratio", empty when all pass.
CONTRAST = """
function luminance(rgb) {
  const [r, g, b] = rgb.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
function rgba(text) { return (text.match(/[\\d.]+/g) || []).map(Number); }
function background(element) {
  for (let e = element; e; e = e.parentElement) {
    const c = rgba(getComputedStyle(e).backgroundColor);
    if (c.length >= 3 && (c.length === 3 || c[3] > 0.5)) return c.slice(0, 3);
  }
  return [255, 255, 255];
}
const poor = [];
for (const element of document.querySelectorAll('body *')) {
  const own = [...element.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  if (!own || element.offsetParent === null || element.closest('svg')) continue;
  const fg = luminance(rgba(getComputedStyle(element).color).slice(0, 3)), bg = luminance(background(element));
  const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
  if (ratio < 4.5) poor.push(element.tagName + ' ' + element.textContent.trim().slice(0, 40) + ' ' + ratio.toFixed(2));
}
return poor;
"""


def find_chromedriver():
    for candidate in (shutil.which("chromedriver"), "/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


class WebDriverError(Exception):
    pass


class Driver:
    """One chromedriver process; `session()` opens a browser."""

    def __init__(self):
        binary = find_chromedriver()
        if not binary:
            raise WebDriverError("chromedriver not found (scripts/setup installs chromium-driver)")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.log = tempfile.NamedTemporaryFile(prefix="chromedriver-", suffix=".log", delete=False)
        self.process = subprocess.Popen([binary, f"--port={self.port}", "--allowed-ips=127.0.0.1"],
                                        stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while True:
            try:
                if self.call("GET", "/status")["ready"]:
                    break
            except (OSError, WebDriverError):
                pass
            if time.monotonic() > deadline:
                raise WebDriverError("chromedriver did not start")
            time.sleep(0.1)

    def call(self, method, path, body=None, timeout=60):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as reply:
                return json.loads(reply.read())["value"]
        except urllib.error.HTTPError as error:
            value = json.loads(error.read() or b"{}").get("value", {})
            raise WebDriverError(f"{method} {path}: {value.get('error')}: {value.get('message', '')[:500]}") from None

    def session(self, width, height, language="en-US"):
        profile = tempfile.mkdtemp(prefix="companin-chromium-")
        arguments = ["--headless=new", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                     "--disable-extensions", "--disable-background-networking", "--disable-sync",
                     "--disable-component-update", "--disable-default-apps", "--metrics-recording-only",
                     f"--lang={language}", f"--window-size={width},{height}", f"--user-data-dir={profile}"]
        if os.geteuid() == 0:
            arguments.append("--no-sandbox")  # Chromium refuses to run as root with its sandbox
        capabilities = {"browserName": "chrome", "goog:chromeOptions": {
            "args": arguments, "prefs": {"intl.accept_languages": language}}}
        for binary in ("/usr/bin/chromium", "/usr/lib/chromium/chromium"):
            if os.path.exists(binary):
                capabilities["goog:chromeOptions"]["binary"] = binary
                break
        value = self.call("POST", "/session", {"capabilities": {"alwaysMatch": capabilities}})
        return Session(self, value["sessionId"], profile)

    def quit(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


class Session:
    def __init__(self, driver, session_id, profile):
        self.driver, self.id, self.profile = driver, session_id, profile

    def call(self, method, path, body=None):
        return self.driver.call(method, f"/session/{self.id}{path}", body)

    def get(self, url):
        self.call("POST", "/url", {"url": url})

    def run(self, script, *args):
        """Runs a function body in the page and returns its value."""
        return self.call("POST", "/execute/sync", {"script": script, "args": list(args)})

    def run_async(self, script, *args):
        """Runs a function body that calls its last argument with the value to return."""
        return self.call("POST", "/execute/async", {"script": script, "args": list(args)})

    def find(self, css):
        return self.call("POST", "/element", {"using": "css selector", "value": css})[ELEMENT]

    def type(self, css, text):
        element = self.find(css)
        self.call("POST", f"/element/{element}/clear", {})
        self.call("POST", f"/element/{element}/value", {"text": text})

    def click(self, css):
        self.call("POST", f"/element/{self.find(css)}/click", {})

    def choose_file(self, css, path):
        """Gives an <input type=file> a local file, as a person choosing it would."""
        self.call("POST", f"/element/{self.find(css)}/value", {"text": path})

    def select(self, css, value):
        """Chooses an option of a <select> the way a person does, so its change event fires."""
        self.click(f"{css} option[value='{value}']")

    def press(self, key, times=1, shift=False):
        actions = [{"type": "keyDown", "value": KEYS["shift"]}] if shift else []
        for _ in range(times):
            actions += [{"type": "keyDown", "value": KEYS[key]}, {"type": "keyUp", "value": KEYS[key]}]
        if shift:
            actions.append({"type": "keyUp", "value": KEYS["shift"]})
        self.call("POST", "/actions", {"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})

    def poor_contrast(self):
        """The visible texts under 4.5:1 against their background (empty when all pass)."""
        return self.run(CONTRAST)

    def wait(self, script, timeout=20, message="the page"):
        deadline = time.monotonic() + timeout
        while True:
            value = self.run(script)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {message}")
            time.sleep(0.1)

    def cdp(self, command, params=None):
        return self.call("POST", "/goog/cdp/execute", {"cmd": command, "params": params or {}})

    def full_page_screenshot(self, path, width, mobile=False):
        """The whole page at `width` CSS pixels, however tall, as PNG."""
        height = self.run("return Math.ceil(document.documentElement.scrollHeight)")
        self.cdp("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})
        shot = self.cdp("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
        with open(path, "wb") as handle:
            handle.write(base64.b64decode(shot["data"]))

    def quit(self):
        try:
            self.call("DELETE", "")
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)
