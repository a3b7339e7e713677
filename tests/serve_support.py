"""A briefing folder for the `reporter serve` tests: the seeds plus one hostile article."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from reporter.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
# Each payload, if it ever ran, would set a marker the browser test looks for.
SCRIPT = "<script>window.__pwned = 'script'</script>"
IMG = "<img src=x onerror=\"window.__pwned = 'img'\">"
JS_LINK = "javascript:window.__pwned='link'"
HOSTILE = {
    "title": f"Putin meets Wang {SCRIPT}",
    "outlet": f"Evil Times {IMG}",
    "url": JS_LINK,
    "published": "2023-02-22",
    "text": (
        f"Putin meets Wang {SCRIPT}\n\n"
        "Wang Yi, the top diplomat for China, met Russian President Vladimir Putin on Wednesday in Moscow. "
        f"The visit came as a suprise to many {IMG} observers in the region.\n\n"
        f'Click <a href="{JS_LINK}">here</a> for more, or [here]({JS_LINK}) in Markdown.\n\n'
        "Putin said bilateral trade could reach $200 billion this year, according to the Kremlin."
    ),
}


def build_folder(tmp: Path) -> Path:
    """Seeds + hostile.json briefed offline into tmp/out; returns the briefing folder."""
    inputs = tmp / "inputs"
    shutil.copytree(SEEDS, inputs)
    (inputs / "zz-hostile.json").write_text(json.dumps(HOSTILE), encoding="utf-8")
    out = tmp / "out"
    result = CliRunner().invoke(cli, ["brief", str(inputs), "--out", str(out), "--offline", "-q"])
    assert result.exit_code == 0, result.output
    return out
