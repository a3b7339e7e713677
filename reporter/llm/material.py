"""What the brief step shows the model: every article in full, the engine's alignment, its candidates.

A model can only flag what it is shown, next to what it contradicts. So the brief request carries:

* ARTICLES: every article in full, one numbered sentence per line (`12 The talks lasted two hours.`),
  so the model can cite `S2` sentence 12; a sentence word for word one shown above (wire copy reprinted
  by several outlets) is shown as `12 = S1.4`; a line of page chrome the engine found is marked
  with a star (`13* Photo: Reuters`), and shown by its head when it is a long paragraph (an appended story);
* ALIGNED: the engine's alignment as a compact map, one line per group of sentences (or quotes) that
  report the same thing in several sources (`S1.3 S2.5 S4.2`);
* CANDIDATES: every kind, each with the exact words of its evidence and the sentence they are in.

When that does not fit the context budget, the cluster is cut into parts (map), each sent with the
same instructions, and the answers are merged by code (reduce, in `reporter.llm.brief`). A part is a
set of whole bundles: the sentences an alignment group, a shared quote or a candidate ties together
are never split, so every source's passage of a group is in the same request; sentences no group holds
are packed into parts too, so no sentence is dropped.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from reporter import chrome
from reporter.evidence.structure import split_sentences
from reporter.models import SEVERITY_RANK, Discrepancy, Evidence, Source
from reporter.tokens import count_tokens

SHOWN_CANDIDATES = 40  # candidates judged by the model; the rest are kept as the engine found them
CANDIDATE_SHARE = 0.25  # ... and their lines take at most this share of the articles' size
MIN_CANDIDATE_BYTES = 2400  # ... or this many bytes (about 600 tokens), for short articles
EVIDENCE_CHARS = 70  # a candidate's evidence longer than this is cited by its sentence number only
SAME_SENTENCE_CHARS = 30  # a sentence this long, word for word one shown above, is shown as '7 = S3.5'
TITLE_CHARS = 72  # a longer candidate title is shown as head … tail
WHOLE_SENTENCE = 0.7  # evidence covering this share of its sentence is cited by number only
SHOWN_REFS = 6  # evidence references shown per candidate; the rest are named by sentence only
CHROME_SPANS = 4  # page-chrome spans shown per boilerplate candidate (they are not in the articles)
CHROME_LINES = 16  # lines of one chrome span shown (each by its head) ...
CHROME_LINE_WORDS = 8  # ... of at most this many words
CHROME_FULL_WORDS = 40  # a chrome line in an article is shown whole up to this many words, else by its head
CROSS_SOURCE_KINDS = {"wording_variant", "factual_conflict", "attribution_conflict"}

Node = tuple[str, int]  # (source label, sentence number)


@dataclass
class Article:
    """One source as shown: its label, a short head line and its numbered sentences (number n at n-1)."""

    label: str
    source: Source
    head: str
    sentences: list[tuple[int, int]]
    chrome: frozenset[int] = frozenset()  # numbers of the lines that are page chrome

    def line(self, n: int) -> str:
        start, end = self.sentences[n - 1]
        words = self.source.text[start:end].split()
        if n not in self.chrome:
            return f"{n} {' '.join(words)}"
        if len(words) > CHROME_FULL_WORDS:  # an appended story's paragraph: its head tells what it is
            words = [*words[:CHROME_LINE_WORDS], "…"]
        return f"{n}* {' '.join(words)}"

    def sentence_at(self, pos: int) -> int | None:
        """The number of the sentence holding offset `pos`, if any (chrome is in none)."""
        i = bisect_right([s for s, _ in self.sentences], pos) - 1
        if i >= 0 and pos < self.sentences[i][1]:
            return i + 1
        return None


@dataclass
class Material:
    """One brief request's data block and the labels it uses."""

    text: str
    sources: dict[str, str]  # label -> source id
    candidates: dict[str, str]  # label -> candidate id
    sentences: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # source id -> numbered spans
    part: int = 1
    parts: int = 1


def source_labels(sources: Sequence[Source]) -> dict[str, str]:
    """Source id -> the label the model sees (S1, S2, ... in input order)."""
    return {s.id: f"S{n}" for n, s in enumerate(sources, 1)}


def numbered_sentences(source: Source, doc: Any = None) -> list[tuple[int, int]]:
    """The article's sentences in text order, without page chrome; every other word is in one of them.

    The engine's own sentences (`doc.sentences`) are used when given, so that its alignment and its
    candidates map onto the numbers; text the engine did not read (a long article's tail) is split here.
    """
    text = source.text
    lines = chrome.line_spans(text)
    if doc is not None:
        junk = [(s, e) for s, e in getattr(doc, "boilerplate", [])]
        spans = [(s.start, s.end) for s in doc.sentences]
    else:
        junk = [(s, e) for s, e, _ in chrome.merge_spans(chrome.find_chrome(text, lines), text)]
        spans = []
    covered = sorted([*spans, *junk])
    for ls, le in lines:  # what no sentence and no chrome span covers, split into sentences
        pieces, cursor = [], ls
        for cs, ce in covered:
            if ce <= cursor or cs >= le:
                continue
            if cs > cursor:
                pieces.append((cursor, cs))
            cursor = max(cursor, ce)
        if cursor < le:
            pieces.append((cursor, le))
        for ps, pe in pieces:
            if text[ps:pe].strip(" \t\"'“”‘’.,;:-—–"):
                spans += split_sentences(text, ps, pe)
    return sorted(set(spans))


def chrome_lines(source: Source, doc: Any = None) -> list[tuple[int, int]]:
    """The lines of the page chrome the engine found (its boilerplate spans), in text order."""
    text = source.text
    lines = chrome.line_spans(text)
    if doc is not None:
        junk = [(s, e) for s, e in getattr(doc, "boilerplate", [])]
    else:
        junk = [(s, e) for s, e, _ in chrome.merge_spans(chrome.find_chrome(text, lines), text)]
    out = []
    for ls, le in lines:
        for js, je in junk:
            s, e = max(ls, js), min(le, je)
            if s < e and text[s:e].strip():
                out.append((s, e))
    return sorted(set(out))


def numbered_units(source: Source, doc: Any = None) -> tuple[list[tuple[int, int]], frozenset[int]]:
    """Sentences and chrome lines in text order, and the numbers of the chrome lines among them."""
    sentences = numbered_sentences(source, doc)
    junk = [c for c in chrome_lines(source, doc) if not any(s < c[1] and c[0] < e for s, e in sentences)]
    units = sorted(set(sentences) | set(junk))
    chrome_set = set(junk)
    return units, frozenset(n for n, u in enumerate(units, 1) if u in chrome_set)


def compact_refs(nodes: list[Node]) -> str:
    """Sentence references, those with the same number merged: 'S1-S3,S5.2 S4.7' = sentence 2 of S1, S2, S3
    and S5, and sentence 7 of S4 (a cluster of many translations aligns sentence n with sentence n)."""
    by_number: dict[int, list[int]] = {}
    for label, n in nodes:
        by_number.setdefault(n, []).append(int(label[1:]))
    refs = []
    for n in sorted(by_number):
        runs: list[list[int]] = []
        for k in sorted(set(by_number[n])):
            if runs and k == runs[-1][-1] + 1:
                runs[-1].append(k)
            else:
                runs.append([k])
        labels = ",".join(f"S{r[0]}" if len(r) == 1 else f"S{r[0]}-S{r[-1]}" for r in runs)
        refs.append(f"{labels}.{n}")
    return " ".join(refs)


def judged(candidates: list[Discrepancy]) -> list[Discrepancy]:
    """The candidates put to the model: the SHOWN_CANDIDATES most severe and confident."""
    ranked = sorted(candidates, key=lambda d: (SEVERITY_RANK[d.severity], -d.confidence))
    return ranked[:SHOWN_CANDIDATES]


def _clip(text: str, limit: int = EVIDENCE_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else f"{flat[:limit * 2 // 3]} … {flat[-limit // 3:]}"


def _chrome_digest(text: str) -> str:
    """A chrome span as the head of each of its lines: enough to see what it is (a byline, a list of
    other stories), without paying for the pasted stories' full text."""
    heads: list[str] = []
    for line in text.splitlines():
        words = line.split()
        if not words:
            continue
        head = " ".join(words[:CHROME_LINE_WORDS]) + (" …" if len(words) > CHROME_LINE_WORDS else "")
        if not heads or heads[-1] != head:
            heads.append(head)
    shown = " / ".join(heads[:CHROME_LINES])
    return shown + (f" / (+{len(heads) - CHROME_LINES} lines)" if len(heads) > CHROME_LINES else "")


@dataclass
class _Item:
    """A line of the material and the sentences it needs beside it."""

    line: str
    nodes: list[Node]
    tokens: int = 0


class _Builder:
    """Lays out articles, alignment and candidates, and cuts them into parts that fit a budget."""

    def __init__(self, sources: Sequence[Source], report: Any, candidates: list[Discrepancy], model: str) -> None:
        self.model = model
        documents = getattr(report, "documents", None) or {}
        labels = source_labels(sources)
        self.articles = [Article(labels[s.id], s, ", ".join(x for x in (s.outlet, s.published) if x),
                                 *numbered_units(s, documents.get(s.id))) for s in sources]
        self.by_id = {a.source.id: a for a in self.articles}
        self.by_label = {a.label: a for a in self.articles}
        self.groups = self._alignment(getattr(report, "alignment", None), documents)
        self.cands: list[tuple[str, str, _Item]] = []  # (label, candidate id, item)
        # The candidates' lines are bounded by a share of the articles' size, so that the request's cost
        # stays proportional to what is read; the least severe beyond it are kept as the engine found them.
        # Counted in UTF-8 bytes, not tokens: the same share either way, and no tokenizer is needed.
        article_bytes = sum(len(s.text.encode("utf-8")) for s in sources)
        allowance = max(MIN_CANDIDATE_BYTES, int(article_bytes * CANDIDATE_SHARE))
        for n, cand in enumerate(judged(candidates), 1):
            label = f"C{n}"
            item = self._candidate(label, cand)
            allowance -= len(item.line.encode("utf-8")) + 1
            if allowance < 0 and self.cands:
                break
            self.cands.append((label, cand.id, item))

    def _node(self, source_id: str, pos: int) -> Node | None:
        article = self.by_id.get(source_id)
        n = article.sentence_at(pos) if article else None
        return (article.label, n) if article and n else None

    def _alignment(self, alignment: Any, documents: dict[str, Any]) -> list[_Item]:
        if alignment is None:
            return []
        items: list[_Item] = []
        seen: set[tuple[Node, ...]] = set()
        line_of: dict[Node, int] = {}  # the sentence-group line a sentence is on
        for kind in ("sentence", "quote"):
            for group in alignment.cross_source(kind):
                nodes = [node for u in group.units if (node := self._node(u.doc, u.start))]
                nodes = sorted(set(nodes), key=lambda x: (int(x[0][1:]), x[1]))
                key = tuple(nodes)
                if len({label for label, _ in nodes}) < 2 or key in seen:
                    continue
                if kind == "quote" and len({line_of.get(n, -1 - i) for i, n in enumerate(nodes)}) == 1:
                    continue  # a quote whose sentences one line already aligns says nothing new
                seen.add(key)
                for node in nodes:
                    line_of.setdefault(node, len(items))
                items.append(_Item(compact_refs(nodes), nodes))
        items.sort(key=lambda it: (int(it.nodes[0][0][1:]), it.nodes[0][1]))
        return items

    def _candidate(self, label: str, cand: Discrepancy) -> _Item:
        refs: list[str] = []
        nodes: list[Node] = []
        chrome_shown = 0
        for ev in cand.evidence:
            article = self.by_id.get(ev.source_id)
            if article is None:
                continue
            node = self._node(ev.source_id, ev.start)
            if node is None:  # page chrome: not in the article as shown, so its text is shown here
                chrome_shown += 1
                if chrome_shown <= CHROME_SPANS:
                    refs.append(f'{article.label} chrome "{_chrome_digest(ev.text)}"')
                continue
            if node in nodes:  # another piece of the same sentence: the sentence is cited already
                continue
            nodes.append(node)
            start, end = article.sentences[node[1] - 1]
            if ev.end - ev.start >= WHOLE_SENTENCE * (end - start) or len(ev.text) > EVIDENCE_CHARS:
                refs.append(f"{node[0]}.{node[1]}")  # most of the sentence: its text is in the article above
            else:
                refs.append(f'{node[0]}.{node[1]} "{_clip(ev.text)}"')
        if chrome_shown > CHROME_SPANS:
            refs.append(f"(+{chrome_shown - CHROME_SPANS} more chrome spans)")
        refs = list(dict.fromkeys(refs))
        if len(refs) > SHOWN_REFS:  # many pieces (a minority wording across many sources): the first ones
            refs = refs[:SHOWN_REFS] + [f"(+{len(refs) - SHOWN_REFS} more in "
                                        f"{compact_refs(list(dict.fromkeys(nodes))[SHOWN_REFS:]) or 'chrome'})"]
        title = _clip(cand.title, TITLE_CHARS)  # titles of wording flags repeat a quote the evidence shows
        for article in self.articles:  # titles may name sources by id; the model knows them by label
            sid = article.source.id
            if not sid.isalpha():  # an id that may be a word ('a') is left alone
                title = re.sub(rf"(?<![\w-]){re.escape(sid)}(?![\w-])", article.label, title)
        return _Item(f"{label} {cand.kind}, {cand.severity}: {title} | " + " | ".join(refs),
                     list(dict.fromkeys(nodes)))

    def render(self, shown: dict[str, list[int]] | None, groups: list[_Item], cands: list[tuple[str, str, _Item]],
               part: int = 1, parts: int = 1) -> Material:
        """The material with `shown` sentences per label (None: all), the given groups and candidates."""
        lines: list[str] = []
        if parts > 1:
            lines.append(f"PART {part} OF {parts}: each article's sentences are split over the parts; "
                         "judge what this part shows.")
        lines.append("ARTICLES")
        first_shown: dict[str, str] = {}  # sentence text -> where it was first shown
        for article in self.articles:
            numbers = range(1, len(article.sentences) + 1) if shown is None else shown.get(article.label, [])
            if shown is not None and not numbers:
                continue
            lines.append(f"[{article.label}] {article.head}".rstrip())
            for n in numbers:
                line = article.line(n)
                text = line.split(" ", 1)[1] if " " in line else ""
                if len(text) >= SAME_SENTENCE_CHARS and text in first_shown:
                    line = f"{n} = {first_shown[text]}"  # word for word a sentence shown above (wire copy)
                else:
                    first_shown.setdefault(text, f"{article.label}.{n}")
                lines.append(line)
        if groups:
            lines += ["ALIGNED", *(g.line for g in groups)]
        if cands:
            lines += ["CANDIDATES", *(item.line for _, _, item in cands)]
        return Material(
            text="\n".join(lines),
            sources={a.label: a.source.id for a in self.articles},
            candidates={label: cid for label, cid, _ in cands},
            sentences={a.source.id: a.sentences for a in self.articles},
            part=part, parts=parts,
        )

    def whole(self) -> Material:
        return self.render(None, self.groups, self.cands)

    def parts(self, budget: int) -> list[Material]:
        """Parts of at most about `budget` tokens each, made of whole bundles (see module doc)."""
        parent: dict[Node, Node] = {}

        def find(x: Node) -> Node:
            parent.setdefault(x, x)
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        def union(nodes: list[Node]) -> None:
            for other in nodes[1:]:
                ra, rb = find(nodes[0]), find(other)
                if ra != rb:
                    parent[rb] = ra

        sentence_items = {(a.label, n): _Item(a.line(n), [(a.label, n)])
                          for a in self.articles for n in range(1, len(a.sentences) + 1)}
        for node in sentence_items:
            find(node)
        for group in self.groups:
            union(group.nodes)
        for _, _, item in self.cands:
            union(item.nodes)
        bundles: dict[Node, list[_Item]] = {}
        for node, item in sentence_items.items():
            bundles.setdefault(find(node), []).append(item)
        for item in self.groups:
            bundles[find(item.nodes[0])].append(item)
        loose = []  # candidates with no sentence (page chrome only)
        for cand in self.cands:
            if cand[2].nodes:
                bundles[find(cand[2].nodes[0])].append(cand[2])
            else:
                loose.append(cand)
        for items in bundles.values():
            for item in items:
                item.tokens = count_tokens(item.line, self.model) + 1
        order = sorted(bundles.values(), key=lambda items: min(
            n / max(1, len(self.by_label[label].sentences)) for it in items for label, n in it.nodes))
        packed: list[list[_Item]] = [[]]
        used = 0
        for items in order:
            cost = sum(it.tokens for it in items)
            if cost > budget:  # one bundle alone exceeds a part: cut it (rare; it loses some side-by-side)
                for it in items:
                    if used + it.tokens > budget and packed[-1]:
                        packed.append([])
                        used = 0
                    packed[-1].append(it)
                    used += it.tokens
                continue
            if used + cost > budget and packed[-1]:
                packed.append([])
                used = 0
            packed[-1] += items
            used += cost
        cand_of = {id(item): (label, cid, item) for label, cid, item in self.cands}
        group_ids = {id(g) for g in self.groups}
        materials = []
        for k, items in enumerate(packed, 1):
            shown: dict[str, list[int]] = {}
            for it in items:
                if id(it) not in cand_of and id(it) not in group_ids:
                    label, n = it.nodes[0]
                    shown.setdefault(label, []).append(n)
            for numbers in shown.values():
                numbers.sort()
            groups = [it for it in items if id(it) in group_ids]
            cands = [cand_of[id(it)] for it in items if id(it) in cand_of] + (loose if k == 1 else [])
            materials.append(self.render(shown, groups, cands, k, len(packed)))
        return materials


def build_materials(sources: Sequence[Source], report: Any, candidates: list[Discrepancy], model: str,
                    budget_tokens: int | None = None) -> list[Material]:
    """The brief request(s)' data: one material when it fits `budget_tokens` (or no budget), else parts."""
    builder = _Builder(sources, report, candidates, model)
    whole = builder.whole()
    if budget_tokens is None or count_tokens(whole.text, model) <= budget_tokens:
        return [whole]
    return builder.parts(max(256, budget_tokens - 40 - 8 * len(sources)))  # part, section, article headers


def evidence_node(material: Material, evidence: Evidence) -> int | None:
    """The number of the sentence of `material` holding `evidence`, if any."""
    spans = material.sentences.get(evidence.source_id, [])
    i = bisect_right([s for s, _ in spans], evidence.start) - 1
    return i + 1 if i >= 0 and evidence.start < spans[i][1] else None
