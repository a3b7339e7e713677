"""reports/seeds/ is the committed output of `python3 dev.py brief`: it must match what the code writes now.

dev.py sets SOURCE_DATE_EPOCH, so the files carry no wall time and re-running leaves them byte for byte
the same: the committed report changes only when the output does.
"""

from pathlib import Path

from click.testing import CliRunner

from reporter.cli import cli

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "reports" / "seeds"
REGENERATE = "regenerate it: python3 dev.py brief"


def test_committed_seeds_report_is_current(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)  # paths in brief.json are as given on the command line: seeds/...
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    result = CliRunner().invoke(cli, ["brief", "seeds", "--out", str(tmp_path), "--quiet"])  # as dev.py runs it
    assert result.exit_code == 0, result.output
    for name in ("brief.json", "brief.md", "brief.html"):
        fresh = (tmp_path / name).read_text(encoding="utf-8")
        assert (COMMITTED / name).read_text(encoding="utf-8") == fresh, f"reports/seeds/{name} is stale; {REGENERATE}"


def test_two_runs_write_the_same_bytes(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    for out in ("one", "two"):
        assert CliRunner().invoke(cli, ["brief", "seeds", "--out", str(tmp_path / out), "-q"]).exit_code == 0
    for name in ("brief.json", "brief.md", "brief.html"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name
    assert '"duration_s": null' in (tmp_path / "one" / "brief.json").read_text(encoding="utf-8")
