"""reports/seeds/ is the committed output of `python3 dev.py brief`: it must match what the code writes now."""

import json
from pathlib import Path

from click.testing import CliRunner

from reporter.cli import cli

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "reports" / "seeds"
REGENERATE = "regenerate it: python3 dev.py brief (or .venv/bin/reporter brief seeds --out reports/seeds)"


def _without_timing(brief: dict) -> dict:
    brief["run"].pop("duration_s")
    return brief


def test_committed_seeds_report_is_current(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)  # paths in brief.json are as given on the command line: seeds/...
    result = CliRunner().invoke(cli, ["brief", "seeds", "--out", str(tmp_path), "--offline", "--quiet"])
    assert result.exit_code == 0, result.output
    fresh = _without_timing(json.loads((tmp_path / "brief.json").read_text()))
    committed = _without_timing(json.loads((COMMITTED / "brief.json").read_text()))
    assert committed == fresh, f"reports/seeds/brief.json is stale; {REGENERATE}"
    # The Markdown differs only in its footer, which carries the run time.
    fresh_md = (tmp_path / "brief.md").read_text().rsplit("\n---\n", 1)[0]
    assert (COMMITTED / "brief.md").read_text().rsplit("\n---\n", 1)[0] == fresh_md, f"brief.md is stale; {REGENERATE}"
    assert (COMMITTED / "brief.html").is_file()
