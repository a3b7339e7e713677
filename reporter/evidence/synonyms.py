"""Legitimate alternatives: word pairs that different translations or edits use for the same thing.

Keys are the comparable forms of `wordalign.key_of` (lower case, stemmed), so 'renminbi'/'RMB' or
'US'/'America' count as agreement when two renderings are aligned word by word. Two sources, both offline:
a short list of news variants below, and `reporter/data/synonyms.txt`, pairs of common words sharing one of
their two most frequent WordNet 3.0 senses ('occupant'/'resident', 'aircraft'/'plane'), derived once by
`bench/build_synonyms.py` from the WordNet files bundled in a PyPI package and shipped inside reporter
(about 8,000 pairs, 110 kB), so nothing is downloaded at run time.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

_VARIANTS = (
    "us usa america american",
    "uk britain british",
    "rmb renminbi yuan",
    "covid coronavirus",
    "percent per cent %",
    "mr mister",
    "govern government",
)


def _table() -> dict[str, frozenset[str]]:
    from reporter.evidence.wordalign import key_of

    table: dict[str, set[str]] = {}
    wordnet = resources.files("reporter").joinpath("data/synonyms.txt").read_text("utf-8")
    for line in wordnet.splitlines():
        if line and not line.startswith("#"):
            a, b = line.split()
            table.setdefault(a, set()).add(b)
            table.setdefault(b, set()).add(a)
    for line in _VARIANTS:
        keys = {key_of(w) for w in line.split()}
        for k in keys:
            table.setdefault(k, set()).update(keys - {k})
    return {k: frozenset(v) for k, v in table.items()}


@lru_cache(maxsize=1)
def table() -> dict[str, frozenset[str]]:
    """Key -> keys of the same meaning."""
    return _table()


def same_meaning(a: str, b: str) -> bool:
    """Two word keys denote the same thing (identical, or listed as variants)."""
    return a == b or b in table().get(a, ())


def means_any(a: str, others: set[str] | frozenset[str]) -> bool:
    """`same_meaning(a, b)` for some b of `others` (one set operation, not one call per pair)."""
    return a in others or not table().get(a, frozenset()).isdisjoint(others)
