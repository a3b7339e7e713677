"""`reporter serve` in a real browser: Debian's headless Chromium driven by Selenium.

The server runs as the user runs it (`python -m reporter serve DIR --no-open`, a separate process), on the
seeds plus an article carrying <script>, onerror and javascript: payloads. No payload may run; decisions
made by clicking change `data-status` in place, survive a reload and land in review.json; the page's own
write request, replayed with a foreign Origin or without its token, is refused and writes nothing.

Without Chromium these tests skip locally, but fail when REPORTER_REQUIRE_BROWSER is set (.ci/run sets
it after installing `chromium` and `chromium-driver`), so CI can't pass without running them.
Set REPORTER_SCREENSHOTS=DIR to save screenshots of the page (desktop, narrow) and of brief.html.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from serve_support import HOSTILE, build_folder

CHROMIUM = os.environ.get("REPORTER_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("REPORTER_CHROMEDRIVER", "/usr/bin/chromedriver")


def _browser_missing() -> str | None:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not (Path(p).is_file() or shutil.which(p))]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package")
    return ", ".join(missing) or None


MISSING = _browser_missing()
if MISSING and os.environ.get("REPORTER_REQUIRE_BROWSER"):
    raise RuntimeError(f"browser tests required (REPORTER_REQUIRE_BROWSER) but missing: {MISSING}; "
                       "install with: apt-get install -y chromium chromium-driver")
pytestmark = pytest.mark.skipif(bool(MISSING), reason=f"no browser: {MISSING} (apt-get install chromium "
                                                      "chromium-driver)")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A briefing folder and a running `reporter serve` on it: (folder, url, process)."""
    folder = build_folder(tmp_path_factory.mktemp("browser"))
    env = {**os.environ, "REPORTER_REVIEWER": "browser-test", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "reporter", "serve", str(folder), "--no-open", "--port", "0"],
                            stderr=subprocess.PIPE, text=True, env=env)
    url = None
    deadline = time.monotonic() + 30
    lines = []
    while time.monotonic() < deadline and url is None:
        line = proc.stderr.readline()
        if not line:
            break
        lines.append(line)
        if m := re.search(r"(http://127\.0\.0\.1:\d+/)", line):
            url = m.group(1)
    if url is None:
        proc.kill()
        pytest.fail("reporter serve printed no URL: " + "".join(lines))
    _wait_listening(url)
    yield folder, url, proc
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def _wait_listening(url: str) -> None:
    for _ in range(100):
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    pytest.fail(f"{url} never answered")


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must never try to download a driver
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-extensions", "--disable-sync",
                "--no-first-run", "--window-size=1366,900"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _status(driver, flag_id: str) -> str:
    return driver.find_element("css selector", f'[data-flag-id="{flag_id}"]').get_attribute("data-status")


def _wait(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def _stored(folder: Path) -> dict:
    path = folder / "review.json"
    return json.loads(path.read_text(encoding="utf-8"))["decisions"] if path.exists() else {}


def _no_payload_ran(driver) -> None:
    assert driver.execute_script("return window.__pwned === undefined"), driver.execute_script("return window.__pwned")
    # the only script element is our own file; no element carries an event handler or a javascript: link
    assert driver.execute_script("return Array.from(document.scripts).map(s => s.getAttribute('src'))") == [
        "/static/app.js"]
    bad = driver.execute_script("""
        const out = [];
        for (const el of document.querySelectorAll('*')) {
          for (const a of el.attributes) {
            if (a.name.startsWith('on') || /^\\s*javascript:/i.test(a.value)) out.push(el.tagName + ' ' + a.name);
          }
        }
        return out;""")
    assert bad == []


def _replay(url: str, request: dict, **changes) -> int:
    headers = {k: v for k, v in {**request["headers"], **changes}.items() if v is not None}
    req = urllib.request.Request(url.rstrip("/") + request["url"], data=request["body"].encode(), headers=headers,
                                 method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_review_in_the_browser(served, browser):
    folder, url, _ = served
    brief = json.loads((folder / "brief.json").read_text(encoding="utf-8"))
    ids = [f["id"] for f in brief["discrepancies"]]
    hostile = next(s for s in brief["sources"] if s["path"].endswith("zz-hostile.json"))
    assert any(e["source_id"] == hostile["id"] for f in brief["discrepancies"] for e in f["evidence"])

    browser.get(url)
    elements = browser.find_elements("css selector", "[data-flag-id]")
    assert sorted(e.get_attribute("data-flag-id") for e in elements) == sorted(ids)  # one element per flag
    _no_payload_ran(browser)
    page_text = browser.find_element("tag name", "body").text
    assert "<script>window.__pwned = 'script'</script>" in page_text  # the payload is shown as text
    assert HOSTILE["url"] in page_text and not browser.find_elements("css selector", "a[href^='javascript']")

    # record the page's own write requests, to replay them below
    browser.execute_script("""
        window.__sent = []; window.__marker = 'same page';
        const orig = window.fetch;
        window.fetch = function (url, init) {
          window.__sent.push({url: url, headers: init.headers, body: init.body});
          return orig.apply(this, arguments);
        };""")
    order = [e.get_attribute("data-flag-id") for e in elements]  # most severe first
    first, second = order[0], order[1]
    browser.find_element("css selector", f'[data-flag-id="{first}"] button[data-decide="confirmed"]').click()
    _wait(lambda: _status(browser, first) == "confirmed")
    button = browser.find_element("css selector", f'[data-flag-id="{second}"] button[data-decide="dismissed"]')
    assert button.text == "Dismiss"
    button.click()
    _wait(lambda: _status(browser, second) == "dismissed")
    assert browser.execute_script("return window.__marker") == "same page"  # changed in place, no reload
    stored = _stored(folder)
    assert (stored[first]["status"], stored[second]["status"]) == ("confirmed", "dismissed")
    assert stored[first]["reviewer"] == "browser-test"
    assert "**Review:** confirmed by browser-test" in (folder / "brief.md").read_text(encoding="utf-8")

    # keyboard: the flag last acted on is current; j moves to the next one, k back, n marks it needs-check
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(browser).send_keys("j").send_keys("j").send_keys("k").perform()
    third = browser.execute_script("return document.querySelector('.flag.current').dataset.flagId")
    assert third == order[order.index(second) + 1]
    ActionChains(browser).send_keys("n").perform()
    _wait(lambda: _status(browser, third) == "needs-check")

    # a note is text, never markup, in the page and on reload
    note = browser.find_element("css selector", f'[data-flag-id="{first}"] textarea.note')
    note.send_keys("<img src=x onerror=\"window.__pwned='note'\"> checked")
    browser.find_element("css selector", f'[data-flag-id="{first}"] button.save').click()
    _wait(lambda: (_stored(folder)[first].get("note") or "").endswith("checked"))

    sent = browser.execute_script("return window.__sent")
    decision = next(r for r in sent if r["url"] == "/api/decision" and json.loads(r["body"])["id"] == second)

    browser.refresh()
    assert browser.execute_script("return window.__marker") is None  # it really reloaded
    assert (_status(browser, first), _status(browser, second), _status(browser, third)) == (
        "confirmed", "dismissed", "needs-check")
    assert "checked" in browser.find_element("css selector", f'[data-flag-id="{first}"] textarea.note').get_attribute(
        "value")
    _no_payload_ran(browser)

    # replay the page's own request: as sent it is accepted; from elsewhere or without the token, refused
    before = (folder / "review.json").read_bytes()
    md_before = (folder / "brief.md").read_bytes()
    replay = {**decision, "body": json.dumps({"id": second, "status": "confirmed"})}
    origin = url.rstrip("/")
    assert _replay(url, replay, Origin="http://evil.example") == 403
    assert _replay(url, replay, Origin=origin, **{"X-CSRF-Token": None}) == 403
    assert _replay(url, replay, Origin=origin, **{"X-CSRF-Token": "forged"}) == 403
    assert _replay(url, replay, Origin=origin, Host="evil.example:80") == 403
    assert (folder / "review.json").read_bytes() == before and (folder / "brief.md").read_bytes() == md_before
    assert _replay(url, replay, Origin=origin) == 200  # the same request from the page itself is fine
    assert _stored(folder)[second]["status"] == "confirmed"


def test_filters_search_bulk_and_evidence_links(served, browser):
    folder, url, _ = served
    brief = json.loads((folder / "brief.json").read_text(encoding="utf-8"))
    browser.get(url)
    from selenium.webdriver.support.ui import Select

    def shown() -> list[str]:
        return browser.execute_script(
            "return Array.from(document.querySelectorAll('[data-flag-id]')).filter(e => !e.hidden)"
            ".map(e => e.dataset.flagId)")

    Select(browser.find_element("id", "f-severity")).select_by_value("high")
    assert sorted(shown()) == sorted(f["id"] for f in brief["discrepancies"] if f["severity"] == "high")
    Select(browser.find_element("id", "f-severity")).select_by_value("")
    Select(browser.find_element("id", "f-kind")).select_by_value("spelling")
    spelling = [f for f in brief["discrepancies"] if f["kind"] == "spelling"]
    assert sorted(shown()) == sorted(f["id"] for f in spelling)
    Select(browser.find_element("id", "f-kind")).select_by_value("")
    browser.find_element("id", "q").send_keys("suprise")
    assert shown() and all("suprise" in browser.find_element("css selector", f'[data-flag-id="{i}"]').text
                           for i in shown())
    browser.find_element("id", "q").clear()
    browser.execute_script("document.getElementById('q').dispatchEvent(new Event('input'))")

    # clicking evidence scrolls to the highlighted span in the article
    link = browser.find_element("css selector", f'[data-flag-id="{spelling[0]["id"]}"] a.goto')
    target = link.get_attribute("data-goto")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
    link.click()
    _wait(lambda: browser.execute_script(
        "const r = document.getElementById(arguments[0]).getBoundingClientRect();"
        "return r.top >= 0 && r.bottom <= window.innerHeight", target))
    assert "flash" in browser.find_element("id", target).get_attribute("class")

    # bulk: dismiss all open flags of one kind from one source
    bulk = browser.find_elements("css selector", "button[data-bulk-kind]")
    assert bulk, "no bulk action offered"
    kind, source = bulk[0].get_attribute("data-bulk-kind"), bulk[0].get_attribute("data-bulk-source")
    targets = [f["id"] for f in brief["discrepancies"] if f["kind"] == kind
               and any(e["source_id"] == source for e in f["evidence"])
               and _stored(folder).get(f["id"], {}).get("status", "open") == "open"]
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", bulk[0])  # clear of the sticky header
    bulk[0].click()
    _wait(lambda: all(_status(browser, i) == "dismissed" for i in targets))
    assert all(_stored(folder)[i]["status"] == "dismissed" for i in targets)

    shots = os.environ.get("REPORTER_SCREENSHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        browser.set_window_size(1366, 900)
        browser.get(url)
        browser.save_screenshot(str(Path(shots) / "serve-desktop.png"))
        browser.execute_script("document.querySelector('a.goto').click()")
        time.sleep(0.3)
        browser.save_screenshot(str(Path(shots) / "serve-article-highlight.png"))
        browser.get(url)
        hostile = next(s["id"] for s in brief["sources"] if s["path"].endswith("zz-hostile.json"))
        flagged = browser.find_elements("css selector", f"[data-sources~='{hostile}'][data-kind='spelling']")
        if flagged:
            hostile_flag = flagged[0]
            browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", hostile_flag)
            browser.save_screenshot(str(Path(shots) / "serve-hostile-flag.png"))
        browser.set_window_size(390, 844)
        browser.get(url)
        browser.save_screenshot(str(Path(shots) / "serve-narrow.png"))
        browser.execute_script("window.scrollTo(0, 900)")
        browser.save_screenshot(str(Path(shots) / "serve-narrow-scrolled.png"))
        browser.set_window_size(1366, 900)
        browser.get((folder / "brief.html").as_uri())
        browser.save_screenshot(str(Path(shots) / "brief-html-top.png"))
        browser.execute_script("document.getElementById('flags').scrollIntoView()")
        browser.save_screenshot(str(Path(shots) / "brief-html-flags.png"))
        browser.execute_script("const d = document.querySelector('details'); d.open = true; d.scrollIntoView()")
        browser.save_screenshot(str(Path(shots) / "brief-html-details.png"))
        browser.set_window_size(390, 844)
        browser.execute_script("window.scrollTo(0, 0)")
        browser.save_screenshot(str(Path(shots) / "brief-html-narrow.png"))


def test_ctrl_c_stops_the_server_with_exit_130(served):
    _, _, proc = served
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=15) == 130
    rest = proc.stderr.read()
    assert "stopped" in rest and "Traceback" not in rest
