"""Per-article LLM summaries: split to fit the window, ask for the lead and key points, validate.

The model writes only what needs a model: the lead and the key points. Headline, outlet, byline, date,
direct quotes with speakers and figures are verbatim facts the offline summary already found in the
text with exact offsets; they are kept from it, so no model-typed quote can enter a summary.

Delimiters: the issue asks for per-run random delimiters around each article, so an article cannot
close its own block and smuggle text out as instructions. A random value would change every request
and so defeat the cache and cassette replay, which match requests byte for byte. We use instead
`ARTICLE-<first 16 hex of sha256(text)>`: an article cannot contain the hash of its own text (it
would have to predict a digest of itself), so it still cannot forge the closing line, and the same
article always gets the same request.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable

from reporter import chrome
from reporter.errors import CassetteMiss, ModelError, ModelOutputInvalid
from reporter.ground import Grounder
from reporter.llm.prompts import load_prompt
from reporter.llm.schemas import SummaryOutput, json_schema_for
from reporter.llm.structured import StructuredCaller
from reporter.models import ArticleSummary, GroundingRemoval, Problem, Source
from reporter.tokens import count_tokens, within

MAX_KEY_POINTS = 8
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
# A quotation in the model's prose: double or guillemet quotes (single quotes are apostrophes too often).
_QUOTATION = re.compile(r'[“„«"]([^“”„«»"\n]{3,}?)[”“»"]')


def delimiter_for(text: str) -> str:
    """The article's delimiter: unforgeable by the article, identical on every run (see module doc)."""
    return "ARTICLE-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16].upper()


def summary_values(source_id: str, text: str, part: int = 1, parts: int = 1) -> dict[str, str]:
    """The summary prompt's variables for one article or one part of it."""
    note = f" (part {part} of {parts}; summarise only this part)" if parts > 1 else ""
    return {"delimiter": delimiter_for(text), "source_id": source_id, "part": note, "article": text}


def summary_text(source: Source) -> str:
    """What a summary request carries: the article without its page chrome (see `without_chrome`)."""
    return without_chrome(source.text)


def without_chrome(text: str) -> str:
    """The text without the page chrome the engine finds line by line (share lines, credits, lists of
    other stories): it is not the story, and the summary step would pay for it. Cheap (no parse), so the
    summary requests can still leave before the analysis."""
    junk = chrome.merge_spans(chrome.find_chrome(text, chrome.line_spans(text)), text)
    if not junk:
        return text
    kept, cursor = [], 0
    for start, end, _ in junk:
        kept.append(text[cursor:start])
        cursor = end
    kept.append(text[cursor:])
    stripped = re.sub(r"\n{3,}", "\n\n", "".join(kept)).strip()
    return stripped + "\n" if stripped else text


def split_text(text: str, max_tokens: int, model: str) -> list[str]:
    """Consecutive pieces of `text` of at most `max_tokens` each, cut at paragraphs, then sentences."""
    if within(text, max_tokens, model):
        return [text]
    units: list[str] = []
    for para in text.splitlines(keepends=True):
        if count_tokens(para, model) <= max_tokens:
            units.append(para)
            continue
        for sentence in _SENTENCE_END.split(para):
            words = sentence.split(" ")
            while words:  # a "sentence" longer than the window: cut by words
                take = len(words)
                while take > 1 and count_tokens(" ".join(words[:take]), model) > max_tokens:
                    take = max(1, take * 3 // 4)
                units.append(" ".join(words[:take]) + " ")
                words = words[take:]
    pieces: list[str] = []
    current = ""
    for unit in units:
        if current and count_tokens(current + unit, model) > max_tokens:
            pieces.append(current)
            current = ""
        current += unit
    if current.strip():
        pieces.append(current)
    return pieces


def part_budget(window_tokens: int, model: str, count: Callable[[str, str], int] = count_tokens) -> int:
    """Article tokens one summary request may carry: the window less the prompt and the answer.

    With `count` = UTF-8 length (a token is at least one byte) it is a lower bound, found without the tokenizer.
    """
    messages = load_prompt("summary").render(**summary_values("x" * 20, ""), schema_note="")
    # 4 tokens of chat framing per message (as `request_tokens` counts them), and room for the part note
    # ("(part 2 of 9; ...)") and for tokens merging differently where the article meets the template.
    overhead = sum(count(m.content, model) + 4 for m in messages) + 32
    schema = count(json.dumps(json_schema_for(SummaryOutput)), model)  # sent in json mode too
    reserve = min(4096, window_tokens // 4)  # room for the answer
    return max(64, window_tokens - reserve - overhead - schema)


def article_pieces(text: str, window_tokens: int, model: str) -> list[str]:
    """The article whole when it surely fits one request (counted in bytes, no tokenizer), else `split_text`."""
    if len(text.encode("utf-8")) <= part_budget(window_tokens, model, _utf8_length):
        return [text]
    return split_text(text, part_budget(window_tokens, model), model)


def _utf8_length(text: str, _model: str) -> int:
    return len(text.encode("utf-8"))


def _merge(parts: list[SummaryOutput]) -> SummaryOutput:
    """One summary from the summaries of consecutive parts: the first lead, the points in order."""
    points: list[str] = []
    for p in parts:
        points += [k for k in p.key_points if k not in points]
    lead = next((p.lead for p in parts if p.lead.strip()), "")
    return SummaryOutput(lead=lead, key_points=points[:MAX_KEY_POINTS])


def request_summary(caller: StructuredCaller, source: Source, window_tokens: int) -> list[SummaryOutput]:
    """The model's summaries of the article's parts; needs only the text, so it may run before the analysis."""
    prompt = load_prompt("summary")
    pieces = article_pieces(summary_text(source), window_tokens, caller.model)
    return [caller.ask(prompt, summary_values(source.id, piece, n, len(pieces)), SummaryOutput, source.id)[0]
            for n, piece in enumerate(pieces, 1)]


def _quotations(text: str) -> list[str]:
    """Quoted spans of two words or more (a quoted single word is usually a term, not a quotation)."""
    return [q.strip() for q in _QUOTATION.findall(text) if len(q.split()) >= 2]


def ground_summary(source: Source, lead: str, key_points: list[str]
                   ) -> tuple[str, list[str], list[GroundingRemoval]]:
    """The lead and key points without any quotation that is not verbatim in the article.

    A key point quoting words the article does not contain is removed whole; in the lead, the sentence
    holding such a quotation is. Each removal is listed like removed evidence.
    """
    grounder = Grounder({source.id: source})
    removed: list[GroundingRemoval] = []

    def invented(text: str) -> list[str]:
        return [q for q in _quotations(text) if grounder.locate(source.id, q) is None]

    def keep_grounded(parts: list[str], where: str) -> list[str]:
        kept = []
        for part in parts:
            bad = invented(part)
            removed.extend(GroundingRemoval(source_id=source.id, text=q,
                                            discrepancy_title=f"summary of {source.id}: {where}") for q in bad)
            if not bad:
                kept.append(part)
        return kept

    kept_points = keep_grounded(list(key_points), "key point")
    sentences = keep_grounded(_SENTENCE_END.split(lead), "lead")
    return " ".join(sentences).strip(), kept_points, removed


def finish_summary(source: Source, offline: ArticleSummary, outputs: list[SummaryOutput] | ModelError
                   ) -> tuple[ArticleSummary, list[Problem], list[GroundingRemoval]]:
    """The article's summary from the model's outputs, its invented quotations removed (and listed);
    on a model failure the offline summary, marked."""
    if isinstance(outputs, CassetteMiss):
        raise outputs  # replay is strict: the run fails, naming the prompt and source
    if isinstance(outputs, ModelError):
        status = "model output invalid" if isinstance(outputs, ModelOutputInvalid) else "failed"
        problem = Problem(path=source.path, source_id=source.id, step="summarise", message=str(outputs))
        kept = offline.model_copy(update={"status": status, "error": str(outputs)})
        return kept, [problem], []
    merged = _merge(outputs)
    lead, points, removed = ground_summary(source, merged.lead.strip(), merged.key_points)
    summary = offline.model_copy(update={"lead": lead or offline.lead, "key_points": points, "method": "llm"})
    return summary, [], removed


def summarise_source(caller: StructuredCaller, source: Source, offline: ArticleSummary,
                     window_tokens: int) -> tuple[ArticleSummary, list[Problem], list[GroundingRemoval]]:
    """Summarise one article (in parts if it is too long); on failure keep the offline summary, marked."""
    try:
        outputs: list[SummaryOutput] | ModelError = request_summary(caller, source, window_tokens)
    except ModelError as exc:
        outputs = exc
    return finish_summary(source, offline, outputs)
