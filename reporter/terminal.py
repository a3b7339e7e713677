"""Text for the terminal: control characters from file names, articles or review files shown, never obeyed.

An escape sequence in a file name or article (`\\x1b]0;...`, `\\x1b[2J`) would otherwise retitle, clear or
recolour the user's terminal, and a bidi override would reorder what they read. Each such character is
shown as a visible escape (`\\x1b`, `\\u202e`); tabs and newlines are escaped too where one line is promised.
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, and the Unicode bidi embeddings/overrides/isolates.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CONTROL_KEEP_LINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def for_terminal(text: object, *, one_line: bool = True) -> str:
    """`text` with every control character shown as an escape; newlines and tabs too when `one_line`."""
    pattern = _CONTROL if one_line else _CONTROL_KEEP_LINES
    return pattern.sub(_visible, str(text))
