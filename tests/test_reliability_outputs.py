"""Publishing is all-or-nothing, Ctrl-C is one line and exit 130 at any moment, text lands escaped, and
pathological text is briefed within seconds. Each test names the promise it checks.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from reporter import atomic, pipeline
from reporter.atomic import PublishError, write_many_atomic
from reporter.cli import cli
from reporter.config import Config
from reporter.errors import CassetteError
from reporter.llm.cassette import Cassette
from reporter.render import render_markdown
from reporter.review_cli import export_text, list_lines

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
ARTICLE = ("{title}\n\nBy Ann Lee\n\nThe river {verb} its banks on Monday, officials said.\n\n"
           '"We have never seen water this high," said mayor Tom Hart.\n\nAbout {n} homes were evacuated.\n')


def _inputs(folder: Path, title: str, n: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.txt").write_text(ARTICLE.format(title=title, verb="burst", n=n), encoding="utf-8")
    (folder / "b.txt").write_text(ARTICLE.format(title=title, verb="broke", n=n + 100), encoding="utf-8")
    return folder


def _brief(inputs: Path, out: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["brief", str(inputs), "--out", str(out), "--offline", "-q", *extra])
    return result.exit_code, result.output


def _snapshot(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def _which_run(out: Path) -> set[str]:
    """The title each of brief.md/html/json carries: one title means one run's files."""
    titles = set()
    for name in ("brief.md", "brief.html", "brief.json"):
        text = (out / name).read_text(encoding="utf-8")
        titles |= {t for t in ("Flood in Alpha", "Flood in Omega") if t in text}
    return titles


# -- all-or-nothing publishing ------------------------------------------------------------------------

def test_a_rename_failing_between_the_three_renames_leaves_the_previous_briefing_whole(tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert _brief(_inputs(tmp_path / "alpha", "Flood in Alpha", 10), out)[0] == 0
    before = _snapshot(out)
    real_replace = os.replace
    calls = []

    def failing_replace(src, dst, *a, **k):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(28, "No space left on device", str(dst))
        return real_replace(src, dst, *a, **k)

    monkeypatch.setattr(atomic.os, "replace", failing_replace)
    code, output = _brief(_inputs(tmp_path / "omega", "Flood in Omega", 20), out)
    assert code == 1
    assert "No space left on device; nothing was changed in" in output
    assert _snapshot(out) == before  # no new file, no temporary, no undo copy left


def test_json_copy_failing_after_the_briefing_was_staged_changes_nothing_and_says_so(tmp_path):
    out = tmp_path / "out"
    assert _brief(_inputs(tmp_path / "alpha", "Flood in Alpha", 10), out)[0] == 0
    before = _snapshot(out)
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    code, output = _brief(_inputs(tmp_path / "omega", "Flood in Omega", 20), out, "--json", str(blocker / "b.json"))
    assert code == 1 and "nothing was changed" in output
    assert _snapshot(out) == before


def test_json_into_a_folder_is_published_with_the_briefing(tmp_path):
    copies = tmp_path / "copies"
    copies.mkdir()
    code, _ = _brief(_inputs(tmp_path / "alpha", "Flood in Alpha", 10), tmp_path / "out", "--json", str(copies))
    assert code == 0
    assert (copies / "brief.json").read_bytes() == (tmp_path / "out" / "brief.json").read_bytes()


def test_ctrl_c_between_two_renames_is_answered_after_all_three(tmp_path, monkeypatch):
    out = tmp_path / "out"
    files = {out / n: f"new {n}" for n in ("brief.md", "brief.html", "brief.json")}
    write_many_atomic({p: "old" for p in files})
    real_replace = os.replace

    def replace_then_interrupt(src, dst, *a, **k):
        real_replace(src, dst, *a, **k)
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C right after the first rename

    monkeypatch.setattr(atomic.os, "replace", replace_then_interrupt)
    busy = threading.Event()  # another thread, as during a model run: the OS may hand it the signal
    threading.Thread(target=busy.wait, daemon=True).start()
    try:
        with pytest.raises(KeyboardInterrupt):
            write_many_atomic(files)
    finally:
        busy.set()
    assert {p.name: p.read_text() for p in out.iterdir()} == {p.name: t for p, t in files.items()}


def test_a_failed_publish_is_an_oserror_whose_words_say_what_is_on_disk(tmp_path):
    blocker = tmp_path / "f"
    blocker.write_text("x")
    with pytest.raises(PublishError) as caught:
        write_many_atomic({tmp_path / "ok.md": "a", blocker / "no.md": "b"})
    assert isinstance(caught.value, OSError) and "nothing was changed" in str(caught.value)
    assert not (tmp_path / "ok.md").exists()


# -- Ctrl-C ---------------------------------------------------------------------------------------------

def _wait_for_reporter_code(proc: subprocess.Popen) -> None:
    """Until the process loads its first compiled extension from site-packages (pydantic's, in reporter's
    own imports): from then on it runs reporter's code. Before that it is the Python interpreter starting
    (~0.1 s), where no program can answer Ctrl-C yet: the interpreter's own handler is all there is."""
    maps = Path(f"/proc/{proc.pid}/maps")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if "site-packages" in maps.read_text():
                return
        except OSError:
            return
        time.sleep(0.002)


def _run_and_interrupt(args: list[str], delay_s: float, env: dict[str, str]) -> tuple[int, str]:
    proc = subprocess.Popen([sys.executable, "-m", "reporter", *args], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    _wait_for_reporter_code(proc)
    time.sleep(delay_s)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    return proc.returncode, stderr


def test_ctrl_c_during_start_up_imports_exits_130_with_one_line(tmp_path):
    inputs = _inputs(tmp_path / "alpha", "Flood in Alpha", 10)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    for delay in (0.0, 0.05, 0.15, 0.3):  # after the interpreter started, while reporter imports its modules
        code, stderr = _run_and_interrupt(["brief", str(inputs), "--out", str(tmp_path / "o"), "--offline"],
                                          delay, env)
        assert code == 130, stderr
        assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1, stderr
        assert stderr.startswith("reporter: interrupted")


def test_twenty_random_interrupts_never_leave_a_traceback_a_mix_or_a_temporary(tmp_path):
    """SIGINT at a random moment of `reporter brief` (start-up included) into a folder holding a briefing."""
    out = tmp_path / "out"
    old = _inputs(tmp_path / "alpha", "Flood in Alpha", 10)
    new = _inputs(tmp_path / "omega", "Flood in Omega", 20)
    assert _brief(old, out)[0] == 0
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "reporter", "brief", str(new), "--out", str(tmp_path / "timing"),
                    "--offline", "-q"], env=env, check=True)
    full_run_s = time.monotonic() - started
    rng = random.Random(16)
    outcomes = []
    for _ in range(20):
        if _which_run(out) != {"Flood in Alpha"}:
            assert _brief(old, out)[0] == 0  # back to the previous briefing, so every trial can mix
        code, stderr = _run_and_interrupt(["brief", str(new), "--out", str(out), "--offline", "-q"],
                                          rng.uniform(0, 0.7 * full_run_s), env)
        assert "Traceback" not in stderr, stderr
        assert code in (0, 130), (code, stderr)
        if code == 130:
            assert len(stderr.strip().splitlines()) == 1, stderr
        assert len(_which_run(out)) == 1, "brief.md, brief.html and brief.json come from different runs"
        assert sorted(p.name for p in out.iterdir()) == ["brief.html", "brief.json", "brief.md"]
        outcomes.append(code)
    # Most interrupts landed while the run was going (delays span 70 % of one measured run, so a run
    # slowed or sped up by other load still takes most of them).
    assert outcomes.count(130) >= 10


# -- review writes --------------------------------------------------------------------------------------

def test_twenty_parallel_review_writes_all_reach_the_rewritten_briefing(tmp_path):
    out = tmp_path / "out"
    code, output = _brief(SEEDS, out)
    assert code == 0, output
    ids = [f["id"] for f in json.loads((out / "brief.json").read_text(encoding="utf-8"))["discrepancies"]][:20]
    assert len(ids) == 20
    procs = [subprocess.Popen([sys.executable, "-m", "reporter", "review", str(out), "--set", f"{i}=confirmed"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for i in ids]
    for proc in procs:
        assert proc.wait(timeout=120) == 0, proc.stderr.read() if proc.stderr else ""
    stored = json.loads((out / "review.json").read_text(encoding="utf-8"))["decisions"]
    shown = {f["id"]: (f["review"] or {}).get("status")
             for f in json.loads((out / "brief.json").read_text(encoding="utf-8"))["discrepancies"]}
    assert set(stored) == set(ids)
    assert all(shown[i] == "confirmed" for i in ids), [i for i in ids if shown[i] != "confirmed"]
    assert (out / "brief.md").read_text(encoding="utf-8").count("confirmed") >= 20


# -- safe text everywhere -----------------------------------------------------------------------------

HOSTILE_ID = "x` <img src=x onerror=alert(1)> `"


def test_brief_md_escapes_a_decision_id_from_a_shared_review_json(tmp_path):
    out = tmp_path / "out"
    assert _brief(_inputs(tmp_path / "alpha", "Flood in Alpha", 10), out)[0] == 0
    decision = {"status": "dismissed", "note": "<script>alert(2)</script>", "title": "<b>t</b>", "kind": "spelling",
                "evidence": [], "previous_ids": [], "history": []}
    (out / "review.json").write_text(json.dumps({"format": "reporter-review", "version": 1,
                                                 "decisions": {HOSTILE_ID: decision}}), encoding="utf-8")
    brief = pipeline.run([str(tmp_path / "alpha")], Config(offline=True), out)
    assert [o.discrepancy_id for o in brief.orphaned_reviews] == [HOSTILE_ID]
    md = render_markdown(brief, Config(offline=True))
    assert "<img" not in md and "<script" not in md and "<b>" not in md
    assert "&lt;img src=x onerror=alert(1)&gt;" in md


def test_control_characters_in_file_names_never_reach_the_terminal_raw(tmp_path):
    folder = _inputs(tmp_path / "alpha", "Flood in Alpha", 10)
    (folder / "evil\x1b]0;pwned\x07\x1b[2J.txt").write_text("", encoding="utf-8")
    code, output = _brief(folder, tmp_path / "out")
    assert code == 3
    assert "\x1b" not in output and "\x07" not in output
    assert "evil\\x1b]0;pwned\\x07\\x1b[2J.txt" in output


def test_review_list_escapes_control_characters_from_article_text(tmp_path):
    out = tmp_path / "out"
    assert _brief(SEEDS, out)[0] == 0
    brief_json = json.loads((out / "brief.json").read_text(encoding="utf-8"))
    brief_json["discrepancies"][0]["title"] = "Title \x1b[2J\x1b]0;owned\x07 \u202eevil"
    (out / "brief.json").write_text(json.dumps(brief_json), encoding="utf-8")
    result = CliRunner().invoke(cli, ["review", str(out), "--list"])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output and "\u202e" not in result.output
    assert "Title \\x1b[2J\\x1b]0;owned\\x07 \\u202eevil" in result.output
    from reporter.review_cli import load_brief
    assert all("\x1b" not in line for line in list_lines(load_brief(out), None))


def test_csv_export_quotes_a_bare_cr_and_neutralises_the_formula_after_it(tmp_path):
    out = tmp_path / "out"
    assert _brief(SEEDS, out)[0] == 0
    flag = json.loads((out / "brief.json").read_text(encoding="utf-8"))["discrepancies"][0]["id"]
    note = "fine\r=SUM(A1:A9)"  # no quote or comma: nothing else makes the csv module quote it
    result = CliRunner().invoke(cli, ["review", str(out), "--set", f"{flag}=confirmed", "--note", note])
    assert result.exit_code == 0, result.output
    from reporter.review import apply_reviews
    from reporter.review_cli import load_brief
    text = export_text(apply_reviews(load_brief(out), out), Path("x.csv"))
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(rows) == len(json.loads((out / "brief.json").read_text(encoding="utf-8"))["discrepancies"])
    assert next(r for r in rows if r["id"] == flag)["note"] == note
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())
    assert '"fine\r=SUM(A1:A9)"' in text  # the CR sits inside a quoted cell


def test_a_cassette_with_yaml_aliases_is_refused_without_expanding(tmp_path):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefgh"[i]
        lines.append(f"{name}: &{name} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]")
    path = tmp_path / "bomb.yaml"
    path.write_text("format: reporter-cassette\nversion: 1\n" + "\n".join(lines) + "\n", encoding="utf-8")
    assert path.stat().st_size < 1000
    started = time.monotonic()
    with pytest.raises(CassetteError, match="anchors/aliases"):
        Cassette.load(path)
    assert time.monotonic() - started < 2


# -- time bounds ----------------------------------------------------------------------------------------

def _timed_brief(folder: Path, out: Path) -> float:
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "reporter", "brief", str(folder), "--out", str(out), "--offline",
                           "-q"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return time.monotonic() - started


@pytest.mark.parametrize("body", ["." * 190_000, "The mayor said " + "abcdefghij" * 1000 + " today."],
                         ids=["190000-dots", "10000-letter-word"])
def test_a_pathological_line_is_briefed_in_under_10_seconds(tmp_path, body):
    """The whole CLI in a fresh process (before: over 300 s for the dots, 5 GB for a 10,000-letter word).

    Start-up alone takes ~1 s here but several on a loaded machine, so the line's own cost is also
    measured against the same command on the two articles without it."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "b.txt").write_text("River floods town\n\nThe river broke its banks on Monday.\n", encoding="utf-8")
    (folder / "a.txt").write_text("River floods town\n\nThe river burst its banks.\n", encoding="utf-8")
    baseline = _timed_brief(folder, tmp_path / "o0")
    (folder / "a.txt").write_text(f"River floods town\n\n{body}\n\nThe river burst its banks.\n", encoding="utf-8")
    elapsed = _timed_brief(folder, tmp_path / "o")
    assert elapsed - baseline < 5, f"{elapsed:.1f} s against {baseline:.1f} s without the line"
    assert elapsed < max(10, baseline + 5), f"{elapsed:.1f} s"


def test_the_source_cap_message_names_a_flag_that_exists(tmp_path):
    folder = _inputs(tmp_path / "alpha", "Flood in Alpha", 10)
    (folder / "c.txt").write_text(ARTICLE.format(title="Flood in Alpha", verb="topped", n=5), encoding="utf-8")
    code, output = _brief(folder, tmp_path / "out", "--max-sources", "2")
    assert code == 3, output
    assert "3 files found; only the first 2 are read (--max-sources)" in output
    assert len(json.loads((tmp_path / "out" / "brief.json").read_text(encoding="utf-8"))["sources"]) == 2


def test_a_fault_rendering_one_summary_costs_that_summary_only(tmp_path, monkeypatch):
    from reporter import render

    real = render._render_summary

    def faulty(summary, labels, source=None):
        if summary.source_id == "b":
            raise ValueError("boom on b")
        return real(summary, labels, source)

    monkeypatch.setattr(render, "_render_summary", faulty)
    folder = _inputs(tmp_path / "in", "Flood", 40)
    result = CliRunner().invoke(cli, ["brief", str(folder), "--offline", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert result.stderr.count("could not be rendered (ValueError: boom on b)") == 1  # one warning line
    md = (tmp_path / "out" / "brief.md").read_text(encoding="utf-8")
    assert "could not be rendered (ValueError: boom on b); brief.json holds it in full." in md
    assert md.count("could not be rendered") == 1
    assert "## Sources" in md and "## Article summaries" in md
    # the other summary is rendered as usual, and brief.json keeps both in full
    data = json.loads((tmp_path / "out" / "brief.json").read_text(encoding="utf-8"))
    assert sorted(s["source_id"] for s in data["summaries"]) == ["a", "b"]
    summaries = md.split("## Article summaries", 1)[1]
    assert "a.txt" in summaries and "b.txt" not in summaries


UNRAISABLE_CTRL_C = """
import signal, sys, time, weakref
from reporter import cli
signal.signal(signal.SIGINT, signal.default_int_handler)
sys.unraisablehook = cli._unraisable  # as reporter.cli.main installs it

class Held: pass

def lock_callback(_):  # where importlib's module-lock callback met a Ctrl-C during a lazy import
    raise KeyboardInterrupt

held = Held()
ref = weakref.ref(held, lock_callback)
try:
    del held
    time.sleep(5)
    print("carried on as if nothing was pressed")
except KeyboardInterrupt:
    print("interrupted")
"""


def test_a_ctrl_c_python_cannot_raise_is_delivered_again_never_printed():
    proc = subprocess.run([sys.executable, "-c", UNRAISABLE_CTRL_C], capture_output=True, text=True, timeout=60,
                          cwd=ROOT)
    assert proc.stdout == "interrupted\n", proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr, proc.stderr
