"""CLI polish: every command's --help has examples and names the environment variables it reads; usage
errors exit 2 in every command, as a user runs them (the console script's `main`)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from reporter.cli import cli

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = sorted(cli.list_commands(click.Context(cli)))  # review and serve load lazily
# os.environ.get("X") / os.getenv("X") / os.environ["X"] anywhere in the package
ENV_READ = re.compile(r"""(?:environ(?:\.get)?\(|getenv\(|environ\[)\s*["']((?:REPORTER|OPENAI)_[A-Z_]+)["']""")


def env_read_by_the_package() -> set[str]:
    return {m.group(1) for p in (ROOT / "reporter").rglob("*.py") for m in ENV_READ.finditer(p.read_text("utf-8"))}


def help_of(*args: str) -> str:
    result = CliRunner().invoke(cli, [*args, "--help"], terminal_width=120)
    assert result.exit_code == 0, result.output
    return result.output


def test_the_top_level_help_names_every_environment_variable_the_package_reads():
    read = env_read_by_the_package()
    assert {"OPENAI_API_KEY", "OPENAI_BASE_URL", "REPORTER_MODEL", "REPORTER_REVIEWER"} <= read
    text = help_of()
    assert [v for v in sorted(read) if v not in text] == []
    assert "Examples:" in text


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_help_has_examples_and_its_environment(command):
    text = help_of(command)
    assert "Examples:" in text and f"reporter {command} " in text.split("Examples:", 1)[1]
    assert "Environment:" in text


def test_brief_help_names_the_model_variables():
    text = help_of("brief")
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "REPORTER_MODEL", "REPORTER_CACHE_DIR"):
        assert name in text


@pytest.mark.parametrize("command", COMMANDS)
def test_an_unknown_option_is_a_usage_error_with_exit_2(command, tmp_path):
    done = subprocess.run([sys.executable, "-m", "reporter", command, str(tmp_path), "--no-such-option"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "No such option" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("args", [
    ["brief"],
    ["brief", "seeds", "--record", "a.yaml", "--replay", "b.yaml"],
    ["brief", "seeds", "--concurrency", "0"],
    ["review", "reports/seeds", "--status", "open"],
    ["review", "reports/seeds", "--set", "nonsense"],
    ["review", "reports/seeds", "--set", "zz-none=confirmed"],
    ["serve", "reports/seeds", "--port", "70000"],
    ["no-such-command"],
])
def test_usage_errors_exit_2(args, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert not (ROOT / "reports" / "seeds" / "review.json").exists()
