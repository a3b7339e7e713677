"""The interactive review: one flag at a time on the terminal, a key per decision, each saved at once."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from reporter.models import Brief, Discrepancy, Evidence, Review, ReviewStatus, Source
from reporter.review import record_decision, status_of

KEYS: dict[str, str] = {
    "c": "confirm",
    "d": "dismiss",
    "n": "needs-check",
    "s": "skip",
    "e": "note",
    "x": "correction",
    "b": "back",
    "q": "quit",
    "?": "help",
}
DECIDING: dict[str, ReviewStatus] = {"c": "confirmed", "d": "dismissed", "n": "needs-check"}
HELP = """\
c  confirm      the flag is right: the sources really differ / the text is damaged
d  dismiss      the flag is wrong or does not matter
n  needs-check  someone must check with the outlet or the original
s  skip         decide later (the flag stays open)
e  note         write why (saved at once; the status stays as it is)
x  correction   propose the corrected text (saved at once)
b  back         the previous flag
q  quit         stop here; every decision made so far is already saved
?  help         this list"""
PROMPT = "[c]onfirm [d]ismiss [n]eeds-check [s]kip  [e] note [x] correction  [b]ack [q]uit [?]help > "
STATUS_STYLE = {"confirmed": "green", "dismissed": "dim", "needs-check": "yellow", "open": "cyan"}

# Article text is untrusted: control characters and bidi overrides could rewrite the terminal or
# reorder what the editor sees, so they are dropped before display.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
CONTEXT_LINES = 1
CONTEXT_CHARS = 240
EVIDENCE_CHARS = 600
_BLANK_LINES = re.compile(r"\n\s*\n")


def safe(text: str) -> str:
    """`text` without characters that could control the terminal."""
    return _UNSAFE.sub("", text)


def _line_start_before(text: str, pos: int) -> int:
    """Start of the nearest non-blank line that ends before `pos` (0 at the top of the text)."""
    end = text.rfind("\n", 0, pos)
    while end > 0:
        start = text.rfind("\n", 0, end) + 1
        if text[start:end].strip():
            return start
        end = start - 1
    return 0


def _line_end_after(text: str, pos: int) -> int:
    """End of the nearest non-blank line that starts after `pos` (the text's end if none)."""
    start = text.find("\n", pos)
    while 0 <= start < len(text):
        end = text.find("\n", start + 1)
        end = len(text) if end < 0 else end
        if text[start + 1 : end].strip():
            return end
        start = end
    return len(text)


def context_around(text: str, start: int, end: int) -> tuple[str, str]:
    """The text before and after [start:end]: its own line plus CONTEXT_LINES non-blank lines each side, capped."""
    lo = text.rfind("\n", 0, start) + 1
    for _ in range(CONTEXT_LINES):
        if lo > 0:
            lo = _line_start_before(text, lo)
    hi = text.find("\n", end)
    hi = len(text) if hi < 0 else hi
    for _ in range(CONTEXT_LINES):
        if hi < len(text):
            hi = _line_end_after(text, hi)
    before, after = _BLANK_LINES.sub("\n", text[lo:start]), _BLANK_LINES.sub("\n", text[end:hi])
    if len(before) > CONTEXT_CHARS:
        before = "…" + before[-CONTEXT_CHARS:].split(" ", 1)[-1]
    if len(after) > CONTEXT_CHARS:
        after = after[:CONTEXT_CHARS].rsplit(" ", 1)[0] + "…"
    return before, after


def shortened(text: str) -> str:
    """Evidence longer than EVIDENCE_CHARS (a block of page junk, say) as its start and end."""
    if len(text) <= EVIDENCE_CHARS:
        return text
    head, tail = text[: EVIDENCE_CHARS * 2 // 3], text[-EVIDENCE_CHARS // 3 :]
    return f"{head} […{len(text) - len(head) - len(tail)} characters…] {tail}"


def evidence_cell(ev: Evidence, source: Source | None) -> Text:
    """One side of the comparison: the evidence highlighted inside its surrounding lines."""
    cell = Text()
    if source is not None and source.text[ev.start : ev.end] == ev.text:
        before, after = context_around(source.text, ev.start, ev.end)
        cell.append(safe(before), style="dim")
        cell.append(safe(shortened(ev.text)), style="bold reverse")
        cell.append(safe(after), style="dim")
    else:  # the briefing is untrusted too: show the evidence alone rather than the wrong context
        cell.append(safe(shortened(ev.text)), style="bold reverse")
        cell.append("\n(not found at its offsets in the source)", style="italic red")
    return cell


def flag_view(flag: Discrepancy, sources: dict[str, Source], position: str) -> Group:
    """Everything the editor needs to decide on one flag."""
    status = status_of(flag)
    head = Text(f"{position}  {flag.id}  ", style="bold")
    head.append(f"{flag.kind} · {flag.severity} · confidence {flag.confidence:.2f} · ")
    head.append(status, style=STATUS_STYLE[status])
    table = Table(expand=True, show_lines=True)
    for ev in flag.evidence:
        src = sources.get(ev.source_id)
        outlet = f" ({safe(src.outlet)})" if src is not None and src.outlet else ""
        table.add_column(Text(safe(ev.source_id) + outlet), ratio=1, overflow="fold")
    table.add_row(*(evidence_cell(ev, sources.get(ev.source_id)) for ev in flag.evidence))
    parts: list = [head, Text(safe(flag.title), style="bold"), table, Text(safe(flag.explanation))]
    if flag.suggestion:
        parts.append(Text("Suggestion: ", style="bold").append(safe(flag.suggestion)))
    if flag.review and flag.review.note:
        parts.append(Text("Note: ", style="bold").append(safe(flag.review.note)))
    if flag.review and flag.review.correction:
        parts.append(Text("Correction: ", style="bold").append(safe(flag.review.correction)))
    return Group(*parts)


def read_key() -> str:
    """One key: a keypress on a terminal, else the first character of a line ('q' at end of input)."""
    click.echo(PROMPT, nl=False)
    if sys.stdin.isatty():
        key = click.getchar()
        click.echo(key)
        return key.lower()
    line = sys.stdin.readline()
    if not line:
        click.echo()
        return "q"
    key = line.strip()[:1].lower()
    click.echo(key)
    return key


def walk(brief: Brief, out_dir: Path, reviewer: str | None, console: Console, everything: bool) -> Brief:
    """Walk the editor through the open flags (or all of them); returns the brief with the decisions."""
    flags = [f for f in brief.discrepancies if everything or status_of(f) == "open"]
    sources = {s.id: s for s in brief.sources}
    decided: dict[str, Review] = {}
    if not flags:
        console.print("No open flags to review." if not everything else "No flags to review.")
        return brief
    console.print(f"{len(flags)} flag(s) to review. Keys: c d n s e x b q, ? for help.")
    i = 0
    try:
        while i < len(flags):
            flag = flags[i]
            console.print(Panel(flag_view(flag, sources, f"[{i + 1}/{len(flags)}]")))
            key = read_key()
            if key in DECIDING or key in ("e", "x"):
                status = DECIDING.get(key, status_of(flag))
                note = correction = None
                if key == "e":
                    note = click.prompt("Note (empty clears it)", default="", show_default=False)
                if key == "x":
                    correction = click.prompt("Correction (empty clears it)", default="", show_default=False)
                review = record_decision(out_dir, flag, status, note=note, correction=correction, reviewer=reviewer)
                flags[i] = flag = flag.model_copy(update={"review": review})
                decided[flag.id] = review
                console.print(f"Saved: {flag.id} {review.status}.")
                if key in DECIDING:
                    i += 1
            elif key == "s":
                i += 1
            elif key == "b":
                if i == 0:
                    console.print("This is the first flag.")
                i = max(0, i - 1)
            elif key == "q":
                break
            elif key == "?":
                console.print(HELP)
            else:
                console.print("Unknown key; ? lists the keys.")
        else:
            console.print("That was the last flag.")
    except (KeyboardInterrupt, click.Abort):
        console.print()
    updated = [f.model_copy(update={"review": decided[f.id]}) if f.id in decided else f for f in brief.discrepancies]
    return brief.model_copy(update={"discrepancies": updated})
