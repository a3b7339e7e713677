"""`reporter review DIR`: scripts (--list, --set, --export) and the interactive walk, via CliRunner."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner
from review_fixtures import by_title, make_brief, write_brief

from reporter import review as rv
from reporter.render import ordered
from reporter.review_cli import review
from reporter.review_walk import EVIDENCE_CHARS, context_around, safe, shortened


@pytest.fixture
def folder(tmp_path):
    brief = make_brief(["a", "b"])
    write_brief(brief, tmp_path)
    return tmp_path, brief


def run(*args, input=None, env=None):
    return CliRunner().invoke(review, [str(a) for a in args], input=input, env=env)


def stored(out_dir):
    return rv.load_decisions(out_dir / "review.json")


def test_set_records_status_note_correction_and_reviewer(folder):
    out_dir, brief = folder
    quote = by_title(brief, "quote")
    result = run(out_dir, "--set", f"{quote.id}=confirmed", "--note", "checked", "--correction", "use A's")
    assert result.exit_code == 0, result.output
    entry = stored(out_dir)[quote.id]
    assert (entry.status, entry.note, entry.correction) == ("confirmed", "checked", "use A's")
    assert entry.decided_at and entry.decided_at.endswith("Z")
    result = run(out_dir, "--set", f"{quote.id}=dismissed", "--reviewer", "bob", env={"REPORTER_REVIEWER": "x"})
    assert result.exit_code == 0
    assert stored(out_dir)[quote.id].reviewer == "bob"
    result = run(out_dir, "--set", f"{quote.id[:6]}=needs-check", env={"REPORTER_REVIEWER": "erin"})
    assert result.exit_code == 0, result.output
    assert (stored(out_dir)[quote.id].status, stored(out_dir)[quote.id].reviewer) == ("needs-check", "erin")


def test_list_shows_flags_and_filters_by_status(folder):
    out_dir, brief = folder
    typo = by_title(brief, "misspelled")
    assert run(out_dir, "--set", f"{typo.id}=dismissed").exit_code == 0
    result = run(out_dir, "--list")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    assert f"{typo.id}\tdismissed\tmedium\tspelling\t'Teh' is misspelled" in lines
    assert "3 flags: 1 dismissed, 2 open" in result.stderr
    open_only = run(out_dir, "--list", "--status", "open").stdout.splitlines()
    assert len(open_only) == 2 and all("\topen\t" in line for line in open_only)


def test_orphans_are_listed_after_the_source_goes(folder):
    out_dir, brief = folder
    typo = by_title(brief, "misspelled")
    assert run(out_dir, "--set", f"{typo.id}=confirmed", "--note", "fix").exit_code == 0
    write_brief(make_brief(["a", "c"]), out_dir)
    result = run(out_dir, "--list", "--status", "orphaned")
    assert result.stdout.splitlines() == [f"{typo.id}\torphaned:confirmed\t-\t-\t'Teh' is misspelled"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--set", "zz-nope=confirmed"], 2, "zz-nope: no such flag"),
        (["--set", "ID=maybe"], 2, "unknown status 'maybe'"),
        (["--set", "no-equals-sign"], 2, "expected ID=STATUS"),
        (["--kind", "typo"], 2, "Invalid value for '--kind'"),
        (["--source", "nowhere"], 2, "'nowhere' matches no source"),
        (["--severity", "high", "--set", "x=confirmed"], 2, "go with --list or the interactive walk"),
        (["--status", "open"], 2, "--status goes with --list"),
        (["--list", "--set", "x=confirmed"], 2, "one of --list, --set"),
        (["--note", "n"], 2, "go with --set"),
        (["--export", "out.txt"], 2, ".csv or .json"),
    ],
)
def test_bad_requests_get_one_line_and_the_right_exit_code(folder, args, code, message):
    out_dir, brief = folder
    args = [a.replace("ID", brief.discrepancies[0].id) for a in args]
    result = run(out_dir, *args)
    assert result.exit_code == code
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert not (out_dir / "review.json").exists()


def test_missing_or_damaged_brief_json_is_one_line(tmp_path):
    result = run(tmp_path, "--list")
    assert result.exit_code == 1
    assert str(tmp_path / "brief.json") in result.stderr and "no briefing here" in result.stderr
    (tmp_path / "brief.json").write_text('{"event": 3}', encoding="utf-8")
    result = run(tmp_path, "--list")
    assert result.exit_code == 1 and "not a reporter briefing" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_damaged_store_stops_the_command_and_is_left_alone(folder):
    out_dir, brief = folder
    (out_dir / "review.json").write_text("{oops", encoding="utf-8")
    result = run(out_dir, "--set", f"{brief.discrepancies[0].id}=confirmed")
    assert result.exit_code == 1
    assert "review.json: damaged review file" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert (out_dir / "review.json").read_text(encoding="utf-8") == "{oops"


def test_export_csv_and_json(folder, tmp_path_factory):
    out_dir, brief = folder
    quote = by_title(brief, "quote")
    assert run(out_dir, "--set", f"{quote.id}=confirmed", "--note", "=HYPERLINK(1)").exit_code == 0
    dest = tmp_path_factory.mktemp("export")
    assert run(out_dir, "--export", dest / "flags.csv").exit_code == 0
    rows = list(csv.DictReader(io.StringIO((dest / "flags.csv").read_text(encoding="utf-8"))))
    assert [r["id"] for r in rows] == [f.id for f in brief.discrepancies]
    row = next(r for r in rows if r["id"] == quote.id)
    assert row["status"] == "confirmed"
    assert row["note"] == "'=HYPERLINK(1)"  # a spreadsheet must not run it
    assert row["evidence"] == "a: constructive and frank | b: frank and constructive"
    assert run(out_dir, "--export", dest / "flags.json").exit_code == 0
    doc = json.loads((dest / "flags.json").read_text(encoding="utf-8"))
    assert doc["summary"] == "3 flags: 1 confirmed, 2 open"
    entry = next(r for r in doc["flags"] if r["id"] == quote.id)
    assert entry["note"] == "=HYPERLINK(1)" and entry["evidence"][0]["start"] == quote.evidence[0].start


def test_interactive_walk_saves_each_decision_and_quitting_keeps_them(folder):
    out_dir, brief = folder
    flags = brief.discrepancies
    # first flag: a note, then confirm; second: dismiss; then quit before the third
    result = run(out_dir, "--reviewer", "ed", input="e\nchecked the wire\nc\nd\nq\n")
    assert result.exit_code == 0, result.output
    flags = ordered(flags)  # the walk goes most severe first
    decisions = stored(out_dir)
    assert set(decisions) == {flags[0].id, flags[1].id}
    assert (decisions[flags[0].id].status, decisions[flags[0].id].note) == ("confirmed", "checked the wire")
    assert decisions[flags[1].id].status == "dismissed" and decisions[flags[1].id].reviewer == "ed"
    assert "3 flags: 1 confirmed, 1 dismissed, 1 open" in result.stderr
    # the next walk starts with the flag still open
    again = run(out_dir, input="q\n")
    assert "[1/1]" in again.stdout and flags[2].id in again.stdout and flags[0].id not in again.stdout


def test_interactive_walk_shows_evidence_in_its_sentence_naming_sources_by_outlet(folder):
    out_dir, brief = folder
    result = run(out_dir, "--all", input="s\ns\nq\n", env={"COLUMNS": "200"})
    out = result.stdout
    for needle in (
        "Outlet A: Wang said the talks were \"constructive and frank\".",
        "Outlet B: Wang said the talks were \"frank and constructive\".",
        "Outlet B: Teh end of B.",  # a misspelt word inside its sentence, not bare
        "The deal is worth $200 billion.",
        "Suggestion: Check the original.",
    ):
        assert needle in out
    assert "a.txt" not in out and "Outlet A (a)" not in out


def test_interactive_back_skip_help_and_correction(folder):
    out_dir, brief = folder
    flags = brief.discrepancies
    keys = "s\nb\n?\nz\nx\nsay 'the'\nn\n"  # skip, back, help, unknown, correction, needs-check; EOF quits
    result = run(out_dir, input=keys)
    flags = ordered(flags)
    assert result.exit_code == 0
    assert "needs-check  someone must check" in result.stdout and "Unknown key" in result.stdout
    decisions = stored(out_dir)
    assert list(decisions) == [flags[0].id]
    assert (decisions[flags[0].id].status, decisions[flags[0].id].correction) == ("needs-check", "say 'the'")


def test_context_lines_skip_blank_lines_and_unsafe_characters_are_shown_escaped():
    text = "one\ntwo\nthree KEY four\nfive\nsix"
    start = text.index("KEY")
    assert context_around(text, start, start + 3) == ("two\nthree ", " four\nfive")
    spaced = "one\n\ntwo\n\n\nthree KEY four\n \nfive\n\nsix"
    start = spaced.index("KEY")
    assert context_around(spaced, start, start + 3) == ("two\nthree ", " four\nfive")
    assert context_around("KEY", 0, 3) == ("", "")
    assert safe("ok\x1b[31mred\u202eevil\nline") == "ok\\x1b[31mred\\u202eevil\nline"


def test_decisions_show_in_the_rewritten_briefing(folder):
    out_dir, brief = folder
    quote, typo = by_title(brief, "quote"), by_title(brief, "misspelled")
    result = run(out_dir, "--set", f"{quote.id}=confirmed", "--note", "two translations", "--reviewer", "ann")
    assert result.exit_code == 0, result.output
    assert "3 flags: 1 confirmed, 2 open" in result.stderr
    md = (out_dir / "brief.md").read_text(encoding="utf-8")
    assert "**Review:** confirmed by ann — two translations" in md
    assert "*3 flags: 1 confirmed, 2 open · most severe first*" in md
    assert "two translations" in (out_dir / "brief.html").read_text(encoding="utf-8")
    data = json.loads((out_dir / "brief.json").read_text(encoding="utf-8"))
    assert next(f for f in data["discrepancies"] if f["id"] == quote.id)["review"]["reviewer"] == "ann"
    assert run(out_dir, "--set", f"{typo.id}=dismissed", "--hide-dismissed").exit_code == 0
    md = (out_dir / "brief.md").read_text(encoding="utf-8")
    assert typo.id not in md and quote.id in md
    assert typo.id in (out_dir / "brief.json").read_text(encoding="utf-8")


def test_long_evidence_is_shortened_for_the_screen():
    long = "start " + "x" * 2000 + " end"
    short = shortened(long)
    assert short.startswith("start ") and short.endswith(" end") and len(short) < EVIDENCE_CHARS + 40
    assert f"[…{len(long) - EVIDENCE_CHARS * 2 // 3 - EVIDENCE_CHARS // 3} characters…]" in short
    assert shortened("brief") == "brief"


def test_a_hostile_briefing_cannot_drive_the_terminal_in_the_walk(tmp_path):
    brief = make_brief(["a", "b"])
    hostile = "x[bold]\x1b]0;owned\x07\x1b[2J"
    flag = ordered(brief.discrepancies)[0]
    flag.id, flag.title = hostile, "Title \x1b[31mred\u202e"
    write_brief(brief, tmp_path)
    result = run(tmp_path, input="c\nq\n", env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout and "\x07" not in result.stdout
    # shown as visible escapes, and rich markup in the id is printed literally, not obeyed
    assert "x[bold]\\x1b]0;owned\\x07\\x1b[2J" in result.stdout
    assert "Saved: x[bold]\\x1b" in result.stdout and "Title \\x1b[31mred\\u202e" in result.stdout
