"""Prompt templates: name and version, and loud failures on missing or unknown variables."""

import pytest

from reporter.errors import ConfigError
from reporter.llm.prompts import load_prompt, parse_prompt

GOOD = """---
name: demo
version: "3"
variables: [who]
---
## system
Talk to {who}; braces {{like this}} are literal.
## user
Hello
"""


def test_every_shipped_prompt_loads_with_name_and_version():
    for name in ("summary", "brief", "repair"):
        prompt = load_prompt(name)
        assert prompt.name == name
        assert prompt.version


def test_render_fills_variables_and_keeps_literal_braces():
    messages = parse_prompt(GOOD, "demo.md").render(who="{editor}")
    assert [m.role for m in messages] == ["system", "user"]
    assert messages[0].content == "Talk to {editor}; braces {like this} are literal."


def test_missing_and_unknown_variables_fail_loudly():
    prompt = parse_prompt(GOOD, "demo.md")
    with pytest.raises(ConfigError, match="missing variables \\['who'\\]"):
        prompt.render()
    with pytest.raises(ConfigError, match="unknown variables \\['whom'\\]"):
        prompt.render(who="x", whom="y")


def test_declared_variables_must_match_the_template():
    with pytest.raises(ConfigError, match="differ from those used"):
        parse_prompt(GOOD.replace("variables: [who]", "variables: [who, extra]"), "demo.md")
    with pytest.raises(ConfigError, match="front matter"):
        parse_prompt("## system\nhi", "bare.md")
