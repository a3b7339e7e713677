"""LLM mode: prompt templates, layered model access (replay, cache, record, live), summaries and brief.

The pipeline calls `start_llm` then `finish` (or `dry_run_report` for --dry-run); both are imported lazily so that
reading `reporter.llm.protocol` does not load LangChain.
"""

from __future__ import annotations

from typing import Any

__all__ = ["LlmResult", "dry_run_report", "plan_llm", "run_llm", "start_llm"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from reporter.llm import run

        return getattr(run, name)
    raise AttributeError(name)
