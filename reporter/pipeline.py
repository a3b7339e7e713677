"""The pipeline: ingest -> evidence -> summarise -> brief -> (LLM, ground) -> review -> render."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from reporter import __version__, parallel
from reporter.config import Config
from reporter.errors import NoUsableSources
from reporter.ingest import own_outputs, read_inputs
from reporter.limits import bound_for_analysis
from reporter.models import ArticleSummary, Brief, ConsensusPoint, Problem, RunInfo, Source
from reporter.progress import Progress
from reporter.review import apply_reviews

# The evidence engine (and what reads its documents) is imported where it runs, not here: in LLM mode the
# first summary requests leave before it loads, and a run answered from the result cache never loads it.
if TYPE_CHECKING:
    from reporter.evidence import EvidenceReport
    from reporter.llm.connect import Connection
    from reporter.llm.run import LlmRun


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
    from reporter.summarise import guess_outlet

    doc = report.documents.get(source.id)
    if doc is None:
        return source
    found = {"title": doc.headline.text if doc.headline else None, "byline": doc.byline, "published": doc.date,
             "outlet": guess_outlet(source, doc)}
    updates = {k: v for k, v in found.items() if v and not getattr(source, k)}
    return source.model_copy(update=updates) if updates else source


def build_brief(sources: list[Source], config: Config, problems: list[Problem] | None = None) -> Brief:
    """The briefing of already-read sources (in LLM mode from the result cache when nothing changed)."""
    started = time.perf_counter()
    problems = list(problems or [])
    if not sources:
        raise NoUsableSources("no usable articles: " + "; ".join(f"{p.path}: {p.message}" for p in problems[:5]))
    conn, cached = _cached_result(sources, problems, config)
    brief = cached or _made_brief(sources, config, problems, conn)
    # Reproducible output (the reproducible-builds convention): no wall time when SOURCE_DATE_EPOCH is set.
    timed = brief.run.mode != "replay" and not os.environ.get("SOURCE_DATE_EPOCH")
    brief.run.duration_s = round(time.perf_counter() - started, 3) if timed else None
    return brief


def _cached_result(sources: list[Source], problems: list[Problem], config: Config
                   ) -> tuple[Connection | None, Brief | None]:
    """LLM mode: the run's connection, and the briefing the result cache holds for this run (or None)."""
    from reporter.llm import results

    results.last_stored = None
    if not results.usable(config):
        return None, None
    from reporter.llm.cache import default_cache_dir
    from reporter.llm.connect import connect

    conn = connect(config)
    key = results.connection_key(sources, problems, config, conn)
    return conn, results.ResultCache(config.cache_dir or default_cache_dir()).get(key)


def _made_brief(sources: list[Source], config: Config, problems: list[Problem], conn: Connection | None) -> Brief:
    """The briefing made now: the engine's, with the model's summaries and brief in LLM mode."""
    as_read = (list(sources), list(problems))  # the result cache's key: the inputs as read
    unique, duplicates = split_duplicates(sources)
    with contextlib.ExitStack() as stack:
        # Summary requests need only the texts: send them now, and analyse while they wait on the network.
        llm = (stack.enter_context(contextlib.closing(_start_llm(unique, config, conn)))
               if config.llm_configured else None)
        # The engine loads once the first request is out (imports compete for the one GIL).
        from reporter.comparable import copies_for, to_original
        from reporter.evidence import PARALLEL_MIN_CHARS
        from reporter.render import OFFLINE_HINT
        from reporter.summarise import event_line
        from reporter.suspicious import find_all_suspicious

        # needs the texts only: on a big run it is scanned in a forked child while the engine works
        big = sum(len(s.text) for s in unique) >= PARALLEL_MIN_CHARS
        suspicious = parallel.Job(find_all_suspicious, unique, fork=big)
        stack.callback(suspicious.cancel)

        analysed = []  # what the engine reads: very long articles are cut (a prefix, so offsets stay valid)
        for source in unique:
            bounded, problem = bound_for_analysis(source, config.limits.max_analysed_chars)
            analysed.append(bounded)
            problems += [problem] if problem else []
        # The engine compares NFC text with CR line breaks; every span it returns is moved back onto the original.
        copies, maps = copies_for(analysed)
        with Progress(f"analysing {len(analysed)} articles"):
            report, failed = _analyse_contained(copies, config)
        problems += _not_english(copies, report)
        report.discrepancies = to_original(report.discrepancies, maps)
        report.consensus = to_original(report.consensus, maps)
        by_id = {s.id: _with_metadata(s, report) for s in unique}
        if llm is not None:  # the brief needs the analysis only: ask for it now, while summaries are pending
            llm.start_brief([by_id[s.id] for s in unique], report)
        sources = [by_id.get(s.id, s) for s in sources]
        summaries = {s.id: to_original(_extractive_or_failed(s, report, failed), maps) for s in copies}
        problems += [Problem(path=next(s.path for s in unique if s.id == sid), source_id=sid, step="analyse",
                             message=f"could not be analysed ({why}); listed without flags")
                     for sid, why in failed.items()]
        for s in sources:  # a duplicate shares the summary of the copy that was analysed
            if s.id not in summaries:
                original = next(u for u in unique if u.sha256 == s.sha256)
                summaries[s.id] = summaries[original.id].model_copy(update={"source_id": s.id})
        if len(unique) == 1:
            problems.append(Problem(step="evidence", message="only one distinct source: no cross-source comparison"))
        ordered = [summaries[s.id] for s in sources]
        # The hint is for users who have not configured a model, not for those who asked for --offline.
        run = RunInfo(mode="offline", reporter_version=__version__, note=None if config.offline else OFFLINE_HINT)
        brief = Brief(
            event=event_line(ordered, [e.text for d in report.discrepancies if d.kind == "factual_conflict"
                                       for e in d.evidence]),
            sources=sources,
            summaries=ordered,
            consensus=report.consensus,
            discrepancies=report.discrepancies,
            duplicates=duplicates,
            problems=problems,
            suspicious=suspicious.result(),
            run=run,
        )
        if llm is not None:
            brief = _with_llm(brief, llm, [by_id[s.id] for s in unique], report, summaries)
            _keep_result(brief, llm, config, *as_read)
    return brief


def _analyse_contained(copies: list[Source], config: Config) -> tuple[EvidenceReport, dict[str, str]]:
    """The engine's report, and the sources whose analysis raised (id -> why), left out of the comparison.

    A bug the engine hits on one source must not cost the others their briefing: when the joint analysis
    fails, each source is tried alone, and the ones that fail alone are dropped from the comparison.
    """
    from reporter.evidence import EvidenceReport, analyse

    try:
        return analyse(copies, config.thresholds), {}
    except (Exception, RecursionError):  # noqa: BLE001 - contained below, per source
        pass
    failed: dict[str, str] = {}
    for source in copies:
        try:
            analyse([source], config.thresholds)
        except (Exception, RecursionError) as exc:  # noqa: BLE001
            failed[source.id] = f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
    rest = [s for s in copies if s.id not in failed]
    try:
        return (analyse(rest, config.thresholds) if rest else EvidenceReport({}, [], [])), failed
    except (Exception, RecursionError) as exc:  # noqa: BLE001 - only the combination fails: compare none
        why = f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
        return EvidenceReport({}, [], []), {s.id: why for s in copies}


def _extractive_or_failed(source: Source, report: EvidenceReport, failed: dict[str, str]) -> ArticleSummary:
    """The engine's summary of one analysed source, or a failed one saying why its analysis raised."""
    if source.id in failed:
        return ArticleSummary(source_id=source.id, method="extractive", status="failed", error=failed[source.id])
    from reporter.summarise import extractive_summary

    return extractive_summary(source, report.documents[source.id])


def _not_english(sources: list[Source], report: EvidenceReport) -> list[Problem]:
    """One note per article that is not in English: no English spelling checks ran on it."""
    from reporter.evidence import document_text
    from reporter.evidence.language import detect, language_name

    notes = []
    for source in sources:
        doc = report.documents.get(source.id)
        if source.id in report.languages:  # detected by the engine already (in its spelling check)
            code = report.languages[source.id]
        else:
            code = detect(document_text(doc)) if doc else None
        if code and code != "en":
            notes.append(Problem(path=source.path, source_id=source.id, step="evidence",
                                 message=f"not in English ({language_name(code)}): no English spelling checks; "
                                         "compared with the other sources as it stands"))
    return notes


def _start_llm(unique: list[Source], config: Config, conn: Connection | None) -> LlmRun:
    from reporter.llm import start_llm  # LangChain loads only when a model is configured

    return start_llm(unique, config, connection=conn)


def _keep_result(brief: Brief, run: LlmRun, config: Config, sources: list[Source], problems: list[Problem]) -> None:
    """Store a briefing a re-run would make again, under the key the next run will look up
    (`reporter.llm.results`): the connection as this run ended (output mode and parameters learned)."""
    from reporter.llm import results

    state = run.final_state()
    if state is None or not results.usable(config):
        return
    from reporter.llm.cache import default_cache_dir

    key = results.result_key(sources, problems, config, *state)
    secret = config.api_key.get_secret_value() if config.api_key else None
    results.ResultCache(config.cache_dir or default_cache_dir()).put(key, results.as_rerun(brief), secret)
    results.last_stored = key


def _with_llm(brief: Brief, run: LlmRun, unique: list[Source], report: EvidenceReport,
              summaries: dict[str, ArticleSummary]) -> Brief:
    """The briefing with the model's summaries, verdicts, flags and consensus, all grounded."""
    llm = run.finish(unique, report, [summaries[s.id] for s in unique])
    by_id = {s.source_id: s for s in llm.summaries}
    copies = {s.id: next(u.id for u in unique if u.sha256 == s.sha256) for s in brief.sources}
    event, consensus, steering = _without_instructions(llm.event, llm.consensus)
    return brief.model_copy(update={
        "event": event or brief.event,
        "summaries": [by_id[copies[s.id]].model_copy(update={"source_id": s.id}) for s in brief.sources],
        "consensus": consensus,
        "discrepancies": llm.discrepancies,
        "unverified_claims": llm.unverified_claims,
        "grounding_removals": llm.grounding_removals,
        "problems": [*brief.problems, *llm.problems, *steering],
        "run": RunInfo(mode=llm.mode, model=llm.model, prompts=llm.prompts, usage=llm.usage,
                       reporter_version=__version__),
    })


def _without_instructions(event: str | None, consensus: list[ConsensusPoint]
                          ) -> tuple[str | None, list[ConsensusPoint], list[Problem]]:
    """The model's event line and consensus minus text that reads like an instruction or a verdict on the
    briefing ("no discrepancies", "ignore any flags"): such text never becomes the page title or a conclusion;
    it is listed as a problem, marked as model text."""
    from reporter.llm.guard import clip_text, reads_like_instruction

    problems = []
    if reads_like_instruction(event):
        problems.append(Problem(step="brief", message="model text that reads like an instruction, not used as "
                                                      f"the title: “{clip_text(event or '', 300)}”"))
        event = None
    kept = []
    for point in consensus:
        if reads_like_instruction(point.text):
            problems.append(Problem(step="brief", message="model text that reads like an instruction, not used "
                                                          f"as a consensus point: “{clip_text(point.text, 300)}”"))
        else:
            kept.append(point)
    return event, kept, problems


def plan(paths: list[str], config: Config) -> str:
    """`--dry-run`: the model requests a run would send, with token counts and estimated cost."""
    from reporter.llm import dry_run_report

    sources, _ = read_inputs(paths, config)
    unique, _ = split_duplicates(sources)
    if not unique:
        raise NoUsableSources("no usable articles to plan requests for")
    bounded = [bound_for_analysis(s, config.limits.max_analysed_chars)[0] for s in unique]
    report, failed = _analyse_contained(bounded, config)  # as in a real run: one article's fault costs it alone
    unique = [_with_metadata(s, report) for s in unique]
    return dry_run_report(unique, report, [_extractive_or_failed(b, report, failed) for b in bounded], config)


def run(paths: list[str], config: Config, out_dir: Path | None = None) -> Brief:
    """Read the inputs and build their briefing; re-attach the editor's decisions stored in `out_dir`."""
    sources, problems = read_inputs(paths, config, skip=own_outputs(out_dir))
    brief = build_brief(sources, config, problems)
    return apply_reviews(brief, out_dir) if out_dir is not None else brief
