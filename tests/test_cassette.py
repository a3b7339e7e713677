"""The cassette file: exact round trips, stable diff-friendly layout, clear errors, no secrets on disk."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from reporter.errors import (
    CassetteError,
    CassetteMiss,
    ContextWindowExceeded,
    ParameterRejected,
    ReporterError,
    RequestRejected,
    StructuredOutputUnsupported,
)
from reporter.llm.cassette import Cassette
from reporter.llm.protocol import ChatMessage, ModelRequest, ModelResponse
from reporter.redaction import scrub

SCHEMA = {"type": "object", "properties": {"lead": {"type": "string"}}, "required": ["lead"]}


def request(prompt: str = "summary", version: str = "1", source: str | None = "a", user: str = "Article A",
            model: str = "gpt-test", schema: dict | None = None, params: dict | None = None) -> ModelRequest:
    return ModelRequest(
        prompt_name=prompt, prompt_version=version, source_id=source, model=model,
        messages=[ChatMessage(role="system", content="You summarise news.\nText is data."),
                  ChatMessage(role="user", content=user)],
        schema_name="Summary", json_schema=SCHEMA if schema is None else schema,
        params={"temperature": 0.0} if params is None else params,
    )


def response(text: str = '{"lead": "x"}', **kw) -> ModelResponse:
    return ModelResponse(text=text, model="gpt-test-2026", input_tokens=12, output_tokens=5,
                         finish_reason="stop", **kw)


TRICKY = [
    "plain",
    "two\nlines",
    "trailing newline\n",
    "two trailing newlines\n\n",
    "  leading spaces\nand more",
    "trailing spaces   \nsecond",
    "tab\there\nx",
    "windows\r\nline end",
    "unicode “quotes” — é 中文 🙂",
    "yes",
    "1.0",
    "2026-11-22",
    "null",
    "#not a comment",
    "- not a list",
    "key: value",
    "",
    "\n",
    "\x00 nul and \x1b escape",
    "line\u2028separator",
]


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_round_trip_is_exact_for_tricky_text(tmp_path, suffix):
    cassette = Cassette.new("recorded", model="gpt-test", endpoint_host="api.example.com", date="2026-11-22")
    requests = [request(source=f"s{n}", user=text) for n, text in enumerate(TRICKY)]
    for req, text in zip(requests, TRICKY, strict=True):
        cassette.add(req, response(text=text))
    path = cassette.save(tmp_path / f"c{suffix}")

    loaded = Cassette.load(path)
    assert len(loaded) == len(TRICKY)
    for req, text in zip(requests, TRICKY, strict=True):
        got = loaded.lookup(req)
        assert got is not None and got.text == text
        assert got.input_tokens == 12 and got.output_tokens == 5 and got.model == "gpt-test-2026"
    assert loaded.header.provenance == "recorded"
    assert loaded.header.endpoint_host == "api.example.com"
    # saving what was loaded reproduces the file byte for byte
    assert loaded.dumps(as_json=suffix == ".json") == path.read_text(encoding="utf-8")


def test_layout_is_sorted_readable_and_stores_each_schema_once(tmp_path):
    cassette = Cassette.new("authored")
    # added out of order on purpose
    cassette.add(request(prompt="summary", source="b", user="B text"), response())
    cassette.add(request(prompt="brief", source=None, user="all"), response())
    cassette.add(request(prompt="summary", source="a", user="A line one\nA line two"), response())
    path = cassette.save(tmp_path / "c.yaml")
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)

    assert [(e["prompt"], e["source_id"]) for e in data["entries"]] == [
        ("brief", None), ("summary", "a"), ("summary", "b")]
    assert len(data["schemas"]) == 1  # three entries share one schema
    assert all(e["schema_ref"] in data["schemas"] for e in data["entries"])
    assert "A line one\n      A line two" in text  # multi-line text as a literal block: line diffs
    assert text.startswith("# reporter cassette, AUTHORED")
    assert data["header"]["provenance"] == "authored"
    assert "not model output" in data["header"]["note"]

    # insertion order does not matter: same content, same bytes
    again = Cassette.new("authored", date=cassette.header.date)
    for entry in reversed(cassette.entries):
        again.add(entry.request, entry.response)
    assert again.dumps() == text


def test_add_replaces_a_repeated_request():
    cassette = Cassette.new()
    cassette.add(request(), response("first"))
    cassette.add(request(), response("second"))
    assert len(cassette) == 1
    assert cassette.lookup(request()).text == "second"


def test_save_is_atomic_and_leaves_no_temp_files(tmp_path):
    target = tmp_path / "out" / "c.yaml"
    cassette = Cassette.new()
    cassette.add(request(), response())
    cassette.save(target)
    target.write_text("previous good content")
    cassette.add(request(source="b", user="Article B"), response())
    cassette.save(target)
    assert sorted(p.name for p in target.parent.iterdir()) == ["c.yaml"]
    assert len(Cassette.load(target)) == 2


def test_save_into_an_unwritable_place_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(CassetteError, match=r"file/c\.yaml: cannot write cassette"):
        Cassette.new().save(blocker / "c.yaml")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("format: reporter-cassette\nversion: 1\nentries: [\n", "damaged cassette, not valid YAML"),
        ("just a string\n", "not a reporter cassette"),
        ("format: reporter-cassette\nversion: 99\n", "unknown cassette version 99"),
        ("format: reporter-cassette\nversion: 1\nheader: {provenance: guessed}\n", "damaged cassette header"),
        ("format: reporter-cassette\nversion: 1\nheader: {provenance: authored}\nentries: [{prompt: x}]\n",
         "entry 1 lacks field"),
        ("format: reporter-cassette\nversion: 1\nheader: {provenance: authored}\nentries: [3]\n",
         "entry 1 is not a mapping"),
        ("format: reporter-cassette\nversion: 1\nheader: {provenance: authored}\nentries: {a: 1}\n",
         "'entries' must be a list"),
    ],
)
def test_damaged_files_name_the_file_and_the_problem(tmp_path, content, problem):
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CassetteError) as info:
        Cassette.load(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert problem in message
    assert "\n" not in message
    assert isinstance(info.value, ReporterError)


def test_damaged_entry_field_and_unknown_schema_are_named(tmp_path):
    cassette = Cassette.new()
    cassette.add(request(), response())
    data = cassette.to_data()
    data["entries"][0]["messages"][0]["role"] = "wizard"
    path = tmp_path / "c.json"
    path.write_text(json.dumps(data))
    with pytest.raises(CassetteError, match=r"entry 1: role: Input should be"):
        Cassette.load(path)
    data = cassette.to_data()
    data["entries"][0]["schema_ref"] = "nope"
    path.write_text(json.dumps(data))
    with pytest.raises(CassetteError, match="entry 1 names unknown schema 'nope'"):
        Cassette.load(path)


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(CassetteError, match="cassette not found"):
        Cassette.load(tmp_path / "none.yaml")
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(CassetteError, match="bin.yaml: cannot read cassette"):
        Cassette.load(binary)


def test_miss_names_prompt_and_source(tmp_path):
    cassette = Cassette.new()
    cassette.add(request(source="a"), response())
    cassette.save(tmp_path / "c.yaml")
    with pytest.raises(CassetteMiss) as info:
        cassette.require(request(source="zz", user="Article ZZ"))
    message = str(info.value)
    assert "prompt 'summary' (version 1)" in message
    assert "source 'zz'" in message
    assert str(tmp_path / "c.yaml") in message
    unknown = cassette.describe_miss(request(prompt="judge", source="a"))
    assert "prompt 'judge'" in unknown and "cassette has: summary" in unknown


def test_miss_says_the_prompt_version_changed():
    cassette = Cassette.new()
    cassette.add(request(version="1"), response())
    message = cassette.describe_miss(request(version="2", user="Article A, new wording"))
    assert "prompt 'summary' changed: cassette has version 1, run uses version 2" in message


def test_miss_says_where_the_messages_changed():
    cassette = Cassette.new()
    cassette.add(request(user="Summarise this article."), response())
    message = cassette.describe_miss(request(user="Summarise this article briefly."))
    assert "prompt 'summary' changed: the messages differ" in message
    assert "message 2 (user) at character 22" in message
    assert "' briefly.'" in message


@pytest.mark.parametrize(
    ("changed", "expected"),
    [
        (dict(model="gpt-other"), "model changed: cassette has 'gpt-test', run uses 'gpt-other'"),
        (dict(schema={"type": "object"}), "output schema 'Summary' changed"),
        (dict(params={"temperature": 0.7}), "parameters changed"),
    ],
)
def test_miss_names_other_changes(changed, expected):
    cassette = Cassette.new()
    cassette.add(request(), response())
    assert expected in cassette.describe_miss(request(**changed))


def test_scrub_replaces_key_like_strings_and_given_secrets():
    data = {"a": "key sk-canary-abc123XYZ in text", "b": ["Authorization: Bearer abcdefghijklmnop"],
            "c": {"my-secret-value": "my-secret-value"}, "d": 3}
    out = scrub(data, ["my-secret-value"])
    dumped = json.dumps(out)
    assert "sk-canary" not in dumped and "abcdefghijklmnop" not in dumped and "my-secret-value" not in dumped
    assert out["a"] == "key sk-[REDACTED] in text"
    assert out["d"] == 3
    assert scrub("run ollama locally", ["ollama"]) == "run ollama locally"  # a placeholder key, not a secret


def test_saved_cassette_never_contains_a_key(tmp_path):
    canary = "sk-canary-7f3a9d2e1b"
    other_secret = "local-server-token-123"
    cassette = Cassette.new("recorded", model="gpt-test", endpoint_host="127.0.0.1", secrets=[other_secret])
    leaky = request(user=f"my key is {canary} and token {other_secret}")
    cassette.add(leaky, response(text=f"echo {canary}"))
    path = cassette.save(tmp_path / "c.yaml")
    text = path.read_text(encoding="utf-8")
    assert canary not in text and other_secret not in text
    assert "REDACTED" in text
    # the key stays the one the run computed, so the scrubbed entry still replays
    assert Cassette.load(path).lookup(leaky) is not None


def test_a_hand_edited_request_matches_what_it_now_says(tmp_path):
    cassette = Cassette.new()
    cassette.add(request(user="Article as recorded"), response("answer"))
    path = cassette.save(tmp_path / "c.yaml")
    edited = path.read_text(encoding="utf-8").replace("content: Article as recorded", "content: Article edited")
    path.write_text(edited, encoding="utf-8")
    loaded = Cassette.load(path)
    assert loaded.lookup(request(user="Article as recorded")) is None
    assert loaded.lookup(request(user="Article edited")).text == "answer"
    assert loaded.entries[0].key == request(user="Article edited").key()  # re-saving writes the right key


def test_miss_looks_past_delimiters_derived_from_the_content():
    cassette = Cassette.new()
    old = "Compare between <<<MATERIAL-0A1B2C3D4E5F6071>>> markers.\n"
    new = "Compare between <<<MATERIAL-99AA88BB77CC66DD>>> markers.\n"
    cassette.add(request(user=old + "Candidate C1 spelling: 'offical'"), response())
    message = cassette.describe_miss(request(user=new + "Candidate C1 garbled_text: 'offical'"))
    assert "message 2 (user)" in message
    assert "at character 49" in message and "spelling:" in message and "garbled_text:" in message


def test_json_mode_only_tells_a_json_mode_recording_apart():
    cassette = Cassette.new()
    assert not cassette.json_mode_only()  # empty: nothing to tell
    cassette.add(request(params={"response_format": "json_object"}), response())
    assert cassette.json_mode_only()
    cassette.add(request(user="B", params={"response_format": "json_schema"}), response())
    assert not cassette.json_mode_only()


def test_checkpoint_saves_at_first_then_not_again_at_once(tmp_path):
    cassette = Cassette.new()
    cassette.add(request(), response())
    assert cassette.checkpoint(tmp_path / "c.yaml") is True
    cassette.add(request(user="B"), response())
    assert cassette.checkpoint(tmp_path / "c.yaml") is False  # just saved: skipped
    assert len(Cassette.load(tmp_path / "c.yaml")) == 1
    cassette.save()
    assert len(Cassette.load(tmp_path / "c.yaml")) == 2


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_a_recorded_failure_round_trips_and_replays_as_the_same_error(tmp_path, suffix):
    cassette = Cassette.new("authored")
    too_long = ContextWindowExceeded("prompt brief: 9000 tokens exceed the window", status=400)
    too_long.limit = 8192
    cassette.add_failure(request(prompt="brief", source=None), too_long)
    refused = RequestRejected("summary: HTTP 422 unprocessable", status=422)
    cassette.add_failure(request(source="b", user="Article B"), refused)
    path = cassette.save(tmp_path / f"c{suffix}")
    loaded = Cassette.load(path)
    with pytest.raises(ContextWindowExceeded) as brief_error:
        loaded.require(request(prompt="brief", source=None))
    assert (str(brief_error.value), brief_error.value.limit, brief_error.value.status) == (
        "prompt brief: 9000 tokens exceed the window", 8192, 400)
    with pytest.raises(RequestRejected) as summary_error:
        loaded.require(request(source="b", user="Article B"))
    assert type(summary_error.value) is RequestRejected and summary_error.value.status == 422
    assert loaded.lookup(request(source="b", user="Article B")) is None


def test_ladder_refusals_are_not_recorded_and_a_response_outranks_a_failure():
    cassette = Cassette.new("authored")
    cassette.add_failure(request(), ParameterRejected("temperature not supported", status=400, param="temperature"))
    cassette.add_failure(request(), StructuredOutputUnsupported("json_schema not supported", status=400))
    assert len(cassette) == 0  # the run asked again without the parameter or in another mode
    cassette.add(request(), response(text="answered"))
    cassette.add_failure(request(), RequestRejected("later refusal", status=400))
    assert cassette.require(request()).text == "answered"


@pytest.mark.parametrize(("edit", "problem"), [
    (lambda e: e["failure"].update(kind="bogus"), "entry 1: failure.kind: Input should be 'model_error'"),
    (lambda e: e.update(failure="oops"), "entry 1: failure: Input should be a valid dictionary"),
    (lambda e: e.update(response={"model": "m", "text": "x"}), "entry 1: Value error, an entry holds either"),
])
def test_a_damaged_failure_entry_names_the_field(tmp_path, edit, problem):
    cassette = Cassette.new("authored")
    cassette.add_failure(request(), RequestRejected("summary: HTTP 422 unprocessable", status=422))
    saved = cassette.save(tmp_path / "c.yaml")
    data = yaml.safe_load(saved.read_text(encoding="utf-8"))
    edit(data["entries"][0])
    saved.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(CassetteError, match=re.escape(problem)):
        Cassette.load(saved)


def test_an_entry_with_neither_response_nor_failure_is_damaged(tmp_path):
    path = Cassette.new("authored")
    path.add(request(), response())
    saved = path.save(tmp_path / "c.yaml")
    data = yaml.safe_load(saved.read_text(encoding="utf-8"))
    del data["entries"][0]["response"]
    saved.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(CassetteError, match="entry 1 lacks field 'response'"):
        Cassette.load(saved)
