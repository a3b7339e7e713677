"""One redaction policy for replies, error messages, cassettes and briefings (reporter/redaction.py)."""

import json

from reporter.redaction import REDACTED, contains_secret, redact, redact_bytes, scrub

KEY = 'tok-"quoted\\key-123'  # a quote and a backslash: its JSON-escaped form differs from the raw one


def test_a_configured_key_is_hidden_raw_and_json_escaped():
    text = f"raw {KEY} and in JSON {json.dumps(KEY)}"
    out = redact(text, [KEY])
    assert KEY not in out and json.dumps(KEY)[1:-1] not in out
    assert out.count(REDACTED) == 2


def test_placeholder_keys_of_local_servers_are_not_words_to_hide():
    article = "Run ollama locally; the EMPTY key is fine."
    assert redact(article, ["ollama", "EMPTY", None, ""]) == article
    assert scrub(article, ["ollama"]) == article


def test_key_shapes_are_hidden_only_where_no_article_text_is_hit():
    text = "quoted sk-abcdef123456 and Authorization: Bearer abcdefghijkl"
    assert redact(text, []) == text  # replies and briefings quote articles verbatim
    shaped = redact(text, [], key_shapes=True)  # error messages and cassettes
    assert "sk-abcdef123456" not in shaped and "abcdefghijkl" not in shaped
    assert shaped == f"quoted sk-{REDACTED} and Authorization: Bearer {REDACTED}"


def test_reply_bytes_and_nested_structures():
    body = json.dumps({"content": f"echo {KEY}"}).encode()
    assert KEY.encode() not in redact_bytes(body, [KEY])
    assert json.dumps(KEY)[1:-1].encode() not in redact_bytes(body, [KEY])
    data = {KEY: [f"x {KEY}", 3, {"k": "sk-canary-abc123"}]}
    dumped = json.dumps(scrub(data, [KEY]))
    assert "quoted" not in dumped and "sk-canary" not in dumped and "3" in dumped


def test_contains_secret_follows_the_same_rule():
    assert contains_secret(f"x {json.dumps(KEY)} y", [KEY])  # the JSON-escaped form counts too
    assert not contains_secret("run ollama locally", ["ollama"])
    assert not contains_secret("nothing here", [KEY, None])
