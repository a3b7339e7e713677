"""The bad-input corpus through ingest and the CLI: a named one-line error or a sensible briefing."""

from __future__ import annotations

import builtins
import os
from pathlib import Path

import pytest
from bad_input_corpus import SEED_FILES, UNUSABLE, USABLE, build_corpus

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
    real_open = builtins.open

    def guarded_open(file, *args, **kwargs):
        if str(file) == str(locked):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
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
