"""Render: the briefing as Markdown for editors, sanitised self-contained HTML, and JSON.

All article text and model output is untrusted: it is escaped for Markdown here, and the HTML made
from the Markdown goes through nh3 (ammonia) so no script, event handler or unsafe URL survives.
"""

from __future__ import annotations

import difflib
import re
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import markdown
import nh3

from reporter import parallel
from reporter.atomic import write_many_atomic
from reporter.config import Config
from reporter.excerpt import IN_SENTENCE_KINDS, SHORT_SPAN_CHARS, excerpt, in_sentences, located, sentence_bounds
from reporter.md_plain import PlainTextExtension, conversion_cost
from reporter.models import SEVERITY_RANK, Brief, Discrepancy, Evidence, Source
from reporter.redaction import redact
from reporter.review import review_summary_line as review_summary
from reporter.review import status_of
from reporter.terminal import for_terminal

KIND_LABELS = {
    "factual_conflict": "factual conflict",
    "attribution_conflict": "attribution conflict",
    "wording_variant": "wording variant",
    "garbled_text": "garbled text",
    "spelling": "spelling",
    "boilerplate": "page junk",
}
ORIGIN_TEXT = {"llm": "raised by the model", "both": "engine and model agree"}  # engine-only flags say nothing
MODE_TEXT = {"offline": "evidence engine only", "llm": "model-checked", "replay": "replayed model run"}
# One line for the editor; absent when --offline was asked for (pipeline.py decides).
OFFLINE_HINT = "No model configured, so no model summaries: set OPENAI_API_KEY or OPENAI_BASE_URL to add them."
LONG_EVIDENCE_CHARS = 400  # longer evidence is collapsed (<details>) in the briefing
SAFE_URL = re.compile(r"https?://[^\s<>()\\]+")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|~])")
_WS = re.compile(r"\s+")
QUOTE_MARKS = re.compile(r"[“”\"]")  # text that has its own quotation marks gets no second pair
_PLAIN_TOKEN = re.compile(r"[A-Za-z0-9_.:-]{1,200}")
MIN_SHARED_FOR_MARKING = 0.5
PARALLEL_HTML_CHARS = 500_000  # a briefing this long converts to HTML in two halves, one in a forked child
# The first part's share of the conversion work (`md_plain.conversion_cost`), at least: this process converts it
# and then sanitises the whole page.
FIRST_HTML_SHARE = 0.45
COMPARED_WORDINGS = 8  # other wordings each evidence span is diffed against (bounds rendering to linear time)
_NAMED = 5  # sources named on an 'and N more agreeing' row
MAX_EVIDENCE_ROWS = 10  # rows of a flag's evidence table; sources beyond are counted, and all are in brief.json
_TOKEN = re.compile(r"\w+|[^\w\s]")
# No images or image maps: a briefing must not load anything from the network when opened.
HTML_TAGS = set(nh3.ALLOWED_TAGS) - {"img", "map", "area"}
# Anchors for the table of contents and each flag; ids come from our own headings and flag ids only
# (article text is escaped before it reaches Markdown, so it cannot add an element of its own).
HTML_ATTRIBUTES = {**{t: set(a) for t, a in nh3.ALLOWED_ATTRIBUTES.items()}}
HTML_ATTRIBUTES["a"] = HTML_ATTRIBUTES.get("a", set()) | {"id"}
HTML_ATTRIBUTES["h2"] = HTML_ATTRIBUTES.get("h2", set()) | {"id"}
STYLE = """
body{font:16px/1.55 system-ui,-apple-system,"Segoe UI",sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
color:#1d1d1f;background:#fff}
h1{font-size:1.6rem;border-bottom:2px solid #ddd;padding-bottom:.3rem}h2{margin-top:2.2rem;font-size:1.3rem;
border-bottom:1px solid #eee}h3{font-size:1.1rem;margin-top:1.6rem}h4{font-size:1rem;margin:1.4rem 0 .3rem}
table{border-collapse:collapse;width:100%;margin:.6rem 0;font-size:.94rem}th,td{border:1px solid #ddd;
padding:.35rem .5rem;vertical-align:top;text-align:left}th{background:#f5f5f7}
blockquote{margin:.5rem 0;padding:.2rem .9rem;border-left:4px solid #c9c9d1;color:#333;background:#fafafa}
code{background:#f0f0f3;padding:0 .25rem;border-radius:3px;font-size:.88em}td strong{background:#fff3b0}
em{color:#555}hr{border:0;border-top:1px solid #ddd;margin:2rem 0}
h3 a[id]{scroll-margin-top:1rem}li{margin:.25rem 0}
details{margin:.4rem 0 .4rem 1.4rem;padding:.3rem .6rem;background:#fafafa;border:1px solid #e4e4e8;border-radius:4px}
summary{cursor:pointer}table{display:block;overflow-x:auto}li,p,summary{overflow-wrap:anywhere}
@media (max-width:600px){body{margin:1rem auto;font-size:15px}h1{font-size:1.25rem}h2{font-size:1.1rem}
details{margin-left:0}}
"""


@dataclass
class EvidenceRow:
    """One row of a flag's evidence table: a span, its marked text, and the sources with the same wording."""

    evidence: Evidence
    marked: str
    agreeing: list[Evidence]


def md_escape(text: str) -> str:
    """Untrusted text as inline Markdown: one line, no markup, no raw HTML."""
    text = _WS.sub(" ", text).strip()
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_code(text: str) -> str:
    """An id as inline code when it is a plain token; anything else (an id from a shared review.json can be
    any string) as escaped text, since a backtick in it would end the code span and let raw HTML through."""
    return f"`{text}`" if _PLAIN_TOKEN.fullmatch(text) else md_escape(text)


def marked_evidence(evidence: list[Evidence], only: Sequence[int] | None = None) -> list[str]:
    """Each evidence text escaped, with the words that differ from the other sources in bold.

    Linear in the number of spans: identical wordings (case-insensitive, by word tokens) are compared once,
    and each wording only with the `COMPARED_WORDINGS` wordings most sources share (up to 8 others is every
    other span of a small flag, so small flags are marked exactly as an all-pairs comparison would).
    A wording that another source uses verbatim has no words of its own to bold. `only` restricts the work
    (and the result) to those indices: the rows actually shown.
    """
    indices = range(len(evidence)) if only is None else only
    if len(evidence) < 2:
        return [md_escape(evidence[i].text) for i in indices]
    token_lists = [_TOKEN.findall(e.text) for e in evidence]
    keys = [tuple(t.casefold() for t in tokens) for tokens in token_lists]
    uses = Counter(keys)
    ranked = sorted(uses, key=lambda k: -uses[k])  # stable: first seen first among equals
    kept_of: dict[tuple[str, ...], set[int] | None] = {}  # wording -> shared token positions (None: too few)
    out = []
    for i in indices:
        key, tokens = keys[i], token_lists[i]
        if key not in kept_of:
            if uses[key] > 1:
                keep = set(range(len(key)))  # another source has exactly these words
            else:
                keep = set()  # token positions shared with at least one other wording
                for other in [k for k in ranked if k != key][:COMPARED_WORDINGS]:
                    matcher = difflib.SequenceMatcher(a=key, b=other, autojunk=False)
                    for block in matcher.get_matching_blocks():
                        keep.update(range(block.a, block.a + block.size))
            # Paraphrases share too little for a word diff to help: mark only near-variants.
            kept_of[key] = keep if len(keep) >= MIN_SHARED_FOR_MARKING * len(tokens) else None
        keep_i = kept_of[key]
        out.append(md_escape(evidence[i].text) if keep_i is None else _join_marked(evidence[i].text, tokens, keep_i))
    return out


def evidence_rows(evidence: list[Evidence], max_rows: int = MAX_EVIDENCE_ROWS) -> tuple[list[EvidenceRow], int]:
    """The rows of a flag's evidence table, and how many sources are left out with wordings of their own.

    A flag with up to `max_rows` spans shows one row per span. A bigger one (a wording shared by hundreds of
    sources) shows one row per distinct wording, in evidence order, up to `max_rows`; the sources with a
    shown wording are counted on that row ("and N more sources agreeing with row k"). Every span stays in
    brief.json.
    """
    if len(evidence) <= max_rows:
        return [EvidenceRow(e, marked, []) for e, marked in zip(evidence, marked_evidence(evidence), strict=True)], 0
    keys = [tuple(t.casefold() for t in _TOKEN.findall(e.text)) for e in evidence]
    first: dict[tuple[str, ...], int] = {}  # wording -> index of its shown row
    shown: list[int] = []
    agreeing: dict[int, list[Evidence]] = {}
    left_out = 0
    for i, key in enumerate(keys):
        if key in first:
            agreeing.setdefault(first[key], []).append(evidence[i])
        elif len(shown) < max_rows:
            first[key] = i
            shown.append(i)
        else:
            left_out += 1
    marked = marked_evidence(evidence, only=shown)
    return [EvidenceRow(evidence[i], m, agreeing.get(i, [])) for i, m in zip(shown, marked, strict=True)], left_out


def _join_marked(text: str, tokens: list[str], keep: set[int]) -> str:
    """Rebuild the escaped text from the original, bolding runs of differing word tokens."""
    parts: list[str] = []
    pos = 0
    run: list[str] = []

    def flush() -> None:
        if run:
            parts.append(f"**{md_escape(''.join(run)).strip()}**")
            run.clear()

    for idx, token in enumerate(tokens):
        at = text.find(token, pos)
        gap = text[pos:at]
        differs = idx not in keep and token.isalnum()
        if differs:
            if run:
                run.append(gap)
            else:
                parts.append(md_escape(gap) + (" " if gap[-1:].isspace() else ""))
            run.append(token)
        else:
            flush()
            parts.append(md_escape(gap + token) if not gap.isspace() else " " + md_escape(token))
        pos = at + len(token)
    flush()
    return _WS.sub(" ", "".join(parts)).strip()


def _short(text: str, limit: int = 60) -> str:
    text = _WS.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _byline(source: Source) -> str | None:
    return re.sub(r"^\s*by\s+", "", source.byline, flags=re.I).strip() or None if source.byline else None


# File names that say nothing about the article ('article3', 'doc_2', 'body421', 's_2'): the title reads better.
_GENERIC_ID = re.compile(r"(?:article|art|doc|document|file|story|text|source|src|untitled|page|item|input|body|"
                         r"[a-z])?[-_.]?\d*", re.IGNORECASE)


def _named_file(source_id: str) -> bool:
    """A short file name the user chose for the source ('fox', 'nyt', 'reuters-en'): a name to keep."""
    return (len(source_id) <= 16 and re.fullmatch(r"[A-Za-z][\w.-]*", source_id) is not None
            and sum(c.isalpha() for c in source_id) >= 2 and not _GENERIC_ID.fullmatch(source_id))


def source_label(brief: Brief) -> dict[str, str]:
    """A readable name per source id: outlet, else a short file name the user chose ('fox.txt' -> 'fox'),
    else byline, else a title no other source has, else the id (a readable file name). Sources sharing a
    name are told apart by byline or title, else numbered."""
    titles = Counter(_short(s.title) for s in brief.sources if s.title)
    # a title several sources share (a site's placeholder, a syndicated story) tells them apart less than the id
    base = {s.id: s.outlet or (s.id if _named_file(s.id) else None) or _byline(s)
            or (_short(s.title) if s.title and titles[_short(s.title)] == 1 else None) or s.id
            for s in brief.sources}
    counts = Counter(base.values())
    # (name, byline or short title) -> sources of that name having it: counted once, not per source (linear)
    extras = {s.id: (_byline(s), _short(s.title, 40) if s.title else None) for s in brief.sources
              if counts[base[s.id]] > 1}
    having: Counter[tuple[str, str]] = Counter((base[sid], x) for sid, pair in extras.items() for x in set(pair) if x)
    labels: dict[str, str] = {}
    seen: Counter[str] = Counter()
    for s in brief.sources:
        name = base[s.id]
        if counts[name] > 1:
            extra = next((x for x in extras[s.id] if x and x != name and having[(name, x)] == 1), None)
            seen[name] += 1
            name = f"{name}: {extra}" if extra else f"{name} #{seen[name]}"
        labels[s.id] = name
    return labels


def with_labels(text: str, labels: dict[str, str]) -> str:
    """Engine and model texts name sources by id; the editor reads outlets.

    Only ids that can't be ordinary words (a digit, '_' or '-' in them) are replaced, as whole tokens.
    """
    pattern = _label_pattern(tuple(labels.items()))
    return pattern.sub(lambda m: labels[m.group(1)], text) if pattern else text


@lru_cache(maxsize=8)
def _label_pattern(items: tuple[tuple[str, str], ...]) -> re.Pattern[str] | None:
    """The regular expression of `with_labels`, built once per label map (it is called for every flag)."""
    ids = [i for i, label in items if label != i and re.search(r"[\d_-]", i)]
    if not ids:
        return None
    return re.compile(r"(?<![\w.-])(" + "|".join(map(re.escape, sorted(ids, key=len, reverse=True))) + r")(?![\w-])")


def ordered(flags: list[Discrepancy]) -> list[Discrepancy]:
    """Most severe first, then most confident; ties in a stable order (kind, id)."""
    return sorted(flags, key=lambda d: (SEVERITY_RANK[d.severity], -d.confidence, d.kind, d.id))


def visible_flags(brief: Brief, config: Config) -> list[Discrepancy]:
    """Flags shown in Markdown/HTML, most severe first: dismissed ones hidden on request."""
    flags = brief.discrepancies
    if config.hide_dismissed:
        flags = [d for d in flags if not (d.review and d.review.status == "dismissed")]
    return ordered(flags)


def _flag_counts(brief: Brief) -> Counter[str]:
    return Counter(sid for d in brief.discrepancies for sid in {e.source_id for e in d.evidence})


def kind_label(kind: str) -> str:
    """'attribution_conflict' -> 'attribution conflict'."""
    return KIND_LABELS.get(kind, kind.replace("_", " "))


def _bold_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` escaped, with the given (sorted, disjoint) spans in bold; white space kept outside the bold."""
    out, pos = [], 0
    for a, b in spans:
        if a < pos or not text[a:b].strip():
            continue
        a += len(text[a:b]) - len(text[a:b].lstrip())
        b -= len(text[a:b]) - len(text[a:b].rstrip())
        gap = text[pos:a]
        out += [(" " if pos and gap[:1].isspace() else "") + md_escape(gap) + (" " if gap[-1:].isspace() else ""),
                f"**{md_escape(text[a:b])}**"]
        pos = b
    tail = text[pos:]
    out.append((" " if tail[:1].isspace() and pos else "") + md_escape(tail))
    return _WS.sub(" ", "".join(out)).strip()


def evidence_texts(flag: Discrepancy, sources: dict[str, Source]) -> list[str]:
    """Each piece of evidence as escaped Markdown, shown as the kind needs it.

    Quote and fact variants: the differing words in bold. Spelling and damage: the sentence around the
    span, the span in bold. Attribution: the sentence widened to the words that attribute it, in bold.
    Evidence whose offsets don't match its source (an untrusted brief.json) is shown alone.
    """
    if flag.kind in (*IN_SENTENCE_KINDS, "attribution_conflict"):
        out = []
        for ev in flag.evidence:
            src = located(ev, sources)
            if src is None or len(ev.text) > LONG_EVIDENCE_CHARS:
                out.append(md_escape(ev.text))
            else:
                out.append(_bold_spans(*excerpt(flag.kind, src.text, ev.start, ev.end)))
        return out
    if flag.kind == "boilerplate":
        return [md_escape(ev.text) for ev in flag.evidence]
    return marked_evidence(flag.evidence)


@dataclass
class _SentenceRow:
    """Spans of one source inside one stretch of sentences, shown as one evidence row."""

    first: Evidence
    text: str
    spans: list[tuple[int, int]]
    lo: int
    hi: int


def _rows_in_sentences(flag: Discrepancy, sources: dict[str, Source]) -> list[tuple[Evidence, str]]:
    """A small flag's evidence as (first span, Markdown) rows, each short span shown in its sentence.

    A bare "2002" against "2003", or the three words one rendering of a quote changes, mean little alone:
    each short span is shown inside its sentence, in bold, as the web page and the review walk show it, and
    the spans one source has in the same sentence share one row. Longer spans keep the word-diff marking,
    unless a row already shows the sentence they sit in: then they are bold in it, not a second row.
    """
    rows: list[_SentenceRow | int] = []  # an int: a longer span, by its index in the evidence
    at_offsets: set[int] = set()  # the longer spans still at their offsets in the source
    for i, ev in enumerate(flag.evidence):
        src = located(ev, sources)
        if src is None or len(ev.text) >= SHORT_SPAN_CHARS:
            rows.append(i)
            if src is not None:
                at_offsets.add(i)
            continue
        lo, hi = sentence_bounds(src.text, ev.start, ev.end)
        last = rows[-1] if rows else None
        if isinstance(last, _SentenceRow) and last.first.source_id == ev.source_id and lo <= last.hi + 2 \
                and hi >= last.lo and not src.text[last.hi : lo].strip():  # the same or the next sentence
            last.spans.append((ev.start, ev.end))
            last.lo, last.hi = min(lo, last.lo), max(hi, last.hi)
        else:
            rows.append(_SentenceRow(ev, src.text, [(ev.start, ev.end)], lo, hi))
    sentence_rows = [r for r in rows if isinstance(r, _SentenceRow)]
    kept: list[_SentenceRow | int] = []
    for r in rows:
        if isinstance(r, int) and r in at_offsets:
            ev = flag.evidence[r]
            home = next((h for h in sentence_rows if h.first.source_id == ev.source_id and h.lo <= ev.start
                         and ev.end <= h.hi), None)
            if home is not None:
                home.spans.append((ev.start, ev.end))
                continue
        kept.append(r)
    marked = marked_evidence(flag.evidence) if any(isinstance(r, int) for r in kept) else []
    return [(r.first, _bold_spans(*in_sentences(r.text, _disjoint(r.spans)))) if isinstance(r, _SentenceRow)
            else (flag.evidence[r], marked[r]) for r in kept]


def _disjoint(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans sorted, overlapping ones joined (a longer span may hold a short one of the same row)."""
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(b, out[-1][1]))
        else:
            out.append((a, b))
    return out


def _evidence_lines(flag: Discrepancy, labels: dict[str, str], sources: dict[str, Source]) -> list[str]:
    """A flag's evidence, one block per source; a flag with many sources one per distinct wording."""
    one_each = (*IN_SENTENCE_KINDS, "attribution_conflict", "boilerplate")
    if flag.kind in one_each or len(flag.evidence) <= MAX_EVIDENCE_ROWS:
        if flag.kind in ("factual_conflict", "wording_variant"):
            shown = _rows_in_sentences(flag, sources)
        else:
            shown = list(zip(flag.evidence, evidence_texts(flag, sources), strict=True))
        lines: list[str] = []
        for ev, text in shown:
            lines += _evidence_block(labels.get(ev.source_id, ev.source_id), text, ev.text)
        return lines
    rows, left_out = evidence_rows(flag.evidence)
    lines = []
    for k, row in enumerate(rows, 1):
        name = f"{k} · {labels.get(row.evidence.source_id, row.evidence.source_id)}"
        lines += _evidence_block(name, row.marked, row.evidence.text)
        if row.agreeing:
            names = ", ".join(md_escape(labels.get(e.source_id, e.source_id)) for e in row.agreeing[:_NAMED])
            more = " …" if len(row.agreeing) > _NAMED else ""
            lines.append(f"- *and {len(row.agreeing)} more source{'s' * (len(row.agreeing) > 1)} agreeing with "
                         f"{k}: {names}{more}*")
    if left_out:
        lines.append(f"- *and {left_out} more source{'s' * (left_out > 1)} with other wordings; every span is in "
                     "brief.json*")
    return lines


def _evidence_block(name: str, text: str, raw: str) -> list[str]:
    """One source's evidence: a list item, or a collapsed block when it is long."""
    if len(raw) <= LONG_EVIDENCE_CHARS:
        # a sentence shown around a quote has its own quotation marks: no second pair around it
        return [f"- **{md_escape(name)}:** {text}" if QUOTE_MARKS.search(text) else
                f"- **{md_escape(name)}:** “{text}”"]
    words = len(raw.split())
    # <details> is one of the few HTML blocks GitHub and our renderer both allow; its contents stay Markdown.
    return ["", '<details markdown="1">',
            f"<summary><strong>{md_escape(name)}</strong>: {md_escape(_short(raw, 90))} ({words} words)</summary>",
            "", f"“{text}”", "", "</details>", ""]


def render_flag(flag: Discrepancy, labels: dict[str, str], sources: dict[str, Source] | None = None,
                number: int | None = None) -> list[str]:
    """One flag: heading with its anchor, meta line, evidence per source, explanation, suggestion, review."""
    sources = sources or {}
    num = f"{number}. " if number is not None else ""
    anchor = f'<a id="{flag.id}"></a>' if _PLAIN_TOKEN.fullmatch(flag.id) else ""  # raw HTML: plain ids only
    lines = [f"### {anchor}{num}{md_escape(with_labels(flag.title, labels))}", "",
             f"**{flag.severity}** · {kind_label(flag.kind)} · confidence {flag.confidence:.2f} · "
             f"{status_of(flag)} · id {md_code(flag.id)}"
             + (f" · {md_escape(flag.detector)}" if flag.detector else "")
             + (f" · {ORIGIN_TEXT[flag.origin]}" if flag.origin in ORIGIN_TEXT else ""), ""]
    lines += _evidence_lines(flag, labels, sources)
    lines += ["", md_escape(with_labels(flag.explanation, labels)), ""]
    if flag.suggestion:
        lines += [f"**Suggestion:** {md_escape(with_labels(flag.suggestion, labels))}", ""]
    if flag.review and flag.review.status != "open" or flag.review and (flag.review.note or flag.review.correction):
        review = flag.review
        text = f"**Review:** {review.status}"
        if review.reviewer:
            text += f" by {md_escape(review.reviewer)}"
        if review.note:
            text += f" — {md_escape(review.note)}"
        if review.correction:
            text += f" · correction: {md_escape(review.correction)}"
        lines += [text, ""]
    return lines


def _source_names(flag: Discrepancy, labels: dict[str, str]) -> str:
    ids = list(dict.fromkeys(e.source_id for e in flag.evidence))
    return ", ".join(md_escape(labels.get(i, i)) for i in ids)


def _glance(brief: Brief, flags: list[Discrepancy], labels: dict[str, str]) -> list[str]:
    high = [d for d in flags if d.severity == "high"]
    out = ["## At a glance", ""]
    if high:
        out += [f"- [{md_escape(with_labels(d.title, labels))}](#{d.id if _PLAIN_TOKEN.fullmatch(d.id) else ''}) — "
                f"{kind_label(d.kind)}, "
                f"{_source_names(d, labels)}" + (f" · *{status_of(d)}*" if status_of(d) != "open" else "")
                for d in high]
    else:
        out.append("*No high-severity flags.*")
    failed = len(brief.problems)
    if failed:
        plural = "" if failed == 1 else "s"
        out += ["", f"**{failed} problem{plural}** with inputs or steps: see [Problems](#problems)."]
    return [*out, ""]


def _url_cell(url: str | None) -> str:
    if url and SAFE_URL.fullmatch(url):
        return f"[{md_escape(_short(url, 50))}](<{url}>)"
    return md_escape(url) if url else "—"


def render_markdown(brief: Brief, config: Config | None = None) -> str:
    """The briefing an editor reads, top-down: at a glance, every flag most severe first, then the rest."""
    config = config or Config()
    labels = source_label(brief)
    sources = {s.id: s for s in brief.sources}
    flags = visible_flags(brief, config)
    per_source = _flag_counts(brief)
    sev = Counter(d.severity for d in brief.discrepancies)
    mode = MODE_TEXT.get(brief.run.mode, brief.run.mode)
    model = f" ({md_escape(brief.run.model)})" if brief.run.model else ""
    out = [f"# Briefing: {md_escape(brief.event)}", ""]
    out += [f"*{len(brief.sources)} sources · {review_summary(brief)} ({sev['high']} high, {sev['medium']} medium, "
            f"{sev['low']} low) · {mode}{model}*", ""]
    if brief.run.note:
        out += [f"> {md_escape(brief.run.note)}", ""]
    lists = _render_lists(brief, labels)
    extra = [line[3:] for line in lists if line.startswith("## ")]
    toc = ["At a glance", "Flags", "Sources", "What the sources agree on", *extra, "Article summaries"]
    out += ["**Contents:** " + " · ".join(f"[{t}](#{_slug(t)})" for t in toc), ""]
    out += _glance(brief, flags, labels)
    out += ["## Flags", "", f"*{review_summary(brief)} · most severe first*", ""]
    hidden = len(brief.discrepancies) - len(flags)
    if hidden:
        out += [f"*{hidden} dismissed flag{'' if hidden == 1 else 's'} hidden.*", ""]
    for n, flag in enumerate(flags, 1):
        out += _contained(f"Flag {n} ({flag.id})", render_flag, flag, labels, sources, n)
    if not flags:
        out += ["*No discrepancies found.*", ""]
    out += ["## Sources", "", "| # | Source | Title | Byline | Date | Words | Flags | Link |",
            "|---|---|---|---|---|---|---|---|"]
    for i, s in enumerate(brief.sources, 1):
        out.append(f"| {i} | {md_escape(labels[s.id])} | {md_escape(s.title or '—')} | "
                   f"{md_escape(_byline(s) or '—')} | {md_escape(s.published or '—')} | {s.words} | "
                   f"{per_source.get(s.id, 0)} | {_url_cell(s.url)} |")
    out += ["", "## What the sources agree on", ""]
    if brief.consensus:
        for point in brief.consensus:
            names = ", ".join(md_escape(labels.get(i, i)) for i in point.source_ids)
            out.append(f"- {md_escape(point.text)} *({names})*")
    else:
        out.append("*No statement was found in two or more sources.*")
    out += ["", *lists]
    out += ["## Article summaries", ""]
    for summary in brief.summaries:
        out += _contained(f"The summary of {labels.get(summary.source_id, summary.source_id)}", _render_summary,
                          summary, labels, sources.get(summary.source_id))
    usage = brief.run.usage
    footer = f"*reporter {brief.run.reporter_version} · {mode}"
    if brief.run.model:
        footer += (f" · model {md_escape(brief.run.model)} · {usage.requests} requests ({usage.cached} cached) · "
                   f"{usage.input_tokens} tokens in, {usage.output_tokens} out")
    out += ["---", "", footer + "*", ""]
    return "\n".join(out)


def _contained(what: str, render_item: Callable[..., list[str]], *args: object) -> list[str]:
    """One flag's or summary's lines; a fault while rendering it costs that item only, never the briefing.

    The item is replaced by a line saying so (brief.json still holds it in full) and a warning goes to stderr.
    """
    try:
        return render_item(*args)
    except Exception as exc:  # noqa: BLE001 - a bug on one item must not lose the editor's whole briefing
        problem = f"{what} could not be rendered ({type(exc).__name__}: {exc})"
        print(f"reporter: warning: {for_terminal(problem)}", file=sys.stderr)  # as the cache's warnings
        return [f"*{md_escape(problem)}; brief.json holds it in full.*", ""]


def _slug(title: str) -> str:
    """The anchor GitHub and Python-Markdown's toc extension both give a plain heading."""
    return re.sub(r"[\s]+", "-", re.sub(r"[^\w\s-]", "", title).strip().lower())


def _section(title: str, items: list[str], intro: str | None = None) -> list[str]:
    """A Markdown section listing `items`, or nothing at all when there are none."""
    if not items:
        return []
    return [f"## {title}", "", *([f"*{intro}*", ""] if intro else []), *(f"- {item}" for item in items), ""]


def _render_lists(brief: Brief, labels: dict[str, str]) -> list[str]:
    """Sections that only appear when they have content: nothing is hidden from the editor."""
    def label(source_id: str | None) -> str:
        return md_escape(labels.get(source_id, source_id)) if source_id else "run"

    return [
        *_section("Unverified model claims",
                  [f"**{md_escape(c.title)}** ({md_escape(c.kind)}): {md_escape(c.explanation)}"
                   for c in brief.unverified_claims],
                  "The model raised these, but none of their quoted evidence was found in the sources. "
                  "They are not flags."),
        *_section("Evidence removed by the grounding check",
                  [f"{label(r.source_id)}: “{md_escape(r.text)}” (for “{md_escape(r.discrepancy_title)}”) "
                   "is not in that source" for r in brief.grounding_removals]),
        *_section("Duplicate sources",
                  [f"identical text: {', '.join(md_escape(i) for i in group)} (only the first is compared)"
                   for group in brief.duplicates]),
        *_section("Suspicious passages",
                  [f"{label(ev.source_id)}: “{md_escape(ev.text)}”" for ev in brief.suspicious],
                  "These passages read like instructions to an AI model (prompt injection). They were treated as "
                  "article text and never obeyed; check the source."),
        *_section("Problems",
                  [f"**{md_escape(p.path) if p.path else label(p.source_id)}** ({md_escape(p.step)}): "
                   f"{md_escape(p.message)}" for p in brief.problems]),
        *_section("Orphaned decisions",
                  [f"{md_code(o.discrepancy_id)} {md_escape(o.title or '')}: {o.review.status}"
                   + (f" — {md_escape(o.review.note)}" if o.review.note else "") for o in brief.orphaned_reviews],
                  "Editor decisions whose flag is not in this run; kept in review.json."),
    ]


def _render_summary(summary, labels: dict[str, str], source: Source | None = None) -> list[str]:
    name = labels.get(summary.source_id, summary.source_id)
    # the source's name first, as the flags name it ('fox: ...'), unless the line under the heading gives it
    # (an outlet) or the name is the headline (or a cut of it)
    headline = summary.headline
    named = headline and (name == summary.outlet or headline.startswith(name.rstrip("…")))
    heading = headline if named else f"{name}: {headline}" if headline else f"{name} (no headline)"
    out = [f"### {md_escape(heading)}", ""]
    meta = [md_escape(x) for x in (summary.outlet, summary.byline, summary.date) if x]
    if source is not None and source.url:
        meta.append(_url_cell(source.url))
    meta.append(f"file {md_escape(source.path if source else summary.source_id)} · {summary.method}")
    out += ["*" + " · ".join(meta) + "*", ""]
    if summary.status != "ok":
        out += [f"**{summary.status}**: {md_escape(summary.error or '')}", ""]
    if summary.lead:
        out += [f"**Lead:** {md_escape(summary.lead)}", ""]
    if summary.key_points:
        out += ["**Key points**", ""] + [f"- {md_escape(p)}" for p in summary.key_points] + [""]
    if summary.quotes:
        out += ["**Quotes**", ""]
        for q in summary.quotes:
            out.append(f"- “{md_escape(q.text)}” — {md_escape(q.speaker or 'unattributed')}")
        out.append("")
    if summary.figures:
        out += ["**Figures**", "", "| Figure | Context |", "|---|---|"]
        out += [f"| {md_escape(f.text)} | {md_escape(f.measures)} |" for f in summary.figures]
        out.append("")
    return out


def render_html(markdown_text: str, title: str) -> str:
    """Self-contained, sanitised HTML from the Markdown briefing."""
    parts = _markdown_parts(markdown_text, 2 if len(markdown_text) >= PARALLEL_HTML_CHARS else 1)
    # a long briefing's second half converts in a forked child meanwhile
    later = parallel.Job(_markdown_to_html, parts[1:], fork=len(parts) > 1)
    try:
        body = "\n".join([*_markdown_to_html(parts[:1]), *later.result()])
    finally:
        later.cancel()
    safe = nh3.clean(body, tags=HTML_TAGS, attributes=HTML_ATTRIBUTES, link_rel="noopener noreferrer nofollow")
    safe_title = nh3.clean_text(title)
    return (f'<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{safe_title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{safe}\n</body>\n</html>\n")


def _markdown_to_html(parts: list[str]) -> list[str]:
    return [html for part in parts if (html := markdown.markdown(
        part, extensions=["tables", "sane_lists", "toc", "md_in_html", PlainTextExtension()],
        extension_configs={"toc": {"toc_depth": "2-2", "slugify": _toc_slug}}, output_format="html"))]


def _markdown_parts(text: str, count: int) -> list[str]:
    """The briefing cut into about `count` parts of similar conversion work (the first smaller), each converting to
    exactly the HTML it gives inside the whole: cuts fall only before a heading that follows a blank line, where every
    block (list, table, <details>, paragraph) has ended. Headings are the only elements the toc extension links across
    the document: h2 anchors are fixed section names and come before any h3 that could share their slug, and h3
    ids, which would be numbered per part, are removed by the sanitiser anyway."""
    if count < 2:
        return [text]
    lines = text.split("\n")
    costs = [conversion_cost(line) for line in lines]
    size, cuts, done = sum(costs), [], 0
    # this process converts the first part and then sanitises the whole page: it takes a little less
    targets = [size * (FIRST_HTML_SHARE + (1 - FIRST_HTML_SHARE) * k / (count - 1)) for k in range(count - 1)]
    for i, line in enumerate(lines):
        if line.startswith("#") and i and not lines[i - 1] and done >= targets[len(cuts)]:
            cuts.append(i)
            if len(cuts) == count - 1:
                break
        done += costs[i]
    bounds = [0, *cuts, len(lines)]
    return ["\n".join(lines[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]


def _toc_slug(value: str, separator: str) -> str:
    return _slug(value)


def render_json(brief: Brief) -> str:
    """brief.json: the `Brief` model."""
    return brief.model_dump_json(indent=2) + "\n"


def write_outputs(brief: Brief, out_dir: Path, config: Config | None = None,
                  also: dict[Path, str] | None = None, to_html: Callable[[str, str], str] | None = None
                  ) -> dict[str, Path]:
    """Write brief.md, brief.html and brief.json (and the files in `also`) all together or none at all.
    `to_html` replaces `render_html` (the result cache's, which reads back a page it converted before)."""
    with parallel.fewer_collections():
        md = render_markdown(brief, config)
        html = (to_html or render_html)(md, f"Briefing: {brief.event}")
        files = {out_dir / "brief.md": md, out_dir / "brief.html": html,
                 out_dir / "brief.json": render_json(brief)}
    key = config.api_key.get_secret_value() if config and config.api_key else None
    written = {p.suffix.lstrip("."): p for p in files}
    files.update(also or {})
    # the transport redacts replies; this also covers any other way a key could reach the briefing
    files = {p: redact(text, [key]) for p, text in files.items()}
    write_many_atomic(files)
    return written
