"""brief.md / brief.html read top-down: at a glance, flags most severe first with anchors, long evidence
collapsed, spans shown in their sentence, attributing words kept, sources named, URLs shown, one-line
offline note only when no model was configured."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from reporter.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SEVERITY = {"high": 0, "medium": 1, "low": 2}


@pytest.fixture(scope="module")
def seeds():
    out = ROOT / "reports" / "seeds"
    brief = json.loads((out / "brief.json").read_text(encoding="utf-8"))
    return brief, (out / "brief.md").read_text(encoding="utf-8"), (out / "brief.html").read_text(encoding="utf-8")


def test_at_a_glance_lists_exactly_the_high_flags_with_links(seeds):
    brief, md, _ = seeds
    glance = md.split("## At a glance", 1)[1].split("\n## ", 1)[0]
    linked = re.findall(r"\]\(#([\w-]+)\)", glance)
    assert sorted(linked) == sorted(f["id"] for f in brief["discrepancies"] if f["severity"] == "high")


def test_flags_come_most_severe_first_each_with_an_anchor_and_its_kind_as_a_label(seeds):
    brief, md, html = seeds
    by_id = {f["id"]: f for f in brief["discrepancies"]}
    anchors = re.findall(r'^### <a id="([\w-]+)"></a>\d+\. ', md, flags=re.M)
    assert sorted(anchors) == sorted(by_id)
    ranks = [(SEVERITY[by_id[i]["severity"]], -by_id[i]["confidence"]) for i in anchors]
    assert ranks == sorted(ranks)
    assert "### Spelling" not in md and "spelling · confidence" in md
    for i in anchors:
        assert f'<a id="{i}"' in html  # the links of the contents and the glance list land somewhere
    for section in ("at-a-glance", "flags", "sources", "article-summaries"):
        assert f'id="{section}"' in html and f'href="#{section}"' in html


def test_long_evidence_is_collapsed_in_html(seeds):
    _, md, html = seeds
    assert "<details>" in html and "<summary>" in html and "451 words" in html
    assert re.search(r"<details>\s*<summary><strong>commonspace\.eu</strong>", html)
    # no table cell holds a junk dump any more
    assert not [row for row in md.splitlines() if row.startswith("|") and len(row) > 600]


def test_spelling_and_garbled_flags_show_the_sentence_around_the_span(seeds):
    _, md, _ = seeds
    assert "a Chinese **offical** is paying a visit to Russia." in md
    assert "Wang Yi’s visit follows Monday’s **suprise** trip by US President Joe Biden" in md
    assert "defend it through **both military and military forces** also through" in md


def test_attribution_evidence_includes_the_attributing_words_in_bold(seeds):
    _, md, _ = seeds
    section = md.split("credited to different people", 2)[2].split("\n### ", 1)[0]
    assert "**Putin highlighted**" in section and "**Wang said**" in section and "**Mr Putin welcomed**" in section


def test_sources_are_named_never_by_file_hash_when_anything_better_exists(seeds):
    brief, md, _ = seeds
    body = md.split("## Article summaries")[0]
    for s in brief["sources"]:
        assert s["id"] not in body, s["id"]
    assert "| 1 | Oyintari Ben |" in md  # no outlet, no title: the byline


def test_offline_note_is_one_line_and_absent_when_offline_was_asked(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    (tmp_path / "a.json").write_text(json.dumps({
        "title": "Talks in Moscow", "outlet": "Wire", "url": "https://example.com/news/talks?id=1",
        "text": "Wang Yi met Vladimir Putin in Moscow on Wednesday. They spoke of trade."}), encoding="utf-8")
    (tmp_path / "b.txt").write_text("Wang Yi met Vladimir Putin in Moscow on Wednesday.\n", encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(cli, ["brief", str(tmp_path), "--out", str(tmp_path / "auto"), "-q"]).exit_code == 0
    md = (tmp_path / "auto" / "brief.md").read_text(encoding="utf-8")
    notes = [line for line in md.splitlines() if line.startswith("> ")]
    assert len(notes) == 1 and "OPENAI\\_API\\_KEY" in notes[0] and len(notes[0]) < 140
    # the JSON input's URL is shown, and linked in HTML
    assert "https://example.com/news/talks?id=1" in md
    html = (tmp_path / "auto" / "brief.html").read_text(encoding="utf-8")
    assert 'href="https://example.com/news/talks?id=1"' in html
    offline = runner.invoke(cli, ["brief", str(tmp_path), "--out", str(tmp_path / "off"), "-q", "--offline"])
    assert offline.exit_code == 0
    md = (tmp_path / "off" / "brief.md").read_text(encoding="utf-8")
    assert not [line for line in md.splitlines() if line.startswith("> ")] and "OPENAI\\_API\\_KEY" not in md
