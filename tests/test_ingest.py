"""Ingest of every format and encoding; a bad file is a problem, not a crash."""

import json

import pytest

from reporter.config import Config
from reporter.errors import InputError
from reporter.ingest import read_inputs, read_source

ARTICLE = "Wang Yi met Vladimir Putin in Moscow on Wednesday.\n\n“Our ties are strong,” Wang said.\n"


def test_txt_utf8_keeps_text_exactly(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    source = read_source(str(path), Config())
    assert source.text == ARTICLE
    assert (source.format, source.encoding, source.id) == ("txt", "utf-8", "a")
    assert source.words == 15


def test_bom_and_cp1252_are_decoded_and_reported(tmp_path):
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbf" + ARTICLE.encode())
    (tmp_path / "win.txt").write_bytes("Caf\u00e9 owners said \u201cno\u201d.".encode("cp1252"))
    bom = read_source(str(tmp_path / "bom.txt"), Config())
    win = read_source(str(tmp_path / "win.txt"), Config())
    assert bom.text == ARTICLE and bom.encoding == "utf-8-sig"
    assert win.text == "Café owners said “no”." and win.encoding == "cp1252"
    assert any("cp1252" in note for note in win.notes)


def test_html_goes_through_main_text_extraction(tmp_path):
    body = "<p>" + "Wang Yi met Putin in Moscow to discuss trade and the war. " * 8 + "</p>"
    html = (f"<html><head><title>Talks in Moscow</title><script>alert('x')</script></head><body><nav>Home | Login"
            f"</nav><article><h1>Talks in Moscow</h1>{body}</article><footer>Copyright</footer></body></html>")
    (tmp_path / "page.html").write_text(html)
    source = read_source(str(tmp_path / "page.html"), Config())
    assert "Wang Yi met Putin" in source.text
    assert "alert" not in source.text and "Login" not in source.text
    assert source.title == "Talks in Moscow"


def test_json_article_with_metadata(tmp_path):
    (tmp_path / "j.json").write_text(json.dumps({"title": "T", "text": ARTICLE, "outlet": "Wire", "url": "http://x"}))
    source = read_source(str(tmp_path / "j.json"), Config())
    assert (source.title, source.outlet, source.url, source.text) == ("T", "Wire", "http://x", ARTICLE)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b" \n\t\n", "empty"),
        ("bin.txt", b"\x00\x01\x02binary", "binary"),
        ("bad.json", b"{not json", "malformed JSON"),
        ("notext.json", b'{"title": "x"}', '"text"'),
        ("page.html", b"<html><body><nav>menu</nav></body></html>", "no article text"),
        ("file.pdf", b"%PDF-1.4", "unsupported file type"),
    ],
)
def test_bad_files_raise_input_error_naming_the_file(tmp_path, name, data, message):
    (tmp_path / name).write_bytes(data)
    with pytest.raises(InputError) as info:
        read_source(str(tmp_path / name), Config())
    assert message in str(info.value) and name in str(info.value)


def test_folders_are_read_recursively_in_stable_order_and_bad_files_listed(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.txt").write_text(ARTICLE)
    (tmp_path / "1.md").write_text(ARTICLE + "more")
    (tmp_path / "0.txt").write_bytes(b"")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")  # unsupported types inside a folder are skipped
    sources, problems = read_inputs([str(tmp_path), str(tmp_path / "missing.txt")], Config())
    assert [s.id for s in sources] == ["1", "2"]
    assert [(p.path.rsplit("/", 1)[-1], p.message) for p in problems] == [
        ("missing.txt", "no such file or folder"), ("0.txt", "empty article (no text)")]


def test_size_limit_is_a_clear_problem(tmp_path):
    (tmp_path / "big.txt").write_text("word " * 100)
    config = Config()
    config.limits.max_input_bytes = 50
    sources, problems = read_inputs([str(tmp_path / "big.txt")], config)
    assert not sources and "over the limit of 50" in problems[0].message


def test_clashing_file_names_get_distinct_ids_independent_of_order(tmp_path):
    for sub in ("x", "y"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "story.txt").write_text(ARTICLE + sub)
    forward, _ = read_inputs([str(tmp_path / "x"), str(tmp_path / "y")], Config())
    backward, _ = read_inputs([str(tmp_path / "y"), str(tmp_path / "x")], Config())
    assert {s.id: s.path for s in forward} == {s.id: s.path for s in backward}
    assert sorted(s.id for s in forward) == ["story", "story-2"]
