"""The data model: the contract between every pipeline stage and the JSON output (`brief.json`).

Every model forbids unknown fields and describes each field, so the JSON schema handed to a model
(LLM mode) and the one documented for users are the same thing.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1"

DiscrepancyKind = Literal[
    "wording_variant",
    "factual_conflict",
    "attribution_conflict",
    "garbled_text",
    "spelling",
    "boilerplate",
]
Severity = Literal["low", "medium", "high"]
Origin = Literal["evidence", "llm", "both"]
RunMode = Literal["offline", "llm", "replay"]
ReviewStatus = Literal["open", "confirmed", "dismissed", "needs-check"]

SEVERITY_RANK: dict[str, int] = {"high": 0, "medium": 1, "low": 2}


class Strict(BaseModel):
    """Base for every model: unknown fields are an error, not silently kept."""

    model_config = ConfigDict(extra="forbid")


class Source(Strict):
    """One input article, exactly as decoded; every offset anywhere refers to `text`."""

    id: str = Field(description="Stable id of the source, derived from its file name.")
    path: str = Field(description="The input file's path as given on the command line or found in a folder.")
    format: Literal["txt", "md", "html", "json"] = Field(description="Input format the text was read from.")
    encoding: str = Field(description="Encoding the bytes were decoded with (utf-8, utf-8-sig, cp1252).")
    title: str | None = Field(default=None, description="Headline as found in the article, if any.")
    outlet: str | None = Field(default=None, description="Publishing outlet as found in the article or metadata.")
    byline: str | None = Field(default=None, description="Author line as found in the article, if any.")
    published: str | None = Field(default=None, description="Publication date as found, verbatim, if any.")
    url: str | None = Field(default=None, description="Original URL from metadata, if any.")
    words: int = Field(description="Number of words in the text.")
    sha256: str = Field(description="sha256 of the decoded text, used to recognise duplicates.")
    text: str = Field(description="The article text exactly as decoded (HTML: the extracted main text).")
    notes: list[str] = Field(default_factory=list, description="Ingest remarks, e.g. an encoding fallback.")


class Quote(Strict):
    """A direct quote inside one article."""

    text: str = Field(description="The quoted words, verbatim, without the quotation marks.")
    speaker: str | None = Field(default=None, description="Who the article says spoke these words, if stated.")
    start: int = Field(description="Offset of the quote's first character in the source text.")
    end: int = Field(description="Offset just past the quote's last character in the source text.")


class Figure(Strict):
    """A number that matters (money, percentage, count, date) and what it measures."""

    text: str = Field(description="The figure verbatim, e.g. 'US$200 billion'.")
    measures: str = Field(description="What the figure measures, e.g. the sentence or phrase around it.")
    start: int = Field(description="Offset of the figure in the source text.")
    end: int = Field(description="Offset just past the figure in the source text.")


class ArticleSummary(Strict):
    """Structured summary of one article."""

    source_id: str = Field(description="Id of the summarised source.")
    headline: str | None = Field(default=None, description="Headline as found in the article.")
    outlet: str | None = Field(default=None, description="Outlet as found in the article or metadata.")
    byline: str | None = Field(default=None, description="Byline as found in the article.")
    date: str | None = Field(default=None, description="Date as found in the article, verbatim.")
    lead: str | None = Field(default=None, description="The article's opening statement of the news.")
    key_points: list[str] = Field(default_factory=list, description="The main points, most important first.")
    quotes: list[Quote] = Field(default_factory=list, description="Direct quotes with their speakers.")
    figures: list[Figure] = Field(default_factory=list, description="Figures with what they measure.")
    method: Literal["extractive", "llm"] = Field(description="How the summary was made.")
    status: Literal["ok", "model output invalid", "failed"] = Field(
        default="ok", description="Whether the summary is usable; failures are kept, never dropped."
    )
    error: str | None = Field(default=None, description="Why the summary failed or is invalid, if it did.")


class Evidence(Strict):
    """A verbatim span of one source: `text == source.text[start:end]`."""

    source_id: str = Field(description="Id of the source the span is in.")
    text: str = Field(description="The span verbatim.")
    start: int = Field(description="Offset of the span's first character in the source text.")
    end: int = Field(description="Offset just past the span's last character in the source text.")


class Review(Strict):
    """An editor's decision on one flag."""

    status: ReviewStatus = Field(description="The decision: open, confirmed, dismissed or needs-check.")
    note: str | None = Field(default=None, description="Why the editor decided so.")
    correction: str | None = Field(default=None, description="The correction the editor proposes.")
    reviewer: str | None = Field(default=None, description="Who decided.")
    decided_at: str | None = Field(default=None, description="When, ISO 8601 UTC.")


class Discrepancy(Strict):
    """One flag for the editor, with verbatim evidence from every source involved."""

    id: str = Field(description="Stable id derived from kind and normalised evidence; survives re-runs.")
    kind: DiscrepancyKind = Field(description="What sort of problem this is.")
    severity: Severity = Field(description="How much it may matter to a reader: low, medium or high.")
    title: str = Field(description="One line naming the problem.")
    explanation: str = Field(description="Why this was flagged, in plain words.")
    evidence: list[Evidence] = Field(description="Verbatim spans from every source involved.")
    suggestion: str | None = Field(default=None, description="A proposed correction, or null.")
    confidence: float = Field(ge=0.0, le=1.0, description="How sure the flag is, 0-1; editors sort by it.")
    origin: Origin = Field(description="Who raised the flag: the evidence engine, the model, or both.")
    detector: str | None = Field(default=None, description="The evidence-engine detector that raised it.")
    review: Review | None = Field(default=None, description="The editor's decision, if any.")


class ConsensusPoint(Strict):
    """Something several sources agree on."""

    text: str = Field(description="The point, in one sentence.")
    source_ids: list[str] = Field(description="Sources that support it.")
    evidence: list[Evidence] = Field(default_factory=list, description="Verbatim support, one span per source.")


class UnverifiedClaim(Strict):
    """A model-raised discrepancy whose evidence could not be found in the sources."""

    kind: str = Field(description="The kind the model gave.")
    title: str = Field(description="The model's title for it.")
    explanation: str = Field(description="The model's explanation.")
    removed_evidence: list[str] = Field(default_factory=list, description="Quoted texts found in no source.")


class GroundingRemoval(Strict):
    """Evidence text from the model that was not found verbatim in the source it named."""

    source_id: str = Field(description="The source the model named.")
    text: str = Field(description="The text the model claimed was in it.")
    discrepancy_title: str = Field(description="The flag the evidence belonged to.")


class Problem(Strict):
    """Something that went wrong with one input or step; listed, never hidden."""

    path: str | None = Field(default=None, description="The input file concerned, if any.")
    source_id: str | None = Field(default=None, description="The source concerned, if any.")
    step: str = Field(description="Where it happened: ingest, summarise, brief, ...")
    message: str = Field(description="What went wrong, in one line.")


class OrphanedReview(Strict):
    """A decision whose flag no longer exists in this run; kept, never lost."""

    discrepancy_id: str = Field(description="Id of the flag the decision was for.")
    title: str | None = Field(default=None, description="Title of that flag when it was decided.")
    review: Review = Field(description="The decision.")


class Usage(Strict):
    """Model usage of one run."""

    input_tokens: int = Field(default=0, description="Prompt tokens, as reported by the server.")
    output_tokens: int = Field(default=0, description="Completion tokens, as reported by the server.")
    requests: int = Field(default=0, description="Requests sent to the model (cache and replay hits excluded).")
    cached: int = Field(default=0, description="Requests answered from the local cache.")


class RunInfo(Strict):
    """How the briefing was made."""

    mode: RunMode = Field(description="offline (evidence engine only), llm, or replay (recorded responses).")
    model: str | None = Field(default=None, description="Model name, or null offline.")
    prompts: dict[str, str] = Field(default_factory=dict, description="Prompt template name -> version.")
    usage: Usage = Field(default_factory=Usage, description="Token usage and request counts.")
    duration_s: float | None = Field(
        default=None, description="Wall time of the run; null in replay mode or when SOURCE_DATE_EPOCH is set."
    )
    reporter_version: str = Field(description="Version of reporter that wrote the briefing.")
    note: str | None = Field(default=None, description="E.g. how to configure a model when run offline.")


class Brief(Strict):
    """The whole briefing: what `brief.json` holds."""

    schema_version: str = Field(default=SCHEMA_VERSION, description="Version of this JSON contract.")
    event: str = Field(description="The event in one line.")
    sources: list[Source] = Field(description="The articles read.")
    summaries: list[ArticleSummary] = Field(description="One structured summary per source.")
    consensus: list[ConsensusPoint] = Field(default_factory=list, description="What the sources agree on.")
    discrepancies: list[Discrepancy] = Field(default_factory=list, description="Flags, most severe first.")
    unverified_claims: list[UnverifiedClaim] = Field(
        default_factory=list, description="Model claims with no grounded evidence; not flags."
    )
    grounding_removals: list[GroundingRemoval] = Field(
        default_factory=list, description="Model evidence removed because no source contains it."
    )
    duplicates: list[list[str]] = Field(
        default_factory=list, description="Groups of source ids with identical text; only the first is compared."
    )
    problems: list[Problem] = Field(default_factory=list, description="Inputs and steps that failed.")
    suspicious: list[Evidence] = Field(
        default_factory=list,
        description="Passages that read like instructions to a model (prompt injection); shown, not obeyed.",
    )
    orphaned_reviews: list[OrphanedReview] = Field(
        default_factory=list, description="Editor decisions whose flag is gone in this run."
    )
    run: RunInfo = Field(description="How the briefing was made.")
