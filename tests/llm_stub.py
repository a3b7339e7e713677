"""A scripted ModelBackend for LLM-mode tests: answers by prompt name, records every request.

Its answers are authored (written for the tests), not model output.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from reporter.config import Config
from reporter.ingest import source_from_text
from reporter.llm.protocol import ModelRequest, ModelResponse
from reporter.models import ArticleSummary, Quote, Source

ARTICLE = re.compile(r"<<<(ARTICLE-[0-9A-F]+)>>>(.*)\n<<<END \1>>>", re.DOTALL)
QUOTED = re.compile(r"“([^”]+)”")

TEXT_A = ("By Ann Lee\nWang Yi met Vladimir Putin in Moscow on Wednesday.\n"
          "Wang said “relations are not directed against any third country.”\n"
          "The talks lasted 3 hours.\n")
TEXT_B = ("Wang Yi held talks with Putin in Moscow on Tuesday.\n"
          "Wang said “ties are not aimed at third parties.”\n"
          "The talks lasted two hours.\n")


def sources() -> list[Source]:
    return [source_from_text(TEXT_A, path="a.txt", source_id="a"),
            source_from_text(TEXT_B, path="b.txt", source_id="b")]


def offline(srcs: list[Source]) -> list[ArticleSummary]:
    out = []
    for s in srcs:  # what the offline summary finds by code: verbatim metadata and quotes with offsets
        quotes = [Quote(text=m.group(1), speaker="Wang", start=m.start(1), end=m.end(1))
                  for m in QUOTED.finditer(s.text)]
        out.append(ArticleSummary(source_id=s.id, headline=f"headline {s.id}", lead="offline lead", quotes=quotes,
                                  method="extractive"))
    return out


def config(tmp_path, **kw: Any) -> Config:
    return Config(base_url="http://127.0.0.1:9/v1", cache_dir=tmp_path / "cache", **kw)


def article_of(request: ModelRequest) -> str:
    """The article (part) a summary request carries."""
    return ARTICLE.search(request.messages[1].content).group(2)[1:]  # after the newline


def summary_answer(request: ModelRequest) -> dict[str, Any]:
    """The article's first line as lead, and one point naming the source's first quotation."""
    text = article_of(request)
    quoted = QUOTED.findall(text)
    return {"lead": text.strip().splitlines()[0][:60], "key_points": [f"quotes: {q}" for q in quoted[:1]]}


def brief_answer(request: ModelRequest) -> dict[str, Any]:
    return {"event": "Wang Yi met Putin in Moscow", "consensus": [], "verdicts": [], "new_discrepancies": []}


class Stub:
    """Answers summary and brief requests with `answers[prompt_name](request)`."""

    def __init__(self, **answers: Callable[[ModelRequest], Any]) -> None:
        self.answers: dict[str, Callable[[ModelRequest], Any]] = {
            "summary": summary_answer, "brief": brief_answer, **answers}
        self.requests: list[ModelRequest] = []

    def complete(self, request: ModelRequest) -> ModelResponse:
        self.requests.append(request)
        answer = self.answers[request.prompt_name](request)
        if isinstance(answer, ModelResponse):
            return answer
        text = answer if isinstance(answer, str) else json.dumps(answer)
        return ModelResponse(text=text, model=request.model, input_tokens=100, output_tokens=20,
                             finish_reason="stop")

    def by_prompt(self, name: str) -> list[ModelRequest]:
        return [r for r in self.requests if r.prompt_name == name]
