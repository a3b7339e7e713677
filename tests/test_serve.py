"""`reporter serve`: the page and its write endpoints, in-process (Starlette's TestClient).

The real-browser checks (clicks, no script running, reload) are in test_serve_browser.py.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner
from serve_support import build_folder
from starlette.testclient import TestClient

from reporter.cli import cli
from reporter.serve.app import ReviewServer, create_app

PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"


class Parsed(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.flags: list[dict[str, str | None]] = []
        self.scripts: list[dict[str, str | None]] = []
        self.inline_script = False
        self.attrs: list[tuple[str, str | None]] = []
        self._in_script = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        d = dict(attrs)
        self.attrs += attrs
        if "data-flag-id" in d:
            self.flags.append(d)
        if tag == "script":
            self.scripts.append(d)
            self._in_script = True

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline_script = True


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return build_folder(tmp_path_factory.mktemp("serve"))


@pytest.fixture
def client(folder, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    for name in ("brief.json", "brief.md", "brief.html"):
        (out / name).write_bytes((folder / name).read_bytes())
    server = ReviewServer(out, "127.0.0.1", PORT, "tester")
    with TestClient(create_app(server), base_url=BASE) as c:
        c.server, c.out = server, out  # type: ignore[attr-defined]
        yield c


def headers(client, **extra):
    return {"X-CSRF-Token": client.server.token, "Origin": BASE, "Content-Type": "application/json", **extra}


def brief_of(client) -> dict:
    return json.loads((client.out / "brief.json").read_text(encoding="utf-8"))


def test_page_has_one_element_per_flag_and_no_active_content(client):
    response = client.get("/")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "default-src 'none'" in csp
    page = Parsed(response.text)
    ids = [f["id"] for f in brief_of(client)["discrepancies"]]
    assert sorted(f["data-flag-id"] for f in page.flags) == sorted(ids)
    assert all(f["data-status"] == "open" for f in page.flags)
    assert [s.get("src") for s in page.scripts] == ["/static/app.js"] and not page.inline_script
    assert not [a for a in page.attrs if a[0].startswith("on")]
    assert not [a for a in page.attrs if a[0] == "href" and "javascript:" in (a[1] or "").lower()]
    assert "&lt;script&gt;window.__pwned" in response.text  # shown as text
    # top flags first: severities never go up the page
    order = [{"high": 0, "medium": 1, "low": 2}[f["data-severity"]] for f in page.flags]
    assert order == sorted(order)


def test_static_files_come_from_the_package_with_the_same_headers(client):
    js = client.get("/static/app.js")
    assert js.status_code == 200 and "X-CSRF-Token" in js.text
    assert js.headers["content-security-policy"].startswith("default-src 'none'")


@pytest.mark.parametrize("host", ["evil.example:8765", "127.0.0.1:9999", "attacker.test"])
def test_a_foreign_host_is_refused_even_for_reading(client, host):
    assert client.get("/", headers={"Host": host}).status_code == 403
    r = client.post("/api/decision", headers=headers(client, Host=host), json=None,
                    content=json.dumps({"id": "x", "status": "confirmed"}))
    assert r.status_code == 403
    assert not (client.out / "review.json").exists()


def test_bound_beyond_loopback_colleagues_may_use_ip_addresses_but_never_names(tmp_path):
    server = ReviewServer(tmp_path, "0.0.0.0", PORT, None)
    assert server.host_allowed(f"192.168.1.20:{PORT}") and server.host_allowed(f"[fe80::1]:{PORT}")
    assert server.host_allowed(f"localhost:{PORT}")
    assert not server.host_allowed(f"attacker.example:{PORT}") and not server.host_allowed("192.168.1.20:80")
    local = ReviewServer(tmp_path, "127.0.0.1", PORT, None)
    assert not local.host_allowed(f"192.168.1.20:{PORT}")


def flag_id(client, kind=None) -> str:
    return next(f["id"] for f in brief_of(client)["discrepancies"] if kind in (None, f["kind"]))


@pytest.mark.parametrize("change", [
    {"Origin": "http://evil.example"},
    {"Origin": f"http://localhost:{PORT}"},  # another origin for the same server is still another origin
    {"Origin": "null"},
    {"X-CSRF-Token": ""},
    {"X-CSRF-Token": "guess"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Content-Type": "text/plain"},
])
def test_writes_without_the_token_or_from_elsewhere_are_refused_and_write_nothing(client, change):
    before = (client.out / "brief.md").read_bytes()
    body = json.dumps({"id": flag_id(client), "status": "confirmed"})
    r = client.post("/api/decision", headers=headers(client, **change), content=body)
    assert r.status_code == 403
    assert not (client.out / "review.json").exists()
    assert (client.out / "brief.md").read_bytes() == before


def test_a_decision_is_saved_and_the_briefing_rewritten(client):
    fid = flag_id(client)
    body = {"id": fid, "status": "confirmed", "note": "<b>checked</b> with the wire", "correction": "x"}
    r = client.post("/api/decision", headers=headers(client), content=json.dumps(body))
    assert r.status_code == 200, r.text
    assert r.json()["flags"][0]["status"] == "confirmed"
    stored = json.loads((client.out / "review.json").read_text(encoding="utf-8"))["decisions"][fid]
    assert (stored["status"], stored["note"], stored["reviewer"]) == ("confirmed", "<b>checked</b> with the wire",
                                                                     "tester")
    md = (client.out / "brief.md").read_text(encoding="utf-8")
    assert "**Review:** confirmed by tester — &lt;b&gt;checked&lt;/b&gt; with the wire" in md
    assert next(f for f in brief_of(client)["discrepancies"] if f["id"] == fid)["review"]["status"] == "confirmed"
    page = client.get("/").text
    assert re.search(rf'data-flag-id="{fid}" data-status="confirmed"', page)
    assert "&lt;b&gt;checked&lt;/b&gt;" in page and "<b>checked</b>" not in page
    # a note alone keeps the status
    r = client.post("/api/decision", headers=headers(client), content=json.dumps({"id": fid, "note": "again"}))
    assert r.json()["flags"][0] == {**r.json()["flags"][0], "status": "confirmed", "note": "again"}


def test_bulk_dismisses_the_open_flags_of_one_kind_from_one_source(client):
    brief = brief_of(client)
    spelling = [f for f in brief["discrepancies"] if f["kind"] == "spelling"]
    source = max({e["source_id"] for f in spelling for e in f["evidence"]},
                 key=lambda s: sum(any(e["source_id"] == s for e in f["evidence"]) for f in spelling))
    mine = {f["id"] for f in spelling if any(e["source_id"] == source for e in f["evidence"])}
    assert len(mine) >= 2
    keep = sorted(mine)[0]  # an editor's earlier call is not overruled by the bulk action
    client.post("/api/decision", headers=headers(client), content=json.dumps({"id": keep, "status": "confirmed"}))
    r = client.post("/api/bulk", headers=headers(client), content=json.dumps({"kind": "spelling", "source_id": source}))
    assert r.status_code == 200
    assert {f["id"] for f in r.json()["flags"]} == mine - {keep}
    decisions = json.loads((client.out / "review.json").read_text(encoding="utf-8"))["decisions"]
    assert {i for i, d in decisions.items() if d["status"] == "dismissed"} == mine - {keep}
    assert decisions[keep]["status"] == "confirmed"


def test_bad_requests_are_400_and_write_nothing(client):
    for body in ("[1]", "{oops", json.dumps({"id": "nope", "status": "confirmed"}),
                 json.dumps({"id": flag_id(client), "status": "maybe"})):
        assert client.post("/api/decision", headers=headers(client), content=body).status_code == 400
    assert not (client.out / "review.json").exists()


def test_a_damaged_review_file_is_reported_on_the_page_and_left_alone(client):
    (client.out / "review.json").write_text("{oops", encoding="utf-8")
    r = client.get("/")
    assert r.status_code == 409 and "damaged review file" in r.text
    body = json.dumps({"id": flag_id(client), "status": "confirmed"})
    assert client.post("/api/decision", headers=headers(client), content=body).status_code == 409
    assert (client.out / "review.json").read_text(encoding="utf-8") == "{oops"


def test_serve_usage_and_missing_briefing(tmp_path):
    r = CliRunner().invoke(cli, ["serve", str(tmp_path), "--no-open", "--port", "0"])
    assert r.exit_code == 1 and "no briefing here" in r.stderr
    r = CliRunner().invoke(cli, ["serve", str(tmp_path), "--port", "99999"])
    assert r.exit_code == 2


def test_overlapping_spans_are_cut_into_segments_covering_each_flag_once():
    from reporter.ingest import source_from_text
    from reporter.serve.page import _segments

    src = source_from_text("aaaa bbbb cccc dddd", path="s.txt", source_id="s")
    spans = [(0, 9, "f1", "ev-f1-0", "low"), (5, 14, "f2", "ev-f2-0", "high"), (5, 9, "f3", "ev-f3-0", "medium")]
    segs = _segments(src, spans)
    assert "".join(s.text for s in segs) == src.text
    assert [(s.text, s.flag_ids, s.severity) for s in segs] == [
        ("aaaa ", ["f1"], "low"), ("bbbb", ["f1", "f2", "f3"], "high"), (" cccc", ["f2"], "high"), (" dddd", [], "")]
    assert sorted(a for s in segs for a in s.anchors) == ["ev-f1-0", "ev-f2-0", "ev-f3-0"]


def test_the_browser_is_opened_only_where_it_can_show_a_window(monkeypatch):
    from reporter.serve import command

    monkeypatch.setattr(command.sys, "platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert not command.graphical_session()  # else webbrowser would start lynx/w3m inside this terminal
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    assert command.graphical_session()


def test_evidence_with_its_own_quotation_marks_gets_no_second_pair(client):
    """A sentence shown around a quote ('“It would’ve been a massacre,” he said.') has its own marks; the page
    wraps only bare spans in <q>, whose marks the browser draws (real coverage showed ““It would’ve ...)."""
    page = client.get("/").text
    wrapped = re.findall(r'<q class="quote">(.*?)</q>', page, flags=re.S)
    plain = re.findall(r'<span class="quote">(.*?)</span>', page, flags=re.S)
    text = lambda html: re.sub(r"<[^>]+>", "", html).replace("&#34;", '"').strip()  # noqa: E731
    assert wrapped and plain  # the seeds have both kinds
    assert not any(re.search(r"[“”\"]", text(w)) for w in wrapped)
    assert all(re.search(r"[“”\"]", text(p)) for p in plain)
