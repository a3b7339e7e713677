"""Token counting works offline from the bundled, checksummed vocabularies."""

import gzip
import hashlib
from concurrent.futures import ThreadPoolExecutor
from importlib import resources

import pytest

from reporter import tokens


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base"])
def test_bundled_vocabularies_match_tiktokens_pinned_hash(name):
    raw = gzip.decompress(resources.files("reporter.data").joinpath(f"{name}.tiktoken.gz").read_bytes())
    assert hashlib.sha256(raw).hexdigest() == tokens.EXPECTED_SHA256[name]


def test_counts_match_known_tokenisations():
    # "hello world" is two tokens in both vocabularies; the model decides which vocabulary is used.
    assert tokens.count_tokens("hello world", "gpt-4o") == 2
    assert tokens.encoding_name_for("gpt-4o-mini") == "o200k_base"
    assert tokens.encoding_name_for("gpt-4") == "cl100k_base"
    assert tokens.get_encoding("o200k_base").decode(tokens.get_encoding("o200k_base").encode("Wang Yi")) == "Wang Yi"


def test_an_unknown_model_counts_with_o200k_silently_and_dry_run_says_they_are_estimates(capsys):
    """Every Ollama/vLLM model is unknown to tiktoken: a notice on each run would be noise, so only
    `--dry-run`, where the counts are shown, says they are estimates."""
    assert tokens.encoding_name_for("llama3.1:8b-test-unknown") == "o200k_base"
    assert capsys.readouterr().err == ""
    assert "estimates with o200k_base" in tokens.counting_note("llama3.1:8b-test-unknown")
    assert tokens.counting_note("gpt-4o-mini") == "Token counts: o200k_base, the tokenizer of gpt-4o-mini."


def test_damaged_vocabulary_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(tokens.EXPECTED_SHA256, "cl100k_base", "0" * 64)
    tokens.get_encoding.cache_clear()
    try:
        with pytest.raises(tokens.TokenizerError, match="sha256"):
            tokens.get_encoding("cl100k_base")
    finally:
        tokens.get_encoding.cache_clear()


def test_threads_asking_at_once_build_the_vocabulary_once(monkeypatch):
    # A run's summary workers all count tokens at start; each building its own copy cost seconds cold.
    loads: list[str] = []
    real = tokens._load_ranks

    def counted(name):
        loads.append(name)
        return real(name)

    monkeypatch.setattr(tokens, "_load_ranks", counted)
    tokens.get_encoding.cache_clear()
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            built = list(pool.map(tokens.get_encoding, ["cl100k_base"] * 4))
    finally:
        tokens.get_encoding.cache_clear()
    assert loads == ["cl100k_base"]
    assert all(b is built[0] for b in built)
