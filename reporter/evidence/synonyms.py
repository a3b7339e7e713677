"""Legitimate alternatives: word pairs that different translations or edits use for the same thing.

Keys are the comparable forms of `wordalign.key_of` (lower case, stemmed), so 'renminbi'/'RMB' or
'US'/'America' count as agreement when two renderings are aligned word by word.
"""

from __future__ import annotations

from functools import lru_cache

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
