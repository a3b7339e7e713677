"""Which language an article (or a stretch of it) is in, offline.

Two steps, cheap first. The English dictionary the spelling check loads anyway (pyspellchecker's) settles
the common case: when most words of an article are English words it is English, and nothing more is
loaded. Otherwise py3langid (a maintained fork of langid.py: naive Bayes over byte n-grams, 97 languages,
the model ships inside the package, deterministic) names the language; its model takes about a second to
load, so it is only paid for articles that are not plainly English. The spelling check skips non-English
articles (no 'jefe' -> 'jeff'), and the briefing names them. For a short stretch inside an English article
(an embedded Spanish tweet) n-gram models are unreliable, so `foreign_stretch` asks the dictionary alone.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

from reporter.evidence.lexicon import english_count

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_MIN_WORDS = 30  # below this an article's language is not guessed: too little text
_ENGLISH_SHARE = 0.75  # share of (lower-case, 3+ letter) words in the English dictionary in English prose

NAMES = {
    "en": "English", "es": "Spanish", "fr": "French", "de": "German", "pt": "Portuguese", "it": "Italian",
    "nl": "Dutch", "ru": "Russian", "zh": "Chinese", "ja": "Japanese", "ar": "Arabic", "uk": "Ukrainian",
    "pl": "Polish", "tr": "Turkish", "ko": "Korean", "sv": "Swedish", "da": "Danish", "no": "Norwegian",
}


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier  # only for articles not plainly English

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _english_share(text: str) -> tuple[float, int]:
    # lower-case letters only: folded as the dictionary is (lower() of lower-case text is the text itself)
    words = [w for w in _WORD.findall(text) if len(w) > 2 and w.islower()]
    if not words:
        return 0.0, 0
    return english_count(words) / len(words), len(words)


def detect(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None when there is too little text to tell.

    Remembered by a digest of the text (the spelling check and the pipeline's language note both ask about
    every article; a cache keyed by the texts themselves would keep thousands of articles alive)."""
    key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
    if key not in _DETECTED:
        if len(_DETECTED) >= _REMEMBERED:
            _DETECTED.clear()
        _DETECTED[key] = _detect(text)
    return _DETECTED[key]


_DETECTED: dict[bytes, str | None] = {}
_REMEMBERED = 8192


def _detect(text: str) -> str | None:
    share, n = _english_share(text)
    if n < _MIN_WORDS:
        return None
    if share >= _ENGLISH_SHARE:
        return "en"
    lang, prob = _identifier().classify(text[:20_000])
    return lang if prob >= 0.9 else ("en" if share >= 0.5 else None)


def is_english(text: str) -> bool:
    """The article is English, or too short to tell (then the English checks stay on)."""
    return detect(text) in ("en", None)


def language_name(code: str) -> str:
    """A readable name for a language code."""
    return NAMES.get(code, code)


@lru_cache(maxsize=50_000)  # asked of every sentence, and versions of one text repeat most sentences
def foreign_stretch(text: str) -> bool:
    """Most lower-case words of a stretch (a sentence, an embedded tweet) are not English words."""
    share, n = _english_share(text)
    return n >= 3 and share < 0.5
