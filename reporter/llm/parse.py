"""Tolerant reading of a model's answer: the first JSON value in it that validates against the schema.

Real models wrap their JSON. Reasoning distills served without a reasoning parser put `<think>…</think>`
(sometimes only the closing tag: the chat template opened it) before the answer; chatty models add prose
and Markdown fences around it, even in json mode; tool-calling servers put it in the arguments. So the
answer is read in stages, each a fallback of the one before:

1. reasoning blocks are removed (everything up to the last `</think>`);
2. every JSON object or array in what is left is tried in order with a strict decoder, and the first one
   the pydantic schema accepts wins (prose and fences around it do not matter);
3. failing that, `json_repair` (a maintained lenient-JSON parser, the one instructor-style tools use for
   LLM output) reads the candidate text: it fixes trailing commas, single quotes, unquoted keys, comments
   and unterminated strings or brackets, which hand-written regexes get wrong on nested text.

Only the validation errors of the best candidate are reported, so the re-ask can say what was wrong.
"""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

T = TypeVar("T", bound=BaseModel)
_THINK_CLOSE = re.compile(r"</(think|thinking|reasoning)>", re.IGNORECASE)
_THINK_BLOCK = re.compile(r"<(think|thinking|reasoning)>.*?(</\1>|\Z)", re.IGNORECASE | re.DOTALL)
_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)
MAX_CANDIDATES = 50  # JSON openings tried in one answer; a pathological answer cannot cost more


def strip_reasoning(text: str) -> str:
    """The answer without reasoning blocks; an unmatched `</think>` drops everything before it."""
    text = _THINK_BLOCK.sub("", text)  # whole blocks first
    closes = list(_THINK_CLOSE.finditer(text))
    if closes:  # a closing tag left over: the chat template opened the block, so all before it is reasoning
        text = text[closes[-1].end():]
    return text.strip()


def _json_values(text: str) -> list[Any]:
    """Every JSON object or array that starts somewhere in `text`, in order (outermost first)."""
    decoder = json.JSONDecoder()
    found: list[Any] = []
    pos = 0
    tried = 0
    while tried < MAX_CANDIDATES:
        starts = [i for i in (text.find("{", pos), text.find("[", pos)) if i >= 0]
        if not starts:
            break
        start = min(starts)
        tried += 1
        try:
            value, end = decoder.raw_decode(text, start)
        except ValueError:
            pos = start + 1
            continue
        found.append(value)
        pos = end
    return found


def _repaired(text: str) -> Any:
    """`json_repair`'s reading of the text (None when it finds nothing usable)."""
    from json_repair import repair_json  # imported on first use: most answers parse strictly

    fenced = _FENCE.search(text)
    body = fenced.group(1) if fenced else text
    start = min((i for i in (body.find("{"), body.find("[")) if i >= 0), default=-1)
    if start < 0:
        return None
    try:
        value = repair_json(body[start:], return_objects=True)
    except Exception:  # noqa: BLE001 - a repair failure is just "no candidate"
        return None
    return value if isinstance(value, dict | list) and value else None


def _errors(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}"
                     for err in exc.errors()[:10])


def parse_output(text: str, schema: type[T]) -> T | str:
    """The first JSON value in `text` that `schema` accepts, or a description of what is wrong."""
    answer = strip_reasoning(text)
    candidates = _json_values(answer)
    # A model may wrap the object in a one-key envelope ({"SummaryOutput": {...}}) or a one-item list.
    expanded: list[Any] = []
    for value in candidates:
        expanded.append(value)
        if isinstance(value, dict) and len(value) == 1:
            expanded.append(next(iter(value.values())))
        if isinstance(value, list) and len(value) == 1:
            expanded.append(value[0])
    first_error: str | None = None
    for value in expanded:
        try:
            return schema.model_validate(value)
        except ValidationError as exc:
            first_error = first_error or _errors(exc)
    repaired = _repaired(answer)
    if repaired is not None:
        try:
            return schema.model_validate(repaired)
        except ValidationError as exc:
            first_error = first_error or _errors(exc)
    if first_error:
        return first_error
    if not answer.strip():
        return "the answer was empty" + (" after the reasoning block" if answer != text.strip() else "")
    return "the answer holds no JSON object"
