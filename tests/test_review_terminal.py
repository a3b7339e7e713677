"""The terminal review on the seeds: one flag per 80x24 screen with its title and keys visible, sources
named by outlet, filters, Ctrl-C exiting 130, and --hide-dismissed remembered in DIR."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from reporter import review_walk
from reporter.cli import cli
from reporter.render import ordered, source_label, with_labels
from reporter.review_cli import load_brief, review

ROOT = Path(__file__).resolve().parent.parent
RULE = "─" * 80


@pytest.fixture
def seeds_dir(tmp_path):
    out = tmp_path / "seeds"
    shutil.copytree(ROOT / "reports" / "seeds", out)
    return out


def flags_of(out: Path) -> list[dict]:
    return json.loads((out / "brief.json").read_text(encoding="utf-8"))["discrepancies"]


def test_every_flag_fits_an_80x24_screen_with_title_and_keys(seeds_dir):
    flags = flags_of(seeds_dir)
    result = CliRunner().invoke(review, [str(seeds_dir)], input="s\n" * len(flags),
                                env={"COLUMNS": "80", "LINES": "24"})
    assert result.exit_code == 0, result.output
    screens = result.stdout.split("That was the last flag.")[0].split(RULE)[1:]
    assert len(screens) == len(flags)
    brief = load_brief(seeds_dir)
    names = source_label(brief)
    titles = [with_labels(f.title, names) for f in ordered(brief.discrepancies)]
    for screen, title in zip(screens, titles, strict=True):
        lines = screen.strip("\n").splitlines()
        assert len(lines) <= 23, screen  # plus the rule above it: the whole flag is on one screen
        assert all(len(line) <= 80 for line in lines), screen
        assert lines[0].startswith("[") and " · confidence " in lines[0]
        assert lines[1].strip() == title[:80].strip() or title.startswith(lines[1].strip())  # the title, on top
        assert lines[-1].startswith("[c]onfirm [d]ismiss [n]eeds-check")
    # sources are named by outlet or byline, never by their hashed file name
    assert "000_682df135ee5f2b03" not in result.stdout and "Oyintari Ben:" in result.stdout


def test_filters_pick_the_flags_to_walk_and_to_list(seeds_dir):
    flags = flags_of(seeds_dir)
    want = [f for f in flags if f["kind"] == "spelling" and f["severity"] == "low"]
    result = CliRunner().invoke(review, [str(seeds_dir), "--list", "--kind", "spelling", "--severity", "low"])
    assert sorted(line.split("\t")[0] for line in result.stdout.splitlines()) == sorted(f["id"] for f in want)
    cnn = [f for f in flags if any(e["source_id"].startswith("001_") for e in f["evidence"])]
    result = CliRunner().invoke(review, [str(seeds_dir), "--source", "cnn"], input="q\n")
    assert f"[1/{len(cnn)}]" in result.stdout
    result = CliRunner().invoke(review, [str(seeds_dir), "--source", "001"], input="q\n")  # an id prefix
    assert f"[1/{len(cnn)}]" in result.stdout


def test_ctrl_c_in_the_walk_exits_130_and_keeps_the_decisions(seeds_dir, monkeypatch):
    keys = iter(["c"])

    def key() -> str:
        try:
            return next(keys)
        except StopIteration:
            raise KeyboardInterrupt from None

    monkeypatch.setattr(review_walk, "read_key", key)
    result = CliRunner().invoke(review, [str(seeds_dir)])
    assert result.exit_code == 130
    assert "interrupted" in result.stderr
    decisions = json.loads((seeds_dir / "review.json").read_text(encoding="utf-8"))["decisions"]
    assert [d["status"] for d in decisions.values()] == ["confirmed"]
    assert "1 confirmed" in (seeds_dir / "brief.md").read_text(encoding="utf-8")


def test_hide_dismissed_is_remembered_by_later_updates(seeds_dir, monkeypatch):
    first, second = (f["id"] for f in flags_of(seeds_dir)[:2])
    run = CliRunner().invoke
    assert run(review, [str(seeds_dir), "--set", f"{first}=dismissed", "--hide-dismissed"]).exit_code == 0
    assert f'id="{first}"' not in (seeds_dir / "brief.md").read_text(encoding="utf-8")
    assert run(review, [str(seeds_dir), "--set", f"{second}=confirmed"]).exit_code == 0  # no flag given
    md = (seeds_dir / "brief.md").read_text(encoding="utf-8")
    assert f'id="{first}"' not in md and "1 dismissed flag hidden" in md
    monkeypatch.chdir(ROOT)
    assert run(cli, ["brief", "seeds", "--out", str(seeds_dir), "-q"]).exit_code == 0  # a re-run keeps it too
    assert f'id="{first}"' not in (seeds_dir / "brief.md").read_text(encoding="utf-8")
    assert run(review, [str(seeds_dir), "--set", f"{second}=open", "--show-dismissed"]).exit_code == 0
    assert f'id="{first}"' in (seeds_dir / "brief.md").read_text(encoding="utf-8")
    assert run(review, [str(seeds_dir), "--set", f"{second}=confirmed"]).exit_code == 0
    assert f'id="{first}"' in (seeds_dir / "brief.md").read_text(encoding="utf-8")
