"""An authored fake model for fault and security tests: well-behaved answers, and predicates to aim faults.

The answers are authored (written by hand in the model's output format), not model output. A summary
request names no source, so requests are told apart by their article delimiter, which derives from the
article's text (`reporter.llm.summarise.delimiter_for`): `register` teaches it a new article.
"""

from __future__ import annotations

import re
from pathlib import Path

from fake_openai import ChatCall

from reporter.llm.summarise import delimiter_for, without_chrome

SEED_FILES = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))
SEED_IDS = [p.stem for p in SEED_FILES]
ARTICLE = re.compile(r"<<<(ARTICLE-[0-9A-F]+)>>>[^\n]*\n(.*)\n<<<END \1>>>", re.DOTALL)
CANDIDATE = re.compile(r"^(C\d+) ", re.MULTILINE)
SOURCE_LABEL = re.compile(r"^\[(S\d+)\]", re.MULTILINE)
SENTENCE = re.compile(r"^(\d+) (.{40,})$", re.MULTILINE)
_BY_DELIMITER: dict[str, str] = {}


def register(text: str, source_id: str) -> None:
    """Let `source_of` recognise summary requests for this article text."""
    _BY_DELIMITER[delimiter_for(text)] = source_id
    _BY_DELIMITER[delimiter_for(without_chrome(text))] = source_id  # what a summary request carries


for _path in SEED_FILES:
    register(_path.read_text(encoding="utf-8"), _path.stem)


def first_user(call: ChatCall) -> str:
    """The first user message: the article (summary) or the material (brief), also on a re-ask."""
    users = [m for m in call.messages if m.get("role") == "user"]
    content = users[0].get("content") if users else ""
    return content if isinstance(content, str) else ""


def is_brief(call: ChatCall) -> bool:
    """A brief-step request (its material is delimited by MATERIAL-..., an article by ARTICLE-...)."""
    return "<<<MATERIAL-" in first_user(call)


def source_of(call: ChatCall) -> str | None:
    """Which source a summary request is about (None for the brief, "?" for an unknown article)."""
    if is_brief(call):
        return None
    match = ARTICLE.search(first_user(call))
    return _BY_DELIMITER.get(match.group(1), "?") if match else "?"


def authored_model(call: ChatCall) -> dict:
    """A well-behaved fake model: the article's first line as lead; confirms every candidate."""
    if is_brief(call):
        material = first_user(call)
        return {"event": "Wang Yi meets Putin in Moscow",
                "consensus": [{"text": "Wang Yi met Vladimir Putin.", "source_ids": SOURCE_LABEL.findall(material)}],
                "verdicts": [{"candidate_id": c, "verdict": "confirmed", "reason": "Checked."}
                             for c in CANDIDATE.findall(material)],
                "new_discrepancies": [
                    {"kind": "wording_variant", "severity": "low", "title": "Authored: passages differ",
                     "explanation": "Authored.", "suggestion": None, "confidence": 0.5,
                     "evidence": first_sentences(material)}
                ] if len(first_sentences(material)) == 2 else []}
    article = ARTICLE.search(first_user(call)).group(2)
    return {"lead": article.strip().splitlines()[0][:100], "key_points": ["Authored point."]}


def first_sentences(material: str) -> list[dict]:
    """Evidence from the first long numbered sentence of the first two sources shown in a brief request."""
    found = []
    articles = material.split("\nALIGNED\n")[0].split("\nCANDIDATES\n")[0]
    for block in re.split(r"^(?=\[S\d+\])", articles, flags=re.MULTILINE)[1:]:
        label = SOURCE_LABEL.match(block).group(1)
        if sentence := SENTENCE.search(block):
            found.append({"source_id": label, "sentence": int(sentence.group(1)), "text": sentence.group(2)[:40]})
        if len(found) == 2:
            break
    return found


def for_source(source_id: str):
    """Predicate: a summary request (first ask or re-ask) about `source_id`."""
    return lambda call: source_of(call) == source_id
