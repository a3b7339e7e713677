"""What the model must answer, as pydantic models: the JSON schema it is given and what validates it.

Every field is required (nullable where it may be absent) and unknown fields are forbidden, which is
what OpenAI's strict structured output demands. The model never gives offsets: code finds its quoted
text in the sources (`reporter.ground`). The schemas sent are stripped of titles and descriptions
(the prompts explain the fields), because every request pays for them in tokens.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from reporter.models import DiscrepancyKind, Severity


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SummaryOutput(_Out):
    """The model's summary of one article (or one part of a long article).

    Only the abstractive part is asked for. Headline, outlet, byline, date, quotes and figures are
    verbatim things: code finds them in the text (the offline summary), with exact offsets, for free.
    """

    lead: str = Field(description="The news in one sentence.")
    key_points: list[str] = Field(description="Main points, most important first, at most 5.")


class EvidenceOut(_Out):
    """A passage the model cites: copied character for character from one source."""

    source_id: str = Field(description="Label of the source the text is copied from (S1, S2, ...).")
    text: str = Field(description="Exact excerpt from that source, copied character for character.")


class ConsensusOut(_Out):
    """A point several sources agree on."""

    text: str = Field(description="The point, in one sentence.")
    source_ids: list[str] = Field(description="Labels of the sources that support it.")


class VerdictOut(_Out):
    """The model's judgement of one candidate discrepancy."""

    candidate_id: str = Field(description="Label of the candidate judged (C1, C2, ...).")
    verdict: Literal["confirmed", "rejected"] = Field(description="Whether it is a real discrepancy.")
    reason: str = Field(description="Why, in one or two sentences.")


class NewDiscrepancyOut(_Out):
    """A discrepancy the candidates missed."""

    kind: DiscrepancyKind = Field(description="What sort of problem it is.")
    severity: Severity = Field(description="How much it may matter to a reader.")
    title: str = Field(description="One line naming the problem.")
    explanation: str = Field(description="Why it is a problem.")
    suggestion: str | None = Field(description="Proposed correction, or null.")
    confidence: float = Field(description="How sure you are, 0 to 1.")
    evidence: list[EvidenceOut] = Field(description="Exact excerpts from every source involved.")


class BriefOutput(_Out):
    """The model's cross-source brief."""

    event: str = Field(description="The event in one line.")
    consensus: list[ConsensusOut] = Field(description="What the sources agree on.")
    verdicts: list[VerdictOut] = Field(description="One verdict per candidate.")
    new_discrepancies: list[NewDiscrepancyOut] = Field(description="Discrepancies the candidates missed.")


def _lean(node: Any, defs: dict[str, Any]) -> Any:
    """The schema inlined, without titles and descriptions: the prompt explains the fields; tokens cost."""
    if isinstance(node, list):
        return [_lean(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:  # our output schemas are not recursive, so inlining terminates
        return _lean(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
    lean = {k: _lean(v, defs) for k, v in node.items() if k not in ("title", "description", "$defs")}
    if isinstance(node.get("properties"), dict):  # property names are data, not keywords: keep them all
        lean["properties"] = {name: _lean(sub, defs) for name, sub in node["properties"].items()}
    if lean.get("type") == "object":
        lean["required"] = list(lean.get("properties", {}))
        lean["additionalProperties"] = False
    return lean


@cache
def _schema(model: type[BaseModel]) -> str:
    schema = model.model_json_schema()
    return json.dumps(_lean(schema, schema.get("$defs", {})))


def json_schema_for(model: type[BaseModel]) -> dict[str, Any]:
    """The JSON schema sent to the model: every property required, no extras (OpenAI strict mode)."""
    return json.loads(_schema(model))
