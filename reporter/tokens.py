"""Token counting with no network: tiktoken's vocabularies ship with the package, checked by sha256.

tiktoken downloads its vocabularies at first use, which fails on an air-gapped machine. We bundle
`o200k_base` and `cl100k_base` (gzipped, byte-identical to tiktoken's files once decompressed) and
build the `Encoding` ourselves, taking the split pattern and special tokens from the installed
tiktoken so they always match its version.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import threading
from functools import cache
from importlib import resources
from unittest import mock

import tiktoken
import tiktoken_ext.openai_public as openai_public

from reporter.errors import TokenizerError

# The sha256 tiktoken itself pins for each file (tiktoken_ext/openai_public.py).
EXPECTED_SHA256 = {
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
}
DEFAULT_ENCODING = "o200k_base"
_build_lock = threading.Lock()


def _load_ranks(name: str) -> dict[bytes, int]:
    """Read a bundled vocabulary and check it against tiktoken's pinned hash."""
    try:
        raw = gzip.decompress(resources.files("reporter.data").joinpath(f"{name}.tiktoken.gz").read_bytes())
    except (FileNotFoundError, OSError) as exc:
        raise TokenizerError(f"bundled vocabulary {name} is missing or unreadable: {exc}") from exc
    if hashlib.sha256(raw).hexdigest() != EXPECTED_SHA256[name]:
        raise TokenizerError(f"bundled vocabulary {name} fails its sha256 check: reinstall reporter")
    return {base64.b64decode(tok): int(rank) for tok, rank in (line.split() for line in raw.splitlines() if line)}


def get_encoding(name: str) -> tiktoken.Encoding:
    """The named encoding (o200k_base or cl100k_base), built once from the bundled vocabulary."""
    with _build_lock:  # a run's worker threads ask at once: without it each would build its own copy
        return _built_encoding(name)


@cache
def _built_encoding(name: str) -> tiktoken.Encoding:
    if name not in EXPECTED_SHA256:
        raise TokenizerError(f"no bundled vocabulary named {name}")
    ranks = _load_ranks(name)
    # Reuse tiktoken's own definition (pattern, special tokens) with our ranks instead of a download.
    with mock.patch.object(openai_public, "load_tiktoken_bpe", lambda *_a, **_k: ranks):
        params = getattr(openai_public, name)()
    return tiktoken.Encoding(**params)


get_encoding.cache_clear = _built_encoding.cache_clear  # type: ignore[attr-defined]


def known_encoding_for(model: str | None) -> str | None:
    """The encoding tiktoken maps `model` to, when it is one we ship; None for a model it doesn't know."""
    bare = (model or "").split(":", 1)[-1]
    try:
        name = tiktoken.encoding_name_for_model(bare)
    except KeyError:
        return None
    return name if name in EXPECTED_SHA256 else None


def encoding_name_for(model: str | None) -> str:
    """The encoding to count `model`'s tokens with: o200k_base for a model tiktoken doesn't know.

    Local models (Ollama, vLLM, llama.cpp) are all unknown to tiktoken, so the counts are estimates;
    this is said in `--dry-run`'s report (`counting_note`), not on every run's stderr."""
    return known_encoding_for(model) or DEFAULT_ENCODING


def counting_note(model: str | None) -> str:
    """One line for `--dry-run`: which tokenizer the counts come from, and whether they are estimates."""
    if name := known_encoding_for(model):
        return f"Token counts: {name}, the tokenizer of {model}."
    return (f"Token counts: estimates with {DEFAULT_ENCODING} (tiktoken knows no tokenizer for {model!r}; "
            "the server's own tokenizer may count differently).")


def encoding_for(model: str | None) -> tiktoken.Encoding:
    """The encoding to count `model`'s tokens with."""
    return get_encoding(encoding_name_for(model))


def within(text: str, budget: int, model: str | None = None) -> bool:
    """Whether `text` takes at most `budget` tokens. A byte-level BPE token is at least one UTF-8 byte, so a
    text of no more bytes than the budget fits without building the tokenizer (a few tenths of a second)."""
    return len(text.encode("utf-8")) <= budget or count_tokens(text, model) <= budget


def count_tokens(text: str, model: str | None = None) -> int:
    """Number of tokens `text` takes for `model` (special-token text is counted as plain text)."""
    return len(encoding_for(model).encode(text, disallowed_special=()))
