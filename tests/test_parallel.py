"""Forked workers (`reporter.parallel`) change how long a run takes, never what it writes.

Each test runs the same work with forking forced on and forced off and compares the results exactly; the
size thresholds that keep small runs in one process are lowered so that the small inputs here fork too.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import reporter.evidence as engine
from reporter import parallel, render
from reporter.config import Config
from reporter.ingest import read_inputs
from reporter.pipeline import build_brief

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture
def forking():
    yield parallel.force
    parallel.force(None)


def _child_pid() -> int:
    return os.getpid()


def _fails(message: str) -> None:
    raise ValueError(message)


def test_job_runs_in_a_child_and_returns_its_value(forking):
    forking(True)
    job = parallel.Job(_child_pid)
    assert job.pid is not None
    assert job.result() not in (os.getpid(), None)
    forking(False)
    assert parallel.Job(_child_pid).result() == os.getpid()


def test_a_failing_child_leaves_the_error_to_the_parent(forking):
    """The child's exception is not pickled across: the job runs again here, so the error is the real one."""
    forking(True)
    job = parallel.Job(_fails, "boom")
    with pytest.raises(ValueError, match="boom"):
        job.result()
    assert job.pid is None  # reaped


def test_a_cancelled_job_leaves_no_child(forking):
    forking(True)
    job = parallel.Job(sum, range(10**9))  # long enough to be running when cancelled
    pid = job.pid
    job.cancel()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def _wmt_folder(tmp_path: Path) -> Path | None:
    from bench.wmt import data_dir, doc_articles, load_docs

    if data_dir() is None:
        return None
    folder = tmp_path / "wmt"
    folder.mkdir()
    for article in doc_articles(load_docs()[0]):
        (folder / article.source_name).write_text(article.text, encoding="utf-8")
    return folder


@pytest.mark.parametrize("corpus", ["seeds", "wmt"])
def test_brief_is_identical_with_and_without_forked_workers(corpus, tmp_path, monkeypatch, forking):
    folder = SEEDS if corpus == "seeds" else _wmt_folder(tmp_path)
    if folder is None:
        pytest.skip("WMT data (../shared/evaldata/wmt21-zhen) not present")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    monkeypatch.setattr(engine, "PARALLEL_MIN_CHARS", 0)
    monkeypatch.setattr(render, "PARALLEL_HTML_CHARS", 0)
    config = Config(offline=True)
    sources, problems = read_inputs([str(folder)], config)
    outputs = {}
    for forked in (False, True):
        forking(forked)
        brief = build_brief(sources, config, problems)
        md = render.render_markdown(brief, config)
        outputs[forked] = (render.render_json(brief), md, render.render_html(md, brief.event or ""))
    assert outputs[True] == outputs[False]
    if corpus == "wmt":  # the forked detector ran and found something, so the comparison covers it
        assert '"wording.minority"' in outputs[True][0]


def test_html_converted_in_parts_equals_the_whole(monkeypatch):
    """Cutting the Markdown before headings gives the same sanitised HTML however many parts there are."""
    md = (ROOT / "reports" / "seeds" / "brief.md").read_text(encoding="utf-8")
    whole = render.render_html(md, "t")
    for count in (2, 3, 7, 40):
        parts = render._markdown_parts(md, count)
        assert "\n".join(parts) == md
        assert 1 < len(parts) <= count
        monkeypatch.setattr(render, "_markdown_parts", lambda text, _n, k=count, f=render._markdown_parts: f(text, k))
        assert render.render_html(md, "t") == whole
        monkeypatch.undo()


def test_fewer_collections_restores_the_collector_thresholds():
    import gc

    before = gc.get_threshold()
    with parallel.fewer_collections():
        assert gc.get_threshold() == parallel.RELAXED_GC_THRESHOLD
    assert gc.get_threshold() == before


def test_languages_come_from_the_engine_and_match_a_fresh_detection():
    """The pipeline's 'not in English' note reads the languages the engine's spelling check detected."""
    from reporter.evidence import analyse, document_text
    from reporter.evidence.language import _detect

    sources, _ = read_inputs([str(SEEDS)], Config(offline=True))
    report = analyse(sources)
    assert set(report.languages) == {s.id for s in sources}
    assert all(report.languages[sid] == _detect(document_text(doc)) for sid, doc in report.documents.items())


def test_no_fork_while_another_thread_could_hold_a_lock(monkeypatch):
    """LLM mode analyses while the model's threads run: a fork there could copy a held lock and hang."""
    import threading

    from reporter.progress import THREAD_NAME

    monkeypatch.setattr(parallel, "cpus", lambda: 2)
    main = threading.main_thread()
    alone = [main]
    monkeypatch.setattr(parallel.threading, "enumerate", lambda: alone)
    assert parallel.enabled() is hasattr(os, "fork")
    alone.append(threading.Thread(name=THREAD_NAME))  # the progress timer only sleeps and prints
    assert parallel.enabled() is hasattr(os, "fork")
    alone.append(threading.Thread(name="reporter-http-0"))
    assert parallel.enabled() is False
    assert parallel.Job(_child_pid).result() == os.getpid()  # the job runs here instead


def _dialog(start: int, fail_after_reply: bool = False):
    reply = yield (start * 2, os.getpid())
    if fail_after_reply and os.getpid() != reply[1]:  # fails in a child only: the parent's replay succeeds
        raise ValueError("child fails after the reply")
    return reply[0] + start, os.getpid()


@pytest.mark.parametrize("fail_after_reply", [False, True])
def test_dialog_meets_the_parent_half_way(forking, fail_after_reply):
    """The child yields, gets the parent's reply and returns; the values equal a run without a child."""
    values = {}
    for forked in (True, False):
        forking(forked)
        job = parallel.Dialog(_dialog, 5, fail_after_reply)
        assert (job.pid is not None) == forked
        first, first_pid = job.first()
        job.reply((first + 1, os.getpid()))
        result, result_pid = job.result()
        assert job.pid is None  # reaped
        values[forked] = (first, result)
        if forked:
            assert first_pid != os.getpid()
            assert (result_pid == os.getpid()) == fail_after_reply  # a failed child: replayed here
    assert values[True] == values[False] == (10, 16)


def test_a_dialog_whose_child_fails_at_once_runs_here(forking):
    forking(True)
    job = parallel.Dialog(_dialog, "x")  # "x" * 2 works, "x" + reply fails: the error surfaces here
    assert job.first()[0] == "xx"
    job.reply((1, os.getpid()))
    with pytest.raises(TypeError):
        job.result()
    assert job.pid is None
