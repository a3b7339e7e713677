"""Page chrome inside one article, found without other sources: whole junk lines and junk inside lines.

Three sorts of junk are found here:
- whole lines of page furniture: share and comment widgets, newsletter and video prompts, photo captions
  (a short unpunctuated line between paragraphs, or 'Label: text' with no full stop), embedded tweets,
  ad and CSS code, bracketed image credits, 'SEE ALSO' links, copyright lines;
- a "Related" block: the trailer line and the short link lines after it, up to where article prose resumes
  (it no longer swallows the rest of the article);
- junk inside a line: 'Photo: X' glued to a quote, a bare link, a stock-ticker widget ('HPQ +2.00%'),
  '(Get the latest quote here.)', 'Follow her on Twitter at @x', an HTML comment.
Credit lines ('The Associated Press contributed to this report', '- Will Green', 'Contributing: AP') are
article text and are kept, also when they share a line with a copyright notice.

It lives beside the pipeline stages, not in `reporter.evidence`: the engine's parser uses it, and so does
the LLM summary step, which must not load the whole engine before its first request leaves.
"""

from __future__ import annotations

import re
from functools import lru_cache

from reporter.ids import normalise_text

# A whole line that is page furniture, not article text.
_CHROME_LINE = re.compile(
    r"""^(?:
        top\ of\ page | bottom\ of\ page | back\ to\ top | skip\ to\ (?:main\ )?content
      | \d+\s*views?\s*\d*\s*comments? | \d+\s*comments? | \d+\s*(?:views|shares|likes)
      | .*writer['’]s\ picture.* | advertisement | sponsored(?:\ content)?
      | (?:photo|image|picture|video)(?:\ credit)?\s*:[^“"]{0,120} | source\s*:.{0,80} | credit\s*:.{0,80}
      | share(?:\ this(?:\ article|\ story)?)?(?:\ on\ \w+)? | (?:subscribe|sign\ up|follow\ us)\b.{0,80}
      | click\ here\b.{0,80} | all\ rights\ reserved.* | (?:©|copyright\b).{0,100}
      | editor['’]s\ choice | news | popular | most\ (?:read|popular|viewed) | trending(?:\ now)?
      | print | email | tweet | comments? | \d{1,3}
      | scroll\ down\ for\ (?:video|more|the\ video).{0,20}
      | .{0,30}\bclick\ (?:here\ )?(?:for|to\ (?:watch|see|play))\ (?:the\ )?video.{0,20}
      | sorry,?\ we\ are\ not\ (?:currently\ )?accepting\ comments.{0,40}
      | comments\ (?:are\ )?closed.{0,40}
      | see\ (?:also|all\ related)\b.{0,150}
      | other\ stories\ you\ (?:may|might)\ (?:find\ interesting|like|enjoy).{0,10}
      | (?:you\ (?:may|might)\ also\ like|recommended\ for\ you|more\ on\ this\ story).{0,10}
      | \[(?:images?|photos?|pictures?|video|h/t|via|credit)\b[^\]]{0,150}\]
      | \(?(?:photo|image)s?\ (?:by|via|courtesy\ of)\ .{1,80}
      | [\w.+-]+@[\w-]+\.[\w.]+
      | <!--.*
      | FILE\ [-–—]\ .* | .*\(AP\ Photo/[^)]*\)
      | @media\b.* | [.#]?[\w-]+\s*\{[^}]*:[^}]*\}.*
      | .*\|\s*(?:follow\ us|like\ us|contact\ the\ author|share\ on)\b.*
      | (?:like|follow)\ us\ on\ (?:facebook|twitter|instagram)\b.*
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
# A line after which link lines follow: related-article lists and the like.
_TRAILER = re.compile(
    r"^\W?l?(?:related(?:\ articles|\ stories|\ news|\ posts|\ coverage)?|read\ (?:more|also|next)|more\ from\b|"
    r"you\ (?:may|might)\ also\ like|recommended(?:\ for\ you)?|more\ stories|latest\ news|"
    r"most\ (?:read|popular))\b",
    re.IGNORECASE | re.VERBOSE,
)
# An embedded tweet: its byline '— Name (@handle) Month d, yyyy', or a pic.twitter.com link.
_TWEET = re.compile(
    r"(?:pic\.twitter\.com/\w+|[—–-]\s?[^()\n]{1,60}\(@\w{1,30}\)\s+(?:[A-Z][a-z]+\s\d{1,2},\s\d{4}))"
)
# Inside a line: stretches of junk that leave the rest of the line as article text.
_INLINE = [
    (re.compile(r"\((?:get|see)\ the\ latest\ (?:quote|price)s?\ here\.?\)", re.IGNORECASE | re.VERBOSE),
     "quote widget"),
    (re.compile(r"(?<=\s)[A-Z]{1,5}\s[+-−]\d{1,3}\.\d{2}%"), "stock ticker widget"),
    (re.compile(r"(?:Photo|Image|Picture)s?(?:\s(?:credit|via))?:\s?[A-Z][\w.]*(?:\s[A-Z][\w.]*){0,3}(?=[“\"‘])"),
     "photo credit"),
    (re.compile(r"(?<![\w/])(?:https?://|www\.)\S+"), "link"),
    (re.compile(r"Follow\s(?:her|him|us|me|them|[A-Z][\w.’'-]+(?:\s[A-Z][\w.’'-]+){0,2})\son\s(?:Twitter|Facebook|"
                r"Instagram)(?:\sat\s@\w+)?\.?"), "social-media prompt"),
    (re.compile(r"<!--.*?(?:-->|$)"), "code"),
    (re.compile(r"©\s?\d{4}[^.\n]{0,80}\.(?:\s*All Rights Reserved\.)?(?:\s*This material may not be published"
                r"[^.\n]{0,80}\.)?", re.IGNORECASE), "copyright notice"),
    (re.compile(r"(?:^|(?<=[.!?]\s))(?:For\s[^.\n]{0,200})?\bSign up for\b[^\n]*$", re.IGNORECASE),
     "sign-up prompt"),
]
_CREDIT = re.compile(  # (the lookahead, each alternative's possible first characters, only speeds the search up)
    r"(?=[c\s\-–—rwe])(?:\bcontributed\s(?:to\sthis\s(?:report|story)|reporting)\b|^contributing\s*:|^\s*[-–—]\s?[A-Z][\w.’'-]+"
    r"(?:\s[A-Z][\w.’'-]+){0,3}\s*$|^(?:reporting|writing|editing)\sby\b)",
    re.IGNORECASE,
)
_CAPTION_LABEL = re.compile(r"^[A-Z][\w’'-]*(?:\s[\w’'-]+){0,3}[:?!]\s+[A-Z“\"']")
_PULL_QUOTE = re.compile(r"[”\"]\s*[-–—]\s*[A-Z][\w.’'-]+(?:\s[A-Z][\w.’'-]+){0,3}\s*$")
_PROSE_END = re.compile(r"[.!?…:;,”\"’')\]]\s*$")


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


def _prose(line: str) -> bool:
    """A line that reads as article prose: a dozen words or more and sentence punctuation at its end."""
    return len(line.split()) >= 10 and bool(re.search(r"[.!?”\"’']\s*$", line))


class _Lines:
    """Per-line facts `_caption` asks about every line, computed once per article (linear, not quadratic)."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        prose = [_prose(ln) for ln in lines]
        self.prose_before = [0] * (len(lines) + 1)  # prose lines among lines[:i]
        for i, p in enumerate(prose):
            self.prose_before[i + 1] = self.prose_before[i] + p
        ends = [bool(_PROSE_END.search(ln)) for ln in lines]
        self.ended_before: list[int | None] = []  # the last line before i with end punctuation
        last = None
        for i in range(len(lines)):
            self.ended_before.append(last)
            last = i if ends[i] else last
        self.ended_after: list[int | None] = [None] * len(lines)  # the first line after i with it
        nxt = None
        for i in range(len(lines) - 1, -1, -1):
            self.ended_after[i] = nxt
            nxt = i if ends[i] else nxt
        self.ends, self.prose = ends, prose


def _caption(facts: _Lines, i: int) -> bool:
    """A photo caption: in the body (not the opening lines, not the last line), no closing punctuation, at
    most 40 words, next to prose (other captions between them allowed); or a 'Label: text' line of that sort."""
    lines = facts.lines
    line = lines[i]
    words = line.split()
    if i < 2 or i == len(lines) - 1 or len(words) < 3 or facts.ends[i] or line.isupper():
        return False
    if _CREDIT.search(line) or line[0] in "“\"‘'" or re.match(r"By\s[A-Z]", line):
        return False
    if facts.prose_before[i] < 3:
        return False  # the headline and standfirst area: captions come after the first paragraphs
    if _CAPTION_LABEL.match(line):
        return True
    if len(words) > 40 or len(words) < 6:
        return False  # a subhead ('Concerns about China’s role') is article structure, not a caption
    before, after = facts.ended_before[i], facts.ended_after[i]
    return (before is not None and facts.prose[before]) or (after is not None and facts.prose[after])


def find_chrome(text: str, lines: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """Junk spans (whole lines or parts of lines), each with the reason, in text order."""
    found: dict[tuple[int, int], str] = {}
    raw = [text[s:e] for s, e in lines]
    facts = _Lines(raw)
    in_related = False
    seen: dict[str, int] = {}
    keys: dict[int, str] = {}  # each line's normalised text, once (it is also the next and previous line's)

    def norm(j: int) -> str:
        if j not in keys:
            keys[j] = normalise_text(raw[j])
        return keys[j]

    for i, (s, e) in enumerate(lines):
        line = raw[i]
        if i > 0 and _TRAILER.match(line) and len(line.split()) <= 14 and not _prose(line):
            in_related = True
            found[(s, e)] = f"related-links block after '{line[:40]}'"
            continue
        if in_related:
            if _prose(line) and i + 1 < len(raw) and _prose(raw[i + 1]):
                in_related = False  # article text resumes (two paragraphs of prose: not a link's teaser)
            else:
                found[(s, e)] = "related-links block"
                continue
        kind = _line_kind(line)
        if kind in ("page chrome", "embedded tweet"):
            found[(s, e)] = kind
            continue
        if kind is None and i > 0 and _caption(facts, i):  # (a credit line is article text)
            found[(s, e)] = "photo caption"
            continue
        key = norm(i)
        next_key = norm(i + 1) if i + 1 < len(raw) else ""
        if len(next_key) > 40 and key != next_key and key.startswith(next_key) and _PULL_QUOTE.search(line):
            found[(s, e)] = "pull quote (the quote follows as text)"
            continue
        prev_key = norm(i - 1) if i > 0 else ""
        if len(key) > 40 and key in seen:
            found[(s, e)] = "paragraph repeated from earlier in the article"
            continue
        if i > 0 and len(key) > 40 and prev_key != key and (prev_key.endswith(key) or prev_key.startswith(key)):
            found[(s, e)] = "text repeated from the line before (embed or pull quote)"
            continue
        seen.setdefault(key, i)
        for a, b, why in _junk_inside(line):
            found[(s + a, s + b)] = why
    spans = sorted((a, b, why) for (a, b), why in found.items())
    out: list[tuple[int, int, str]] = []
    for a, b, why in spans:  # nested spans: keep the outer one
        if out and a < out[-1][1]:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b, out[-1][2])
            continue
        out.append((a, b, why))
    return out


# What a line is by itself, and the junk inside it, are read once per distinct line: versions of one text
# repeat most paragraphs word for word.
@lru_cache(maxsize=50_000)
def _line_kind(line: str) -> str | None:
    """'page chrome' or 'embedded tweet' (whole lines of junk), 'credit' (a credit line: article text), or None,
    whatever the lines around it."""
    if _CREDIT.search(line) and not _CHROME_LINE.match(line):
        return "credit"
    if _CHROME_LINE.match(line) and not _CREDIT.search(line):
        return "page chrome"
    return "embedded tweet" if _TWEET.search(line) else None


@lru_cache(maxsize=50_000)
def _junk_inside(line: str) -> tuple[tuple[int, int, str], ...]:
    """Stretches of junk inside a line (`_INLINE`), with the reason, offsets in the line."""
    return tuple((m.start(), m.end(), why) for pattern, why in _INLINE for m in pattern.finditer(line)
                 if m.end() > m.start())


def merge_spans(spans: list[tuple[int, int, str]], text: str) -> list[tuple[int, int, str]]:
    """Join neighbouring junk spans (only white space between them) into one span."""
    merged: list[tuple[int, int, str]] = []
    for s, e, why in spans:
        if merged and not text[merged[-1][1] : s].strip():
            ps, _, pwhy = merged[-1]
            merged[-1] = (ps, e, pwhy if why in pwhy else f"{pwhy}; {why}")
        else:
            merged.append((s, e, why))
    return merged


def clean_lines(lines: list[tuple[int, int]], junk: list[tuple[int, int, str]],
                text: str) -> list[tuple[int, int]]:
    """The article's paragraph lines: junk lines dropped, junk at the start or end of a line trimmed off
    (junk in the middle of a line stays, so a sentence is never cut in two)."""
    out = []
    for s, e in lines:
        for js, je, _ in junk:
            if je <= s or js >= e:
                continue
            if js <= s and je >= e:
                s = e
                break
            if js <= s:
                s = je
            elif je >= e:
                e = js
        seg = text[s:e]
        s2 = s + len(seg) - len(seg.lstrip())
        e2 = e - (len(seg) - len(seg.rstrip()))
        if e2 - s2 >= 2:
            out.append((s2, e2))
    return out
