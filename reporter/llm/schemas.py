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

from pydantic import BaseModel, ConfigDict, Field, field_validator

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
    """A passage the model cites: copied character for character from one sentence of one source."""

    source_id: str = Field(description="Label of the source the text is copied from (S1, S2, ...).")
    # optional when validating: a model that leaves it out is still grounded, only less precisely
    sentence: int | None = Field(default=None, description="Number of the sentence the text is copied from.")
    text: str = Field(description="Exact excerpt from that sentence, copied character for character.")


class ConsensusOut(_Out):
    """A point several sources agree on."""

    text: str = Field(description="The point, in one sentence.")
    source_ids: list[str] = Field(description="Labels of the sources that support it.")


class VerdictOut(_Out):
    """The model's judgement of one candidate discrepancy: the reason first, then the verdict."""

    candidate_id: str = Field(description="Label of the candidate judged (C1, C2, ...).")
    reason: str = Field(description="Why, in one or two sentences, written before deciding.")
    verdict: Literal["confirmed", "rejected"] = Field(description="Whether it is a real discrepancy.")


def _unit_confidence(value: Any) -> Any:
    """Confidence is 0-1; a whole number from 2 to 100 is read as a percentage (85 -> 0.85).

    Anything else out of range (1.7, -0.2, 250) is an error the model is asked to fix: clamping would
    turn a model that misread the scale into a maximally confident one.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if 0 <= value <= 1:
        return value
    if 2 <= value <= 100 and float(value).is_integer():
        return value / 100
    raise ValueError(f"confidence must be a number from 0 to 1 (e.g. 0.85), got {value}")


class NewDiscrepancyOut(_Out):
    """A discrepancy the candidates missed: evidence and reasoning first, then the judgement."""

    evidence: list[EvidenceOut] = Field(description="Exact excerpts from every source involved.")
    explanation: str = Field(description="Why it is a problem.")
    kind: DiscrepancyKind = Field(description="What sort of problem it is.")
    severity: Severity = Field(description="How much it may matter to a reader.")
    confidence: float = Field(description="How sure you are, 0 to 1.")
    title: str = Field(description="One line naming the problem.")
    suggestion: str | None = Field(description="Proposed correction, or null.")

    _scale = field_validator("confidence", mode="before")(_unit_confidence)


class BriefOutput(_Out):
    """The model's cross-source brief."""

    event: str = Field(description="The event in one line.")
    verdicts: list[VerdictOut] = Field(description="One verdict per candidate.")
    new_discrepancies: list[NewDiscrepancyOut] = Field(description="Discrepancies the candidates missed.")
    consensus: list[ConsensusOut] = Field(description="What the sources agree on.")


class RequoteOut(_Out):
    """The exact words of a cited sentence that a failed quote stands for."""

    id: str = Field(description="Label of the failed quote (Q1, Q2, ...).")
    text: str | None = Field(description="The words copied exactly from its sentence, or null.")


class RequoteOutput(_Out):
    """The answer to the re-ask about quotes that were not found verbatim."""

    quotes: list[RequoteOut] = Field(description="One entry per failed quote.")


def _lean(node: Any, defs: dict[str, Any]) -> Any:
    """The schema inlined, without titles and descriptions: the prompt explains the fields; tokens cost."""
    if isinstance(node, list):
        return [_lean(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:  # our output schemas are not recursive, so inlining terminates
        return _lean(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
    lean = {k: _lean(v, defs) for k, v in node.items() if k not in ("title", "description", "$defs", "default")}
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
