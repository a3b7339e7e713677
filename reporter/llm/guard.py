"""Model output is untrusted text: bound its size per field, and catch text that tries to steer the editor.

`clip_fields` keeps at most `MAX_FIELD_CHARS` characters of every string of a validated answer (a 2 MB
"lead" would otherwise become an 8 MB briefing). `reads_like_instruction` recognises model text that
addresses the reader or a model instead of reporting the news: the prompt-injection phrases of
`reporter.suspicious`, plus verdicts about the briefing itself ("no discrepancies", "ignore any flags",
"all sources agree completely"). The pipeline never uses such text as the page title or as a consensus
point; it lists it as a problem, marked as model text.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from pydantic import BaseModel

from reporter.suspicious import _PATTERNS as INJECTION_PATTERNS

MAX_FIELD_CHARS = 4_000
CUT_MARK = "… [cut by reporter]"
M = TypeVar("M", bound=BaseModel)

_VERDICT_PATTERNS = (
    # A verdict on the briefing or its flags, which only the evidence and the editor may give.
    r"\bno\s+(?:discrepanc\w*|flags?|conflicts?|contradictions?|errors?|issues?)\b",
    r"\b(?:ignore|disregard|dismiss|skip|hide|remove|delete)\b[^.\n]{0,40}?\b(?:flags?|discrepanc\w*|warnings?|"
    r"evidence|conflicts?|problems?)\b",
    r"\ball\s+(?:the\s+|of\s+the\s+)?sources?\s+(?:fully\s+|completely\s+|entirely\s+)?agree\s*(?:completely|fully|"
    r"entirely|on\s+everything|perfectly)",
    r"\b(?:the\s+)?(?:editor|reader|user)s?\s+(?:should|must|need\s+to|can\s+safely)\b",
    r"\b(?:do\s+not|don't|never|no\s+need\s+to)\s+(?:check|verify|review|read|question)\b",
    r"\bnothing\s+(?:to\s+(?:check|review|flag)|is\s+wrong)\b",
)
_INSTRUCTION = re.compile("|".join(f"(?:{p})" for p in (*INJECTION_PATTERNS, *_VERDICT_PATTERNS)),
                          re.IGNORECASE | re.MULTILINE)


def reads_like_instruction(text: str | None) -> bool:
    """True when model text addresses a reader or a model, or passes a verdict on the briefing itself."""
    return bool(text) and _INSTRUCTION.search(text) is not None


def clip_text(text: str, limit: int = MAX_FIELD_CHARS) -> str:
    """At most `limit` characters of `text`, marked when cut."""
    return text if len(text) <= limit else text[:limit] + CUT_MARK


def clip_fields(model: M, limit: int = MAX_FIELD_CHARS) -> M:
    """A copy of a validated answer with every string (nested ones too) at most `limit` characters long."""
    def clip(value: Any) -> Any:
        if isinstance(value, str):
            return clip_text(value, limit)
        if isinstance(value, list):
            return [clip(v) for v in value]
        if isinstance(value, dict):
            return {k: clip(v) for k, v in value.items()}
        if isinstance(value, BaseModel):
            return clip_fields(value, limit)
        return value

    updates = {name: clip(getattr(model, name)) for name in type(model).model_fields}
    changed = {k: v for k, v in updates.items() if v is not getattr(model, k) and v != getattr(model, k)}
    return model.model_copy(update=changed) if changed else model
