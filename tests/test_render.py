"""Rendering: untrusted text can't inject markup; HTML is sanitised and self-contained."""

from html.parser import HTMLParser

from reporter.models import Brief, Discrepancy, Evidence, RunInfo, Source
from reporter.render import (
    COMPARED_WORDINGS,
    evidence_rows,
    marked_evidence,
    md_escape,
    render_html,
    render_markdown,
    source_label,
    with_labels,
)

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


def test_a_short_file_name_the_user_chose_names_the_source_but_a_generic_one_does_not():
    """Files saved as fox.txt / nyt.txt (no outlet line): 'fox', not the headline, heads each evidence row."""
    brief = _brief("text")
    template = brief.sources[0].model_copy(update={"outlet": None, "byline": None})
    brief.sources = [template.model_copy(update={"id": sid, "title": title}) for sid, title in (
        ("fox", "Shooting spurs calls for new lawmaker security measures"), ("nyt", None),
        ("article3", "Lawmakers return to the field"), ("body421", None))]
    assert source_label(brief) == {"fox": "fox", "nyt": "nyt", "article3": "Lawmakers return to the field",
                                   "body421": "body421"}
    # a placeholder title every file shares names none of them: the file names do
    brief.sources = [template.model_copy(update={"id": sid, "title": "[article body; no headline]"})
                     for sid in ("body421", "body953")]
    assert source_label(brief) == {"body421": "body421", "body953": "body953"}


def _ev(sid: str, text: str) -> Evidence:
    return Evidence(source_id=sid, text=text, start=0, end=len(text))


def test_big_flag_shows_one_row_per_wording_and_counts_the_agreeing_sources():
    spans = [_ev("odd", "ties are strong as a rock")]
    spans += [_ev(f"s_{i}", "ties are solid as a rock") for i in range(30)]
    spans += [_ev(f"t_{i}", f"ties are firm as rock number {i}") for i in range(12)]
    rows, left_out = evidence_rows(spans, max_rows=10)
    assert [r.evidence.source_id for r in rows] == ["odd", "s_0", *[f"t_{i}" for i in range(8)]]
    assert rows[0].marked == "ties are **strong** as a rock"
    assert rows[1].marked == "ties are solid as a rock"  # 29 other sources use exactly these words
    assert len(rows[1].agreeing) == 29 and left_out == 4
    brief = _brief("text")
    brief.discrepancies = [brief.discrepancies[0].model_copy(update={"evidence": spans, "kind": "wording_variant"})]
    md = render_markdown(brief)
    assert "- **2 · s\\_0:** “ties are solid as a rock”" in md
    assert "- *and 29 more sources agreeing with 2: s\\_1, s\\_2, s\\_3, s\\_4, s\\_5 …*" in md
    assert "*and 4 more sources with other wordings" in md
    assert md.count("ties are solid") == 1


def test_small_flags_keep_one_row_per_source():
    spans = [_ev("a", "ties are strong as a rock"), _ev("b", "ties are solid as a rock"),
             _ev("c", "ties are solid as a rock")]
    rows, left_out = evidence_rows(spans)
    assert [r.marked for r in rows] == ["ties are **strong** as a rock", "ties are solid as a rock",
                                        "ties are solid as a rock"]
    assert left_out == 0 and not any(r.agreeing for r in rows)


def test_marking_compares_each_wording_with_a_bounded_set(monkeypatch):
    import difflib

    calls = []

    class Counting(difflib.SequenceMatcher):
        def __init__(self, *args, **kwargs):
            calls.append(1)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr("reporter.render.difflib.SequenceMatcher", Counting)
    spans = [_ev(f"s{i}", f"the minister said {i} times that ties are solid") for i in range(400)]
    marked = marked_evidence(spans)
    assert len(calls) <= 400 * COMPARED_WORDINGS
    assert marked[7] == "the minister said **7** times that ties are solid"


def _sourced(sid: str, text: str) -> Source:
    return Source(id=sid, path=f"{sid}.txt", format="txt", encoding="utf-8", words=len(text.split()),
                  sha256=sid * 64, text=text, title=sid)


def _span(src: Source, words: str) -> Evidence:
    start = src.text.index(words)
    return Evidence(source_id=src.id, text=words, start=start, end=start + len(words))


def test_short_spans_are_shown_in_their_sentence_and_one_sources_spans_share_a_row():
    """A bare "2002" against "2003" means little: the editor sees each in its sentence, number in bold; the
    words one rendering of a quote changes, in two adjacent sentences, are one row, with no second pair of
    quotation marks around a sentence that has its own."""
    fox = _sourced("fox", "Intro line. Pelosi has led House Democrats since 2002. “We’ve done it and we’ll do it "
                          "again. This is so much bigger than politics,” she said. Later text.")
    nyt = _sourced("nyt", "Pelosi has led House Democrats since 2003, Ryan argued. “We’ve done it. We will do it "
                          "again by making that differentiation,” she said.")
    year = Discrepancy(id="fa-1", kind="factual_conflict", severity="medium", title="Different year",
                       explanation="x", evidence=[_span(fox, "2002"), _span(nyt, "2003")], suggestion="x",
                       confidence=0.7, origin="evidence")
    quote = Discrepancy(id="wo-1", kind="wording_variant", severity="medium", title="Quote worded differently",
                        explanation="x", evidence=[_span(fox, "and we’ll"), _span(fox, "This is so much bigger"),
                                                   _span(nyt, "We will"), _span(nyt, "by making")],
                        suggestion="x", confidence=0.7, origin="evidence")
    brief = Brief(event="e", sources=[fox, nyt], summaries=[], discrepancies=[year, quote],
                  run=RunInfo(mode="offline", reporter_version="0"))
    rows = [line for line in render_markdown(brief).splitlines() if line.startswith("- **fox") or
            line.startswith("- **nyt")]
    assert rows[:2] == ["- **fox:** “Pelosi has led House Democrats since **2002**.”",
                        "- **nyt:** “Pelosi has led House Democrats since **2003**, Ryan argued.”"]
    assert rows[2] == ("- **fox:** “We’ve done it **and we’ll** do it again. **This is so much bigger** than "
                       "politics,” she said.")
    assert rows[3] == "- **nyt:** **We will** do it again **by making** that differentiation,” she said."
    assert len(rows) == 4


def test_a_longer_span_inside_a_sentence_already_shown_is_bold_there_not_a_second_row():
    """Real coverage (Fox): 'would have' and 'we had no defense—we had no defense at all' in one sentence were
    two rows, the second repeating half of the first."""
    fox = _sourced("fox", "Intro. “Without Capitol Hill police, it would have been a massacre—we had no defense—we "
                          "had no defense at all,” Sen. Rand Paul said. Later.")
    hpo = _sourced("hpo", "“It would’ve been a massacre without them,” he said.")
    quote = Discrepancy(id="wo-2", kind="wording_variant", severity="high", title="Quote worded differently",
                        explanation="x", evidence=[_span(fox, "would have"),
                                                   _span(fox, "we had no defense—we had no defense at all"),
                                                   _span(hpo, "would’ve"), _span(hpo, "without them")],
                        suggestion="x", confidence=0.7, origin="evidence")
    brief = Brief(event="e", sources=[fox, hpo], summaries=[], discrepancies=[quote],
                  run=RunInfo(mode="offline", reporter_version="0"))
    rows = [line for line in render_markdown(brief).splitlines() if line.startswith(("- **fox", "- **hpo"))]
    assert rows == ["- **fox:** “Without Capitol Hill police, it **would have** been a massacre—**we had no "
                    "defense—we had no defense at all**,” Sen. Rand Paul said.",
                    "- **hpo:** “It **would’ve** been a massacre **without them**,” he said."]


def test_an_article_summary_is_headed_by_the_source_name_the_flags_use():
    from reporter.models import ArticleSummary

    fox = _sourced("fox", "Shooting spurs calls for new security measures. Lawmakers spoke.")
    titled = fox.model_copy(update={"id": "article3", "title": "Lawmakers return"})
    bare = fox.model_copy(update={"id": "nyt", "title": None})
    summaries = [ArticleSummary(source_id="fox", headline="Shooting spurs calls for new security measures",
                                method="extractive"),
                 ArticleSummary(source_id="article3", headline="Lawmakers return", method="extractive"),
                 ArticleSummary(source_id="nyt", method="extractive")]
    brief = Brief(event="e", sources=[fox, titled, bare], summaries=summaries, discrepancies=[],
                  run=RunInfo(mode="offline", reporter_version="0"))
    headings = [line for line in render_markdown(brief).splitlines() if line.startswith("### ")]
    assert headings[-3:] == ["### fox: Shooting spurs calls for new security measures", "### Lawmakers return",
                             "### nyt (no headline)"]


def test_an_initial_or_title_ends_no_sentence_in_the_context_shown():
    """The context around a span ends where the engine's sentences end: not at "Carolyn B." or "Rep."."""
    from reporter.evidence.structure import split_sentences
    from reporter.excerpt import around

    text = ("Earlier text here. “A lot of soul-searching,” said Representative Carolyn B. Maloney of New York, "
            "joined by Rep. Tim Ryan. Next sentence.")
    start = text.index("soul")
    before, span, after = around(text, start, start + len("soul-searching"))
    assert before == "“A lot of " and span == "soul-searching"
    assert after == ",” said Representative Carolyn B. Maloney of New York, joined by Rep. Tim Ryan."
    sentence = next((s, e) for s, e in split_sentences(text, 0, len(text)) if s <= start < e)
    assert text[sentence[0]:sentence[1]] == before + span + after
