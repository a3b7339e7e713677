"""An authored fake model for fault and security tests: well-behaved answers, and predicates to aim faults.

The answers are authored (written by hand in the model's output format), not model output.
"""

from __future__ import annotations

import re
from pathlib import Path

from fake_openai import ChatCall

SEED_FILES = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))
ARTICLE = re.compile(r"<<<(ARTICLE-[0-9A-F]+)>>>\n(.*)\n<<<END \1>>>", re.DOTALL)
SOURCE_LINE = re.compile(r"^Source (\S+)", re.MULTILINE)
SEED_IDS = [p.stem for p in SEED_FILES]


def first_user(call: ChatCall) -> str:
    """The first user message: the article (summary) or the material (brief), also on a re-ask."""
    users = [m for m in call.messages if m.get("role") == "user"]
    content = users[0].get("content") if users else ""
    return content if isinstance(content, str) else ""


def source_of(call: ChatCall) -> str | None:
    """Which source a summary request is about (None for the brief)."""
    if call.json_schema is not None and "verdicts" in call.json_schema.get("properties", {}):
        return None
    match = SOURCE_LINE.search(first_user(call))
    return match.group(1) if match else None


def authored_model(call: ChatCall) -> dict:
    """A well-behaved fake model: quotes the article's real quotations; confirms every candidate."""
    if source_of(call) is None:
        material = first_user(call)
        return {"event": "Wang Yi meets Putin in Moscow", "consensus": [],
                "verdicts": [{"candidate_id": c, "verdict": "confirmed", "reason": "Checked.", "suggestion": None}
                             for c in re.findall(r"^\[([a-z]{2}-[0-9a-f]{10})\] ", material, re.MULTILINE)],
                "new_discrepancies": []}
    article = ARTICLE.search(first_user(call)).group(2)
    quotes = [{"text": q, "speaker": ""} for q in re.findall(r"“([^”]{12,})”", article)[:3]]
    return {"lead": article.strip().splitlines()[0][:100], "key_points": ["Authored point."], "quotes": quotes,
            "figures": []}


def for_source(source_id: str):
    """Predicate: a summary request (first ask or re-ask) about `source_id`."""
    return lambda call: source_of(call) == source_id
