"""Rendering: untrusted text can't inject markup; HTML is sanitised and self-contained."""

from html.parser import HTMLParser

from reporter.models import Brief, Discrepancy, Evidence, RunInfo, Source
from reporter.render import marked_evidence, md_escape, render_html, render_markdown, source_label, with_labels

XSS = '<script>alert(1)</script><img src=x onerror=alert(2)><a href="javascript:alert(3)">x</a>'


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attrs = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)


def _brief(text: str) -> Brief:
    src = Source(id="s1", path="s1.txt", format="txt", encoding="utf-8", words=3, sha256="0" * 64, text=text,
                 title=text)
    ev = Evidence(source_id="s1", text=text, start=0, end=len(text))
    flag = Discrepancy(id="sp-1", kind="spelling", severity="low", title=text, explanation=text, evidence=[ev],
                       suggestion=text, confidence=0.9, origin="evidence")
    return Brief(event=text, sources=[src], summaries=[], discrepancies=[flag],
                 run=RunInfo(mode="offline", reporter_version="0"))


def test_markdown_escapes_untrusted_text():
    assert md_escape("a | b *c* <b>") == r"a \| b \*c\* &lt;b&gt;"
    assert md_escape("line\nbreak") == "line break"


def test_no_script_survives_into_html():
    md = render_markdown(_brief(XSS))
    html = render_html(md, XSS)
    parser = _Tags()
    parser.feed(html)
    assert not {"script", "img", "iframe"} & set(parser.tags)
    assert not [a for a in parser.attrs if a[0].startswith("on") or "javascript:" in (a[1] or "")]
    assert "alert(1)" in html  # the text is shown, harmlessly, as text
    assert "<style>" in html and "http" not in html.split("<body>")[0]  # stylesheet inline, nothing remote


def test_differing_words_are_marked():
    a = Evidence(source_id="a", text="ties are strong as a rock", start=0, end=25)
    b = Evidence(source_id="b", text="ties are solid as a rock", start=0, end=24)
    marked = marked_evidence([a, b])
    assert marked == ["ties are **strong** as a rock", "ties are **solid** as a rock"]


def test_flags_name_sources_by_outlet_and_shared_outlets_stay_distinct():
    brief = _brief("text")
    first, second = brief.sources[0], brief.sources[0].model_copy(update={"id": "s_2"})
    brief.sources = [first.model_copy(update={"id": "a", "outlet": "CNN"}), second.model_copy(update={"outlet": "AP"})]
    labels = source_label(brief)
    assert labels == {"a": "CNN", "s_2": "AP"}
    # 's_2' can't be a word, so it is replaced; 'a' could be, so it is left alone.
    assert with_labels("said in a source s_2, not s_23", labels) == "said in a source AP, not s_23"
    brief.sources[0] = brief.sources[0].model_copy(update={"outlet": "AP"})
    assert source_label(brief) == {"a": "AP #1", "s_2": "AP #2"}  # same outlet and title: numbered
    brief.sources[1] = brief.sources[1].model_copy(update={"byline": "By Jane Roe", "title": "Other"})
    assert source_label(brief) == {"a": "AP: text", "s_2": "AP: Jane Roe"}
