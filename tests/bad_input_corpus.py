"""The bad-input corpus: small files committed in tests/bad_inputs/, big or odd ones built in a tmp folder.

`build_corpus(tmp)` returns {case name: path}. Each case is a single input that can't be used or is
odd; `UNUSABLE` maps the unusable ones to the words their one-line error must contain.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from bench.big_article import write_big_article  # one generator for the test corpus and the benchmark

BAD = Path(__file__).parent / "bad_inputs"
SEEDS = Path(__file__).parent.parent / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.txt"))

# case -> words the one-line error must contain (besides the file's path)
UNUSABLE: dict[str, str] = {
    "empty": "empty article",
    "whitespace_only": "empty article",
    "binary": "binary data",
    "nul_filled": "binary data",
    "invalid_utf8": "not decodable",
    "no_article_html": "no article text",
    "malformed_json": "malformed JSON",
    "wrong_fields_json": '"text" string',
    "json_list": '"text" string',
    "unsupported_extension": "unsupported file type",
    "nonexistent": "no such file",
    "symlink_loop": "symbolic link loop",
    "empty_folder": "holds no",
}

# cases that are odd but usable: each gives a source and a briefing
USABLE = ("cp1252", "non_english", "xss_html", "long_line", "odd_name", "injection", "ten_mb")


def build_corpus(tmp: Path) -> dict[str, Path]:
    """Write every case into `tmp` (copies of committed files, generated ones) and return their paths."""
    tmp.mkdir(parents=True, exist_ok=True)
    cases: dict[str, Path] = {}
    for name, committed in {
        "empty": "empty.txt",
        "whitespace_only": "whitespace_only.txt",
        "invalid_utf8": "invalid_utf8.txt",
        "no_article_html": "no_article.html",
        "malformed_json": "malformed.json",
        "wrong_fields_json": "wrong_fields.json",
        "json_list": "json_list.json",
        "unsupported_extension": "unsupported.pdf",
        "cp1252": "cp1252.txt",
        "non_english": "non_english.txt",
        "xss_html": "xss_article.html",
        "injection": "injection.txt",
    }.items():
        cases[name] = Path(shutil.copy(BAD / committed, tmp / committed))

    # Binary data without NUL bytes (so only the control-character check can catch it), and a NUL-filled file.
    binary = bytes(b for b in range(256) if b not in (0, 0x81, 0x8D, 0x8F, 0x90, 0x9D)) * 8
    (cases_binary := tmp / "binary.txt").write_bytes(binary)
    cases["binary"] = cases_binary
    (nul := tmp / "nul_filled.txt").write_bytes(b"\x00" * 4096)
    cases["nul_filled"] = nul

    cases["nonexistent"] = tmp / "does_not_exist.txt"
    loop = tmp / "loop.txt"
    os.symlink(tmp / "loop_b.txt", loop)
    os.symlink(loop, tmp / "loop_b.txt")
    cases["symlink_loop"] = loop
    (empty_folder := tmp / "no_articles").mkdir()
    (empty_folder / "notes.docx").write_bytes(b"PK\x03\x04")  # a file, but not an article type
    (empty_folder / "sub").mkdir()
    cases["empty_folder"] = empty_folder

    seed = SEED_FILES[0].read_text(encoding="utf-8")
    (long_line := tmp / "long_line.txt").write_text(seed.replace("\n", " ") * 60, encoding="utf-8")
    cases["long_line"] = long_line
    odd = tmp / "Wang Yi's \"visit\" – Moscow, Ünïcödé 北京.txt"
    odd.write_text(SEED_FILES[1].read_text(encoding="utf-8"), encoding="utf-8")
    cases["odd_name"] = odd
    cases["ten_mb"] = write_big_article(tmp / "ten_mb.txt", 10_000_000)
    return cases
