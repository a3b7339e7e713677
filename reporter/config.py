"""Configuration: one typed object built from flags and the environment, passed to every stage."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class EvidenceThresholds(BaseModel):
    """Tunable thresholds of the evidence engine (confidence floors, similarity cut-offs)."""

    model_config = ConfigDict(extra="forbid")

    min_confidence: float = Field(default=0.5, ge=0, le=1, description="Flags below this are not reported.")
    align_similarity: float = Field(
        default=0.45, ge=0, le=1, description="Minimum similarity for two statements to be aligned."
    )
    spelling_max_zipf: float = Field(
        default=2.8, ge=0, le=8, description="Words more frequent than this (wordfreq Zipf) are never misspelt."
    )
    spelling_min_gain: float = Field(
        default=1.5, ge=0, le=8, description="A correction must be this much more frequent (Zipf) than the word."
    )
    wording_min_similarity: float = Field(
        default=0.5, ge=0, le=1, description="Quotes at least this similar are renderings of one remark."
    )


class Limits(BaseModel):
    """Resource bounds of one run."""

    model_config = ConfigDict(extra="forbid")

    max_input_bytes: int = Field(default=20_000_000, description="Largest input file read, in bytes.")
    max_sources: int = Field(default=1000, description="Most sources read in one run.")
    max_analysed_chars: int = Field(
        default=200_000, ge=1, description="Longest article text the evidence engine analyses; the rest is kept."
    )
    max_reply_bytes: int = Field(default=8_000_000, ge=1, description="Largest model reply accepted, in bytes, "
                                 "counted compressed and again decoded.")
    max_requests: int | None = Field(default=None, description="Cap on model requests per run.")
    max_tokens: int | None = Field(default=None, description="Cap on tokens (in + out) per run.")


class Config(BaseModel):
    """Everything a run needs to know; the CLI builds it, stages read it."""

    model_config = ConfigDict(extra="forbid")

    offline: bool = Field(default=False, description="Never call a model, even if one is configured.")
    model: str | None = Field(default=None, description="Model name, or provider:model.")
    base_url: str | None = Field(default=None, description="OpenAI-compatible endpoint URL.")
    api_key: SecretStr | None = Field(default=None, description="API key; never written anywhere.")
    timeout_s: float = Field(default=60.0, gt=0, description="Per-request timeout in seconds.")
    max_retries: int = Field(default=3, ge=0, description="Retries on 429, 5xx and timeouts.")
    concurrency: int | None = Field(
        default=None, ge=1,
        description="Most model requests in flight at once; None: adaptive (4, rising to 16 while the server "
                    "keeps up, lower on 429s or slow answers; see llm/pacing.py).")
    use_cache: bool = Field(default=True, description="Answer identical requests from the local cache.")
    cache_dir: Path | None = Field(default=None, description="Cache folder; default is the user's cache dir.")
    record: Path | None = Field(default=None, description="Write every request and response to this cassette.")
    replay: Path | None = Field(default=None, description="Answer every request from this cassette.")
    dry_run: bool = Field(default=False, description="Plan requests and print their token counts only.")
    hide_dismissed: bool = Field(default=False, description="Leave dismissed flags out of Markdown/HTML.")
    thresholds: EvidenceThresholds = Field(default_factory=EvidenceThresholds, description="Engine thresholds.")
    limits: Limits = Field(default_factory=Limits, description="Resource bounds.")

    @property
    def llm_configured(self) -> bool:
        """A model can be asked: replay, or a key or base URL is set, and not --offline."""
        if self.offline:
            return False
        return self.replay is not None or self.api_key is not None or self.base_url is not None

    @classmethod
    def from_env(cls, **overrides: object) -> Config:
        """Read OPENAI_API_KEY, OPENAI_BASE_URL, REPORTER_MODEL, REPORTER_CACHE_DIR; explicit overrides win."""
        env: dict[str, object] = {}
        if key := os.environ.get("OPENAI_API_KEY"):
            env["api_key"] = SecretStr(key)
        if url := os.environ.get("OPENAI_BASE_URL"):
            env["base_url"] = url
        if model := os.environ.get("REPORTER_MODEL"):
            env["model"] = model
        if cache_dir := os.environ.get("REPORTER_CACHE_DIR"):
            env["cache_dir"] = Path(cache_dir)
        env.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**env)
