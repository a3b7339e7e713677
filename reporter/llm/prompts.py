"""Prompt templates: one Markdown file per step in `prompts/`, with a name and version in front matter.

`prompts/` is the one place they are edited; a built package carries a copy (see setup.py).
A file is YAML front matter (name, version, description, variables) then `## system` / `## user`
sections in LangChain's f-string syntax (literal braces are doubled), rendered with LangChain's own
f-string formatter, the one its `ChatPromptTemplate` applies (a test checks both give the same messages).
Not `ChatPromptTemplate` itself: importing it pulls in LangChain's tracing stack (langsmith), half a
second before a cached run could answer. The declared variables must be exactly the template's, and
rendering must supply exactly them: a missing or unknown variable is an error, never a silently empty
or ignored slot.
"""

from __future__ import annotations

import os
import re
import string
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from reporter.errors import ConfigError
from reporter.llm.protocol import ChatMessage


def prompts_dir() -> Path:
    """Where the templates are read: `$REPORTER_PROMPTS`, else the copy an installed package ships
    (`reporter/_prompts`, made by setup.py at build time), else the checkout's `prompts/` (editable)."""
    if folder := os.environ.get("REPORTER_PROMPTS"):
        return Path(folder)
    shipped = Path(__file__).resolve().parents[1] / "_prompts"
    if (shipped / "summary.md").is_file():
        return shipped
    return Path(__file__).resolve().parents[2] / "prompts"


PROMPTS_DIR = prompts_dir()
_SECTION = re.compile(r"^## (system|user|assistant)\s*$", re.MULTILINE)
_FRONT = re.compile(r"\A---\n(.*?)\n---\n(.*)\Z", re.DOTALL)


@dataclass(frozen=True)
class PromptTemplate:
    """One step's prompt: name, version, declared variables and the chat messages' templates."""

    name: str
    version: str
    variables: frozenset[str]
    messages: tuple[tuple[str, str], ...]  # (role, f-string template), in order

    def render(self, **values: str) -> list[ChatMessage]:
        """The chat messages with `values` filled in; exactly the declared variables must be given."""
        missing = self.variables - values.keys()
        unknown = values.keys() - self.variables
        if missing or unknown:
            raise ConfigError(
                f"prompt {self.name} v{self.version}: missing variables {sorted(missing)}, "
                f"unknown variables {sorted(unknown)}"
            )
        from langchain_core.utils.formatting import formatter  # not at import: a cached run never renders

        return [ChatMessage(role=role, content=formatter.format(template, **values))  # type: ignore[arg-type]
                for role, template in self.messages]


def template_variables(template: str) -> set[str]:
    """The variables of an f-string template, by LangChain's rules (no attribute access, indexing,
    positional or nested fields); a ValueError names the problem."""
    names = set()
    for _, name, spec, _ in string.Formatter().parse(template):
        if name is None:
            continue
        if "." in name or "[" in name or "]" in name or name.isdigit() or not name:
            raise ValueError(f"invalid variable name {name!r} in f-string template")
        if spec and ("{" in spec or "}" in spec):
            raise ValueError("nested replacement fields are not allowed in an f-string template")
        names.add(name)
    return names


def parse_prompt(text: str, origin: str) -> PromptTemplate:
    """Parse one prompt file's text; `origin` names it in errors."""
    match = _FRONT.match(text.replace("\r\n", "\n"))
    if not match:
        raise ConfigError(f"{origin}: prompt file must start with '---' front matter")
    import yaml  # not at import: a run answered from the result cache reads no template

    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{origin}: bad front matter: {exc}") from exc
    if not isinstance(meta, dict):
        raise ConfigError(f"{origin}: front matter must be a mapping")
    for key in ("name", "version", "variables"):
        if key not in meta:
            raise ConfigError(f"{origin}: front matter lacks '{key}'")
    parts = _SECTION.split(match.group(2))
    messages = tuple((role, body.strip("\n")) for role, body in zip(parts[1::2], parts[2::2], strict=True))
    if not messages:
        raise ConfigError(f"{origin}: no '## system' or '## user' section")
    try:
        used = frozenset(v for _, body in messages for v in template_variables(body))
    except ValueError as exc:
        raise ConfigError(f"{origin}: bad template: {exc}") from exc
    declared = frozenset(str(v) for v in meta["variables"])
    if declared != used:
        raise ConfigError(
            f"{origin}: declared variables {sorted(declared)} differ from those used {sorted(used)}"
        )
    return PromptTemplate(name=str(meta["name"]), version=str(meta["version"]), variables=declared,
                          messages=messages)


@cache
def load_prompt(name: str, directory: Path = PROMPTS_DIR) -> PromptTemplate:
    """Load `prompts/<name>.md`; its front-matter name must match the file name."""
    path = directory / f"{name}.md"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read prompt template: {exc.strerror or exc}") from exc
    prompt = parse_prompt(text, str(path))
    if prompt.name != name:
        raise ConfigError(f"{path}: front matter names it {prompt.name!r}, expected {name!r}")
    return prompt
