"""Proper names in an article: capitalised runs classified as person, place or organisation, with person
aliases ('Wang' -> 'Wang Yi') and names run together ('Wang Nikolai Patrushev')."""

from __future__ import annotations

import re

from reporter.evidence.document import NameSpan, Sentence
from reporter.evidence.lexicon import (
    DEMONYMS,
    MONTHS,
    ORG_WORDS,
    PLACE_WORDS,
    SENTENCE_ADVERBS,
    STOPWORDS,
    TITLE_WORDS,
    WEEKDAYS,
    zipf,
)

# A title after a portfolio, state or party: 'Energy Minister Priya Nair', 'Ohio Rep. Tim Ryan',
# 'California Democratic Rep. Nancy Pelosi', 'House Speaker Paul Ryan'.
# 'Senate Minority Leader Chuck Schumer', 'Nebraska Attorney General Jon Bruning', 'AARP CEO A. Barry Rand'.
_ROLE_TITLES = frozenset({"minister", "secretary", "president", "chancellor", "spokesman", "spokeswoman", "governor",
                          "rep", "sen", "gov", "representative", "senator", "congressman", "congresswoman",
                          "speaker", "leader", "whip", "chairman", "chairwoman", "chair", "director", "general",
                          "commissioner", "mayor", "ambassador", "justice", "judge", "attorney", "adviser",
                          "advisor", "chief", "executive", "ceo", "spokesperson", "envoy", "premier", "sheriff"})
_NAME_TOKEN = r"(?:(?:[A-Z]\.){2,}|[A-Z][\w’'\-]*\.?)"  # initials as one token: 'U.S. Attorney’s Office
_NAME_RUN = re.compile(rf"{_NAME_TOKEN}(?:\s(?:of\s)?{_NAME_TOKEN})*")
_NON_SPACE = re.compile(r"\S+")
_LAST_WORD = re.compile(r"([\w’']+)\W*$")
_CALENDAR = frozenset(m.lower() for m in (MONTHS + "|" + WEEKDAYS).split("|"))


class NameFinder:
    """Capitalised runs classified as person/place/org, with person aliases."""

    def __init__(self, text: str, sentences: list[Sentence]) -> None:
        self.text = text
        self.lower_words = {w for w in re.findall(r"\b[a-z]+\b", text)}
        self.runs: list[tuple[int, int, list[str], str]] = []  # start, end, tokens, prev word
        self.title_case: set[int] = set()  # run starts in headlines or Title Case lines: no fused-name guess
        for sent in sentences:
            words = sent.text.split()
            title_case = sent.role == "headline" or sum(map(str.isupper, [w[:1] for w in words])) > 0.6 * len(words)
            for m in _NAME_RUN.finditer(text, sent.start, sent.end):
                before = len(self.runs)
                self._add_run(sent, m.start(), m.group())
                if title_case:
                    self.title_case.update(r[0] for r in self.runs[before:])
        self.persons: dict[str, str] = {}
        self.fused: list[tuple[int, int]] = []

    def _add_run(self, sent: Sentence, start: int, run: str) -> None:
        toks = [(t.start() + start, t.group()) for t in _NON_SPACE.finditer(run)]
        # drop calendar words and a sentence-initial ordinary word ("However", "The")
        while toks:
            pos, tok = toks[0]
            low = tok.lower().rstrip(".")
            first = pos == sent.start or self.text[sent.start : pos].strip(' “"‘(') == ""
            if low in _CALENDAR or low == "of" or (first and (low in STOPWORDS or low in self.lower_words
                                                              or low in SENTENCE_ADVERBS)):
                toks.pop(0)
            else:
                break
        # split at calendar words inside the run
        group: list[tuple[int, str]] = []
        for pos, tok in [*toks, (-1, "")]:
            if pos == -1 or tok.lower().rstrip(".") in _CALENDAR:
                while group and group[-1][1].lower() == "of":
                    group.pop()
                if group:
                    s = group[0][0]
                    last_pos, last_tok = group[-1]
                    e = last_pos + len(last_tok.rstrip(".,"))
                    if last_tok.endswith(("’s", "'s")):
                        e -= 2
                    prev = _LAST_WORD.findall(self.text[max(0, s - 40) : s])
                    self.runs.append((s, e, [t for _, t in group], prev[0].lower() if prev else ""))
                group = []
            else:
                group.append((pos, tok))

    def classify(self) -> list[NameSpan]:
        """Two passes: find titled/full person names, then resolve single surnames and fused names."""
        spans: list[NameSpan] = []
        pending: list[tuple[int, int, str, str]] = []
        unfusable: set[str] = set()
        for s, e, toks, prev in self.runs:
            run_start = s
            words = [t.rstrip(".,").replace("’s", "").replace("'s", "") for t in toks]
            i = 0
            titled = prev in TITLE_WORDS
            while i < len(words) - 1 and (
                words[i].lower() in TITLE_WORDS
                or words[i].lower() in DEMONYMS
                or words[i] == "of"
                or toks[i].endswith(("’s", "'s"))
            ):
                titled = titled or words[i].lower() in TITLE_WORDS
                i += 1
            # a portfolio before the title: 'Energy Minister Priya Nair', 'Health Secretary Ann Lee'
            last_title = max((k for k in range(len(words) - 2) if words[k].lower() in _ROLE_TITLES), default=-1)
            if last_title >= i:
                titled, i = True, last_title + 1
            if i:
                s = self.text.index(toks[i], s)
                words = words[i:]
            if titled and "of" in words[1:]:  # 'Rep. Ruben Gallego of Arizona': the name ends before 'of'
                words = words[: words.index("of", 1)]
                e = self.text.index(" of ", s) if " of " in self.text[s:e] else e
            name = self.text[s:e]
            # a title introduces one person ('Capt. Mohammad Nasir Askarzada'), and a middle initial sits
            # inside one name ('Paul D. Ryan'): neither is two names run together
            if run_start in self.title_case or titled or (len(words) > 2 and re.fullmatch(r"[A-Z]", words[1])):
                unfusable.add(name)
            low = [w.lower() for w in words]
            if any(w in ORG_WORDS for w in low):
                spans.append(NameSpan(s, e, name, "org"))
            elif all(w in PLACE_WORDS or w in DEMONYMS for w in low) or low[-1] in PLACE_WORDS:
                spans.append(NameSpan(s, e, name, "place"))
            elif titled or (2 <= len(words) <= 3 and zipf(low[-1]) < 4.2 and not any(w in DEMONYMS for w in low)):
                pending.append((s, e, name, "person"))
            else:
                pending.append((s, e, name, "unknown"))
        full_names = {n for _, _, n, k in pending if k == "person" and " " in n}
        short = {n for n in full_names if len(n.split()) == 2}
        short_alias = {part for n in short for part in (n.split()[0], n.split()[-1])}
        # 'Wang Nikolai Patrushev': a known person's alias fused with another full name
        fused_names = {
            n
            for n in full_names
            if len(n.split()) >= 3
            and n.split()[0] in short_alias
            and all(w[:1].isupper() for w in n.split())  # 'Schumer of New York' is a name and a place
            and "’s" not in n
            and "'s" not in n
            and n not in unfusable
            and not any(p in n.split()[1:] for f in short if n.split()[0] in f.split() for p in f.split())
        }
        full_names = (full_names - fused_names) | {" ".join(n.split()[1:]) for n in fused_names}
        alias_count: dict[str, set[str]] = {}
        for full in full_names:
            for part in (full.split()[0], full.split()[-1]):
                alias_count.setdefault(part, set()).add(full)
        for alias, fulls in alias_count.items():
            if len(fulls) == 1:
                self.persons[alias] = next(iter(fulls))
        for full in full_names:
            self.persons.setdefault(full, full)
        for s, e, name, kind in pending:
            parts = name.split()
            if name in fused_names:
                cut = s + len(parts[0])
                self.fused.append((s, e))
                spans.append(NameSpan(s, cut, parts[0], "person", self.persons.get(parts[0])))
                rs = self.text.index(parts[1], cut)
                rest = " ".join(parts[1:])
                spans.append(NameSpan(rs, e, self.text[rs:e], "person", self.persons.get(rest, rest)))
                continue
            full = self.persons.get(name) or (self.persons.get(parts[-1]) if kind == "person" else None)
            if kind == "unknown" and name in self.persons:
                kind = "person"
            spans.append(
                NameSpan(s, e, name, kind if not full else "person", full if kind == "person" or full else None)
            )
        return sorted(spans, key=lambda n: n.start)
