"""One bad input never takes down a run: every failure is a listed problem for that input, the rest is briefed.

Each test names the promise it checks. Inputs are built here, in a temporary folder, beside one good
article (`GOOD`), so every test also checks that the good article is still briefed.
"""

from __future__ import annotations

import os
import threading
import unicodedata
from pathlib import Path

import pytest

from reporter import pipeline
from reporter.config import Config
from reporter.errors import InputError
from reporter.ingest import read_inputs, read_source

GOOD = ('Lyon mayor vows to rebuild bridge by spring\n\n'
        'The collapsed Pont Morand will be rebuilt by next spring, Mayor François Lefèvre said on Tuesday.\n\n'
        '"We will rebuild the bridge before the first day of spring, whatever it costs," François Lefèvre said.\n\n'
        '"Nobody was hurt, and that is what matters," said Hélène Dupré, the deputy mayor.\n')


def _folder(tmp_path: Path, **files: str | bytes) -> Path:
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    for name, content in files.items():
        path = folder / name.replace("__", ".")
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return folder


def _read(folder: Path) -> tuple[list[str], dict[str, str]]:
    sources, problems = read_inputs([str(folder)], Config(offline=True))
    return [s.id for s in sources], {Path(p.path or "").name: p.message for p in problems}


def test_json_nested_100000_deep_is_a_problem_for_that_file_only(tmp_path):
    ids, problems = _read(_folder(tmp_path, deep__json="[" * 100_000 + "]" * 100_000))
    assert ids == ["good"]
    assert "nested too deeply" in problems["deep.json"]


def test_json_with_a_5000_digit_number_is_a_problem_for_that_file_only(tmp_path):
    ids, problems = _read(_folder(tmp_path, big__json='{"text": "a b c", "n": ' + "9" * 5000 + "}"))
    assert ids == ["good"]
    assert "number" in problems["big.json"] and "digits" in problems["big.json"]


def test_a_lone_surrogate_is_refused_at_ingest_with_a_clear_message(tmp_path):
    ids, problems = _read(_folder(tmp_path, sur__json='{"title": "T", "text": "Paris \\udc80 is calm today."}'))
    assert ids == ["good"]
    assert problems["sur.json"] == "text contains a lone surrogate (\\udc80) at character 6: not valid Unicode"
    sources, problems = read_inputs([str(tmp_path / "in")], Config(offline=True))
    brief = pipeline.build_brief(sources, Config(offline=True), problems)
    assert "lone surrogate" in brief.model_dump_json()  # the good article still renders to JSON


def test_a_file_name_that_is_not_utf8_is_skipped_with_a_problem(tmp_path):
    folder = _folder(tmp_path)
    with open(os.path.join(os.fsencode(folder), b"caf\xe9.txt"), "wb") as handle:
        handle.write(GOOD.encode())
    sources, problems = read_inputs([str(folder)], Config(offline=True))
    assert [s.id for s in sources] == ["good"]
    assert [p.message for p in problems] == ["file name is not valid UTF-8 (caf\\xe9.txt); skipped"]
    brief = pipeline.build_brief(sources, Config(offline=True), problems)
    assert "caf" in brief.model_dump_json()  # serialisable: no PydanticSerializationError


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le",
                                      "utf-32-be"])
def test_utf8_16_and_32_files_with_a_bom_are_decoded(tmp_path, encoding):
    data = GOOD.encode(encoding)
    if encoding.endswith(("-le", "-be")):
        data = "\ufeff".encode(encoding) + data
    path = tmp_path / "a.txt"
    path.write_bytes(data)
    source = read_source(str(path), Config(offline=True))
    assert source.text == GOOD
    assert source.encoding in {"utf-8-sig", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"}
    assert source.encoding.startswith(encoding[:6])


def test_the_same_article_in_nfc_and_nfd_gives_no_false_flag_and_offsets_stay_on_the_original(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(unicodedata.normalize("NFC", GOOD), encoding="utf-8")
    (folder / "b.txt").write_text(unicodedata.normalize("NFD", GOOD), encoding="utf-8")
    brief = pipeline.run([str(folder)], Config(offline=True))
    assert brief.discrepancies == []
    texts = {s.id: s.text for s in brief.sources}
    assert texts["b"] == unicodedata.normalize("NFD", GOOD)  # the text stays exactly as decoded
    spans = [e for c in brief.consensus for e in c.evidence]
    spans += [(q, s.source_id) for s in brief.summaries for q in s.quotes]  # type: ignore[misc]
    assert any(getattr(e, "source_id", None) == "b" for e in spans)
    for span in spans:
        span, sid = span if isinstance(span, tuple) else (span, span.source_id)
        assert texts[sid][span.start:span.end] == span.text


def test_a_real_difference_is_flagged_alike_whether_the_copy_is_nfc_or_nfd(tmp_path):
    found = {}
    for form in ("NFC", "NFD"):
        folder = tmp_path / form
        folder.mkdir()
        (folder / "a.txt").write_text(GOOD, encoding="utf-8")
        other = GOOD.replace("Mayor François Lefèvre said", "Mayor François Lefèvre told Le Progrès")
        other = other.replace("said Hélène Dupré", "said Pierre Lambert")
        (folder / "b.txt").write_text(unicodedata.normalize(form, other), encoding="utf-8")
        brief = pipeline.run([str(folder)], Config(offline=True))
        texts = {s.id: s.text for s in brief.sources}
        evidence = [e for d in brief.discrepancies for e in d.evidence]
        assert all(texts[e.source_id][e.start:e.end] == e.text for e in evidence)
        found[form] = [(d.kind, [unicodedata.normalize("NFC", e.text) for e in d.evidence])
                       for d in brief.discrepancies]
    assert found["NFC"] == found["NFD"] and any(kind == "attribution_conflict" for kind, _ in found["NFD"])


def test_cr_only_line_endings_are_line_breaks(tmp_path):
    path = tmp_path / "mac.txt"
    path.write_bytes(GOOD.replace("\n", "\r").encode())
    brief = pipeline.run([str(path), str(_folder(tmp_path) / "good.txt")], Config(offline=True))
    mac = next(s for s in brief.sources if s.id == "mac")
    assert mac.text == GOOD.replace("\n", "\r")  # kept as decoded
    assert mac.title == "Lyon mayor vows to rebuild bridge by spring"
    summary = next(s for s in brief.summaries if s.source_id == "mac")
    assert all(mac.text[q.start:q.end] == q.text for q in summary.quotes) and summary.quotes


def test_html_nested_deeper_than_the_parser_limit_keeps_its_article(tmp_path):
    body = "<p>" + GOOD.replace("\n\n", "</p><p>") + "</p>"
    page = "<html><body>" + "<div>" * 400 + "<article>" + body + "</article>" + "</div>" * 400 + "</body></html>"
    path = tmp_path / "deep.html"
    path.write_text(page, encoding="utf-8")
    source = read_source(str(path), Config(offline=True))
    assert "whatever it costs" in source.text and "Hélène Dupré" in source.text
    assert any("nested" in note for note in source.notes)


def test_a_symlink_out_of_the_input_folder_is_not_followed_and_said(tmp_path):
    secret = tmp_path / "outside.txt"
    secret.write_text("LOCAL SECRET " * 50, encoding="utf-8")
    folder = _folder(tmp_path)
    (folder / "passwd.txt").symlink_to(secret)
    (folder / "inside.txt").symlink_to(folder / "good.txt")
    sources, problems = read_inputs([str(folder)], Config(offline=True))
    assert "LOCAL SECRET" not in "".join(s.text for s in sources)
    assert sorted(s.id for s in sources) == ["good", "inside"]  # a link inside the folder is fine
    assert [p.message for p in problems if p.path.endswith("passwd.txt")] == [
        "symbolic link to a file outside the input folder; not followed"]


def test_a_file_replaced_by_a_fifo_after_listing_never_blocks(tmp_path, monkeypatch):
    fifo = tmp_path / "a.txt"
    os.mkfifo(fifo)
    regular = os.stat(__file__)
    real_stat = os.stat
    # The file was a regular file when listed and checked; it is a FIFO when opened.
    monkeypatch.setattr("reporter.ingest.os.stat", lambda p, *a, **k: regular if str(p) == str(fifo)
                        else real_stat(p, *a, **k))
    box: dict[str, object] = {}

    def read() -> None:
        try:
            read_source(str(fifo), Config(offline=True))
        except InputError as exc:
            box["error"] = exc.problem

    worker = threading.Thread(target=read, daemon=True)
    worker.start()
    worker.join(5)
    if worker.is_alive():  # unblock the reader so the test process can end
        open(fifo, "wb").close()
        pytest.fail("opening a FIFO blocked")
    assert box["error"] == "not a regular file (a pipe, device or socket)"


def test_reporters_own_outputs_are_never_read_as_articles(tmp_path):
    folder = _folder(tmp_path)
    (folder / "other.txt").write_text(GOOD.replace("Dupré", "Dupont"), encoding="utf-8")
    config = Config(offline=True)
    for _ in range(2):  # --out equal to the input folder, twice
        brief = pipeline.run([str(folder)], config, folder)
        from reporter.render import write_outputs
        write_outputs(brief, folder, config)
        (folder / "copy.json").write_text((folder / "brief.json").read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "brief.html").unlink()
    brief = pipeline.run([str(folder)], config, folder)
    assert sorted(s.id for s in brief.sources) == ["good", "other"]
    skipped = {Path(p.path).name: p.message for p in brief.problems if p.path}
    assert skipped["copy.json"] == "a briefing written by reporter, not an article; skipped"


def test_any_exception_while_reading_one_source_becomes_a_problem(tmp_path, monkeypatch):
    folder = _folder(tmp_path, bad__html="<html><body><p>" + GOOD + "</p></body></html>")

    def broken(html: str, path: str) -> dict:
        raise RuntimeError("extractor crashed")

    monkeypatch.setattr("reporter.ingest._html_to_article", broken)
    ids, problems = _read(folder)
    assert ids == ["good"]
    assert problems["bad.html"] == "could not be read (RuntimeError: extractor crashed)"


@pytest.fixture
def poisoned(tmp_path, monkeypatch):
    """Three articles; parsing the one holding POISON raises (a detector bug met by one source only)."""
    folder = _folder(tmp_path, poison__txt=GOOD.replace("Lyon", "POISON"), other__txt=GOOD.replace("Dupré", "X"))
    from reporter.evidence import structure

    real_parse = structure.parse

    def parse(source):
        if "POISON" in source.text:
            raise ZeroDivisionError("detector bug")
        return real_parse(source)

    monkeypatch.setattr("reporter.evidence.parse", parse)
    return folder


def test_any_exception_while_analysing_one_source_becomes_a_problem(poisoned):
    folder = poisoned
    brief = pipeline.run([str(folder)], Config(offline=True))
    assert sorted(s.id for s in brief.sources) == ["good", "other", "poison"]
    problem = next(p for p in brief.problems if p.source_id == "poison")
    assert problem.message == "could not be analysed (ZeroDivisionError: detector bug); listed without flags"
    assert {s.source_id for s in brief.summaries} == {"good", "other", "poison"}


def test_dry_run_contains_an_analysis_fault_to_its_article_as_a_run_does(poisoned):
    folder = poisoned
    text = pipeline.plan([str(folder)], Config(model="gpt-4o-mini", api_key="sk-test-000000"))
    # every article still gets its summary request planned; the brief request covers them all
    for sid in ("good", "other", "poison"):
        assert sid in text, text
