"""Page chrome and appended material inside one article, found line by line (no other source needed)."""

from __future__ import annotations

import re

from reporter.ids import normalise_text

# A whole line that is page furniture, not article text.
_CHROME_LINE = re.compile(
    r"""^(?:
        top\ of\ page | bottom\ of\ page | back\ to\ top | skip\ to\ (?:main\ )?content
      | \d+\s*views?\s*\d*\s*comments? | \d+\s*comments? | \d+\s*(?:views|shares|likes)
      | .*writer['’]s\ picture.* | advertisement | sponsored(?:\ content)?
      | (?:photo|image|picture|video)(?:\ credit)?\s*:.* | source\s*:.{0,80} | credit\s*:.{0,80}
      | share(?:\ this(?:\ article|\ story)?)?(?:\ on\ \w+)? | (?:subscribe|sign\ up|follow\ us)\b.{0,80}
      | click\ here\b.{0,80} | all\ rights\ reserved.* | (?:©|copyright\b).{0,100}
      | editor['’]s\ choice | news | popular | most\ (?:read|popular|viewed) | trending(?:\ now)?
      | print | email | tweet | comments?
      | .{0,80}\bcontributed\ (?:to\ this\ report|reporting|to\ this\ story)\.?
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
# A line after which everything is other stories: related-article lists and the like.
_TRAILER = re.compile(
    r"^(?:related(?:\ articles|\ stories|\ news|\ posts)?|read\ (?:more|also|next)|more\ from\b.*|"
    r"you\ (?:may|might)\ also\ like|recommended(?:\ for\ you)?|more\ stories|latest\ news|"
    r"most\ (?:read|popular))\s*:?\s*$",
    re.IGNORECASE | re.VERBOSE,
)


def line_spans(text: str) -> list[tuple[int, int]]:
    """Non-blank lines of a text as (start, end), stripped of surrounding white space."""
    spans = []
    for m in re.finditer(r"[^\n]+", text):
        raw = m.group()
        stripped = raw.strip()
        if not stripped:
            continue
        start = m.start() + (len(raw) - len(raw.lstrip()))
        spans.append((start, start + len(stripped)))
    return spans


def find_chrome(text: str, lines: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """Lines that are chrome, appended stories or repeats, each with the reason, in text order."""
    found: dict[int, tuple[int, int, str]] = {}
    trailer_at = None
    for i, (s, e) in enumerate(lines):
        line = text[s:e]
        if _TRAILER.match(line) and i > 0:
            trailer_at = i
            break
    seen: dict[str, int] = {}
    for i, (s, e) in enumerate(lines):
        line = text[s:e]
        if trailer_at is not None and i >= trailer_at:
            found[i] = (
                s,
                e,
                f"appended material after '{text[lines[trailer_at][0] : lines[trailer_at][1]]}'",
            )
            continue
        if _CHROME_LINE.match(line):
            found[i] = (s, e, "page chrome")
            continue
        key = normalise_text(line)
        if len(key) > 40 and key in seen:
            found[i] = (s, e, "paragraph repeated from earlier in the article")
        seen.setdefault(key, i)
    return [found[i] for i in sorted(found)]


def merge_spans(spans: list[tuple[int, int, str]], text: str) -> list[tuple[int, int, str]]:
    """Join neighbouring chrome lines (only white space between them) into one span."""
    merged: list[tuple[int, int, str]] = []
    for s, e, why in spans:
        if merged and not text[merged[-1][1] : s].strip():
            ps, _, pwhy = merged[-1]
            merged[-1] = (ps, e, pwhy if why in pwhy else f"{pwhy}; {why}")
        else:
            merged.append((s, e, why))
    return merged
