"""The pipeline: ingest -> evidence -> summarise -> brief -> (LLM, ground) -> review -> render."""

from __future__ import annotations

import time

from reporter import __version__
from reporter.config import Config
from reporter.errors import NoUsableSources
from reporter.evidence import EvidenceReport, analyse
from reporter.ingest import read_inputs
from reporter.limits import bound_for_analysis
from reporter.models import Brief, Problem, RunInfo, Source
from reporter.render import OFFLINE_HINT
from reporter.summarise import event_line, extractive_summary, guess_outlet
from reporter.suspicious import find_all_suspicious


def split_duplicates(sources: list[Source]) -> tuple[list[Source], list[list[str]]]:
    """Sources with distinct text, and groups of ids whose text is identical (first one kept)."""
    groups: dict[str, list[str]] = {}
    unique: list[Source] = []
    for source in sources:
        if source.sha256 not in groups:
            unique.append(source)
        groups.setdefault(source.sha256, []).append(source.id)
    return unique, [ids for ids in groups.values() if len(ids) > 1]


def _with_metadata(source: Source, report: EvidenceReport) -> Source:
    """Fill title, byline and date from the text where the input format gave none."""
    doc = report.documents.get(source.id)
    if doc is None:
        return source
    found = {"title": doc.headline.text if doc.headline else None, "byline": doc.byline, "published": doc.date,
             "outlet": guess_outlet(source, doc)}
    updates = {k: v for k, v in found.items() if v and not getattr(source, k)}
    return source.model_copy(update=updates) if updates else source


def build_brief(sources: list[Source], config: Config, problems: list[Problem] | None = None) -> Brief:
    """The briefing of already-read sources."""
    started = time.perf_counter()
    problems = list(problems or [])
    if not sources:
        raise NoUsableSources("no usable articles: " + "; ".join(f"{p.path}: {p.message}" for p in problems[:5]))
    unique, duplicates = split_duplicates(sources)
    analysed = []  # what the engine reads: very long articles are cut (a prefix, so offsets stay valid)
    for source in unique:
        bounded, problem = bound_for_analysis(source, config.limits.max_analysed_chars)
        analysed.append(bounded)
        problems += [problem] if problem else []
    report = analyse(analysed, config.thresholds)
    by_id = {s.id: _with_metadata(s, report) for s in unique}
    sources = [by_id.get(s.id, s) for s in sources]
    summaries = {s.id: extractive_summary(s, report.documents[s.id]) for s in analysed}
    for s in sources:  # a duplicate shares the summary of the copy that was analysed
        if s.id not in summaries:
            original = next(u for u in unique if u.sha256 == s.sha256)
            summaries[s.id] = summaries[original.id].model_copy(update={"source_id": s.id})
    if len(unique) == 1:
        problems.append(Problem(step="evidence", message="only one distinct source: no cross-source comparison"))
    ordered = [summaries[s.id] for s in sources]
    run = RunInfo(mode="offline", reporter_version=__version__, note=OFFLINE_HINT)
    brief = Brief(
        event=event_line(ordered),
        sources=sources,
        summaries=ordered,
        consensus=report.consensus,
        discrepancies=report.discrepancies,
        duplicates=duplicates,
        problems=problems,
        suspicious=find_all_suspicious(unique),
        run=run,
    )
    brief.run.duration_s = round(time.perf_counter() - started, 3)
    return brief


def run(paths: list[str], config: Config) -> Brief:
    """Read the inputs and build their briefing."""
    sources, problems = read_inputs(paths, config)
    return build_brief(sources, config, problems)
