"""Stable discrepancy ids: derived from content, so a flag keeps its id across re-runs."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

from reporter.models import Evidence

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‟": '"', "‘": "'", "’": "'", "‚": "'", "‛": "'"})
_SPACE = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    """Fold case, unicode forms, quotation marks and white space: what 'the same words' means."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    if "  " in text or not text.isprintable():  # (printable text has no white space but single ' ': nothing to fold)
        text = _SPACE.sub(" ", text)
    return text.strip().casefold()


def discrepancy_id(kind: str, evidence: Iterable[Evidence]) -> str:
    """Id from the kind plus the normalised evidence texts and their sources, independent of order."""
    parts = sorted({f"{e.source_id}\x1f{normalise_text(e.text)}" for e in evidence})
    digest = hashlib.sha256("\x1e".join([kind, *parts]).encode("utf-8")).hexdigest()
    return f"{kind[:2]}-{digest[:10]}"
