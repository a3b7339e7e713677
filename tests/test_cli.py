"""The CLI end to end through click's runner: the offline briefing of the seeds."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from reporter.cli import cli

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def seeds_brief(tmp_path_factory):
    out = tmp_path_factory.mktemp("seeds")
    result = CliRunner().invoke(cli, ["brief", str(SEEDS), "--out", str(out), "--offline"])
    return result, out


def test_offline_seeds_briefing_writes_three_files(seeds_brief):
    result, out = seeds_brief
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} >= {"brief.md", "brief.html", "brief.json"}
    assert "offline briefing" in result.stderr and "no model configured" not in result.stderr  # --offline said so


def test_every_evidence_text_is_verbatim_at_its_offsets(seeds_brief):
    _, out = seeds_brief
    brief = json.loads((out / "brief.json").read_text())
    texts = {s["id"]: s["text"] for s in brief["sources"]}
    assert len(texts) == 5 and brief["run"]["mode"] == "offline"
    for e in (e for d in brief["discrepancies"] for e in d["evidence"]):
        assert texts[e["source_id"]][e["start"]:e["end"]] == e["text"]
    for s in brief["summaries"]:
        for q in s["quotes"]:
            assert texts[s["source_id"]][q["start"]:q["end"]] == q["text"]


def test_seeds_have_flags(seeds_brief):
    _, out = seeds_brief
    assert len(json.loads((out / "brief.json").read_text())["discrepancies"]) >= 5


def test_markdown_reads_as_a_briefing(seeds_brief):
    _, out = seeds_brief
    md = (out / "brief.md").read_text()
    headings = ("# Briefing:", "## At a glance", "## Flags", "## Sources", "## What the sources agree on",
                "## Article summaries")
    positions = [md.index(h) for h in headings]
    assert positions == sorted(positions)  # top-down: what matters most first
    assert "| 2 | CNN |" in md  # outlet found in the text "(CNN) ..."


def test_json_to_stdout_and_a_bad_file_among_good_ones(tmp_path):
    (tmp_path / "bad.json").write_text("{oops")
    result = CliRunner().invoke(cli, ["brief", str(SEEDS / "000_682df135ee5f2b03.txt"), str(tmp_path / "bad.json"),
                                      "--out", str(tmp_path / "out"), "--json", "-", "--quiet"])
    assert result.exit_code == 3
    brief = json.loads(result.stdout)
    assert [p["path"] for p in brief["problems"] if p["step"] == "ingest"] == [str(tmp_path / "bad.json")]
    assert "bad.json: malformed JSON" in result.stderr


def test_nothing_usable_is_a_one_line_error(tmp_path):
    result = CliRunner().invoke(cli, ["brief", str(tmp_path / "nope.txt"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert result.stderr.strip().count("\n") == 0 and "nope.txt" in result.stderr
    assert not (tmp_path / "o").exists()


def test_usage_error_exit_code():
    assert CliRunner().invoke(cli, ["brief"]).exit_code == 2


def test_ctrl_c_exits_130_and_leaves_the_previous_briefing(tmp_path, monkeypatch, capsys):
    from reporter import cli as cli_module

    out = tmp_path / "out"
    out.mkdir()
    (out / "brief.md").write_text("previous briefing")

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("reporter.pipeline.run", interrupted)  # the CLI imports the pipeline when it runs
    monkeypatch.setattr("sys.argv", ["reporter", "brief", str(SEEDS), "--out", str(out), "--offline"])
    with pytest.raises(SystemExit) as info:
        cli_module.main()
    assert info.value.code == 130
    assert "interrupted" in capsys.readouterr().err
    assert (out / "brief.md").read_text() == "previous briefing"
