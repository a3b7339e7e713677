"""One policy for hiding API keys wherever they could leak: replies, error messages, cassettes, briefings.

- A configured secret is hidden when it has at least MIN_SECRET_CHARS characters. Shorter values are
  placeholders that local servers accept (`OPENAI_API_KEY=ollama`, `EMPTY`), and replacing such a
  common word everywhere would garble the articles quoted in a briefing or a cassette.
- It is hidden in every form it can take in text: as written, and JSON-escaped (a key inside a JSON
  string reads differently once it holds a quote or a backslash).
- Key-shaped strings (`sk-…`, `Bearer …`) are hidden too where no article text can be hit: error
  messages and recorded cassettes (`key_shapes=True`). Model replies and briefings quote articles, so
  there only the configured secrets are replaced.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

REDACTED = "[REDACTED]"
MIN_SECRET_CHARS = 8

_KEY_SHAPES = (
    (re.compile(r"\bsk-[A-Za-z0-9_\-]{6,}"), "sk-" + REDACTED),
    (re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9_\-.=]{8,}"), r"\g<1>" + REDACTED),
)


def secret_forms(secrets: Iterable[str | None]) -> list[str]:
    """The strings to hide for these secrets: each long-enough secret as written and JSON-escaped, longest first."""
    forms = set()
    for secret in secrets:
        if secret and len(secret) >= MIN_SECRET_CHARS:
            forms.update({secret, json.dumps(secret)[1:-1]})
    return sorted(forms, key=len, reverse=True)


def contains_secret(text: str, secrets: Iterable[str | None]) -> bool:
    """Whether `text` holds one of these secrets in any form `redact` would hide."""
    return any(form in text for form in secret_forms(secrets))


def redact(text: str, secrets: Iterable[str | None] = (), *, key_shapes: bool = False) -> str:
    """`text` with every configured secret (and, with `key_shapes`, every key-shaped string) replaced."""
    for form in secret_forms(secrets):
        text = text.replace(form, REDACTED)
    if key_shapes:
        for pattern, replacement in _KEY_SHAPES:
            text = pattern.sub(replacement, text)
    return text


def redact_bytes(body: bytes, secrets: Iterable[str | None]) -> bytes:
    """A raw reply body with every configured secret replaced (raw and JSON-escaped)."""
    for form in secret_forms(secrets):
        body = body.replace(form.encode("utf-8", "surrogatepass"), REDACTED.encode())
    return body


def scrub(value: Any, secrets: Iterable[str | None] = ()) -> Any:
    """A JSON-like structure with every string redacted, key shapes included (keys of dicts too)."""
    secrets = list(secrets)
    if isinstance(value, str):
        return redact(value, secrets, key_shapes=True)
    if isinstance(value, dict):
        return {scrub(k, secrets): scrub(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, secrets) for v in value]
    return value
