"""The interactive review: one flag at a time on the terminal, a key per decision, each saved at once."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

import click
from rich.console import Console, Group
from rich.rule import Rule
from rich.text import Text

from reporter.excerpt import excerpt
from reporter.models import Brief, Discrepancy, Review, ReviewStatus, Source
from reporter.render import kind_label, ordered, source_label, with_labels
from reporter.review import record_decision, status_of
from reporter.terminal import for_terminal

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
PROMPT = "[c]onfirm [d]ismiss [n]eeds-check [s]kip [e]note [x]correct [b]ack [q]uit [?]> "  # 80 columns with the key
PROMPT_LINES = 2  # the prompt, and the line the answer echoes on
STATUS_STYLE = {"confirmed": "green", "dismissed": "dim", "needs-check": "yellow", "open": "cyan"}

CONTEXT_LINES = 1
CONTEXT_CHARS = 240
EVIDENCE_CHARS = 600
_BLANK_LINES = re.compile(r"\n\s*\n")


def safe(text: str) -> str:
    """`text` with every character that could control the terminal shown as an escape (lines kept).

    Article text and the briefing file are untrusted: control characters and bidi overrides could rewrite
    the terminal or reorder what the editor sees. The same rule as `review --list` (reporter/terminal.py).
    """
    return for_terminal(text, one_line=False)


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


def _clip(text: str, width: int, lines: int) -> str:
    """`text` cut to fit `lines` lines of `width` columns, ending in '…' when cut."""
    room = max(8, width * lines - 2)
    return text if len(text) <= room else text[: room - 1].rsplit(" ", 1)[0] + "…"


def evidence_line(flag: Discrepancy, index: int, source: Source | None, name: str, width: int, lines: int) -> Text:
    """One source's evidence on as few lines as it needs: its name, then the span inside its sentence."""
    ev = flag.evidence[index]
    line = Text(safe(name) + ": ", style="bold")
    if source is None or source.text[ev.start : ev.end] != ev.text:  # the briefing is untrusted too
        line.append(safe(_clip(ev.text, width, lines)), style="reverse")
        return line.append(" (not found at its offsets in the source)", style="italic red")
    if len(ev.text) > EVIDENCE_CHARS:  # a block of page junk: its start and end
        line.append(safe(" ".join(shortened(ev.text).split())), style="bold reverse")
        return line
    text, strong = excerpt(flag.kind, source.text, ev.start, ev.end, max_side=120)
    room = max(16, width * lines - len(name) - 2)
    if len(text) > room and strong:  # keep the emphasised words, trim the sentence around them evenly
        a, b = strong[0][0], strong[-1][1]
        keep = max(0, (room - (b - a)) // 2)
        lo, hi = max(0, a - keep), min(len(text), b + keep)
        strong = [(x - lo, y - lo) for x, y in strong if x >= lo and y <= hi]
        text = ("…" if lo else "") + text[lo:hi] + ("…" if hi < len(text) else "")
        strong = [(x + (1 if lo else 0), y + (1 if lo else 0)) for x, y in strong]
    if len(text) > room:  # still too long (the emphasised words alone are): cut, and drop what was cut
        text = text[: room - 1] + "…"
        strong = [(x, min(y, room - 1)) for x, y in strong if x < room - 1]
    pos = 0
    for a, b in strong:
        line.append(safe(text[pos:a]), style="dim")
        line.append(safe(text[a:b]), style="bold reverse")
        pos = b
    return line.append(safe(text[pos:]), style="dim")


def flag_view(flag: Discrepancy, sources: dict[str, Source], position: str, width: int = 80, height: int = 24,
              names: dict[str, str] | None = None) -> Group:
    """Everything the editor needs to decide on one flag, fitted to a width x height terminal.

    The header and title come first and the key prompt last, so on an 80x24 screen both stay visible;
    evidence gets the lines left over, shared between sources, each span shown inside its sentence.
    """
    names = names or {}
    status = status_of(flag)
    head = Text(f"{position} ", style="bold")
    head.append(flag.severity.upper(), style="bold red" if flag.severity == "high" else "bold")
    head.append(f" · {kind_label(flag.kind)} · confidence {flag.confidence:.2f} · ")
    head.append(status, style=STATUS_STYLE[status])
    head.append(f" · {safe(flag.id)}", style="dim")
    title = Text(safe(_clip(with_labels(flag.title, names), width, 2)), style="bold")
    explanation = Text(safe(_clip(with_labels(flag.explanation, names), width, 2)), style="italic")
    tail: list[Text] = [explanation]
    if flag.suggestion:
        tail.append(Text("Suggestion: ", style="bold").append(safe(_clip(flag.suggestion, width - 12, 1))))
    for label, value in (("Note", flag.review and flag.review.note),
                         ("Correction", flag.review and flag.review.correction)):
        if value:
            tail.append(Text(f"{label}: ", style="bold").append(safe(_clip(value, width - 12, 1))))
    used = 1 + _lines(title, width) + sum(_lines(t, width) for t in tail) + PROMPT_LINES
    room = max(len(flag.evidence), height - used - 1)
    per = max(1, room // max(1, len(flag.evidence)))
    evidence = [evidence_line(flag, i, sources.get(e.source_id), names.get(e.source_id, e.source_id), width, per)
                for i, e in enumerate(flag.evidence)]
    return Group(head, title, *evidence, *tail)


def _lines(text: Text, width: int) -> int:
    return max(1, -(-len(text.plain) // max(1, width)))


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


def walk(brief: Brief, out_dir: Path, reviewer: str | None, console: Console, everything: bool,
         only: Callable[[Discrepancy], bool] | None = None) -> Brief:
    """Walk the editor through the open flags (or all of them), most severe first.

    Each decision is saved at once. Ctrl-C stops the walk and is raised again (KeyboardInterrupt) once
    the walk has said so, so the command can exit 130; the decisions made are already in review.json.
    """
    flags = [f for f in ordered(brief.discrepancies)
             if (everything or status_of(f) == "open") and (only is None or only(f))]
    sources = {s.id: s for s in brief.sources}
    names = source_label(brief)
    decided: dict[str, Review] = {}
    if not flags:
        console.print("No open flags to review." if not everything else "No flags to review.")
        return brief
    console.print(f"{len(flags)} flag(s) to review. Keys: c d n s e x b q, ? for help.")
    i = 0
    try:
        while i < len(flags):
            flag = flags[i]
            if console.is_terminal:
                console.clear()
            console.print(Rule(style="dim"))
            width, height = console.size
            console.print(flag_view(flag, sources, f"[{i + 1}/{len(flags)}]", width, height, names))
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
                console.print(Text(f"Saved: {safe(flag.id)} {review.status}."))  # Text: no rich markup
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
                if console.is_terminal:
                    click.pause()
            else:
                console.print("Unknown key; ? lists the keys.")
        else:
            console.print("That was the last flag.")
    except (KeyboardInterrupt, click.Abort):
        console.print()
        raise KeyboardInterrupt from None
    updated = [f.model_copy(update={"review": decided[f.id]}) if f.id in decided else f for f in brief.discrepancies]
    return brief.model_copy(update={"discrepancies": updated})
