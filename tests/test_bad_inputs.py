"""The bad-input corpus through ingest and the CLI: a named one-line error or a sensible briefing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from bad_input_corpus import SEED_FILES, UNUSABLE, USABLE, build_corpus
from click.testing import CliRunner, Result
from html_safety import page_text

from reporter.cli import cli
from reporter.config import Config, Limits
from reporter.ingest import read_inputs


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_corpus(tmp_path_factory.mktemp("corpus"))


def test_corpus_has_at_least_twenty_cases(corpus: dict[str, Path]) -> None:
    assert set(UNUSABLE) | set(USABLE) == set(corpus)
    assert len(corpus) >= 20


@pytest.mark.parametrize("case", sorted(UNUSABLE))
def test_unusable_input_becomes_a_problem_naming_the_file(corpus: dict[str, Path], case: str) -> None:
    sources, problems = read_inputs([str(corpus[case])], Config())
    assert sources == []
    (problem,) = problems
    assert problem.path == str(corpus[case])
    assert problem.step == "ingest"
    assert UNUSABLE[case] in problem.message
    assert "\n" not in problem.message and "Traceback" not in problem.message


@pytest.mark.parametrize("case", sorted(set(USABLE) - {"ten_mb"}))
def test_odd_but_usable_input_gives_a_source(corpus: dict[str, Path], case: str) -> None:
    sources, problems = read_inputs([str(corpus[case])], Config())
    assert problems == []
    (source,) = sources
    assert source.path == str(corpus[case]) and source.words > 10


def test_cp1252_is_decoded_and_the_fallback_noted(corpus: dict[str, Path]) -> None:
    (source,), _ = read_inputs([str(corpus["cp1252"])], Config())
    assert source.encoding == "cp1252"
    assert "José Müller said “we will reopen on Monday” – " in source.text and "€2 million" in source.text
    assert any("cp1252" in note for note in source.notes)


def test_non_english_text_is_kept_exactly(corpus: dict[str, Path]) -> None:
    (source,), _ = read_inputs([str(corpus["non_english"])], Config())
    assert source.text == corpus["non_english"].read_text(encoding="utf-8")
    assert "王毅" in source.text and source.words >= 20


def test_html_scripts_and_handlers_are_not_article_text(corpus: dict[str, Path]) -> None:
    (source,), _ = read_inputs([str(corpus["xss_html"])], Config())
    assert "The minister met the envoy on Tuesday in Geneva" in source.text
    for payload in ("alert", "<script", "onerror", "javascript:", "<svg", "iframe"):
        assert payload not in source.text


def test_odd_file_name_keeps_its_path_and_gets_a_safe_id(corpus: dict[str, Path]) -> None:
    (source,), _ = read_inputs([str(corpus["odd_name"])], Config())
    assert source.path == str(corpus["odd_name"])
    assert source.id and all(c.isascii() and (c.isalnum() or c in "_.-") for c in source.id)


def test_ten_mb_article_is_read_whole_under_the_default_limit(corpus: dict[str, Path]) -> None:
    (source,), problems = read_inputs([str(corpus["ten_mb"])], Config())
    assert problems == [] and len(source.text.encode()) >= 10_000_000


def test_input_over_the_size_limit_is_refused_with_the_sizes(corpus: dict[str, Path]) -> None:
    config = Config(limits=Limits(max_input_bytes=1_000_000))
    sources, (problem,) = read_inputs([str(corpus["ten_mb"]), str(SEED_FILES[0])], config)
    assert [s.path for s in sources] == [str(SEED_FILES[0])]  # the other input is still read
    assert problem.path == str(corpus["ten_mb"])
    assert "over the limit of 1,000,000" in problem.message


def test_unreadable_file_is_a_problem_and_the_others_are_read(tmp_path: Path, monkeypatch) -> None:
    """chmod 000 doesn't stop root (tests may run as root), so the read itself is made to fail."""
    folder = tmp_path / "mixed"
    folder.mkdir()
    locked = folder / "b_locked.txt"
    locked.write_text(SEED_FILES[0].read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "a_ok.txt").write_text(SEED_FILES[1].read_text(encoding="utf-8"), encoding="utf-8")
    real_open = os.open  # ingest opens with os.open (O_NONBLOCK), so that is where the read fails

    def guarded_open(file, *args, **kwargs):
        if str(file) == str(locked):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "open", guarded_open)
    sources, (problem,) = read_inputs([str(folder)], Config())
    assert [s.path for s in sources] == [str(folder / "a_ok.txt")]
    assert problem.path == str(locked) and problem.message == "can't read: Permission denied"


def test_unreadable_file_with_real_permissions(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("running as root: chmod 000 does not block reads (covered by the mocked test above)")
    locked = tmp_path / "locked.txt"
    locked.write_text("text " * 50, encoding="utf-8")
    locked.chmod(0)
    try:
        _, (problem,) = read_inputs([str(locked)], Config())
    finally:
        locked.chmod(0o600)
    assert problem.path == str(locked) and "Permission denied" in problem.message


def test_symlink_loop_inside_a_folder_is_a_problem_not_a_hang(tmp_path: Path) -> None:
    folder = tmp_path / "looped"
    folder.mkdir()
    (folder / "ok.txt").write_text(SEED_FILES[0].read_text(encoding="utf-8"), encoding="utf-8")
    os.symlink(folder / "b.txt", folder / "a.txt")
    os.symlink(folder / "a.txt", folder / "b.txt")
    os.symlink(folder, folder / "self")  # a folder that contains itself
    sources, problems = read_inputs([str(folder)], Config())
    assert [s.path for s in sources] == [str(folder / "ok.txt")]
    assert sorted(p.path for p in problems) == [str(folder / "a.txt"), str(folder / "b.txt")]
    assert all("symbolic links" in p.message for p in problems)


def test_same_article_fifty_times_is_read_as_fifty_sources_with_unique_ids(tmp_path: Path) -> None:
    text = SEED_FILES[0].read_text(encoding="utf-8")
    for i in range(50):
        (tmp_path / f"copy{i:02d}.txt").write_text(text, encoding="utf-8")
    sources, problems = read_inputs([str(tmp_path)], Config())
    assert problems == [] and len(sources) == 50
    assert len({s.id for s in sources}) == 50 and len({s.sha256 for s in sources}) == 1


# --- The same corpus through the CLI: exit codes, one-line messages naming the file, the briefing ----------

OUTPUTS = {"brief.md", "brief.html", "brief.json"}


def run_cli(*args: str) -> Result:
    """`reporter brief ARGS --offline` in-process; stdout and stderr captured separately."""
    return CliRunner().invoke(cli, ["brief", *args, "--offline"])


def error_lines(result: Result) -> list[str]:
    """stderr lines that report an error or a warning."""
    return [line for line in result.stderr.splitlines() if "error" in line or "warning" in line]


@pytest.mark.parametrize("case", sorted(UNUSABLE))
def test_unusable_input_alone_exits_1_with_one_line_naming_it_and_writes_nothing(
    corpus: dict[str, Path], case: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = run_cli(str(corpus[case]), "--out", str(out))
    assert result.exit_code == 1, result.output
    (line,) = [line for line in result.stderr.splitlines() if "error" in line]
    assert str(corpus[case]) in line and UNUSABLE[case] in line
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    assert not out.exists() or not OUTPUTS & {p.name for p in out.iterdir()}


@pytest.mark.parametrize("case", sorted(UNUSABLE))
def test_unusable_input_among_good_ones_exits_3_and_is_listed(
    corpus: dict[str, Path], case: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = run_cli(str(SEED_FILES[0]), str(corpus[case]), str(SEED_FILES[1]), "--out", str(out))
    assert result.exit_code == 3, result.output
    assert any(str(corpus[case]) in line and UNUSABLE[case] in line for line in error_lines(result))
    brief = json.loads((out / "brief.json").read_text(encoding="utf-8"))
    assert [s["path"] for s in brief["sources"]] == [str(SEED_FILES[0]), str(SEED_FILES[1])]
    assert any(p["path"] == str(corpus[case]) and UNUSABLE[case] in p["message"] for p in brief["problems"])
    assert str(corpus[case]) in page_text((out / "brief.html").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", sorted(set(USABLE) - {"ten_mb"}))
def test_odd_but_usable_input_gives_a_full_briefing(corpus: dict[str, Path], case: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli(str(corpus[case]), str(SEED_FILES[0]), "--out", str(out))
    assert result.exit_code == 0, result.output
    brief = json.loads((out / "brief.json").read_text(encoding="utf-8"))
    assert [s["path"] for s in brief["sources"]] == [str(corpus[case]), str(SEED_FILES[0])]
    assert len(brief["summaries"]) == 2 and brief["problems"] == []
    assert {p.name for p in out.iterdir()} >= OUTPUTS


def test_cp1252_fallback_is_reported_in_the_briefing(corpus: dict[str, Path], tmp_path: Path) -> None:
    result = run_cli(str(corpus["cp1252"]), str(SEED_FILES[0]), "--out", str(tmp_path))
    assert result.exit_code == 0
    source = json.loads((tmp_path / "brief.json").read_text(encoding="utf-8"))["sources"][0]
    assert source["encoding"] == "cp1252" and "José Müller" in source["text"]


def test_one_source_alone_is_a_briefing_that_says_nothing_was_compared(tmp_path: Path) -> None:
    result = run_cli(str(SEED_FILES[2]), "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    brief = json.loads((tmp_path / "brief.json").read_text(encoding="utf-8"))
    assert len(brief["sources"]) == 1 and len(brief["summaries"]) == 1
    assert brief["consensus"] == []
    # Single-source checks (spelling, damaged text) still run; nothing is compared across sources.
    cross = {"factual_conflict", "wording_variant", "attribution_conflict"}
    assert not [d for d in brief["discrepancies"] if d["kind"] in cross]
    assert all(e["source_id"] == brief["sources"][0]["id"] for d in brief["discrepancies"] for e in d["evidence"])
    assert any("no cross-source comparison" in p["message"] for p in brief["problems"])


def test_the_same_article_fifty_times_is_one_duplicate_group_never_compared_with_itself(tmp_path: Path) -> None:
    folder = tmp_path / "copies"
    folder.mkdir()
    text = SEED_FILES[0].read_text(encoding="utf-8")
    for i in range(50):
        (folder / f"copy{i:02d}.txt").write_text(text, encoding="utf-8")
    result = run_cli(str(folder), str(SEED_FILES[1]), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    brief = json.loads((tmp_path / "out" / "brief.json").read_text(encoding="utf-8"))
    assert len(brief["sources"]) == 51 and len(brief["summaries"]) == 51
    (group,) = brief["duplicates"]
    assert group == [f"copy{i:02d}" for i in range(50)]
    for flag in brief["discrepancies"]:  # only the first copy is compared, and never with its twins
        ids = {e["source_id"] for e in flag["evidence"]}
        assert not ids & set(group[1:])
    assert "copy49" in page_text((tmp_path / "out" / "brief.html").read_text(encoding="utf-8"))


def test_whole_corpus_folder_in_one_run_lists_every_bad_file(corpus: dict[str, Path], tmp_path: Path) -> None:
    folder = corpus["empty"].parent
    result = run_cli(str(folder), "--out", str(tmp_path / "out"), "--max-input-bytes", "2000000")
    assert result.exit_code == 3, result.output
    brief = json.loads((tmp_path / "out" / "brief.json").read_text(encoding="utf-8"))
    listed = {p["path"] for p in brief["problems"] if p["path"]}
    in_folder = {str(p) for case, p in corpus.items() if case in UNUSABLE and p.parent == folder and p.is_file()}
    # Inside a folder, files of other types (.pdf here) are skipped by design, not read and not listed.
    skipped = str(corpus["unsupported_extension"])
    assert in_folder - {skipped} <= listed
    assert skipped not in listed and skipped not in {s["path"] for s in brief["sources"]}
    assert str(corpus["ten_mb"]) in listed  # over the 2 MB limit given on the command line


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert CliRunner().invoke(cli, ["brief"]).exit_code == 2
    assert CliRunner().invoke(cli, ["brief", str(SEED_FILES[0]), "--no-such-flag"]).exit_code == 2
    assert CliRunner().invoke(cli, ["brief", str(SEED_FILES[0]), "--max-input-bytes", "0"]).exit_code == 2


def test_output_folder_that_is_a_file_is_one_line_error(tmp_path: Path) -> None:
    blocker = tmp_path / "taken"
    blocker.write_text("not a folder", encoding="utf-8")
    result = run_cli(str(SEED_FILES[0]), "--out", str(blocker / "sub"))
    assert result.exit_code == 1
    (line,) = [line for line in result.stderr.splitlines() if "error" in line]
    assert str(blocker) in line
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_real_entry_point_prints_no_traceback_for_the_whole_corpus(corpus: dict[str, Path], tmp_path: Path) -> None:
    """The console script, in a subprocess: what a user actually sees."""
    folder = corpus["empty"].parent
    proc = subprocess.run(
        [sys.executable, "-m", "reporter", "brief", str(folder), str(corpus["nonexistent"]), "--offline",
         "--out", str(tmp_path / "out"), "--max-input-bytes", "2000000"],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 3
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("reporter: warning:")]
    assert len(warnings) >= 12 and all(len(line) < 400 for line in warnings)
    assert any(str(corpus["nonexistent"]) in line and "no such file" in line for line in warnings)


def test_ten_mb_article_gives_a_briefing_analysing_a_bounded_prefix(corpus: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli(str(corpus["ten_mb"]), str(SEED_FILES[0]), "--out", str(out))
    assert result.exit_code == 3, result.output  # written, but one input was only partly analysed
    assert any(str(corpus["ten_mb"]) in line and "only the first" in line for line in error_lines(result))
    brief = json.loads((out / "brief.json").read_text(encoding="utf-8"))
    big = brief["sources"][0]
    assert big["text"] == corpus["ten_mb"].read_text(encoding="utf-8")  # kept whole, offsets refer to it
    (problem,) = [p for p in brief["problems"] if p["step"] == "limits"]
    assert problem["source_id"] == big["id"] and "--max-analysed-chars 200,000" in problem["message"]
    texts = {s["id"]: s["text"] for s in brief["sources"]}
    for summary in brief["summaries"]:
        for quote in summary["quotes"]:
            assert texts[summary["source_id"]][quote["start"] : quote["end"]] == quote["text"]
    assert (out / "brief.html").stat().st_size < 2_000_000  # the HTML shows the analysis, not 10 MB of text


def test_an_earlier_briefing_inside_an_input_folder_is_not_read_as_articles(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    for seed in SEED_FILES[:2]:
        (folder / seed.name).write_text(seed.read_text(encoding="utf-8"), encoding="utf-8")
    first = run_cli(str(folder), "--out", str(folder / "reports" / "run1"))
    assert first.exit_code == 0, first.output
    (folder / "notes.md").write_text(SEED_FILES[2].read_text(encoding="utf-8"), encoding="utf-8")
    second = run_cli(str(folder), "--out", str(folder / "reports" / "run2"))
    assert second.exit_code == 0, second.output
    brief = json.loads((folder / "reports" / "run2" / "brief.json").read_text(encoding="utf-8"))
    assert sorted(Path(s["path"]).name for s in brief["sources"]) == sorted([*(p.name for p in SEED_FILES[:2]),
                                                                             "notes.md"])


def test_a_named_pipe_is_refused_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    sources, (problem,) = read_inputs([str(fifo), str(SEED_FILES[0])], Config())
    assert [s.path for s in sources] == [str(SEED_FILES[0])]
    assert problem.path == str(fifo) and "not a regular file" in problem.message
